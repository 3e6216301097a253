//! The doelbereik views over 100,000 trajectories: the indicators (total, and per team) and a
//! gebiedsteam's view with its most-used selection, each including the JSON its endpoint
//! returns. The index is the one the gateway keeps in memory (`doelbereik::TrajectoryIndex`),
//! filled with synthetic trajectories of three teams, three aanbieders, both domains and every
//! outcome. `cargo bench --bench doelbereik`; the target is < 200 ms per request. Every case
//! reads the compact index as the gateway does: the indicators make every row into a
//! `Trajectory` first, the team view only the page's rows. The index's size per trajectory is
//! printed once.

use criterion::{criterion_group, criterion_main, Criterion};
use sluis::doelbereik::indicatoren::Stop;
use sluis::doelbereik::{
    indicatoren, per, Details, Filter, Groep, Grond, Selectie, Status, Trajectory, TrajectoryIndex,
};
use sluis::standard::types::{Bsn, Datum};
use sluis::validate::history::Product;
use sluis::validate::history::{Domein, Periode};
use std::hint::black_box;

const TRAJECTORIES: usize = 100_000;

fn date(day: usize) -> Datum {
    // Days from 2024-01-01, spread over three years.
    let d = day % (3 * 360);
    Datum::from_ymd(
        2024 + (d / 360) as i32,
        (d % 360 / 30 + 1) as u8,
        (d % 30 + 1).min(28) as u8,
    )
    .expect("a date")
}

fn trajectory(i: usize) -> Trajectory {
    let client = i / 2; // two trajectories per client: herhaald beroep has work to do
    let ended = i % 5 != 0;
    let status = match i % 7 {
        0 | 1 => Status::Onbekend,
        2 | 3 => Status::NietBereikt,
        _ => Status::Bereikt,
    };
    let grond = match (status, i % 11) {
        (Status::Onbekend, _) => Grond::GeenResultaat,
        (_, 0) => Grond::Beoordeling {
            team: "noord".into(),
            versie: 1,
            eens: false,
        },
        (s, _) => Grond::Resultaatmelding {
            alle_doelen_behaald: s == Status::Bereikt,
        },
    };
    Trajectory {
        domein: if i % 3 == 0 {
            Domein::Iwmo
        } else {
            Domein::Ijw
        },
        aanbieder: ["12345678", "23456789", "34567890"][i % 3].into(),
        gemeente: "0599".into(),
        team: Some(["noord", "midden", "zuid"][client % 3].into()),
        bsn: Bsn::parse(&format!("{:09}", 100_000_000 + client)).expect("bsn"),
        toewijzingnummer: format!("{}", 10_000_000 + i).into(),
        ingangsdatum: date(i * 7 + (i % 2) * 400),
        start: Some(date(i * 7 + (i % 2) * 400 + 5)),
        stop: ended.then(|| Stop {
            einddatum: date(i * 7 + (i % 2) * 400 + 180),
            reden: ["31", "32", "31", "35", "01"][i % 5].into(),
        }),
        status,
        grond,
        tevredenheid: None,
        plan: (i % 4 != 0).then(|| date(i * 7 + 20)),
        reden_wijziging: None,
        // Sent on its Ingangsdatum.
        toegewezen: Some(date(i * 7 + (i % 2) * 400)),
    }
}

fn details(i: usize) -> Details {
    Details {
        product: Some(Product {
            categorie: Some(["45", "43", "02"][i % 3].to_string()),
            code: Some(format!("{}A{:02}", ["45", "43", "02"][i % 3], i % 40)),
        }),
        plan_laatste: (i % 4 != 0).then(|| date(i * 7 + 60)),
    }
}

fn index() -> TrajectoryIndex {
    TrajectoryIndex::build_with(
        (0..TRAJECTORIES)
            .map(|i| (trajectory(i), details(i)))
            .collect(),
        Vec::new(),
    )
}

fn views(c: &mut Criterion) {
    let index = index();
    eprintln!(
        "index: {} trajectories, {} bytes, {} bytes per trajectory (a Trajectory: {} bytes)",
        index.len(),
        index.heap_bytes(),
        index.heap_bytes() / index.len(),
        std::mem::size_of::<Trajectory>()
    );
    let year = Filter {
        periode: Some(Periode {
            begin: Datum::from_ymd(2025, 1, 1).expect("date"),
            eind: Datum::from_ymd(2025, 12, 31).expect("date"),
        }),
        ..Filter::default()
    };
    let mut g = c.benchmark_group("doelbereik_100k");
    g.sample_size(20);
    g.bench_function("indicatoren_totaal", |b| {
        b.iter(|| {
            let all = black_box(&index).all();
            let i = indicatoren(&all, &Filter::default());
            serde_json::to_vec(&i).expect("json").len()
        })
    });
    g.bench_function("indicatoren_jaar_per_team", |b| {
        b.iter(|| {
            let all = black_box(&index).all();
            let total = indicatoren(&all, &year);
            let groups = per(&all, &year, Groep::Team);
            serde_json::to_vec(&(total, groups)).expect("json").len()
        })
    });
    g.bench_function("indicatoren_per_aanbieder", |b| {
        b.iter(|| {
            let all = black_box(&index).all();
            serde_json::to_vec(&per(&all, &Filter::default(), Groep::Aanbieder))
                .expect("json")
                .len()
        })
    });
    let today = Datum::from_ymd(2026, 11, 23).expect("date");
    let zonder = Selectie {
        zonder_resultaatmelding: true,
        ..Selectie::default()
    };
    g.bench_function("team_zonder_resultaatmelding_500", |b| {
        b.iter(|| {
            let (n, page) = index.team_page(black_box("noord"), &zonder, today, 0, 500);
            (n, serde_json::to_vec(&page).expect("json").len())
        })
    });
    let alles = Selectie::default();
    g.bench_function("team_alles_5000", |b| {
        b.iter(|| {
            let (n, page) = index.team_page(black_box("midden"), &alles, today, 0, 5000);
            (n, serde_json::to_vec(&page).expect("json").len())
        })
    });
    g.finish();
}

criterion_group!(benches, views);
criterion_main!(benches);
