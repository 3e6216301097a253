//! The trajectories of the whole store, in memory, for the views that read them all: the
//! indicators and the gebiedsteam's doelbereik view. One row per toewijzing, kept current by the
//! gateway (it replaces the trajectories a message touched, under its judging lock) and rebuilt
//! from the store at start-up; a client's team is resolved once and set on each of its rows.
//!
//! Compact: a gateway holds hundreds of thousands of trajectories, so a row keeps parties,
//! teams and codes as small ids into tables of the distinct values, dates as day numbers, the
//! BSN as a number, a numeric toewijzingnummer as a number, and status, ground and satisfaction
//! in a few bits: 60 bytes a row instead of 208 for a [`Trajectory`] (`docs/performance.md`).
//! The public answers are still [`Trajectory`]s, made from a row when they are read. Names and
//! descriptions stay out of the rows: the gateway adds them to the page of rows it returns.

use super::financiering::{Grond, Status};
use super::indicatoren::{self, Filter, Groep, Indicatoren, Stop, Trajectory, TrajectoryKey};
use super::model::Tevredenheid;
use super::plans::PlanHistory;
use crate::standard::types::Bsn;
use crate::standard::types::Datum;
use crate::validate::history::{Domein, History, Product};
use compact_str::CompactString;
use hashbrown::HashTable;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash, RandomState};

/// What the team view shows of a trajectory besides the [`Trajectory`] itself, kept in the
/// index row (the [`Trajectory`] type stays as the figures know it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    /// Productcategorie and productcode of the toewijzing's current version.
    pub product: Option<Product>,
    /// The date of the latest version of the plans covering the toewijzing.
    pub plan_laatste: Option<Datum>,
}

/// The details of a trajectory, read from both histories.
pub fn details(history: &impl History, plans: &impl PlanHistory, t: &Trajectory) -> Details {
    let product = history
        .toewijzing(t.domein, &t.gemeente, &t.toewijzingnummer)
        .and_then(|s| s.current().map(|v| v.product.clone()))
        .filter(|p| p.categorie.is_some() || p.code.is_some());
    let plan_laatste = plans
        .plannen_voor(t.domein, &t.gemeente, &t.toewijzingnummer)
        .iter()
        .map(|p| p.datum)
        .max();
    Details {
        product,
        plan_laatste,
    }
}

/// Every trajectory of the store with its details (for [`TrajectoryIndex::build_with`]).
pub fn trajectories_with_details(
    history: &impl History,
    plans: &impl PlanHistory,
) -> Vec<(Trajectory, Details)> {
    indicatoren::trajectories(history, plans)
        .into_iter()
        .map(|t| {
            let d = details(history, plans, &t);
            (t, d)
        })
        .collect()
}

/// One trajectory with its details, anew from both histories; `None` when there is none.
pub fn trajectory_with_details(
    history: &impl History,
    plans: &impl PlanHistory,
    domein: Domein,
    gemeente: &str,
    nummer: &str,
) -> Option<(Trajectory, Details)> {
    let t = indicatoren::trajectory(history, plans, domein, gemeente, nummer)?;
    let d = details(history, plans, &t);
    Some((t, d))
}

/// The distinct values of one kind, each once, by a small id.
struct Table<T> {
    values: Vec<T>,
    ids: HashMap<T, u32>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            values: Vec::new(),
            ids: HashMap::new(),
        }
    }
}

impl<T: Hash + Eq + Clone> Table<T> {
    fn id(&mut self, v: &T) -> u32 {
        if let Some(&i) = self.ids.get(v) {
            return i;
        }
        let i = self.values.len() as u32;
        self.values.push(v.clone());
        self.ids.insert(v.clone(), i);
        i
    }

    fn find<Q>(&self, v: &Q) -> Option<u32>
    where
        T: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.ids.get(v).copied()
    }

    fn get(&self, i: u32) -> Option<&T> {
        self.values.get(i as usize)
    }

    fn bytes(&self) -> usize {
        // Each value twice (list and map) plus the map's id and control bytes, roughly.
        self.values.capacity() * std::mem::size_of::<T>() * 2 + self.ids.capacity() * 5
    }
}

