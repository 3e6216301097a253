//! The rules' read views ([`History`], [`PlanHistory`]) backed by the store's sled trees.

use super::seal::Sealer;
use serde::de::DeserializeOwned;
use sluis_core::doelbereik::{PlanHistory, PlanRecord, PlanTree};
use sluis_core::validate::history::{History, ReadFault, Record, Tree};
use std::cell::OnceCell;
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
///
/// Every read returns `Result` inside; the rules' traits read as if nothing can fail, so the
/// view keeps the first fault (and answers nothing after it: a failing disk is not read in a
/// loop) for the judge to ask afterwards ([`History::fault`]).
pub struct SledView<'a, T, R> {
    trees: &'a [sled::Tree],
    sealer: &'a Sealer,
    fault: OnceCell<ReadFault>,
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
            fault: OnceCell::new(),
            kind: PhantomData,
        }
    }

    fn tree(&self, t: T) -> Result<&sled::Tree, ReadFault> {
        self.trees
            .get(position(t))
            .ok_or_else(|| ReadFault(format!("tree {} is not open", t.name())))
    }

    /// The record stored under `stored` (a key as stored: pseudonymised) in tree `t`.
    fn decode(&self, t: T, stored: &[u8], bytes: &[u8]) -> Result<R, ReadFault> {
        let plain = self
            .sealer
            .open(&t.sled_name(), stored, bytes)
            .map_err(|e| ReadFault(format!("record in {} cannot be opened: {e}", t.name())))?;
        serde_json::from_slice(&plain)
            .map_err(|e| ReadFault(format!("record in {} cannot be read: {e}", t.name())))
    }

    /// The record under `key` (plain) in tree `t`.
    pub fn try_get(&self, t: T, key: &[u8]) -> Result<Option<R>, ReadFault> {
        self.get_stored(t, &self.sealer.key(key))
    }

    fn get_stored(&self, t: T, stored: &[u8]) -> Result<Option<R>, ReadFault> {
        let bytes = self
            .tree(t)?
            .get(stored)
            .map_err(|e| ReadFault(format!("{}: {e}", t.name())))?;
        match bytes {
            None => Ok(None),
            Some(bytes) => self.decode(t, stored, &bytes).map(Some),
        }
    }

    /// The records whose key in `tree` starts with `prefix`; stops at the first error.
    pub fn try_scan(&self, tree: T, prefix: &[u8]) -> Result<Vec<R>, ReadFault> {
        let mut out = Vec::new();
        for entry in self.tree(tree)?.scan_prefix(self.sealer.key(prefix)) {
            let (k, v) = entry.map_err(|e| ReadFault(format!("{}: {e}", tree.name())))?;
            match tree.primary() {
                None => out.push(self.decode(tree, &k, &v)?),
                // Index entries hold the primary key as stored; one pointing nowhere is a
                // damaged store, not an absent record.
                Some(primary) => match self.get_stored(primary, &v)? {
                    Some(r) => out.push(r),
                    None => {
                        return Err(ReadFault(format!(
                            "index {} points at a missing record",
                            tree.name()
                        )))
                    }
                },
            }
        }
        Ok(out)
    }

    /// `Some` while the view is sound; after a fault nothing more is read.
    fn latch<V>(&self, read: impl FnOnce() -> Result<V, ReadFault>) -> Option<V> {
        if self.fault.get().is_some() {
            return None;
        }
        match read() {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::error!(error = %e, "store read failed; the judgement is void");
                let _ = self.fault.set(e);
                None
            }
        }
    }

    fn record(&self, t: T, key: &[u8]) -> Option<R> {
        self.latch(|| self.try_get(t, key)).flatten()
    }

    fn scan_records(&self, tree: T, prefix: &[u8]) -> Vec<R> {
        self.latch(|| self.try_scan(tree, prefix))
            .unwrap_or_default()
    }

    fn first_fault(&self) -> Option<ReadFault> {
        self.fault.get().cloned()
    }
}

impl History for SledHistory<'_> {
    fn get(&self, tree: Tree, key: &[u8]) -> Option<Record> {
        self.record(tree, key)
    }

    fn scan(&self, tree: Tree, prefix: &[u8]) -> Vec<Record> {
        self.scan_records(tree, prefix)
    }

    fn fault(&self) -> Option<ReadFault> {
        self.first_fault()
    }
}

impl PlanHistory for SledPlans<'_> {
    fn get(&self, tree: PlanTree, key: &[u8]) -> Option<PlanRecord> {
        self.record(tree, key)
    }

    fn scan(&self, tree: PlanTree, prefix: &[u8]) -> Vec<PlanRecord> {
        self.scan_records(tree, prefix)
    }

    fn fault(&self) -> Option<ReadFault> {
        self.first_fault()
    }
}
