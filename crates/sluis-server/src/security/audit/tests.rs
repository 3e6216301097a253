//! The audit chain: appends, verification, export, the background writer.
use super::*;
use crate::security::crypto::Keys;
use sluis_core::standard::types::Bsn;

fn log() -> (AuditLog, sled::Db) {
    let db = sled::Config::new().temporary(true).open().expect("db");
    let tree = db.open_tree("audit").expect("tree");
    (AuditLog::new(tree).expect("log"), db)
}

fn event(actor: &str, action: Action) -> Event {
    Event {
        actor: actor.to_string(),
        role: Some(Role::Aanbieder),
        on_behalf_of: None,
        action,
        object: Object::new("bericht", Some("17")),
        client: None,
        outcome: Outcome::Success,
        source: Some("127.0.0.1".into()),
        detail: None,
    }
}

fn fill(log: &AuditLog, n: u64) {
    for i in 0..n {
        log.append(event(&format!("token:{i}"), Action::Read))
            .expect("append");
    }
}

fn raw(log: &AuditLog, seq: u64) -> Entry {
    let v = log.tree.get(entry_key(seq)).expect("get").expect("there");
    serde_json::from_slice(&v).expect("entry")
}

fn put(log: &AuditLog, seq: u64, e: &Entry) {
    log.tree
        .insert(entry_key(seq), serde_json::to_vec(e).expect("json"))
        .expect("insert");
}

#[test]
fn an_intact_log_verifies() {
    let (log, _db) = log();
    assert_eq!(
        log.verify(),
        Ok(Verified {
            entries: 0,
            head: None
        })
    );
    fill(&log, 5);
    let v = log.verify().expect("intact");
    assert_eq!(v.entries, 5);
    assert_eq!(v.head, log.head());
    assert_eq!(raw(&log, 1).prev, GENESIS);
    assert_eq!(raw(&log, 2).prev, raw(&log, 1).hash());
    // A reopened log continues the chain.
    let again = AuditLog::new(log.tree.clone()).expect("reopen");
    again.append(event("x", Action::Read)).expect("append");
    assert_eq!(again.verify().expect("intact").entries, 6);
}

#[test]
fn a_modified_entry_is_found() {
    let (log, _db) = log();
    fill(&log, 5);
    let mut e = raw(&log, 3);
    e.outcome = Outcome::Denied;
    put(&log, 3, &e);
    assert_eq!(log.verify().expect_err("tampered").seq, 3);
    // A changed `prev` points at the entry itself, not at its predecessor.
    let (log2, _db2) = log_with(5);
    let mut e = raw(&log2, 3);
    e.prev = GENESIS.to_string();
    put(&log2, 3, &e);
    assert_eq!(log2.verify().expect_err("tampered").seq, 3);
    // The last entry, changed: only the head notices.
    let (log, _db) = log_with(5);
    let mut e = raw(&log, 5);
    e.actor = "someone else".into();
    put(&log, 5, &e);
    assert_eq!(log.verify().expect_err("tampered").seq, 5);
}

fn log_with(n: u64) -> (AuditLog, sled::Db) {
    let (log, db) = log();
    fill(&log, n);
    (log, db)
}

#[test]
fn a_removed_entry_is_found() {
    let (log, _db) = log_with(5);
    log.tree.remove(entry_key(3)).expect("remove");
    assert_eq!(log.verify().expect_err("gap").seq, 3);
    // Renumbering the rest to close the gap breaks the chain instead.
    let (log, _db) = log_with(5);
    for seq in 3..5 {
        let mut e = raw(&log, seq + 1);
        e.seq = seq;
        put(&log, seq, &e);
    }
    log.tree.remove(entry_key(5)).expect("remove");
    assert_eq!(log.verify().expect_err("renumbered").seq, 3);
}

#[test]
fn inserted_and_reordered_entries_are_found() {
    let (log, _db) = log_with(5);
    let (a, b) = (raw(&log, 2), raw(&log, 3));
    put(&log, 2, &b);
    put(&log, 3, &a);
    assert_eq!(log.verify().expect_err("swapped").seq, 2);
    let (log, _db) = log_with(5);
    let mut extra = raw(&log, 5);
    extra.seq = 6;
    put(&log, 6, &extra);
    assert!(log.verify().is_err(), "an entry slipped in at the end");
}

#[test]
fn a_removed_tail_is_found_by_the_head_and_by_an_anchor() {
    let (log, _db) = log_with(5);
    let anchor = log.head().expect("head");
    log.tree.remove(entry_key(5)).expect("remove");
    assert_eq!(log.verify().expect_err("tail").seq, 5);
    // Also rewriting the head hides it from verify, but not from the anchor.
    let h4 = Head {
        seq: 4,
        hash: raw(&log, 4).hash(),
    };
    log.tree
        .insert(HEAD_KEY, serde_json::to_vec(&h4).expect("json"))
        .expect("insert");
    assert_eq!(log.verify().expect("consistent").entries, 4);
    assert_eq!(log.verify_anchor(&anchor).expect_err("anchor").seq, 5);
    assert!(log.verify_anchor(&h4).is_ok());
    // All gone, head left.
    let (log, _db) = log_with(2);
    log.tree.remove(entry_key(1)).expect("remove");
    log.tree.remove(entry_key(2)).expect("remove");
    assert_eq!(log.verify().expect_err("empty").seq, 1);
}

