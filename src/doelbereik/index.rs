//! The trajectories of the whole store, in memory, for the views that read them all: the
//! indicators and the gebiedsteam's doelbereik view. One [`Trajectory`] per toewijzing, kept
//! current by the gateway (it replaces the trajectories a message touched, under its judging
//! lock) and rebuilt from the store at start-up; a client's team is resolved once and set on
//! each of its trajectories, so a view is one pass over a slice.

use super::financiering::Status;
use super::indicatoren::{Filter, Trajectory, TrajectoryKey};
use crate::standard::types::Datum;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A client by gemeente and BSN (as text).
type ClientKey = (String, String);

#[derive(Debug, Default)]
pub struct TrajectoryIndex {
    items: Vec<Trajectory>,
    position: HashMap<TrajectoryKey, usize>,
    /// The team a client belongs to by configuration or override; absent: the team of the
    /// trajectory's own beoordeling, if any.
    teams: HashMap<ClientKey, String>,
}

fn client_of(t: &Trajectory) -> ClientKey {
    (t.gemeente.to_string(), t.bsn.as_str().to_string())
}

impl TrajectoryIndex {
    /// An index of these trajectories, with the clients' teams.
    pub fn build(
        all: Vec<Trajectory>,
        teams: impl IntoIterator<Item = (String, String, String)>,
    ) -> TrajectoryIndex {
        let mut index = TrajectoryIndex {
            teams: teams.into_iter().map(|(g, b, t)| ((g, b), t)).collect(),
            ..TrajectoryIndex::default()
        };
        for t in all {
            index.put(t);
        }
        index
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Every trajectory (in no particular order).
    pub fn all(&self) -> &[Trajectory] {
        &self.items
    }

    pub fn get(&self, key: &TrajectoryKey) -> Option<&Trajectory> {
        self.position.get(key).map(|i| &self.items[*i])
    }

    /// Add or replace a trajectory; its team becomes the client's team where one is known.
    pub fn put(&mut self, mut t: Trajectory) {
        if let Some(team) = self.teams.get(&client_of(&t)) {
            t.team = Some(team.as_str().into());
        }
        match self.position.get(&t.key()) {
            Some(i) => self.items[*i] = t,
            None => {
                self.position.insert(t.key(), self.items.len());
                self.items.push(t);
            }
        }
    }

    /// Remove a trajectory (its toewijzing was removed).
    pub fn remove(&mut self, key: &TrajectoryKey) {
        let Some(i) = self.position.remove(key) else {
            return;
        };
        self.items.swap_remove(i);
        if let Some(moved) = self.items.get(i) {
            self.position.insert(moved.key(), i);
        }
    }

    /// The team of a client (configuration or override); `None` leaves each trajectory the team
    /// of its beoordeling. Rewrites the client's trajectories only when the team changes.
    pub fn set_team(&mut self, gemeente: &str, bsn: &str, team: Option<String>) {
        let key = (gemeente.to_string(), bsn.to_string());
        if self.teams.get(&key) == team.as_ref() {
            return;
        }
        match &team {
            Some(t) => self.teams.insert(key, t.clone()),
            None => self.teams.remove(&key),
        };
        for t in self
            .items
            .iter_mut()
            .filter(|t| t.gemeente == gemeente && t.bsn.as_str() == bsn)
        {
            t.team = team.as_deref().map(Into::into).or_else(|| match &t.grond {
                super::Grond::Beoordeling { team, .. } => Some(team.as_str().into()),
                _ => None,
            });
        }
    }

    /// The trajectories of the team view that pass the selection, sorted by aanbieder and
    /// toewijzingnummer.
    pub fn team_view(&self, team: &str, selectie: &Selectie, vandaag: Datum) -> Vec<&Trajectory> {
        let mut out: Vec<&Trajectory> = self
            .items
            .iter()
            .filter(|t| t.team.as_deref() == Some(team) && selectie.admits(t, vandaag))
            .collect();
        out.sort_by(|a, b| {
            (&a.aanbieder, &a.toewijzingnummer).cmp(&(&b.aanbieder, &b.toewijzingnummer))
        });
        out
    }
}

/// What a gebiedsteam asks of its trajectories. Every given condition must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selectie {
    /// The base filter: aanbieder, domein, period of the stop.
    #[serde(default)]
    pub filter: Option<Filter>,
    /// Only running (`true`) or only ended (`false`) trajectories.
    pub lopend: Option<bool>,
    /// Ended without a resultaatmelding.
    pub zonder_resultaatmelding: bool,
    /// Started at least this many days ago (by `vandaag`) without a behandelplan.
    pub zonder_plan_na_dagen: Option<u32>,
    /// The gebiedsteam disagreed with the resultaatmelding.
    pub betwist: bool,
}

impl Selectie {
    pub fn admits(&self, t: &Trajectory, vandaag: Datum) -> bool {
        self.filter.as_ref().is_none_or(|f| f.admits(t))
            && self.lopend.is_none_or(|l| l != t.beeindigd())
            && (!self.zonder_resultaatmelding || (t.beeindigd() && t.status == Status::Onbekend))
            && self.zonder_plan_na_dagen.is_none_or(|n| {
                t.plan.is_none()
                    && t.start
                        .is_some_and(|s| (vandaag.date() - s.date()).whole_days() >= i64::from(n))
            })
            && (!self.betwist || t.betwist())
    }
}
