//! The plan status of a client: per toewijzing the aanbieder, product, period, start and stop,
//! the plans covering it with their goals, the reported and judged result and the financing
//! outcome. And the gebiedsteam's question "which trajectories ended without a
//! resultaatmelding?". Read-only views over both histories; no BSN in the output.

use super::checks::definitieve_stops;
use super::financiering::{financiering, uitkomst, Financiering, ResultaatContract, Status};
use super::indicatoren::{Filter, Stop, Trajectory};
use super::model::{Doel, DoelResultaat, Oordeel, Tevredenheid};
use super::plans::PlanHistory;
use crate::standard::types::{Bsn, Datum};
use crate::validate::history::state::key;
use crate::validate::history::{Domein, History, Product, Record, ToewijzingState, Tree};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A plan covering the toewijzing, in its current version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSamenvatting {
    pub aanbieder: String,
    pub plan_id: String,
    pub versie: u32,
    pub datum: Datum,
    /// The goals with their description, life domain, measure and target date.
    pub doelen: Vec<Doel>,
    /// Every version of the plan that named the toewijzing, oldest first (the current one
    /// last): a later version does not hide the one a result was reported against.
    pub versies: Vec<PlanVersie>,
}

/// One version of a plan, as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanVersie {
    pub versie: u32,
    pub datum: Datum,
    pub doelen: Vec<Doel>,
    /// The resultaatmelding on this toewijzing belongs to this version.
    pub resultaat: bool,
}

/// The resultaatmelding, per goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultaatSamenvatting {
    /// The plan and version the result belongs to (the version current when the melding was
    /// accepted; absent for a melding stored before Sluis kept it).
    pub plan_id: String,
    pub plan_versie: Option<u32>,
    pub datum: Datum,
    pub einddatum: Datum,
    /// Per goal its uitkomst and the aanbieder's toelichting, as the melding gave them.
    pub doelen: Vec<DoelResultaat>,
    pub tevredenheid: Option<Tevredenheid>,
}

/// The beoordeling that counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeoordelingSamenvatting {
    pub team: String,
    pub versie: u32,
    pub datum: Datum,
    pub oordeel: Oordeel,
    pub resultaat_bereikt: bool,
}

/// The status of one toewijzing of the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanStatus {
    pub toewijzingnummer: String,
    pub aanbieder: String,
    pub product: Product,
    pub ingangsdatum: Datum,
    pub einddatum: Option<Datum>,
    pub gestart: Option<Datum>,
    pub gestopt: Option<Stop>,
    pub plannen: Vec<PlanSamenvatting>,
    pub resultaat: Option<ResultaatSamenvatting>,
    pub beoordeling: Option<BeoordelingSamenvatting>,
    pub uitkomst: Status,
    /// Present when a result-financed contract line covers the toewijzing.
    pub financiering: Option<Financiering>,
}

/// The plan status of a client in a gemeente and domain, per (not removed) toewijzing, of every
/// aanbieder, by toewijzingnummer. Reads the gemeente's toewijzingen (a store may index them by
/// client).
pub fn plan_status(
    history: &impl History,
    plans: &impl PlanHistory,
    contracts: &[ResultaatContract],
    domein: Domein,
    gemeente: &str,
    bsn: &Bsn,
) -> Vec<PlanStatus> {
    let mut nummers = Vec::new();
    for r in history.scan(Tree::Toewijzingen, &key(&[domein.as_str(), gemeente])) {
        if let Record::Toewijzing(v) = r {
            if &v.bsn == bsn {
                nummers.push(v.toewijzingnummer);
            }
        }
    }
    plan_status_of(history, plans, contracts, domein, gemeente, bsn, nummers)
}

