//! Every error the API answers, as one enum: each kind has its status, a stable code (the
//! suffix of the problem's `type`) and a Dutch title, and is rendered as an RFC 9457 problem
//! (`application/problem+json`). Handlers return `Result<_, ApiError>`.

use crate::gateway::reads::{StoreError, StoredFinding};
use crate::gateway::{DoelbereikError, IngestError};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use sluis_core::ReadError;
use std::fmt;

/// How long a caller waits before it tries again after a fault of the message database.
const RETRY_AFTER_SECS: u64 = 5;

#[derive(Debug)]
pub enum ApiError {
    /// A wrong JSON body or request.
    BadRequest(String),
    /// A query parameter that is unknown here or has a value that does not read (a date, a
    /// number, one of a set of words): the problem names it.
    Parameter {
        parameter: String,
        detail: String,
    },
    /// None of the forms in `Accept` is offered; `offered` lists the media types that are.
    NotAcceptable {
        offered: Vec<&'static str>,
    },
    /// Not a readable message (not well-formed, DOCTYPE, not a message of the standard …).
    Unreadable(String),
    /// Not valid by its XSD: no retourbericht, the findings go back.
    Xsd {
        detail: String,
        errors: Vec<StoredFinding>,
    },
    /// A doelbereik message not valid by its schema: nothing kept.
    Schema {
        detail: String,
        errors: Vec<StoredFinding>,
    },
    /// A doelbereik message rejected on its rules: kept for the audit at `location`.
    Rejected {
        detail: String,
        errors: Vec<StoredFinding>,
        location: String,
    },
    Unauthenticated,
    /// A role may not do this at all (decided without looking at any object).
    Forbidden,
    /// Tokens of a care role are made only with the command line, never over the API.
    CareRoleByCli,
    /// What was not found, in Dutch (never an id or a BSN). Also the answer for an object that
    /// exists but is not the caller's, so an answer never tells whether it exists.
    NotFound(&'static str),
    /// An acknowledgement of a cursor that was never delivered to this party.
    UnknownCursor,
    /// The message's content was removed by the retention policy (`docs/retention.md`); what
    /// is known about it is still answered.
    PayloadRemoved,
    /// A served path, another method; `allow` lists the methods it has.
    MethodNotAllowed {
        allow: String,
    },
    /// A configured token cannot be revoked through the API.
    Configured(String),
    TooLarge(String),
    UnsupportedMediaType,
    TooManyRequests {
        retry_after_secs: u64,
    },
    /// A message to a party this gateway does not serve: nothing kept.
    UnknownOntvanger,
    /// The message database failed: try again shortly; nothing unacknowledged was kept.
    Unavailable,
    Timeout,
    Internal,
}

impl ApiError {
    /// A fault with no other kind; the cause goes to the log, the caller learns only that it
    /// failed.
    pub fn internal(cause: impl fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "request failed");
        ApiError::Internal
    }

    pub fn status(&self) -> StatusCode {
        use ApiError::*;
        match self {
            BadRequest(_) | Parameter { .. } | Unreadable(_) | Xsd { .. } | Schema { .. } => {
                StatusCode::BAD_REQUEST
            }
            NotAcceptable { .. } => StatusCode::NOT_ACCEPTABLE,
            Rejected { .. } | UnknownOntvanger => StatusCode::UNPROCESSABLE_ENTITY,
            Unauthenticated => StatusCode::UNAUTHORIZED,
            Forbidden | CareRoleByCli => StatusCode::FORBIDDEN,
            NotFound(_) => StatusCode::NOT_FOUND,
            UnknownCursor => StatusCode::CONFLICT,
            PayloadRemoved => StatusCode::GONE,
            MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Configured(_) => StatusCode::CONFLICT,
            TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Unavailable | Timeout => StatusCode::SERVICE_UNAVAILABLE,
            Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code: the last segment of the problem's `type`.
    pub fn code(&self) -> &'static str {
        use ApiError::*;
        match self {
            BadRequest(_) => "bad-request",
            Parameter { .. } => "parameter",
            NotAcceptable { .. } => "not-acceptable",
            Unreadable(_) => "unreadable",
            Xsd { .. } => "xsd",
            Schema { .. } => "schema",
            Rejected { .. } => "afgekeurd",
            UnknownOntvanger => "onbekende-ontvanger",
            Unauthenticated => "unauthenticated",
            Forbidden => "forbidden",
            CareRoleByCli => "alleen-via-cli",
            NotFound(_) => "not-found",
            UnknownCursor => "onbekende-cursor",
            PayloadRemoved => "bewaartermijn-verstreken",
            MethodNotAllowed { .. } => "method-not-allowed",
            Configured(_) => "configured",
            TooLarge(_) => "too-large",
            UnsupportedMediaType => "unsupported-media-type",
            TooManyRequests { .. } => "too-many-requests",
            Unavailable => "unavailable",
            Timeout => "timeout",
            Internal => "internal",
        }
    }

    pub fn title(&self) -> &'static str {
        use ApiError::*;
        match self {
            BadRequest(_) => "Ongeldig verzoek",
            Parameter { .. } => "Ongeldige queryparameter",
            NotAcceptable { .. } => "Vorm niet beschikbaar",
            Unreadable(_) => "Bericht onleesbaar",
            Xsd { .. } => "Bericht voldoet niet aan het XSD",
            Schema { .. } => "Bericht voldoet niet aan zijn schema",
            Rejected { .. } => "Bericht afgekeurd",
            UnknownOntvanger => "Onbekende ontvanger",
            Unauthenticated => "Niet aangemeld",
            Forbidden | CareRoleByCli => "Geen toegang",
            NotFound(_) => "Niet gevonden",
            UnknownCursor => "Onbekende cursor",
            PayloadRemoved => "Inhoud niet meer bewaard",
            MethodNotAllowed { .. } => "Methode niet toegestaan",
            Configured(_) => "Token uit de configuratie",
            TooLarge(_) => "Bericht te groot",
            UnsupportedMediaType => "Niet ondersteund berichtformaat",
            TooManyRequests { .. } => "Te veel verzoeken",
            Unavailable => "Tijdelijk niet beschikbaar",
            Timeout => "Verzoek duurde te lang",
            Internal => "Interne fout",
        }
    }

