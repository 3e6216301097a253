//! The gateway shell against the model (the way Vector tests its disk buffer): random sequences
//! of real messages — toewijzingen, starts, stops, declaraties, exact resends, reused
//! identificaties, messages rejected on their own — go through the real sled-backed gateway
//! and through `intake::decide` over the in-memory [`Model`]. Both must give the same verdicts,
//! findings, retourberichten, replays and deliveries, and end with the same history; and a
//! store that cannot be read fails a message closed.

#[path = "../../../../tests/api/scenario/history.rs"]
mod build;

use super::*;
use crate::store::InboxEntry;
use build::*;
use sluis_core::doelbereik::{PlanHistory, PlanTree};
use sluis_core::intake::{Decision, Model};
use sluis_core::validate::history::{History, Tree};
use sluis_testkit::jaar::rng::Rng;
use std::time::Duration;

fn settings() -> Settings {
    Settings::parse(include_str!("../../../../config/sluis.toml")).expect("demo config")
}

fn at() -> OffsetDateTime {
    time::macros::datetime!(2026-06-15 10:00 UTC)
}

fn gateway(dir: &std::path::Path, keys: bool) -> Arc<Gateway> {
    let keys =
        keys.then(|| std::sync::Arc::new(crate::security::crypto::Keys::generate().expect("keys")));
    let store = Store::open_with(dir, Duration::from_millis(1), keys).expect("store");
    Arc::new(Gateway::with_clock(settings(), store, Clock::fixed(at())).expect("gateway"))
}

/// One step of a random provider and municipality.
struct Traffic {
    rng: Rng,
    sent: Vec<(String, String)>,
    ids: u32,
}

const NUMMERS: [&str; 4] = ["7001", "7002", "7003", "7004"];
const MONTHS: [(&str, &str); 4] = [
    ("2026-02", "28"),
    ("2026-03", "31"),
    ("2026-04", "30"),
    ("2026-05", "31"),
];

impl Traffic {
    fn new(seed: u64) -> Traffic {
        Traffic {
            rng: Rng::new(seed),
            sent: Vec::new(),
            ids: 0,
        }
    }

    /// A fresh identificatie, or now and then one used before (for another message).
    fn id(&mut self, prefix: &str) -> String {
        let reuse: Vec<String> = self
            .sent
            .iter()
            .filter(|(p, _)| p == prefix)
            .map(|(_, id)| id.clone())
            .collect();
        if !reuse.is_empty() && self.rng.below(8) == 0 {
            return self.rng.pick(&reuse).clone();
        }
        self.ids += 1;
        let id = format!("{prefix}{:04}", self.ids);
        self.sent.push((prefix.to_string(), id.clone()));
        id
    }

    fn next(&mut self, step: usize, history: &[String]) -> String {
        // First the municipality assigns every product once, then anything goes.
        if step < NUMMERS.len() * 2 {
            let std = BOTH[step / NUMMERS.len()];
            let n = step % NUMMERS.len();
            let id = self.id("T");
            return toewijzing(std, &id, BSNS[n % 3], &[tw(std, NUMMERS[n])]);
        }
        let std = *self.rng.pick(&BOTH);
        // Each toewijzing belongs to one client, as in life.
        let n = self.rng.below(NUMMERS.len());
        let (nummer, bsn) = (NUMMERS[n], BSNS[n % 3]);
        match self.rng.below(10) {
            // The same bytes again.
            0 if !history.is_empty() => self.rng.pick(history).clone(),
            0..=2 => {
                let id = self.id("T");
                let product = match self.rng.below(6) {
                    // Rejected on its own: ends before it begins.
                    0 => tw(std, nummer).period("2026-03-01", Some("2026-02-01")),
                    1 => tw(std, nummer).later("01"),
                    _ => tw(std, nummer),
                };
                if self.rng.below(12) == 0 {
                    // To an aanbieder this gemeente has no contract with.
                    let mut head = head_from_gemeente(&id);
                    head.ontvanger = "99999999".into();
                    return toewijzing_with(std, &head, bsn, &[product]);
                }
                toewijzing(std, &id, bsn, &[product])
            }
            3 | 4 => {
                let id = self.id("S");
                let begin = *self.rng.pick(&["2026-01-05", "2026-02-01", "2025-12-01"]);
                start(std, &id, bsn, &[Lev::new(nummer).begin(begin)])
            }
            5 => {
                let id = self.id("E");
                stop(std, &id, bsn, &[Lev::new(nummer)])
            }
            _ => {
                let id = self.id("D");
                let (month, last) = *self.rng.pick(&MONTHS);
                let referentie = format!("R{}", self.rng.below(6));
                let mut pr = Pr::new(std, &referentie, nummer)
                    .code(cat(std), Some(CODE))
                    .period(&format!("{month}-01"), &format!("{month}-{last}"));
                if self.rng.below(2) == 0 {
                    // The contract's tariff (the default 50 euro an hour is not).
                    pr = pr.with_bedrag(2500, 2500 * 12);
                }
                if self.rng.below(6) == 0 {
                    pr = pr.credit_of(&format!("R{}", self.rng.below(6)));
                }
                let decl = format!("DECL{}", self.rng.below(1000));
                declaratie(std, &id, &decl, month, &[(bsn, vec![pr])])
            }
        }
    }
}

