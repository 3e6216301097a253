//! Outcome indicators (the youth-care set, also used for Wmo): doelrealisatie, uitval,
//! cliënttevredenheid and herhaald beroep, each as numerator (`teller`) and denominator
//! (`noemer`), computed from [`Trajectory`]s: one per toewijzing, derived from the stored
//! messages by [`trajectories`]. Pure: [`indicatoren`] takes a slice and a [`Filter`].
//!
//! Definitions (a trajectory is *ended* when it has a definitive stop, reden not 20; the period
//! filter selects ended trajectories by the stop's Einddatum):
//!
//! - **doelrealisatie**: ended with a known outcome → teller: outcome reached (the gebiedsteam's
//!   beoordeling, else all goals `behaald`). Ended without a resultaatmelding are counted apart
//!   (`zonder_resultaat`), not in the noemer.
//! - **uitval**: ended prematurely or as planned → teller: prematurely. iJw (JZ588): planned 31,
//!   premature 32–35; iWmo (WMO588): planned 19, premature 21–23; other reasons count in neither.
//! - **cliënttevredenheid**: ended with a reported satisfaction → teller: `tevreden`.
//! - **herhaald beroep**: ended as planned → teller: followed by a new toewijzing for the same
//!   client (same domain and gemeente, any aanbieder) whose Ingangsdatum lies after the
//!   Einddatum and at most `venster_maanden` (default 12) months after it. With a `peildatum`,
//!   a trajectory whose window has not closed by then counts only once it has a repeat, and
//!   only a repeat known on the peildatum (its first Toewijzingsdatum on or before it) counts.

use super::checks::definitieve_stops;
use super::financiering::{uitkomst, Grond, Status};
use super::model::{domein_serde, Tevredenheid};
use super::plans::PlanHistory;
use crate::standard::types::{Bsn, Datum};
use crate::validate::history::{Domein, History, Periode, Record, ToewijzingState, Tree};
use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// The definitive stop of a trajectory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stop {
    pub einddatum: Datum,
    /// RedenBeeindiging (JZ588 / WMO588).
    pub reden: CompactString,
}

/// One trajectory: a toewijzing with what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trajectory {
    #[serde(with = "domein_serde")]
    pub domein: Domein,
    // Short texts inline (`CompactString`): the gateway keeps every trajectory in memory, and
    // a heap allocation per field doubled its size.
    pub aanbieder: CompactString,
    pub gemeente: CompactString,
    /// The gebiedsteam, where known.
    pub team: Option<CompactString>,
    pub bsn: Bsn,
    pub toewijzingnummer: CompactString,
    /// Ingangsdatum of the toewijzing (its current version).
    pub ingangsdatum: Datum,
    /// The first start (Begindatum), if started.
    pub start: Option<Datum>,
    /// The definitive stop, if ended.
    pub stop: Option<Stop>,
    /// The outcome: the beoordeling's, else the resultaatmelding's, else unknown.
    pub status: Status,
    /// What decided the outcome (beoordeling agreeing or not, the melding, nothing yet).
    pub grond: Grond,
    pub tevredenheid: Option<Tevredenheid>,
    /// The date of the first version of the plans covering the toewijzing (the earliest version
    /// that named it), if any; the latest version's date is in the index's details.
    pub plan: Option<Datum>,
    /// RedenWijziging of the toewijzing's current version, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reden_wijziging: Option<CompactString>,
    /// Toewijzingsdatum of its first version: from that day the toewijzing was known. A
    /// `peildatum` counts only what was known on it (`None`: taken as always known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toegewezen: Option<Datum>,
}

/// A trajectory's identity: domein, gemeente, toewijzingnummer.
pub type TrajectoryKey = (Domein, CompactString, CompactString);

impl Trajectory {
    pub fn key(&self) -> TrajectoryKey {
        (
            self.domein,
            self.gemeente.clone(),
            self.toewijzingnummer.clone(),
        )
    }

