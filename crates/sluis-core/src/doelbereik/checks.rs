//! The cross-checks of a doelbereik message against the history of the standard's messages
//! ([`History`]: toewijzingen, starts, stops) and the plan history ([`PlanHistory`]). Plain
//! functions; every finding has a Sluis code (`SL001` …, [`super::codes`]), a JSON Pointer path
//! into the message and a message in Dutch without BSN. A message with any finding is rejected
//! as a whole and changes nothing ([`super::plans::accepted_effects`]).

use super::codes;
use super::model::{Behandelplan, Beoordeling, Bericht, Oordeel, Resultaatmelding};
use super::plans::PlanHistory;
use crate::standard::types::Bsn;
use crate::validate::history::{Domein, History, Parties, StopRecord, ToewijzingVersie};
use crate::validate::Finding;
use std::collections::BTreeSet;

/// RedenBeeindiging of a temporary stop (JZ588/WMO588 20): the trajectory has not ended.
pub const TIJDELIJKE_STOP: &str = "20";

fn finding(code: &'static str, path: impl Into<String>, message: String) -> Finding {
    Finding {
        code,
        retourcode: None,
        path: path.into(),
        message,
    }
}

/// Judge a message against both histories. Empty: accepted.
pub fn check(bericht: &Bericht, history: &impl History, plans: &impl PlanHistory) -> Vec<Finding> {
    match bericht {
        Bericht::Behandelplan(p) => check_behandelplan(p, history, plans),
        Bericht::Resultaatmelding(r) => check_resultaatmelding(r, history, plans),
        Bericht::Beoordeling(b) => check_beoordeling(b, history, plans),
    }
}

/// The current version of toewijzing `nummer` when it is a (not removed) toewijzing to
/// `aanbieder` for `bsn`; otherwise why not, in words without the BSN. Unknown, another
/// aanbieder's and another client's get one text (the sender may name any hoofdaannemer, so
/// a text per case would tell it whose toewijzing a number is, and for which client).
pub fn toewijzing_van(
    history: &impl History,
    domein: Domein,
    gemeente: &str,
    aanbieder: &str,
    bsn: &Bsn,
    nummer: &str,
) -> Result<ToewijzingVersie, String> {
    let not_fitting = || {
        format!(
            "toewijzing {nummer} van gemeente {gemeente} is onbekend, of niet toegewezen aan aanbieder {aanbieder} voor deze cliënt"
        )
    };
    let current = history
        .toewijzing(domein, gemeente, nummer)
        .and_then(|state| state.current().cloned())
        .filter(|c| c.parties.aanbieder == aanbieder && &c.bsn == bsn)
        .ok_or_else(not_fitting)?;
    if current.verwijderd() {
        return Err(format!("toewijzing {nummer} is verwijderd"));
    }
    Ok(current)
}

/// The definitive stops (reden not 20) on a toewijzing, latest Einddatum last.
pub fn definitieve_stops(
    history: &impl History,
    parties: &Parties,
    bsn: &Bsn,
    nummer: &str,
) -> Vec<StopRecord> {
    let mut stops: Vec<StopRecord> = history
        .stops(parties, bsn, nummer)
        .into_iter()
        .filter(|s| s.reden_beeindiging != TIJDELIJKE_STOP)
        .collect();
    stops.sort_by_key(|s| s.einddatum);
    stops
}

pub fn check_behandelplan(
    p: &Behandelplan,
    history: &impl History,
    plans: &impl PlanHistory,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let owner = p.toewijzing_aanbieder();
    for (i, nummer) in p.toewijzingnummers.iter().enumerate() {
        if let Err(why) = toewijzing_van(history, p.domein, &p.gemeente, owner, &p.bsn, nummer) {
            out.push(finding(
                codes::TOEWIJZING,
                format!("/toewijzingnummers/{i}"),
                format!("Het behandelplan verwijst naar een toewijzing die niet past: {why}"),
            ));
        }
    }
    if let Some(current) = plans.plan(p.domein, &p.aanbieder, &p.plan_id) {
        if p.versie <= current.versie {
            out.push(finding(
                codes::VERSIE,
                "/versie",
                format!(
                    "Plan {} heeft al versie {}; een nieuwe versie moet hoger zijn dan {}",
                    p.plan_id, current.versie, current.versie
                ),
            ));
        }
        if current.bsn != p.bsn {
            out.push(finding(
                codes::VERSIE,
                "/bsn",
                format!(
                    "Plan {} hoort bij een andere cliënt; een nieuwe versie blijft bij dezelfde cliënt",
                    p.plan_id
                ),
            ));
        }
    }
    out
}

