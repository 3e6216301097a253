//! When a client's dossier is over (`docs/retention.md`, "The dossier"): the pure decision of
//! the retention policy's fourth step. It reads a client's records through the history and plan
//! views and says either why the dossier stays or which keys make it up, so that the store can
//! remove all of them in one transaction.
//!
//! The unit is the person within a gemeente (gemeente and BSN) across both domains and every
//! aanbieder: the client facts (`clienten`) are kept per person, and the gebiedsteam sees the
//! person. A dossier is over on the cut-off day `grens` when
//!
//! - every toewijzing of the client has ended before `grens`: withdrawn (RedenWijziging 13 or
//!   vervallen), or its current version's Einddatum, or else a definitive stop's Einddatum, lies
//!   before it — a toewijzing without an end is open however old it is;
//! - nothing of it is open: every start has a stop (the same Begindatum), every verzoek is
//!   answered (a toewijzing with its ReferentieAanbieder, or an afwijzing; "in onderzoek" is not
//!   an answer);
//! - no record of it is dated on or after `grens`: toewijzing versions (toewijzingsdatum,
//!   ingangsdatum, einddatum), starts, stops, prestatie periods, plan versions, the
//!   resultaatmelding (its date and einddatum), beoordelingen, and verzoeken and antwoorden by
//!   their message's dagtekening while the history still knows it (the identificatie goes with
//!   the message after `gegevens_jaren`; an answered verzoek older than that does not hold the
//!   dossier);
//! - nothing of it is shared with another client: every version of its toewijzingen, every
//!   prestatie on them and every plan that names them is this client's, and such a plan names
//!   no toewijzing outside the dossier.
//!
//! A declaratie covers many clients: [`declaraties_over`] takes one only when its period ended
//! before `grens` and none of its prestaties is left.

use crate::doelbereik::checks::definitieve_stops;
use crate::doelbereik::plans::{PlanHistory, PlanRecord, PlanTree};
use crate::standard::types::{Bsn, Datum};
use crate::validate::history::state::{key, DeclaratieRecord, Effect, Effects, Parties, Record};
use crate::validate::history::{Domein, History, Tree};
use std::collections::BTreeSet;

/// A client as the dossier knows it: the person within a gemeente.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub gemeente: String,
    pub bsn: Bsn,
    /// The (domein, aanbieder) pairs the client has records with (toewijzingen or verzoeken):
    /// the per-client lookups of the history are per aanbieder.
    pub delen: BTreeSet<(Domein, String)>,
}

/// Why a dossier stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Open {
    /// A toewijzing has no end before the cut-off.
    Lopend,
    /// A start without its stop.
    ZonderStop,
    /// A verzoek without an answer.
    Onbeantwoord,
    /// A record is dated on or after the cut-off.
    Recent,
    /// A record of the dossier is also another client's (a toewijzing, prestatie or plan).
    Gedeeld,
    /// Nothing is known of the client any more.
    Leeg,
}

/// A trajectory the dossier held: (domein, gemeente, toewijzingnummer).
pub type Traject = (Domein, String, String);

/// The keys of a dossier that is over, plain (the store pseudonymises them as on insert).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verwijdering {
    /// Records and index entries of the history, as removals.
    pub history: Effects,
    /// Records and index entries of the plan history.
    pub plans: Vec<(PlanTree, Vec<u8>)>,
    /// The client's trajectories (for the gateway's index).
    pub trajecten: Vec<Traject>,
    /// The declaraties its prestaties were in: (domein, aanbieder, declaratienummer).
    pub declaraties: BTreeSet<(Domein, String, String)>,
}

impl Verwijdering {
    /// Number of keys to remove.
    pub fn len(&self) -> usize {
        self.history.0.len() + self.plans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The decision for one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dossier {
    Over(Verwijdering),
    Open(Open),
}

/// Collects the keys and stops at the first reason to keep.
struct Walk<'a> {
    out: Verwijdering,
    grens: Datum,
    bsn: &'a Bsn,
    seen: BTreeSet<(Tree, Vec<u8>)>,
    plan_seen: BTreeSet<(PlanTree, Vec<u8>)>,
}

impl Walk<'_> {
    fn dated(&self, d: Datum) -> Result<(), Open> {
        if d >= self.grens {
            Err(Open::Recent)
        } else {
            Ok(())
        }
    }

    fn own(&self, bsn: &Bsn) -> Result<(), Open> {
        if bsn == self.bsn {
            Ok(())
        } else {
            Err(Open::Gedeeld)
        }
    }