/// "None" for an optional id.
const NONE16: u16 = u16::MAX;
const NONE32: u32 = u32::MAX;
/// "None" for an optional day.
const NO_DAY: i32 = i32::MIN;
/// A toewijzingnummer that is not a plain number: an id into the table of such numbers.
const NUMMER_TEXT: u64 = 1 << 63;

/// An id of at most 16 bits. The kinds kept this way are bounded far below that by the
/// standard (four-digit gemeentecodes, two-digit codes) or by the configuration (teams); a
/// 65,535th distinct value would share the last id.
fn id16(i: u32) -> u16 {
    u16::try_from(i).unwrap_or(NONE16 - 1)
}

fn day(d: Option<Datum>) -> i32 {
    d.map_or(NO_DAY, Datum::to_days)
}

fn datum(d: i32) -> Option<Datum> {
    (d != NO_DAY).then(|| Datum::from_days(d)).flatten()
}

/// A number without leading zeros that fits: the toewijzingnummer as it is, in eight bytes.
fn numeric(nummer: &str) -> Option<u64> {
    let plain = !nummer.is_empty()
        && nummer.len() <= 18
        && nummer.bytes().all(|b| b.is_ascii_digit())
        && (nummer == "0" || !nummer.starts_with('0'));
    plain.then(|| nummer.parse().ok()).flatten()
}

fn bsn_number(b: &Bsn) -> u32 {
    b.digits().iter().fold(0, |n, d| n * 10 + u32::from(*d))
}

fn bsn_of(n: u32) -> Option<Bsn> {
    let mut text = [b'0'; 9];
    let mut rest = n;
    for slot in text.iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    Bsn::parse(std::str::from_utf8(&text).ok()?)
}

// Bits of `Row::flags`.
const IWMO: u16 = 1;
const STOPPED: u16 = 1 << 1;
const STATUS_SHIFT: u16 = 2; // 2 bits: 0 onbekend, 1 bereikt, 2 niet bereikt
const GROND_SHIFT: u16 = 4; // 2 bits: 0 geen resultaat, 1 resultaatmelding, 2 beoordeling
const GROND_JA: u16 = 1 << 6; // alle doelen behaald / eens
const TEVREDEN_SHIFT: u16 = 7; // 2 bits: 0 none, 1 tevreden, 2 neutraal, 3 ontevreden

/// One trajectory, compact (60 bytes).
#[derive(Debug, Clone, Copy)]
struct Row {
    /// The toewijzingnummer as a number, or `NUMMER_TEXT | id` into `nummers`, in two halves
    /// (so the row aligns to 4 bytes: 60, not 64).
    nummer: [u32; 2],
    bsn: u32,
    aanbieder: u32,
    /// (categorie, code) id in `products`, `NONE32` without.
    product: u32,
    /// The version of the beoordeling in the ground.
    versie: u32,
    ingangsdatum: i32,
    start: i32,
    einddatum: i32,
    plan: i32,
    plan_laatste: i32,
    /// The first version's Toewijzingsdatum (for the peildatum).
    toegewezen: i32,
    gemeente: u16,
    /// The team the views show (client's, else the beoordeling's), `NONE16` without.
    team: u16,
    /// The team of the beoordeling in the ground.
    grond_team: u16,
    reden: u16,
    reden_wijziging: u16,
    flags: u16,
}

const _: () = assert!(std::mem::size_of::<Row>() == 60);

impl Row {
    fn nummer(&self) -> u64 {
        (u64::from(self.nummer[0]) << 32) | u64::from(self.nummer[1])
    }

    fn domein(&self) -> Domein {
        if self.flags & IWMO != 0 {
            Domein::Iwmo
        } else {
            Domein::Ijw
        }
    }

    fn status(&self) -> Status {
        match (self.flags >> STATUS_SHIFT) & 3 {
            1 => Status::Bereikt,
            2 => Status::NietBereikt,
            _ => Status::Onbekend,
        }
    }

    fn beeindigd(&self) -> bool {
        self.flags & STOPPED != 0
    }
}

/// A client by gemeente id and BSN number.
type ClientKey = (u16, u32);