    fn detail(&self) -> String {
        use ApiError::*;
        match self {
            BadRequest(d) | Unreadable(d) | Configured(d) | TooLarge(d) => d.clone(),
            Xsd { detail, .. } | Schema { detail, .. } | Rejected { detail, .. } => detail.clone(),
            Parameter { parameter, detail } => format!("{parameter}: {detail}"),
            NotAcceptable { offered } => format!(
                "dit antwoord bestaat als {}; vraag daarom in Accept (of met format=)",
                offered.join(", ")
            ),
            NotFound(what) => (*what).to_string(),
            Unauthenticated => {
                "geef een geldig token (Authorization: Bearer …) of een bekend clientcertificaat"
                    .into()
            }
            Forbidden => "u heeft geen toegang tot dit gegeven".into(),
            CareRoleByCli => "tokens voor aanbieder, gemeente, gebiedsteam en contractmanager \
                             maakt de beheerder alleen met `sluis token create` op de server, \
                             bij een gestopte gateway; via de API alleen operator-tokens"
                .into(),
            UnknownCursor => "deze cursor is nooit aan deze partij afgeleverd; bevestig alleen \
                              een cursor uit de eigen inbox"
                .into(),
            PayloadRemoved => "de inhoud van dit bericht (het bericht zelf en het retourbericht) \
                               is na de bewaartermijn verwijderd; wat er over het bericht bekend \
                               is (afzender, ontvanger, identificatie, bevindingen, bezorging) \
                               staat in de JSON-vorm"
                .into(),
            MethodNotAllowed { allow } => format!("dit pad kent alleen {allow}"),
            UnsupportedMediaType => {
                "stuur het bericht als application/xml of application/json".into()
            }
            TooManyRequests { .. } => "wacht even en probeer het opnieuw".into(),
            UnknownOntvanger => "de Ontvanger van het bericht is geen aanbieder van deze \
                                 gemeente (geen gecontracteerde AGB-code); er is niets \
                                 opgeslagen en geen retourbericht gemaakt"
                .into(),
            Unavailable => format!(
                "de berichtenopslag is tijdelijk niet beschikbaar; er is niets opgeslagen dat \
                 niet bevestigd is, probeer het over {RETRY_AFTER_SECS} seconden opnieuw"
            ),
            Timeout => "het antwoord kwam niet op tijd; een opnieuw verstuurd bericht wordt \
                        herkend"
                .into(),
            Internal => "het verzoek kon niet worden verwerkt; er is niets opgeslagen dat niet \
                         bevestigd is"
                .into(),
        }
    }

    fn errors(&self) -> &[StoredFinding] {
        match self {
            ApiError::Xsd { errors, .. }
            | ApiError::Schema { errors, .. }
            | ApiError::Rejected { errors, .. } => errors,
            _ => &[],
        }
    }
}

