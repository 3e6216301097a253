//! The demo data set of issue #5: a generated municipality — gemeente 0599 of
//! `config/sluis.toml` with its three aanbieders and their contract lines — with a few hundred
//! clients, their trajectories as real iJw/iWmo messages (JW301/305/307/323, WMO301/305/307/323)
//! and doelbereik messages (behandelplan, resultaatmelding, beoordeling), in the order a gateway
//! must receive them, and the outcome indicators expected of it.
//!
//! [`generate`] is deterministic for a seed. Each client gets a Dutch postcode (in its JW301 /
//! WMO301, `Contactgegevens/Contact` with `Soort` 01) and from it a gebiedsteam by the postcode
//! areas of [`TEAMS`]. The expected figures ([`Verwacht`]) are counted here, from the generator's
//! own scenario records ([`DemoClient`]), without the library's indicator code: the test
//! `tests/api/demo.rs` posts every message through the library pipeline and compares what
//! `doelbereik::indicatoren` computes from the stored messages with these counts.
//!
//! All dates lie in 2025 and 2026, none after [`VANDAAG`] (the rules refuse a Dagtekening in the
//! future). Pure: no I/O, except [`post_all`].
//!
//! The parts: the scenario types and constants here, the generator and the expected figures in
//! `generate.rs`, the messages (through the test kit's one builder, `sluis_testkit::bericht`)
//! in `messages.rs`, the tokens and the poster in `post.rs`.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sluis_testkit::bericht::Std;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use time::{Date, Duration, Month};

mod generate;
mod messages;
mod post;

pub use generate::{generate, verwacht};
pub use post::{post_all, with_token, Posted, Tokens};

/// The demo gemeente (CBS code), as in `config/sluis.toml`.
pub const GEMEENTE: &str = "0599";
/// The demo's "today": no message is dated after it.
pub const VANDAAG: (i32, u8, u8) = (2026, 11, 23);
/// The herhaald-beroep window the expected figures use (no peildatum).
pub const VENSTER_MAANDEN: u32 = 12;
pub const DEFAULT_SEED: u64 = 1;
pub const DEFAULT_CLIENTS: usize = 300;

/// Where standard messages (JW301 … WMO323) are posted, as XML.
pub const PATH_BERICHTEN: &str = "/api/v1/berichten";
pub const PATH_BEHANDELPLANNEN: &str = "/api/v1/behandelplannen";
pub const PATH_RESULTAATMELDINGEN: &str = "/api/v1/resultaatmeldingen";
pub const PATH_BEOORDELINGEN: &str = "/api/v1/beoordelingen";
pub const XML: &str = "application/xml";
pub const JSON: &str = "application/json";

/// A gebiedsteam and the postcode areas it serves: `"8000-8099"` (4-digit range, inclusive) or
/// `"8300"` (one 4-digit area).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DemoTeam {
    pub naam: &'static str,
    pub postcodes: &'static [&'static str],
}

/// The demo's team table (the `[[teams]]` configuration, see [`DemoSet::teams_toml`]).
pub const TEAMS: [DemoTeam; 3] = [
    DemoTeam {
        naam: "noord",
        postcodes: &["8000-8099"],
    },
    DemoTeam {
        naam: "midden",
        postcodes: &["8100-8199"],
    },
    DemoTeam {
        naam: "zuid",
        postcodes: &["8200-8299", "8300"],
    },
];

/// The team whose postcode areas hold `postcode` (`8042KB`, `8042 KB` or `8042`).
pub fn team_voor(postcode: &str) -> Option<&'static str> {
    let n: u32 = postcode.get(..4)?.parse().ok()?;
    TEAMS
        .iter()
        .find(|t| t.postcodes.iter().any(|area| in_area(area, n)))
        .map(|t| t.naam)
}

fn in_area(area: &str, n: u32) -> bool {
    match area.split_once('-') {
        Some((a, b)) => match (a.trim().parse::<u32>(), b.trim().parse::<u32>()) {
            (Ok(a), Ok(b)) => a <= n && n <= b,
            _ => false,
        },
        None => area.trim().parse::<u32>().is_ok_and(|a| a == n),
    }
}

/// One message to post, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoMessage {
    /// `/api/v1/berichten`, `/api/v1/behandelplannen` …
    pub path: &'static str,
    /// `application/xml` or `application/json`.
    pub content_type: &'static str,
    pub body: String,
    /// What it is, for people (no BSN): `client 17: JW307 stop 600023 (reden 31)`.
    pub label: String,
    /// Who posts it, and so whose token it carries.
    pub sender: Sender,
}

