//! `/api/v1/stromen`: the flows between the gemeente and its aanbieders (contractmanager), and
//! `/api/v1/toewijzingen/{nummer}/stroom`: every message of one toewijzing as a timeline.
//! Definitions of every figure: docs/stuurinformatie.md.

use super::berichten::day;
use super::own_gemeente;
use super::toewijzingen::may_see;
use crate::gateway::Gateway;
use crate::http::auth::Security;
use crate::http::auth::{audit_client, Caller};
use crate::http::error::ApiError;
use crate::http::export::{col, Column, Form, Kind, Table};
use crate::http::extract::Query;
use crate::security::crypto::ClientPseudonym;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use sluis_core::standard::types::Bsn;
use sluis_core::stuurinformatie::{Per, SoortFilter, Vraag, PLAN_BINNEN};
use sluis_core::validate::history::Domein;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StromenQuery {
    /// AGB-code.
    aanbieder: Option<String>,
    team: Option<String>,
    /// `ijw` or `iwmo` (`domein` is the same).
    standaard: Option<String>,
    domein: Option<String>,
    /// `JW323`, `323` (both standards) or `behandelplan` …
    berichtsoort: Option<String>,
    van: Option<String>,
    tot: Option<String>,
    /// `maand` (default) or `kwartaal`.
    per: Option<String>,
    /// Days after the start within which a behandelplan is on time (default 42).
    plan_binnen: Option<u32>,
    /// For a download (`format=csv|csv-nl|xlsx`): which of the five tables (default
    /// `berichten`).
    tabel: Option<String>,
}

/// The five tables' columns, as their JSON rows name them; amounts (cents) written in euros.
const BERICHTEN: &[Column] = &[
    col("periode", Kind::Text),
    col("aanbieder", Kind::Text),
    col("berichtsoort", Kind::Text),
    col("richting", Kind::Text),
    col("aantal", Kind::Count),
    col("geaccepteerd", Kind::Count),
    col("deels", Kind::Count),
    col("afgekeurd", Kind::Count),
];
const RETOURCODES: &[Column] = &[
    col("periode", Kind::Text),
    col("aanbieder", Kind::Text),
    col("berichtsoort", Kind::Text),
    col("retourcode", Kind::Text),
    col("omschrijving", Kind::Text),
    col("aantal", Kind::Count),
];
const BEDRAGEN: &[Column] = &[
    col("periode", Kind::Text),
    col("aanbieder", Kind::Text),
    col("product", Kind::Text),
    col("ingediend_cent", Kind::Amount),
    col("toegekend_cent", Kind::Amount),
    col("volume_gedeclareerd", Kind::Count),
    col("volume_toegewezen", Kind::Count),
];
const DOORLOOPTIJDEN: &[Column] = &[
    col("periode", Kind::Text),
    col("aanbieder", Kind::Text),
    col("doorlooptijd", Kind::Text),
    col("aantal", Kind::Count),
    col("mediaan_dagen", Kind::Decimal),
    col("p90_dagen", Kind::Count),
];
const PLANNEN: &[Column] = &[
    col("periode", Kind::Text),
    col("aanbieder", Kind::Text),
    col("gestart", Kind::Count),
    col("met_plan", Kind::Count),
    col("zonder_plan", Kind::Count),
    col("nog_binnen_termijn", Kind::Count),
];

/// A parameter that does not read: the problem names it (the part of `detail` before `:`).
fn bad(detail: String) -> ApiError {
    let parameter = detail
        .split([':', ' '])
        .next()
        .filter(|p| !p.is_empty())
        .unwrap_or("query")
        .to_string();
    ApiError::Parameter { parameter, detail }
}

fn domein(v: Option<&str>) -> Result<Option<Domein>, ApiError> {
    match v {
        None => Ok(None),
        Some("ijw") => Ok(Some(Domein::Ijw)),
        Some("iwmo") => Ok(Some(Domein::Iwmo)),
        Some(d) => Err(bad(format!("standaard {d:?}: ijw of iwmo"))),
    }
}

