//! Stuurinformatie: the flows between the gemeente and its aanbieders, for contract management.
//! A pure function ([`stromen`]) over compact per-message records ([`Bericht`], kept by the
//! gateway in a [`Berichtenboek`]), and the flow of one trajectory ([`stroom`]).
//!
//! Every figure is dated by the dates in the messages (docs/stuurinformatie.md defines each);
//! the day Sluis received a message is only the fallback for a message without a date.

mod encoding;
mod record;
mod retourcodes;
mod stats;

pub use encoding::{decode, encode, RecordError, VERSION};
pub use record::{
    prestatie_sleutel, van_eigen, van_standaard, Bericht, Bevinding, Code, Feit, Frequentie, Nieuw,
    Oordeel, ProductKey, Referenties, Regel, Richting, Soort, Uitkomst,
};
pub use retourcodes::RETOURCODES;
pub use stats::{mediaan, p90};

use crate::codes::Berichtsoort;
use crate::standard::types::Datum;
use crate::validate::history::Domein;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A fast hash for the small integer keys of one computation (periods, AGB-codes, numbers):
/// the multiply-rotate of rustc's FxHash. SipHash, the default, took a third of the time of a
/// query over a million records; these keys are not chosen by an anonymous caller, and each
/// map lives for one request.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(b));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub type Fx = BuildHasherDefault<FxHasher>;
type Map<K, V> = HashMap<K, V, Fx>;

/// The entries of `m` sorted by key (the rows' order).
fn sorted<K: Ord, V>(m: Map<K, V>) -> Vec<(K, V)> {
    let mut v: Vec<(K, V)> = m.into_iter().collect();
    v.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    v
}

/// The official meaning of a retourcode (WJ001), if it is one.
pub fn omschrijving(code: &str) -> Option<&'static str> {
    RETOURCODES
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .ok()
        .map(|i| RETOURCODES[i].1)
}

/// A record as the book keeps it: 32 bytes instead of the 48 of a [`Bericht`] (a million
/// of them at a million messages). The id in 40 bits (sled's counter; a trillion ids), the
/// kind of message in 16, the outcome and flags in a byte, and the codes, which only a
/// rejected message has, in a table of the book beside it.
#[derive(Debug, Clone, Copy)]
struct Rij {
    id_lo: u32,
    aanbieder: u32,
    datum: Datum,
    ontvangen: Datum,
    identificatie: u32,
    regels_start: u32,
    gemeente: u16,
    /// Bit 15: Sluis's own (then the low bits are the [`crate::doelbereik::Kind`]'s
    /// position), bit 14: iWmo, bits 0–13: the message's number.
    soort: u16,
    regels_len: u16,
    id_hi: u8,
    /// Bits 0–1: the outcome, 2: technisch, 3: beantwoord, 4: it has codes.
    flags: u8,
}

const EIGEN: u16 = 1 << 15;
const IWMO: u16 = 1 << 14;
const HAS_CODES: u8 = 1 << 4;

impl Rij {
    fn of(b: &Bericht, has_codes: bool) -> Rij {
        let domein = if b.soort.domein() == Domein::Iwmo {
            IWMO
        } else {
            0
        };
        let soort = match b.soort {
            Soort::Standaard(s) => domein | (s.nummer & 0x3fff),
            Soort::Eigen(_, k) => {
                let i = crate::doelbereik::Kind::ALL
                    .iter()
                    .position(|x| *x == k)
                    .unwrap_or(0);
                EIGEN | domein | i as u16
            }
        };
        let uitkomst = match b.uitkomst {
            Uitkomst::Geaccepteerd => 0,
            Uitkomst::Deels => 1,
            Uitkomst::Afgekeurd => 2,
        };
        Rij {
            id_lo: b.id as u32,
            id_hi: (b.id >> 32).min(0xff) as u8,
            aanbieder: b.aanbieder,
            datum: b.datum,
            ontvangen: b.ontvangen,
            identificatie: b.identificatie,
            regels_start: b.regels_start,
            gemeente: b.gemeente,
            soort,
            regels_len: b.regels_len,
            flags: uitkomst
                | u8::from(b.technisch) << 2
                | u8::from(b.beantwoord) << 3
                | if has_codes { HAS_CODES } else { 0 },
        }
    }

    fn id(&self) -> u64 {
        u64::from(self.id_hi) << 32 | u64::from(self.id_lo)
    }

    fn domein(&self) -> Domein {
        if self.soort & IWMO != 0 {
            Domein::Iwmo
        } else {
            Domein::Ijw
        }
    }

    fn soort(&self) -> Soort {
        let domein = if self.soort & IWMO != 0 {
            Domein::Iwmo
        } else {
            Domein::Ijw
        };
        let low = self.soort & 0x3fff;
        if self.soort & EIGEN != 0 {
            let k = crate::doelbereik::Kind::ALL
                .get(usize::from(low))
                .copied()
                .unwrap_or(crate::doelbereik::Kind::Behandelplan);
            Soort::Eigen(domein, k)
        } else {
            Soort::Standaard(Berichtsoort {
                domein,
                nummer: low,
            })
        }
    }
}

