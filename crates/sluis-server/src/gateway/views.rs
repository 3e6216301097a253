//! What the gateway shows of the trajectories: the in-memory index (built at start-up, kept
//! current under the judging lock), the gebiedsteam's views, the plan status of a client,
//! resultaatfinanciering per aanbieder and the outcome indicators. Handlers call these.

use super::Gateway;
use crate::config::Settings;
use crate::store::{ClientInfo, Store, StoreError};
use sluis_core::codes::Berichtsoort;
use sluis_core::doelbereik::{
    self, Filter, Groep, Indicatoren, PlanHistory, PlanStatus, Selectie, Trajectory,
    TrajectoryIndex, TrajectoryKey, Uitbetaling,
};
use sluis_core::standard::types::{Bsn, Datum};
use sluis_core::validate::history::{self, Domein, History};
use sluis_core::Verdict;
use std::collections::BTreeMap;

/// The team of a client: the back office's choice, else the area of its postcode.
pub fn team_of(settings: &Settings, info: &ClientInfo) -> Option<String> {
    info.team.clone().or_else(|| {
        info.postcode
            .as_deref()
            .and_then(|p| settings.team_for_postcode(p))
            .map(str::to_string)
    })
}

/// The postcode of a client in a JW301/WMO301 (the decision's own reading).
pub use sluis_core::intake::postcode;

/// Every trajectory in the store, with its client's team.
pub(super) fn build_index(
    settings: &Settings,
    store: &Store,
) -> Result<TrajectoryIndex, StoreError> {
    let (h, plans) = (store.history(), store.plans());
    let all = doelbereik::trajectories(&h, &plans);
    // A store that cannot be read whole does not start with an index that misses trajectories.
    fault(&h, &plans)?;
    let teams = store
        .clients()?
        .into_iter()
        .filter_map(|(g, b, info)| team_of(settings, &info).map(|t| (g, b, t)))
        .collect::<Vec<_>>();
    Ok(TrajectoryIndex::build(all, teams))
}

/// A read that failed while a view was in use: what was built from it cannot be trusted.
fn fault(h: &impl History, plans: &impl PlanHistory) -> Result<(), StoreError> {
    match h.fault().or_else(|| plans.fault()) {
        Some(f) => Err(f.into()),
        None => Ok(()),
    }
}

fn write_index(gw: &Gateway) -> std::sync::RwLockWriteGuard<'_, TrajectoryIndex> {
    // A panic while holding the lock leaves a consistent index (each change is one assignment).
    gw.index.write().unwrap_or_else(|e| e.into_inner())
}

fn read_index(gw: &Gateway) -> std::sync::RwLockReadGuard<'_, TrajectoryIndex> {
    gw.index.read().unwrap_or_else(|e| e.into_inner())
}

impl Gateway {
    /// After an accepted JW301/305/307 (or WMO): the trajectories of its clients anew, and for
    /// a toewijzing the clients' teams. Called under the judging lock, after the insert.
    pub(super) fn refresh_standard(
        &self,
        verdict: &Verdict,
        clients_changed: bool,
    ) -> Result<(), StoreError> {
        let doc = &verdict.document;
        if !Berichtsoort::parse(doc.code())
            .is_some_and(|s| s.is_toewijzing() || s.is_start_of_stop())
        {
            return Ok(());
        }
        let Some(header) = history::read::Header::of(doc) else {
            return Ok(());
        };
        let parties = &header.parties;
        let h = self.store.history();
        let plans = self.store.plans();
        let mut index = write_index(self);
        for client in doc.children.iter().filter(|e| e.name() == "Client") {
            let Some(bsn) = history::read::bsn(client) else {
                continue;
            };
            if clients_changed {
                if let Some(info) = self.store.client(&parties.gemeente, bsn.as_str())? {
                    index.set_team(
                        &parties.gemeente,
                        bsn.as_str(),
                        team_of(&self.settings, &info),
                    );
                }
            }
            for state in h.toewijzingen_van_client(parties, &bsn) {
                let Some(nummer) = state.versions.first().map(|v| v.toewijzingnummer.clone())
                else {
                    continue;
                };
                let key: TrajectoryKey = (
                    parties.domein,
                    parties.gemeente.as_str().into(),
                    nummer.into(),
                );
                match doelbereik::trajectory(&h, &plans, key.0, &key.1, &key.2) {
                    Some(t) => index.put(t),
                    None => index.remove(&key),
                }
            }
        }
        fault(&h, &plans)
    }

