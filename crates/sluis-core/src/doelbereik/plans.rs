//! What doelbereik remembers: every version of every behandelplan, every resultaatmelding and
//! every beoordeling, and the [`PlanHistory`] trait through which the checks read it. Built like
//! [`crate::validate::history::state`]: records live in trees under byte keys of their logical
//! key parts (each part followed by a 0 byte, [`key`]), index trees point at primary keys, and a
//! store needs only [`PlanHistory::get`] and [`PlanHistory::scan`].
//!
//! | tree (`PlanTree::name`) | key parts | holds |
//! |---|---|---|
//! | `plannen` | domein, aanbieder, plan_id, versie (6 digits, zero-padded) | `PlanRecord::Plan` |
//! | `plannen_per_toewijzing` (index) | domein, gemeente, toewijzingnummer, aanbieder, plan_id, versie | → `plannen` |
//! | `resultaten` | domein, gemeente, toewijzingnummer | `PlanRecord::Resultaat` (one per toewijzing) |
//! | `beoordelingen` | domein, gemeente, toewijzingnummer, versie (6 digits) | `PlanRecord::Beoordeling` |
//!
//! Versions are zero-padded so that keys sort by version. Keys and records hold BSNs: the store
//! is personal data.

use super::model::{Behandelplan, Beoordeling, Bericht, Resultaatmelding};
use crate::validate::history::state::key;
use crate::validate::history::view::MemoryTrees;
use crate::validate::history::Domein;
use crate::validate::Finding;
use serde::{Deserialize, Serialize};

/// The trees of the plan history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PlanTree {
    /// (domein, aanbieder, plan_id, versie)
    Plannen,
    /// index → Plannen: (domein, gemeente, toewijzingnummer, aanbieder, plan_id, versie)
    PlannenPerToewijzing,
    /// (domein, gemeente, toewijzingnummer)
    Resultaten,
    /// (domein, gemeente, toewijzingnummer, versie)
    Beoordelingen,
}

impl PlanTree {
    pub const ALL: [PlanTree; 4] = [
        PlanTree::Plannen,
        PlanTree::PlannenPerToewijzing,
        PlanTree::Resultaten,
        PlanTree::Beoordelingen,
    ];

    /// The name of the sled tree.
    pub fn name(self) -> &'static str {
        match self {
            PlanTree::Plannen => "plannen",
            PlanTree::PlannenPerToewijzing => "plannen_per_toewijzing",
            PlanTree::Resultaten => "resultaten",
            PlanTree::Beoordelingen => "beoordelingen",
        }
    }

    /// For an index tree, the tree its entries point into.
    pub fn primary(self) -> Option<PlanTree> {
        match self {
            PlanTree::PlannenPerToewijzing => Some(PlanTree::Plannen),
            _ => None,
        }
    }
}

/// Every record of the plan history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanRecord {
    Plan(Behandelplan),
    Resultaat(Resultaatmelding),
    Beoordeling(Beoordeling),
}

/// A version as a key part: six digits, so keys sort by version.
pub fn versie_part(v: u32) -> String {
    format!("{v:06}")
}

impl PlanRecord {
    /// The tree and primary key of this record.
    pub fn key(&self) -> (PlanTree, Vec<u8>) {
        match self {
            PlanRecord::Plan(p) => (
                PlanTree::Plannen,
                key(&[
                    p.domein.as_str(),
                    &p.aanbieder,
                    &p.plan_id,
                    &versie_part(p.versie),
                ]),
            ),
            PlanRecord::Resultaat(r) => (
                PlanTree::Resultaten,
                key(&[r.domein.as_str(), &r.gemeente, &r.toewijzingnummer]),
            ),
            PlanRecord::Beoordeling(b) => (
                PlanTree::Beoordelingen,
                key(&[
                    b.domein.as_str(),
                    &b.gemeente,
                    &b.toewijzingnummer,
                    &versie_part(b.versie),
                ]),
            ),
        }
    }