impl StromenQuery {
    fn vraag(&self, gw: &Gateway) -> Result<Vraag, ApiError> {
        let aanbieder = match self.aanbieder.as_deref() {
            None => None,
            Some(a) if a.len() == 8 && a.bytes().all(|b| b.is_ascii_digit()) => a.parse().ok(),
            Some(a) => return Err(bad(format!("aanbieder {a:?}: een AGB-code van 8 cijfers"))),
        };
        let standaard = domein(self.standaard.as_deref())?;
        let dom = domein(self.domein.as_deref())?;
        if standaard.is_some() && dom.is_some() && standaard != dom {
            return Err(bad("standaard en domein spreken elkaar tegen".into()));
        }
        let berichtsoort = self
            .berichtsoort
            .as_deref()
            .map(|s| {
                SoortFilter::parse(s).ok_or_else(|| {
                    bad(format!(
                        "berichtsoort {s:?}: bijvoorbeeld JW323, 323 of behandelplan"
                    ))
                })
            })
            .transpose()?;
        let per = match self.per.as_deref() {
            None => Per::Maand,
            Some(p) => Per::parse(p).ok_or_else(|| bad(format!("per {p:?}: maand of kwartaal")))?,
        };
        // The one reading of a query date, as every list has it.
        let (van, tot) = (day("van", &self.van)?, day("tot", &self.tot)?);
        if let (Some(v), Some(t)) = (van, tot) {
            if v > t {
                return Err(bad("van ligt na tot".into()));
            }
        }
        let plan_binnen = self.plan_binnen.unwrap_or(PLAN_BINNEN);
        if plan_binnen > 3650 {
            return Err(bad("plan_binnen: hoogstens 3650 dagen".into()));
        }
        Ok(Vraag {
            gemeente: gw.settings.gemeente.code.parse().ok(),
            aanbieder,
            team: None,
            domein: standaard.or(dom),
            berichtsoort,
            van,
            tot,
            per,
            plan_binnen,
        })
    }
}

pub async fn stromen(
    who: Caller,
    Query(q): Query<StromenQuery>,
    form: Form,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    own_gemeente(&who, &gw)?;
    let vraag = q.vraag(&gw)?;
    let s = gw.stromen(&vraag, q.team.as_deref());
    if form != Form::Json {
        // The rows as the JSON answer has them, read back by column name.
        let json = |v: Result<serde_json::Value, serde_json::Error>| match v {
            Ok(serde_json::Value::Array(rows)) => rows,
            _ => Vec::new(),
        };
        let (name, columns, items) = match q.tabel.as_deref().unwrap_or("berichten") {
            "berichten" => (
                "berichten",
                BERICHTEN,
                json(serde_json::to_value(&s.berichten)),
            ),
            "retourcodes" => (
                "retourcodes",
                RETOURCODES,
                json(serde_json::to_value(&s.retourcodes)),
            ),
            "bedragen" => (
                "bedragen",
                BEDRAGEN,
                json(serde_json::to_value(&s.bedragen)),
            ),
            "doorlooptijden" => (
                "doorlooptijden",
                DOORLOOPTIJDEN,
                json(serde_json::to_value(&s.doorlooptijden)),
            ),
            "plannen" => ("plannen", PLANNEN, json(serde_json::to_value(&s.plannen))),
            _ => {
                return Err(ApiError::Parameter {
                    parameter: "tabel".into(),
                    detail: "berichten, retourcodes, bedragen, doorlooptijden of plannen".into(),
                })
            }
        };
        return Table::of_json(name, columns, &items).respond(form);
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "per": vraag.per,
        "van": vraag.van,
        "tot": vraag.tot,
        "plan_binnen": vraag.plan_binnen,
        "bedragen_in": "eurocent",
        "berichten": s.berichten,
        "retourcodes": s.retourcodes,
        "bedragen": s.bedragen,
        "doorlooptijden": s.doorlooptijden,
        "plannen": s.plannen,
    })))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StroomQuery {
    /// Only this client (its pseudonym, as the answer gives it).
    client: Option<String>,
    standaard: Option<String>,
}

pub async fn stroom(
    who: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    Query(q): Query<StroomQuery>,
    gw: web::Data<Gateway>,
    sec: web::Data<Security>,
) -> Result<HttpResponse, ApiError> {
    const NONE: ApiError = ApiError::NotFound("geen toewijzing met dit nummer");
    let client = q
        .client
        .as_deref()
        .map(|c| {
            ClientPseudonym::parse(c).ok_or_else(|| {
                bad("client: een pseudoniem van 32 hexadecimale tekens, geen BSN".into())
            })
        })
        .transpose()?;
    let standaard = domein(q.standaard.as_deref())?;
    // The XSD's ToewijzingNummer is an integer of at most 9 digits.
    let nummer: u32 = path
        .into_inner()
        .parse()
        .ok()
        .filter(|n| *n <= 999_999_999)
        .ok_or(NONE)?;
    let mut items = Vec::new();
    for s in gw.stroom(nummer) {
        // Another aanbieder's toewijzing is answered as one that does not exist.
        if !may_see(&who, &gw, &s.aanbieder) || standaard.is_some_and(|d| d != s.domein) {
            continue;
        }
        let Some(bsn) = Bsn::parse(&format!("{:09}", s.bsn)) else {
            continue;
        };
        let pseudonym = sec.keys.pseudonym(&bsn);
        if client.as_ref().is_some_and(|c| *c != pseudonym) {
            continue;
        }
        audit_client(&req, &bsn);
        items.push(serde_json::json!({
            "domein": s.domein.as_str(),
            "aanbieder": s.aanbieder,
            "client": pseudonym,
            "stappen": s.stappen,
        }));
    }
    if items.is_empty() {
        return Err(NONE);
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "toewijzingnummer": nummer.to_string(),
        "items": items,
    })))
}
