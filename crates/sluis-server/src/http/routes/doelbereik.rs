//! Sluis's own messages (`/behandelplannen`, `/resultaatmeldingen`, `/beoordelingen`) and the
//! gebiedsteam's view (`/teams/{team}/doelbereik`); the selection they share with the
//! figures in [`super::indicatoren`].

use super::berichten::{href, Summary};
use crate::gateway::Gateway;
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::export::{col, Column, Form, Kind as Col, Table};
use crate::http::extract::{self, NoParams, Query, Sent};
use crate::security::access::Facts;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use sluis_core::doelbereik::{Bericht, Filter, Groep, Kind, Selectie};
use sluis_core::standard::types::Datum;
use sluis_core::validate::history::{Domein, Periode};
use std::sync::OnceLock;

pub async fn post_behandelplan(
    sent: Sent,
    who: Caller,
    _: Query<NoParams>,
    payload: web::Payload,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    post(Kind::Behandelplan, sent, who, payload, gw).await
}

pub async fn post_resultaatmelding(
    sent: Sent,
    who: Caller,
    _: Query<NoParams>,
    payload: web::Payload,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    post(Kind::Resultaatmelding, sent, who, payload, gw).await
}

pub async fn post_beoordeling(
    sent: Sent,
    who: Caller,
    _: Query<NoParams>,
    payload: web::Payload,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    post(Kind::Beoordeling, sent, who, payload, gw).await
}

/// A doelbereik message: 201 when accepted (200 with `Sluis-Replay` when it was before), 422
/// with the findings when rejected (kept for the audit), 400 when unreadable (nothing kept).
async fn post(
    kind: Kind,
    Sent(format): Sent,
    who: Caller,
    payload: web::Payload,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    let body = extract::body(payload, sluis_core::doelbereik::read::MAX_BYTES).await?;
    // An aanbieder sends only its own plans and meldingen; a gebiedsteam judges only for
    // itself, in its gemeente (the middleware left the check to us).
    let fault = OnceLock::new();
    let allowed = |b: &Bericht| {
        let facts = match b {
            Bericht::Behandelplan(p) => Facts {
                afzender: Some(p.aanbieder.as_str()),
                ..Facts::default()
            },
            Bericht::Resultaatmelding(r) => Facts {
                afzender: Some(r.aanbieder.as_str()),
                ..Facts::default()
            },
            // The beoordeling's team must be the caller's, and the client one of its team.
            Bericht::Beoordeling(o) => {
                let team = match gw.client_team(&o.bsn) {
                    Ok(t) => t,
                    Err(e) => {
                        // Refused now (nothing is kept), answered below as the fault it is.
                        let _ = fault.set(e);
                        return false;
                    }
                };
                Facts {
                    team: team.filter(|t| *t == o.team).map(|_| o.team.as_str()),
                    gemeente: Some(o.gemeente.as_str()),
                    ..Facts::default()
                }
            }
        };
        who.permits(&facts)
    };
    let ingested = gw.ingest_doelbereik(kind, format, &body, &allowed).await;
    if let Some(e) = fault.into_inner() {
        return Err(e.into());
    }
    let ingested = ingested?;
    let record = &ingested.record;
    let location = href(record.id);
    if !record.accepted {
        return Err(ApiError::Rejected {
            detail: format!(
                "het {} is afgekeurd ({} bevinding(en)); er is niets veranderd, het bericht is \
                 bewaard als {location}",
                kind.as_str(),
                record.findings.len()
            ),
            errors: record.findings.clone(),
            location,
        });
    }
    let mut resp = if ingested.replay {
        let mut r = HttpResponse::Ok();
        r.insert_header(("Sluis-Replay", "true"));
        r
    } else {
        HttpResponse::Created()
    };
    Ok(resp
        .insert_header((header::LOCATION, location))
        .json(Summary::of(record)))
}

/// The common selection of the read endpoints.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FilterQuery {
    aanbieder: Option<String>,
    gemeente: Option<String>,
    team: Option<String>,
    /// `ijw` or `iwmo`.
    domein: Option<String>,
    /// Ended (stop's Einddatum) on or after.
    van: Option<String>,
    /// Ended on or before.
    tot: Option<String>,
    /// Herhaald beroep window (months); default from the configuration.
    venster_maanden: Option<u32>,
    /// Windows still open on this day count only with a repeat.
    peildatum: Option<String>,
    /// `aanbieder`, `gemeente` or `team`: the figures per group as well.
    per: Option<String>,
    // `format=` is negotiated before the handler (json, csv, csv-nl, xlsx).
    // The team view's selection.
    lopend: Option<bool>,
    zonder_resultaatmelding: Option<bool>,
    zonder_plan_na_dagen: Option<u32>,
    betwist: Option<bool>,
    /// Page of the team view: at most `limit` (default 500, at most 5000) after the cursor
    /// `after` (the `next` of the page before; `offset` is its old name).
    limit: Option<usize>,
    after: Option<usize>,
    offset: Option<usize>,
}

/// A query's date.
fn date(field: &str, value: &Option<String>) -> Result<Option<Datum>, ApiError> {
    match value {
        None => Ok(None),
        Some(v) => Datum::parse(v)
            .map(Some)
            .ok_or_else(|| bad(field, "geen datum (JJJJ-MM-DD)")),
    }
}

