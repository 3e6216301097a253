//! The compact record of one stored message that the flow figures are computed over, and how
//! it is read from a judged message. One [`Bericht`] per message the gateway stored (also the
//! rejected ones), one [`Regel`] per line that matters for the figures (a toegewezen product, a
//! start, a stop, a prestatie …). Dates are the message's own; the day Sluis received it is
//! kept only as a fallback.

use crate::codes::Berichtsoort;
use crate::doelbereik::{self, Kind};
use crate::standard::types::{Bsn, Datum};
use crate::standard::{Document, Element};
use crate::validate::history::read::{owned, Header, Prestatie};
use crate::validate::history::Domein;
use crate::validate::rules::{date, date2, int};
use compact_str::CompactString;
use hashbrown::HashTable;
use serde::Serialize;
use std::hash::{BuildHasher, RandomState};

/// What became of a message: the standard's three outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Uitkomst {
    Geaccepteerd,
    /// A declaratie of which some prestaties were granted, the rest sent back.
    Deels,
    Afgekeurd,
}

impl Uitkomst {
    pub fn of(accepted: bool, granted: bool) -> Uitkomst {
        match (accepted, granted) {
            (true, _) => Uitkomst::Geaccepteerd,
            (false, true) => Uitkomst::Deels,
            (false, false) => Uitkomst::Afgekeurd,
        }
    }
}

/// Seen from the gemeente: received from the aanbieder, or sent to it (by the back office, a
/// gebiedsteam, or Sluis on the gemeente's behalf: the declaratie-antwoord).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Richting {
    Ontvangen,
    Verzonden,
}

/// Which message: one of the standard's, or one of Sluis's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Soort {
    Standaard(Berichtsoort),
    Eigen(Domein, Kind),
}

impl PartialOrd for Soort {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// By domain, then the standard's messages by number, then Sluis's own in their order.
impl Ord for Soort {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.domein(), self.rank()).cmp(&(other.domein(), other.rank()))
    }
}

impl Soort {
    fn rank(self) -> u16 {
        match self {
            Soort::Standaard(s) => s.nummer,
            Soort::Eigen(_, k) => 1000 + Kind::ALL.iter().position(|x| *x == k).unwrap_or(0) as u16,
        }
    }

    pub fn domein(self) -> Domein {
        match self {
            Soort::Standaard(s) => s.domein,
            Soort::Eigen(d, _) => d,
        }
    }

    pub fn nummer(self) -> Option<u16> {
        match self {
            Soort::Standaard(s) => Some(s.nummer),
            Soort::Eigen(..) => None,
        }
    }

    /// `JW301`, `WMO323`, `behandelplan` …
    pub fn naam(self) -> String {
        match self {
            Soort::Standaard(s) => s.to_string(),
            Soort::Eigen(_, k) => k.as_str().to_string(),
        }
    }

    pub fn richting(self) -> Richting {
        match self {
            Soort::Standaard(s) if matches!(s.nummer, 301 | 302 | 319 | 320 | 325) => {
                Richting::Verzonden
            }
            Soort::Eigen(_, Kind::Beoordeling) => Richting::Verzonden,
            _ => Richting::Ontvangen,
        }
    }
}

/// A retourcode (WJ001: four characters) or Sluis's own finding code (`SL020`), inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code([u8; 5]);

impl Code {
    pub fn new(s: &str) -> Option<Code> {
        let b = s.as_bytes();
        if b.is_empty() || b.len() > 5 || !b.iter().all(u8::is_ascii_alphanumeric) {
            return None;
        }
        let mut out = [b' '; 5];
        out[..b.len()].copy_from_slice(b);
        Some(Code(out))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored (checked in `new`).
        std::str::from_utf8(&self.0).unwrap_or("").trim_end()
    }
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Code({})", self.as_str())
    }
}

/// A product: ProductCode where given, else the category, inline (at most 5 characters).
pub type ProductKey = Code;

/// Frequentie of an Omvang (WMO757).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequentie {
    PerDag,
    PerWeek,
    PerMaand,
    Totaal,
}

impl Frequentie {
    fn parse(s: &str) -> Option<Frequentie> {
        match s {
            "1" => Some(Frequentie::PerDag),
            "2" => Some(Frequentie::PerWeek),
            "4" => Some(Frequentie::PerMaand),
            "6" => Some(Frequentie::Totaal),
            _ => None,
        }
    }
}

