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
//! `tests/demo.rs` posts every message through the library pipeline and compares what
//! `doelbereik::indicatoren` computes from the stored messages with these counts.
//!
//! All dates lie in 2025 and 2026, none after [`VANDAAG`] (the rules refuse a Dagtekening in the
//! future). Pure: no I/O.

use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use time::{Date, Duration, Month};

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
pub struct Team {
    pub naam: &'static str,
    pub postcodes: &'static [&'static str],
}

/// The demo's team table (the `[[teams]]` configuration, see [`DemoSet::teams_toml`]).
pub const TEAMS: [Team; 3] = [
    Team {
        naam: "noord",
        postcodes: &["8000-8099"],
    },
    Team {
        naam: "midden",
        postcodes: &["8100-8199"],
    },
    Team {
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

/// The standard a client's care falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Domein {
    Ijw,
    Iwmo,
}

impl Domein {
    fn name(self) -> &'static str {
        match self {
            Domein::Ijw => "ijw",
            Domein::Iwmo => "iwmo",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Domein::Ijw => "jw",
            Domein::Iwmo => "wmo",
        }
    }

    fn code(self, nr: u16) -> String {
        match self {
            Domein::Ijw => format!("JW{nr}"),
            Domein::Iwmo => format!("WMO{nr}"),
        }
    }

    fn berichtcode(self, nr: u16) -> &'static str {
        match (self, nr) {
            (Domein::Ijw, 301) => "436",
            (Domein::Ijw, 305) => "438",
            (Domein::Ijw, 307) => "440",
            (Domein::Ijw, 323) => "490",
            (Domein::Iwmo, 301) => "414",
            (Domein::Iwmo, 305) => "418",
            (Domein::Iwmo, 307) => "420",
            (Domein::Iwmo, 323) => "484",
            _ => "",
        }
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
    pub teams: Vec<Team>,
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

// ----- the generator -----

struct Gen {
    rng: fastrand::Rng,
    /// (date, sequence, message), sorted at the end.
    events: Vec<(Date, u64, DemoMessage)>,
    seq: u64,
    next_id: u64,
    next_nummer: u64,
    next_referentie: u64,
}

/// A prestatie to go into the monthly declaratie of its aanbieder.
struct Prestatie {
    /// The month declared (its first day).
    month: Date,
    bsn: String,
    nummer: String,
    product: Product,
    hours: i64,
    tarief: i64,
}

impl Gen {
    fn chance(&mut self, percent: u32) -> bool {
        self.rng.u32(0..100) < percent
    }

    fn id(&mut self) -> String {
        self.next_id += 1;
        format!("DEMO{:06}", self.next_id)
    }

    fn push(
        &mut self,
        on: Date,
        path: &'static str,
        content_type: &'static str,
        body: String,
        label: String,
        sender: Sender,
    ) {
        self.seq += 1;
        self.events.push((
            on,
            self.seq,
            DemoMessage {
                path,
                content_type,
                body,
                label,
                sender,
            },
        ));
    }

    fn product(&mut self, domein: Domein) -> Product {
        let options: Vec<Product> = PRODUCTEN
            .iter()
            .copied()
            .filter(|p| p.domein == domein)
            .collect();
        options[self.rng.usize(0..options.len())]
    }

    fn stop_reden(&mut self, domein: Domein) -> (&'static str, Einde) {
        let roll = self.rng.u32(0..100);
        let einde = match roll {
            0..55 => Einde::VolgensPlan,
            55..85 => Einde::Voortijdig,
            _ => Einde::Anders,
        };
        let reden = match (domein, einde) {
            (Domein::Ijw, Einde::VolgensPlan) => "31",
            (Domein::Iwmo, Einde::VolgensPlan) => "19",
            (Domein::Ijw, Einde::Voortijdig) => ["32", "33", "34", "35"][self.rng.usize(0..4)],
            (Domein::Iwmo, Einde::Voortijdig) => ["21", "22", "23"][self.rng.usize(0..3)],
            (_, Einde::Anders) => ["02", "36"][self.rng.usize(0..2)],
        };
        (reden, einde)
    }

    /// One trajectory of `client` from `ingang`: its toewijzing and whatever the scenario adds.
    fn trajectory(
        &mut self,
        client: &DemoClient,
        ingang: Date,
        prestaties: &mut Vec<Prestatie>,
    ) -> DemoTraject {
        let today = vandaag();
        let domein = client.domein;
        let product = self.product(domein);
        self.next_nummer += 1;
        let nummer = self.next_nummer.to_string();
        // Dated a few days before the Ingangsdatum, never after today.
        let toewijzingsdatum = (ingang - days(self.rng.u64(3..21))).min(today);
        // For a year, within 2025 – 2026.
        let eind_toewijzing = (plus_months(ingang, 12) - Duration::days(1)).min(date(2026, 12, 31));
        let c = client.nummer;

        let body = toewijzing_xml(
            domein,
            &self.id(),
            client,
            &nummer,
            &product,
            toewijzingsdatum,
            ingang,
            eind_toewijzing,
            self.rng.u32(0..24),
        );
        self.push(
            toewijzingsdatum,
            PATH_BERICHTEN,
            XML,
            body,
            format!(
                "client {c}: {} toewijzing {nummer} aan {} ({})",
                domein.code(301),
                product.aanbieder,
                product.code
            ),
            Sender::Party(GEMEENTE.to_string()),
        );
        let mut t = DemoTraject {
            toewijzingnummer: nummer.clone(),
            product,
            ingangsdatum: ingang,
            start: None,
            stop: None,
            plan_doelen: None,
            resultaat: None,
            beoordeling: None,
            declaratie: None,
        };

        // Start: most trajectories, when it is not in the future.
        let begin = ingang + days(self.rng.u64(0..11));
        let dag_start = begin + days(self.rng.u64(1..8));
        if !self.chance(94) || dag_start > today {
            return t;
        }
        t.start = Some(begin);
        let body = start_xml(
            domein,
            &self.id(),
            client,
            &nummer,
            &product,
            ingang,
            begin,
            dag_start,
        );
        self.push(
            dag_start,
            PATH_BERICHTEN,
            XML,
            body,
            format!("client {c}: {} start {nummer}", domein.code(305)),
            Sender::Party(product.aanbieder.to_string()),
        );

        // The behandelplan, shortly after the start.
        let dag_plan = begin + days(self.rng.u64(3..15));
        if self.chance(90) && dag_plan <= today {
            let n = self.rng.usize(1..4);
            let first = self.rng.usize(0..4);
            t.plan_doelen = Some(n);
            let body = plan_json(client, &t, dag_plan, first);
            self.push(
                dag_plan,
                PATH_BEHANDELPLANNEN,
                JSON,
                body,
                format!("client {c}: behandelplan PLAN-{nummer} ({n} doelen)"),
                Sender::Party(product.aanbieder.to_string()),
            );
        }

        // The stop: 2 to 10 months after the start, at a month's end, if that is past.
        let duur = self.rng.u32(2..11);
        let einddatum = last_of_month(plus_months(first_of_month(begin), duur));
        let stopt =
            self.chance(80) && einddatum <= date(2026, 10, 31) && einddatum <= eind_toewijzing;
        if stopt {
            let (reden, einde) = self.stop_reden(domein);
            let dag_stop = einddatum + days(self.rng.u64(1..8));
            let body = stop_xml(
                domein,
                &self.id(),
                client,
                &nummer,
                &product,
                ingang,
                begin,
                reden,
                einddatum,
                dag_stop,
            );
            self.push(
                dag_stop,
                PATH_BERICHTEN,
                XML,
                body,
                format!(
                    "client {c}: {} stop {nummer} (reden {reden})",
                    domein.code(307)
                ),
                Sender::Party(product.aanbieder.to_string()),
            );
            t.stop = Some(DemoStop {
                einddatum,
                reden,
                einde,
            });

            // The resultaatmelding, after the stop, when there is a plan.
            if let Some(n) = t.plan_doelen {
                if self.chance(75) {
                    let uitkomsten: Vec<Uitkomst> = (0..n)
                        .map(|_| match self.rng.u32(0..100) {
                            0..70 => Uitkomst::Behaald,
                            70..88 => Uitkomst::DeelsBehaald,
                            _ => Uitkomst::NietBehaald,
                        })
                        .collect();
                    let tevredenheid = match self.rng.u32(0..100) {
                        0..25 => None,
                        25..65 => Some("tevreden"),
                        65..85 => Some("neutraal"),
                        _ => Some("ontevreden"),
                    };
                    let dag_melding = dag_stop + days(self.rng.u64(1..6));
                    let r = DemoResultaat {
                        uitkomsten,
                        tevredenheid,
                    };
                    let body = resultaat_json(client, &t, &r, einddatum, dag_melding);
                    self.push(
                        dag_melding,
                        PATH_RESULTAATMELDINGEN,
                        JSON,
                        body,
                        format!("client {c}: resultaatmelding {nummer}"),
                        Sender::Party(product.aanbieder.to_string()),
                    );
                    let alles = r.uitkomsten.iter().all(|u| *u == Uitkomst::Behaald);
                    t.resultaat = Some(r);

                    // The gebiedsteam's beoordeling: mostly agreeing; disagreeing flips it.
                    if self.chance(40) {
                        let eens = self.chance(70);
                        let b = DemoBeoordeling {
                            eens,
                            resultaat_bereikt: if eens { alles } else { !alles },
                        };
                        let dag = dag_melding + days(self.rng.u64(1..8));
                        let body = beoordeling_json(client, &t, &b, dag);
                        self.push(
                            dag,
                            PATH_BEOORDELINGEN,
                            JSON,
                            body,
                            format!(
                                "client {c}: beoordeling {nummer} door team {} ({})",
                                client.team,
                                if eens { "eens" } else { "oneens" }
                            ),
                            Sender::Team(client.team.to_string()),
                        );
                        t.beoordeling = Some(b);
                    }
                }
            }
        }

        // A declaratie over one whole month between the start and the stop (or before today).
        if let Some(tarief) = product.tarief {
            let eerste = plus_months(first_of_month(begin), 1);
            let laatste = match &t.stop {
                Some(s) => plus_months(first_of_month(s.einddatum), 0) - Duration::days(1),
                None => date(2026, 10, 31).min(eind_toewijzing),
            };
            let mut months = Vec::new();
            let mut m = eerste;
            while last_of_month(m) <= laatste {
                months.push(m);
                m = plus_months(m, 1);
            }
            if !months.is_empty() && self.chance(60) {
                let month = months[self.rng.usize(0..months.len())];
                let hours = self.rng.i64(2..=product.volume * 3);
                t.declaratie = Some((month, hours));
                prestaties.push(Prestatie {
                    month,
                    bsn: client.bsn.clone(),
                    nummer,
                    product,
                    hours,
                    tarief,
                });
            }
        }
        t
    }

    /// One declaratie per aanbieder and month over the prestaties of that month.
    fn declaraties(&mut self, prestaties: Vec<Prestatie>) {
        let mut groups: BTreeMap<(Domein, &'static str, Date), Vec<Prestatie>> = BTreeMap::new();
        for p in prestaties {
            groups
                .entry((p.product.domein, p.product.aanbieder, p.month))
                .or_default()
                .push(p);
        }
        for ((domein, aanbieder, month), ps) in groups {
            let dag = date(
                plus_months(month, 1).year(),
                u8::from(plus_months(month, 1).month()),
                4,
            );
            let id = self.id();
            let mut refs = Vec::new();
            for _ in &ps {
                self.next_referentie += 1;
                refs.push(format!("PR{:07}", self.next_referentie));
            }
            let body = declaratie_xml(domein, aanbieder, &id, month, dag, &ps, &refs);
            self.push(
                dag,
                PATH_BERICHTEN,
                XML,
                body,
                format!(
                    "{} declaratie {id} van {aanbieder} over {} ({} prestaties)",
                    domein.code(323),
                    &fmt(month)[..7],
                    ps.len()
                ),
                Sender::Party(aanbieder.to_string()),
            );
        }
    }
}

/// The demo set for `seed` with `clients` clients.
pub fn generate(seed: u64, clients: usize) -> DemoSet {
    let mut g = Gen {
        rng: fastrand::Rng::with_seed(seed),
        events: Vec::new(),
        seq: 0,
        next_id: 0,
        next_nummer: 600_000,
        next_referentie: 0,
    };
    let today = vandaag();
    let mut prestaties = Vec::new();
    let mut out: Vec<DemoClient> = Vec::with_capacity(clients);
    for i in 1..=clients {
        let domein = if g.chance(70) {
            Domein::Ijw
        } else {
            Domein::Iwmo
        };
        let area = match g.rng.u32(0..100) {
            0..34 => g.rng.u32(8000..8100),
            34..67 => g.rng.u32(8100..8200),
            67..92 => g.rng.u32(8200..8300),
            _ => 8300,
        };
        let letters = [
            LETTERS[g.rng.usize(0..LETTERS.len())] as char,
            LETTERS[g.rng.usize(0..LETTERS.len())] as char,
        ];
        let postcode = format!("{area}{}{}", letters[0], letters[1]);
        let team = team_voor(&postcode).unwrap_or("onbekend");
        let mut client = DemoClient {
            nummer: i,
            bsn: bsn(i),
            domein,
            postcode,
            team,
            trajecten: Vec::new(),
        };
        // The first trajectory: a toewijzing from the first of a month in 2025 – 2026-10.
        // Half of them early in 2025, so that there is room for a return after more than a year.
        let month = if g.chance(50) {
            g.rng.u32(0..6)
        } else {
            g.rng.u32(0..22)
        };
        let ingang = plus_months(date(2025, 1, 1), month);
        let t = g.trajectory(&client, ingang, &mut prestaties);
        let eerste_stop = t.stop.as_ref().map(|s| s.einddatum);
        client.trajecten.push(t);
        // Some come back: mostly within the year, some near its end on either side of it (some
        // on its very last day), a few on the end date itself (not "after" it).
        if let Some(eind) = eerste_stop {
            if g.chance(45) {
                let jaar = plus_months(eind, VENSTER_MAANDEN);
                let ingang2 = match g.rng.u32(0..100) {
                    0..45 => eind + days(g.rng.u64(1..181)),
                    45..55 => jaar,
                    55..65 => jaar - days(g.rng.u64(1..45)),
                    65..95 => jaar + days(g.rng.u64(1..60)),
                    _ => eind,
                };
                // Not after today.
                if ingang2 <= today {
                    let t2 = g.trajectory(&client, ingang2, &mut prestaties);
                    client.trajecten.push(t2);
                }
            }
        }
        out.push(client);
    }
    g.declaraties(prestaties);
    g.events.sort_by_key(|(d, s, _)| (*d, *s));
    DemoSet {
        seed,
        messages: g.events.into_iter().map(|(_, _, m)| m).collect(),
        verwacht: verwacht(&out),
        clients: out,
        teams: TEAMS.to_vec(),
    }
}

// ----- the expected figures, counted from the scenario records -----

/// Count the figures by the definitions of `docs/doelbereik.md` from the records alone.
pub fn verwacht(clients: &[DemoClient]) -> Verwacht {
    let mut v = Verwacht {
        venster_maanden: VENSTER_MAANDEN,
        ..Verwacht::default()
    };
    for c in clients {
        for t in &c.trajecten {
            // Every aanbieder and team with a trajectory has a row, even an empty one.
            v.per_aanbieder
                .entry(t.product.aanbieder.to_string())
                .or_default();
            v.per_team.entry(c.team.to_string()).or_default();
            let Some(stop) = &t.stop else {
                continue;
            };
            let herhaald = (stop.einde == Einde::VolgensPlan).then(|| {
                let tot = plus_months(stop.einddatum, VENSTER_MAANDEN);
                c.trajecten.iter().any(|o| {
                    o.toewijzingnummer != t.toewijzingnummer
                        && o.ingangsdatum > stop.einddatum
                        && o.ingangsdatum <= tot
                })
            });
            let bereikt = t.resultaat.as_ref().map(|r| match t.beoordeling {
                Some(b) => b.resultaat_bereikt,
                None => r.uitkomsten.iter().all(|u| *u == Uitkomst::Behaald),
            });
            let tevreden = t
                .resultaat
                .as_ref()
                .and_then(|r| r.tevredenheid)
                .map(|s| s == "tevreden");
            tel(&mut v.gemeente, stop.einde, bereikt, tevreden, herhaald);
            if let Some(a) = v.per_aanbieder.get_mut(t.product.aanbieder) {
                tel(a, stop.einde, bereikt, tevreden, herhaald);
            }
            if let Some(team) = v.per_team.get_mut(c.team) {
                tel(team, stop.einde, bereikt, tevreden, herhaald);
            }
        }
    }
    v
}

fn tel(
    c: &mut Cijfers,
    einde: Einde,
    bereikt: Option<bool>,
    tevreden: Option<bool>,
    herhaald: Option<bool>,
) {
    c.beeindigd += 1;
    match bereikt {
        Some(b) => c.doelrealisatie.tel(b),
        None => c.zonder_resultaat += 1,
    }
    match einde {
        Einde::VolgensPlan => c.uitval.tel(false),
        Einde::Voortijdig => c.uitval.tel(true),
        Einde::Anders => {}
    }
    if let Some(t) = tevreden {
        c.clienttevredenheid.tel(t);
    }
    if let Some(h) = herhaald {
        c.herhaald_beroep.tel(h);
    }
}

// ----- the messages -----

fn message(
    domein: Domein,
    nr: u16,
    id: &str,
    dag: Date,
    afzender: &str,
    ontvanger: &str,
    body: &str,
) -> String {
    let (d, p) = (domein.name(), domein.prefix());
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<m:Bericht xmlns:m="http://www.istandaarden.nl/{d}/3_2/{p}{nr}/schema" xmlns:b="http://www.istandaarden.nl/{d}/3_2/basisschema/schema">
<m:Header><m:BerichtCode>{bc}</m:BerichtCode><m:BerichtVersie>3</m:BerichtVersie><m:BerichtSubversie>2</m:BerichtSubversie><m:Afzender>{afzender}</m:Afzender><m:Ontvanger>{ontvanger}</m:Ontvanger><m:BerichtIdentificatie><b:Identificatie>{id}</b:Identificatie><b:Dagtekening>{dag}</b:Dagtekening></m:BerichtIdentificatie><m:XsdVersie><b:BasisschemaXsdVersie>1.0.0</b:BasisschemaXsdVersie><b:BerichtXsdVersie>1.0.0</b:BerichtXsdVersie></m:XsdVersie></m:Header>
{body}
</m:Bericht>
"#,
        bc = domein.berichtcode(nr),
        dag = fmt(dag),
    )
}

fn person(client: &DemoClient, naamgebruik: bool) -> String {
    let geboren = match client.domein {
        Domein::Ijw => format!(
            "{}-{:02}-{:02}",
            2008 + client.nummer % 12,
            1 + client.nummer % 12,
            1 + client.nummer % 28
        ),
        Domein::Iwmo => format!(
            "{}-{:02}-{:02}",
            1940 + client.nummer % 50,
            1 + client.nummer % 12,
            1 + client.nummer % 28
        ),
    };
    let ng = if naamgebruik {
        "<b:NaamGebruik>1</b:NaamGebruik>"
    } else {
        ""
    };
    format!(
        "<m:Bsn>{}</m:Bsn><m:Geboortedatum><b:Datum>{geboren}</b:Datum></m:Geboortedatum><m:Geslacht>{}</m:Geslacht><m:Naam><b:Geslachtsnaam><b:Achternaam>{}</b:Achternaam></b:Geslachtsnaam>{ng}</m:Naam>",
        client.bsn,
        client.nummer % 3,
        ACHTERNAMEN[client.nummer % ACHTERNAMEN.len()],
    )
}

fn product_xml(p: &Product) -> String {
    format!(
        "<m:Product><b:Categorie>{}</b:Categorie><b:Code>{}</b:Code></m:Product>",
        p.categorie, p.code
    )
}

#[allow(clippy::too_many_arguments)]
fn toewijzing_xml(
    domein: Domein,
    id: &str,
    client: &DemoClient,
    nummer: &str,
    p: &Product,
    toewijzingsdatum: Date,
    ingang: Date,
    eind: Date,
    minuut: u32,
) -> String {
    let adres = format!(
        "<m:Adres><b:Huis><b:Huisnummer>{}</b:Huisnummer></b:Huis><b:Postcode>{}</b:Postcode><b:Straatnaam>{}</b:Straatnaam><b:Plaatsnaam>Sluisdam</b:Plaatsnaam><b:LandCode>NL</b:LandCode></m:Adres>",
        1 + client.nummer % 140,
        client.postcode,
        STRATEN[client.nummer % STRATEN.len()],
    );
    let body = format!(
        "<m:Client>{}<m:Contactgegevens><m:Contact><m:Soort>01</m:Soort>{adres}</m:Contact></m:Contactgegevens><m:ToegewezenProducten><m:ToegewezenProduct><m:ToewijzingNummer>{nummer}</m:ToewijzingNummer>{}<m:Toewijzingsdatum>{}</m:Toewijzingsdatum><m:Toewijzingstijd>09:{minuut:02}:00</m:Toewijzingstijd><m:Ingangsdatum>{}</m:Ingangsdatum><m:Einddatum>{}</m:Einddatum><m:Omvang><b:Volume>{}</b:Volume><b:Eenheid>{}</b:Eenheid><b:Frequentie>{}</b:Frequentie></m:Omvang></m:ToegewezenProduct></m:ToegewezenProducten></m:Client>",
        person(client, true),
        product_xml(p),
        fmt(toewijzingsdatum),
        fmt(ingang),
        fmt(eind),
        p.volume,
        p.eenheid,
        p.frequentie,
    );
    message(
        domein,
        301,
        id,
        toewijzingsdatum,
        GEMEENTE,
        p.aanbieder,
        &body,
    )
}

#[allow(clippy::too_many_arguments)]
fn start_xml(
    domein: Domein,
    id: &str,
    client: &DemoClient,
    nummer: &str,
    p: &Product,
    ingang: Date,
    begin: Date,
    dag: Date,
) -> String {
    let body = format!(
        "<m:Client>{}<m:StartProducten><m:StartProduct><m:ToewijzingNummer>{nummer}</m:ToewijzingNummer>{}<m:ToewijzingIngangsdatum>{}</m:ToewijzingIngangsdatum><m:Begindatum>{}</m:Begindatum><m:StatusAanlevering>1</m:StatusAanlevering></m:StartProduct></m:StartProducten></m:Client>",
        person(client, false),
        product_xml(p),
        fmt(ingang),
        fmt(begin),
    );
    message(domein, 305, id, dag, p.aanbieder, GEMEENTE, &body)
}

#[allow(clippy::too_many_arguments)]
fn stop_xml(
    domein: Domein,
    id: &str,
    client: &DemoClient,
    nummer: &str,
    p: &Product,
    ingang: Date,
    begin: Date,
    reden: &str,
    eind: Date,
    dag: Date,
) -> String {
    let body = format!(
        "<m:Client>{}<m:StopProducten><m:StopProduct><m:ToewijzingNummer>{nummer}</m:ToewijzingNummer>{}<m:ToewijzingIngangsdatum>{}</m:ToewijzingIngangsdatum><m:Begindatum>{}</m:Begindatum><m:RedenBeeindiging>{reden}</m:RedenBeeindiging><m:Einddatum>{}</m:Einddatum><m:StatusAanlevering>1</m:StatusAanlevering></m:StopProduct></m:StopProducten></m:Client>",
        person(client, false),
        product_xml(p),
        fmt(ingang),
        fmt(begin),
        fmt(eind),
    );
    message(domein, 307, id, dag, p.aanbieder, GEMEENTE, &body)
}

fn declaratie_xml(
    domein: Domein,
    aanbieder: &str,
    id: &str,
    month: Date,
    dag: Date,
    ps: &[Prestatie],
    refs: &[String],
) -> String {
    let (begin, eind) = (fmt(month), fmt(last_of_month(month)));
    let total: i64 = ps.iter().map(|p| p.hours * p.tarief).sum();
    let mut per_client: BTreeMap<&str, String> = BTreeMap::new();
    for (p, r) in ps.iter().zip(refs) {
        let entry = per_client.entry(p.bsn.as_str()).or_default();
        let _ = write!(
            entry,
            "<m:Prestatie><m:ProductReferentie><b:ReferentieNummer>{r}</b:ReferentieNummer></m:ProductReferentie><m:ToewijzingNummer>{}</m:ToewijzingNummer><m:ProductCategorie>{}</m:ProductCategorie><m:ProductCode>{}</m:ProductCode><m:ProductPeriode><b:Begindatum>{begin}</b:Begindatum><b:Einddatum>{eind}</b:Einddatum></m:ProductPeriode><m:GeleverdVolume>{}</m:GeleverdVolume><m:Eenheid>04</m:Eenheid><m:ProductTarief>{}</m:ProductTarief><m:IngediendBedrag><b:Bedrag>{}</b:Bedrag><b:DebetCredit>D</b:DebetCredit></m:IngediendBedrag></m:Prestatie>",
            p.nummer,
            p.product.categorie,
            p.product.code,
            p.hours,
            p.tarief,
            p.hours * p.tarief,
        );
    }
    let clients: String = per_client
        .iter()
        .map(|(bsn, ps)| {
            format!("<m:Client><m:Bsn>{bsn}</m:Bsn><m:Prestaties>{ps}</m:Prestaties></m:Client>")
        })
        .collect();
    let body = format!(
        "<m:Declaratie><m:DeclaratieNummer>{id}</m:DeclaratieNummer><m:DeclaratiePeriode><b:Begindatum>{begin}</b:Begindatum><b:Einddatum>{eind}</b:Einddatum></m:DeclaratiePeriode><m:DeclaratieDagtekening>{}</m:DeclaratieDagtekening><m:TotaalIngediendBedrag><b:TotaalBedrag>{total}</b:TotaalBedrag><b:DebetCredit>D</b:DebetCredit></m:TotaalIngediendBedrag><m:Clienten>{clients}</m:Clienten></m:Declaratie>",
        fmt(dag)
    );
    message(domein, 323, id, dag, aanbieder, GEMEENTE, &body)
}

fn plan_json(client: &DemoClient, t: &DemoTraject, datum: Date, first: usize) -> String {
    let n = t.plan_doelen.unwrap_or(1);
    let pool = match client.domein {
        Domein::Ijw => DOELEN_IJW,
        Domein::Iwmo => DOELEN_IWMO,
    };
    let streef = fmt(plus_months(datum, 6));
    let doelen: Vec<_> = (0..n)
        .map(|i| {
            let (omschrijving, levensdomein, meting) = pool[(first + i) % pool.len()];
            json!({"id": format!("D{}", i + 1), "omschrijving": omschrijving,
                   "levensdomein": levensdomein, "meting": meting, "streefdatum": streef})
        })
        .collect();
    let ids: Vec<String> = (1..=n).map(|i| format!("D{i}")).collect();
    json!({
        "domein": client.domein.name(), "gemeente": GEMEENTE, "aanbieder": t.product.aanbieder,
        "bsn": client.bsn, "plan_id": format!("PLAN-{}", t.toewijzingnummer), "versie": 1,
        "datum": fmt(datum), "toewijzingnummers": [t.toewijzingnummer],
        "doelen": doelen,
        "activiteiten": [{"omschrijving": "Begeleiding volgens plan", "frequentie": "wekelijks", "doelen": ids}]
    })
    .to_string()
}

fn resultaat_json(
    client: &DemoClient,
    t: &DemoTraject,
    r: &DemoResultaat,
    einddatum: Date,
    datum: Date,
) -> String {
    let doelen: Vec<_> = r
        .uitkomsten
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let toelichting = match u {
                Uitkomst::Behaald => "Doel bereikt volgens eindevaluatie",
                Uitkomst::DeelsBehaald => "Vooruitgang, doel niet volledig bereikt",
                Uitkomst::NietBehaald => "Geen vooruitgang op dit doel",
            };
            json!({"id": format!("D{}", i + 1), "uitkomst": u.name(), "toelichting": toelichting})
        })
        .collect();
    let mut body = json!({
        "domein": client.domein.name(), "gemeente": GEMEENTE, "aanbieder": t.product.aanbieder,
        "bsn": client.bsn, "toewijzingnummer": t.toewijzingnummer,
        "plan_id": format!("PLAN-{}", t.toewijzingnummer),
        "einddatum": fmt(einddatum), "datum": fmt(datum), "doelen": doelen
    });
    if let Some(tv) = r.tevredenheid {
        body["tevredenheid"] = json!(tv);
    }
    body.to_string()
}