/// The contracted product category of each standard in the demo configuration.
fn cat(std: Std) -> &'static str {
    match std {
        Std::Ijw => "31",
        Std::Iwmo => "01",
    }
}

fn tw(std: Std, nummer: &str) -> Tw {
    let mut t = Tw::new(std, nummer);
    t.cat = cat(std).into();
    t
}

/// Every record of every primary tree, as sorted JSON (the store orders by pseudonymised key).
fn history_of(h: &impl History) -> Vec<String> {
    let mut out: Vec<String> = Tree::ALL
        .iter()
        .filter(|t| t.primary().is_none())
        .flat_map(|t| h.scan(*t, &[]))
        .map(|r| serde_json::to_string(&r).expect("json"))
        .collect();
    out.sort();
    out
}

fn plans_of(p: &impl PlanHistory) -> Vec<String> {
    let mut out: Vec<String> = PlanTree::ALL
        .iter()
        .filter(|t| t.primary().is_none())
        .flat_map(|t| p.scan(*t, &[]))
        .map(|r| serde_json::to_string(&r).expect("json"))
        .collect();
    out.sort();
    out
}

/// The inbox entries made for message `id`.
fn deliveries_of(gw: &Gateway, id: u64) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for party in [GEMEENTE, AANBIEDER] {
        let entries: Vec<InboxEntry> = gw.store.inbox(party, Some(0), 100_000).expect("inbox");
        out.extend(
            entries
                .into_iter()
                .filter(|e| e.bericht_id == id)
                .map(|e| (party.to_string(), e.kind.as_str().to_string())),
        );
    }
    out.sort();
    out
}

async fn run(seed: u64, steps: usize, keys: bool) -> (usize, usize, usize) {
    let dir = tempfile::tempdir().expect("dir");
    let gw = gateway(dir.path(), keys);
    let policy = settings().policy();
    let limits = Limits::default();
    let mut model = Model::default();
    let mut traffic = Traffic::new(seed);
    let mut bodies: Vec<String> = Vec::new();
    let (mut accepted, mut rejected, mut replays) = (0, 0, 0);
    for step in 0..steps {
        let body = traffic.next(step, &bodies);
        let ctx = format!("seed {seed} step {step}:\n{body}");
        let real = gw.ingest(body.as_bytes(), None).await;
        let read = match intake::read(body.as_bytes(), None, &limits) {
            Ok(read) => read,
            Err(refusal) => {
                assert!(
                    real.is_err(),
                    "model refused ({refusal}), gateway took it; {ctx}"
                );
                continue;
            }
        };
        let id = real.as_ref().map_or(0, |r| r.record.id);
        let decision = model
            .decide(&read, &policy, Clock::fixed(at()).today(), id)
            .expect("the model cannot fail");
        if let Decision::Refuse(refusal) = &decision {
            assert!(
                real.is_err(),
                "model refused ({refusal}), gateway took it; {ctx}"
            );
            continue;
        }
        let real = real.unwrap_or_else(|e| panic!("gateway refused ({e}); {ctx}"));
        match &decision {
            Decision::Refuse(_) => unreachable!("handled above"),
            Decision::Replay { earlier } => {
                assert!(real.replay, "model: replay, gateway: new; {ctx}");
                assert_eq!(*earlier, id, "{ctx}");
                replays += 1;
            }
            Decision::Store(judged) => {
                assert!(!real.replay, "model: new, gateway: replay; {ctx}");
                let r = &real.record;
                let findings: Vec<StoredFinding> =
                    judged.findings.iter().map(StoredFinding::from).collect();
                assert_eq!(r.findings, findings, "{ctx}");
                assert_eq!(r.accepted, judged.accepted, "{ctx}");
                assert_eq!(r.conflicts_with, judged.conflicts_with, "{ctx}");
                assert_eq!(
                    r.retour.as_ref().map(|x| &x.xml),
                    judged.retour.as_ref().map(|x| &x.xml),
                    "{ctx}"
                );
                let mut want: Vec<(String, String)> = judged
                    .deliveries
                    .iter()
                    .map(|d| (d.party.clone(), d.kind.as_str().to_string()))
                    .collect();
                want.sort();
                assert_eq!(deliveries_of(&gw, id), want, "{ctx}");
                if std::env::var("MODEL_DEBUG").is_ok() {
                    let codes: Vec<_> = judged.findings.iter().map(|f| f.code).collect();
                    eprintln!("{} {:?}", judged.envelope.bericht, codes);
                }
                if judged.accepted {
                    accepted += 1;
                } else {
                    rejected += 1;
                }
                bodies.push(body.clone());
            }
        }
        model.apply(id, &read, &decision);
    }
    assert_eq!(
        history_of(&gw.store.history()),
        history_of(&model.history),
        "seed {seed}: the history"
    );
    assert_eq!(
        plans_of(&gw.store.plans()),
        plans_of(&model.plans),
        "seed {seed}: the plans"
    );
    (accepted, rejected, replays)
}