/// The fact a line carries, with only what the figures need.
#[derive(Debug, Clone, PartialEq)]
pub enum Feit {
    /// A requested product (315) or a verzoek om wijziging (317), by its ReferentieAanbieder
    /// (interned, see [`Referenties`]).
    Verzoek { referentie: u32 },
    /// A ToegewezenProduct (301): its ReferentieAanbieder (interned; 0: none) and the total
    /// volume it allows over its validity ([`super::volume_totaal`]; `u32::MAX`: none).
    Toewijzing {
        referentie: u32,
        product: Option<ProductKey>,
        toewijzingsdatum: Datum,
        ingangsdatum: Datum,
        volume: u32,
    },
    /// An Antwoord (319) on a verzoek.
    Antwoord { referentie: u32 },
    /// A StartProduct (305): Begindatum.
    Start { begindatum: Datum },
    /// A StopProduct (307): Einddatum.
    Stop { einddatum: Datum },
    /// The declaratie (323) as a whole: its period's last day.
    Declaratie { periode_eind: Datum },
    /// A Prestatie (323): amounts signed (credit negative), in eurocent; `toegekend`: Sluis
    /// granted it (its own answer, or its advice in `advies` mode); `referentie`: its
    /// ReferentieNummer as [`prestatie_sleutel`] (to find it in the back office's answer).
    Prestatie {
        product: Option<ProductKey>,
        periode_begin: Datum,
        volume: i32,
        bedrag: i32,
        toegekend: bool,
        referentie: u32,
    },
    /// A behandelplan version covering the toewijzing.
    Plan { versie: u32 },
    /// A resultaatmelding for the toewijzing.
    Resultaat,
    /// A beoordeling of the result.
    Beoordeling,
    /// A declaratie-antwoord (325) posted by the back office, for the declaratie with this
    /// identificatie (interned); `afgekeurd`: the declaratie as a whole was refused.
    DeclaratieAntwoord { declaratie: u32, afgekeurd: bool },
    /// A prestatie the back office's declaratie-antwoord refused: the declaratie's
    /// identificatie (interned) and the prestatie's ReferentieNummer ([`prestatie_sleutel`]).
    Afgewezen { declaratie: u32, prestatie: u32 },
}

/// One line: the client (BSN as a number), the toewijzing (0: none) and the fact.
#[derive(Debug, Clone, PartialEq)]
pub struct Regel {
    pub bsn: u32,
    pub toewijzing: u32,
    pub feit: Feit,
}

/// The compact record of one stored message. Its lines and codes live in the
/// [`super::Berichtenboek`]'s arenas (one allocation for all, not one per message); a record
/// holds where.
#[derive(Debug, Clone, PartialEq)]
pub struct Bericht {
    pub id: u64,
    pub soort: Soort,
    /// AGB-code as a number (8 digits).
    pub aanbieder: u32,
    /// Gemeentecode as a number (4 digits).
    pub gemeente: u16,
    pub uitkomst: Uitkomst,
    /// Rejected on levels 1–2: the standard counts it as never sent.
    pub technisch: bool,
    /// Sluis answered it with a declaratie-antwoord of its own (a 323 in `toetsen` mode).
    pub beantwoord: bool,
    /// The message's own date (Dagtekening, DeclaratieDagtekening, the `datum` of Sluis's own
    /// messages); the receipt day when it has none.
    pub datum: Datum,
    /// The day Sluis received it (Dutch calendar day).
    pub ontvangen: Datum,
    /// Interned BerichtIdentificatie (links a posted 325 to its 323).
    pub identificatie: u32,
    /// Where its lines are in the book (set by [`super::Berichtenboek::push`]); its codes are
    /// found by its id (`codes_len` 0: it has none).
    pub regels_start: u32,
    pub codes_start: u32,
    pub regels_len: u16,
    pub codes_len: u8,
}

/// A record as read, with its lines and codes, before it goes into the book.
#[derive(Debug, Clone, PartialEq)]
pub struct Nieuw {
    pub bericht: Bericht,
    pub regels: Vec<Regel>,
    /// Every retourcode (or own code) of its findings, once each, sorted.
    pub codes: Vec<Code>,
}

impl Bericht {
    pub fn richting(&self) -> Richting {
        self.soort.richting()
    }