fn beoordeling_json(
    client: &DemoClient,
    t: &DemoTraject,
    b: &DemoBeoordeling,
    datum: Date,
) -> String {
    let mut body = json!({
        "domein": client.domein.name(), "gemeente": GEMEENTE, "team": client.team,
        "aanbieder": t.product.aanbieder, "bsn": client.bsn,
        "toewijzingnummer": t.toewijzingnummer, "versie": 1, "datum": fmt(datum),
        "oordeel": if b.eens { "eens" } else { "oneens" },
        "resultaat_bereikt": b.resultaat_bereikt
    });
    if !b.eens {
        body["reden"] = json!(if b.resultaat_bereikt {
            "De gestelde doelen zijn in de praktijk wel bereikt"
        } else {
            "Het resultaat houdt na de beeindiging geen stand"
        });
    }
    body.to_string()
}

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
            crate::config::Settings::parse(include_str!("../config/sluis.toml")).expect("demo");
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

/// The bearer tokens the demo parties post with: per party code (an aanbieder's AGB-code, a
/// gemeente's gemeentecode), per gebiedsteam (by name) and the operator's (for `/metrics`).
/// Built from the demo tokens of the configuration ([`Tokens::from_settings`]). `Debug` shows
/// which parties have a token, never the token.
#[derive(Clone, Default)]
pub struct Tokens {
    parties: BTreeMap<String, String>,
    teams: BTreeMap<String, String>,
    operator: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("parties", &self.parties.keys().collect::<Vec<_>>())
            .field("teams", &self.teams.keys().collect::<Vec<_>>())
            .field("operator", &self.operator.is_some())
            .finish()
    }
}