    /// The trajectories of these toewijzingen anew (after a doelbereik message).
    pub(super) fn refresh(
        &self,
        domein: Domein,
        gemeente: &str,
        nummers: &[String],
    ) -> Result<(), StoreError> {
        let h = self.store.history();
        let plans = self.store.plans();
        let mut index = write_index(self);
        for nummer in nummers {
            let key: TrajectoryKey = (domein, gemeente.into(), nummer.as_str().into());
            match doelbereik::trajectory(&h, &plans, domein, gemeente, nummer) {
                Some(t) => index.put(t),
                None => index.remove(&key),
            }
        }
        fault(&h, &plans)
    }

    /// The back office puts a client in a team (`None`: back to the postcode areas).
    pub async fn set_client_team(
        &self,
        bsn: &Bsn,
        team: Option<String>,
    ) -> Result<Option<String>, StoreError> {
        let gemeente = self.settings.gemeente.code.clone();
        let resolved = {
            // Under the judging lock: a JW301 writing the client's postcode does not race it.
            let _judge = self
                .judge
                .lock()
                .map_err(|_| StoreError::Durability("judge lock poisoned".into()))?;
            let info = self.store.set_client_team(&gemeente, bsn.as_str(), team)?;
            let resolved = team_of(&self.settings, &info);
            write_index(self).set_team(&gemeente, bsn.as_str(), resolved.clone());
            resolved
        };
        self.store.durable().await?;
        Ok(resolved)
    }

    /// The team of a client now (override or postcode), if any.
    pub fn client_team(&self, bsn: &Bsn) -> Result<Option<String>, StoreError> {
        Ok(self
            .store
            .client(&self.settings.gemeente.code, bsn.as_str())?
            .and_then(|info| team_of(&self.settings, &info)))
    }

    /// The trajectories of a team that pass the selection: how many, and the page of at most
    /// `limit` from `offset` (in the view's order: aanbieder, toewijzingnummer).
    pub fn team_view(
        &self,
        team: &str,
        selectie: &Selectie,
        offset: usize,
        limit: usize,
    ) -> (usize, Vec<Trajectory>) {
        let index = read_index(self);
        let all = index.team_view(team, selectie, Datum::today());
        let page = all
            .iter()
            .skip(offset)
            .take(limit)
            .map(|t| (*t).clone())
            .collect();
        (all.len(), page)
    }

    /// The indicators over the trajectories the filter admits, and per group when asked.
    pub fn indicatoren(
        &self,
        filter: &Filter,
        groep: Option<Groep>,
    ) -> (Indicatoren, BTreeMap<String, Indicatoren>) {
        let index = read_index(self);
        let total = doelbereik::indicatoren(index.all(), filter);
        let groups = groep
            .map(|g| doelbereik::per(index.all(), filter, g))
            .unwrap_or_default();
        (total, groups)
    }

    /// The plan status of a client in this gemeente, both domains, per toewijzing.
    pub fn plan_status(&self, bsn: &Bsn) -> Vec<(Domein, PlanStatus)> {
        let gemeente = &self.settings.gemeente.code;
        let mut nummers: BTreeMap<Domein, Vec<String>> = BTreeMap::new();
        for t in read_index(self)
            .all()
            .iter()
            .filter(|t| &t.bsn == bsn && t.gemeente == gemeente)
        {
            nummers
                .entry(t.domein)
                .or_default()
                .push(t.toewijzingnummer.to_string());
        }
        let h = self.store.history();
        let plans = self.store.plans();
        nummers
            .into_iter()
            .flat_map(|(domein, n)| {
                doelbereik::plan_status_of(
                    &h,
                    &plans,
                    &self.policy.resultaat,
                    domein,
                    gemeente,
                    bsn,
                    n,
                )
                .into_iter()
                .map(move |s| (domein, s))
            })
            .collect()
    }

    /// Resultaatfinanciering per aanbieder over the trajectories the filter admits.
    pub fn financiering(&self, filter: &Filter) -> BTreeMap<String, Uitbetaling> {
        // A copy of the selected trajectories, so the index is not locked during the store reads.
        let selected: Vec<Trajectory> = read_index(self)
            .all()
            .iter()
            .filter(|t| filter.admits(t))
            .cloned()
            .collect();
        doelbereik::uitbetaling(
            &self.store.history(),
            &self.store.plans(),
            &self.policy.resultaat,
            &selected,
            filter,
        )
    }

    /// Number of trajectories in the index.
    pub fn trajectory_count(&self) -> usize {
        read_index(self).len()
    }
}
