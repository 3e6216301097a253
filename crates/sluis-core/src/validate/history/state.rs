//! What the cross-message rules remember of earlier accepted messages, keyed by the standard's
//! logical keys; the rules read it through the `History` view (`view.rs`).
//!
//! Every record lives in one [`Tree`] under a byte key built from its logical key (each part
//! followed by a 0 byte, so a prefix of whole parts selects exactly the records that share
//! those parts). A few lookups go by another key than the primary one; for those there are
//! index trees whose entries point at the primary key. A store backs `History` with one sled
//! tree per [`Tree`] and needs only `History::get` and `History::scan`; the typed lookups the
//! rules use are built on those two.

use crate::standard::types::{Bsn, Datum, Tijd};
use serde::{Deserialize, Serialize};

/// The legal domain (wettelijk domein): numbers that must be unique are unique per domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Domein {
    /// Jeugdwet, iJw (JWxxx messages).
    Ijw,
    /// Wmo, iWmo (WMOxxx messages).
    Iwmo,
}

impl Domein {
    pub fn as_str(self) -> &'static str {
        match self {
            Domein::Ijw => "ijw",
            Domein::Iwmo => "iwmo",
        }
    }

    /// The domain of a message code (`JW301` → iJw, `WMO323` → iWmo).
    pub fn of_code(code: &str) -> Option<Domein> {
        if code.starts_with("JW") {
            Some(Domein::Ijw)
        } else if code.starts_with("WMO") {
            Some(Domein::Iwmo)
        } else {
            None
        }
    }
}

/// The two parties of a message: the municipality and the care provider, whichever sent it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Parties {
    pub domein: Domein,
    /// CBS gemeentecode (4 digits).
    pub gemeente: String,
    /// AGB-code of the aanbieder (8 digits).
    pub aanbieder: String,
}

/// A product as the messages name it: category and (optional) product code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Product {
    pub categorie: Option<String>,
    pub code: Option<String>,
}

/// Omvang of a toewijzing: Volume per Eenheid (WJ756) per Frequentie (WMO757).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Omvang {
    pub volume: i64,
    pub eenheid: String,
    pub frequentie: String,
}

/// A period from begin to end, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Periode {
    pub begin: Datum,
    pub eind: Datum,
}

/// Berichtsoort, afzender and identificatie of an accepted message (TR056).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentificatieRecord {
    /// The message code: `JW301`, `WMO323` …
    pub berichtsoort: String,
    pub afzender: String,
    pub identificatie: String,
    pub dagtekening: Option<Datum>,
}

/// One version of a toegewezen product, as sent in one JW301/WMO301. Versions of the same
/// toewijzing share (domein, gemeente, toewijzingnummer); the one with the latest
/// toewijzingsdatum and -tijd is the current one (OP033x1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToewijzingVersie {
    pub parties: Parties,
    pub bsn: Bsn,
    pub toewijzingnummer: String,
    pub referentie_aanbieder: Option<String>,
    pub product: Product,
    pub toewijzingsdatum: Datum,
    pub toewijzingstijd: Tijd,
    pub ingangsdatum: Datum,
    pub einddatum: Option<Datum>,
    pub reden_wijziging: Option<String>,
    pub omvang: Option<Omvang>,
    /// Budget in euro cents.
    pub budget: Option<i64>,
    /// Identificatie of the JW301 that carried this version.
    pub identificatie: String,
}

impl ToewijzingVersie {
    /// Removed (RedenWijziging 13): to be treated as never sent.
    pub fn verwijderd(&self) -> bool {
        self.reden_wijziging.as_deref() == Some("13")
    }

    /// Not an actual toewijzing at all: Einddatum = Ingangsdatum with RedenWijziging 13 or 01
    /// (OP087, TR349).
    pub fn vervallen(&self) -> bool {
        matches!(self.reden_wijziging.as_deref(), Some("13" | "01"))
            && self.einddatum == Some(self.ingangsdatum)
    }