impl Tokens {
    /// The demo tokens (`demo_secret`) of `[[security.tokens]]`: role aanbieder by its party,
    /// gemeente by its gemeentecode, gebiedsteam by its team, and the operator. The first of
    /// each wins; tokens given only as a hash cannot be used and are skipped.
    pub fn from_settings(settings: &crate::config::Settings) -> Tokens {
        Tokens::from_configured(&settings.security.tokens)
    }

    /// As [`Tokens::from_settings`], from the token entries themselves.
    pub fn from_configured(tokens: &[crate::security::tokens::ConfiguredToken]) -> Tokens {
        use crate::security::access::Role;
        let mut out = Tokens::default();
        for t in tokens {
            let Some(secret) = &t.demo_secret else {
                continue;
            };
            let key = match t.role {
                Role::Aanbieder => t.party.clone().map(|p| (false, p)),
                Role::Gemeente => t.gemeente.clone().or(t.party.clone()).map(|g| (false, g)),
                Role::Gebiedsteam => t.team.clone().map(|team| (true, team)),
                Role::Operator => {
                    out.operator.get_or_insert_with(|| secret.clone());
                    None
                }
                Role::Contractmanager => None,
            };
            match key {
                Some((false, party)) => {
                    out.parties.entry(party).or_insert_with(|| secret.clone());
                }
                Some((true, team)) => {
                    out.teams.entry(team).or_insert_with(|| secret.clone());
                }
                None => {}
            }
        }
        out
    }