    /// Ended: a definitive stop.
    pub fn beeindigd(&self) -> bool {
        self.stop.is_some()
    }

    /// The gebiedsteam judged the result otherwise than the aanbieder reported it.
    pub fn betwist(&self) -> bool {
        matches!(self.grond, Grond::Beoordeling { eens: false, .. })
    }
}

/// How a trajectory ended, for uitval and herhaald beroep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Beeindiging {
    VolgensPlan,
    Voortijdig,
    /// Death, moving, change of provider …: neither.
    Anders,
}

/// Classify a RedenBeeindiging of the domain's code list.
pub fn beeindiging(domein: Domein, reden: &str) -> Beeindiging {
    match (domein, reden) {
        (Domein::Ijw, "31") | (Domein::Iwmo, "19") => Beeindiging::VolgensPlan,
        (Domein::Ijw, "32" | "33" | "34" | "35") | (Domein::Iwmo, "21" | "22" | "23") => {
            Beeindiging::Voortijdig
        }
        _ => Beeindiging::Anders,
    }
}

/// Which trajectories count. `None`: no restriction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    pub domein: Option<Domein>,
    pub aanbieder: Option<String>,
    pub gemeente: Option<String>,
    pub team: Option<String>,
    /// Ended (Einddatum of the stop) within this period.
    pub periode: Option<Periode>,
    /// The herhaald-beroep window in months.
    pub venster_maanden: u32,
    /// The day of computation: windows not closed by then count only with a repeat.
    pub peildatum: Option<Datum>,
}

impl Default for Filter {
    fn default() -> Filter {
        Filter {
            domein: None,
            aanbieder: None,
            gemeente: None,
            team: None,
            periode: None,
            venster_maanden: 12,
            peildatum: None,
        }
    }
}

impl Filter {
    /// Whether the trajectory is selected.
    pub fn admits(&self, t: &Trajectory) -> bool {
        let eq = |want: &Option<String>, have: Option<&str>| {
            want.as_deref().is_none_or(|w| have == Some(w))
        };
        self.domein.is_none_or(|d| d == t.domein)
            && eq(&self.aanbieder, Some(&t.aanbieder))
            && eq(&self.gemeente, Some(&t.gemeente))
            && eq(&self.team, t.team.as_deref())
            && match (&self.periode, &t.stop) {
                (None, _) => true,
                (Some(p), Some(s)) => p.begin <= s.einddatum && s.einddatum <= p.eind,
                (Some(_), None) => false,
            }
    }
}

/// A share as numerator and denominator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    pub teller: u64,
    pub noemer: u64,
}

impl Figure {
    /// teller / noemer; `None` when nothing was counted.
    pub fn aandeel(&self) -> Option<f64> {
        (self.noemer > 0).then(|| self.teller as f64 / self.noemer as f64)
    }

    fn count(&mut self, hit: bool) {
        self.noemer += 1;
        if hit {
            self.teller += 1;
        }
    }
}

/// The four figures over the selected trajectories.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicatoren {
    /// Ended trajectories selected.
    pub beeindigd: u64,
    /// … of which without a resultaatmelding (outside doelrealisatie's noemer).
    pub zonder_resultaat: u64,
    pub doelrealisatie: Figure,
    pub uitval: Figure,
    pub clienttevredenheid: Figure,
    pub herhaald_beroep: Figure,
}

/// `d` plus `n` calendar months (the day clamped to the month's last).
pub fn plus_maanden(d: Datum, n: u32) -> Option<Datum> {
    let date = d.date();
    let total = date.year() * 12 + (date.month() as i32 - 1) + n as i32;
    let (year, month) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u8);
    let m = time::Month::try_from(month).ok()?;
    let last = m.length(year);
    Datum::from_ymd(year, month, date.day().min(last))
}

/// Every toewijzing by client (domein, gemeente, bsn), then Ingangsdatum, with its number: one
/// sorted vector, built once per computation for the herhaald-beroep lookups (one allocation
/// and a sort; a map of vectors cost ten times more on 100,000 trajectories).
struct PerClient<'a>(Vec<PerClientItem<'a>>);