    /// A record with no lines or codes yet (the spans are set by the book).
    pub fn leeg() -> Bericht {
        let dag = Datum::from_ymd(1, 1, 1).unwrap_or_else(Datum::today);
        Bericht {
            id: 0,
            soort: Soort::Standaard(Berichtsoort {
                domein: Domein::Ijw,
                nummer: 0,
            }),
            aanbieder: 0,
            gemeente: 0,
            uitkomst: Uitkomst::Afgekeurd,
            technisch: false,
            beantwoord: false,
            datum: dag,
            ontvangen: dag,
            identificatie: 0,
            regels_start: 0,
            codes_start: 0,
            regels_len: 0,
            codes_len: 0,
        }
    }
}

impl Nieuw {
    pub fn new(bericht: Bericht, regels: Vec<Regel>, codes: Vec<Code>) -> Nieuw {
        Nieuw {
            bericht,
            regels,
            codes,
        }
    }
}

/// Interned short texts (ReferentieAanbieder, identificaties): each distinct text once, by a
/// number that fits a line. The texts are kept in order of their numbers (the stored record
/// writes the text, not the number, which is this book's own: [`super::encode`]); the lookup
/// by text is a table of positions only.
#[derive(Default)]
pub struct Referenties {
    texts: Vec<CompactString>,
    /// Positions in `texts`, hashed by the text.
    ids: HashTable<u32>,
    hasher: RandomState,
}

impl std::fmt::Debug for Referenties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Referenties")
            .field("len", &self.texts.len())
            .finish()
    }
}

impl Referenties {
    fn position(&self, s: &str) -> Option<u32> {
        let h = self.hasher.hash_one(s);
        self.ids.find(h, |&i| self.texts[i as usize] == s).copied()
    }

    /// The number of `s` (given the next free one when new); 0 is never given.
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(i) = self.position(s) {
            return i + 1;
        }
        let i = self.texts.len() as u32;
        self.texts.push(s.into());
        let (texts, hasher) = (&self.texts, &self.hasher);
        self.ids.insert_unique(hasher.hash_one(s), i, |&j| {
            hasher.hash_one(texts[j as usize].as_str())
        });
        i + 1
    }

    /// The number of `s`, when known.
    pub fn get(&self, s: &str) -> Option<u32> {
        self.position(s).map(|i| i + 1)
    }

    /// The text of number `n`, when it was given.
    pub fn text(&self, n: u32) -> Option<&str> {
        let i = n.checked_sub(1)? as usize;
        self.texts.get(i).map(CompactString::as_str)
    }

    pub fn len(&self) -> usize {
        self.texts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// Bytes held: the texts (inline up to 24 bytes, else on the heap) and the table.
    pub fn bytes(&self) -> usize {
        let heap: usize = self
            .texts
            .iter()
            .filter(|t| t.is_heap_allocated())
            .map(|t| t.capacity())
            .sum();
        self.texts.capacity() * std::mem::size_of::<CompactString>()
            + self.ids.capacity() * (std::mem::size_of::<u32>() + 1)
            + heap
    }

    /// Give back the room the tables grew into.
    pub fn shrink(&mut self) {
        self.texts.shrink_to_fit();
        let (texts, hasher) = (&self.texts, &self.hasher);
        self.ids
            .shrink_to_fit(|&j| hasher.hash_one(texts[j as usize].as_str()));
    }
}

/// One finding of a judged message, as far as the figures look at it.
#[derive(Debug, Clone, Copy)]
pub struct Bevinding<'a> {
    /// `XSD`, `TR019`, `SL020` …
    pub code: &'a str,
    pub retourcode: Option<&'a str>,
    pub path: &'a str,
}

/// The judgement of a message, whatever it is read from (the decision, or a stored record).
#[derive(Debug, Clone, Copy)]
pub struct Oordeel<'a> {
    pub id: u64,
    pub accepted: bool,
    pub granted: bool,
    /// Sluis wrote a retourbericht for it.
    pub beantwoord: bool,
    pub ontvangen: Datum,
    pub findings: &'a [Bevinding<'a>],
}