/// Sized for hundreds of thousands of trajectories: compact rows in one vector, the lookup by
/// toewijzing a table of positions only (the key is read from the row), the distinct texts in
/// small tables.
#[derive(Default)]
pub struct TrajectoryIndex {
    rows: Vec<Row>,
    /// Positions in `rows`, hashed by (domein, gemeente id, nummer) of the row.
    position: HashTable<u32>,
    hasher: RandomState,
    gemeenten: Table<CompactString>,
    aanbieders: Table<CompactString>,
    teams: Table<CompactString>,
    codes: Table<CompactString>,
    nummers: Table<CompactString>,
    products: Table<(Option<CompactString>, Option<CompactString>)>,
    /// The team a client belongs to by configuration or override; absent: the team of the
    /// trajectory's own beoordeling, if any.
    client_teams: HashMap<ClientKey, u16>,
}

impl std::fmt::Debug for TrajectoryIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No BSNs in debug output.
        f.debug_struct("TrajectoryIndex")
            .field("trajectories", &self.rows.len())
            .field("clients_with_team", &self.client_teams.len())
            .finish()
    }
}

/// A team view's row: the trajectory and its details.
pub type TeamRow = (Trajectory, Details);

impl TrajectoryIndex {
    /// An index of these trajectories (without details), with the clients' teams.
    pub fn build(
        all: Vec<Trajectory>,
        teams: impl IntoIterator<Item = (String, String, String)>,
    ) -> TrajectoryIndex {
        TrajectoryIndex::build_with(
            all.into_iter().map(|t| (t, Details::default())).collect(),
            teams,
        )
    }