/// (client, Ingangsdatum, toewijzingnummer, known since).
type PerClientItem<'a> = (ClientRef<'a>, Datum, &'a str, Option<Datum>);

type ClientRef<'a> = (Domein, &'a str, Bsn);

fn per_client(all: &[Trajectory]) -> PerClient<'_> {
    let mut v: Vec<_> = all
        .iter()
        .map(|u| {
            (
                (u.domein, u.gemeente.as_str(), u.bsn),
                u.ingangsdatum,
                u.toewijzingnummer.as_str(),
                u.toegewezen,
            )
        })
        .collect();
    v.sort_unstable();
    PerClient(v)
}

impl<'a> PerClient<'a> {
    /// The client's toewijzingen with an Ingangsdatum after `na`, up to and including `tot`.
    fn tussen(&self, client: ClientRef<'a>, na: Datum, tot: Datum) -> &[PerClientItem<'a>] {
        let from = self
            .0
            .partition_point(|(c, d, ..)| (*c, *d) <= (client, na));
        let to = self
            .0
            .partition_point(|(c, d, ..)| (*c, *d) <= (client, tot));
        &self.0[from..to.max(from)]
    }
}

/// Whether `t` (ended on `eind`) is followed by a new toewijzing for the same client within the
/// window: `Some(true)`/`Some(false)`, or `None` when the window is still open without one.
fn herhaald(clients: &PerClient<'_>, t: &Trajectory, eind: Datum, filter: &Filter) -> Option<bool> {
    let tot = plus_maanden(eind, filter.venster_maanden)?;
    let repeat = clients
        .tussen((t.domein, t.gemeente.as_str(), t.bsn), eind, tot)
        .iter()
        .any(|(_, _, nummer, bekend)| {
            // Only what was known on the peildatum: a toewijzing sent after it does not count.
            let bekend = match (filter.peildatum, bekend) {
                (Some(peil), Some(sinds)) => *sinds <= peil,
                _ => true,
            };
            *nummer != t.toewijzingnummer && bekend
        });
    if repeat {
        return Some(true);
    }
    match filter.peildatum {
        Some(peil) if peil < tot => None,
        _ => Some(false),
    }
}

/// The indicators of the trajectories `filter` admits. Repeats for herhaald beroep are looked
/// for among all of `all`, whatever the filter.
pub fn indicatoren(all: &[Trajectory], filter: &Filter) -> Indicatoren {
    let clients = per_client(all);
    let mut out = Indicatoren::default();
    for t in all.iter().filter(|t| filter.admits(t)) {
        out.count(t, &clients, filter);
    }
    out
}

impl Indicatoren {
    /// Count one admitted trajectory.
    fn count(&mut self, t: &Trajectory, clients: &PerClient<'_>, filter: &Filter) {
        let Some(stop) = &t.stop else {
            return;
        };
        self.beeindigd += 1;
        match t.status {
            Status::Onbekend => self.zonder_resultaat += 1,
            s => self.doelrealisatie.count(s == Status::Bereikt),
        }
        let hoe = beeindiging(t.domein, &stop.reden);
        if hoe != Beeindiging::Anders {
            self.uitval.count(hoe == Beeindiging::Voortijdig);
        }
        if let Some(tv) = t.tevredenheid {
            self.clienttevredenheid.count(tv == Tevredenheid::Tevreden);
        }
        if hoe == Beeindiging::VolgensPlan {
            if let Some(hit) = herhaald(clients, t, stop.einddatum, filter) {
                self.herhaald_beroep.count(hit);
            }
        }
    }
}

/// What to group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Groep {
    Aanbieder,
    Gemeente,
    Team,
}