/// Every message record the gateway keeps, in the order stored (ascending id), with the
/// interned references they point to.
#[derive(Debug, Default)]
pub struct Berichtenboek {
    rijen: Vec<Rij>,
    /// The lines of every record, in record order (one arena instead of one allocation each).
    regels: Vec<Regel>,
    codes: Vec<Code>,
    /// Where the codes of a record with codes are, by its id.
    codes_at: Map<u64, (u32, u8)>,
    pub refs: Referenties,
}

impl Berichtenboek {
    /// The bytes the book keeps per record (without its lines and codes).
    pub const RECORD_BYTES: usize = std::mem::size_of::<Rij>();

    /// Room for `n` more records (at start-up: the number stored).
    pub fn reserve(&mut self, n: usize) {
        self.rijen.reserve_exact(n);
    }

    /// Give back the room the arenas grew into (after the rebuild at start-up).
    pub fn shrink(&mut self) {
        self.rijen.shrink_to_fit();
        self.regels.shrink_to_fit();
        self.codes.shrink_to_fit();
        self.codes_at.shrink_to_fit();
        self.refs.shrink();
    }

    pub fn push(&mut self, n: Nieuw) {
        let Nieuw {
            mut bericht,
            mut regels,
            mut codes,
        } = n;
        // A message has at most a few thousand lines (the XSD's limits); more are left out
        // rather than wrapping the count.
        regels.truncate(usize::from(u16::MAX));
        codes.truncate(usize::from(u8::MAX));
        bericht.regels_start = self.regels.len() as u32;
        bericht.regels_len = regels.len() as u16;
        if !codes.is_empty() {
            self.codes_at
                .insert(bericht.id, (self.codes.len() as u32, codes.len() as u8));
        }
        self.rijen.push(Rij::of(&bericht, !codes.is_empty()));
        self.regels.extend(regels);
        self.codes.extend(codes);
    }

    /// Drop every record with an id below `first` (the retention policy removed their chunks
    /// from the store): the book then holds what a rebuild from the store would. Returns how
    /// many were dropped. The interned references stay (they are shared and small).
    pub fn drop_before(&mut self, first: u64) -> usize {
        let before = self.rijen.len();
        if !self.rijen.iter().any(|r| r.id() < first) {
            return 0;
        }
        let (mut rijen, mut regels, mut codes) = (Vec::new(), Vec::new(), Vec::new());
        let mut codes_at = Map::default();
        for r in &self.rijen {
            if r.id() < first {
                continue;
            }
            let mut kept = *r;
            kept.regels_start = regels.len() as u32;
            regels.extend_from_slice(self.regels_van(r));
            if let Some(&(start, len)) = self.codes_at.get(&r.id()) {
                let start = start as usize;
                let own = self
                    .codes
                    .get(start..start + usize::from(len))
                    .unwrap_or(&[]);
                codes_at.insert(r.id(), (codes.len() as u32, own.len() as u8));
                codes.extend_from_slice(own);
            }
            rijen.push(kept);
        }
        self.rijen = rijen;
        self.regels = regels;
        self.codes = codes;
        self.codes_at = codes_at;
        before - self.rijen.len()
    }

    /// A record of this book as it was pushed, with its lines and codes (to store it).
    pub fn nieuw(&self, b: &Bericht) -> Nieuw {
        Nieuw::new(b.clone(), self.regels(b).to_vec(), self.codes(b).to_vec())
    }