#[tokio::test]
async fn the_gateway_decides_as_the_model_does() {
    let (mut a, mut r, mut p) = (0, 0, 0);
    for seed in 1..=4 {
        let (x, y, z) = run(seed, 70, seed % 2 == 0).await;
        a += x;
        r += y;
        p += z;
    }
    // The traffic reached every kind of outcome.
    eprintln!("accepted {a}, rejected {r}, replays {p}");
    assert!(
        a > 40 && r > 40 && p > 5,
        "accepted {a}, rejected {r}, replays {p}"
    );
}

/// A message to a party the gateway does not serve is refused whole: nothing stored, no
/// retourbericht, no inbox entry (it would wait for a reader that never comes).
#[tokio::test]
async fn a_message_to_an_unknown_party_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let gw = gateway(dir.path(), false);
    let mut head = head_from_gemeente("T1");
    head.ontvanger = "99999999".into();
    let tw = toewijzing_with(Std::Ijw, &head, BSN1, &[Tw::new(Std::Ijw, "7001")]);
    let err = gw.ingest(tw.as_bytes(), None).await.expect_err("refused");
    assert!(matches!(err, IngestError::UnknownOntvanger), "{err:?}");
    assert_eq!(gw.store.count(), 0);
    assert!(gw
        .store
        .inbox("99999999", None, 10)
        .expect("inbox")
        .is_empty());
    assert!(gw
        .store
        .inbox(GEMEENTE, None, 10)
        .expect("inbox")
        .is_empty());
    // To a configured aanbieder it is taken.
    let ok = toewijzing(Std::Ijw, "T1", BSN1, &[Tw::new(Std::Ijw, "7001")]);
    assert!(gw.ingest(ok.as_bytes(), None).await.is_ok());
}

/// A store that cannot be read fails the message closed: an error, nothing stored, not
/// ready; when the store is readable again the gateway is too.
#[tokio::test]
async fn an_unreadable_history_fails_the_message_closed() {
    let dir = tempfile::tempdir().expect("dir");
    let gw = gateway(dir.path(), true);
    let tw = toewijzing(Std::Ijw, "T1", BSN1, &[Tw::new(Std::Ijw, "7001")]);
    let first = gw.ingest(tw.as_bytes(), None).await.expect("stored");
    assert!(first.record.accepted, "{:?}", first.record.findings);
    // Damage every record of the toewijzingen tree (as a bad disk would).
    let tree = gw.store.open_tree("h_toewijzingen").expect("tree");
    let kept: Vec<_> = tree.iter().map(|kv| kv.expect("record")).collect();
    assert!(!kept.is_empty());
    for (k, _) in &kept {
        tree.insert(k, b"damaged".as_slice()).expect("write");
    }
    let count = gw.store.count();
    let start_msg = start(Std::Ijw, "S1", BSN1, &[Lev::new("7001")]);
    let err = gw
        .ingest(start_msg.as_bytes(), None)
        .await
        .expect_err("fails closed");
    assert!(
        matches!(err, IngestError::Store(StoreError::Read(_))),
        "{err:?}"
    );
    assert_eq!(gw.store.count(), count, "nothing stored");
    assert!(!gw.ready(), "not ready while the store cannot be read");
    assert_eq!(
        gw.store
            .by_identificatie(AANBIEDER, "JW305", "S1")
            .expect("index"),
        None
    );
    // Readable again (the records restored): the same message is judged and stored.
    for (k, v) in &kept {
        tree.insert(k, v).expect("restore");
    }
    let again = gw.ingest(start_msg.as_bytes(), None).await.expect("stored");
    assert!(gw.ready());
    assert_eq!(gw.store.count(), count + 1);
    assert!(!again.replay);
    assert!(again.record.accepted, "{:?}", again.record.findings);
}