impl Oordeel<'_> {
    fn technisch(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.code == "XSD" || f.retourcode.is_none_or(|c| c == "0001"))
    }

    fn codes(&self) -> Vec<Code> {
        let mut codes: Vec<Code> = self
            .findings
            .iter()
            .filter_map(|f| Code::new(f.retourcode.unwrap_or(f.code)))
            .collect();
        codes.sort();
        codes.dedup();
        codes
    }

    /// Whether the prestatie at `path` was granted (the rule of `accepted_effects`).
    fn granted(&self, technisch: bool, path: &str) -> bool {
        if self.accepted {
            return true;
        }
        let clients = "/Bericht/Declaratie/Clienten/Client[";
        if technisch || self.findings.iter().any(|f| !f.path.starts_with(clients)) {
            return false;
        }
        let within = |p: &str, class: &str| {
            p.strip_prefix(class)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        let client = path.find("/Prestaties/").map_or(path, |i| &path[..i]);
        !self.findings.iter().any(|f| {
            within(f.path, path)
                || (within(f.path, client) && !f.path[client.len()..].contains("/Prestatie["))
        })
    }
}

fn number<T: std::str::FromStr>(s: &str) -> Option<T> {
    s.trim().parse().ok()
}

fn bsn_number(b: &Bsn) -> u32 {
    number(b.as_str()).unwrap_or(0)
}

fn client_bsn(client: &Element) -> u32 {
    owned(client, "Bsn").and_then(|b| number(&b)).unwrap_or(0)
}

fn product_key(categorie: Option<&str>, code: Option<&str>) -> Option<ProductKey> {
    code.or(categorie).and_then(Code::new)
}

