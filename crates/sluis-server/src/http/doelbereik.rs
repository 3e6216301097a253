//! The doelbereik endpoints: posting behandelplannen, resultaatmeldingen and beoordelingen;
//! the plan status of a client, the gebiedsteam's view, the back office's team override,
//! resultaatfinanciering per aanbieder and the outcome indicators (JSON or CSV).

use super::auth::{audit_client, caller, forbidden, permitted, Caller};
use super::{own_gemeente, problem, read_message, Summary};
use crate::gateway::{DoelbereikError, Gateway};
use crate::security::access::Facts;
use crate::store::StoredFinding;
use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use problem::Problem;
use serde::{Deserialize, Serialize};
use sluis_core::doelbereik::Bericht;
use sluis_core::doelbereik::{Figure, Filter, Groep, Indicatoren, Kind, Selectie};
use sluis_core::standard::types::{Bsn, Datum};
use sluis_core::validate::history::{Domein, Periode};
use std::collections::BTreeMap;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/behandelplannen",
        web::post().to(|r, p, g| post(Kind::Behandelplan, r, p, g)),
    )
    .route(
        "/resultaatmeldingen",
        web::post().to(|r, p, g| post(Kind::Resultaatmelding, r, p, g)),
    )
    .route(
        "/beoordelingen",
        web::post().to(|r, p, g| post(Kind::Beoordeling, r, p, g)),
    )
    .route("/clienten/{bsn}/planstatus", web::get().to(planstatus))
    .route("/clienten/{bsn}/team", web::get().to(get_team))
    .route("/clienten/{bsn}/team", web::put().to(put_team))
    .route("/teams/{team}/doelbereik", web::get().to(team_doelbereik))
    .route("/financiering", web::get().to(financiering))
    .route("/indicatoren", web::get().to(indicatoren));
}

/// A doelbereik message: 201 when accepted (200 with `Sluis-Replay` when it was before), 422
/// with the findings when rejected (kept for the audit), 400 when unreadable (nothing kept).
async fn post(
    kind: Kind,
    req: HttpRequest,
    payload: web::Payload,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    let (format, body) =
        match read_message(&req, payload, sluis_core::doelbereik::read::MAX_BYTES).await {
            Ok(r) => r,
            Err(resp) => return *resp,
        };
    // An aanbieder sends only its own plans and meldingen; a gebiedsteam judges only for
    // itself, in its gemeente (the middleware left the check to us).
    let who = caller(&req);
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
            Bericht::Beoordeling(o) => Facts {
                team: gw
                    .client_team(&o.bsn)
                    .ok()
                    .flatten()
                    .filter(|t| *t == o.team)
                    .map(|_| o.team.as_str()),
                gemeente: Some(o.gemeente.as_str()),
                ..Facts::default()
            },
        };
        permitted(&who, &facts)
    };
    let ingested = match gw.ingest_doelbereik(kind, format, &body, &allowed).await {
        Ok(i) => i,
        Err(DoelbereikError::Forbidden) => return forbidden(),
        Err(e @ DoelbereikError::Unreadable { .. }) => {
            let mut p = Problem::new(
                StatusCode::BAD_REQUEST,
                "schema",
                "Bericht voldoet niet aan zijn schema",
                format!("{e}; er is niets opgeslagen"),
            );
            if let DoelbereikError::Unreadable { findings, .. } = &e {
                p.errors = findings.iter().map(StoredFinding::from).collect();
            }
            return p.response();
        }
        Err(DoelbereikError::Store(e)) => return problem::internal(e),
    };
    let record = &ingested.record;
    let location = format!("/api/v1/berichten/{}", record.id);
    if !record.accepted {
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "afgekeurd",
            "Bericht afgekeurd",
            format!(
                "het {} is afgekeurd ({} bevinding(en)); er is niets veranderd, het bericht is \
                 bewaard als {location}",
                kind.as_str(),
                record.findings.len()
            ),
        );
        p.errors = record.findings.clone();
        let mut resp = p.response();
        if let Ok(v) = header::HeaderValue::from_str(&location) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
        return resp;
    }
    let mut resp = if ingested.replay {
        let mut r = HttpResponse::Ok();
        r.insert_header(("Sluis-Replay", "true"));
        r
    } else {
        HttpResponse::Created()
    };
    resp.insert_header((header::LOCATION, location))
        .json(Summary::of(record))
}

