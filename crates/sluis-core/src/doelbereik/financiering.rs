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
use crate::validate::history::{History, PrestatieRecord, ToewijzingVersie};
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
    /// What may be declared in total: P when reached, percentage × P otherwise (for now, while
    /// unknown).
    pub aanspraak: i64,
    /// Granted so far: debets minus credits of the aanbieder on the toewijzing.
    pub gedeclareerd: i64,
    /// P − aanspraak: withheld for good (`niet_bereikt`) or held until the result is known
    /// (`onbekend`).
    pub ingehouden: i64,
}

impl Financiering {
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
        let grond = self.grond.uitleg(self.status);
        let deel = if self.status == Status::Bereikt {
            format!("100 % van trajectprijs {}", euro(self.trajectprijs))
        } else {
            format!(
                "{} % van trajectprijs {}",
                self.percentage,
                euro(self.trajectprijs)
            )
        };
        let in_bericht = if eerder != 0 {
            format!(", eerder in dit bericht {}", euro(eerder))
        } else {
            String::new()
        };
        Some(Finding {
            code: codes::FINANCIERING,
            retourcode: Some(RETOURCODE),
            path: path.to_string(),
            message: format!(
                "Resultaatfinanciering: de aanspraak op toewijzing {} is {} ({deel}: {grond}); al gedeclareerd {}{in_bericht}; met deze prestatie van {} komt het totaal op {}, {} te veel",
                self.toewijzingnummer,
                euro(self.aanspraak),
                euro(self.gedeclareerd),
                euro(bedrag),
                euro(totaal),
                euro(totaal - self.aanspraak),
            ),
        })
    }
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
    let r = contract.resultaatfinanciering;
    let p = &toewijzing.parties;
    let (status, grond) = uitkomst(plans, p.domein, &p.gemeente, &toewijzing.toewijzingnummer);
    let aanspraak = match status {
        Status::Bereikt => r.trajectprijs,
        Status::NietBereikt | Status::Onbekend => r.verlaagd(),
    };
    Financiering {
        toewijzingnummer: toewijzing.toewijzingnummer.clone(),
        trajectprijs: r.trajectprijs,
        percentage: r.percentage,
        status,
        grond,
        aanspraak,
        gedeclareerd: gedeclareerd(granted, &p.aanbieder),
        ingehouden: r.trajectprijs - aanspraak,
    }
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
}
