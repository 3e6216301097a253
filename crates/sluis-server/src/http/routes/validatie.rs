//! `POST /api/v1/validatie`: the integrator's dry run. A message of the standard is judged on
//! its own (structure and in-message rules, as `sluis validate` does) and answered with the
//! findings and the retourbericht Sluis would send; nothing is stored, delivered or judged
//! against the history. The request itself gets its audit line, like every other.

use crate::gateway::Gateway;
use crate::http::auth::{Caller, Security};
use crate::http::error::ApiError;
use crate::http::extract::{self, NoParams, Query, Sent};
use crate::store::StoredFinding;
use actix_web::{web, HttpResponse};
use serde::Serialize;
use sluis_core::intake::Checked;
use sluis_core::{Format, ReadError};
use utoipa::ToSchema;

/// The findings on one message and the retourbericht it would get. The `schema(description)`
/// is the OpenAPI document's, in Dutch like the rest of it (fields' doc comments are not used
/// there: `http::openapi::components`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(
    description = "De bevindingen over één bericht en het retourbericht dat Sluis erop zou sturen. `bericht`: `JW301`, `WMO323` …, null als het niet als bericht te lezen is; `format`: de vorm waarin het gelezen is; `valid`: geen enkele bevinding; `errors`: eerst de structuur (`XSD`), dan de regels binnen het bericht (`TR…`, `CS…`), elk met pad en Nederlandse omschrijving, `READ` als het niet te lezen is — dezelfde lijst als `sluis validate --format json`; `retourbericht`: wat Sluis zou sturen als de historie niets toevoegt; `geen_retourbericht`: waarom er geen is (XSD-fouten, zelf een retourbericht, declaraties bij `advies`, onleesbaar)."
)]
pub struct Validatie {
    /// The message (`JW301`, `WMO323` …); null when it could not be read as one.
    #[schema(example = "JW301")]
    pub bericht: Option<String>,
    /// The form it was read in (`xml` or `json`); null when it could not be read.
    pub format: Option<Formaat>,
    /// No finding at all: the message passes the structure and the in-message rules.
    pub valid: bool,
    /// Structure findings (`XSD`) first, then the in-message rules (`TR…`, `CS…`), each with
    /// its path and a Dutch description; `READ` when it could not be read. The same list as
    /// `sluis validate --format json` gives.
    pub errors: Vec<StoredFinding>,
    /// The retourbericht Sluis would send, if the history adds no finding.
    pub retourbericht: Option<Retourbericht>,
    /// Why there is none (XSD errors, a retourbericht itself, declaraties in `advies`).
    pub geen_retourbericht: Option<String>,
}

/// A retourbericht as it would be sent, in the form of the message it answers.
#[derive(Debug, Serialize, ToSchema)]
#[schema(
    description = "Een retourbericht zoals het verstuurd zou worden, in de vorm van het heenbericht: `bericht` (`JW302`, `WMO325` …), `format` en `inhoud` (XML-tekst, of JSON-tekst in Sluis's JSON-vorm)."
)]
pub struct Retourbericht {
    /// `JW302`, `WMO325` …
    #[schema(example = "JW302")]
    pub bericht: String,
    pub format: Formaat,
    /// The message itself: XML text, or JSON text in Sluis's JSON form.
    pub inhoud: String,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(description = "De vorm van een bericht.")]
pub enum Formaat {
    Xml,
    Json,
}

impl From<Format> for Formaat {
    fn from(f: Format) -> Formaat {
        match f {
            Format::Xml => Formaat::Xml,
            Format::Json => Formaat::Json,
        }
    }
}

impl Validatie {
    pub fn of(checked: Result<Checked, ReadError>) -> Validatie {
        let checked = match checked {
            Ok(c) => c,
            // As `sluis validate` reports it: one finding `READ` at the root.
            Err(e) => {
                return Validatie {
                    bericht: None,
                    format: None,
                    valid: false,
                    errors: vec![StoredFinding {
                        code: "READ".into(),
                        retourcode: None,
                        path: "/".into(),
                        message: e.to_string(),
                    }],
                    retourbericht: None,
                    geen_retourbericht: Some("het bericht is niet te lezen".into()),
                }
            }
        };
        let v = &checked.verdict;
        let (retourbericht, geen_retourbericht) = match &checked.retour {
            Ok(doc) => (
                Some(Retourbericht {
                    bericht: doc.code().to_string(),
                    format: v.format.into(),
                    inhoud: sluis_core::write(doc, v.format),
                }),
                None,
            ),
            Err(e) => (None, Some(e.to_string())),
        };
        Validatie {
            bericht: Some(v.document.code().to_string()),
            format: Some(v.format.into()),
            valid: v.is_valid(),
            errors: v.findings.iter().map(StoredFinding::from).collect(),
            retourbericht,
            geen_retourbericht,
        }
    }
}

pub async fn post(
    Sent(_): Sent,
    _: Query<NoParams>,
    who: Caller,
    payload: web::Payload,
    gw: web::Data<Gateway>,
    sec: web::Data<Security>,
) -> Result<HttpResponse, ApiError> {
    // The stricter budget of this route, after the general one the middleware took.
    sec.validatie
        .take(who.rate_key())
        .map_err(|wait| ApiError::TooManyRequests {
            retry_after_secs: wait.as_secs(),
        })?;
    let body = extract::body(payload, gw.settings.server.max_body_bytes).await?;
    let checked = gw.check(&body).await?;
    Ok(HttpResponse::Ok().json(Validatie::of(checked)))
}