    /// Every record, in the order stored.
    pub fn berichten(&self) -> impl ExactSizeIterator<Item = Bericht> + '_ {
        self.rijen.iter().map(|r| self.bericht(r))
    }

    fn bericht(&self, r: &Rij) -> Bericht {
        let id = r.id();
        // Where its codes are is looked up only when they are asked for ([`Self::codes`]).
        let (codes_start, codes_len) = (0, u8::from(r.flags & HAS_CODES != 0));
        Bericht {
            id,
            soort: r.soort(),
            aanbieder: r.aanbieder,
            gemeente: r.gemeente,
            uitkomst: match r.flags & 3 {
                0 => Uitkomst::Geaccepteerd,
                1 => Uitkomst::Deels,
                _ => Uitkomst::Afgekeurd,
            },
            technisch: r.flags & 4 != 0,
            beantwoord: r.flags & 8 != 0,
            datum: r.datum,
            ontvangen: r.ontvangen,
            identificatie: r.identificatie,
            regels_start: r.regels_start,
            codes_start,
            regels_len: r.regels_len,
            codes_len,
        }
    }

    fn regels_van(&self, r: &Rij) -> &[Regel] {
        let start = r.regels_start as usize;
        self.regels
            .get(start..start + usize::from(r.regels_len))
            .unwrap_or(&[])
    }

    /// The lines of a record of this book.
    pub fn regels(&self, b: &Bericht) -> &[Regel] {
        let start = b.regels_start as usize;
        self.regels
            .get(start..start + usize::from(b.regels_len))
            .unwrap_or(&[])
    }

    /// The retourcodes of a record of this book, sorted.
    pub fn codes(&self, b: &Bericht) -> &[Code] {
        if b.codes_len == 0 {
            return &[];
        }
        let Some(&(start, len)) = self.codes_at.get(&b.id) else {
            return &[];
        };
        let start = start as usize;
        self.codes
            .get(start..start + usize::from(len))
            .unwrap_or(&[])
    }

    pub fn len(&self) -> usize {
        self.rijen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rijen.is_empty()
    }

    /// Bytes held by the records, their lines and codes, and the interned texts.
    pub fn bytes(&self) -> usize {
        self.refs.bytes()
            + self.rijen.capacity() * std::mem::size_of::<Rij>()
            + self.codes_at.capacity() * (std::mem::size_of::<(u64, (u32, u8))>() + 1)
            + self.regels.capacity() * std::mem::size_of::<Regel>()
            + self.codes.capacity() * std::mem::size_of::<Code>()
    }
}

/// Grouping of the figures in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    #[default]
    Maand,
    Kwartaal,
}

impl Per {
    pub fn parse(s: &str) -> Option<Per> {
        match s {
            "maand" => Some(Per::Maand),
            "kwartaal" => Some(Per::Kwartaal),
            _ => None,
        }
    }

    /// `2025-03` or `2025-K1`.
    pub fn periode(self, d: Datum) -> String {
        self.naam(self.sleutel(d))
    }

    /// The period of `d` as a number that sorts as the periods do (year × 100 + month or
    /// quarter): grouping a million figures by it allocates nothing.
    fn sleutel(self, d: Datum) -> u32 {
        let d = d.date();
        let m = u32::from(d.month() as u8);
        let y = d.year().max(0) as u32;
        match self {
            Per::Maand => y * 100 + m,
            Per::Kwartaal => y * 100 + (m - 1) / 3 + 1,
        }
    }

    fn naam(self, k: u32) -> String {
        match self {
            Per::Maand => format!("{:04}-{:02}", k / 100, k % 100),
            Per::Kwartaal => format!("{:04}-K{}", k / 100, k % 100),
        }
    }
}

/// Which messages a `berichtsoort` filter admits: one message of one standard (`JW323`) or
/// the number in both (`323`), or one of Sluis's own (`behandelplan`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SoortFilter {
    Precies(Berichtsoort),
    Nummer(u16),
    Eigen(crate::doelbereik::Kind),
}

impl SoortFilter {
    pub fn parse(s: &str) -> Option<SoortFilter> {
        if let Some(b) = Berichtsoort::parse(s) {
            return Some(SoortFilter::Precies(b));
        }
        if s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()) {
            return s.parse().ok().map(SoortFilter::Nummer);
        }
        crate::doelbereik::Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .map(SoortFilter::Eigen)
    }

    fn admits(&self, s: Soort) -> bool {
        match (self, s) {
            (SoortFilter::Precies(b), Soort::Standaard(x)) => *b == x,
            (SoortFilter::Nummer(n), Soort::Standaard(x)) => *n == x.nummer,
            (SoortFilter::Eigen(k), Soort::Eigen(_, x)) => *k == x,
            _ => false,
        }
    }
}

/// What a contractmanager asks. Every given condition must hold.
#[derive(Debug, Clone, Default)]
pub struct Vraag {
    /// The caller's gemeente (the gateway's own).
    pub gemeente: Option<u16>,
    pub aanbieder: Option<u32>,
    /// The BSNs of the clients of the asked team (`None`: every client).
    pub team: Option<HashSet<u32, Fx>>,
    pub domein: Option<Domein>,
    /// Only for the message counts and retourcodes.
    pub berichtsoort: Option<SoortFilter>,
    /// The figure's date on or after `van` and on or before `tot`.
    pub van: Option<Datum>,
    pub tot: Option<Datum>,
    pub per: Per,
    /// The days after the start within which a behandelplan counts as on time.
    pub plan_binnen: u32,
}

/// The default of [`Vraag::plan_binnen`]: six weeks.
pub const PLAN_BINNEN: u32 = 42;

impl Vraag {
    fn in_periode(&self, d: Datum) -> bool {
        self.van.is_none_or(|v| d >= v) && self.tot.is_none_or(|t| d <= t)
    }

    fn party(&self, b: &Bericht) -> bool {
        self.gemeente.is_none_or(|g| g == b.gemeente)
            && self.aanbieder.is_none_or(|a| a == b.aanbieder)
            && self.domein.is_none_or(|d| d == b.soort.domein())
    }

