//! Resultaatfinanciering: a contract line can make a product result-financed with a trajectory
//! price P and a reduced percentage (default 70). Per toewijzing of that product:
//!
//! - result reached (the gebiedsteam judged it reached, or — without a beoordeling — every goal
//!   `behaald` in the resultaatmelding) → entitlement (aanspraak) = P;
//! - result not reached → aanspraak = percentage × P, the rest is withheld for good;
//! - no resultaatmelding yet → aanspraak = percentage × P for now: the final part is held until
//!   the result is known.
//!
//! Declared prestaties (JW323/WMO323) on such a toewijzing may together not exceed the
//! aanspraak; a debet that would is rejected with retourcode `9322` (the WJ001 code for a
//! declared total beyond what was assigned) and Sluis code [`codes::FINANCIERING`], and its
//! message names the aanspraak, what was already declared and why.

use super::codes;
use super::plans::PlanHistory;
use crate::standard::Document;
use crate::validate::history::read::{self, Header, Prestatie};
use crate::validate::history::{History, Parties, PrestatieRecord, ToewijzingVersie};
use crate::validate::Finding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The retourcode (WJ001) of a declaratie beyond the entitlement: 9322, "het totaal
/// gedeclareerde valt buiten de toewijzing".
pub const RETOURCODE: &str = "9322";

/// The default reduced percentage.
pub const DEFAULT_PERCENTAGE: u8 = 70;

fn default_percentage() -> u8 {
    DEFAULT_PERCENTAGE
}

/// `resultaatfinanciering = { trajectprijs = 240000, percentage = 70 }` on a contract line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resultaatfinanciering {
    /// The price of the whole trajectory in euro cents.
    pub trajectprijs: i64,
    /// The share (in %) paid when the result is not reached.
    #[serde(default = "default_percentage")]
    pub percentage: u8,
}

impl Resultaatfinanciering {
    /// The highest trajectory price accepted: € 100.000.000,00 (in cents).
    pub const MAX_PRIJS: i64 = 10_000_000_000;

    /// A price above zero (and not absurd) and a percentage of at most 100.
    pub fn check(&self) -> Result<(), String> {
        if self.trajectprijs <= 0 || self.trajectprijs > Self::MAX_PRIJS {
            return Err(format!(
                "trajectprijs {} moet groter dan 0 en hoogstens {} zijn (eurocent)",
                self.trajectprijs,
                Self::MAX_PRIJS
            ));
        }
        if self.percentage > 100 {
            return Err(format!(
                "percentage {} ligt niet tussen 0 en 100",
                self.percentage
            ));
        }
        Ok(())
    }

    /// The reduced amount: percentage × trajectprijs, rounded half up to whole cents.
    pub fn verlaagd(&self) -> i64 {
        let v = (i128::from(self.trajectprijs) * i128::from(self.percentage) + 50) / 100;
        i64::try_from(v).unwrap_or(i64::MAX)
    }
}

/// A contract line with resultaatfinanciering: which aanbieder and product it concerns. The
/// gateway builds these from its configured contracts (`ResultaatContract::from_contract`, in
/// `policy.rs` beside the contract line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultaatContract {
    pub aanbieder: String,
    pub categorie: String,
    pub code: String,
    pub resultaatfinanciering: Resultaatfinanciering,
}

impl ResultaatContract {
    /// Whether the toewijzing is of this aanbieder and product (categorie and code).
    pub fn geldt_voor(&self, t: &ToewijzingVersie) -> bool {
        t.parties.aanbieder == self.aanbieder
            && t.product.categorie.as_deref() == Some(self.categorie.as_str())
            && t.product.code.as_deref() == Some(self.code.as_str())
    }
}

/// Whether the result of a trajectory is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Bereikt,
    NietBereikt,
    Onbekend,
}