    fn take(&mut self, record: &Record) {
        let (tree, primary) = record.key();
        for (index, k) in record.index_keys() {
            if self.seen.insert((index, k.clone())) {
                self.out.history.0.push(Effect::Remove {
                    tree: index,
                    key: k,
                });
            }
        }
        if self.seen.insert((tree, primary.clone())) {
            self.out
                .history
                .0
                .push(Effect::Remove { tree, key: primary });
        }
    }

    fn take_plan(&mut self, record: &PlanRecord) {
        let (tree, primary) = record.key();
        for entry in record.index_keys().into_iter().chain([(tree, primary)]) {
            if self.plan_seen.insert(entry.clone()) {
                self.out.plans.push(entry);
            }
        }
    }
}

/// The dagtekening of a message the history still knows by its identificatie.
fn dagtekening(
    history: &impl History,
    berichtsoort: &str,
    afzender: &str,
    identificatie: &str,
) -> Option<Datum> {
    match history.get(
        Tree::Identificaties,
        &key(&[berichtsoort, afzender, identificatie]),
    )? {
        Record::Identificatie(i) => i.dagtekening,
        _ => None,
    }
}

fn prefix(domein: Domein) -> &'static str {
    match domein {
        Domein::Ijw => "JW",
        Domein::Iwmo => "WMO",
    }
}

/// Whether `client`'s dossier is over on `grens`, and if so every key of it.
pub fn dossier(
    history: &impl History,
    plans: &impl PlanHistory,
    client: &Client,
    grens: Datum,
) -> Dossier {
    match walk(history, plans, client, grens) {
        Ok(v) if v.is_empty() => Dossier::Open(Open::Leeg),
        Ok(v) => Dossier::Over(v),
        Err(why) => Dossier::Open(why),
    }
}

fn walk(
    history: &impl History,
    plans: &impl PlanHistory,
    client: &Client,
    grens: Datum,
) -> Result<Verwijdering, Open> {
    let bsn = &client.bsn;
    let mut w = Walk {
        out: Verwijdering::default(),
        grens,
        bsn,
        seen: BTreeSet::new(),
        plan_seen: BTreeSet::new(),
    };
    let parties = |domein: Domein, aanbieder: &str| Parties {
        domein,
        gemeente: client.gemeente.clone(),
        aanbieder: aanbieder.to_string(),
    };
    // Every toewijzingnummer of the client first: a plan may name several of them.
    let mut nummers: BTreeSet<(Domein, String)> = BTreeSet::new();
    let mut states = Vec::new();
    for (domein, aanbieder) in &client.delen {
        let p = parties(*domein, aanbieder);
        for s in history.toewijzingen_van_client(&p, bsn) {
            let Some(nummer) = s.versions.first().map(|v| v.toewijzingnummer.clone()) else {
                continue;
            };
            nummers.insert((*domein, nummer.clone()));
            states.push((p.clone(), nummer));
        }
    }
    for (p, nummer) in &states {
        // Every version under the number, not only those the client's index names.
        let state = history
            .toewijzing(p.domein, &p.gemeente, nummer)
            .ok_or(Open::Leeg)?;
        for v in &state.versions {
            w.own(&v.bsn)?;
            if v.parties != *p {
                return Err(Open::Gedeeld);
            }
            w.dated(v.toewijzingsdatum)?;
            w.dated(v.ingangsdatum)?;
            if let Some(e) = v.einddatum {
                w.dated(e)?;
            }
        }
        let current = state.current().ok_or(Open::Leeg)?;
        let starts = history.starts(p, bsn, nummer);
        let stops = history.stops(p, bsn, nummer);
        for s in &starts {
            w.dated(s.begindatum)?;
            if !stops.iter().any(|t| t.begindatum == s.begindatum) {
                return Err(Open::ZonderStop);
            }
        }
        for s in &stops {
            w.dated(s.einddatum)?;
        }
        let ended = current.verwijderd()
            || current.vervallen()
            || current.einddatum.is_some()
            || !definitieve_stops(history, p, bsn, nummer).is_empty();
        if !ended {
            return Err(Open::Lopend);
        }
        for v in &state.versions {
            w.take(&Record::Toewijzing(v.clone()));
        }
        for s in starts {
            w.take(&Record::Start(s));
        }
        for s in stops {
            w.take(&Record::Stop(s));
        }
        for pr in history.prestaties_op_toewijzing(p.domein, &p.gemeente, nummer) {
            w.own(&pr.bsn)?;
            w.dated(pr.periode.eind)?;
            w.out.declaraties.insert((
                pr.parties.domein,
                pr.parties.aanbieder.clone(),
                pr.declaratienummer.clone(),
            ));
            w.take(&Record::Prestatie(pr));
        }
        plan_records(plans, &mut w, p, nummer, &nummers)?;
        w.out
            .trajecten
            .push((p.domein, p.gemeente.clone(), nummer.clone()));
    }
    for (domein, aanbieder) in &client.delen {
        let p = parties(*domein, aanbieder);
        for v in history.verzoeken_van_client(&p, bsn) {
            w.own(&v.bsn)?;
            let soort = format!("{}{}", prefix(*domein), v.soort);
            if let Some(d) = dagtekening(history, &soort, aanbieder, &v.identificatie) {
                w.dated(d)?;
            }
            let toegewezen =
                history.toewijzingen_met_referentie(*domein, aanbieder, &v.referentie_aanbieder);
            for t in &toegewezen {
                // The answer is a toewijzing of this dossier (else it is another's record).
                if !nummers.contains(&(*domein, t.toewijzingnummer.clone())) {
                    return Err(Open::Gedeeld);
                }
            }
            let antwoorden = history.antwoorden(*domein, aanbieder, &v.referentie_aanbieder);
            let afgewezen = antwoorden.iter().any(|a| a.verzoek_antwoord == "1");
            if toegewezen.is_empty() && !afgewezen {
                return Err(Open::Onbeantwoord);
            }
            for a in antwoorden {
                let soort = format!("{}319", prefix(*domein));
                if let Some(d) = dagtekening(history, &soort, &client.gemeente, &a.identificatie) {
                    w.dated(d)?;
                }
                w.take(&Record::Antwoord(a));
            }
            w.take(&Record::Verzoek(v));
        }
    }
    Ok(w.out)
}