/// The plan status of the client's toewijzingen among `nummers` (found by the caller, e.g. in
/// an index), by toewijzingnummer; numbers of other clients are passed over.
pub fn plan_status_of(
    history: &impl History,
    plans: &impl PlanHistory,
    contracts: &[ResultaatContract],
    domein: Domein,
    gemeente: &str,
    bsn: &Bsn,
    nummers: impl IntoIterator<Item = String>,
) -> Vec<PlanStatus> {
    let mut by_nummer: BTreeMap<String, ToewijzingState> = BTreeMap::new();
    for nummer in nummers {
        if let Some(state) = history.toewijzing(domein, gemeente, &nummer) {
            by_nummer.insert(nummer, state);
        }
    }
    let mut out = Vec::new();
    for (nummer, state) in by_nummer {
        let Some(t) = state.current() else {
            continue;
        };
        if t.verwijderd() || &t.bsn != bsn {
            continue;
        }
        let p = &t.parties;
        let gestart = history
            .starts(p, bsn, &nummer)
            .iter()
            .map(|s| s.begindatum)
            .min();
        let gestopt = definitieve_stops(history, p, bsn, &nummer)
            .pop()
            .map(|s| Stop {
                einddatum: s.einddatum,
                reden: s.reden_beeindiging.into(),
            });
        let melding = plans.resultaat(domein, gemeente, &nummer);
        let versies = plans.versies_voor(domein, gemeente, &nummer);
        let plannen = plans
            .plannen_voor(domein, gemeente, &nummer)
            .into_iter()
            .map(|pl| PlanSamenvatting {
                versies: versies
                    .iter()
                    .filter(|v| v.aanbieder == pl.aanbieder && v.plan_id == pl.plan_id)
                    .map(|v| PlanVersie {
                        versie: v.versie,
                        datum: v.datum,
                        doelen: v.doelen.clone(),
                        resultaat: melding.as_ref().is_some_and(|r| {
                            r.aanbieder == v.aanbieder
                                && r.plan_id == v.plan_id
                                && r.plan_versie == Some(v.versie)
                        }),
                    })
                    .collect(),
                aanbieder: pl.aanbieder,
                plan_id: pl.plan_id,
                versie: pl.versie,
                datum: pl.datum,
                doelen: pl.doelen,
            })
            .collect();
        let resultaat = melding.map(|r| ResultaatSamenvatting {
            plan_id: r.plan_id,
            plan_versie: r.plan_versie,
            datum: r.datum,
            einddatum: r.einddatum,
            doelen: r.doelen,
            tevredenheid: r.tevredenheid,
        });
        let beoordeling =
            plans
                .beoordeling(domein, gemeente, &nummer)
                .map(|b| BeoordelingSamenvatting {
                    team: b.team,
                    versie: b.versie,
                    datum: b.datum,
                    oordeel: b.oordeel,
                    resultaat_bereikt: b.resultaat_bereikt,
                });
        let financiering = contracts.iter().find(|c| c.geldt_voor(t)).map(|c| {
            let granted = history.prestaties_op_toewijzing(domein, gemeente, &nummer);
            financiering(t, c, &granted, plans)
        });
        out.push(PlanStatus {
            toewijzingnummer: nummer.clone(),
            aanbieder: p.aanbieder.clone(),
            product: t.product.clone(),
            ingangsdatum: t.ingangsdatum,
            einddatum: t.einddatum,
            gestart,
            gestopt,
            plannen,
            resultaat,
            beoordeling,
            uitkomst: uitkomst(plans, domein, gemeente, &nummer).0,
            financiering,
        });
    }
    out
}

/// The ended trajectories (definitive stop) the filter admits that have no resultaatmelding
/// (and no beoordeling): what a gebiedsteam chases.
pub fn zonder_resultaatmelding<'a>(all: &'a [Trajectory], filter: &Filter) -> Vec<&'a Trajectory> {
    all.iter()
        .filter(|t| t.stop.is_some() && t.status == Status::Onbekend && filter.admits(t))
        .collect()
}

/// What was paid on result-financed trajectories of one aanbieder, by outcome. Amounts are the
/// granted totals (debets minus credits) in euro cents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uitbetaling {
    /// Outcome reached: paid up to 100 %.
    pub bereikt: i64,
    pub trajecten_bereikt: u64,
    /// Outcome not reached: paid up to the reduced percentage.
    pub niet_bereikt: i64,
    pub trajecten_niet_bereikt: u64,
    /// No result yet: paid so far, the final part held.
    pub onbekend: i64,
    pub trajecten_onbekend: u64,
    /// Withheld for good: the part of the trajectory price above the reduced percentage on
    /// trajectories whose result was not reached.
    pub ingehouden: i64,
    /// Held until the result is known (trajectories without a resultaatmelding).
    pub aangehouden: i64,
    /// Granted beyond the aanspraak, to be recovered (a trajectory paid at 100 % and later
    /// judged not reached), and on how many trajectories. Counted apart: the granted amounts
    /// above stay what was granted, `ingehouden` only what was not paid.
    pub terug_te_vorderen: i64,
    pub trajecten_terug_te_vorderen: u64,
}

/// Per aanbieder, what was paid at 100 % and at the reduced percentage (and what is still
/// open) on the result-financed trajectories the filter admits (`Filter::periode`: ended in the
/// period; without a period, running ones count too).
pub fn uitbetaling(
    history: &impl History,
    plans: &impl PlanHistory,
    contracts: &[ResultaatContract],
    trajectories: &[Trajectory],
    filter: &Filter,
) -> BTreeMap<String, Uitbetaling> {
    let mut out: BTreeMap<String, Uitbetaling> = BTreeMap::new();
    for t in trajectories.iter().filter(|t| filter.admits(t)) {
        let Some(v) = history
            .toewijzing(t.domein, &t.gemeente, &t.toewijzingnummer)
            .and_then(|s| s.current().cloned())
        else {
            continue;
        };
        let Some(c) = contracts.iter().find(|c| c.geldt_voor(&v)) else {
            continue;
        };
        let granted = history.prestaties_op_toewijzing(t.domein, &t.gemeente, &t.toewijzingnummer);
        let f = financiering(&v, c, &granted, plans);
        let u = out.entry(t.aanbieder.to_string()).or_default();
        match f.status {
            Status::Bereikt => {
                u.bereikt += f.gedeclareerd;
                u.trajecten_bereikt += 1;
            }
            Status::NietBereikt => {
                u.niet_bereikt += f.gedeclareerd;
                u.trajecten_niet_bereikt += 1;
                u.ingehouden += f.ingehouden;
            }
            Status::Onbekend => {
                u.onbekend += f.gedeclareerd;
                u.trajecten_onbekend += 1;
                u.aangehouden += f.ingehouden;
            }
        }
        if f.terug_te_vorderen > 0 {
            u.terug_te_vorderen += f.terug_te_vorderen;
            u.trajecten_terug_te_vorderen += 1;
        }
    }
    out
}