/// Who posts a demo message: a party (the gemeente's back office by its gemeentecode, an
/// aanbieder by its AGB-code) or a gebiedsteam (by name; its beoordelingen).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sender {
    Party(String),
    Team(String),
}

/// The standard a client's care falls under: the core's one `Domein`.
pub use sluis_core::validate::history::Domein;

/// What the demo needs of a domein for the message builder.
trait DomeinStd {
    fn std(self) -> Std;
    fn name(self) -> &'static str;
    fn code(self, nr: u16) -> String;
}

impl DomeinStd for Domein {
    fn std(self) -> Std {
        match self {
            Domein::Ijw => Std::Ijw,
            Domein::Iwmo => Std::Iwmo,
        }
    }

    fn name(self) -> &'static str {
        self.std().name()
    }

    fn code(self, nr: u16) -> String {
        self.std().code(nr)
    }
}

/// How a trajectory ended, as the scenario decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Einde {
    /// iJw reden 31, iWmo 19.
    VolgensPlan,
    /// iJw 32–35, iWmo 21–23.
    Voortijdig,
    /// 02 or 36: neither planned nor premature.
    Anders,
}

/// A contract line the demo uses: what the gemeente assigns and at which size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    pub domein: Domein,
    pub aanbieder: &'static str,
    pub categorie: &'static str,
    pub code: &'static str,
    /// Omvang: volume, eenheid, frequentie (2 per week, 6 in total over the period).
    pub volume: i64,
    pub eenheid: &'static str,
    pub frequentie: &'static str,
    /// Hourly contract tariff in cents when the demo declares on it (one declaring product per
    /// aanbieder, so its declaratieperiodes simply follow each other, TR318).
    pub tarief: Option<i64>,
}

/// The contract lines of `config/sluis.toml` the demo assigns.
pub const PRODUCTEN: [Product; 5] = [
    Product {
        domein: Domein::Ijw,
        aanbieder: "12345678",
        categorie: "31",
        code: "45A07",
        volume: 10,
        eenheid: "04",
        frequentie: "2",
        tarief: Some(2500),
    },
    Product {
        domein: Domein::Ijw,
        aanbieder: "12345678",
        categorie: "31",
        code: "45A08",
        volume: 8,
        eenheid: "04",
        frequentie: "2",
        tarief: None,
    },
    Product {
        domein: Domein::Ijw,
        aanbieder: "23456789",
        categorie: "31",
        code: "45A09",
        volume: 1500,
        eenheid: "83",
        frequentie: "6",
        tarief: None,
    },
    Product {
        domein: Domein::Iwmo,
        aanbieder: "34567890",
        categorie: "01",
        code: "45A09",
        volume: 4,
        eenheid: "04",
        frequentie: "2",
        tarief: Some(3500),
    },
    Product {
        domein: Domein::Iwmo,
        aanbieder: "12345678",
        categorie: "01",
        code: "45A07",
        volume: 3,
        eenheid: "04",
        frequentie: "2",
        tarief: None,
    },
];

/// The uitkomst of one goal in a resultaatmelding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Uitkomst {
    Behaald,
    DeelsBehaald,
    NietBehaald,
}

impl Uitkomst {
    fn name(self) -> &'static str {
        match self {
            Uitkomst::Behaald => "behaald",
            Uitkomst::DeelsBehaald => "deels_behaald",
            Uitkomst::NietBehaald => "niet_behaald",
        }
    }
}

/// The end of a trajectory: a definitive stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoStop {
    pub einddatum: Date,
    /// RedenBeeindiging (JZ588 / WMO588).
    pub reden: &'static str,
    pub einde: Einde,
}

/// The resultaatmelding of a trajectory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoResultaat {
    /// Per goal of the plan, in order.
    pub uitkomsten: Vec<Uitkomst>,
    /// `tevreden`, `neutraal`, `ontevreden`, or none reported.
    pub tevredenheid: Option<&'static str>,
}

/// The gebiedsteam's beoordeling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoBeoordeling {
    pub eens: bool,
    pub resultaat_bereikt: bool,
}

/// One trajectory (one toewijzing) as the scenario made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoTraject {
    pub toewijzingnummer: String,
    pub product: Product,
    pub ingangsdatum: Date,
    pub start: Option<Date>,
    pub stop: Option<DemoStop>,
    /// The number of goals of its behandelplan, if it has one.
    pub plan_doelen: Option<usize>,
    pub resultaat: Option<DemoResultaat>,
    pub beoordeling: Option<DemoBeoordeling>,
    /// The month declared on (its first day) and the hours.
    pub declaratie: Option<(Date, i64)>,
}