/// What decided the status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "soort")]
pub enum Grond {
    /// The gebiedsteam's beoordeling (it prevails).
    Beoordeling {
        team: String,
        versie: u32,
        eens: bool,
    },
    /// The resultaatmelding alone: all goals `behaald` or not.
    Resultaatmelding { alle_doelen_behaald: bool },
    /// No resultaatmelding yet.
    GeenResultaat,
}

impl Grond {
    /// Why, in Dutch, for a message.
    pub fn uitleg(&self, status: Status) -> String {
        let bereikt = if status == Status::Bereikt {
            "bereikt"
        } else {
            "niet bereikt"
        };
        match self {
            Grond::Beoordeling { team, eens, .. } => format!(
                "gebiedsteam {team} oordeelt het resultaat {bereikt} ({} met de resultaatmelding)",
                if *eens { "eens" } else { "oneens" }
            ),
            Grond::Resultaatmelding {
                alle_doelen_behaald: true,
            } => "alle doelen behaald volgens de resultaatmelding".to_string(),
            Grond::Resultaatmelding { .. } => {
                "niet alle doelen behaald volgens de resultaatmelding".to_string()
            }
            Grond::GeenResultaat => {
                "er is nog geen resultaatmelding; het laatste deel wordt ingehouden tot het resultaat bekend is"
                    .to_string()
            }
        }
    }
}

/// The outcome of the trajectory on a toewijzing: the latest beoordeling prevails, then the
/// resultaatmelding, else unknown.
pub fn uitkomst(
    plans: &impl PlanHistory,
    domein: crate::validate::history::Domein,
    gemeente: &str,
    nummer: &str,
) -> (Status, Grond) {
    let status = |b: bool| {
        if b {
            Status::Bereikt
        } else {
            Status::NietBereikt
        }
    };
    if let Some(b) = plans.beoordeling(domein, gemeente, nummer) {
        return (
            status(b.resultaat_bereikt),
            Grond::Beoordeling {
                team: b.team,
                versie: b.versie,
                eens: b.oordeel == super::model::Oordeel::Eens,
            },
        );
    }
    match plans.resultaat(domein, gemeente, nummer) {
        Some(r) => {
            let all = r.alle_doelen_behaald();
            (
                status(all),
                Grond::Resultaatmelding {
                    alle_doelen_behaald: all,
                },
            )
        }
        None => (Status::Onbekend, Grond::GeenResultaat),
    }
}

/// The financing state of one result-financed toewijzing. Amounts in euro cents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Financiering {
    pub toewijzingnummer: String,
    pub trajectprijs: i64,
    pub percentage: u8,
    pub status: Status,
    pub grond: Grond,
    /// The share of the trajectprijs the aanbieder is entitled to now: 100 when reached, else
    /// `percentage`.
    pub recht_procent: u8,
    /// What may be declared in total: P when reached, percentage × P otherwise (for now, while
    /// unknown).
    pub aanspraak: i64,
    /// Granted so far: debets minus credits of the aanbieder on the toewijzing. What was
    /// actually granted, also when it exceeds the aanspraak.
    pub gedeclareerd: i64,
    /// The part of P − aanspraak that was not paid: withheld for good (`niet_bereikt`) or held
    /// until the result is known (`onbekend`). What was paid beyond the aanspraak is not
    /// withheld: it is [`Financiering::terug_te_vorderen`].
    pub ingehouden: i64,
    /// Granted beyond the aanspraak (gedeclareerd − aanspraak, at least 0): to be recovered,
    /// e.g. a trajectory paid at 100 % that the gebiedsteam later judged not reached. Nothing
    /// more is granted on the toewijzing until the aanbieder credits it.
    pub terug_te_vorderen: i64,
    /// Why the aanspraak is what it is, in Dutch (from [`Grond::uitleg`]).
    pub reden: String,
}

