//! Reads the web pages need beyond the API's (`crate::web`): today's date by the gateway's
//! clock, the gemeente's clients, every trajectory of a team, and a scan of the stored
//! messages. Plain reads over the index and the store, like `reads.rs`.

use super::Gateway;
use crate::store::{StoreError, StoredBericht};
use sluis_core::doelbereik::{Details, Selectie, Trajectory};
use sluis_core::standard::types::{Bsn, Datum};
use std::collections::BTreeSet;

impl Gateway {
    /// Today as the gateway's clock has it (the Dutch calendar day).
    pub fn today(&self) -> Datum {
        self.clock.today()
    }

    /// Every client with a trajectory in this gemeente, once each.
    pub fn client_bsns(&self) -> Vec<Bsn> {
        let gemeente = self.settings.gemeente.code.as_str();
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        let set: BTreeSet<Bsn> = index
            .all()
            .iter()
            .filter(|t| t.gemeente == gemeente)
            .map(|t| t.bsn)
            .collect();
        set.into_iter().collect()
    }

    /// Every trajectory of a team that passes the selection, in the view's order.
    pub fn team_trajectories(&self, team: &str, selectie: &Selectie) -> Vec<Trajectory> {
        // The whole caseload without names: the page names only the rows it shows.
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        index
            .team_page(team, selectie, self.clock.today(), 0, usize::MAX)
            .1
            .into_iter()
            .map(|(t, _)| t)
            .collect()
    }

    /// The trajectories of one client in this gemeente.
    pub fn client_trajectories(&self, bsn: &Bsn) -> Vec<Trajectory> {
        let gemeente = self.settings.gemeente.code.as_str();
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        index.van_client(gemeente, bsn)
    }

    /// What the index keeps of a trajectory besides itself (its product, the latest plan).
    pub fn trajectory_details(&self, t: &Trajectory) -> Option<Details> {
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        index.details(&t.key())
    }

    /// The configured name of an aanbieder, if any.
    pub fn aanbieder_naam(&self, agb: &str) -> Option<&str> {
        self.settings
            .aanbieders
            .iter()
            .find(|a| a.agb == agb)
            .map(|a| a.naam.as_str())
    }

    /// Every stored message that `keep` admits, oldest first, at most `limit`: for the
    /// contractmanager's monthly figures until the flows of issue #14 (`stromen`) land.
    pub fn scan_berichten(
        &self,
        limit: usize,
        keep: impl Fn(&StoredBericht) -> bool,
    ) -> Result<Vec<StoredBericht>, StoreError> {
        self.store.list(0, limit, keep)
    }
}
