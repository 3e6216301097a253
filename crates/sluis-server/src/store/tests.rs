//! The store on its own: one transaction per message, the identificatie claim, inboxes and
//! acknowledgements, sealing, and damaged entries read as errors, never as absent.

use super::*;
use crate::security::crypto::Keys;
use sluis_core::validate::history::{Domein, History, Parties, Record, StartRecord};
use std::sync::Arc;

fn open(dir: &Path, keys: bool) -> Store {
    let keys = keys.then(|| Arc::new(Keys::generate().expect("keys")));
    Store::open_with(dir, Duration::from_millis(1), keys).expect("store")
}

fn record(store: &Store, identificatie: &str, body: &str) -> StoredBericht {
    StoredBericht {
        id: store.next_id().expect("id"),
        received_at: "2026-06-15T10:00:00Z".into(),
        format: "xml".into(),
        bericht: "JW305".into(),
        afzender: "12345678".into(),
        ontvanger: "0599".into(),
        identificatie: identificatie.into(),
        dagtekening: "2026-05-04".into(),
        content_hash: format!("hash-of-{body}"),
        body: body.into(),
        canonical: String::new(),
        accepted: true,
        findings: Vec::new(),
        retour: None,
        conflicts_with: None,
        granted: false,
        payload_verwijderd: None,
    }
}

fn inbox(party: &str) -> Writes {
    Writes {
        inbox: vec![(party.to_string(), "bericht")],
        ..Writes::default()
    }
}

#[test]
fn a_message_and_its_inbox_entry_are_one_write() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(dir.path(), true);
    let r = record(&store, "S1", "<a/>");
    assert!(matches!(
        store.insert(&r, true, None, &inbox("0599")).expect("insert"),
        Inserted::New(id) if id == r.id
    ));
    assert_eq!(store.get(r.id).expect("get"), Some(r.clone()));
    assert_eq!(store.count(), 1);
    assert_eq!(
        store
            .by_identificatie("12345678", "JW305", "S1")
            .expect("index"),
        Some(r.id)
    );
    let entries = store.inbox("0599", None, 10).expect("inbox");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].bericht_id, r.id);
    assert!(store.inbox("12345678", None, 10).expect("inbox").is_empty());
}

#[test]
fn a_claimed_identificatie_is_not_taken_twice_unless_replaced() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(dir.path(), false);
    let first = record(&store, "S1", "<a/>");
    store
        .insert(&first, true, None, &Writes::default())
        .expect("first");
    let second = record(&store, "S1", "<b/>");
    match store
        .insert(&second, true, None, &inbox("0599"))
        .expect("second")
    {
        Inserted::Exists(id) => assert_eq!(id, first.id),
        other => panic!("{other:?}"),
    }
    // Nothing of the refused one was written: no record, no inbox entry, no count.
    assert_eq!(store.get(second.id).expect("get"), None);
    assert!(store.inbox("0599", None, 10).expect("inbox").is_empty());
    assert_eq!(store.count(), 1);
    // Kept without a claim (a conflicting duplicate), or taking over a never-sent one.
    assert!(matches!(
        store.insert(&second, false, None, &Writes::default()),
        Ok(Inserted::New(_))
    ));
    let third = record(&store, "S1", "<c/>");
    assert!(matches!(
        store.insert(&third, true, Some(first.id), &Writes::default()),
        Ok(Inserted::New(_))
    ));
    assert_eq!(
        store
            .by_identificatie("12345678", "JW305", "S1")
            .expect("index"),
        Some(third.id)
    );
}

#[test]
fn acknowledgements_never_move_back_and_requeue_appends() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(dir.path(), false);
    let r = record(&store, "S1", "<a/>");
    store
        .insert(&r, true, None, &inbox("0599"))
        .expect("insert");
    let cursor = store.inbox("0599", None, 10).expect("inbox")[0].cursor;
    assert_eq!(store.ack("0599", cursor).expect("ack"), cursor);
    assert_eq!(store.ack("0599", cursor - 1).expect("ack"), cursor);
    assert!(store.inbox("0599", None, 10).expect("inbox").is_empty());
    let again = store
        .requeue(r.id, &[("0599".to_string(), "bericht")])
        .expect("requeue");
    assert!(again[0] > cursor);
    assert_eq!(store.inbox("0599", None, 10).expect("inbox").len(), 1);
}

#[test]
fn history_effects_are_sealed_and_read_back() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(dir.path(), true);
    let bsn = "999990019";
    let start = Record::Start(StartRecord {
        parties: Parties {
            domein: Domein::Ijw,
            gemeente: "0599".into(),
            aanbieder: "12345678".into(),
        },
        bsn: sluis_core::standard::types::Bsn::parse(bsn).expect("bsn"),
        toewijzingnummer: "7001".into(),
        product: Default::default(),
        toewijzing_ingangsdatum: None,
        begindatum: sluis_core::standard::types::Datum::from_ymd(2026, 1, 5).expect("date"),
        identificatie: "S1".into(),
    });
    let key = sluis_core::validate::history::state::key(&["ijw", "0599", "7001", bsn]);
    let writes = Writes {
        effects: Effects(vec![Effect::Put {
            tree: Tree::Starts,
            key: key.clone(),
            record: Box::new(start.clone()),
        }]),
        ..Writes::default()
    };
    let r = record(&store, "S1", "<a/>");
    store.insert(&r, true, None, &writes).expect("insert");
    assert_eq!(store.history().get(Tree::Starts, &key), Some(start));
    assert_eq!(store.history().fault(), None);
    drop(store);
    // No BSN in any file of the data directory.
    for entry in std::fs::read_dir(dir.path()).expect("dir").flatten() {
        if entry.path().is_file() {
            let bytes = std::fs::read(entry.path()).expect("read");
            assert!(
                !bytes.windows(bsn.len()).any(|w| w == bsn.as_bytes()),
                "BSN in {:?}",
                entry.path()
            );
        }
    }
}

