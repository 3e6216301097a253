//! The trajectories of the whole store, in memory, for the views that read them all: the
//! indicators and the gebiedsteam's doelbereik view. One [`Trajectory`] per toewijzing, kept
//! current by the gateway (it replaces the trajectories a message touched, under its judging
//! lock) and rebuilt from the store at start-up; a client's team is resolved once and set on
//! each of its trajectories, so a view is one pass over a slice.

use super::financiering::Status;
use super::indicatoren::{Filter, Trajectory, TrajectoryKey};
use crate::standard::types::Bsn;
use crate::standard::types::Datum;
use crate::validate::history::Domein;
use compact_str::CompactString;
use hashbrown::HashTable;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

/// A client by gemeente and BSN (as text).
type ClientKey = (CompactString, Bsn);

/// Sized for hundreds of thousands of trajectories: the items in one vector, the lookup by
/// toewijzing a table of positions only (the key is read from the item, not stored twice), and
/// short texts inline — at a million messages a map of owned keys and `String`s cost more than
/// 100 MB.
#[derive(Default)]
pub struct TrajectoryIndex {
    items: Vec<Trajectory>,
    /// Positions in `items`, hashed by (domein, gemeente, toewijzingnummer) of the item.
    position: HashTable<u32>,
    hasher: RandomState,
    /// The team a client belongs to by configuration or override; absent: the team of the
    /// trajectory's own beoordeling, if any.
    teams: HashMap<ClientKey, CompactString>,
}

impl std::fmt::Debug for TrajectoryIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No BSNs in debug output.
        f.debug_struct("TrajectoryIndex")
            .field("trajectories", &self.items.len())
            .field("clients_with_team", &self.teams.len())
            .finish()
    }
}

fn client_of(t: &Trajectory) -> ClientKey {
    (t.gemeente.clone(), t.bsn)
}

fn same(t: &Trajectory, domein: Domein, gemeente: &str, nummer: &str) -> bool {
    t.domein == domein && t.gemeente == gemeente && t.toewijzingnummer == nummer
}