/// The record of one of the standard's messages; `None` when its header cannot be read.
pub fn van_standaard(doc: &Document, o: &Oordeel<'_>, refs: &mut Referenties) -> Option<Nieuw> {
    let h = Header::of(doc)?;
    let soort = Berichtsoort {
        domein: h.domein,
        nummer: h.nummer,
    };
    let technisch = o.technisch();
    let mut datum = h.dagtekening.unwrap_or(o.ontvangen);
    let mut regels = Vec::new();
    let nummer_of = |e: &Element| owned(e, "ToewijzingNummer").and_then(|n| number(&n));
    match h.nummer {
        315 => {
            for c in clients_of(doc) {
                let bsn = client_bsn(c);
                for p in c
                    .children_named("AangevraagdeProducten")
                    .flat_map(|p| p.children())
                {
                    if let Some(r) = owned(p, "ReferentieAanbieder") {
                        regels.push(Regel {
                            bsn,
                            toewijzing: 0,
                            feit: Feit::Verzoek {
                                referentie: refs.intern(&r),
                            },
                        });
                    }
                }
            }
        }
        317 => {
            for c in clients_of(doc) {
                let bsn = client_bsn(c);
                if let Some(r) = c
                    .child("Verzoek")
                    .and_then(|v| owned(v, "ReferentieAanbieder"))
                {
                    regels.push(Regel {
                        bsn,
                        toewijzing: 0,
                        feit: Feit::Verzoek {
                            referentie: refs.intern(&r),
                        },
                    });
                }
            }
        }
        301 => {
            for c in clients_of(doc) {
                let bsn = client_bsn(c);
                for p in c
                    .children_named("ToegewezenProducten")
                    .flat_map(|p| p.children())
                {
                    let (Some(nummer), Some(toewijzingsdatum), Some(ingangsdatum)) = (
                        nummer_of(p),
                        date(p, "Toewijzingsdatum"),
                        date(p, "Ingangsdatum"),
                    ) else {
                        continue;
                    };
                    let product = p.child("Product").and_then(|pr| {
                        product_key(
                            owned(pr, "Categorie").as_deref(),
                            owned(pr, "Code").as_deref(),
                        )
                    });
                    let omvang = p.child("Omvang").and_then(|om| {
                        let v = u32::try_from(int(om, "Volume")?).ok()?;
                        Some((v, Frequentie::parse(&owned(om, "Frequentie")?)?))
                    });
                    let volume = super::volume_totaal(omvang, ingangsdatum, date(p, "Einddatum"))
                        .and_then(|v| u32::try_from(v).ok())
                        .filter(|v| *v != u32::MAX)
                        .unwrap_or(u32::MAX);
                    regels.push(Regel {
                        bsn,
                        toewijzing: nummer,
                        feit: Feit::Toewijzing {
                            referentie: owned(p, "ReferentieAanbieder")
                                .map_or(0, |r| refs.intern(&r)),
                            product,
                            toewijzingsdatum,
                            ingangsdatum,
                            volume,
                        },
                    });
                }
            }
        }
        319 => {
            for a in doc.children.iter().filter(|e| e.name() == "Antwoord") {
                if let Some(r) = owned(a, "ReferentieAanbieder") {
                    regels.push(Regel {
                        bsn: 0,
                        toewijzing: 0,
                        feit: Feit::Antwoord {
                            referentie: refs.intern(&r),
                        },
                    });
                }
            }
        }
        305 | 307 => {
            let (list, line) = if h.nummer == 305 {
                ("StartProducten", "Begindatum")
            } else {
                ("StopProducten", "Einddatum")
            };
            for c in clients_of(doc) {
                let bsn = client_bsn(c);
                for p in c.children_named(list).flat_map(|p| p.children()) {
                    let (Some(nummer), Some(d)) = (nummer_of(p), date(p, line)) else {
                        continue;
                    };
                    let feit = if h.nummer == 305 {
                        Feit::Start { begindatum: d }
                    } else {
                        Feit::Stop { einddatum: d }
                    };
                    regels.push(Regel {
                        bsn,
                        toewijzing: nummer,
                        feit,
                    });
                }
            }
        }
        323 => {
            let decl = doc.children.iter().find(|e| e.name() == "Declaratie")?;
            if let Some(d) = date(decl, "DeclaratieDagtekening") {
                datum = d;
            }
            if let Some(eind) = date2(decl, "DeclaratiePeriode", "Einddatum") {
                regels.push(Regel {
                    bsn: 0,
                    toewijzing: 0,
                    feit: Feit::Declaratie { periode_eind: eind },
                });
            }
            let clienten = decl.children_named("Clienten").flat_map(|c| c.children());
            for (ci, c) in clienten.enumerate() {
                let bsn = client_bsn(c);
                let prestaties = c.children_named("Prestaties").flat_map(|p| p.children());
                for (pi, p) in prestaties.enumerate() {
                    let Some(pr) = Prestatie::of(p) else {
                        continue;
                    };
                    let path = format!(
                        "/Bericht/Declaratie/Clienten/Client[{}]/Prestaties/Prestatie[{}]",
                        ci + 1,
                        pi + 1
                    );
                    let sign = if pr.credit { -1 } else { 1 };
                    regels.push(Regel {
                        bsn,
                        toewijzing: number(&pr.toewijzingnummer).unwrap_or(0),
                        feit: Feit::Prestatie {
                            product: product_key(pr.categorie.as_deref(), pr.code.as_deref()),
                            periode_begin: pr.periode.begin,
                            // Both at most 99,999,999 by the XSD.
                            volume: sign * i32::try_from(pr.volume).unwrap_or(i32::MAX),
                            bedrag: sign * i32::try_from(pr.bedrag).unwrap_or(i32::MAX),
                            toegekend: o.granted(technisch, &path),
                            referentie: prestatie_sleutel(&pr.referentienummer),
                        },
                    });
                }
            }
        }
        325 => {
            let declaratie = doc
                .text("Header/DeclaratieIdentificatie/Identificatie")
                .map(|i| refs.intern(&i));
            if let Some(declaratie) = declaratie {
                let header = doc.children.iter().find(|e| e.name() == "Header");
                let antwoord = doc
                    .children
                    .iter()
                    .find(|e| e.name() == "DeclaratieAntwoord");
                // Refused whole: a technical rejection in the header (0001), or a code on the
                // DeclaratieAntwoord other than 0200 (geen opmerking) and 8001 (volledig
                // toegewezen), as TR342 reads it.
                let afgekeurd = header.is_some_and(|h| weigert(h, &[]))
                    || antwoord.is_none()
                    || antwoord.is_some_and(|a| weigert(a, &["8001"]));
                regels.push(Regel {
                    bsn: 0,
                    toewijzing: 0,
                    feit: Feit::DeclaratieAntwoord {
                        declaratie,
                        afgekeurd,
                    },
                });
                // The prestaties it lists are the refused ones (a granted one is not listed).
                let clienten = antwoord
                    .into_iter()
                    .flat_map(|a| a.children_named("Clienten"))
                    .flat_map(|c| c.children());
                for c in clienten {
                    let bsn = client_bsn(c);
                    let prestaties = c.children_named("Prestaties").flat_map(|p| p.children());
                    for p in prestaties {
                        let Some(r) = p
                            .child("ProductReferentie")
                            .and_then(|r| owned(r, "ReferentieNummer"))
                        else {
                            continue;
                        };
                        regels.push(Regel {
                            bsn,
                            toewijzing: owned(p, "ToewijzingNummer")
                                .and_then(|n| number(&n))
                                .unwrap_or(0),
                            feit: Feit::Afgewezen {
                                declaratie,
                                prestatie: prestatie_sleutel(&r),
                            },
                        });
                    }
                }
            }
        }
        _ => {}
    }
    Some(Nieuw::new(
        Bericht {
            id: o.id,
            soort: Soort::Standaard(soort),
            aanbieder: number(&h.parties.aanbieder).unwrap_or(0),
            gemeente: number(&h.parties.gemeente).unwrap_or(0),
            uitkomst: Uitkomst::of(o.accepted, o.granted),
            technisch,
            beantwoord: o.beantwoord && h.nummer == 323,
            datum,
            ontvangen: o.ontvangen,
            // Only a declaratie is looked up by its identificatie (by a posted 325): interning every
            // message's would cost tens of megabytes at a million messages.
            identificatie: if h.nummer == 323 {
                refs.intern(&h.identificatie)
            } else {
                0
            },
            ..Bericht::leeg()
        },
        regels,
        o.codes(),
    ))
}

