//! The doelbereik views over 100,000 trajectories: the indicators (total, and per team) and a
//! gebiedsteam's view with its most-used selection, each including the JSON its endpoint
//! returns. The index is the one the gateway keeps in memory (`doelbereik::TrajectoryIndex`),
//! filled with synthetic trajectories of three teams, three aanbieders, both domains and every
//! outcome. `cargo bench --bench doelbereik`; the target is < 100 ms per request.

use criterion::{criterion_group, criterion_main, Criterion};
use sluis::doelbereik::indicatoren::Stop;
use sluis::doelbereik::{
    indicatoren, per, Filter, Groep, Grond, Selectie, Status, Trajectory, TrajectoryIndex,
};
use sluis::standard::types::{Bsn, Datum};
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

fn index() -> TrajectoryIndex {
    TrajectoryIndex::build((0..TRAJECTORIES).map(trajectory).collect(), Vec::new())
}

fn views(c: &mut Criterion) {
    let index = index();
    let all = index.all();
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
            let i = indicatoren(black_box(all), &Filter::default());
            serde_json::to_vec(&i).expect("json").len()
        })
    });
    g.bench_function("indicatoren_jaar_per_team", |b| {
        b.iter(|| {
            let total = indicatoren(black_box(all), &year);
            let groups = per(all, &year, Groep::Team);
            serde_json::to_vec(&(total, groups)).expect("json").len()
        })
    });
    g.bench_function("indicatoren_per_aanbieder", |b| {
        b.iter(|| {
            serde_json::to_vec(&per(black_box(all), &Filter::default(), Groep::Aanbieder))
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
            let view = index.team_view(black_box("noord"), &zonder, today);
            let page: Vec<&Trajectory> = view.iter().take(500).copied().collect();
            (view.len(), serde_json::to_vec(&page).expect("json").len())
        })
    });
    let alles = Selectie::default();
    g.bench_function("team_alles_5000", |b| {
        b.iter(|| {
            let view = index.team_view(black_box("midden"), &alles, today);
            let page: Vec<&Trajectory> = view.iter().take(5000).copied().collect();
            (view.len(), serde_json::to_vec(&page).expect("json").len())
        })
    });
    g.finish();
}

criterion_group!(benches, views);
criterion_main!(benches);