impl Financiering {
    /// The arithmetic of one trajectory: the aanspraak for the status, what was withheld and
    /// what is to be recovered of `gedeclareerd` (net granted).
    pub fn bereken(
        toewijzingnummer: &str,
        r: Resultaatfinanciering,
        status: Status,
        grond: Grond,
        gedeclareerd: i64,
    ) -> Financiering {
        let (aanspraak, recht_procent) = match status {
            Status::Bereikt => (r.trajectprijs, 100),
            Status::NietBereikt | Status::Onbekend => (r.verlaagd(), r.percentage),
        };
        let terug_te_vorderen = gedeclareerd.saturating_sub(aanspraak).max(0);
        let ingehouden = r
            .trajectprijs
            .saturating_sub(aanspraak)
            .saturating_sub(terug_te_vorderen)
            .max(0);
        Financiering {
            toewijzingnummer: toewijzingnummer.to_string(),
            trajectprijs: r.trajectprijs,
            percentage: r.percentage,
            reden: grond.uitleg(status),
            status,
            grond,
            recht_procent,
            aanspraak,
            gedeclareerd,
            ingehouden,
            terug_te_vorderen,
        }
    }

    /// The same trajectory once `status` and `grond` hold (a new beoordeling or melding), with
    /// what was granted so far.
    pub fn herzien(&self, status: Status, grond: Grond) -> Financiering {
        let r = Resultaatfinanciering {
            trajectprijs: self.trajectprijs,
            percentage: self.percentage,
        };
        Financiering::bereken(&self.toewijzingnummer, r, status, grond, self.gedeclareerd)
    }

    /// What may still be declared.
    pub fn ruimte(&self) -> i64 {
        self.aanspraak - self.gedeclareerd
    }

    /// Judge a debet of `bedrag` cents, with `eerder` cents of earlier debets (net of credits) in
    /// the same message already counted, at `path`. `None`: it fits.
    pub fn toets(&self, bedrag: i64, eerder: i64, path: &str) -> Option<Finding> {
        let totaal = self
            .gedeclareerd
            .saturating_add(eerder)
            .saturating_add(bedrag);
        if totaal <= self.aanspraak {
            return None;
        }
        let deel = format!(
            "{} % van trajectprijs {}",
            self.recht_procent,
            euro(self.trajectprijs)
        );
        let in_bericht = if eerder != 0 {
            format!(", eerder in dit bericht {}", euro(eerder))
        } else {
            String::new()
        };
        // Net of this message's credits: what is still to be recovered after them.
        let open = self.gedeclareerd.saturating_add(eerder) - self.aanspraak;
        let terug = if open > 0 {
            format!(
                "; er staat {} terug te vorderen (al meer uitbetaald dan de aanspraak): er wordt niets meer toegekend tot dat bedrag is gecrediteerd",
                euro(open)
            )
        } else {
            String::new()
        };
        Some(Finding {
            code: codes::FINANCIERING,
            retourcode: Some(RETOURCODE),
            path: path.to_string(),
            message: format!(
                "Resultaatfinanciering: de aanspraak op toewijzing {} is {} ({deel}: {}); al gedeclareerd {}{in_bericht}; met deze prestatie van {} komt het totaal op {}, {} te veel{terug}",
                self.toewijzingnummer,
                euro(self.aanspraak),
                self.reden,
                euro(self.gedeclareerd),
                euro(bedrag),
                euro(totaal),
                euro(totaal - self.aanspraak),
            ),
        })
    }
}

/// A change in what is to be recovered on a trajectory, caused by a beoordeling (or melding):
/// the signal for the aanbieder's and the gemeente's inbox. No BSN: the toewijzing identifies
/// the trajectory. Amounts in euro cents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terugvordering {
    #[serde(with = "super::model::domein_serde")]
    pub domein: crate::validate::history::Domein,
    pub gemeente: String,
    pub aanbieder: String,
    pub toewijzingnummer: String,
    /// To be recovered now (0: a former terugvordering lapses).
    pub bedrag: i64,
    /// To be recovered before this judgement.
    pub eerder: i64,
    pub trajectprijs: i64,
    pub recht_procent: u8,
    pub aanspraak: i64,
    pub gedeclareerd: i64,
    pub status: Status,
    /// Why, in Dutch.
    pub reden: String,
    /// The whole signal as one Dutch sentence.
    pub melding: String,
}

