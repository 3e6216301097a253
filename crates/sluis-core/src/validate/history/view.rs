//! How the rules read the history: the [`History`] view (a store implements `get` and `scan`,
//! the typed lookups are built on them), the [`ReadFault`] of a view that could not be read,
//! and the in-memory trees ([`MemoryTrees`], [`MemoryHistory`]) that tests, the demo and the
//! decision's model use.

use super::state::{
    key, AntwoordRecord, DeclaratieRecord, Domein, Effect, Effects, Parties, PrestatieRecord,
    Record, StartRecord, StopRecord, ToewijzingState, ToewijzingVersie, Tree, VerzoekRecord,
};
use crate::standard::types::Bsn;
use std::collections::BTreeMap;

/// A view could not be read (an I/O error, a record that cannot be opened or decoded). The
/// judgement it was used for is void: the message fails closed, nothing is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("de historie kon niet gelezen worden: {0}")]
pub struct ReadFault(pub String);

/// Read-only access to the history of accepted messages.
///
/// A store implements [`get`](History::get) and [`scan`](History::scan); the typed lookups
/// are provided on top of them (a store may override them with something faster).
///
/// The rules are plain functions over this view and read it as if it cannot fail. A view
/// that can fail (a store) keeps its first fault, answers nothing after it, and reports it
/// through [`fault`](History::fault); whoever judges with the view asks that afterwards and
/// then throws the judgement away (`intake::decide` does). An error never reads as "absent".
pub trait History {
    /// The record under `key` in a primary tree.
    fn get(&self, tree: Tree, key: &[u8]) -> Option<Record>;

    /// The records whose key in `tree` starts with `prefix`, in key order. For an index tree:
    /// the primary records its matching entries point at.
    fn scan(&self, tree: Tree, prefix: &[u8]) -> Vec<Record>;

    /// The first read that failed on this view, if any.
    fn fault(&self) -> Option<ReadFault> {
        None
    }

    /// Whether `afzender` already sent a `berichtsoort` with this identificatie (TR056).
    fn identificatie_bekend(
        &self,
        berichtsoort: &str,
        afzender: &str,
        identificatie: &str,
    ) -> bool {
        self.get(
            Tree::Identificaties,
            &key(&[berichtsoort, afzender, identificatie]),
        )
        .is_some()
    }

    /// All versions of a toewijzing, by its number within the gemeente and domain.
    fn toewijzing(&self, domein: Domein, gemeente: &str, nummer: &str) -> Option<ToewijzingState> {
        let versions: Vec<ToewijzingVersie> = self
            .scan(
                Tree::Toewijzingen,
                &key(&[domein.as_str(), gemeente, nummer]),
            )
            .into_iter()
            .filter_map(|r| match r {
                Record::Toewijzing(v) => Some(v),
                _ => None,
            })
            .collect();
        (!versions.is_empty()).then_some(ToewijzingState { versions })
    }

    /// The toewijzingen of one client from a gemeente to an aanbieder.
    fn toewijzingen_van_client(&self, p: &Parties, bsn: &Bsn) -> Vec<ToewijzingState> {
        let mut by_nummer: BTreeMap<String, Vec<ToewijzingVersie>> = BTreeMap::new();
        let prefix = key(&[p.domein.as_str(), &p.gemeente, &p.aanbieder, bsn.as_str()]);
        for r in self.scan(Tree::ToewijzingenPerClient, &prefix) {
            if let Record::Toewijzing(v) = r {
                by_nummer
                    .entry(v.toewijzingnummer.clone())
                    .or_default()
                    .push(v);
            }
        }
        by_nummer
            .into_values()
            .map(|versions| ToewijzingState { versions })
            .collect()
    }

    /// Toewijzing versions that carry this ReferentieAanbieder (TR359, TR374).
    fn toewijzingen_met_referentie(
        &self,
        domein: Domein,
        aanbieder: &str,
        referentie: &str,
    ) -> Vec<ToewijzingVersie> {
        self.scan(
            Tree::ToewijzingenPerReferentie,
            &key(&[domein.as_str(), aanbieder, referentie]),
        )
        .into_iter()
        .filter_map(|r| match r {
            Record::Toewijzing(v) => Some(v),
            _ => None,
        })
        .collect()
    }