    fn client(&self, bsn: u32) -> bool {
        self.team.as_ref().is_none_or(|t| t.contains(&bsn))
    }
}

/// Messages of one berichtsoort in one period from or to one aanbieder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BerichtRij {
    pub periode: String,
    pub aanbieder: String,
    pub berichtsoort: String,
    pub richting: Richting,
    pub aantal: u64,
    pub geaccepteerd: u64,
    pub deels: u64,
    pub afgekeurd: u64,
}

/// Messages with one retourcode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetourcodeRij {
    pub periode: String,
    pub aanbieder: String,
    pub berichtsoort: String,
    pub retourcode: String,
    /// The official meaning (WJ001); empty for Sluis's own codes.
    pub omschrijving: String,
    /// Messages that carry the code (once per message).
    pub aantal: u64,
}

/// Amounts and volumes of one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BedragRij {
    pub periode: String,
    pub aanbieder: String,
    pub product: String,
    pub ingediend_cent: i64,
    pub ingediend_euro: String,
    pub toegekend_cent: i64,
    pub toegekend_euro: String,
    pub volume_gedeclareerd: i64,
    pub volume_toegewezen: i64,
}

/// Which lead time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Doorlooptijd {
    VerzoekAntwoord,
    ToewijzingStart,
    StopResultaatmelding,
    MaandeindeDeclaratie,
    DeclaratieAntwoord,
}

/// One lead time in one period for one aanbieder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoorlooptijdRij {
    pub periode: String,
    pub aanbieder: String,
    pub doorlooptijd: Doorlooptijd,
    pub aantal: u64,
    pub mediaan_dagen: f64,
    pub p90_dagen: i64,
}

/// Started trajectories with and without a behandelplan within `plan_binnen` days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanRij {
    pub periode: String,
    pub aanbieder: String,
    pub gestart: u64,
    pub met_plan: u64,
    pub zonder_plan: u64,
    /// Started less than `plan_binnen` days before `vandaag`, still without a plan.
    pub nog_binnen_termijn: u64,
}

/// The flows: five flat tables.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stromen {
    pub berichten: Vec<BerichtRij>,
    pub retourcodes: Vec<RetourcodeRij>,
    pub bedragen: Vec<BedragRij>,
    pub doorlooptijden: Vec<DoorlooptijdRij>,
    pub plannen: Vec<PlanRij>,
}