/// The indicators per aanbieder, gemeente or team (trajectories without a team are left out
/// when grouping by team), each within `filter`.
pub fn per(all: &[Trajectory], filter: &Filter, groep: Groep) -> BTreeMap<String, Indicatoren> {
    fn key(t: &Trajectory, groep: Groep) -> Option<&str> {
        match groep {
            Groep::Aanbieder => Some(t.aanbieder.as_str()),
            Groep::Gemeente => Some(t.gemeente.as_str()),
            Groep::Team => t.team.as_deref(),
        }
    }
    // Every group that has a trajectory at all is listed, also when the filter admits none of
    // them; then one pass counts each admitted trajectory in its group.
    let mut out: BTreeMap<String, Indicatoren> = BTreeMap::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for t in all {
        if let Some(k) = key(t, groep) {
            if seen.insert(k) {
                out.insert(k.to_string(), Indicatoren::default());
            }
        }
    }
    let clients = per_client(all);
    for t in all.iter().filter(|t| filter.admits(t)) {
        if let Some(i) = key(t, groep).and_then(|k| out.get_mut(k)) {
            i.count(t, &clients, filter);
        }
    }
    out
}

/// Every toewijzing in the history (not removed) as a trajectory: its first start, its latest
/// definitive stop, the outcome and satisfaction from the plan history. The team is the one of
/// the latest beoordeling; a gateway with team configuration may set it afterwards.
pub fn trajectories(history: &impl History, plans: &impl PlanHistory) -> Vec<Trajectory> {
    let mut by_nummer: BTreeMap<(Domein, String, String), Vec<_>> = BTreeMap::new();
    for r in history.scan(Tree::Toewijzingen, b"") {
        if let Record::Toewijzing(v) = r {
            by_nummer
                .entry((
                    v.parties.domein,
                    v.parties.gemeente.clone(),
                    v.toewijzingnummer.clone(),
                ))
                .or_default()
                .push(v);
        }
    }
    by_nummer
        .into_values()
        .filter_map(|versions| of_state(history, plans, &ToewijzingState { versions }))
        .collect()
}

/// The trajectory of one toewijzing; `None` when there is none (or it was removed).
pub fn trajectory(
    history: &impl History,
    plans: &impl PlanHistory,
    domein: Domein,
    gemeente: &str,
    nummer: &str,
) -> Option<Trajectory> {
    of_state(
        history,
        plans,
        &history.toewijzing(domein, gemeente, nummer)?,
    )
}