    /// The index entries that point at this record.
    pub fn index_keys(&self) -> Vec<(PlanTree, Vec<u8>)> {
        match self {
            PlanRecord::Plan(p) => p
                .toewijzingnummers
                .iter()
                .map(|n| {
                    (
                        PlanTree::PlannenPerToewijzing,
                        key(&[
                            p.domein.as_str(),
                            &p.gemeente,
                            n,
                            &p.aanbieder,
                            &p.plan_id,
                            &versie_part(p.versie),
                        ]),
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// One change of the plan history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlanEffect {
    /// Store `record` under `key` in `tree`.
    Put {
        tree: PlanTree,
        key: Vec<u8>,
        record: Box<PlanRecord>,
    },
    /// `key` in index `tree` points at `primary` in `tree.primary()`.
    Index {
        tree: PlanTree,
        key: Vec<u8>,
        primary: Vec<u8>,
    },
}

/// What an accepted doelbereik message changes; to be applied as one transaction. Nothing is
/// ever removed: a new version supersedes, the old one stays.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanEffects(pub Vec<PlanEffect>);

impl PlanEffects {
    pub fn put(&mut self, record: PlanRecord) {
        let (tree, primary) = record.key();
        for (index, key) in record.index_keys() {
            self.0.push(PlanEffect::Index {
                tree: index,
                key,
                primary: primary.clone(),
            });
        }
        self.0.push(PlanEffect::Put {
            tree,
            key: primary,
            record: Box::new(record),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The effects of a message as if accepted: its record and index entries.
pub fn effects(bericht: &Bericht) -> PlanEffects {
    let mut out = PlanEffects::default();
    out.put(match bericht {
        Bericht::Behandelplan(p) => PlanRecord::Plan(p.clone()),
        Bericht::Resultaatmelding(r) => PlanRecord::Resultaat(r.clone()),
        Bericht::Beoordeling(b) => PlanRecord::Beoordeling(b.clone()),
    });
    out
}

/// The message as it is kept once accepted: a resultaatmelding is tied to the version of its plan
/// that is current now (a later version of the plan is accepted as a new version, but does not
/// move the result to it).
pub fn stamp(bericht: &Bericht, plans: &impl PlanHistory) -> Bericht {
    match bericht {
        Bericht::Resultaatmelding(r) => {
            let mut r = r.clone();
            r.plan_versie = plans
                .plan(r.domein, &r.aanbieder, &r.plan_id)
                .map(|p| p.versie);
            Bericht::Resultaatmelding(r)
        }
        other => other.clone(),
    }
}

/// The effects of a message judged with `findings`: all of them when there are none, nothing
/// otherwise (a doelbereik message is accepted or rejected as a whole).
pub fn accepted_effects(bericht: &Bericht, findings: &[Finding]) -> PlanEffects {
    if findings.is_empty() {
        effects(bericht)
    } else {
        PlanEffects::default()
    }
}

/// Read access to the plan history. Like [`History`](crate::validate::history::History), a
/// view that can fail keeps its first fault for whoever judged with it.
pub trait PlanHistory {
    /// The record under `key` in a primary tree.
    fn get(&self, tree: PlanTree, key: &[u8]) -> Option<PlanRecord>;

    /// The first read that failed on this view, if any.
    fn fault(&self) -> Option<crate::validate::history::ReadFault> {
        None
    }

    /// The records whose key in `tree` starts with `prefix`, in key order; for an index tree
    /// the primary records its entries point at.
    fn scan(&self, tree: PlanTree, prefix: &[u8]) -> Vec<PlanRecord>;

    /// All versions of a plan, oldest first.
    fn plan_versies(&self, domein: Domein, aanbieder: &str, plan_id: &str) -> Vec<Behandelplan> {
        self.scan(
            PlanTree::Plannen,
            &key(&[domein.as_str(), aanbieder, plan_id]),
        )
        .into_iter()
        .filter_map(|r| match r {
            PlanRecord::Plan(p) => Some(p),
            _ => None,
        })
        .collect()
    }

    /// The current version of a plan.
    fn plan(&self, domein: Domein, aanbieder: &str, plan_id: &str) -> Option<Behandelplan> {
        self.plan_versies(domein, aanbieder, plan_id)
            .into_iter()
            .max_by_key(|p| p.versie)
    }

    /// The current plans that cover a toewijzing (a plan whose current version no longer names
    /// it does not count), of any aanbieder.
    fn plannen_voor(&self, domein: Domein, gemeente: &str, nummer: &str) -> Vec<Behandelplan> {
        let mut ids: Vec<(String, String)> = self
            .scan(
                PlanTree::PlannenPerToewijzing,
                &key(&[domein.as_str(), gemeente, nummer]),
            )
            .into_iter()
            .filter_map(|r| match r {
                PlanRecord::Plan(p) => Some((p.aanbieder, p.plan_id)),
                _ => None,
            })
            .collect();
        ids.dedup();
        ids.into_iter()
            .filter_map(|(aanbieder, id)| self.plan(domein, &aanbieder, &id))
            .filter(|p| p.gemeente == gemeente && p.toewijzingnummers.iter().any(|n| n == nummer))
            .collect()
    }

    /// Every version, oldest first, of the plans that cover a toewijzing now ([`plannen_voor`]),
    /// as far as the version named the toewijzing: its whole plan history, also the versions a
    /// later one superseded.
    ///
    /// [`plannen_voor`]: PlanHistory::plannen_voor
    fn versies_voor(&self, domein: Domein, gemeente: &str, nummer: &str) -> Vec<Behandelplan> {
        let current: Vec<(String, String)> = self
            .plannen_voor(domein, gemeente, nummer)
            .into_iter()
            .map(|p| (p.aanbieder, p.plan_id))
            .collect();
        self.scan(
            PlanTree::PlannenPerToewijzing,
            &key(&[domein.as_str(), gemeente, nummer]),
        )
        .into_iter()
        .filter_map(|r| match r {
            PlanRecord::Plan(p)
                if p.gemeente == gemeente
                    && current
                        .iter()
                        .any(|(a, id)| *a == p.aanbieder && *id == p.plan_id) =>
            {
                Some(p)
            }
            _ => None,
        })
        .collect()
    }

    /// The resultaatmelding on a toewijzing.
    fn resultaat(&self, domein: Domein, gemeente: &str, nummer: &str) -> Option<Resultaatmelding> {
        match self.get(
            PlanTree::Resultaten,
            &key(&[domein.as_str(), gemeente, nummer]),
        )? {
            PlanRecord::Resultaat(r) => Some(r),
            _ => None,
        }
    }

    /// All beoordelingen of the result on a toewijzing, oldest version first.
    fn beoordelingen(&self, domein: Domein, gemeente: &str, nummer: &str) -> Vec<Beoordeling> {
        self.scan(
            PlanTree::Beoordelingen,
            &key(&[domein.as_str(), gemeente, nummer]),
        )
        .into_iter()
        .filter_map(|r| match r {
            PlanRecord::Beoordeling(b) => Some(b),
            _ => None,
        })
        .collect()
    }

    /// The beoordeling that counts: the highest version.
    fn beoordeling(&self, domein: Domein, gemeente: &str, nummer: &str) -> Option<Beoordeling> {
        self.beoordelingen(domein, gemeente, nummer)
            .into_iter()
            .max_by_key(|b| b.versie)
    }
}

/// The plan history in memory: for tests, and the reference a store must behave like.
#[derive(Debug, Clone, Default)]
pub struct MemoryPlans {
    trees: MemoryTrees<PlanTree, PlanRecord>,
}

impl MemoryPlans {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn apply(&mut self, effects: &PlanEffects) {
        for e in &effects.0 {
            match e {
                PlanEffect::Put { tree, key, record } => self.trees.put(*tree, key, record),
                PlanEffect::Index { tree, key, primary } => self.trees.index(*tree, key, primary),
            }
        }
    }

    /// Remove a record or index entry (the retention policy's dossier step).
    pub fn remove(&mut self, tree: PlanTree, key: &[u8]) {
        self.trees.remove(tree, key);
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

impl PlanHistory for MemoryPlans {
    fn get(&self, tree: PlanTree, key: &[u8]) -> Option<PlanRecord> {
        self.trees.get(tree, key)
    }

    fn scan(&self, tree: PlanTree, prefix: &[u8]) -> Vec<PlanRecord> {
        self.trees.scan(tree, tree.primary(), prefix)
    }
}