    /// Actual on `dag`: not vervallen and not ended before `dag` (TR349–TR351).
    pub fn actueel_op(&self, dag: Datum) -> bool {
        !self.vervallen() && self.einddatum.is_none_or(|e| e >= dag)
    }
}

/// A toewijzing with all its known versions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToewijzingState {
    pub versions: Vec<ToewijzingVersie>,
}

impl ToewijzingState {
    /// The leading version: latest toewijzingsdatum and -tijd.
    pub fn current(&self) -> Option<&ToewijzingVersie> {
        self.versions
            .iter()
            .max_by_key(|v| (v.toewijzingsdatum, v.toewijzingstijd))
    }
}

/// A StartProduct with StatusAanlevering 1 that has not been removed (StatusAanlevering 3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartRecord {
    pub parties: Parties,
    pub bsn: Bsn,
    pub toewijzingnummer: String,
    pub product: Product,
    pub toewijzing_ingangsdatum: Option<Datum>,
    pub begindatum: Datum,
    pub identificatie: String,
}

/// A StopProduct with StatusAanlevering 1 that has not been removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopRecord {
    pub parties: Parties,
    pub bsn: Bsn,
    pub toewijzingnummer: String,
    pub product: Product,
    pub toewijzing_ingangsdatum: Option<Datum>,
    pub begindatum: Datum,
    pub reden_beeindiging: String,
    pub einddatum: Datum,
    pub identificatie: String,
}

/// A granted prestatie of a declaratie (debet or credit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrestatieRecord {
    pub parties: Parties,
    pub bsn: Bsn,
    pub referentienummer: String,
    pub vorig_referentienummer: Option<String>,
    pub toewijzingnummer: String,
    pub product: Product,
    pub periode: Periode,
    pub geleverd_volume: i64,
    pub eenheid: String,
    pub product_tarief: Option<i64>,
    /// IngediendBedrag in euro cents, without sign.
    pub bedrag: i64,
    /// DebetCredit `C`.
    pub credit: bool,
    pub declaratienummer: String,
}

/// A declaratie whose Declaratie berichtklasse was accepted (TR318, TR333).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaratieRecord {
    pub parties: Parties,
    pub declaratienummer: String,
    pub periode: Periode,
    pub identificatie: String,
}

/// A verzoek om toewijzing (one per AangevraagdProduct) or verzoek om wijziging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerzoekRecord {
    pub parties: Parties,
    pub bsn: Bsn,
    pub referentie_aanbieder: String,
    /// 315 or 317.
    pub soort: u16,
    /// The toewijzingen a 317 names (OngewijzigdProduct and TeWijzigenProduct).
    pub toewijzingnummers: Vec<String>,
    pub identificatie: String,
}

/// An antwoord (JW319) on a verzoek.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AntwoordRecord {
    pub parties: Parties,
    pub referentie_aanbieder: String,
    /// WJ760: 1 afgewezen, 2 in onderzoek.
    pub verzoek_antwoord: String,
    pub identificatie: String,
}

/// Every kind of record the history holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Record {
    Identificatie(IdentificatieRecord),
    Toewijzing(ToewijzingVersie),
    Start(StartRecord),
    Stop(StopRecord),
    Prestatie(PrestatieRecord),
    Declaratie(DeclaratieRecord),
    Verzoek(VerzoekRecord),
    Antwoord(AntwoordRecord),
}

