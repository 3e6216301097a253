//! What the gateway shows of the trajectories: the in-memory index (built at start-up, kept
//! current under the judging lock), the gebiedsteam's views, the plan status of a client,
//! resultaatfinanciering per aanbieder and the outcome indicators. Handlers call these.

use super::Gateway;
use crate::config::Settings;
use crate::store::{ClientInfo, Store, StoreError};
use serde::Serialize;
use sluis_core::codes::Berichtsoort;
use sluis_core::doelbereik::omschrijving::{self, ProductOmschreven};
use sluis_core::doelbereik::Details;
use sluis_core::doelbereik::{
    self, Filter, Groep, Indicatoren, PlanHistory, PlanStatus, Selectie, Trajectory,
    TrajectoryIndex, TrajectoryKey, Uitbetaling,
};
use sluis_core::intake::ClientNaam;
use sluis_core::standard::types::{Bsn, Datum};
use sluis_core::validate::history::{self, Domein, History};
use sluis_core::Verdict;
use std::collections::{BTreeMap, HashMap};

/// One row of the gebiedsteam's view: the trajectory (its fields as before) with what a person
/// needs to read it. The client's name is special personal data: it is only in this answer to
/// the team the client belongs to, never in a log.
#[derive(Debug, Clone, Serialize)]
pub struct TeamRij {
    #[serde(flatten)]
    pub traject: Trajectory,
    /// The date of the latest version of the plans (`plan` is the first version's).
    pub plan_laatste: Option<Datum>,
    /// The plan version the resultaatmelding belongs to.
    pub resultaat_plan: Option<ResultaatPlan>,
    /// Name and birth date from the client's latest toewijzing.
    pub client: Option<ClientGegevens>,
    /// From the configuration (`[[aanbieders]] naam`).
    pub aanbieder_naam: Option<String>,
    /// Productcategorie and productcode of the toewijzing with their official descriptions.
    pub product: Option<ProductOmschreven>,
    pub reden_beeindiging_omschrijving: Option<&'static str>,
    pub reden_wijziging_omschrijving: Option<&'static str>,
}

/// The plan version a result belongs to.
#[derive(Debug, Clone, Serialize)]
pub struct ResultaatPlan {
    pub plan_id: String,
    /// Absent for a melding stored before Sluis kept the version.
    pub versie: Option<u32>,
}

/// A client as the toewijzing names it.
#[derive(Clone, Serialize)]
pub struct ClientGegevens {
    /// Voorletters (else voornamen), voorvoegsel and geslachtsnaam.
    pub naam: Option<String>,
    pub geslachtsnaam: Option<String>,
    pub voorvoegsel: Option<String>,
    pub voornamen: Option<String>,
    pub voorletters: Option<String>,
    pub geboortedatum: Option<Datum>,
}

impl ClientGegevens {
    /// Name and birth date as the client's latest toewijzing gave them; `None` without either.
    fn of(i: &ClientInfo) -> Option<ClientGegevens> {
        (i.naam.is_some() || i.geboortedatum.is_some()).then(|| ClientGegevens {
            naam: i.naam.as_ref().map(ClientNaam::volledig),
            geslachtsnaam: i.naam.as_ref().map(|n| n.geslachtsnaam.clone()),
            voorvoegsel: i.naam.as_ref().and_then(|n| n.voorvoegsel.clone()),
            voornamen: i.naam.as_ref().and_then(|n| n.voornamen.clone()),
            voorletters: i.naam.as_ref().and_then(|n| n.voorletters.clone()),
            geboortedatum: i.geboortedatum,
        })
    }
}