fn bad(parameter: &str, detail: &str) -> ApiError {
    ApiError::Parameter {
        parameter: parameter.into(),
        detail: detail.to_string(),
    }
}

impl FilterQuery {
    pub fn filter(&self, gw: &Gateway) -> Result<Filter, ApiError> {
        let domein = match self.domein.as_deref() {
            None => None,
            Some("ijw") => Some(Domein::Ijw),
            Some("iwmo") => Some(Domein::Iwmo),
            Some(_) => return Err(bad("domein", "ijw of iwmo")),
        };
        let van = date("van", &self.van)?;
        let tot = date("tot", &self.tot)?;
        let periode = match (van, tot) {
            (None, None) => None,
            (v, t) => Some(Periode {
                begin: v
                    .or(Datum::from_ymd(1, 1, 1))
                    .ok_or_else(|| bad("van", "datum"))?,
                eind: t
                    .or(Datum::from_ymd(9999, 12, 31))
                    .ok_or_else(|| bad("tot", "datum"))?,
            }),
        };
        if periode.as_ref().is_some_and(|p| p.eind < p.begin) {
            return Err(bad("tot", "tot ligt voor van"));
        }
        let venster = self
            .venster_maanden
            .unwrap_or(gw.settings.indicatoren.venster_maanden);
        if venster == 0 || venster > 120 {
            return Err(bad("venster_maanden", "ligt tussen 1 en 120"));
        }
        Ok(Filter {
            domein,
            aanbieder: self.aanbieder.clone(),
            gemeente: self.gemeente.clone(),
            team: self.team.clone(),
            periode,
            venster_maanden: venster,
            peildatum: date("peildatum", &self.peildatum)?,
        })
    }

    pub fn groep(&self) -> Result<Option<Groep>, ApiError> {
        match self.per.as_deref() {
            None => Ok(None),
            Some("aanbieder") => Ok(Some(Groep::Aanbieder)),
            Some("gemeente") => Ok(Some(Groep::Gemeente)),
            Some("team") => Ok(Some(Groep::Team)),
            Some(_) => Err(bad("per", "aanbieder, gemeente of team")),
        }
    }
}

/// The trajectories of a gebiedsteam that pass the selection, a page at a time.
pub async fn team(
    req: HttpRequest,
    who: Caller,
    path: web::Path<String>,
    Query(q): Query<FilterQuery>,
    form: Form,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    let team = path.into_inner();
    let mine = who.permits(&Facts {
        team: Some(team.as_str()),
        gemeente: Some(gw.settings.gemeente.code.as_str()),
        ..Facts::default()
    });
    if !mine {
        return Err(ApiError::Forbidden);
    }
    if !gw.settings.knows_team(&team) {
        return Err(ApiError::NotFound("onbekend team"));
    }
    let selectie = Selectie {
        filter: Some(q.filter(&gw)?),
        lopend: q.lopend,
        zonder_resultaatmelding: q.zonder_resultaatmelding.unwrap_or(false),
        zonder_plan_na_dagen: q.zonder_plan_na_dagen,
        betwist: q.betwist.unwrap_or(false),
    };
    let limit = q.limit.unwrap_or(500).clamp(1, 5000);
    let offset = q.after.or(q.offset).unwrap_or(0);
    let (aantal, items) = gw.team_view(&team, &selectie, offset, limit)?;
    let next = (offset + items.len() < aantal).then_some(offset + items.len());
    let mut resp = if form == Form::Json {
        HttpResponse::Ok().json(serde_json::json!({
            "team": team,
            "aantal": aantal,
            "offset": offset,
            "next": next,
            "items": items,
        }))
    } else {
        let rows: Vec<serde_json::Value> = items
            .iter()
            .map(|t| serde_json::to_value(t).map_err(ApiError::internal))
            .collect::<Result<_, _>>()?;
        Table::of_json("doelbereik", TEAM, &flattened(rows)).respond(form)?
    };
    extract::link_next(&req, &mut resp, next.map(|n| n as u64));
    Ok(resp)
}

/// The columns of the team view's export (members of its JSON items; the stop's members as
/// `einddatum` and `reden_beeindiging`).
const TEAM: &[Column] = &[
    col("domein", Col::Text),
    col("aanbieder", Col::Text),
    col("gemeente", Col::Text),
    col("team", Col::Text),
    col("bsn", Col::Text),
    col("toewijzingnummer", Col::Text),
    col("ingangsdatum", Col::Date),
    col("start", Col::Date),
    col("einddatum", Col::Date),
    col("reden_beeindiging", Col::Text),
    col("status", Col::Text),
    col("grond", Col::Text),
    col("tevredenheid", Col::Text),
    col("plan", Col::Date),
    col("reden_wijziging", Col::Text),
];

/// The stop object's members as columns of their own.
fn flattened(mut rows: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    for row in &mut rows {
        let stop = row["stop"].take();
        if let Some(obj) = row.as_object_mut() {
            obj.insert("einddatum".into(), stop["einddatum"].clone());
            obj.insert("reden_beeindiging".into(), stop["reden"].clone());
        }
    }
    rows
}