#[test]
fn concurrent_appends_form_one_chain() {
    let (log, _db) = log();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let log = log.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    log.append(event(&format!("t{t}-{i}"), Action::Create))
                        .expect("append");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    let v = log.verify().expect("one chain");
    assert_eq!(v.entries, 400);
    assert_eq!(
        log.query(&Filter::default(), 0, 1000).expect("all").len(),
        400
    );
}

#[test]
fn query_by_time_actor_action_object_and_client() {
    let (log, _db) = log();
    let keys = Keys::generate().expect("keys");
    let client = keys.pseudonym(&Bsn::parse("999990019").expect("bsn"));
    let t0 = OffsetDateTime::from_unix_timestamp(1_780_000_000).expect("time");
    for i in 0..10i64 {
        let mut e = event(if i % 2 == 0 { "even" } else { "odd" }, Action::Read);
        if i == 7 {
            e.action = Action::Export;
            e.client = Some(client.clone());
            e.object = Object::new("toewijzing", Some("7001"));
        }
        log.append_at(
            e,
            t0 + time::Duration::seconds(i) + time::Duration::microseconds(i),
        )
        .expect("append");
    }
    let all = |f: Filter| log.query(&f, 0, 100).expect("query");
    assert_eq!(
        all(Filter {
            actor: Some("even".into()),
            ..Filter::default()
        })
        .len(),
        5
    );
    let by_client = all(Filter {
        client: Some(client.clone()),
        ..Filter::default()
    });
    assert_eq!(by_client.len(), 1);
    assert_eq!(by_client[0].seq, 8);
    assert_eq!(
        all(Filter {
            action: Some(Action::Export),
            ..Filter::default()
        })
        .len(),
        1
    );
    let obj = Filter {
        object_kind: Some("toewijzing".into()),
        object_id: Some("7001".into()),
        ..Filter::default()
    };
    assert_eq!(all(obj).len(), 1);
    let window = Filter {
        from: Some(t0 + time::Duration::seconds(2)),
        until: Some(t0 + time::Duration::seconds(5)),
        ..Filter::default()
    };
    assert_eq!(
        all(window).iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![3, 4, 5]
    );
    // Paging with `after`.
    let page = log.query(&Filter::default(), 4, 3).expect("page");
    assert_eq!(
        page.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![5, 6, 7]
    );
    assert_eq!(
        by_client[0].timestamp.len(),
        "2026-05-28T20:26:47.000007Z".len()
    );
}

#[test]
fn exports_and_bsn_masking() {
    let (log, _db) = log();
    let mut e = event("=cmd|' /C calc'!A0", Action::Read);
    e.object = Object::new("client", Some("999990019"));
    log.append(e).expect("append");
    log.append(event("plain, \"quoted\"", Action::Search))
        .expect("append");
    let mut csv = Vec::new();
    assert_eq!(
        log.export_csv(&Filter::default(), &mut csv).expect("csv"),
        2
    );
    let csv = String::from_utf8(csv).expect("utf8");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], CSV_HEADER.join(","));
    assert!(lines[1].contains(",'=cmd|' /C calc'!A0,"), "{}", lines[1]);
    assert!(
        lines[2].contains(",\"plain, \"\"quoted\"\"\","),
        "{}",
        lines[2]
    );
    assert!(!csv.contains("999990019"), "a BSN got into the audit");
    let mut jl = Vec::new();
    log.export_jsonl(&Filter::default(), &mut jl)
        .expect("jsonl");
    let jl = String::from_utf8(jl).expect("utf8");
    let back: Vec<Entry> = jl
        .lines()
        .map(|l| serde_json::from_str(l).expect("entry"))
        .collect();
    assert_eq!(back, log.query(&Filter::default(), 0, 10).expect("all"));
    // Numbers that fail the elfproef (message ids) are kept.
    assert_eq!(
        Object::new("bericht", Some("123456789")).id.as_deref(),
        Some("123456789")
    );
}

#[test]
fn the_background_writer_keeps_one_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sled::open(dir.path()).expect("sled");
    let log = AuditLog::new(db.open_tree("audit").expect("tree")).expect("log");
    let (tx, handle) = spawn_writer(log.clone()).expect("writer");
    let tx = std::sync::Arc::new(tx);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for i in 0..250 {
                    tx.send(Event {
                        actor: format!("t{t}"),
                        role: None,
                        on_behalf_of: None,
                        action: Action::Read,
                        object: Object::new("bericht", Some(&i.to_string())),
                        client: None,
                        outcome: Outcome::Success,
                        source: None,
                        detail: None,
                    })
                    .expect("sent");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("joined");
    }
    drop(tx);
    handle
        .join()
        .expect("writer ends when the senders are gone");
    let v = log.verify().expect("one unbroken chain");
    assert_eq!(v.entries, 1000);
    assert_eq!(log.head().map(|h| h.seq), Some(1000));
}