impl TrajectoryIndex {
    /// An index of these trajectories, with the clients' teams.
    pub fn build(
        all: Vec<Trajectory>,
        teams: impl IntoIterator<Item = (String, String, String)>,
    ) -> TrajectoryIndex {
        let mut index = TrajectoryIndex {
            teams: teams
                .into_iter()
                .filter_map(|(g, b, t)| Some(((g.into(), Bsn::parse(&b)?), t.into())))
                .collect(),
            ..TrajectoryIndex::default()
        };
        index.items.reserve_exact(all.len());
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

    fn hash(&self, domein: Domein, gemeente: &str, nummer: &str) -> u64 {
        self.hasher.hash_one((domein, gemeente, nummer))
    }

    fn hash_of(&self, t: &Trajectory) -> u64 {
        self.hash(t.domein, &t.gemeente, &t.toewijzingnummer)
    }

    fn find(&self, domein: Domein, gemeente: &str, nummer: &str) -> Option<usize> {
        let h = self.hash(domein, gemeente, nummer);
        self.position
            .find(h, |&i| {
                same(&self.items[i as usize], domein, gemeente, nummer)
            })
            .map(|&i| i as usize)
    }

    pub fn get(&self, key: &TrajectoryKey) -> Option<&Trajectory> {
        self.find(key.0, &key.1, &key.2).map(|i| &self.items[i])
    }

    /// Add or replace a trajectory; its team becomes the client's team where one is known.
    pub fn put(&mut self, mut t: Trajectory) {
        if let Some(team) = self.teams.get(&client_of(&t)) {
            t.team = Some(team.clone());
        }
        match self.find(t.domein, &t.gemeente, &t.toewijzingnummer) {
            Some(i) => self.items[i] = t,
            None => {
                let h = self.hash_of(&t);
                let i = self.items.len() as u32;
                self.items.push(t);
                let (items, hasher) = (&self.items, &self.hasher);
                self.position.insert_unique(h, i, |&j| {
                    let u = &items[j as usize];
                    hasher.hash_one((u.domein, u.gemeente.as_str(), u.toewijzingnummer.as_str()))
                });
            }
        }
    }

    /// Remove a trajectory (its toewijzing was removed).
    pub fn remove(&mut self, key: &TrajectoryKey) {
        let h = self.hash(key.0, &key.1, &key.2);
        let items = &self.items;
        let Ok(entry) = self
            .position
            .find_entry(h, |&i| same(&items[i as usize], key.0, &key.1, &key.2))
        else {
            return;
        };
        let (i, _) = entry.remove();
        let i = i as usize;
        let last = self.items.len() - 1;
        self.items.swap_remove(i);
        if i != last {
            // The last item moved to `i`: point its entry there.
            let h = self.hash_of(&self.items[i]);
            if let Some(slot) = self.position.find_mut(h, |&j| j as usize == last) {
                *slot = i as u32;
            }
        }
    }

    /// The team of a client (configuration or override); `None` leaves each trajectory the team
    /// of its beoordeling. Rewrites the client's trajectories only when the team changes.
    pub fn set_team(&mut self, gemeente: &str, bsn: &str, team: Option<String>) {
        let Some(b) = Bsn::parse(bsn) else {
            return;
        };
        let key: ClientKey = (gemeente.into(), b);
        if self.teams.get(&key).map(CompactString::as_str) == team.as_deref() {
            return;
        }
        match &team {
            Some(t) => self.teams.insert(key, t.as_str().into()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doelbereik::Grond;

    fn t(nummer: &str, bsn: &str) -> Trajectory {
        let d = Datum::from_ymd(2025, 1, 1).expect("date");
        Trajectory {
            domein: Domein::Ijw,
            aanbieder: "12345678".into(),
            gemeente: "0599".into(),
            team: None,
            bsn: Bsn::parse(bsn).expect("bsn"),
            toewijzingnummer: nummer.into(),
            ingangsdatum: d,
            start: None,
            stop: None,
            status: Status::Onbekend,
            grond: Grond::GeenResultaat,
            tevredenheid: None,
            plan: None,
            reden_wijziging: None,
            toegewezen: None,
        }
    }

    fn key(n: &str) -> TrajectoryKey {
        (Domein::Ijw, "0599".into(), n.into())
    }

    #[test]
    fn put_replace_remove_and_teams() {
        let mut index = TrajectoryIndex::build(
            vec![
                t("1", "999990019"),
                t("2", "999990020"),
                t("3", "999990019"),
            ],
            vec![(
                "0599".to_string(),
                "999990019".to_string(),
                "noord".to_string(),
            )],
        );
        assert_eq!(index.len(), 3);
        assert_eq!(
            index.get(&key("1")).and_then(|t| t.team.clone()),
            Some("noord".into())
        );
        assert_eq!(index.get(&key("2")).and_then(|t| t.team.clone()), None);
        // Removing the first moves the last into its place; every other lookup still works.
        index.remove(&key("1"));
        assert!(index.get(&key("1")).is_none());
        assert_eq!(
            index.get(&key("3")).map(|t| t.toewijzingnummer.as_str()),
            Some("3")
        );
        assert_eq!(
            index.get(&key("2")).map(|t| t.toewijzingnummer.as_str()),
            Some("2")
        );
        index.remove(&key("9"));
        assert_eq!(index.len(), 2);
        // Replacing keeps one entry; a new one is added.
        index.put(t("2", "999990020"));
        index.put(t("4", "999990020"));
        assert_eq!(index.len(), 3);
        index.set_team("0599", "999990020", Some("zuid".into()));
        assert_eq!(
            index.get(&key("4")).and_then(|t| t.team.clone()),
            Some("zuid".into())
        );
        assert_eq!(
            index.get(&key("2")).and_then(|t| t.team.clone()),
            Some("zuid".into())
        );
        index.set_team("0599", "999990020", None);
        assert_eq!(index.get(&key("2")).and_then(|t| t.team.clone()), None);
        assert!(
            !format!("{index:?}").contains("99999"),
            "no BSN in debug output"
        );
    }
}