/// The trees (sled trees, in a store) of the history. The key of each is given in order of its
/// parts; `index` trees map their key to the primary key of a record in another tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Tree {
    /// (berichtsoort, afzender, identificatie)
    Identificaties,
    /// (domein, gemeente, toewijzingnummer, toewijzingsdatum, toewijzingstijd)
    Toewijzingen,
    /// index → Toewijzingen: (domein, gemeente, aanbieder, bsn, toewijzingnummer, datum, tijd)
    ToewijzingenPerClient,
    /// index → Toewijzingen: (domein, aanbieder, referentie, gemeente, toewijzingnummer, datum, tijd)
    ToewijzingenPerReferentie,
    /// (domein, gemeente, aanbieder, bsn, toewijzingnummer, categorie, code, begindatum)
    Starts,
    /// (domein, gemeente, aanbieder, bsn, toewijzingnummer, categorie, code, begindatum,
    /// einddatum, reden beëindiging)
    Stops,
    /// (domein, aanbieder, referentienummer)
    Prestaties,
    /// index → Prestaties: (domein, gemeente, toewijzingnummer, aanbieder, referentienummer)
    PrestatiesPerToewijzing,
    /// index → Prestaties, credits only: (domein, aanbieder, vorig referentienummer, referentienummer)
    Credits,
    /// (domein, aanbieder, declaratienummer)
    Declaraties,
    /// index → Declaraties: (domein, aanbieder, gemeente, begindatum, declaratienummer)
    DeclaratiesPerPartij,
    /// (domein, aanbieder, referentie aanbieder)
    Verzoeken,
    /// index → Verzoeken: (domein, gemeente, aanbieder, bsn, referentie)
    VerzoekenPerClient,
    /// (domein, aanbieder, referentie aanbieder, identificatie of the 319)
    Antwoorden,
}

impl Tree {
    pub const ALL: [Tree; 14] = [
        Tree::Identificaties,
        Tree::Toewijzingen,
        Tree::ToewijzingenPerClient,
        Tree::ToewijzingenPerReferentie,
        Tree::Starts,
        Tree::Stops,
        Tree::Prestaties,
        Tree::PrestatiesPerToewijzing,
        Tree::Credits,
        Tree::Declaraties,
        Tree::DeclaratiesPerPartij,
        Tree::Verzoeken,
        Tree::VerzoekenPerClient,
        Tree::Antwoorden,
    ];

    /// The name of the sled tree.
    pub fn name(self) -> &'static str {
        match self {
            Tree::Identificaties => "identificaties",
            Tree::Toewijzingen => "toewijzingen",
            Tree::ToewijzingenPerClient => "toewijzingen_per_client",
            Tree::ToewijzingenPerReferentie => "toewijzingen_per_referentie",
            Tree::Starts => "starts",
            Tree::Stops => "stops",
            Tree::Prestaties => "prestaties",
            Tree::PrestatiesPerToewijzing => "prestaties_per_toewijzing",
            Tree::Credits => "credits",
            Tree::Declaraties => "declaraties",
            Tree::DeclaratiesPerPartij => "declaraties_per_partij",
            Tree::Verzoeken => "verzoeken",
            Tree::VerzoekenPerClient => "verzoeken_per_client",
            Tree::Antwoorden => "antwoorden",
        }
    }

    /// For an index tree, the tree its entries point into.
    pub fn primary(self) -> Option<Tree> {
        match self {
            Tree::ToewijzingenPerClient | Tree::ToewijzingenPerReferentie => {
                Some(Tree::Toewijzingen)
            }
            Tree::PrestatiesPerToewijzing | Tree::Credits => Some(Tree::Prestaties),
            Tree::DeclaratiesPerPartij => Some(Tree::Declaraties),
            Tree::VerzoekenPerClient => Some(Tree::Verzoeken),
            _ => None,
        }
    }
}

/// A key (or prefix of whole parts): each part followed by a 0 byte. XML text cannot hold a 0,
/// so parts never run into each other.
pub fn key(parts: &[&str]) -> Vec<u8> {
    let mut k = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for p in parts {
        k.extend_from_slice(p.as_bytes());
        k.push(0);
    }
    k
}

fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