impl std::fmt::Debug for ClientGegevens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Special personal data: no name or birth date in debug output.
        f.write_str("ClientGegevens(..)")
    }
}

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
    let all = doelbereik::index::trajectories_with_details(&h, &plans);
    // A store that cannot be read whole does not start with an index that misses trajectories.
    fault(&h, &plans)?;
    let teams = store
        .clients()?
        .into_iter()
        .filter_map(|(g, b, info)| team_of(settings, &info).map(|t| (g, b, t)))
        .collect::<Vec<_>>();
    Ok(TrajectoryIndex::build_with(all, teams))
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
                match doelbereik::index::trajectory_with_details(&h, &plans, key.0, &key.1, &key.2)
                {
                    Some((t, d)) => index.put_with(t, d),
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
            match doelbereik::index::trajectory_with_details(&h, &plans, domein, gemeente, nummer) {
                Some((t, d)) => index.put_with(t, d),
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
    /// `limit` from `offset` (in the view's order: aanbieder, toewijzingnummer), each with the
    /// client's name and birth date, the aanbieder's name, the descriptions of its codes and the
    /// plan version of its result. Only the page's rows are looked up in the store.
    pub fn team_view(
        &self,
        team: &str,
        selectie: &Selectie,
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<TeamRij>), StoreError> {
        let (aantal, page) =
            read_index(self).team_page(team, selectie, self.clock.today(), offset, limit);
        let plans = self.store.plans();
        let mut clients: HashMap<(String, Bsn), Option<ClientInfo>> = HashMap::new();
        let mut rows = Vec::with_capacity(page.len());
        for (t, d) in page {
            let key = (t.gemeente.to_string(), t.bsn);
            let info = match clients.get(&key) {
                Some(info) => info.clone(),
                None => {
                    let info = self.store.client(&t.gemeente, t.bsn.as_str())?;
                    clients.insert(key, info.clone());
                    info
                }
            };
            rows.push(self.team_rij(t, d, info, &plans));
        }
        fault(&self.store.history(), &plans)?;
        Ok((aantal, rows))
    }

    /// The name and birth date of a client of this gemeente, as in the team view.
    pub fn client_gegevens(&self, bsn: &Bsn) -> Result<Option<ClientGegevens>, StoreError> {
        Ok(self
            .store
            .client(&self.settings.gemeente.code, bsn.as_str())?
            .as_ref()
            .and_then(ClientGegevens::of))
    }

    fn team_rij(
        &self,
        t: Trajectory,
        d: Details,
        info: Option<ClientInfo>,
        plans: &impl PlanHistory,
    ) -> TeamRij {
        let resultaat_plan = match t.grond {
            doelbereik::Grond::GeenResultaat => None,
            _ => plans
                .resultaat(t.domein, &t.gemeente, &t.toewijzingnummer)
                .map(|r| ResultaatPlan {
                    plan_id: r.plan_id,
                    versie: r.plan_versie,
                }),
        };
        let client = info.as_ref().and_then(ClientGegevens::of);
        TeamRij {
            aanbieder_naam: self
                .settings
                .aanbieders
                .iter()
                .find(|a| a.agb == t.aanbieder)
                .map(|a| a.naam.clone()),
            product: d.product.map(|p| {
                ProductOmschreven::of(t.domein, p.categorie.as_deref(), p.code.as_deref())
            }),
            reden_beeindiging_omschrijving: t
                .stop
                .as_ref()
                .and_then(|s| omschrijving::reden_beeindiging(t.domein, &s.reden)),
            reden_wijziging_omschrijving: t
                .reden_wijziging
                .as_deref()
                .and_then(|r| omschrijving::reden_wijziging(t.domein, r)),
            plan_laatste: d.plan_laatste,
            resultaat_plan,
            client,
            traject: t,
        }
    }

    /// The indicators over the trajectories the filter admits, and per group when asked.
    pub fn indicatoren(
        &self,
        filter: &Filter,
        groep: Option<Groep>,
    ) -> (Indicatoren, BTreeMap<String, Indicatoren>) {
        let index = read_index(self);
        let all = index.all();
        let total = doelbereik::indicatoren(&all, filter);
        let groups = groep
            .map(|g| doelbereik::per(&all, filter, g))
            .unwrap_or_default();
        (total, groups)
    }

    /// The plan status of a client in this gemeente, both domains, per toewijzing.
    pub fn plan_status(&self, bsn: &Bsn) -> Vec<(Domein, PlanStatus)> {
        let gemeente = &self.settings.gemeente.code;
        let mut nummers: BTreeMap<Domein, Vec<String>> = BTreeMap::new();
        for t in read_index(self).van_client(gemeente, bsn) {
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
        let selected: Vec<Trajectory> = read_index(self).select(|t| filter.admits(t));
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