fn of_state(
    history: &impl History,
    plans: &impl PlanHistory,
    state: &ToewijzingState,
) -> Option<Trajectory> {
    let t = state.current()?;
    if t.verwijderd() {
        return None;
    }
    let p = &t.parties;
    let start = history
        .starts(p, &t.bsn, &t.toewijzingnummer)
        .iter()
        .map(|s| s.begindatum)
        .min();
    let stop = definitieve_stops(history, p, &t.bsn, &t.toewijzingnummer)
        .pop()
        .map(|s| Stop {
            einddatum: s.einddatum,
            reden: s.reden_beeindiging.into(),
        });
    let (status, grond) = uitkomst(plans, p.domein, &p.gemeente, &t.toewijzingnummer);
    let team = match &grond {
        Grond::Beoordeling { team, .. } => Some(team.clone()),
        _ => None,
    };
    let tevredenheid = plans
        .resultaat(p.domein, &p.gemeente, &t.toewijzingnummer)
        .and_then(|r| r.tevredenheid);
    // The first version that named the toewijzing, of the plans that cover it now.
    let plan = plans
        .versies_voor(p.domein, &p.gemeente, &t.toewijzingnummer)
        .iter()
        .map(|p| p.datum)
        .min();
    Some(Trajectory {
        domein: p.domein,
        aanbieder: p.aanbieder.as_str().into(),
        gemeente: p.gemeente.as_str().into(),
        team: team.map(Into::into),
        bsn: t.bsn,
        toewijzingnummer: t.toewijzingnummer.as_str().into(),
        ingangsdatum: t.ingangsdatum,
        start,
        stop,
        status,
        grond,
        tevredenheid,
        plan,
        reden_wijziging: t.reden_wijziging.as_deref().map(Into::into),
        toegewezen: state.versions.iter().map(|v| v.toewijzingsdatum).min(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Datum {
        Datum::parse(s).expect("date")
    }

    #[test]
    fn months_are_calendar_months() {
        assert_eq!(plus_maanden(d("2026-01-31"), 1), Some(d("2026-02-28")));
        assert_eq!(plus_maanden(d("2026-04-30"), 12), Some(d("2027-04-30")));
        assert_eq!(plus_maanden(d("2024-02-29"), 12), Some(d("2025-02-28")));
        assert_eq!(plus_maanden(d("2026-11-15"), 3), Some(d("2027-02-15")));
    }

    fn traject(nummer: &str, ingang: &str, toegewezen: &str, stop: Option<&str>) -> Trajectory {
        Trajectory {
            domein: Domein::Ijw,
            aanbieder: "12345678".into(),
            gemeente: "0599".into(),
            team: None,
            bsn: Bsn::parse("999990019").expect("bsn"),
            toewijzingnummer: nummer.into(),
            ingangsdatum: d(ingang),
            start: Some(d(ingang)),
            stop: stop.map(|e| Stop {
                einddatum: d(e),
                reden: "31".into(),
            }),
            status: Status::Onbekend,
            grond: Grond::GeenResultaat,
            tevredenheid: None,
            plan: None,
            reden_wijziging: None,
            toegewezen: Some(d(toegewezen)),
        }
    }

    #[test]
    fn a_peildatum_counts_only_toewijzingen_known_on_it() {
        // Ended as planned on 2026-03-31; a new toewijzing from 2026-04-15, sent on 2026-05-10.
        let all = [
            traject("1", "2025-10-01", "2025-09-20", Some("2026-03-31")),
            traject("2", "2026-04-15", "2026-05-10", None),
        ];
        let op = |peil: &str| {
            indicatoren(
                &all,
                &Filter {
                    peildatum: Some(d(peil)),
                    ..Filter::default()
                },
            )
            .herhaald_beroep
        };
        // On 2026-05-01 it was not known yet and the window is open: not counted at all.
        assert_eq!(
            op("2026-05-01"),
            Figure {
                teller: 0,
                noemer: 0
            }
        );
        // From the day it was sent it counts.
        assert_eq!(
            op("2026-05-10"),
            Figure {
                teller: 1,
                noemer: 1
            }
        );
        // After the window closed (2027-03-31) without a known repeat: counted as none.
        let laat = [
            all[0].clone(),
            traject("2", "2026-04-15", "2027-05-01", None),
        ];
        let f = indicatoren(
            &laat,
            &Filter {
                peildatum: Some(d("2027-04-15")),
                ..Filter::default()
            },
        );
        assert_eq!(
            f.herhaald_beroep,
            Figure {
                teller: 0,
                noemer: 1
            }
        );
        // Without a peildatum everything known now counts.
        assert_eq!(
            indicatoren(&laat, &Filter::default()).herhaald_beroep,
            Figure {
                teller: 1,
                noemer: 1
            }
        );
    }

    #[test]
    fn reasons_per_standard() {
        assert_eq!(beeindiging(Domein::Ijw, "31"), Beeindiging::VolgensPlan);
        assert_eq!(beeindiging(Domein::Ijw, "35"), Beeindiging::Voortijdig);
        assert_eq!(beeindiging(Domein::Ijw, "19"), Beeindiging::Anders);
        assert_eq!(beeindiging(Domein::Iwmo, "19"), Beeindiging::VolgensPlan);
        assert_eq!(beeindiging(Domein::Iwmo, "21"), Beeindiging::Voortijdig);
        assert_eq!(beeindiging(Domein::Iwmo, "31"), Beeindiging::Anders);
        assert_eq!(beeindiging(Domein::Ijw, "01"), Beeindiging::Anders);
    }
}