/// The decision: whether a changed financing state (`voor` → `na`, the same trajectory and
/// granted amount) changes what is to be recovered, and if so the signal.
pub fn terugvordering(
    voor: &Financiering,
    na: &Financiering,
    parties: &Parties,
) -> Option<Terugvordering> {
    if voor.terug_te_vorderen == na.terug_te_vorderen {
        return None;
    }
    let melding = if na.terug_te_vorderen > 0 {
        format!(
            "Terugvordering op toewijzing {}: {} (uitbetaald {}, aanspraak {} = {} % van trajectprijs {}: {})",
            na.toewijzingnummer,
            euro(na.terug_te_vorderen),
            euro(na.gedeclareerd),
            euro(na.aanspraak),
            na.recht_procent,
            euro(na.trajectprijs),
            na.reden,
        )
    } else {
        format!(
            "De terugvordering van {} op toewijzing {} vervalt: de aanspraak is nu {} ({} % van trajectprijs {}: {}), uitbetaald {}",
            euro(voor.terug_te_vorderen),
            na.toewijzingnummer,
            euro(na.aanspraak),
            na.recht_procent,
            euro(na.trajectprijs),
            na.reden,
            euro(na.gedeclareerd),
        )
    };
    Some(Terugvordering {
        domein: parties.domein,
        gemeente: parties.gemeente.clone(),
        aanbieder: parties.aanbieder.clone(),
        toewijzingnummer: na.toewijzingnummer.clone(),
        bedrag: na.terug_te_vorderen,
        eerder: voor.terug_te_vorderen,
        trajectprijs: na.trajectprijs,
        recht_procent: na.recht_procent,
        aanspraak: na.aanspraak,
        gedeclareerd: na.gedeclareerd,
        status: na.status,
        reden: na.reden.clone(),
        melding,
    })
}

/// The outcome an accepted doelbereik message gives its trajectory, for the financing: a
/// beoordeling decides (it is the latest version); a melding decides only where no beoordeling
/// does. `None`: the message does not judge a result (a behandelplan), or changes nothing.
pub fn uitkomst_na(bericht: &super::model::Bericht, voor: &Grond) -> Option<(Status, Grond)> {
    use super::model::{Bericht, Oordeel};
    let status = |b: bool| {
        if b {
            Status::Bereikt
        } else {
            Status::NietBereikt
        }
    };
    match bericht {
        Bericht::Behandelplan(_) => None,
        Bericht::Beoordeling(b) => Some((
            status(b.resultaat_bereikt),
            Grond::Beoordeling {
                team: b.team.clone(),
                versie: b.versie,
                eens: b.oordeel == Oordeel::Eens,
            },
        )),
        Bericht::Resultaatmelding(_) if matches!(voor, Grond::Beoordeling { .. }) => None,
        Bericht::Resultaatmelding(r) => {
            let all = r.alle_doelen_behaald();
            Some((
                status(all),
                Grond::Resultaatmelding {
                    alle_doelen_behaald: all,
                },
            ))
        }
    }
}