impl Record {
    /// The tree and primary key of this record.
    pub fn key(&self) -> (Tree, Vec<u8>) {
        match self {
            Record::Identificatie(r) => (
                Tree::Identificaties,
                key(&[&r.berichtsoort, &r.afzender, &r.identificatie]),
            ),
            Record::Toewijzing(r) => (
                Tree::Toewijzingen,
                key(&[
                    r.parties.domein.as_str(),
                    &r.parties.gemeente,
                    &r.toewijzingnummer,
                    &r.toewijzingsdatum.to_string(),
                    &r.toewijzingstijd.to_string(),
                ]),
            ),
            Record::Start(r) => (
                Tree::Starts,
                key(&[
                    r.parties.domein.as_str(),
                    &r.parties.gemeente,
                    &r.parties.aanbieder,
                    r.bsn.as_str(),
                    &r.toewijzingnummer,
                    opt(&r.product.categorie),
                    opt(&r.product.code),
                    &r.begindatum.to_string(),
                ]),
            ),
            Record::Stop(r) => (
                Tree::Stops,
                key(&[
                    r.parties.domein.as_str(),
                    &r.parties.gemeente,
                    &r.parties.aanbieder,
                    r.bsn.as_str(),
                    &r.toewijzingnummer,
                    opt(&r.product.categorie),
                    opt(&r.product.code),
                    &r.begindatum.to_string(),
                    &r.einddatum.to_string(),
                    &r.reden_beeindiging,
                ]),
            ),
            Record::Prestatie(r) => (
                Tree::Prestaties,
                key(&[
                    r.parties.domein.as_str(),
                    &r.parties.aanbieder,
                    &r.referentienummer,
                ]),
            ),
            Record::Declaratie(r) => (
                Tree::Declaraties,
                key(&[
                    r.parties.domein.as_str(),
                    &r.parties.aanbieder,
                    &r.declaratienummer,
                ]),
            ),
            Record::Verzoek(r) => (
                Tree::Verzoeken,
                key(&[
                    r.parties.domein.as_str(),
                    &r.parties.aanbieder,
                    &r.referentie_aanbieder,
                ]),
            ),
            Record::Antwoord(r) => (
                Tree::Antwoorden,
                key(&[
                    r.parties.domein.as_str(),
                    &r.parties.aanbieder,
                    &r.referentie_aanbieder,
                    &r.identificatie,
                ]),
            ),
        }
    }

    /// The index entries that point at this record.
    pub fn index_keys(&self) -> Vec<(Tree, Vec<u8>)> {
        match self {
            Record::Toewijzing(r) => {
                let (d, t) = (
                    r.toewijzingsdatum.to_string(),
                    r.toewijzingstijd.to_string(),
                );
                let mut out = vec![(
                    Tree::ToewijzingenPerClient,
                    key(&[
                        r.parties.domein.as_str(),
                        &r.parties.gemeente,
                        &r.parties.aanbieder,
                        r.bsn.as_str(),
                        &r.toewijzingnummer,
                        &d,
                        &t,
                    ]),
                )];
                if let Some(referentie) = &r.referentie_aanbieder {
                    out.push((
                        Tree::ToewijzingenPerReferentie,
                        key(&[
                            r.parties.domein.as_str(),
                            &r.parties.aanbieder,
                            referentie,
                            &r.parties.gemeente,
                            &r.toewijzingnummer,
                            &d,
                            &t,
                        ]),
                    ));
                }
                out
            }
            Record::Prestatie(r) => {
                let mut out = vec![(
                    Tree::PrestatiesPerToewijzing,
                    key(&[
                        r.parties.domein.as_str(),
                        &r.parties.gemeente,
                        &r.toewijzingnummer,
                        &r.parties.aanbieder,
                        &r.referentienummer,
                    ]),
                )];
                if let (true, Some(vorig)) = (r.credit, &r.vorig_referentienummer) {
                    out.push((
                        Tree::Credits,
                        key(&[
                            r.parties.domein.as_str(),
                            &r.parties.aanbieder,
                            vorig,
                            &r.referentienummer,
                        ]),
                    ));
                }
                out
            }
            Record::Declaratie(r) => vec![(
                Tree::DeclaratiesPerPartij,
                key(&[
                    r.parties.domein.as_str(),
                    &r.parties.aanbieder,
                    &r.parties.gemeente,
                    &r.periode.begin.to_string(),
                    &r.declaratienummer,
                ]),
            )],
            Record::Verzoek(r) => vec![(
                Tree::VerzoekenPerClient,
                key(&[
                    r.parties.domein.as_str(),
                    &r.parties.gemeente,
                    &r.parties.aanbieder,
                    r.bsn.as_str(),
                    &r.referentie_aanbieder,
                ]),
            )],
            _ => Vec::new(),
        }
    }
}