    /// The current starts of one client on one toewijzing.
    fn starts(&self, p: &Parties, bsn: &Bsn, toewijzingnummer: &str) -> Vec<StartRecord> {
        let prefix = key(&[
            p.domein.as_str(),
            &p.gemeente,
            &p.aanbieder,
            bsn.as_str(),
            toewijzingnummer,
        ]);
        self.scan(Tree::Starts, &prefix)
            .into_iter()
            .filter_map(|r| match r {
                Record::Start(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    /// The current stops of one client on one toewijzing.
    fn stops(&self, p: &Parties, bsn: &Bsn, toewijzingnummer: &str) -> Vec<StopRecord> {
        let prefix = key(&[
            p.domein.as_str(),
            &p.gemeente,
            &p.aanbieder,
            bsn.as_str(),
            toewijzingnummer,
        ]);
        self.scan(Tree::Stops, &prefix)
            .into_iter()
            .filter_map(|r| match r {
                Record::Stop(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    /// A granted prestatie by its ReferentieNummer (unique per aanbieder and domain).
    fn prestatie(
        &self,
        domein: Domein,
        aanbieder: &str,
        referentie: &str,
    ) -> Option<PrestatieRecord> {
        match self.get(
            Tree::Prestaties,
            &key(&[domein.as_str(), aanbieder, referentie]),
        )? {
            Record::Prestatie(r) => Some(r),
            _ => None,
        }
    }

    /// Granted credits whose VorigReferentieNummer is `vorig`.
    fn credits_van(&self, domein: Domein, aanbieder: &str, vorig: &str) -> Vec<PrestatieRecord> {
        prestaties(self.scan(Tree::Credits, &key(&[domein.as_str(), aanbieder, vorig])))
    }

    /// Granted prestaties (debet and credit) on a toewijzing, of any aanbieder.
    fn prestaties_op_toewijzing(
        &self,
        domein: Domein,
        gemeente: &str,
        toewijzingnummer: &str,
    ) -> Vec<PrestatieRecord> {
        prestaties(self.scan(
            Tree::PrestatiesPerToewijzing,
            &key(&[domein.as_str(), gemeente, toewijzingnummer]),
        ))
    }

    /// An accepted declaratie by its DeclaratieNummer (unique per aanbieder and domain).
    fn declaratie(
        &self,
        domein: Domein,
        aanbieder: &str,
        nummer: &str,
    ) -> Option<DeclaratieRecord> {
        match self.get(
            Tree::Declaraties,
            &key(&[domein.as_str(), aanbieder, nummer]),
        )? {
            Record::Declaratie(r) => Some(r),
            _ => None,
        }
    }

    /// Accepted declaraties from an aanbieder to a gemeente, by DeclaratiePeriode.
    fn declaraties_van(&self, p: &Parties) -> Vec<DeclaratieRecord> {
        self.scan(
            Tree::DeclaratiesPerPartij,
            &key(&[p.domein.as_str(), &p.aanbieder, &p.gemeente]),
        )
        .into_iter()
        .filter_map(|r| match r {
            Record::Declaratie(d) => Some(d),
            _ => None,
        })
        .collect()
    }

    /// A verzoek by its ReferentieAanbieder (unique per aanbieder and domain).
    fn verzoek(&self, domein: Domein, aanbieder: &str, referentie: &str) -> Option<VerzoekRecord> {
        match self.get(
            Tree::Verzoeken,
            &key(&[domein.as_str(), aanbieder, referentie]),
        )? {
            Record::Verzoek(r) => Some(r),
            _ => None,
        }
    }

    /// The verzoeken of one client from an aanbieder to a gemeente.
    fn verzoeken_van_client(&self, p: &Parties, bsn: &Bsn) -> Vec<VerzoekRecord> {
        self.scan(
            Tree::VerzoekenPerClient,
            &key(&[p.domein.as_str(), &p.gemeente, &p.aanbieder, bsn.as_str()]),
        )
        .into_iter()
        .filter_map(|r| match r {
            Record::Verzoek(v) => Some(v),
            _ => None,
        })
        .collect()
    }

    /// The antwoorden (JW319) on a verzoek.
    fn antwoorden(&self, domein: Domein, aanbieder: &str, referentie: &str) -> Vec<AntwoordRecord> {
        self.scan(
            Tree::Antwoorden,
            &key(&[domein.as_str(), aanbieder, referentie]),
        )
        .into_iter()
        .filter_map(|r| match r {
            Record::Antwoord(a) => Some(a),
            _ => None,
        })
        .collect()
    }
}

fn prestaties(records: Vec<Record>) -> Vec<PrestatieRecord> {
    records
        .into_iter()
        .filter_map(|r| match r {
            Record::Prestatie(p) => Some(p),
            _ => None,
        })
        .collect()
}

/// Trees of records with index trees pointing at them, in memory: the shape both the history
/// and the plan history have, so one implementation serves [`MemoryHistory`] and
/// `doelbereik::MemoryPlans`.
#[derive(Debug, Clone)]
pub struct MemoryTrees<T, R> {
    records: BTreeMap<(T, Vec<u8>), R>,
    indexes: BTreeMap<(T, Vec<u8>), Vec<u8>>,
}

impl<T, R> Default for MemoryTrees<T, R> {
    fn default() -> Self {
        MemoryTrees {
            records: BTreeMap::new(),
            indexes: BTreeMap::new(),
        }
    }
}

impl<T: Ord + Copy, R: Clone> MemoryTrees<T, R> {
    pub fn put(&mut self, tree: T, key: &[u8], record: &R) {
        self.records.insert((tree, key.to_vec()), record.clone());
    }

    pub fn index(&mut self, tree: T, key: &[u8], primary: &[u8]) {
        self.indexes.insert((tree, key.to_vec()), primary.to_vec());
    }

    /// Remove the record, or the index entry, under `key` in `tree`.
    pub fn remove(&mut self, tree: T, key: &[u8]) {
        self.records.remove(&(tree, key.to_vec()));
        self.indexes.remove(&(tree, key.to_vec()));
    }

    /// Number of index entries.
    pub fn index_len(&self) -> usize {
        self.indexes.len()
    }

    pub fn get(&self, tree: T, key: &[u8]) -> Option<R> {
        self.records.get(&(tree, key.to_vec())).cloned()
    }

    /// Records under `prefix` in `tree`, in key order; for an index tree (`primary` given) the
    /// records its entries point at in `primary`.
    pub fn scan(&self, tree: T, primary: Option<T>, prefix: &[u8]) -> Vec<R> {
        let start = (tree, prefix.to_vec());
        match primary {
            None => self
                .records
                .range(start..)
                .take_while(|((t, k), _)| *t == tree && k.starts_with(prefix))
                .map(|(_, r)| r.clone())
                .collect(),
            Some(primary) => self
                .indexes
                .range(start..)
                .take_while(|((t, k), _)| *t == tree && k.starts_with(prefix))
                .filter_map(|(_, p)| self.records.get(&(primary, p.clone())).cloned())
                .collect(),
        }
    }

    /// Number of records (index entries not counted).
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

/// The history in memory: for tests, and the reference a store must behave like.
#[derive(Debug, Clone, Default)]
pub struct MemoryHistory {
    trees: MemoryTrees<Tree, Record>,
}

impl MemoryHistory {
    pub fn new() -> Self {
        Self::default()
    }

    /// Apply effects in order, as a store does inside one transaction.
    pub fn apply(&mut self, effects: &Effects) {
        for e in &effects.0 {
            match e {
                Effect::Put { tree, key, record } => self.trees.put(*tree, key, record),
                Effect::Index { tree, key, primary } => self.trees.index(*tree, key, primary),
                Effect::Remove { tree, key } => self.trees.remove(*tree, key),
            }
        }
    }

    /// Number of records (index entries not counted).
    pub fn len(&self) -> usize {
        self.trees.len()
    }

    /// Number of index entries.
    pub fn index_len(&self) -> usize {
        self.trees.index_len()
    }

    pub fn is_empty(&self) -> bool {
        self.trees.is_empty()
    }
}

impl History for MemoryHistory {
    fn get(&self, tree: Tree, key: &[u8]) -> Option<Record> {
        self.trees.get(tree, key)
    }

    fn scan(&self, tree: Tree, prefix: &[u8]) -> Vec<Record> {
        self.trees.scan(tree, tree.primary(), prefix)
    }
}