    /// Use `token` for the party `code` (AGB-code or gemeentecode).
    pub fn set_party(&mut self, code: &str, token: &str) {
        self.parties.insert(code.to_string(), token.to_string());
    }

    /// Use `token` for the gebiedsteam `team`.
    pub fn set_team(&mut self, team: &str, token: &str) {
        self.teams.insert(team.to_string(), token.to_string());
    }

    /// Use `token` for the operator.
    pub fn set_operator(&mut self, token: &str) {
        self.operator = Some(token.to_string());
    }

    /// The token of a party (AGB-code or gemeentecode).
    pub fn party(&self, code: &str) -> Option<&str> {
        self.parties.get(code).map(String::as_str)
    }

    /// The token of a gebiedsteam.
    pub fn team(&self, team: &str) -> Option<&str> {
        self.teams.get(team).map(String::as_str)
    }

    /// The operator's token.
    pub fn operator(&self) -> Option<&str> {
        self.operator.as_deref()
    }

    /// The token a message's sender posts with.
    pub fn sender(&self, sender: &Sender) -> Option<&str> {
        match sender {
            Sender::Party(code) => self.party(code),
            Sender::Team(team) => self.team(team),
        }
    }

    /// Whether there is no token at all (a configuration without demo tokens).
    pub fn is_empty(&self) -> bool {
        self.parties.is_empty() && self.teams.is_empty() && self.operator.is_none()
    }
}