/// The plans, resultaatmelding and beoordelingen of one toewijzing.
fn plan_records(
    plans: &impl PlanHistory,
    w: &mut Walk<'_>,
    p: &Parties,
    nummer: &str,
    nummers: &BTreeSet<(Domein, String)>,
) -> Result<(), Open> {
    let mut ids: BTreeSet<(String, String)> = BTreeSet::new();
    for r in plans.scan(
        PlanTree::PlannenPerToewijzing,
        &key(&[p.domein.as_str(), &p.gemeente, nummer]),
    ) {
        if let PlanRecord::Plan(plan) = r {
            ids.insert((plan.aanbieder, plan.plan_id));
        }
    }
    for (aanbieder, id) in ids {
        // The whole plan: every version, also one that no longer names this toewijzing.
        for version in plans.plan_versies(p.domein, &aanbieder, &id) {
            w.own(&version.bsn)?;
            w.dated(version.datum)?;
            if version.gemeente != p.gemeente
                || version
                    .toewijzingnummers
                    .iter()
                    .any(|n| !nummers.contains(&(p.domein, n.clone())))
            {
                return Err(Open::Gedeeld);
            }
            w.take_plan(&PlanRecord::Plan(version));
        }
    }
    if let Some(r) = plans.resultaat(p.domein, &p.gemeente, nummer) {
        w.own(&r.bsn)?;
        w.dated(r.datum)?;
        w.dated(r.einddatum)?;
        w.take_plan(&PlanRecord::Resultaat(r));
    }
    for b in plans.beoordelingen(p.domein, &p.gemeente, nummer) {
        w.own(&b.bsn)?;
        w.dated(b.datum)?;
        w.take_plan(&PlanRecord::Beoordeling(b));
    }
    Ok(())
}

/// Of `declaraties`, those whose period ended before `grens` and of which no prestatie is
/// left (`met_prestaties`: (domein, aanbieder, declaratienummer) of every prestatie still in
/// the history): removals of their records and index entries.
pub fn declaraties_over<'a>(
    declaraties: impl IntoIterator<Item = &'a DeclaratieRecord>,
    met_prestaties: &BTreeSet<(Domein, String, String)>,
    grens: Datum,
) -> Effects {
    let mut out = Effects::default();
    for d in declaraties {
        let id = (
            d.parties.domein,
            d.parties.aanbieder.clone(),
            d.declaratienummer.clone(),
        );
        if d.periode.eind >= grens || met_prestaties.contains(&id) {
            continue;
        }
        let record = Record::Declaratie(d.clone());
        for (tree, key) in record.index_keys() {
            out.0.push(Effect::Remove { tree, key });
        }
        out.remove(&record);
    }
    out
}

#[cfg(test)]
mod tests;