/// The record of one of Sluis's own messages (behandelplan, resultaatmelding, beoordeling).
pub fn van_eigen(b: &doelbereik::Bericht, o: &Oordeel<'_>) -> Nieuw {
    use doelbereik::Bericht as B;
    let (gemeente, aanbieder, bsn, datum) = match b {
        B::Behandelplan(p) => (&p.gemeente, p.toewijzing_aanbieder(), &p.bsn, p.datum),
        B::Resultaatmelding(r) => (&r.gemeente, r.toewijzing_aanbieder(), &r.bsn, r.datum),
        B::Beoordeling(r) => (&r.gemeente, r.aanbieder.as_str(), &r.bsn, r.datum),
    };
    let bsn = bsn_number(bsn);
    let regels: Vec<Regel> = match b {
        B::Behandelplan(p) => p
            .toewijzingnummers
            .iter()
            .filter_map(|n| number(n))
            .map(|toewijzing| Regel {
                bsn,
                toewijzing,
                feit: Feit::Plan { versie: p.versie },
            })
            .collect(),
        B::Resultaatmelding(r) => number(&r.toewijzingnummer)
            .map(|toewijzing| Regel {
                bsn,
                toewijzing,
                feit: Feit::Resultaat,
            })
            .into_iter()
            .collect(),
        B::Beoordeling(r) => number(&r.toewijzingnummer)
            .map(|toewijzing| Regel {
                bsn,
                toewijzing,
                feit: Feit::Beoordeling,
            })
            .into_iter()
            .collect(),
    };
    Nieuw::new(
        Bericht {
            id: o.id,
            soort: Soort::Eigen(b.domein(), b.kind()),
            aanbieder: number(aanbieder).unwrap_or(0),
            gemeente: number(gemeente).unwrap_or(0),
            uitkomst: Uitkomst::of(o.accepted, false),
            technisch: !o.accepted && o.findings.iter().any(|f| f.retourcode.is_none()),
            beantwoord: false,
            datum,
            ontvangen: o.ontvangen,
            identificatie: 0,
            ..Bericht::leeg()
        },
        regels,
        o.codes(),
    )
}

/// Whether `e`'s RetourCodes hold a code other than 0200 (geen opmerking) and `ook`.
fn weigert(e: &Element, ook: &[&str]) -> bool {
    e.children_named("RetourCodes")
        .flat_map(|rc| rc.children())
        .filter_map(|c| c.value().map(|v| v.lexical().into_owned()))
        .any(|c| c != "0200" && !ook.contains(&c.as_str()))
}

/// A prestatie's ReferentieNummer as a number: FNV-1a over its text. Not interned (there is
/// one per prestatie, the most numerous line of all); only compared within one declaratie,
/// where two of its prestaties would have to collide in 32 bits to be confused.
pub fn prestatie_sleutel(referentie: &str) -> u32 {
    referentie.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

fn clients_of(doc: &Document) -> impl Iterator<Item = &Element> {
    doc.children.iter().filter(|e| e.name() == "Client")
}