/// `request` with `Authorization: Bearer …` when there is a token; without one the gateway
/// decides (401 once it requires credentials).
pub fn with_token(
    request: reqwest::RequestBuilder,
    token: Option<&str>,
) -> reqwest::RequestBuilder {
    match token {
        Some(t) => request.bearer_auth(t),
        None => request,
    }
}

/// What became of posting a set.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Posted {
    pub accepted: usize,
    /// Labels (no BSN) and HTTP status of the messages not accepted.
    pub rejected: Vec<(String, u16)>,
}

/// Post every message of the set, in order, to the gateway at `base` (`http://127.0.0.1:8080`),
/// each with the token of its sender from `tokens`. A berichten post is answered with its
/// retourbericht, so whether it was accepted is asked after (`GET` its `Location`, as the
/// sender, whom the message concerns); a behandelplan, resultaatmelding or beoordeling is
/// accepted when the answer is a success (a rejected one gets 422). Stops at a transport
/// error; a rejection is counted and posting goes on.
pub async fn post_all(base: &str, set: &DemoSet, tokens: &Tokens) -> Result<Posted, String> {
    let base = base.trim_end_matches('/');
    let client = crate::client::client().map_err(|e| e.to_string())?;
    let mut out = Posted::default();
    for m in &set.messages {
        let token = tokens.sender(&m.sender);
        let resp = with_token(client.post(format!("{base}{}", m.path)), token)
            .header("Content-Type", m.content_type)
            .body(m.body.clone())
            .send()
            .await
            .map_err(|e| format!("{}: {e}", m.label))?;
        let status = resp.status();
        let location = resp
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_string);
        let accepted = match (status.is_success(), location) {
            (true, Some(loc)) if m.path == PATH_BERICHTEN => {
                let stored: serde_json::Value =
                    with_token(client.get(format!("{base}{loc}")), token)
                        .send()
                        .await
                        .map_err(|e| format!("{}: {e}", m.label))?
                        .json()
                        .await
                        .map_err(|e| format!("{}: {e}", m.label))?;
                stored["accepted"] == true
            }
            (success, _) => success && m.path != PATH_BERICHTEN,
        };
        if accepted {
            out.accepted += 1;
        } else {
            out.rejected.push((m.label.clone(), status.as_u16()));
        }
    }
    Ok(out)
}