/// One client of the demo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoClient {
    /// 1-based; labels name clients by it.
    pub nummer: usize,
    pub bsn: String,
    pub domein: Domein,
    /// `8042KB`.
    pub postcode: String,
    /// The team of the postcode by [`TEAMS`].
    pub team: &'static str,
    pub trajecten: Vec<DemoTraject>,
}

/// A share as numerator and denominator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breuk {
    pub teller: u64,
    pub noemer: u64,
}

impl Breuk {
    fn tel(&mut self, raak: bool) {
        self.noemer += 1;
        if raak {
            self.teller += 1;
        }
    }
}

/// The figures of one group (the gemeente, an aanbieder, a team).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cijfers {
    /// Trajectories with a definitive stop.
    pub beeindigd: u64,
    /// … of which without a resultaatmelding.
    pub zonder_resultaat: u64,
    pub doelrealisatie: Breuk,
    pub uitval: Breuk,
    pub clienttevredenheid: Breuk,
    pub herhaald_beroep: Breuk,
}

/// The expected indicators of the data set, counted from the scenario records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verwacht {
    pub venster_maanden: u32,
    pub gemeente: Cijfers,
    /// Every aanbieder with a trajectory.
    pub per_aanbieder: BTreeMap<String, Cijfers>,
    /// Every team with a trajectory.
    pub per_team: BTreeMap<String, Cijfers>,
}

/// The generated set.
#[derive(Debug, Clone)]
pub struct DemoSet {
    pub seed: u64,
    /// In the order they must be posted.
    pub messages: Vec<DemoMessage>,
    pub verwacht: Verwacht,
    pub clients: Vec<DemoClient>,
    pub teams: Vec<DemoTeam>,
}

impl DemoSet {
    /// The team table in the configuration's shape (`[[teams]]` with `naam` and `postcodes`).
    pub fn teams_toml(&self) -> String {
        let mut s = String::new();
        for (i, t) in self.teams.iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            let areas: Vec<String> = t.postcodes.iter().map(|p| format!("\"{p}\"")).collect();
            let _ = writeln!(
                s,
                "[[teams]]\nnaam = \"{}\"\npostcodes = [{}]",
                t.naam,
                areas.join(", ")
            );
        }
        s
    }

    /// The number of trajectories (toewijzingen).
    pub fn trajecten(&self) -> usize {
        self.clients.iter().map(|c| c.trajecten.len()).sum()
    }

    /// What the set is made of, by scenario (for the docs and a demo command's output): the
    /// number of trajectories (or clients, messages) of each kind.
    pub fn samenstelling(&self) -> BTreeMap<&'static str, usize> {
        let mut m: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut tel = |k: &'static str| *m.entry(k).or_default() += 1;
        for c in &self.clients {
            tel(match c.domein {
                Domein::Ijw => "clients ijw",
                Domein::Iwmo => "clients iwmo",
            });
            if c.trajecten.len() > 1 {
                tel("clients met tweede toewijzing");
            }
            for (i, t) in c.trajecten.iter().enumerate() {
                tel("trajecten");
                if i > 0 {
                    let vorige = c.trajecten[i - 1].stop.as_ref().map(|s| s.einddatum);
                    if let Some(eind) = vorige {
                        if t.ingangsdatum == eind {
                            tel("tweede toewijzing op de einddatum zelf");
                        } else if t.ingangsdatum == plus_months(eind, VENSTER_MAANDEN) {
                            tel("tweede toewijzing precies 12 maanden na de einddatum");
                        } else if t.ingangsdatum < plus_months(eind, VENSTER_MAANDEN) {
                            tel("tweede toewijzing binnen 12 maanden");
                        } else {
                            tel("tweede toewijzing na meer dan 12 maanden");
                        }
                    }
                }
                if t.start.is_none() {
                    tel("niet gestart");
                } else if t.stop.is_none() {
                    tel("lopend");
                }
                if let Some(s) = &t.stop {
                    tel(match s.einde {
                        Einde::VolgensPlan => "beeindigd volgens plan",
                        Einde::Voortijdig => "beeindigd voortijdig",
                        Einde::Anders => "beeindigd om een andere reden",
                    });
                }
                if t.plan_doelen.is_some() {
                    tel("met behandelplan");
                }
                if let Some(r) = &t.resultaat {
                    tel("met resultaatmelding");
                    if r.uitkomsten.iter().all(|u| *u == Uitkomst::Behaald) {
                        tel("melding: alle doelen behaald");
                    }
                    if r.tevredenheid.is_none() {
                        tel("melding zonder tevredenheid");
                    }
                } else if t.stop.is_some() {
                    tel("beeindigd zonder resultaatmelding");
                }
                match t.beoordeling {
                    Some(b) if b.eens => tel("beoordeling eens"),
                    Some(_) => tel("beoordeling oneens (uitkomst omgedraaid)"),
                    None => {}
                }
                if t.declaratie.is_some() {
                    tel("met gedeclareerde maand");
                }
            }
        }
        m.insert("berichten", self.messages.len());
        for (k, path) in [
            ("berichten standaard (xml)", PATH_BERICHTEN),
            ("behandelplannen", PATH_BEHANDELPLANNEN),
            ("resultaatmeldingen", PATH_RESULTAATMELDINGEN),
            ("beoordelingen", PATH_BEOORDELINGEN),
        ] {
            m.insert(k, self.messages.iter().filter(|x| x.path == path).count());
        }
        m.insert(
            "declaraties",
            self.messages
                .iter()
                .filter(|x| x.label.contains("declaratie"))
                .count(),
        );
        m
    }
}