    /// An index of these trajectories with their details, with the clients' teams.
    pub fn build_with(
        all: Vec<(Trajectory, Details)>,
        teams: impl IntoIterator<Item = (String, String, String)>,
    ) -> TrajectoryIndex {
        let mut index = TrajectoryIndex::default();
        for (g, b, t) in teams {
            if let Some(b) = Bsn::parse(&b) {
                let key = (index.gemeente_id(&g), bsn_number(&b));
                let team = id16(index.teams.id(&t.as_str().into()));
                index.client_teams.insert(key, team);
            }
        }
        index.rows.reserve_exact(all.len());
        for (t, d) in all {
            index.put_with(t, d);
        }
        index
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Bytes held, about: the rows, the position table, the tables of distinct values and the
    /// clients' teams (for `docs/performance.md`).
    pub fn heap_bytes(&self) -> usize {
        self.rows.capacity() * std::mem::size_of::<Row>()
            + self.position.capacity() * (std::mem::size_of::<u32>() + 1)
            + self.gemeenten.bytes()
            + self.aanbieders.bytes()
            + self.teams.bytes()
            + self.codes.bytes()
            + self.nummers.bytes()
            + self.products.bytes()
            + self.client_teams.capacity() * (std::mem::size_of::<(ClientKey, u16)>() + 1)
    }

    /// Every trajectory (in no particular order), made from the rows.
    pub fn all(&self) -> Vec<Trajectory> {
        self.rows.iter().map(|r| self.trajectory(r)).collect()
    }

    /// Every trajectory in turn, made from its row and dropped after `f` (no list of them all).
    pub fn for_each(&self, mut f: impl FnMut(&Trajectory)) {
        for r in &self.rows {
            f(&self.trajectory(r));
        }
    }

    /// The trajectories that pass `keep`, made from the rows.
    pub fn select(&self, keep: impl Fn(&Trajectory) -> bool) -> Vec<Trajectory> {
        self.rows
            .iter()
            .map(|r| self.trajectory(r))
            .filter(|t| keep(t))
            .collect()
    }

    /// The trajectories of one client in a gemeente (both domains), made from its rows only.
    pub fn van_client(&self, gemeente: &str, bsn: &Bsn) -> Vec<Trajectory> {
        let Some(g) = self.gemeenten.find(gemeente).map(id16) else {
            return Vec::new();
        };
        let b = bsn_number(bsn);
        self.rows
            .iter()
            .filter(|r| r.gemeente == g && r.bsn == b)
            .map(|r| self.trajectory(r))
            .collect()
    }

    /// The indicators over the trajectories the filter admits ([`indicatoren::indicatoren`]).
    pub fn indicatoren(&self, filter: &Filter) -> Indicatoren {
        indicatoren::indicatoren(&self.all(), filter)
    }

    /// The indicators per group ([`indicatoren::per`]).
    pub fn per(&self, filter: &Filter, groep: Groep) -> BTreeMap<String, Indicatoren> {
        indicatoren::per(&self.all(), filter, groep)
    }

    fn gemeente_id(&mut self, g: &str) -> u16 {
        id16(self.gemeenten.id(&g.into()))
    }

    fn code_id(&mut self, c: Option<&str>) -> u16 {
        c.map_or(NONE16, |c| id16(self.codes.id(&c.into())))
    }

    fn text(table: &Table<CompactString>, id: u16) -> CompactString {
        if id == NONE16 {
            return CompactString::default();
        }
        table.get(u32::from(id)).cloned().unwrap_or_default()
    }

    fn opt_text(table: &Table<CompactString>, id: u16) -> Option<CompactString> {
        (id != NONE16).then(|| Self::text(table, id))
    }

    fn nummer_text(&self, n: u64) -> CompactString {
        if n & NUMMER_TEXT != 0 {
            self.nummers
                .get((n & !NUMMER_TEXT) as u32)
                .cloned()
                .unwrap_or_default()
        } else {
            compact_str::format_compact!("{n}")
        }
    }

    /// The row's key parts for a lookup by text, without adding to the tables: `None` when the
    /// gemeente or the (non-numeric) number was never seen.
    fn key_of(&self, gemeente: &str, nummer: &str) -> Option<(u16, u64)> {
        let g = id16(self.gemeenten.find(gemeente)?);
        let n = match numeric(nummer) {
            Some(n) => n,
            None => NUMMER_TEXT | u64::from(self.nummers.find(nummer)?),
        };
        Some((g, n))
    }

    fn hash(&self, domein: Domein, gemeente: u16, nummer: u64) -> u64 {
        self.hasher.hash_one((domein, gemeente, nummer))
    }

    fn find(&self, domein: Domein, gemeente: &str, nummer: &str) -> Option<usize> {
        let (g, n) = self.key_of(gemeente, nummer)?;
        let h = self.hash(domein, g, n);
        self.position
            .find(h, |&i| {
                let r = &self.rows[i as usize];
                r.domein() == domein && r.gemeente == g && r.nummer() == n
            })
            .map(|&i| i as usize)
    }

    /// The trajectory of a toewijzing, made from its row.
    pub fn get(&self, key: &TrajectoryKey) -> Option<Trajectory> {
        self.find(key.0, &key.1, &key.2)
            .map(|i| self.trajectory(&self.rows[i]))
    }

    /// The details of a toewijzing's trajectory.
    pub fn details(&self, key: &TrajectoryKey) -> Option<Details> {
        self.find(key.0, &key.1, &key.2)
            .map(|i| self.details_of(&self.rows[i]))
    }

    fn trajectory(&self, r: &Row) -> Trajectory {
        let grond = match (r.flags >> GROND_SHIFT) & 3 {
            1 => Grond::Resultaatmelding {
                alle_doelen_behaald: r.flags & GROND_JA != 0,
            },
            2 => Grond::Beoordeling {
                team: Self::text(&self.teams, r.grond_team).into(),
                versie: r.versie,
                eens: r.flags & GROND_JA != 0,
            },
            _ => Grond::GeenResultaat,
        };
        let tevredenheid = match (r.flags >> TEVREDEN_SHIFT) & 3 {
            1 => Some(Tevredenheid::Tevreden),
            2 => Some(Tevredenheid::Neutraal),
            3 => Some(Tevredenheid::Ontevreden),
            _ => None,
        };
        // Every row was made from a valid BSN and dates; the fallbacks are never taken.
        let bsn = bsn_of(r.bsn).unwrap_or_else(|| Bsn::parse("000000000").expect("nine digits"));
        let ingangsdatum =
            datum(r.ingangsdatum).unwrap_or_else(|| Datum::from_ymd(1, 1, 1).expect("a date"));
        Trajectory {
            domein: r.domein(),
            aanbieder: self
                .aanbieders
                .get(r.aanbieder)
                .cloned()
                .unwrap_or_default(),
            gemeente: Self::text(&self.gemeenten, r.gemeente),
            team: Self::opt_text(&self.teams, r.team),
            bsn,
            toewijzingnummer: self.nummer_text(r.nummer()),
            ingangsdatum,
            start: datum(r.start),
            stop: if r.beeindigd() {
                datum(r.einddatum).map(|einddatum| Stop {
                    einddatum,
                    reden: Self::text(&self.codes, r.reden),
                })
            } else {
                None
            },
            status: r.status(),
            grond,
            tevredenheid,
            plan: datum(r.plan),
            reden_wijziging: Self::opt_text(&self.codes, r.reden_wijziging),
            toegewezen: datum(r.toegewezen),
        }
    }

    fn details_of(&self, r: &Row) -> Details {
        Details {
            product: self.products.get(r.product).map(|(c, p)| Product {
                categorie: c.as_ref().map(|s| s.to_string()),
                code: p.as_ref().map(|s| s.to_string()),
            }),
            plan_laatste: datum(r.plan_laatste),
        }
    }

    fn row(&mut self, t: &Trajectory, d: &Details) -> Row {
        let gemeente = self.gemeente_id(&t.gemeente);
        let nummer = match numeric(&t.toewijzingnummer) {
            Some(n) => n,
            None => NUMMER_TEXT | u64::from(self.nummers.id(&t.toewijzingnummer)),
        };
        let bsn = bsn_number(&t.bsn);
        let status = match t.status {
            Status::Onbekend => 0,
            Status::Bereikt => 1,
            Status::NietBereikt => 2,
        };
        let (grond, ja, grond_team, versie) = match &t.grond {
            Grond::GeenResultaat => (0, false, NONE16, 0),
            Grond::Resultaatmelding {
                alle_doelen_behaald,
            } => (1, *alle_doelen_behaald, NONE16, 0),
            Grond::Beoordeling { team, versie, eens } => (
                2,
                *eens,
                id16(self.teams.id(&team.as_str().into())),
                *versie,
            ),
        };
        let tevreden = match t.tevredenheid {
            None => 0,
            Some(Tevredenheid::Tevreden) => 1,
            Some(Tevredenheid::Neutraal) => 2,
            Some(Tevredenheid::Ontevreden) => 3,
        };
        let mut flags =
            (status << STATUS_SHIFT) | (grond << GROND_SHIFT) | (tevreden << TEVREDEN_SHIFT);
        if t.domein == Domein::Iwmo {
            flags |= IWMO;
        }
        if t.stop.is_some() {
            flags |= STOPPED;
        }
        if ja {
            flags |= GROND_JA;
        }
        // The client's team where one is known, else the trajectory's own.
        let team = match self.client_teams.get(&(gemeente, bsn)) {
            Some(&team) => team,
            None => match &t.team {
                Some(team) => id16(self.teams.id(team)),
                None => NONE16,
            },
        };
        let product = match &d.product {
            Some(p) => self.products.id(&(
                p.categorie.as_deref().map(Into::into),
                p.code.as_deref().map(Into::into),
            )),
            None => NONE32,
        };
        Row {
            nummer: [(nummer >> 32) as u32, nummer as u32],
            bsn,
            aanbieder: self.aanbieders.id(&t.aanbieder),
            product,
            versie,
            ingangsdatum: t.ingangsdatum.to_days(),
            start: day(t.start),
            einddatum: day(t.stop.as_ref().map(|s| s.einddatum)),
            plan: day(t.plan),
            plan_laatste: day(d.plan_laatste),
            toegewezen: day(t.toegewezen),
            gemeente,
            team,
            grond_team,
            reden: self.code_id(t.stop.as_ref().map(|s| s.reden.as_str())),
            reden_wijziging: self.code_id(t.reden_wijziging.as_deref()),
            flags,
        }
    }

    /// Add or replace a trajectory without details; its team becomes the client's team where
    /// one is known.
    pub fn put(&mut self, t: Trajectory) {
        self.put_with(t, Details::default());
    }

    /// Add or replace a trajectory with its details.
    pub fn put_with(&mut self, t: Trajectory, d: Details) {
        let row = self.row(&t, &d);
        match self.find(t.domein, &t.gemeente, &t.toewijzingnummer) {
            Some(i) => self.rows[i] = row,
            None => {
                let h = self.hash(t.domein, row.gemeente, row.nummer());
                let i = self.rows.len() as u32;
                self.rows.push(row);
                let (rows, hasher) = (&self.rows, &self.hasher);
                self.position.insert_unique(h, i, |&j| {
                    let u = &rows[j as usize];
                    hasher.hash_one((u.domein(), u.gemeente, u.nummer()))
                });
            }
        }
    }

    /// Remove a trajectory (its toewijzing was removed).
    pub fn remove(&mut self, key: &TrajectoryKey) {
        let Some((g, n)) = self.key_of(&key.1, &key.2) else {
            return;
        };
        let h = self.hash(key.0, g, n);
        let rows = &self.rows;
        let Ok(entry) = self.position.find_entry(h, |&i| {
            let r = &rows[i as usize];
            r.domein() == key.0 && r.gemeente == g && r.nummer() == n
        }) else {
            return;
        };
        let (i, _) = entry.remove();
        let i = i as usize;
        let last = self.rows.len() - 1;
        self.rows.swap_remove(i);
        if i != last {
            // The last row moved to `i`: point its entry there.
            let r = self.rows[i];
            let h = self.hash(r.domein(), r.gemeente, r.nummer());
            if let Some(slot) = self.position.find_mut(h, |&j| j as usize == last) {
                *slot = i as u32;
            }
        }
    }

    /// The team of a client (configuration or override); `None` leaves each trajectory the team
    /// of its beoordeling. Rewrites the client's rows only when the team changes.
    pub fn set_team(&mut self, gemeente: &str, bsn: &str, team: Option<String>) {
        let Some(b) = Bsn::parse(bsn) else {
            return;
        };
        let key: ClientKey = (self.gemeente_id(gemeente), bsn_number(&b));
        let id = team.as_deref().map(|t| id16(self.teams.id(&t.into())));
        if self.client_teams.get(&key).copied() == id {
            return;
        }
        match id {
            Some(t) => self.client_teams.insert(key, t),
            None => self.client_teams.remove(&key),
        };
        for r in self
            .rows
            .iter_mut()
            .filter(|r| r.gemeente == key.0 && r.bsn == key.1)
        {
            r.team = match id {
                Some(t) => t,
                None if (r.flags >> GROND_SHIFT) & 3 == 2 => r.grond_team,
                None => NONE16,
            };
        }
    }

    /// The trajectories of the team view that pass the selection: how many, and the page of at
    /// most `limit` from `offset`, sorted by aanbieder and toewijzingnummer. Only the page's
    /// rows are made into trajectories with details.
    pub fn team_page(
        &self,
        team: &str,
        selectie: &Selectie,
        vandaag: Datum,
        offset: usize,
        limit: usize,
    ) -> (usize, Vec<TeamRow>) {
        let Some(id) = self.teams.find(team).map(id16) else {
            return (0, Vec::new());
        };
        let mut hits: Vec<(&str, CompactString, u32)> = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.team == id && selectie.admits(&self.trajectory(r), vandaag))
            .map(|(i, r)| {
                let aanbieder = self
                    .aanbieders
                    .get(r.aanbieder)
                    .map_or("", CompactString::as_str);
                (aanbieder, self.nummer_text(r.nummer()), i as u32)
            })
            .collect();
        let total = hits.len();
        if offset >= total {
            return (total, Vec::new());
        }
        let end = offset.saturating_add(limit).min(total);
        // Only the rows up to the page's end need to be in order.
        if end < total {
            hits.select_nth_unstable(end);
            hits.truncate(end);
        }
        hits.sort_unstable();
        let page = hits[offset..end]
            .iter()
            .map(|h| {
                let r = &self.rows[h.2 as usize];
                (self.trajectory(r), self.details_of(r))
            })
            .collect();
        (total, page)
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
            index.get(&key("3")).map(|t| t.toewijzingnummer.to_string()),
            Some("3".to_string())
        );
        assert_eq!(
            index.get(&key("2")).map(|t| t.toewijzingnummer.to_string()),
            Some("2".to_string())
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

    /// Every kind of value a trajectory holds comes back from the compact row unchanged.
    #[test]
    fn rows_keep_every_value() {
        let d = |s: &str| Datum::parse(s).expect("date");
        let mut all = Vec::new();
        for (i, nummer) in [
            "1",
            "0",
            "007",
            "ABC-12",
            "123456789012345678",
            "1234567890123456789012",
        ]
        .into_iter()
        .enumerate()
        {
            let mut x = t(nummer, "999990019");
            x.domein = if i % 2 == 0 {
                Domein::Ijw
            } else {
                Domein::Iwmo
            };
            x.team = (i % 3 == 0).then(|| "zuid".into());
            x.start = Some(d("2025-02-01"));
            x.stop = (i % 2 == 1).then(|| Stop {
                einddatum: d("2025-06-30"),
                reden: "31".into(),
            });
            x.plan = (i != 2).then(|| d("2025-02-10"));
            x.reden_wijziging = (i == 4).then(|| "01".into());
            x.toegewezen = (i != 3).then(|| d("2024-12-20"));
            (x.status, x.grond, x.tevredenheid) = match i % 3 {
                0 => (Status::Onbekend, Grond::GeenResultaat, None),
                1 => (
                    Status::Bereikt,
                    Grond::Resultaatmelding {
                        alle_doelen_behaald: true,
                    },
                    Some(Tevredenheid::Neutraal),
                ),
                _ => (
                    Status::NietBereikt,
                    Grond::Beoordeling {
                        team: "zuid".into(),
                        versie: 3,
                        eens: false,
                    },
                    Some(Tevredenheid::Ontevreden),
                ),
            };
            let details = Details {
                product: (i != 1).then(|| Product {
                    categorie: Some("45".into()),
                    code: (i % 2 == 0).then(|| "45A12".into()),
                }),
                plan_laatste: Some(d("2025-03-01")),
            };
            all.push((x, details));
        }
        let index = TrajectoryIndex::build_with(all.clone(), Vec::new());
        assert_eq!(index.len(), all.len());
        for (x, details) in &all {
            assert_eq!(index.get(&x.key()).as_ref(), Some(x));
            assert_eq!(index.details(&x.key()).as_ref(), Some(details));
        }
        let mut every = index.all();
        every.sort_by(|a, b| a.toewijzingnummer.cmp(&b.toewijzingnummer));
        let mut want: Vec<Trajectory> = all.iter().map(|(x, _)| x.clone()).collect();
        want.sort_by(|a, b| a.toewijzingnummer.cmp(&b.toewijzingnummer));
        assert_eq!(every, want);
        assert_eq!(std::mem::size_of::<Row>(), 60);
    }

    /// The team view pages in the order of aanbieder and toewijzingnummer as text, and counts
    /// every row that passes.
    #[test]
    fn team_pages_are_sorted_and_complete() {
        let mut all = Vec::new();
        for i in 0..25u32 {
            let mut x = t(&format!("{}", 1 + i * 7 % 25), "999990019");
            x.aanbieder = ["23456789", "12345678"][(i % 2) as usize].into();
            all.push(x);
        }
        let index = TrajectoryIndex::build(
            all.clone(),
            vec![(
                "0599".to_string(),
                "999990019".to_string(),
                "noord".to_string(),
            )],
        );
        let today = Datum::from_ymd(2026, 1, 1).expect("date");
        let mut want: Vec<(String, String)> = all
            .iter()
            .map(|x| (x.aanbieder.to_string(), x.toewijzingnummer.to_string()))
            .collect();
        want.sort();
        let mut got = Vec::new();
        let mut offset = 0;
        loop {
            let (total, page) = index.team_page("noord", &Selectie::default(), today, offset, 7);
            assert_eq!(total, 25);
            if page.is_empty() {
                break;
            }
            offset += page.len();
            got.extend(
                page.into_iter()
                    .map(|(x, _)| (x.aanbieder.to_string(), x.toewijzingnummer.to_string())),
            );
        }
        assert_eq!(got, want);
        assert_eq!(
            index.team_page("zuid", &Selectie::default(), today, 0, 7).0,
            0
        );
    }
}