/// A BSN from the path; the number itself never goes into an error message.
fn bsn_of(path: &str) -> Result<Bsn, Box<HttpResponse>> {
    Bsn::parse(path).ok_or_else(|| Box::new(problem::bad_request("een BSN bestaat uit 9 cijfers")))
}

#[derive(Serialize)]
struct PlanStatusItem {
    domein: &'static str,
    #[serde(flatten)]
    status: sluis_core::doelbereik::PlanStatus,
}

/// Whether the caller may see the plans of a client of `team` with this aanbieder: the
/// client's gebiedsteam, or the aanbieder itself.
fn may_see_plan(who: &Option<Caller>, gw: &Gateway, team: Option<&str>, aanbieder: &str) -> bool {
    permitted(
        who,
        &Facts {
            parties: &[aanbieder],
            team,
            gemeente: Some(gw.settings.gemeente.code.as_str()),
            ..Facts::default()
        },
    )
}

async fn planstatus(
    req: HttpRequest,
    path: web::Path<String>,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    let bsn = match bsn_of(&path) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    audit_client(&req, &bsn);
    let team = match gw.client_team(&bsn) {
        Ok(t) => t,
        Err(e) => return problem::internal(e),
    };
    let who = caller(&req);
    let all = gw.plan_status(&bsn);
    let any = !all.is_empty();
    let items: Vec<PlanStatusItem> = all
        .into_iter()
        .filter(|(_, s)| may_see_plan(&who, &gw, team.as_deref(), &s.aanbieder))
        .map(|(d, status)| PlanStatusItem {
            domein: d.as_str(),
            status,
        })
        .collect();
    if items.is_empty() {
        // Not a client of this caller's: refused the same whether or not it exists elsewhere.
        return if any {
            forbidden()
        } else {
            problem::not_found("geen toewijzingen van deze cliënt")
        };
    }
    HttpResponse::Ok().json(serde_json::json!({ "team": team, "items": items }))
}