/// The terugvorderingen an accepted doelbereik message causes, over the histories as they are
/// before it: per toewijzing it judges, on a result-financed product, the financing before and
/// after. Pure; the gateway writes the signals in the message's own transaction.
pub fn terugvorderingen(
    bericht: &super::model::Bericht,
    history: &impl History,
    plans: &impl PlanHistory,
    contracts: &[ResultaatContract],
) -> Vec<Terugvordering> {
    use super::model::Bericht;
    if contracts.is_empty() {
        return Vec::new();
    }
    let (domein, gemeente, nummer) = match bericht {
        Bericht::Behandelplan(_) => return Vec::new(),
        Bericht::Resultaatmelding(r) => (r.domein, &r.gemeente, &r.toewijzingnummer),
        Bericht::Beoordeling(b) => (b.domein, &b.gemeente, &b.toewijzingnummer),
    };
    let Some(t) = history
        .toewijzing(domein, gemeente, nummer)
        .and_then(|s| s.current().cloned())
    else {
        return Vec::new();
    };
    let Some(contract) = contracts.iter().find(|c| c.geldt_voor(&t)) else {
        return Vec::new();
    };
    let granted = history.prestaties_op_toewijzing(domein, gemeente, nummer);
    let voor = financiering(&t, contract, &granted, plans);
    let Some((status, grond)) = uitkomst_na(bericht, &voor.grond) else {
        return Vec::new();
    };
    let na = voor.herzien(status, grond);
    terugvordering(&voor, &na, &t.parties).into_iter().collect()
}