/// `1234.56` (or `-3.05`) for an amount in eurocent.
pub fn euro(cent: i64) -> String {
    let sign = if cent < 0 { "-" } else { "" };
    let c = cent.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

pub fn agb(n: u32) -> String {
    format!("{n:08}")
}

fn days(from: Datum, to: Datum) -> i64 {
    (to.date() - from.date()).whole_days()
}

/// Whether a message's facts count for lead times, amounts and plans: accepted, or a
/// declaratie granted in part. A message rejected as a whole changed nothing.
fn telt(b: &Bericht) -> bool {
    matches!(b.uitkomst, Uitkomst::Geaccepteerd | Uitkomst::Deels)
}

/// A trajectory: domein, gemeente, toewijzingnummer.
type Key = (Domein, u16, u32);
/// A verzoek: domein, aanbieder, ReferentieAanbieder.
type VerzoekKey = (Domein, u32, u32);

#[derive(Default)]
struct Traject {
    aanbieder: u32,
    bsn: u32,
    /// The first version: its Toewijzingsdatum.
    toewijzing: Option<Datum>,
    start: Option<Datum>,
    /// The last accepted stop's Einddatum.
    stop: Option<(u64, Datum)>,
    resultaat: Option<Datum>,
    plan: Option<Datum>,
    /// The last version's product and total volume over its validity (`u32::MAX`: none).
    toegewezen: Option<(u64, Option<ProductKey>, Datum, u32)>,
}

fn min_date(slot: &mut Option<Datum>, d: Datum) {
    if slot.is_none_or(|s| d < s) {
        *slot = Some(d);
    }
}

/// The total volume a toegewezen product allows over its validity: Volume for a total, times
/// the days, started weeks or touched calendar months otherwise; `None` without an Einddatum
/// (an open-ended per-period volume has no total).
pub fn volume_totaal(
    omvang: Option<(u32, Frequentie)>,
    ingang: Datum,
    eind: Option<Datum>,
) -> Option<i64> {
    let (v, f) = omvang?;
    let v = i64::from(v);
    if f == Frequentie::Totaal {
        return Some(v);
    }
    let eind = eind?;
    let d = days(ingang, eind) + 1;
    if d <= 0 {
        return Some(0);
    }
    Some(match f {
        Frequentie::PerDag => v * d,
        Frequentie::PerWeek => v * ((d + 6) / 7),
        Frequentie::PerMaand => {
            let (a, b) = (ingang.date(), eind.date());
            let months = (i64::from(b.year()) - i64::from(a.year())) * 12
                + i64::from(b.month() as u8)
                - i64::from(a.month() as u8)
                + 1;
            v * months
        }
        Frequentie::Totaal => v,
    })
}

#[derive(Default)]
struct Telling {
    aantal: u64,
    geaccepteerd: u64,
    deels: u64,
    afgekeurd: u64,
}

#[derive(Default)]
struct Bedrag {
    ingediend: i64,
    toegekend: i64,
    volume: i64,
    toegewezen: i64,
}

/// The flows the question asks for, over every record. `vandaag` decides which trajectories
/// are still within their plan term.
pub fn stromen(boek: &Berichtenboek, vraag: &Vraag, vandaag: Datum) -> Stromen {
    let per = vraag.per;

    // First pass: the facts that link messages (verzoek → antwoord, the trajectories).
    let mut verzoek_client: Map<VerzoekKey, u32> = Map::default();
    let mut verzoeken: Map<VerzoekKey, Datum> = Map::default();
    let mut antwoorden: Map<VerzoekKey, Datum> = Map::default();
    let mut trajecten: Map<Key, Traject> = Map::default();
    let mut maanden: Map<(Domein, u32, Datum), (Datum, u32)> = Map::default();
    let mut declaratie_antwoord: Map<(Domein, u32, u32), Datum> = Map::default();
    // The back office's own answers (`advies` mode): declaraties refused whole, and the
    // prestaties refused (by declaratie and ReferentieNummer).
    let mut heel_afgekeurd: HashSet<(Domein, u32, u32), Fx> = HashSet::default();
    let mut afgewezen: HashSet<(Domein, u32, u32, u32), Fx> = HashSet::default();
    for b in boek.berichten().filter(|b| vraag.party(b)) {
        let b = &b;
        let domein = b.soort.domein();
        // With a team: a declaratie counts for the month-end lead time when it declares care
        // for one of the team's clients.
        let declares_for_team = || {
            boek.regels(b)
                .iter()
                .any(|r| matches!(r.feit, Feit::Prestatie { .. }) && vraag.client(r.bsn))
        };
        for r in boek.regels(b) {
            match &r.feit {
                Feit::Verzoek { referentie } => {
                    let k = (domein, b.aanbieder, *referentie);
                    verzoek_client.entry(k).or_insert(r.bsn);
                    if telt(b) {
                        verzoeken.entry(k).or_insert(b.datum);
                    }
                }
                Feit::DeclaratieAntwoord {
                    declaratie,
                    afgekeurd,
                } if telt(b) => {
                    let k = (domein, b.aanbieder, *declaratie);
                    let slot = declaratie_antwoord.entry(k).or_insert(b.datum);
                    *slot = (*slot).min(b.datum);
                    if *afgekeurd {
                        heel_afgekeurd.insert(k);
                    }
                }
                Feit::Afgewezen {
                    declaratie,
                    prestatie,
                } if telt(b) => {
                    afgewezen.insert((domein, b.aanbieder, *declaratie, *prestatie));
                }
                _ => {}
            }
            if !telt(b) {
                continue;
            }
            let key = (domein, b.gemeente, r.toewijzing);
            match &r.feit {
                Feit::Antwoord { referentie } => {
                    let slot = antwoorden
                        .entry((domein, b.aanbieder, *referentie))
                        .or_insert(b.datum);
                    *slot = (*slot).min(b.datum);
                }
                Feit::Toewijzing {
                    referentie,
                    product,
                    toewijzingsdatum,
                    ingangsdatum,
                    volume,
                } => {
                    if *referentie != 0 {
                        let slot = antwoorden
                            .entry((domein, b.aanbieder, *referentie))
                            .or_insert(b.datum);
                        *slot = (*slot).min(b.datum);
                    }
                    let t = trajecten.entry(key).or_default();
                    t.aanbieder = b.aanbieder;
                    t.bsn = r.bsn;
                    min_date(&mut t.toewijzing, *toewijzingsdatum);
                    if t.toegewezen.is_none_or(|(id, ..)| id <= b.id) {
                        t.toegewezen = Some((b.id, *product, *ingangsdatum, *volume));
                    }
                }
                Feit::Start { begindatum } => {
                    min_date(&mut trajecten.entry(key).or_default().start, *begindatum)
                }
                Feit::Stop { einddatum } => {
                    let t = trajecten.entry(key).or_default();
                    if t.stop.is_none_or(|(id, _)| id <= b.id) {
                        t.stop = Some((b.id, *einddatum));
                    }
                }
                Feit::Resultaat => {
                    min_date(&mut trajecten.entry(key).or_default().resultaat, b.datum)
                }
                Feit::Plan { .. } => min_date(&mut trajecten.entry(key).or_default().plan, b.datum),
                Feit::Declaratie { periode_eind }
                    if vraag.team.is_none() || declares_for_team() =>
                {
                    let slot = maanden
                        .entry((domein, b.aanbieder, *periode_eind))
                        .or_insert((b.datum, b.identificatie));
                    if b.datum < slot.0 {
                        *slot = (b.datum, b.identificatie);
                    }
                }
                _ => {}
            }
        }
    }
    // A trajectory is known by its toewijzing; lines of messages without one are left out.
    trajecten.retain(|_, t| t.toewijzing.is_some());
    let team_of_bsn = |bsn: u32| vraag.client(bsn);

    // Message counts and retourcodes, by the message's own date.
    let mut tellingen: Map<(u32, u32, Soort), Telling> = Map::default();
    let mut codes: Map<(u32, u32, Soort, Code), u64> = Map::default();
    let mut bedragen: Map<(u32, u32, Option<ProductKey>), Bedrag> = Map::default();
    let mut tijden: Map<(u32, u32, Doorlooptijd), Vec<i64>> = Map::default();
    for b in boek.berichten().filter(|b| vraag.party(b)) {
        let b = &b;
        let domein = b.soort.domein();
        let in_team = vraag.team.is_none()
            || boek.regels(b).iter().any(|r| {
                let bsn = match r.feit {
                    Feit::Antwoord { referentie } => verzoek_client
                        .get(&(domein, b.aanbieder, referentie))
                        .copied()
                        .unwrap_or(0),
                    _ => r.bsn,
                };
                bsn != 0 && team_of_bsn(bsn)
            });
        if !in_team {
            continue;
        }
        let admitted = vraag
            .berichtsoort
            .as_ref()
            .is_none_or(|f| f.admits(b.soort));
        if admitted && vraag.in_periode(b.datum) {
            let p = per.sleutel(b.datum);
            let t = tellingen.entry((p, b.aanbieder, b.soort)).or_default();
            t.aantal += 1;
            match b.uitkomst {
                Uitkomst::Geaccepteerd => t.geaccepteerd += 1,
                Uitkomst::Deels => t.deels += 1,
                Uitkomst::Afgekeurd => t.afgekeurd += 1,
            }
            for c in boek.codes(b) {
                *codes.entry((p, b.aanbieder, b.soort, *c)).or_default() += 1;
            }
        }
        // Amounts: every declaratie that was judged on its content (not one the standard
        // counts as never sent), by the month of the care (ProductPeriode Begindatum).
        if b.soort.nummer() == Some(323) && !b.technisch {
            // Granted: by Sluis's own answer; a declaratie Sluis did not answer (`advies` mode)
            // by the back office's declaratie-antwoord once there is one, else by Sluis's
            // judgement (its advice) until then.
            let kantoor = (!b.beantwoord)
                .then_some((domein, b.aanbieder, b.identificatie))
                .filter(|k| declaratie_antwoord.contains_key(k));
            for r in boek.regels(b) {
                if let Feit::Prestatie {
                    product,
                    periode_begin,
                    volume,
                    bedrag,
                    toegekend,
                    referentie,
                } = &r.feit
                {
                    let toegekend = match kantoor {
                        Some(k) => {
                            !heel_afgekeurd.contains(&k)
                                && !afgewezen.contains(&(k.0, k.1, k.2, *referentie))
                        }
                        None => *toegekend,
                    };
                    if !vraag.in_periode(*periode_begin)
                        || (vraag.team.is_some() && !team_of_bsn(r.bsn))
                    {
                        continue;
                    }
                    let e = bedragen
                        .entry((per.sleutel(*periode_begin), b.aanbieder, *product))
                        .or_default();
                    e.ingediend += i64::from(*bedrag);
                    e.volume += i64::from(*volume);
                    if toegekend {
                        e.toegekend += i64::from(*bedrag);
                    }
                }
            }
        }
        // Declaratie → declaratie-antwoord: Sluis answers in the same exchange (0 days, dated
        // by the declaratie); a 325 posted by the back office is dated by its Dagtekening.
        if b.soort.nummer() == Some(323) && !b.technisch {
            let antwoord = if b.beantwoord {
                Some(b.datum)
            } else {
                declaratie_antwoord
                    .get(&(domein, b.aanbieder, b.identificatie))
                    .copied()
            };
            if let Some(a) = antwoord {
                if vraag.in_periode(a) {
                    tijden
                        .entry((
                            per.sleutel(a),
                            b.aanbieder,
                            Doorlooptijd::DeclaratieAntwoord,
                        ))
                        .or_default()
                        .push(days(b.datum, a).max(0));
                }
            }
        }
    }

    // Verzoek → antwoord, dated by the antwoord.
    for (k @ (_, aanbieder, _), verzoek) in &verzoeken {
        let Some(antwoord) = antwoorden.get(k) else {
            continue;
        };
        let client = verzoek_client.get(k).copied().unwrap_or(0);
        if vraag.team.is_some() && !team_of_bsn(client) {
            continue;
        }
        if vraag.in_periode(*antwoord) {
            tijden
                .entry((
                    per.sleutel(*antwoord),
                    *aanbieder,
                    Doorlooptijd::VerzoekAntwoord,
                ))
                .or_default()
                .push(days(*verzoek, *antwoord));
        }
    }
    // End of a month → its (first) declaratie, dated by the declaratie; for a team, the first
    // that declares care for one of its clients.
    for ((_, aanbieder, eind), (datum, _)) in &maanden {
        if vraag.in_periode(*datum) {
            tijden
                .entry((
                    per.sleutel(*datum),
                    *aanbieder,
                    Doorlooptijd::MaandeindeDeclaratie,
                ))
                .or_default()
                .push(days(*eind, *datum));
        }
    }
    // The trajectories: toewijzing → start, stop → resultaatmelding, plans, allocated volume.
    let mut plannen: Map<(u32, u32), PlanRij> = Map::default();
    for t in trajecten.values() {
        if !team_of_bsn(t.bsn) {
            continue;
        }
        if let (Some(toewijzing), Some(start)) = (t.toewijzing, t.start) {
            if vraag.in_periode(start) {
                tijden
                    .entry((
                        per.sleutel(start),
                        t.aanbieder,
                        Doorlooptijd::ToewijzingStart,
                    ))
                    .or_default()
                    .push(days(toewijzing, start));
            }
        }
        if let (Some((_, stop)), Some(melding)) = (t.stop, t.resultaat) {
            if vraag.in_periode(melding) {
                tijden
                    .entry((
                        per.sleutel(melding),
                        t.aanbieder,
                        Doorlooptijd::StopResultaatmelding,
                    ))
                    .or_default()
                    .push(days(stop, melding));
            }
        }
        if let Some(start) = t.start.filter(|s| vraag.in_periode(*s)) {
            let p = per.sleutel(start);
            let row = plannen.entry((p, t.aanbieder)).or_insert_with(|| PlanRij {
                periode: per.naam(p),
                aanbieder: agb(t.aanbieder),
                gestart: 0,
                met_plan: 0,
                zonder_plan: 0,
                nog_binnen_termijn: 0,
            });
            let n = i64::from(vraag.plan_binnen);
            row.gestart += 1;
            if t.plan.is_some_and(|p| days(start, p) <= n) {
                row.met_plan += 1;
            } else if days(start, vandaag) < n && t.plan.is_none() {
                row.nog_binnen_termijn += 1;
            } else {
                row.zonder_plan += 1;
            }
        }
        if let Some((_, product, ingang, volume)) = t.toegewezen.filter(|v| v.3 != u32::MAX) {
            if vraag.in_periode(ingang) {
                bedragen
                    .entry((per.sleutel(ingang), t.aanbieder, product))
                    .or_default()
                    .toegewezen += i64::from(volume);
            }
        }
    }

    let soort_naam = |s: Soort| s.naam();
    Stromen {
        berichten: sorted(tellingen)
            .into_iter()
            .map(|((periode, a, s), t)| BerichtRij {
                periode: per.naam(periode),
                aanbieder: agb(a),
                berichtsoort: soort_naam(s),
                richting: s.richting(),
                aantal: t.aantal,
                geaccepteerd: t.geaccepteerd,
                deels: t.deels,
                afgekeurd: t.afgekeurd,
            })
            .collect(),
        retourcodes: sorted(codes)
            .into_iter()
            .map(|((periode, a, s, c), aantal)| RetourcodeRij {
                periode: per.naam(periode),
                aanbieder: agb(a),
                berichtsoort: soort_naam(s),
                retourcode: c.as_str().to_string(),
                omschrijving: omschrijving(c.as_str()).unwrap_or("").to_string(),
                aantal,
            })
            .collect(),
        bedragen: sorted(bedragen)
            .into_iter()
            .map(|((periode, a, product), b)| BedragRij {
                periode: per.naam(periode),
                aanbieder: agb(a),
                product: product.map(|p| p.as_str().to_string()).unwrap_or_default(),
                ingediend_cent: b.ingediend,
                ingediend_euro: euro(b.ingediend),
                toegekend_cent: b.toegekend,
                toegekend_euro: euro(b.toegekend),
                volume_gedeclareerd: b.volume,
                volume_toegewezen: b.toegewezen,
            })
            .collect(),
        doorlooptijden: sorted(tijden)
            .into_iter()
            .map(|((periode, a, d), mut v)| {
                v.sort_unstable();
                DoorlooptijdRij {
                    periode: per.naam(periode),
                    aanbieder: agb(a),
                    doorlooptijd: d,
                    aantal: v.len() as u64,
                    mediaan_dagen: mediaan(&v).unwrap_or(0.0),
                    p90_dagen: p90(&v).unwrap_or(0),
                }
            })
            .collect(),
        plannen: sorted(plannen).into_iter().map(|(_, r)| r).collect(),
    }
}

/// One step of a trajectory's flow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stap {
    /// The stored message (for Sluis's own declaratie-antwoord: the declaratie it answers).
    pub id: u64,
    pub berichtsoort: String,
    pub datum: Datum,
    pub ontvangen: Datum,
    pub richting: Richting,
    pub uitkomst: Uitkomst,
    pub retourcodes: Vec<Retourcode>,
    /// Written by Sluis on the gemeente's behalf (the declaratie-antwoord in `toetsen` mode).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub door_sluis: bool,
}