#[test]
fn damaged_entries_are_errors_not_absent() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(dir.path(), true);
    let r = record(&store, "S1", "<a/>");
    store
        .insert(&r, true, None, &Writes::default())
        .expect("insert");
    // An identificatie index entry of the wrong length.
    store
        .identificaties
        .insert(ident_key("12345678", "JW305", "S1"), b"xx".as_slice())
        .expect("damage");
    assert!(store.by_identificatie("12345678", "JW305", "S1").is_err());
    // A sealed record that no longer opens.
    store
        .berichten
        .insert(be(r.id), b"damaged".as_slice())
        .expect("damage");
    assert!(matches!(store.get(r.id), Err(StoreError::Corrupt(..))));
    // A history record that no longer opens: the view reports it, and reads nothing after.
    let key = sluis_core::validate::history::state::key(&["ijw", "0599", "7001"]);
    let tree = store.open_tree("h_toewijzingen").expect("tree");
    tree.insert(store.sealer.key(&key), b"damaged".as_slice())
        .expect("damage");
    let view = store.history();
    assert!(view.scan(Tree::Toewijzingen, &[]).is_empty());
    assert!(view.fault().is_some());
}

#[test]
fn a_terugvordering_signal_is_written_with_its_message_and_sealed() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(dir.path(), true);
    let signaal = sluis_core::doelbereik::Terugvordering {
        domein: Domein::Ijw,
        gemeente: "0599".into(),
        aanbieder: "12345678".into(),
        toewijzingnummer: "7001".into(),
        bedrag: 72_000,
        eerder: 0,
        trajectprijs: 240_000,
        recht_procent: 70,
        aanspraak: 168_000,
        gedeclareerd: 240_000,
        status: sluis_core::doelbereik::Status::NietBereikt,
        reden: "gebiedsteam noord oordeelt het resultaat niet bereikt".into(),
        melding: "Terugvordering op toewijzing 7001: € 720,00".into(),
    };
    let writes = Writes {
        inbox: vec![("12345678".into(), "bericht")],
        signalen: vec![
            ("12345678".into(), signaal.clone()),
            ("0599".into(), signaal.clone()),
        ],
        ..Writes::default()
    };
    let r = record(&store, "S1", "<a/>");
    store.insert(&r, true, None, &writes).expect("insert");
    let aanbieder = store.inbox("12345678", None, 10).expect("inbox");
    let kinds: Vec<_> = aanbieder.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["bericht", "terugvordering"]);
    assert_eq!(aanbieder[1].bericht_id, r.id);
    assert_eq!(aanbieder[1].signaal.as_ref(), Some(&signaal));
    assert_eq!(aanbieder[0].signaal, None);
    let gemeente = store.inbox("0599", None, 10).expect("inbox");
    assert_eq!(gemeente[0].signaal.as_ref(), Some(&signaal));
    // On disk the amounts and the number are sealed.
    for item in store.inbox.iter() {
        let (_, v) = item.expect("entry");
        let text = String::from_utf8_lossy(&v);
        assert!(!text.contains("72000") && !text.contains("7001"), "{text}");
    }
    // A sealed signal moved to another entry does not open: an error, never read as absent.
    let (_, v) = store.inbox.last().expect("last").expect("an entry");
    let other = inbox_key("0599", 1);
    store.inbox.insert(&other, v).expect("copy");
    assert!(store.inbox("0599", Some(0), 10).is_err());
}

#[test]
fn a_reopened_store_reads_and_writes_as_before_and_a_second_handle_blocks_it() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(dir.path(), true);
    let first = record(&store, "R1", "<a/>");
    store
        .insert(&first, true, None, &inbox("0599"))
        .expect("insert");
    store.durable_blocking().expect("durable");
    let store = store.reopen().expect("reopened");
    // The same keys (sealed records open), the same data, and it takes new writes.
    assert_eq!(store.get(first.id).expect("get"), Some(first.clone()));
    let second = record(&store, "R2", "<b/>");
    assert!(second.id > first.id, "ids go on after a reopen");
    store
        .insert(&second, true, None, &inbox("0599"))
        .expect("insert after the reopen");
    assert_eq!(store.count(), 2);
    assert_eq!(store.inbox("0599", None, 10).expect("inbox").len(), 2);
    store.durable_blocking().expect("durable after the reopen");
    // A tree handed out keeps sled open: the reopen refuses rather than open it twice.
    let held = store.open_tree("tokens").expect("tree");
    match store.reopen() {
        Err(StoreError::Locked { .. }) => {}
        Err(e) => panic!("expected the store to be locked, got {e}"),
        Ok(_) => panic!("a second database over the same files"),
    }
    drop(held);
    let again = open(dir.path(), true);
    assert_eq!(again.count(), 2, "nothing was lost by the refused reopen");
}