pub fn check_resultaatmelding(
    r: &Resultaatmelding,
    history: &impl History,
    plans: &impl PlanHistory,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let owner = r.toewijzing_aanbieder();
    let nummer = &r.toewijzingnummer;
    if let Err(why) = toewijzing_van(history, r.domein, &r.gemeente, owner, &r.bsn, nummer) {
        out.push(finding(
            codes::TOEWIJZING,
            "/toewijzingnummer",
            format!("De resultaatmelding verwijst naar een toewijzing die niet past: {why}"),
        ));
        return out;
    }
    // The trajectory must have ended: a start, then a definitive stop.
    let parties = Parties {
        domein: r.domein,
        gemeente: r.gemeente.clone(),
        aanbieder: owner.to_string(),
    };
    let stops = definitieve_stops(history, &parties, &r.bsn, nummer);
    if stops.is_empty() {
        let started = !history.starts(&parties, &r.bsn, nummer).is_empty();
        let why = if started {
            "de zorg is gestart maar (nog) niet definitief gestopt"
        } else {
            "er is nog geen start van de zorg gemeld"
        };
        out.push(finding(
            codes::GEEN_STOP,
            "/toewijzingnummer",
            format!(
                "Een resultaat kan pas met of na de stop van het traject op toewijzing {nummer}: {why}"
            ),
        ));
    } else if !stops.iter().any(|s| s.einddatum == r.einddatum) {
        let eind: Vec<String> = stops.iter().map(|s| s.einddatum.to_string()).collect();
        out.push(finding(
            codes::EINDDATUM,
            "/einddatum",
            format!(
                "Einddatum {} is niet de einddatum van de stop op toewijzing {nummer} ({})",
                r.einddatum,
                eind.join(", ")
            ),
        ));
    }
    if plans.resultaat(r.domein, &r.gemeente, nummer).is_some() {
        out.push(finding(
            codes::DUBBEL_RESULTAAT,
            "/toewijzingnummer",
            format!(
                "Er is al een resultaatmelding voor toewijzing {nummer}; het gebiedsteam kan haar met een beoordeling corrigeren"
            ),
        ));
    }
    // The plan: this aanbieder's, covering this toewijzing; its goals are the ones to report.
    let plan = plans
        .plan(r.domein, &r.aanbieder, &r.plan_id)
        .filter(|p| p.gemeente == r.gemeente && p.toewijzingnummers.iter().any(|n| n == nummer));
    let Some(plan) = plan else {
        out.push(finding(
            codes::GEEN_PLAN,
            "/plan_id",
            format!(
                "Er is geen behandelplan {} van deze aanbieder dat toewijzing {nummer} dekt",
                r.plan_id
            ),
        ));
        return out;
    };
    if plan.bsn != r.bsn {
        out.push(finding(
            codes::GEEN_PLAN,
            "/plan_id",
            format!("Behandelplan {} hoort bij een andere cliënt", r.plan_id),
        ));
        return out;
    }
    for (i, d) in r.doelen.iter().enumerate() {
        if plan.doel(&d.id).is_none() {
            out.push(finding(
                codes::ONBEKEND_DOEL,
                format!("/doelen/{i}/id"),
                format!(
                    "Doel {} staat niet in behandelplan {} versie {}",
                    d.id, plan.plan_id, plan.versie
                ),
            ));
        }
    }
    let reported: BTreeSet<&str> = r.doelen.iter().map(|d| d.id.as_str()).collect();
    let missing: Vec<&str> = plan
        .doelen
        .iter()
        .map(|d| d.id.as_str())
        .filter(|id| !reported.contains(id))
        .collect();
    if !missing.is_empty() {
        out.push(finding(
            codes::DOEL_ONTBREEKT,
            "/doelen",
            format!(
                "De uitkomst ontbreekt voor doel(en) {} van behandelplan {} versie {}",
                missing.join(", "),
                plan.plan_id,
                plan.versie
            ),
        ));
    }
    out
}

pub fn check_beoordeling(
    b: &Beoordeling,
    history: &impl History,
    plans: &impl PlanHistory,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let nummer = &b.toewijzingnummer;
    let Some(melding) = plans.resultaat(b.domein, &b.gemeente, nummer) else {
        out.push(finding(
            codes::GEEN_RESULTAAT,
            "/toewijzingnummer",
            format!("Er is geen resultaatmelding op toewijzing {nummer} om te beoordelen"),
        ));
        return out;
    };
    let owner = melding.toewijzing_aanbieder().to_string();
    if melding.aanbieder != b.aanbieder || melding.bsn != b.bsn {
        out.push(finding(
            codes::TOEWIJZING,
            "/toewijzingnummer",
            format!(
                "De resultaatmelding op toewijzing {nummer} is niet van aanbieder {} voor deze cliënt",
                b.aanbieder
            ),
        ));
        return out;
    }
    if let Err(why) = toewijzing_van(history, b.domein, &b.gemeente, &owner, &b.bsn, nummer) {
        out.push(finding(
            codes::TOEWIJZING,
            "/toewijzingnummer",
            format!("De beoordeling verwijst naar een toewijzing die niet past: {why}"),
        ));
    }
    if let Some(current) = plans.beoordeling(b.domein, &b.gemeente, nummer) {
        if b.versie <= current.versie {
            out.push(finding(
                codes::VERSIE,
                "/versie",
                format!(
                    "Toewijzing {nummer} heeft al beoordeling versie {}; een nieuwe moet hoger zijn",
                    current.versie
                ),
            ));
        }
    }
    let volgens_melding = melding.alle_doelen_behaald();
    if b.oordeel == Oordeel::Eens && b.resultaat_bereikt != volgens_melding {
        out.push(finding(
            codes::TEGENSTRIJDIG,
            "/resultaat_bereikt",
            format!(
                "Oordeel eens, maar resultaat_bereikt {} spreekt de resultaatmelding tegen (volgens haar {}); kies oneens met een reden",
                b.resultaat_bereikt,
                if volgens_melding { "bereikt" } else { "niet bereikt" }
            ),
        ));
    }
    out
}