/// One change of state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    /// Store `record` under `key` in `tree` (replacing what was there).
    Put {
        tree: Tree,
        key: Vec<u8>,
        record: Box<Record>,
    },
    /// Store an index entry: `key` in index `tree` points at `primary` in `tree.primary()`.
    Index {
        tree: Tree,
        key: Vec<u8>,
        primary: Vec<u8>,
    },
    /// Remove the record or index entry under `key` in `tree`: a message removes only starts
    /// and stops (they have no index entries); the retention policy removes a whole dossier,
    /// its index entries with it (`crate::dossier`).
    Remove { tree: Tree, key: Vec<u8> },
}

/// What an accepted message changes, in order; to be applied as one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Effects(pub Vec<Effect>);

impl Effects {
    /// Add a put of `record` and its index entries.
    pub fn put(&mut self, record: Record) {
        let (tree, primary) = record.key();
        for (index, key) in record.index_keys() {
            self.0.push(Effect::Index {
                tree: index,
                key,
                primary: primary.clone(),
            });
        }
        self.0.push(Effect::Put {
            tree,
            key: primary,
            record: Box::new(record),
        });
    }

    pub fn remove(&mut self, record: &Record) {
        let (tree, key) = record.key();
        self.0.push(Effect::Remove { tree, key });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The records put, in order.
    pub fn puts(&self) -> impl Iterator<Item = &Record> {
        self.0.iter().filter_map(|e| match e {
            Effect::Put { record, .. } => Some(record.as_ref()),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::history::view::{History, MemoryHistory};

    fn start(nummer: &str, begin: &str) -> Record {
        Record::Start(StartRecord {
            parties: Parties {
                domein: Domein::Ijw,
                gemeente: "0599".into(),
                aanbieder: "12345678".into(),
            },
            bsn: Bsn::parse("999990019").expect("bsn"),
            toewijzingnummer: nummer.into(),
            product: Product::default(),
            toewijzing_ingangsdatum: None,
            begindatum: Datum::parse(begin).expect("date"),
            identificatie: "S1".into(),
        })
    }

    #[test]
    fn a_prefix_of_whole_parts_selects_exactly() {
        let mut h = MemoryHistory::new();
        let mut e = Effects::default();
        e.put(start("700", "2026-01-01"));
        e.put(start("7001", "2026-01-01"));
        e.put(start("7001", "2026-02-01"));
        h.apply(&e);
        let p = Parties {
            domein: Domein::Ijw,
            gemeente: "0599".into(),
            aanbieder: "12345678".into(),
        };
        let bsn = Bsn::parse("999990019").expect("bsn");
        assert_eq!(h.starts(&p, &bsn, "700").len(), 1);
        assert_eq!(h.starts(&p, &bsn, "7001").len(), 2);
        assert!(h.starts(&p, &bsn, "70").is_empty());
        let other = Parties {
            domein: Domein::Iwmo,
            ..p.clone()
        };
        assert!(h.starts(&other, &bsn, "7001").is_empty());
        // Removing by the record's key.
        let mut r = Effects::default();
        r.remove(&start("7001", "2026-01-01"));
        h.apply(&r);
        assert_eq!(h.starts(&p, &bsn, "7001").len(), 1);
    }

    #[test]
    fn keys_end_every_part() {
        assert_eq!(key(&["a", "", "bc"]), b"a\0\0bc\0");
    }

    #[test]
    fn records_round_trip_through_json() {
        let r = start("7001", "2026-01-01");
        let json = serde_json::to_string(&r).expect("serializes");
        assert!(
            json.contains("\"999990019\""),
            "the store holds the BSN itself"
        );
        assert_eq!(
            serde_json::from_str::<Record>(&json).expect("deserializes"),
            r
        );
        assert!(
            !format!("{r:?}").contains("999990019"),
            "Debug never shows it"
        );
    }
}
