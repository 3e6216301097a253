//! The cross-message rules' [`History`] backed by the store's sled trees.

use crate::validate::history::{History, Record, Tree};

/// Read-only view on the history trees, in `Tree::ALL` order.
pub struct SledHistory<'a> {
    trees: &'a [sled::Tree],
}

impl<'a> SledHistory<'a> {
    pub(super) fn new(trees: &'a [sled::Tree]) -> Self {
        SledHistory { trees }
    }

    fn tree(&self, t: Tree) -> Option<&sled::Tree> {
        Tree::ALL
            .iter()
            .position(|x| *x == t)
            .and_then(|i| self.trees.get(i))
    }

    fn record(&self, t: Tree, key: &[u8]) -> Option<Record> {
        let bytes = self.tree(t)?.get(key).ok()??;
        match serde_json::from_slice(&bytes) {
            Ok(r) => Some(r),
            Err(e) => {
                // A record the rules cannot read is as if absent; say so loudly.
                tracing::error!(tree = t.name(), error = %e, "unreadable history record");
                None
            }
        }
    }
}

impl History for SledHistory<'_> {
    fn get(&self, tree: Tree, key: &[u8]) -> Option<Record> {
        self.record(tree, key)
    }

    fn scan(&self, tree: Tree, prefix: &[u8]) -> Vec<Record> {
        let Some(t) = self.tree(tree) else {
            return Vec::new();
        };
        let entries = t.scan_prefix(prefix).filter_map(Result::ok);
        match tree.primary() {
            None => entries
                .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
                .collect(),
            Some(primary) => entries
                .filter_map(|(_, p)| self.record(primary, &p))
                .collect(),
        }
    }
}
