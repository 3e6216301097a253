//! `/api/v1/financiering` and `/api/v1/indicatoren`: resultaatfinanciering per aanbieder and
//! the outcome indicators (JSON or CSV), for the contractmanager of this gemeente; the
//! indicators also for a gebiedsteam, of its own team.

use super::doelbereik::FilterQuery;
use super::own_gemeente;
use crate::gateway::Gateway;
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::export::{col, Cell, Column, Form, Kind, Table};
use crate::http::extract::Query;
use crate::security::access::{Facts, ScopeCheck};
use actix_web::{web, HttpResponse};
use serde::Serialize;
use sluis_core::doelbereik::{Figure, Filter, Groep, Indicatoren};
use std::collections::BTreeMap;

/// The columns of the financiering export: the JSON items' members, amounts (cents in JSON)
/// written in euros.
const FINANCIERING: &[Column] = &[
    col("aanbieder", Kind::Text),
    col("verdiend_volledig", Kind::Amount),
    col("trajecten_bereikt", Kind::Count),
    col("verdiend_verlaagd", Kind::Amount),
    col("trajecten_niet_bereikt", Kind::Count),
    col("gedeclareerd_zonder_resultaat", Kind::Amount),
    col("trajecten_zonder_resultaat", Kind::Count),
    col("ingehouden", Kind::Amount),
    col("aangehouden", Kind::Amount),
    col("terug_te_vorderen", Kind::Amount),
    col("trajecten_terug_te_vorderen", Kind::Count),
];

pub async fn financiering(
    who: Caller,
    Query(q): Query<FilterQuery>,
    form: Form,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    own_gemeente(&who, &gw)?;
    let filter = q.filter(&gw)?;
    let items: Vec<_> = gw
        .financiering(&filter)
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
                "terug_te_vorderen": u.terug_te_vorderen,
                "trajecten_terug_te_vorderen": u.trajecten_terug_te_vorderen,
            })
        })
        .collect();
    if form != Form::Json {
        return Table::of_json("financiering", FINANCIERING, &items).respond(form);
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "bedragen_in": "eurocent",
        "items": items,
    })))
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

/// The table form: one row per group and figure.
pub fn indicatoren_table(total: &Indicatoren, groups: &BTreeMap<String, Indicatoren>) -> Table {
    let mut t = Table::new(
        "indicatoren",
        &[
            col("groep", Kind::Text),
            col("indicator", Kind::Text),
            col("teller", Kind::Count),
            col("noemer", Kind::Count),
            col("aandeel", Kind::Share),
        ],
    );
    let rows =
        std::iter::once(("totaal", total)).chain(groups.iter().map(|(k, v)| (k.as_str(), v)));
    for (groep, i) in rows {
        for (name, f) in [
            ("doelrealisatie", i.doelrealisatie),
            ("uitval", i.uitval),
            ("clienttevredenheid", i.clienttevredenheid),
            ("herhaald_beroep", i.herhaald_beroep),
        ] {
            let out = FigureOut::from(f);
            t.push(vec![
                Cell::Text(groep.to_string()),
                Cell::Text(name.to_string()),
                Cell::count(out.teller),
                Cell::count(out.noemer),
                out.aandeel.map_or(Cell::Empty, Cell::Share),
            ]);
        }
    }
    t
}

/// The indicators' scope. A contractmanager sees its gemeente, every team. A gebiedsteam
/// (scoped own-team) sees its own team: without `team=` the filter becomes its team, another
/// team is 403. Returns the gebiedsteam's team, so that `per=team` lists only its group.
fn team_scope(who: &Caller, gw: &Gateway, filter: &mut Filter) -> Result<Option<String>, ApiError> {
    if who.check != Some(ScopeCheck::OwnTeam) {
        own_gemeente(who, gw)?;
        return Ok(None);
    }
    let mine = who.principal.team.clone().ok_or(ApiError::Forbidden)?;
    let team = filter.team.get_or_insert_with(|| mine.clone());
    let allowed = who.permits(&Facts {
        team: Some(team.as_str()),
        gemeente: Some(gw.settings.gemeente.code.as_str()),
        ..Facts::default()
    });
    allowed.then_some(Some(mine)).ok_or(ApiError::Forbidden)
}

pub async fn indicatoren(
    who: Caller,
    Query(q): Query<FilterQuery>,
    form: Form,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    let mut filter = q.filter(&gw)?;
    let own_team = team_scope(&who, &gw, &mut filter)?;
    let groep = q.groep()?;
    let (total, mut groups) = gw.indicatoren(&filter, groep);
    if let (Some(mine), Some(Groep::Team)) = (&own_team, groep) {
        groups.retain(|team, _| team == mine);
    }
    if form != Form::Json {
        return indicatoren_table(&total, &groups).respond(form);
    }
    let groups: BTreeMap<String, IndicatorenOut> =
        groups.into_iter().map(|(k, v)| (k, v.into())).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "filter": filter,
        "totaal": IndicatorenOut::from(total),
        "groepen": groups,
    })))
}
