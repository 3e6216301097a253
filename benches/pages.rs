//! A gebiedsteam's caseload page over a team of 5,000 trajectories (15,000 in the index, three
//! teams): what the server does for `GET /caseload` once the session is known — select the
//! team's trajectories from the in-memory index (`TrajectoryIndex::team_view`, as
//! `Gateway::team_trajectories`), copy them, sort, take the page, name each client by its
//! keyed pseudonym (HMAC), describe its product and render the HTML (`web::team::caseload_page`). Not included: the
//! HTTP round trip and the audit entry's group commit (see `benches/security.rs` and
//! docs/performance.md). `cargo bench --bench pages`; the target is < 300 ms.

use criterion::{criterion_group, criterion_main, Criterion};
use sluis::doelbereik::indicatoren::Stop;
use sluis::doelbereik::{Details, Grond, Selectie, Status, Trajectory, TrajectoryIndex};
use sluis::security::access::{Principal, Role, Scope};
use sluis::security::crypto::Keys;
use sluis::standard::types::{Bsn, Datum};
use sluis::validate::history::{Domein, Product};
use sluis::web::layout::product_kort;
use sluis::web::team::{caseload_page, CaseloadQuery, Opzoeken};
use sluis::web::Session;
use std::hint::black_box;

const PER_TEAM: usize = 5_000;

fn date(day: usize) -> Datum {
    let d = day % (3 * 360);
    Datum::from_ymd(
        2024 + (d / 360) as i32,
        (d % 360 / 30 + 1) as u8,
        (d % 30 + 1).min(28) as u8,
    )
    .expect("a date")
}

fn trajectory(i: usize) -> Trajectory {
    let status = match i % 7 {
        0 | 1 => Status::Onbekend,
        2 | 3 => Status::NietBereikt,
        _ => Status::Bereikt,
    };
    Trajectory {
        domein: if i % 3 == 0 {
            Domein::Iwmo
        } else {
            Domein::Ijw
        },
        aanbieder: ["12345678", "23456789", "34567890"][i % 3].into(),
        gemeente: "0599".into(),
        team: Some(["noord", "midden", "zuid"][i % 3].into()),
        bsn: Bsn::parse(&format!("{:09}", 100_000_000 + i)).expect("bsn"),
        toewijzingnummer: format!("{}", 10_000_000 + i).into(),
        ingangsdatum: date(i * 7),
        start: Some(date(i * 7 + 5)),
        stop: (i % 5 != 0).then(|| Stop {
            einddatum: date(i * 7 + 180),
            reden: "31".into(),
        }),
        status,
        grond: match status {
            Status::Onbekend => Grond::GeenResultaat,
            s => Grond::Resultaatmelding {
                alle_doelen_behaald: s == Status::Bereikt,
            },
        },
        tevredenheid: None,
        plan: (i % 4 != 0).then(|| date(i * 7 + 20)),
        reden_wijziging: None,
        toegewezen: Some(date(i * 7)),
    }
}

fn pages(c: &mut Criterion) {
    // Every toewijzing with a product, as the store gives them (the page shows its description).
    let details = |i: usize| Details {
        product: Some(Product {
            categorie: Some(if i % 3 == 0 { "10" } else { "45" }.into()),
            code: Some(format!("45A{:02}", i % 60)),
        }),
        plan_laatste: None,
    };
    let index = TrajectoryIndex::build_with(
        (0..3 * PER_TEAM)
            .map(|i| (trajectory(i), details(i)))
            .collect(),
        Vec::new(),
    );
    let keys = Keys::generate().expect("keys");
    let principal = Principal::new(
        "token:bench",
        Role::Gebiedsteam,
        &Scope {
            gemeente: Some("0599".into()),
            team: Some("noord".into()),
            ..Scope::default()
        },
    )
    .expect("principal");
    let session = Session::preview(principal);
    let aanbieders: Vec<(String, String)> = ["12345678", "23456789", "34567890"]
        .iter()
        .map(|a| (a.to_string(), format!("Aanbieder {a}")))
        .collect();
    let today = Datum::from_ymd(2026, 11, 23).expect("date");
    let id = |b: &Bsn| keys.pseudonym(b).as_str().to_string();
    let mut g = c.benchmark_group("caseload_5000");
    g.sample_size(20);
    for (name, q) in [
        ("standaard", CaseloadQuery::default()),
        (
            "gesorteerd_op_stop_laatste_pagina",
            CaseloadQuery {
                sorteer: Some("stop".into()),
                richting: Some("af".into()),
                pagina: Some(100),
                ..CaseloadQuery::default()
            },
        ),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let rows: Vec<Trajectory> = index
                    .team_page(
                        black_box("noord"),
                        &Selectie::default(),
                        today,
                        0,
                        usize::MAX,
                    )
                    .1
                    .into_iter()
                    .map(|(t, _)| t)
                    .collect();
                assert_eq!(rows.len(), PER_TEAM);
                let product = |t: &Trajectory| {
                    index
                        .details(&t.key())
                        .and_then(|d| d.product)
                        .map(|p| product_kort(t.domein, &p))
                };
                let zoek = Opzoeken {
                    client_id: &id,
                    gegevens: &|_| None,
                    product: &product,
                };
                caseload_page(&session, "noord", rows, &q, &aanbieders, &zoek)
                    .into_string()
                    .len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, pages);
criterion_main!(benches);
