//! The flows (`GET /api/v1/stromen`) over 1,000,000 message records of 100,000 trajectories,
//! as the gateway keeps them in memory (`stuurinformatie::Berichtenboek`): the whole year per
//! month, per quarter for one aanbieder, and for one team; and the flow of one toewijzing.
//! Each trajectory is ten messages: verzoek, toewijzing, start, six declaraties (one partly
//! granted in five, one rejected start in ten), stop. Prints the bytes per record. Start-up:
//! one stored message read again into a record (the migration of a store from before the
//! records), and the whole book decoded from its stored records (every later start).
//! `cargo bench --bench stromen`; the target is < 200 ms per request.

use criterion::{criterion_group, criterion_main, Criterion};
use sluis::codes::Berichtsoort;
use sluis::doelbereik::Kind;
use sluis::standard::types::Datum;
use sluis::stuurinformatie::{
    stromen, stroom, Bericht, Berichtenboek, Code, Feit, Nieuw, Per, Regel, Soort, Uitkomst, Vraag,
    PLAN_BINNEN,
};
use sluis::validate::history::Domein;
use sluis_testkit::bericht as kit;
use std::hint::black_box;

const TRAJECTORIES: u32 = 100_000;
const AANBIEDERS: [u32; 3] = [12345678, 23456789, 34567890];

/// Day `offset` (within about three years) from 2024-01-01.
fn day(offset: u32) -> Datum {
    let base = Datum::from_ymd(2024, 1, 1).expect("date").date();
    let d = base + time::Duration::days(i64::from(offset % 1000));
    Datum::from_ymd(d.year(), d.month() as u8, d.day()).expect("a date")
}

fn standaard(domein: Domein, nummer: u16) -> Soort {
    Soort::Standaard(Berichtsoort { domein, nummer })
}

fn boek() -> Berichtenboek {
    let mut boek = Berichtenboek::default();
    let mut id = 0u64;
    let product = Code::new("45A07");
    for t in 0..TRAJECTORIES {
        let domein = if t % 3 == 0 {
            Domein::Iwmo
        } else {
            Domein::Ijw
        };
        let aanbieder = AANBIEDERS[(t % 3) as usize];
        let bsn = 100_000_000 + t;
        let nummer = 10_000_000 + t;
        let begin = (t * 7) % 700;
        let referentie = boek.refs.intern(&format!("R{t}"));
        let mut push = |soort: Soort, datum: u32, uitkomst: Uitkomst, regels: Vec<Regel>| {
            id += 1;
            let codes = match uitkomst {
                Uitkomst::Geaccepteerd => Vec::new(),
                _ => vec![Code::new("9321").expect("code")],
            };
            let bericht = Bericht {
                id,
                soort,
                aanbieder,
                gemeente: 599,
                uitkomst,
                technisch: false,
                beantwoord: soort == standaard(domein, 323),
                datum: day(datum),
                ontvangen: day(datum + 1),
                identificatie: 0,
                ..Bericht::leeg()
            };
            boek.push(Nieuw::new(bericht, regels, codes));
        };
        let line = |feit: Feit| Regel {
            bsn,
            toewijzing: nummer,
            feit,
        };
        let ok = Uitkomst::Geaccepteerd;
        push(
            standaard(domein, 315),
            begin,
            ok,
            vec![line(Feit::Verzoek { referentie })],
        );
        push(
            standaard(domein, 301),
            begin + 5,
            ok,
            vec![line(Feit::Toewijzing {
                referentie,
                product,
                toewijzingsdatum: day(begin + 5),
                ingangsdatum: day(begin + 5),
                volume: 290,
            })],
        );
        let start = if t % 10 == 0 {
            Soort::Eigen(domein, Kind::Behandelplan)
        } else {
            standaard(domein, 305)
        };
        push(
            start,
            begin + 12,
            ok,
            vec![line(if t % 10 == 0 {
                Feit::Plan { versie: 1 }
            } else {
                Feit::Start {
                    begindatum: day(begin + 10),
                }
            })],
        );
        for m in 0..6 {
            let uitkomst = if (t + m) % 5 == 0 {
                Uitkomst::Deels
            } else {
                ok
            };
            push(
                standaard(domein, 323),
                begin + 34 + m * 30,
                uitkomst,
                vec![
                    line(Feit::Declaratie {
                        periode_eind: day(begin + 30 + m * 30),
                    }),
                    line(Feit::Prestatie {
                        product,
                        periode_begin: day(begin + m * 30),
                        volume: 40,
                        bedrag: 100_000,
                        toegekend: uitkomst == ok,
                        referentie: sluis::stuurinformatie::prestatie_sleutel(&format!("P{t}-{m}")),
                    }),
                ],
            );
        }
        push(
            standaard(domein, 307),
            begin + 202,
            ok,
            vec![line(Feit::Stop {
                einddatum: day(begin + 200),
            })],
        );
    }
    boek
}