// ----- dates -----

fn date(y: i32, m: u8, d: u8) -> Date {
    Month::try_from(m)
        .ok()
        .and_then(|m| Date::from_calendar_date(y, m, d).ok())
        .unwrap_or(Date::MIN)
}

fn vandaag() -> Date {
    date(VANDAAG.0, VANDAAG.1, VANDAAG.2)
}

fn fmt(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `d` plus `n` calendar months, the day clamped to the month's last.
fn plus_months(d: Date, n: u32) -> Date {
    let index = d.year() * 12 + i32::from(u8::from(d.month())) - 1 + n as i32;
    let (y, m) = (index.div_euclid(12), (index.rem_euclid(12) + 1) as u8);
    let last = Month::try_from(m).map_or(28, |mm| mm.length(y));
    date(y, m, d.day().min(last))
}

fn first_of_month(d: Date) -> Date {
    date(d.year(), u8::from(d.month()), 1)
}

fn last_of_month(d: Date) -> Date {
    plus_months(first_of_month(d), 1) - Duration::days(1)
}

fn days(n: u64) -> Duration {
    Duration::days(n as i64)
}

// ----- BSNs -----

/// A BSN passing the elfproef, different for every client: the first valid number from
/// 900,000,000 + 100 × `n` (there is one in every 30 consecutive numbers).
pub fn bsn(n: usize) -> String {
    let mut base = 900_000_000u64 + 100 * n as u64;
    loop {
        let s = format!("{base:09}");
        let d: Vec<i64> = s.bytes().map(|b| i64::from(b - b'0')).collect();
        let sum: i64 = d[..8]
            .iter()
            .enumerate()
            .map(|(i, x)| (9 - i as i64) * x)
            .sum::<i64>()
            - d[8];
        if sum % 11 == 0 {
            return s;
        }
        base += 1;
    }
}

// ----- goals -----

const DOELEN_IJW: [(&str, &str, &str); 4] = [
    (
        "Dagritme met vaste schooltijden",
        "onderwijs",
        "schoolverzuim per maand",
    ),
    (
        "Ouders hanteren conflicten zonder escalatie",
        "opvoeding",
        "OBVL-vragenlijst begin en eind",
    ),
    (
        "Jongere heeft een vaste vrijetijdsbesteding",
        "sociaal netwerk",
        "deelname per week",
    ),
    (
        "Angstklachten zijn verminderd",
        "psychische gezondheid",
        "RCADS begin en eind",
    ),
];

const DOELEN_IWMO: [(&str, &str, &str); 4] = [
    (
        "Huishouden schoon en leefbaar",
        "huishouden",
        "schoonmaakplan gevolgd",
    ),
    (
        "Zelfstandig boodschappen doen",
        "zelfredzaamheid",
        "ZRM-score begin en eind",
    ),
    (
        "Minstens wekelijks sociaal contact",
        "sociaal netwerk",
        "contacten per week",
    ),
    (
        "Financiële administratie op orde",
        "financien",
        "achterstanden per kwartaal",
    ),
];

const STRATEN: [&str; 6] = [
    "Lindelaan",
    "Sluisweg",
    "Kerkstraat",
    "Molenwerf",
    "Dijkstraat",
    "Havenkade",
];
const ACHTERNAMEN: [&str; 6] = ["Visser", "Jansen", "Bakker", "Smit", "Mulder", "Bos"];
/// Letters Dutch postcodes use (no SA, SD, SS).
const LETTERS: &[u8] = b"ABCEGHJKLMNPRTVWXZ";

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Each message names the party whose token it is posted with: the Afzender of a message,
    /// the aanbieder of a plan or melding, the team of a beoordeling.
    #[test]
    fn every_message_names_its_sender() {
        let set = generate(DEFAULT_SEED, 120);
        let mut teams = 0;
        for m in &set.messages {
            let want = if m.path == PATH_BERICHTEN {
                let rest = &m.body[m.body.find("Afzender>").expect("header") + 9..];
                Sender::Party(rest[..rest.find('<').expect("end")].to_string())
            } else {
                let v: serde_json::Value = serde_json::from_str(&m.body).expect("json");
                if m.path == PATH_BEOORDELINGEN {
                    teams += 1;
                    Sender::Team(v["team"].as_str().expect("team").to_string())
                } else {
                    Sender::Party(v["aanbieder"].as_str().expect("aanbieder").to_string())
                }
            };
            assert_eq!(m.sender, want, "{}", m.label);
        }
        assert!(teams > 0, "beoordelingen are posted by their team");
    }

    #[test]
    fn tokens_from_the_demo_configuration() {
        let settings =
            crate::config::Settings::parse(include_str!("../../config/sluis.toml")).expect("demo");
        let tokens = Tokens::from_settings(&settings);
        let set = generate(DEFAULT_SEED, 60);
        for m in &set.messages {
            let t = tokens.sender(&m.sender).expect("a token for every sender");
            let id = match &m.sender {
                Sender::Party(p) if p.len() == 4 => format!("demo-gemeente-{p}"),
                Sender::Party(p) => format!("demo-aanbieder-{p}"),
                Sender::Team(t) => format!("demo-team-{t}"),
            };
            assert!(t.starts_with(&format!("sluis_{id}_")), "{}: {id}", m.label);
        }
        assert!(tokens
            .operator()
            .is_some_and(|t| t.starts_with("sluis_demo-operator_")));
        assert!(
            !format!("{tokens:?}").contains("sluis_"),
            "Debug shows no token"
        );
        assert!(Tokens::default().is_empty());
    }

    #[test]
    fn deterministic_for_a_seed() {
        let a = generate(7, 40);
        let b = generate(7, 40);
        assert_eq!(a.messages, b.messages);
        assert_eq!(a.verwacht, b.verwacht);
        assert_ne!(generate(8, 40).messages, a.messages);
    }

    #[test]
    fn bsns_pass_the_elfproef_and_differ() {
        let all: BTreeSet<String> = (1..=1000).map(bsn).collect();
        assert_eq!(all.len(), 1000);
        for b in &all {
            assert!(crate::standard::types::Bsn::parse(b).is_some(), "{b}");
        }
    }

    #[test]
    fn teams_by_postcode() {
        assert_eq!(team_voor("8042KB"), Some("noord"));
        assert_eq!(team_voor("8100 AA"), Some("midden"));
        assert_eq!(team_voor("8299ZZ"), Some("zuid"));
        assert_eq!(team_voor("8300AB"), Some("zuid"));
        assert_eq!(team_voor("8301AB"), None);
        assert_eq!(team_voor("80"), None);
        let set = generate(1, 10);
        assert_eq!(
            set.teams_toml(),
            "[[teams]]\nnaam = \"noord\"\npostcodes = [\"8000-8099\"]\n\n[[teams]]\nnaam = \"midden\"\npostcodes = [\"8100-8199\"]\n\n[[teams]]\nnaam = \"zuid\"\npostcodes = [\"8200-8299\", \"8300\"]\n"
        );
    }

    #[test]
    fn months_are_calendar_months() {
        assert_eq!(plus_months(date(2026, 1, 31), 1), date(2026, 2, 28));
        assert_eq!(plus_months(date(2025, 3, 31), 12), date(2026, 3, 31));
        assert_eq!(last_of_month(date(2025, 2, 10)), date(2025, 2, 28));
        assert_eq!(fmt(date(2025, 2, 3)), "2025-02-03");
    }

    #[test]
    fn nothing_dated_after_today_and_no_bsn_in_labels() {
        let set = generate(DEFAULT_SEED, DEFAULT_CLIENTS);
        let bsns: BTreeSet<&str> = set.clients.iter().map(|c| c.bsn.as_str()).collect();
        for m in &set.messages {
            assert!(!bsns.iter().any(|b| m.label.contains(b)), "{}", m.label);
        }
        for c in &set.clients {
            for t in &c.trajecten {
                assert!(t.ingangsdatum <= vandaag());
                assert!(t.start.is_none_or(|d| d <= vandaag()));
                assert!(t.stop.as_ref().is_none_or(|s| s.einddatum <= vandaag()));
            }
        }
    }
}