async fn get_team(
    req: HttpRequest,
    path: web::Path<String>,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    let bsn = match bsn_of(&path) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    audit_client(&req, &bsn);
    if !own_gemeente(&req, &gw) {
        return forbidden();
    }
    match gw.client_team(&bsn) {
        Ok(team) => HttpResponse::Ok().json(serde_json::json!({ "team": team })),
        Err(e) => problem::internal(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TeamBody {
    /// A configured team, or null to follow the postcode areas again.
    team: Option<String>,
}

async fn put_team(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<TeamBody>,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    let bsn = match bsn_of(&path) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    audit_client(&req, &bsn);
    if !own_gemeente(&req, &gw) {
        return forbidden();
    }
    let body = body.into_inner();
    if let Some(t) = &body.team {
        if !gw.settings.knows_team(t) {
            return problem::bad_request(format!("onbekend team {t:?}"));
        }
    }
    match gw.set_client_team(&bsn, body.team).await {
        Ok(team) => HttpResponse::Ok().json(serde_json::json!({ "team": team })),
        Err(e) => problem::internal(e),
    }
}

/// The common selection of the read endpoints.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FilterQuery {
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
    /// `csv` or `json` (default; or by `Accept: text/csv`).
    format: Option<String>,
    // The team view's selection.
    lopend: Option<bool>,
    zonder_resultaatmelding: Option<bool>,
    zonder_plan_na_dagen: Option<u32>,
    betwist: Option<bool>,
    /// Page of the team view: at most `limit` (default 500, at most 5000) from `offset`.
    limit: Option<usize>,
    offset: Option<usize>,
}

/// A query's date; `Err` is the detail of a bad request.
fn date(field: &str, value: &Option<String>) -> Result<Option<Datum>, String> {
    match value {
        None => Ok(None),
        Some(v) => Datum::parse(v)
            .map(Some)
            .ok_or_else(|| format!("{field}: {v:?} is geen datum (JJJJ-MM-DD)")),
    }
}

impl FilterQuery {
    /// The filter; `Err` is the detail of a bad request.
    fn filter(&self, gw: &Gateway) -> Result<Filter, String> {
        let domein = match self.domein.as_deref() {
            None => None,
            Some("ijw") => Some(Domein::Ijw),
            Some("iwmo") => Some(Domein::Iwmo),
            Some(d) => return Err(format!("domein {d:?}: ijw of iwmo")),
        };
        let van = date("van", &self.van)?;
        let tot = date("tot", &self.tot)?;
        let periode = match (van, tot) {
            (None, None) => None,
            (v, t) => Some(Periode {
                begin: v.or(Datum::from_ymd(1, 1, 1)).ok_or("datum")?,
                eind: t.or(Datum::from_ymd(9999, 12, 31)).ok_or("datum")?,
            }),
        };
        if let Some(p) = &periode {
            if p.eind < p.begin {
                return Err("tot ligt voor van".into());
            }
        }
        let venster = self
            .venster_maanden
            .unwrap_or(gw.settings.indicatoren.venster_maanden);
        if venster == 0 || venster > 120 {
            return Err("venster_maanden ligt tussen 1 en 120".into());
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

    fn groep(&self) -> Result<Option<Groep>, String> {
        match self.per.as_deref() {
            None => Ok(None),
            Some("aanbieder") => Ok(Some(Groep::Aanbieder)),
            Some("gemeente") => Ok(Some(Groep::Gemeente)),
            Some("team") => Ok(Some(Groep::Team)),
            Some(p) => Err(format!("per {p:?}: aanbieder, gemeente of team")),
        }
    }
}

async fn team_doelbereik(
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<FilterQuery>,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    let team = path.into_inner();
    let mine = Facts {
        team: Some(team.as_str()),
        gemeente: Some(gw.settings.gemeente.code.as_str()),
        ..Facts::default()
    };
    if !permitted(&caller(&req), &mine) {
        return forbidden();
    }
    if !gw.settings.knows_team(&team) {
        return problem::not_found("onbekend team");
    }
    let filter = match q.filter(&gw) {
        Ok(f) => f,
        Err(detail) => return problem::bad_request(detail),
    };
    let selectie = Selectie {
        filter: Some(filter),
        lopend: q.lopend,
        zonder_resultaatmelding: q.zonder_resultaatmelding.unwrap_or(false),
        zonder_plan_na_dagen: q.zonder_plan_na_dagen,
        betwist: q.betwist.unwrap_or(false),
    };
    let limit = q.limit.unwrap_or(500).clamp(1, 5000);
    let offset = q.offset.unwrap_or(0);
    let (aantal, items) = gw.team_view(&team, &selectie, offset, limit);
    let next = (offset + items.len() < aantal).then_some(offset + items.len());
    HttpResponse::Ok().json(serde_json::json!({
        "team": team,
        "aantal": aantal,
        "offset": offset,
        "next": next,
        "items": items,
    }))
}

async fn financiering(
    req: HttpRequest,
    q: web::Query<FilterQuery>,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    if !own_gemeente(&req, &gw) {
        return forbidden();
    }
    let filter = match q.filter(&gw) {
        Ok(f) => f,
        Err(detail) => return problem::bad_request(detail),
    };
    let per = gw.financiering(&filter);
    let items: Vec<_> = per
        .into_iter()
        .map(|(aanbieder, u)| {
            serde_json::json!({
                "aanbieder": aanbieder,
                "verdiend_volledig": u.bereikt,
                "trajecten_bereikt": u.trajecten_bereikt,
                "verdiend_verlaagd": u.niet_bereikt,
                "trajecten_niet_bereikt": u.trajecten_niet_bereikt,
                "gedeclareerd_zonder_resultaat": u.onbekend,
                "trajecten_zonder_resultaat": u.trajecten_onbekend,
                "ingehouden": u.ingehouden,
                "aangehouden": u.aangehouden,
            })
        })
        .collect();
    HttpResponse::Ok().json(serde_json::json!({
        "bedragen_in": "eurocent",
        "items": items,
    }))
}

/// A figure with its share, for the JSON and CSV forms.
#[derive(Serialize)]
struct FigureOut {
    teller: u64,
    noemer: u64,
    /// teller / noemer, rounded to four decimals; null when noemer is 0.
    aandeel: Option<f64>,
}

impl From<Figure> for FigureOut {
    fn from(f: Figure) -> Self {
        FigureOut {
            teller: f.teller,
            noemer: f.noemer,
            aandeel: f.aandeel().map(|a| (a * 10_000.0).round() / 10_000.0),
        }
    }
}

#[derive(Serialize)]
struct IndicatorenOut {
    beeindigd: u64,
    zonder_resultaat: u64,
    doelrealisatie: FigureOut,
    uitval: FigureOut,
    clienttevredenheid: FigureOut,
    herhaald_beroep: FigureOut,
}

impl From<Indicatoren> for IndicatorenOut {
    fn from(i: Indicatoren) -> Self {
        IndicatorenOut {
            beeindigd: i.beeindigd,
            zonder_resultaat: i.zonder_resultaat,
            doelrealisatie: i.doelrealisatie.into(),
            uitval: i.uitval.into(),
            clienttevredenheid: i.clienttevredenheid.into(),
            herhaald_beroep: i.herhaald_beroep.into(),
        }
    }
}

/// The CSV form: one row per group and figure.
pub fn indicatoren_csv(total: &Indicatoren, groups: &BTreeMap<String, Indicatoren>) -> String {
    let mut out = String::from("groep,indicator,teller,noemer,aandeel\n");
    let rows =
        std::iter::once(("totaal", total)).chain(groups.iter().map(|(k, v)| (k.as_str(), v)));
    for (groep, i) in rows {
        for (name, f) in [
            ("doelrealisatie", i.doelrealisatie),
            ("uitval", i.uitval),
            ("clienttevredenheid", i.clienttevredenheid),
            ("herhaald_beroep", i.herhaald_beroep),
        ] {
            let aandeel = FigureOut::from(f)
                .aandeel
                .map(|a| format!("{a:.4}"))
                .unwrap_or_default();
            // Group names are AGB-codes, gemeentecodes and configured team names: no quoting
            // needed but a comma would break the row, so it is replaced.
            out.push_str(&format!(
                "{},{name},{},{},{aandeel}\n",
                groep.replace(',', " "),
                f.teller,
                f.noemer
            ));
        }
    }
    out
}

async fn indicatoren(
    req: HttpRequest,
    q: web::Query<FilterQuery>,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    if !own_gemeente(&req, &gw) {
        return forbidden();
    }
    let filter = match q.filter(&gw) {
        Ok(f) => f,
        Err(detail) => return problem::bad_request(detail),
    };
    let groep = match q.groep() {
        Ok(g) => g,
        Err(detail) => return problem::bad_request(detail),
    };
    let (total, groups) = gw.indicatoren(&filter, groep);
    let accept_csv = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/csv"));
    let csv = match q.format.as_deref() {
        Some("csv") => true,
        Some("json") => false,
        None => accept_csv,
        Some(f) => return problem::bad_request(format!("format {f:?}: csv of json")),
    };
    if csv {
        return HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(indicatoren_csv(&total, &groups));
    }
    let groups: BTreeMap<String, IndicatorenOut> =
        groups.into_iter().map(|(k, v)| (k, v.into())).collect();
    HttpResponse::Ok().json(serde_json::json!({
        "filter": filter,
        "totaal": IndicatorenOut::from(total),
        "groepen": groups,
    }))
}