/// A retourcode with its official meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retourcode {
    pub code: String,
    pub omschrijving: String,
}

fn retourcodes(codes: &[Code]) -> Vec<Retourcode> {
    codes
        .iter()
        .map(|c| Retourcode {
            code: c.as_str().to_string(),
            omschrijving: omschrijving(c.as_str()).unwrap_or("").to_string(),
        })
        .collect()
}

/// The flow of one toewijzing for one client.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stroom {
    #[serde(with = "crate::doelbereik::model::domein_serde")]
    pub domein: Domein,
    pub aanbieder: String,
    /// The client's BSN; the server answers with a pseudonym instead.
    #[serde(skip)]
    pub bsn: u32,
    pub stappen: Vec<Stap>,
}

/// Every message of toewijzing `nummer` in `gemeente`, per (domein, aanbieder, client), in
/// order of date (then of arrival): the verzoeken it answered (by ReferentieAanbieder), the
/// toewijzing's versions, start, stop, plans, resultaatmelding, beoordeling, the declaraties
/// with a prestatie on it and their answers.
pub fn stroom(boek: &Berichtenboek, gemeente: u16, nummer: u32) -> Vec<Stroom> {
    // The trajectories and the ReferentieAanbieder of their toewijzing.
    let mut groups: BTreeMap<(Domein, u32, u32), Vec<Stap>> = BTreeMap::new();
    let mut referenties: HashMap<(Domein, u32, u32), (u32, u32)> = HashMap::new();
    let mut answered: HashMap<(Domein, u32, u32), (u32, u32)> = HashMap::new();
    // Both passes look at the compact rows and their lines; a record is made only for the
    // messages of the flow.
    let rijen = || boek.rijen.iter().filter(|r| r.gemeente == gemeente);
    for rij in rijen() {
        for r in boek
            .regels_van(rij)
            .iter()
            .filter(|r| r.toewijzing == nummer)
        {
            if let Feit::Toewijzing { referentie, .. } = r.feit {
                if referentie == 0 {
                    continue;
                }
                referenties.insert((rij.domein(), rij.aanbieder, referentie), (r.bsn, nummer));
            }
        }
    }
    let step = |b: &Bericht| Stap {
        id: b.id,
        berichtsoort: b.soort.naam(),
        datum: b.datum,
        ontvangen: b.ontvangen,
        richting: b.richting(),
        uitkomst: b.uitkomst,
        retourcodes: retourcodes(boek.codes(b)),
        door_sluis: false,
    };
    for rij in rijen() {
        let (domein, aanbieder) = (rij.domein(), rij.aanbieder);
        let mut clients: Vec<u32> = Vec::new();
        for r in boek.regels_van(rij) {
            let bsn = match r.feit {
                Feit::Verzoek { referentie } => referenties
                    .get(&(domein, aanbieder, referentie))
                    .map(|&(bsn, _)| bsn),
                Feit::Antwoord { referentie } => referenties
                    .get(&(domein, aanbieder, referentie))
                    .map(|&(bsn, _)| bsn),
                Feit::DeclaratieAntwoord { declaratie, .. } => answered
                    .get(&(domein, aanbieder, declaratie))
                    .map(|&(bsn, _)| bsn),
                _ if r.toewijzing == nummer => Some(r.bsn),
                _ => None,
            };
            if let Some(bsn) = bsn {
                if !clients.contains(&bsn) {
                    clients.push(bsn);
                }
            }
        }
        if clients.is_empty() {
            continue;
        }
        let b = &boek.bericht(rij);
        for bsn in clients {
            let steps = groups.entry((domein, b.aanbieder, bsn)).or_default();
            steps.push(step(b));
            if b.soort.nummer() == Some(323) {
                answered.insert((domein, b.aanbieder, b.identificatie), (bsn, nummer));
                if b.beantwoord {
                    steps.push(Stap {
                        berichtsoort: match domein {
                            Domein::Ijw => "JW325",
                            Domein::Iwmo => "WMO325",
                        }
                        .to_string(),
                        richting: Richting::Verzonden,
                        door_sluis: true,
                        ..step(b)
                    });
                }
            }
        }
    }
    groups
        .into_iter()
        .map(|((domein, aanbieder, bsn), mut stappen)| {
            // By date; messages of one date in the order they arrived (stable sort).
            stappen.sort_by_key(|s| s.datum);
            Stroom {
                domein,
                aanbieder: agb(aanbieder),
                bsn,
                stappen,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