/// Euro cents as `€ 1.680,00`.
pub fn euro(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    let whole = (c / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    format!("{sign}€ {grouped},{:02}", c % 100)
}

/// Net granted amount: debets minus credits of `aanbieder`.
pub fn gedeclareerd(granted: &[PrestatieRecord], aanbieder: &str) -> i64 {
    granted
        .iter()
        .filter(|p| p.parties.aanbieder == aanbieder)
        .fold(0i64, |sum, p| {
            if p.credit {
                sum.saturating_sub(p.bedrag)
            } else {
                sum.saturating_add(p.bedrag)
            }
        })
}

/// The financing state of a toewijzing under `contract`, from the granted prestaties on it
/// (`History::prestaties_op_toewijzing`) and the plan history.
pub fn financiering(
    toewijzing: &ToewijzingVersie,
    contract: &ResultaatContract,
    granted: &[PrestatieRecord],
    plans: &impl PlanHistory,
) -> Financiering {
    let p = &toewijzing.parties;
    let (status, grond) = uitkomst(plans, p.domein, &p.gemeente, &toewijzing.toewijzingnummer);
    Financiering::bereken(
        &toewijzing.toewijzingnummer,
        contract.resultaatfinanciering,
        status,
        grond,
        gedeclareerd(granted, &p.aanbieder),
    )
}

/// Judge one prestatie of a declaratie on a result-financed toewijzing: credits always fit; a
/// debet must keep the total within the aanspraak. `eerder`: the net amount of earlier
/// prestaties on the same toewijzing in the same message that were granted.
pub fn check_prestatie(
    toewijzing: &ToewijzingVersie,
    contract: &ResultaatContract,
    granted: &[PrestatieRecord],
    plans: &impl PlanHistory,
    prestatie: &Prestatie,
    eerder: i64,
    path: &str,
) -> Option<Finding> {
    if prestatie.credit || !contract.geldt_voor(toewijzing) {
        return None;
    }
    financiering(toewijzing, contract, granted, plans).toets(prestatie.bedrag, eerder, path)
}

fn within(path: &str, class: &str) -> bool {
    path.strip_prefix(class)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The financing check of a whole JW323/WMO323, for the gateway: run after
/// `validate::history::check`, with all findings so far as `earlier` (prestaties they reject do
/// not count). Per result-financed toewijzing: granted history, minus this message's credits
/// (credits first, OP366), then its debets in document order; a debet that would exceed the
/// aanspraak is reported and not counted. Add the findings to the others before
/// `accepted_effects` and `retour`.
pub fn check_declaratie(
    doc: &Document,
    history: &impl History,
    plans: &impl PlanHistory,
    contracts: &[ResultaatContract],
    earlier: &[Finding],
) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(header) = Header::of(doc) else {
        return out;
    };
    if header.nummer != 323 || contracts.is_empty() {
        return out;
    }
    let parties = &header.parties;
    // Rejected as a whole (structure, in-message rules, or a finding on the header or the
    // Declaratie itself): nothing is granted, nothing to judge.
    let whole = earlier
        .iter()
        .any(|f| f.is_technisch() || !f.path.starts_with("/Bericht/Declaratie/Clienten/Client["));
    if whole {
        return out;
    }
    // A prestatie is rejected by a finding on it, inside it, or on its client outside any
    // prestatie (as `accepted_effects` reads them).
    let rejected = |path: &str| {
        let client = &path[..path.find("/Prestaties/").unwrap_or(path.len())];
        earlier.iter().any(|f| {
            within(&f.path, path)
                || within(path, &f.path)
                || (within(&f.path, client) && !f.path[client.len()..].contains("/Prestatie["))
        })
    };
    let Some(decl) = doc.children.iter().find(|e| e.name() == "Declaratie") else {
        return out;
    };
    let Some(clients) = decl.child("Clienten") else {
        return out;
    };
    struct Line {
        path: String,
        p: Prestatie,
    }
    let mut lines: Vec<Line> = Vec::new();
    for (ci, client) in clients.children_named("Client").enumerate() {
        let Some(bsn) = read::bsn(client) else {
            continue;
        };
        let Some(ps) = client.child("Prestaties") else {
            continue;
        };
        for (pi, e) in ps.children_named("Prestatie").enumerate() {
            let path = format!(
                "/Bericht/Declaratie/Clienten/Client[{}]/Prestaties/Prestatie[{}]",
                ci + 1,
                pi + 1
            );
            if rejected(&path) {
                continue;
            }
            let Some(p) = Prestatie::of(e) else {
                continue;
            };
            // Only prestaties on a toewijzing of this aanbieder for this client; others are
            // the standard's rules' (TR338, TR304, TR384).
            let Some(t) = history
                .toewijzing(parties.domein, &parties.gemeente, &p.toewijzingnummer)
                .and_then(|s| s.current().cloned())
            else {
                continue;
            };
            if t.verwijderd() || t.parties.aanbieder != parties.aanbieder || t.bsn != bsn {
                continue;
            }
            if contracts.iter().any(|c| c.geldt_voor(&t)) {
                lines.push(Line { path, p });
            }
        }
    }
    // Per toewijzing: the financing state once, then this message's amounts.
    let mut state: BTreeMap<String, (Financiering, i64)> = BTreeMap::new();
    for l in &lines {
        let nummer = &l.p.toewijzingnummer;
        if !state.contains_key(nummer) {
            let Some(t) = history
                .toewijzing(parties.domein, &parties.gemeente, nummer)
                .and_then(|s| s.current().cloned())
            else {
                continue;
            };
            let Some(contract) = contracts.iter().find(|c| c.geldt_voor(&t)) else {
                continue;
            };
            let granted =
                history.prestaties_op_toewijzing(parties.domein, &parties.gemeente, nummer);
            let f = financiering(&t, contract, &granted, plans);
            let credits: i64 = lines
                .iter()
                .filter(|c| c.p.credit && &c.p.toewijzingnummer == nummer)
                .map(|c| c.p.bedrag)
                .sum();
            state.insert(nummer.clone(), (f, -credits));
        }
        if l.p.credit {
            continue;
        }
        let Some((f, eerder)) = state.get_mut(nummer) else {
            continue;
        };
        match f.toets(l.p.bedrag, *eerder, &l.path) {
            Some(finding) => out.push(finding),
            None => *eerder = eerder.saturating_add(l.p.bedrag),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_are_written_the_dutch_way() {
        assert_eq!(euro(168_000), "€ 1.680,00");
        assert_eq!(euro(5), "€ 0,05");
        assert_eq!(euro(123_456_789), "€ 1.234.567,89");
        assert_eq!(euro(-72_000), "-€ 720,00");
    }

    #[test]
    fn reduced_amount_rounds_half_up() {
        let r = Resultaatfinanciering {
            trajectprijs: 240_000,
            percentage: 70,
        };
        assert_eq!(r.verlaagd(), 168_000);
        let odd = Resultaatfinanciering {
            trajectprijs: 101,
            percentage: 70,
        };
        assert_eq!(odd.verlaagd(), 71, "70.7 cents rounds to 71");
        assert!(odd.check().is_ok());
        assert!(Resultaatfinanciering {
            trajectprijs: 0,
            percentage: 70
        }
        .check()
        .is_err());
        let huge = Resultaatfinanciering {
            trajectprijs: i64::MAX,
            percentage: 100,
        };
        assert_eq!(huge.verlaagd(), i64::MAX, "no overflow");
        assert!(huge.check().is_err());
        assert!(Resultaatfinanciering {
            trajectprijs: 1,
            percentage: 101
        }
        .check()
        .is_err());
    }

    #[test]
    fn the_contract_reads_from_toml_with_the_default_percentage() {
        #[derive(Deserialize)]
        struct Line {
            resultaatfinanciering: Resultaatfinanciering,
        }
        let l: Line =
            toml::from_str("resultaatfinanciering = { trajectprijs = 240000 }").expect("toml");
        assert_eq!(l.resultaatfinanciering.percentage, 70);
        let l: Line =
            toml::from_str("resultaatfinanciering = { trajectprijs = 240000, percentage = 80 }")
                .expect("toml");
        assert_eq!(l.resultaatfinanciering.percentage, 80);
    }
    fn prijs(trajectprijs: i64) -> Resultaatfinanciering {
        Resultaatfinanciering {
            trajectprijs,
            percentage: 70,
        }
    }

    fn oneens() -> Grond {
        Grond::Beoordeling {
            team: "noord".into(),
            versie: 1,
            eens: false,
        }
    }

    fn parties() -> Parties {
        Parties {
            domein: crate::validate::history::Domein::Ijw,
            gemeente: "0599".into(),
            aanbieder: "12345678".into(),
        }
    }

    #[test]
    fn paid_in_full_then_judged_not_reached_leaves_720_to_recover() {
        let bereikt = Financiering::bereken(
            "7001",
            prijs(240_000),
            Status::Bereikt,
            Grond::Resultaatmelding {
                alle_doelen_behaald: true,
            },
            240_000,
        );
        assert_eq!(
            (
                bereikt.aanspraak,
                bereikt.terug_te_vorderen,
                bereikt.ingehouden
            ),
            (240_000, 0, 0)
        );
        assert_eq!(bereikt.recht_procent, 100);
        let na = bereikt.herzien(Status::NietBereikt, oneens());
        assert_eq!(na.aanspraak, 168_000);
        assert_eq!(na.recht_procent, 70);
        assert_eq!(
            na.gedeclareerd, 240_000,
            "what was granted stays what was granted"
        );
        assert_eq!(na.terug_te_vorderen, 72_000);
        assert_eq!(na.ingehouden, 0, "nothing was withheld: it was paid");
        assert!(na.reden.contains("gebiedsteam noord"), "{}", na.reden);
        let t = terugvordering(&bereikt, &na, &parties()).expect("a signal");
        assert_eq!((t.bedrag, t.eerder), (72_000, 0));
        assert!(t.melding.contains("€ 720,00"), "{}", t.melding);
        assert!(t.melding.contains("toewijzing 7001"), "{}", t.melding);
        // Nothing more fits, not even a cent.
        let f = na.toets(1, 0, "/p").expect("refused");
        assert!(
            f.message.contains("€ 720,00 terug te vorderen"),
            "{}",
            f.message
        );
        assert_eq!(f.retourcode, Some(RETOURCODE));
    }

    #[test]
    fn a_partial_declaration_recovers_only_what_exceeds_the_entitlement() {
        // € 2.000,00 granted of € 2.400,00; then not reached: € 320,00 back, € 400,00 withheld.
        let voor = Financiering::bereken(
            "7001",
            prijs(240_000),
            Status::Bereikt,
            Grond::Resultaatmelding {
                alle_doelen_behaald: true,
            },
            200_000,
        );
        let na = voor.herzien(Status::NietBereikt, oneens());
        assert_eq!((na.terug_te_vorderen, na.ingehouden), (32_000, 40_000));
        // Below the reduced amount: nothing to recover, the rest withheld, no signal.
        let laag =
            Financiering::bereken("7001", prijs(240_000), Status::Bereikt, oneens(), 100_000);
        let laag_na = laag.herzien(Status::NietBereikt, oneens());
        assert_eq!((laag_na.terug_te_vorderen, laag_na.ingehouden), (0, 72_000));
        assert_eq!(laag_na.ruimte(), 68_000);
        assert!(terugvordering(&laag, &laag_na, &parties()).is_none());
        // A credit of the excess clears it: the total then fits again.
        let gecrediteerd = Financiering::bereken(
            "7001",
            prijs(240_000),
            Status::NietBereikt,
            oneens(),
            200_000 - 32_000,
        );
        assert_eq!(gecrediteerd.terug_te_vorderen, 0);
        assert!(
            gecrediteerd.toets(1, 0, "/p").is_some(),
            "the entitlement is used up"
        );
        assert!(
            gecrediteerd.toets(1, -1, "/p").is_none(),
            "after a credit of one cent"
        );
    }

    #[test]
    fn rounding_follows_the_reduced_amount() {
        // 70 % of € 10,01 is 700.7 cents → 701; paid in full → 300 cents back.
        let voor = Financiering::bereken(
            "1",
            prijs(1_001),
            Status::Bereikt,
            Grond::GeenResultaat,
            1_001,
        );
        let na = voor.herzien(Status::NietBereikt, oneens());
        assert_eq!(
            (na.aanspraak, na.terug_te_vorderen, na.ingehouden),
            (701, 300, 0)
        );
        let helft = Financiering::bereken("1", prijs(1_001), Status::NietBereikt, oneens(), 850);
        assert_eq!((helft.terug_te_vorderen, helft.ingehouden), (149, 151));
    }

    #[test]
    fn eens_after_oneens_lets_the_terugvordering_lapse() {
        let oneens = Financiering::bereken(
            "7001",
            prijs(240_000),
            Status::NietBereikt,
            oneens(),
            240_000,
        );
        assert_eq!(oneens.terug_te_vorderen, 72_000);
        let eens = oneens.herzien(
            Status::Bereikt,
            Grond::Beoordeling {
                team: "noord".into(),
                versie: 2,
                eens: true,
            },
        );
        assert_eq!((eens.terug_te_vorderen, eens.ingehouden), (0, 0));
        let t = terugvordering(&oneens, &eens, &parties()).expect("the lapse is signalled");
        assert_eq!((t.bedrag, t.eerder), (0, 72_000));
        assert!(t.melding.contains("vervalt"), "{}", t.melding);
        // The same judgement again changes nothing: no signal.
        assert!(terugvordering(&eens, &eens.clone(), &parties()).is_none());
    }

    #[test]
    fn a_judgement_before_any_payment_recovers_nothing_and_lowers_the_entitlement() {
        let voor = Financiering::bereken(
            "7001",
            prijs(240_000),
            Status::Onbekend,
            Grond::GeenResultaat,
            0,
        );
        assert_eq!((voor.aanspraak, voor.ingehouden), (168_000, 72_000));
        let na = voor.herzien(Status::NietBereikt, oneens());
        assert_eq!(
            (na.aanspraak, na.terug_te_vorderen, na.ingehouden),
            (168_000, 0, 72_000)
        );
        assert!(terugvordering(&voor, &na, &parties()).is_none());
        assert!(na.toets(168_000, 0, "/p").is_none());
        let f = na.toets(168_001, 0, "/p").expect("beyond");
        assert!(!f.message.contains("terug te vorderen"), "{}", f.message);
    }
}