/// The body of a problem (RFC 9457), in this field order.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(
    description = "Een fout als RFC 9457 problem details; `type` eindigt op de vaste code (`docs/api.md`); `errors` alleen bij een bericht dat niet geldig is of is afgekeurd."
)]
pub(crate) struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    detail: String,
    /// Findings, for a message that is not valid or was rejected.
    #[serde(skip_serializing_if = "<[StoredFinding]>::is_empty")]
    errors: &'a [StoredFinding],
    /// The query parameter at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    parameter: Option<&'a str>,
    /// The media types offered, for a 406.
    #[serde(skip_serializing_if = "<[&str]>::is_empty")]
    accept: &'a [&'static str],
    /// The request's id (`X-Request-Id`), to find its log lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.title(), self.detail())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status();
        let mut resp = HttpResponse::build(status);
        resp.content_type("application/problem+json");
        let retry_after = match self {
            ApiError::Unavailable => Some(RETRY_AFTER_SECS),
            ApiError::TooManyRequests { retry_after_secs } => Some((*retry_after_secs).max(1)),
            _ => None,
        };
        if let Some(secs) = retry_after {
            resp.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        match self {
            ApiError::Unauthenticated => {
                resp.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"sluis\""),
                ));
            }
            ApiError::MethodNotAllowed { allow } => {
                if let Ok(v) = HeaderValue::from_str(allow) {
                    resp.insert_header((header::ALLOW, v));
                }
            }
            ApiError::Rejected { location, .. } => {
                if let Ok(v) = HeaderValue::from_str(location) {
                    resp.insert_header((header::LOCATION, v));
                }
            }
            _ => {}
        }
        resp.json(Problem {
            kind: format!("https://sluis.example/problems/{}", self.code()),
            title: self.title(),
            status: status.as_u16(),
            detail: self.detail(),
            errors: self.errors(),
            parameter: match self {
                ApiError::Parameter { parameter, .. } => Some(parameter),
                _ => None,
            },
            accept: match self {
                ApiError::NotAcceptable { offered } => offered,
                _ => &[],
            },
            request_id: super::trace::current(),
        })
    }
}

/// A fault of the message database: 503 with `Retry-After`. The cause goes to the log only
/// (it may name a record, never a client).
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        tracing::error!(error = %e, "message database fault");
        ApiError::Unavailable
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> ApiError {
        match e {
            IngestError::Forbidden => ApiError::Forbidden,
            IngestError::UnknownOntvanger => ApiError::UnknownOntvanger,
            IngestError::Unreadable(e @ ReadError::TooLarge { .. }) => {
                ApiError::TooLarge(e.to_string())
            }
            IngestError::Unreadable(e) => ApiError::Unreadable(e.to_string()),
            IngestError::Structure(ref findings) => ApiError::Xsd {
                detail: format!("{e}; er is geen retourbericht"),
                errors: findings.iter().map(StoredFinding::from).collect(),
            },
            IngestError::Store(e) => e.into(),
        }
    }
}

impl From<DoelbereikError> for ApiError {
    fn from(e: DoelbereikError) -> ApiError {
        match e {
            DoelbereikError::Forbidden => ApiError::Forbidden,
            DoelbereikError::Unreadable { ref findings, .. } => ApiError::Schema {
                detail: format!("{e}; er is niets opgeslagen"),
                errors: findings.iter().map(StoredFinding::from).collect(),
            },
            DoelbereikError::Store(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body(e: &ApiError) -> serde_json::Value {
        let bytes = e
            .error_response()
            .into_body()
            .try_into_bytes()
            .unwrap_or_default();
        serde_json::from_slice(&bytes).unwrap_or_default()
    }

    #[test]
    fn a_fault_of_the_database_is_503_with_retry_after_and_no_cause() {
        let e = ApiError::from(StoreError::Corrupt(7, "secret cause".into()));
        let r = e.error_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            r.headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            Some("5")
        );
        assert_eq!(
            r.headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some("application/problem+json")
        );
        let p = body(&e);
        assert_eq!(p["type"], "https://sluis.example/problems/unavailable");
        assert_eq!(p["status"], 503);
        assert!(!p.to_string().contains("secret"), "{p}");
        assert!(p.get("errors").is_none());
    }

    #[test]
    fn every_kind_has_its_own_code() {
        let all = [
            ApiError::BadRequest(String::new()),
            ApiError::Parameter {
                parameter: "van".into(),
                detail: String::new(),
            },
            ApiError::NotAcceptable {
                offered: vec!["application/json"],
            },
            ApiError::Unreadable(String::new()),
            ApiError::Xsd {
                detail: String::new(),
                errors: Vec::new(),
            },
            ApiError::Schema {
                detail: String::new(),
                errors: Vec::new(),
            },
            ApiError::Rejected {
                detail: String::new(),
                errors: Vec::new(),
                location: String::new(),
            },
            ApiError::Unauthenticated,
            ApiError::Forbidden,
            ApiError::CareRoleByCli,
            ApiError::NotFound(""),
            ApiError::UnknownCursor,
            ApiError::MethodNotAllowed {
                allow: String::new(),
            },
            ApiError::Configured(String::new()),
            ApiError::TooLarge(String::new()),
            ApiError::UnsupportedMediaType,
            ApiError::TooManyRequests {
                retry_after_secs: 1,
            },
            ApiError::Unavailable,
            ApiError::Timeout,
            ApiError::Internal,
        ];
        let codes: std::collections::BTreeSet<_> = all.iter().map(ApiError::code).collect();
        assert_eq!(codes.len(), all.len());
        for e in &all {
            assert_eq!(body(e)["status"], e.status().as_u16());
            assert_eq!(body(e)["title"], e.title());
        }
        let r = ApiError::Unauthenticated.error_response();
        assert!(r.headers().contains_key(header::WWW_AUTHENTICATE));
    }
}