fn bench(c: &mut Criterion) {
    let mut boek = boek();
    let n = boek.len();
    println!(
        "{n} message records as grown: {} bytes, {:.1} per record",
        boek.bytes(),
        boek.bytes() as f64 / n as f64
    );
    boek.shrink();
    println!(
        "{n} message records: {} bytes held, {:.1} bytes per record (record {} + line {} bytes)",
        boek.bytes(),
        boek.bytes() as f64 / n as f64,
        Berichtenboek::RECORD_BYTES,
        std::mem::size_of::<Regel>(),
    );
    let vandaag = Datum::from_ymd(2026, 12, 1).expect("date");
    let all = Vraag {
        gemeente: Some(599),
        plan_binnen: PLAN_BINNEN,
        ..Vraag::default()
    };
    let mut g = c.benchmark_group("stromen");
    g.sample_size(10);
    g.bench_function("1M berichten, per maand, JSON", |b| {
        b.iter(|| {
            let s = stromen(&boek, black_box(&all), vandaag);
            black_box(serde_json::to_vec(&s).expect("json"))
        })
    });
    let one = Vraag {
        aanbieder: Some(AANBIEDERS[1]),
        per: Per::Kwartaal,
        ..all.clone()
    };
    g.bench_function("1M berichten, een aanbieder per kwartaal", |b| {
        b.iter(|| black_box(stromen(&boek, black_box(&one), vandaag)))
    });
    // A team of a third of the clients.
    let team = Vraag {
        team: Some(
            (0..TRAJECTORIES)
                .filter(|t| t % 3 == 1)
                .map(|t| 100_000_000 + t)
                .collect(),
        ),
        ..all.clone()
    };
    g.bench_function("1M berichten, een team", |b| {
        b.iter(|| black_box(stromen(&boek, black_box(&team), vandaag)))
    });
    g.bench_function("stroom van een toewijzing", |b| {
        b.iter(|| black_box(stroom(&boek, 599, black_box(10_050_000))))
    });
    g.finish();

    // Start-up: a stored message is read again and made a record (the sled read and decryption
    // not included): a declaratie of one client with three prestaties, and a toewijzing.
    let mut r = c.benchmark_group("record bij het starten");
    let limits = sluis::Limits::default();
    for (name, xml) in [("JW323", declaratie_xml()), ("JW301", toewijzing_xml())] {
        r.bench_function(name, |b| {
            let mut refs = sluis::stuurinformatie::Referenties::default();
            b.iter(|| {
                let parsed = sluis::parse(black_box(xml.as_bytes()), &limits).expect("parse");
                let o = sluis::stuurinformatie::Oordeel {
                    id: 1,
                    accepted: true,
                    granted: true,
                    beantwoord: true,
                    ontvangen: day(0),
                    findings: &[],
                };
                black_box(sluis::stuurinformatie::van_standaard(
                    &parsed.structured.document,
                    &o,
                    &mut refs,
                ))
            })
        });
    }
    r.finish();

    // Start-up from the stored records (`stuurinformatie::encode`, as the store keeps them;
    // the sled read and decryption not included): the whole book of 1M records decoded.
    let stored: Vec<(u64, Vec<u8>)> = boek
        .berichten()
        .map(|b| {
            let bytes =
                sluis::stuurinformatie::encode(&boek.nieuw(&b), &boek.refs).expect("encode");
            (b.id, bytes)
        })
        .collect();
    let total: usize = stored.iter().map(|(_, b)| b.len()).sum();
    println!(
        "{n} stored records: {total} bytes, {:.1} bytes per record (before sealing)",
        total as f64 / n as f64
    );
    let mut r = c.benchmark_group("boek bij het starten");
    r.sample_size(10);
    r.bench_function("1M records uit de opgeslagen vorm", |b| {
        b.iter(|| {
            let mut loaded = Berichtenboek::default();
            loaded.reserve(stored.len());
            for (id, bytes) in &stored {
                let n =
                    sluis::stuurinformatie::decode(*id, bytes, &mut loaded.refs).expect("decode");
                loaded.push(n);
            }
            loaded.shrink();
            black_box(loaded.len())
        })
    });
    r.finish();
}

fn head(nr: &str) -> kit::Head {
    let (afzender, ontvanger) = if nr == "301" {
        ("0599", "12345678")
    } else {
        ("12345678", "0599")
    };
    kit::Head::new(&format!("B{nr}"), "2025-02-04", afzender, ontvanger)
}

fn declaratie_xml() -> String {
    let prestatie = |i: u32, month: &str| {
        let (begin, eind, _) = kit::month(month).expect("month");
        kit::Prestatie {
            referentie: format!("P{i}"),
            vorig: None,
            nummer: "7001".into(),
            cat: "31".into(),
            code: Some("45A07".into()),
            begin,
            eind,
            volume: 12,
            eenheid: "04".into(),
            tarief: Some(2500),
            bedrag: 30000,
            credit: false,
        }
    };
    kit::declaratie(
        kit::Std::Ijw,
        &head("323"),
        "D1",
        ("2025-01-01", "2025-01-31"),
        &[(
            "999990019",
            vec![
                prestatie(1, "2025-01"),
                prestatie(2, "2025-01"),
                prestatie(3, "2025-01"),
            ],
        )],
    )
}

fn toewijzing_xml() -> String {
    let line = kit::Toegewezen {
        nummer: "7001".into(),
        referentie: Some("R1".into()),
        product: kit::Product::new("31", Some("45A07")),
        datum: "2025-01-10".into(),
        tijd: "09:30:00".into(),
        ingang: "2025-01-01".into(),
        eind: Some("2025-06-30".into()),
        reden: None,
        omvang: Some(kit::Omvang::new(10, "04", "2")),
        budget: None,
    };
    kit::toewijzing(
        kit::Std::Ijw,
        &head("301"),
        &kit::Person::new("999990019").naamgebruik(true),
        &kit::Contact::Telefoon,
        &[line],
    )
}

criterion_group!(benches, bench);
criterion_main!(benches);
