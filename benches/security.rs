//! What security costs per message: sealing and opening a stored record, the keyed pseudonym
//! of a BSN key part, authenticating a bearer token, and appending an audit entry (sled, in a
//! temporary directory). `cargo bench --bench security`.

use criterion::{criterion_group, criterion_main, Criterion};
use sluis::security::access::{Role, Scope};
use sluis::security::audit::{Action, AuditLog, Event, Object, Outcome};
use sluis::security::crypto::{record_aad, Keys};
use sluis::security::tokens::TokenStore;
use sluis::standard::types::Bsn;
use std::hint::black_box;

fn security(c: &mut Criterion) {
    let keys = Keys::generate().expect("keys");
    // A stored message record is about 6 KB (LZ4-compressed XML plus its retourbericht).
    let record = vec![b'x'; 6_000];
    let aad = record_aad("berichten", &42u64.to_be_bytes());
    let sealed = keys.seal(&aad, &record).expect("seal");
    let bsn = Bsn::parse("999990019").expect("bsn");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sled::open(dir.path()).expect("sled");
    let tokens = TokenStore::new(db.open_tree("tokens").expect("tree"), &[]).expect("tokens");
    let (_, secret) = tokens
        .create(
            Role::Aanbieder,
            Scope {
                party: Some("12345678".into()),
                ..Scope::default()
            },
            "bench",
            None,
        )
        .expect("token");
    let audit = AuditLog::new(db.open_tree("audit").expect("tree")).expect("audit");
    let mut g = c.benchmark_group("security");
    g.bench_function("seal_6kb", |b| {
        b.iter(|| {
            keys.seal(black_box(&aad), black_box(&record))
                .expect("seal")
        })
    });
    g.bench_function("open_6kb", |b| {
        b.iter(|| {
            keys.open(black_box(&aad), black_box(&sealed))
                .expect("open")
        })
    });
    g.bench_function("pseudonym", |b| b.iter(|| keys.pseudonym(black_box(&bsn))));
    g.bench_function("token_authenticate", |b| {
        b.iter(|| tokens.authenticate(black_box(secret.expose())).expect("ok"))
    });
    g.bench_function("audit_append", |b| {
        b.iter(|| {
            audit
                .append(Event {
                    actor: "token:0123456789abcdef".into(),
                    role: Some(Role::Aanbieder),
                    on_behalf_of: None,
                    action: Action::Create,
                    object: Object::new("bericht", Some("12345")),
                    client: Some(keys.pseudonym(&bsn)),
                    outcome: Outcome::Success,
                    source: Some("127.0.0.1".into()),
                    detail: None,
                })
                .expect("append")
        })
    });
    g.finish();
}

criterion_group!(benches, security);
criterion_main!(benches);
