//! The rules' read views ([`History`], [`PlanHistory`]) backed by the store's sled trees.

use super::seal::Sealer;
use serde::de::DeserializeOwned;
use sluis_core::doelbereik::{PlanHistory, PlanRecord, PlanTree};
use sluis_core::validate::history::{History, Record, Tree};
use std::marker::PhantomData;

/// A family of trees: the standard's history ([`Tree`]) or the plan history ([`PlanTree`]).
pub trait TreeKind: Copy + PartialEq + 'static {
    /// Every tree, in the order the store opens them.
    fn all() -> &'static [Self];
    fn name(self) -> &'static str;
    /// For an index tree, the primary tree its entries point into.
    fn primary(self) -> Option<Self>;
    /// The sled tree's name: a prefix per family, so the families cannot collide.
    fn sled_name(self) -> String;
}

impl TreeKind for Tree {
    fn all() -> &'static [Self] {
        &Tree::ALL
    }
    fn name(self) -> &'static str {
        Tree::name(self)
    }
    fn primary(self) -> Option<Self> {
        Tree::primary(self)
    }
    fn sled_name(self) -> String {
        format!("h_{}", self.name())
    }
}

impl TreeKind for PlanTree {
    fn all() -> &'static [Self] {
        &PlanTree::ALL
    }
    fn name(self) -> &'static str {
        PlanTree::name(self)
    }
    fn primary(self) -> Option<Self> {
        PlanTree::primary(self)
    }
    fn sled_name(self) -> String {
        format!("p_{}", self.name())
    }
}

/// Where a tree sits in the store's list of that family.
pub(super) fn position<T: TreeKind>(t: T) -> usize {
    T::all().iter().position(|x| *x == t).unwrap_or(0)
}

/// Read-only view on one family of trees, in `T::all()` order, holding records `R` as JSON.
pub struct SledView<'a, T, R> {
    trees: &'a [sled::Tree],
    sealer: &'a Sealer,
    kind: PhantomData<(T, R)>,
}

/// The cross-message rules' view of the store.
pub type SledHistory<'a> = SledView<'a, Tree, Record>;
/// The doelbereik checks' view of the store.
pub type SledPlans<'a> = SledView<'a, PlanTree, PlanRecord>;

impl<'a, T: TreeKind, R: DeserializeOwned> SledView<'a, T, R> {
    pub(super) fn new(trees: &'a [sled::Tree], sealer: &'a Sealer) -> Self {
        SledView {
            trees,
            sealer,
            kind: PhantomData,
        }
    }

    /// The record stored under `stored` (a key as stored: pseudonymised) in tree `t`.
    fn decode(&self, t: T, stored: &[u8], bytes: &[u8]) -> Option<R> {
        let plain = self
            .sealer
            .open(&t.sled_name(), stored, bytes)
            .map_err(|e| tracing::error!(tree = t.name(), error = %e, "unreadable record"))
            .ok()?;
        match serde_json::from_slice(&plain) {
            Ok(r) => Some(r),
            Err(e) => {
                // A record the rules cannot read is as if absent; say so loudly.
                tracing::error!(tree = t.name(), error = %e, "unreadable record");
                None
            }
        }
    }

    fn record(&self, t: T, key: &[u8]) -> Option<R> {
        let stored = self.sealer.key(key);
        let bytes = self.trees.get(position(t))?.get(&stored).ok()??;
        self.decode(t, &stored, &bytes)
    }

    fn scan_records(&self, tree: T, prefix: &[u8]) -> Vec<R> {
        let Some(t) = self.trees.get(position(tree)) else {
            return Vec::new();
        };
        let entries = t
            .scan_prefix(self.sealer.key(prefix))
            .filter_map(Result::ok);
        match tree.primary() {
            None => entries
                .filter_map(|(k, v)| self.decode(tree, &k, &v))
                .collect(),
            // Index entries hold the primary key as stored.
            Some(primary) => entries
                .filter_map(|(_, p)| self.record(primary, &p))
                .collect(),
        }
    }
}

impl History for SledHistory<'_> {
    fn get(&self, tree: Tree, key: &[u8]) -> Option<Record> {
        self.record(tree, key)
    }

    fn scan(&self, tree: Tree, prefix: &[u8]) -> Vec<Record> {
        self.scan_records(tree, prefix)
    }
}

impl PlanHistory for SledPlans<'_> {
    fn get(&self, tree: PlanTree, key: &[u8]) -> Option<PlanRecord> {
        self.record(tree, key)
    }

    fn scan(&self, tree: PlanTree, prefix: &[u8]) -> Vec<PlanRecord> {
        self.scan_records(tree, prefix)
    }
}
