use super::*;
use crate::doelbereik::Kind;

fn d(s: &str) -> Datum {
    Datum::parse(s).expect("date")
}

const A: u32 = 12345678;
const G: u16 = 599;

fn msg(id: u64, nummer: u16, datum: &str, uitkomst: Uitkomst, regels: Vec<Regel>) -> Nieuw {
    let bericht = Bericht {
        id,
        soort: Soort::Standaard(Berichtsoort {
            domein: Domein::Ijw,
            nummer,
        }),
        aanbieder: A,
        gemeente: G,
        uitkomst,
        technisch: false,
        beantwoord: nummer == 323,
        datum: d(datum),
        ontvangen: d("2026-12-04"),
        identificatie: id as u32,
        ..Bericht::leeg()
    };
    Nieuw::new(bericht, regels, Vec::new())
}

fn regel(bsn: u32, toewijzing: u32, feit: Feit) -> Regel {
    Regel {
        bsn,
        toewijzing,
        feit,
    }
}

/// Two trajectories, counted by hand:
/// - 1: verzoek 01-06 (ref 1) → toewijzing 01-10 (4 days), Toewijzingsdatum 01-10, start 01-20
///   (10 days), plan 02-10 (21 days after the start: on time), stop 03-31 → resultaatmelding
///   04-07 (7 days).
/// - 2: verzoek 01-06 (ref 2) → toewijzing 01-16 (10 days), start 02-15 (30 days), no plan.
/// - declaratie over january dated 02-04 (4 days after 01-31), two prestaties of product 45A08:
///   € 100,00 granted and € 50,00 not (deels).
fn boek() -> Berichtenboek {
    let mut b = Berichtenboek::default();
    // The references below are numbers of texts, as the gateway interns them.
    for i in 1..=64 {
        b.refs.intern(&format!("T{i}"));
    }
    let ok = Uitkomst::Geaccepteerd;
    b.push(msg(
        1,
        315,
        "2025-01-06",
        ok,
        vec![
            regel(1, 0, Feit::Verzoek { referentie: 1 }),
            regel(2, 0, Feit::Verzoek { referentie: 2 }),
        ],
    ));
    let toewijzing = |nr: u32, bsn: u32, r: u32, dag: &str| {
        regel(
            bsn,
            nr,
            Feit::Toewijzing {
                referentie: r,
                product: Code::new("45A08"),
                toewijzingsdatum: d(dag),
                ingangsdatum: d(dag),
                volume: 10,
            },
        )
    };
    b.push(msg(
        2,
        301,
        "2025-01-10",
        ok,
        vec![toewijzing(1, 1, 1, "2025-01-10")],
    ));
    b.push(msg(
        3,
        301,
        "2025-01-16",
        ok,
        vec![toewijzing(2, 2, 2, "2025-01-16")],
    ));
    b.push(msg(
        4,
        305,
        "2025-01-21",
        ok,
        vec![regel(
            1,
            1,
            Feit::Start {
                begindatum: d("2025-01-20"),
            },
        )],
    ));
    let mut rejected = msg(
        5,
        305,
        "2025-01-22",
        Uitkomst::Afgekeurd,
        vec![regel(
            1,
            1,
            Feit::Start {
                begindatum: d("2025-01-01"),
            },
        )],
    );
    rejected.codes = vec![Code::new("9074").expect("code")];
    b.push(rejected);
    b.push(msg(
        6,
        305,
        "2025-02-16",
        ok,
        vec![regel(
            2,
            2,
            Feit::Start {
                begindatum: d("2025-02-15"),
            },
        )],
    ));
    b.push(msg(
        7,
        323,
        "2025-02-04",
        Uitkomst::Deels,
        vec![
            regel(
                0,
                0,
                Feit::Declaratie {
                    periode_eind: d("2025-01-31"),
                },
            ),
            regel(
                1,
                1,
                Feit::Prestatie {
                    product: Code::new("45A08"),
                    periode_begin: d("2025-01-20"),
                    volume: 4,
                    bedrag: 10000,
                    toegekend: true,
                    referentie: prestatie_sleutel("P1"),
                },
            ),
            regel(
                2,
                2,
                Feit::Prestatie {
                    product: Code::new("45A08"),
                    periode_begin: d("2025-01-20"),
                    volume: 2,
                    bedrag: 5000,
                    toegekend: false,
                    referentie: prestatie_sleutel("P2"),
                },
            ),
        ],
    ));
    let mut plan = msg(
        8,
        0,
        "2025-02-10",
        ok,
        vec![regel(1, 1, Feit::Plan { versie: 1 })],
    );
    plan.bericht.soort = Soort::Eigen(Domein::Ijw, Kind::Behandelplan);
    plan.bericht.beantwoord = false;
    b.push(plan);
    b.push(msg(
        9,
        307,
        "2025-04-01",
        ok,
        vec![regel(
            1,
            1,
            Feit::Stop {
                einddatum: d("2025-03-31"),
            },
        )],
    ));
    let mut melding = msg(10, 0, "2025-04-07", ok, vec![regel(1, 1, Feit::Resultaat)]);
    melding.bericht.soort = Soort::Eigen(Domein::Ijw, Kind::Resultaatmelding);
    melding.bericht.beantwoord = false;
    b.push(melding);
    b
}

fn vraag(per: Per) -> Vraag {
    Vraag {
        per,
        plan_binnen: PLAN_BINNEN,
        ..Vraag::default()
    }
}

fn tijd<'a>(s: &'a Stromen, periode: &str, d: Doorlooptijd) -> Option<&'a DoorlooptijdRij> {
    s.doorlooptijden
        .iter()
        .find(|r| r.periode == periode && r.doorlooptijd == d)
}

#[test]
fn every_figure_of_a_small_year() {
    let s = stromen(&boek(), &vraag(Per::Maand), d("2026-01-01"));
    // Messages: january 315, 301 ×2, 305 ×2 (one rejected with 9074).
    let jan_305 = s
        .berichten
        .iter()
        .find(|r| r.periode == "2025-01" && r.berichtsoort == "JW305")
        .expect("305 row");
    assert_eq!(
        (jan_305.aantal, jan_305.geaccepteerd, jan_305.afgekeurd),
        (2, 1, 1)
    );
    assert_eq!(jan_305.richting, Richting::Ontvangen);
    let feb_323 = s
        .berichten
        .iter()
        .find(|r| r.periode == "2025-02" && r.berichtsoort == "JW323")
        .expect("323 row");
    assert_eq!((feb_323.aantal, feb_323.deels), (1, 1));
    assert_eq!(s.retourcodes.len(), 1);
    assert_eq!(s.retourcodes[0].retourcode, "9074");
    assert!(s.retourcodes[0]
        .omschrijving
        .starts_with("Er is al een eerder bericht"));
    // Amounts: january care: 150,00 declared, 100,00 granted; 20 allocated (2 × 10) in january.
    let jan = &s.bedragen[0];
    assert_eq!(
        (jan.periode.as_str(), jan.product.as_str()),
        ("2025-01", "45A08")
    );
    assert_eq!((jan.ingediend_cent, jan.toegekend_cent), (15000, 10000));
    assert_eq!(
        (jan.ingediend_euro.as_str(), jan.toegekend_euro.as_str()),
        ("150.00", "100.00")
    );
    assert_eq!((jan.volume_gedeclareerd, jan.volume_toegewezen), (6, 20));
    // Verzoek → antwoord: 4 and 10 days, both answered in january: median 7, p90 10.
    let va = tijd(&s, "2025-01", Doorlooptijd::VerzoekAntwoord).expect("verzoek");
    assert_eq!((va.aantal, va.mediaan_dagen, va.p90_dagen), (2, 7.0, 10));
    // Toewijzing → start: 10 days (january), 30 days (february); the rejected start not used.
    let ts = tijd(&s, "2025-01", Doorlooptijd::ToewijzingStart).expect("start jan");
    assert_eq!((ts.aantal, ts.mediaan_dagen), (1, 10.0));
    let ts = tijd(&s, "2025-02", Doorlooptijd::ToewijzingStart).expect("start feb");
    assert_eq!((ts.aantal, ts.p90_dagen), (1, 30));
    // Month end → declaratie: 4 days; declaratie → antwoord by Sluis: 0 days.
    let md = tijd(&s, "2025-02", Doorlooptijd::MaandeindeDeclaratie).expect("maand");
    assert_eq!(md.mediaan_dagen, 4.0);
    let da = tijd(&s, "2025-02", Doorlooptijd::DeclaratieAntwoord).expect("antwoord");
    assert_eq!(da.mediaan_dagen, 0.0);
    // Stop → resultaatmelding: 7 days, in april.
    let sr = tijd(&s, "2025-04", Doorlooptijd::StopResultaatmelding).expect("resultaat");
    assert_eq!(sr.mediaan_dagen, 7.0);
    // Plans: january start with a plan on day 21; february start without.
    assert_eq!(s.plannen.len(), 2);
    assert_eq!((s.plannen[0].met_plan, s.plannen[0].zonder_plan), (1, 0));
    assert_eq!((s.plannen[1].met_plan, s.plannen[1].zonder_plan), (0, 1));
    // Within 14 days the plan is late.
    let strict = stromen(
        &boek(),
        &Vraag {
            plan_binnen: 14,
            ..vraag(Per::Maand)
        },
        d("2026-01-01"),
    );
    assert_eq!(strict.plannen[0].zonder_plan, 1);
}

#[test]
fn per_kwartaal_and_filters() {
    let s = stromen(&boek(), &vraag(Per::Kwartaal), d("2026-01-01"));
    let ts = tijd(&s, "2025-K1", Doorlooptijd::ToewijzingStart).expect("k1");
    assert_eq!((ts.aantal, ts.mediaan_dagen, ts.p90_dagen), (2, 20.0, 30));
    // Team of client 2 only.
    let team = stromen(
        &boek(),
        &Vraag {
            team: Some([2].into_iter().collect()),
            ..vraag(Per::Kwartaal)
        },
        d("2026-01-01"),
    );
    let ts = tijd(&team, "2025-K1", Doorlooptijd::ToewijzingStart).expect("k1");
    assert_eq!((ts.aantal, ts.mediaan_dagen), (1, 30.0));
    assert_eq!(team.bedragen[0].ingediend_cent, 5000);
    // The declaratie over january declares care for client 2 too: its month-end lead time
    // counts for the team; for a team of neither client it does not.
    let md = tijd(&team, "2025-K1", Doorlooptijd::MaandeindeDeclaratie).expect("k1");
    assert_eq!((md.aantal, md.p90_dagen), (1, 4));
    let nobody = stromen(
        &boek(),
        &Vraag {
            team: Some([3].into_iter().collect()),
            ..vraag(Per::Kwartaal)
        },
        d("2026-01-01"),
    );
    assert!(
        nobody.doorlooptijden.is_empty(),
        "{:?}",
        nobody.doorlooptijden
    );
    // Period: february only.
    let feb = stromen(
        &boek(),
        &Vraag {
            van: Some(d("2025-02-01")),
            tot: Some(d("2025-02-28")),
            berichtsoort: SoortFilter::parse("323"),
            ..vraag(Per::Maand)
        },
        d("2026-01-01"),
    );
    assert_eq!(feb.berichten.len(), 1);
    assert_eq!(feb.berichten[0].berichtsoort, "JW323");
    // Another aanbieder: nothing.
    let other = stromen(
        &boek(),
        &Vraag {
            aanbieder: Some(87654321),
            ..vraag(Per::Maand)
        },
        d("2026-01-01"),
    );
    assert_eq!(other, Stromen::default());
}

#[test]
fn plan_term_still_open() {
    let s = stromen(&boek(), &vraag(Per::Maand), d("2025-03-01"));
    // Started 02-15, 14 days before 03-01: still within 42 days.
    assert_eq!(
        (s.plannen[1].zonder_plan, s.plannen[1].nog_binnen_termijn),
        (0, 1)
    );
}

#[test]
fn stroom_in_order_with_sluis_answers() {
    let flows = stroom(&boek(), G, 1);
    assert_eq!(flows.len(), 1);
    let soorten: Vec<&str> = flows[0]
        .stappen
        .iter()
        .map(|s| s.berichtsoort.as_str())
        .collect();
    assert_eq!(
        soorten,
        [
            "JW315",
            "JW301",
            "JW305",
            "JW305",
            "JW323",
            "JW325",
            "behandelplan",
            "JW307",
            "resultaatmelding"
        ]
    );
    assert_eq!(flows[0].stappen[3].retourcodes[0].code, "9074");
    assert!(flows[0].stappen[5].door_sluis);
    assert!(stroom(&boek(), G, 99).is_empty());
}

#[test]
fn volumes_over_validity() {
    let (i, e) = (d("2025-01-15"), Some(d("2025-03-10")));
    assert_eq!(
        volume_totaal(Some((5, Frequentie::PerMaand)), i, e),
        Some(15)
    );
    assert_eq!(
        volume_totaal(Some((2, Frequentie::PerWeek)), i, e),
        Some(16)
    ); // 55 days: 8 weeks
    assert_eq!(volume_totaal(Some((1, Frequentie::PerDag)), i, e), Some(55));
    assert_eq!(
        volume_totaal(Some((9, Frequentie::Totaal)), i, None),
        Some(9)
    );
    assert_eq!(volume_totaal(Some((9, Frequentie::PerWeek)), i, None), None);
}

#[test]
fn euro_and_codes() {
    assert_eq!(euro(123456), "1234.56");
    assert_eq!(euro(-305), "-3.05");
    assert_eq!(euro(0), "0.00");
    assert_eq!(
        omschrijving("8001"),
        Some("Declaratie is volledig toegewezen.")
    );
    assert_eq!(omschrijving("SL020"), None);
    assert!(
        RETOURCODES.windows(2).all(|w| w[0].0 < w[1].0),
        "sorted for binary search"
    );
    assert_eq!(
        Code::new("9322").map(|c| c.as_str().to_string()).as_deref(),
        Some("9322")
    );
    assert_eq!(Code::new("toolong"), None);
}

#[test]
fn record_size() {
    // The gateway keeps one per message: keep it small (docs/performance.md).
    println!(
        "Bericht {} Regel {} Feit {}",
        std::mem::size_of::<Bericht>(),
        std::mem::size_of::<Regel>(),
        std::mem::size_of::<Feit>()
    );
    assert!(
        std::mem::size_of::<Bericht>() <= 48,
        "{}",
        std::mem::size_of::<Bericht>()
    );
    assert_eq!(std::mem::size_of::<Rij>(), 32, "as the book keeps a record");
    assert!(
        std::mem::size_of::<Regel>() <= 32,
        "{}",
        std::mem::size_of::<Regel>()
    );
}

/// A book with every kind of fact: the small year and the facts it lacks.
fn every_fact() -> Berichtenboek {
    let mut b = boek();
    let ok = Uitkomst::Geaccepteerd;
    let mut wmo = msg(
        11,
        301,
        "2025-05-02",
        ok,
        vec![regel(
            3,
            9_000_001,
            Feit::Toewijzing {
                referentie: 0,
                product: None,
                toewijzingsdatum: d("2025-05-01"),
                ingangsdatum: d("1999-12-31"),
                volume: u32::MAX,
            },
        )],
    );
    wmo.bericht.soort = Soort::Standaard(Berichtsoort {
        domein: Domein::Iwmo,
        nummer: 301,
    });
    wmo.bericht.gemeente = 363;
    b.push(wmo);
    let mut antwoord = msg(12, 319, "2025-05-03", ok, vec![]);
    antwoord.regels = vec![regel(0, 0, Feit::Antwoord { referentie: 40 })];
    antwoord.bericht.identificatie = 0;
    b.push(antwoord);
    let mut credit = msg(
        13,
        323,
        "2025-05-04",
        Uitkomst::Afgekeurd,
        vec![regel(
            1,
            1,
            Feit::Prestatie {
                product: Code::new("54"),
                periode_begin: d("2025-04-01"),
                volume: -3,
                bedrag: -99_999_999,
                toegekend: false,
                referentie: u32::MAX,
            },
        )],
    );
    credit.bericht.technisch = true;
    credit.codes = vec![
        Code::new("0001").expect("code"),
        Code::new("SL020").expect("code"),
    ];
    b.push(credit);
    b.push(msg(
        14,
        325,
        "2025-05-09",
        ok,
        vec![
            regel(
                0,
                0,
                Feit::DeclaratieAntwoord {
                    declaratie: 7,
                    afgekeurd: true,
                },
            ),
            regel(
                1,
                1,
                Feit::Afgewezen {
                    declaratie: 7,
                    prestatie: prestatie_sleutel("P2"),
                },
            ),
        ],
    ));
    let mut oordeel = msg(
        15,
        0,
        "2025-05-10",
        ok,
        vec![regel(1, 1, Feit::Beoordeling)],
    );
    oordeel.bericht.soort = Soort::Eigen(Domein::Iwmo, Kind::Beoordeling);
    oordeel.bericht.beantwoord = false;
    b.push(oordeel);
    b.push(msg(
        16,
        317,
        "2025-05-11",
        ok,
        vec![
            regel(999_999_999, 0, Feit::Verzoek { referentie: 64 }),
            regel(5, 0, Feit::Plan { versie: u32::MAX }),
        ],
    ));
    b
}

#[test]
fn stored_records_give_the_same_book() {
    let boek = every_fact();
    // Another book numbers its references otherwise: the stored form carries the texts.
    let mut loaded = Berichtenboek::default();
    loaded.refs.intern("another reference first");
    for b in boek.berichten() {
        let bytes = encode(&boek.nieuw(&b), &boek.refs).expect("encode");
        assert_eq!(bytes[0], VERSION);
        let n = decode(b.id, &bytes, &mut loaded.refs).expect("decode");
        loaded.push(n);
    }
    assert_ne!(loaded.refs.get("T1"), boek.refs.get("T1"));
    for (a, b) in boek.berichten().zip(loaded.berichten()) {
        assert_eq!(
            (a.id, a.soort, a.uitkomst, a.datum, a.ontvangen),
            (b.id, b.soort, b.uitkomst, b.datum, b.ontvangen)
        );
        assert_eq!((a.technisch, a.beantwoord), (b.technisch, b.beantwoord));
        assert_eq!(boek.codes(&a), loaded.codes(&b));
        assert_eq!(boek.regels(&a).len(), loaded.regels(&b).len());
        assert_eq!(
            boek.refs.text(a.identificatie),
            loaded.refs.text(b.identificatie)
        );
    }
    for per in [Per::Maand, Per::Kwartaal] {
        let before = stromen(&boek, &vraag(per), d("2025-06-01"));
        assert!(!before.bedragen.is_empty() && !before.doorlooptijden.is_empty());
        assert_eq!(stromen(&loaded, &vraag(per), d("2025-06-01")), before);
    }
    assert_eq!(stroom(&loaded, G, 1), stroom(&boek, G, 1));
    assert_eq!(
        stroom(&loaded, 363, 9_000_001),
        stroom(&boek, 363, 9_000_001)
    );
}

#[test]
fn damaged_records_are_errors() {
    let boek = every_fact();
    let mut refs = Referenties::default();
    for b in boek.berichten() {
        let bytes = encode(&boek.nieuw(&b), &boek.refs).expect("encode");
        for cut in 0..bytes.len() {
            assert!(
                decode(b.id, &bytes[..cut], &mut refs).is_err(),
                "cut at {cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(b.id, &longer, &mut refs).is_err());
        let mut newer = bytes.clone();
        newer[0] = VERSION + 1;
        assert_eq!(
            decode(b.id, &newer, &mut refs).err(),
            Some(RecordError::Version(VERSION + 1))
        );
    }
    // A reference the book never gave cannot be written.
    let first = boek.berichten().next().expect("a record");
    let mut n = boek.nieuw(&first);
    n.regels[0].feit = Feit::Verzoek { referentie: 999 };
    assert_eq!(encode(&n, &boek.refs), Err(RecordError::Referentie(999)));
}

#[test]
fn the_book_keeps_every_field_of_a_record() {
    // Each kind, outcome and flag, and ids beyond 32 bits, come back from the compact rows.
    let mut b = Berichtenboek::default();
    let mut pushed = Vec::new();
    let kinds = [
        Soort::Standaard(Berichtsoort {
            domein: Domein::Ijw,
            nummer: 323,
        }),
        Soort::Standaard(Berichtsoort {
            domein: Domein::Iwmo,
            nummer: 301,
        }),
        Soort::Eigen(Domein::Iwmo, Kind::Beoordeling),
        Soort::Eigen(Domein::Ijw, Kind::Resultaatmelding),
    ];
    for (i, soort) in kinds.into_iter().enumerate() {
        for uitkomst in [Uitkomst::Geaccepteerd, Uitkomst::Deels, Uitkomst::Afgekeurd] {
            let mut m = msg(
                (1u64 << 39) + 3 * pushed.len() as u64,
                0,
                "2025-01-06",
                uitkomst,
                vec![regel(1, 2, Feit::Resultaat)],
            );
            m.bericht.soort = soort;
            m.bericht.technisch = i % 2 == 0;
            m.bericht.beantwoord = uitkomst == Uitkomst::Deels;
            m.bericht.ontvangen = d("2024-12-31");
            if uitkomst == Uitkomst::Afgekeurd {
                m.codes = vec![
                    Code::new("9074").expect("code"),
                    Code::new("SL020").expect("code"),
                ];
            }
            pushed.push(m.clone());
            b.push(m);
        }
    }
    assert_eq!(b.len(), pushed.len());
    for (got, want) in b.berichten().zip(&pushed) {
        let w = &want.bericht;
        assert_eq!(
            (
                got.id,
                got.soort,
                got.uitkomst,
                got.technisch,
                got.beantwoord
            ),
            (w.id, w.soort, w.uitkomst, w.technisch, w.beantwoord)
        );
        assert_eq!(
            (
                got.aanbieder,
                got.gemeente,
                got.datum,
                got.ontvangen,
                got.identificatie
            ),
            (
                w.aanbieder,
                w.gemeente,
                w.datum,
                w.ontvangen,
                w.identificatie
            )
        );
        assert_eq!(b.codes(&got), want.codes.as_slice());
        assert_eq!(b.regels(&got), want.regels.as_slice());
    }
}

#[test]
fn granted_by_the_back_office_in_advies_mode() {
    // A declaratie Sluis did not answer (advies): Sluis's advice grants both prestaties until
    // the back office answers; its answer refuses P2, or the whole declaratie.
    let decl = |b: &mut Berichtenboek| {
        let ident = b.refs.intern("D-ADVIES");
        let prestatie = |r: &str, bedrag: i32| {
            regel(
                1,
                1,
                Feit::Prestatie {
                    product: Code::new("45A08"),
                    periode_begin: d("2025-01-20"),
                    volume: 1,
                    bedrag,
                    toegekend: true,
                    referentie: prestatie_sleutel(r),
                },
            )
        };
        let mut m = msg(
            1,
            323,
            "2025-02-04",
            Uitkomst::Geaccepteerd,
            vec![prestatie("P1", 10000), prestatie("P2", 5000)],
        );
        m.bericht.beantwoord = false;
        m.bericht.identificatie = ident;
        b.push(m);
        ident
    };
    let toegekend = |b: &Berichtenboek| {
        let s = stromen(b, &vraag(Per::Maand), d("2025-06-01"));
        assert_eq!(s.bedragen.len(), 1);
        (s.bedragen[0].ingediend_cent, s.bedragen[0].toegekend_cent)
    };
    let mut b = Berichtenboek::default();
    decl(&mut b);
    assert_eq!(
        toegekend(&b),
        (15000, 15000),
        "Sluis's advice until answered"
    );

    let antwoord = |b: &mut Berichtenboek, ident: u32, afgekeurd: bool, regels: Vec<Regel>| {
        let mut all = vec![regel(
            0,
            0,
            Feit::DeclaratieAntwoord {
                declaratie: ident,
                afgekeurd,
            },
        )];
        all.extend(regels);
        b.push(msg(2, 325, "2025-02-10", Uitkomst::Geaccepteerd, all));
    };
    let mut b = Berichtenboek::default();
    let ident = decl(&mut b);
    let refused = |r: &str| {
        regel(
            1,
            1,
            Feit::Afgewezen {
                declaratie: ident,
                prestatie: prestatie_sleutel(r),
            },
        )
    };
    antwoord(&mut b, ident, false, vec![refused("P2")]);
    assert_eq!(
        toegekend(&b),
        (15000, 10000),
        "P2 refused by the back office"
    );

    let mut b = Berichtenboek::default();
    let ident = decl(&mut b);
    antwoord(&mut b, ident, false, vec![]);
    assert_eq!(toegekend(&b), (15000, 15000), "granted whole");

    let mut b = Berichtenboek::default();
    let ident = decl(&mut b);
    antwoord(&mut b, ident, true, vec![]);
    assert_eq!(toegekend(&b), (15000, 0), "refused whole");

    // An answer to another declaratie changes nothing.
    let mut b = Berichtenboek::default();
    decl(&mut b);
    let other = b.refs.intern("D-OTHER");
    antwoord(&mut b, other, true, vec![]);
    assert_eq!(toegekend(&b), (15000, 15000));
}

#[test]
fn dropping_the_oldest_records_gives_the_book_of_the_rest() {
    let mut boek = every_fact();
    let ids: Vec<u64> = boek.berichten().map(|b| b.id).collect();
    let first = ids[ids.len() / 2];
    // The book a rebuild would make from the records left.
    let mut rest = Berichtenboek::default();
    for b in boek.berichten().filter(|b| b.id >= first) {
        let bytes = encode(&boek.nieuw(&b), &boek.refs).expect("encode");
        let n = decode(b.id, &bytes, &mut rest.refs).expect("decode");
        rest.push(n);
    }
    assert!(boek.codes.len() > rest.codes.len() || boek.regels.len() > rest.regels.len());
    assert_eq!(
        boek.drop_before(first),
        ids.iter().filter(|i| **i < first).count()
    );
    assert_eq!(boek.len(), rest.len());
    for (a, b) in boek.berichten().zip(rest.berichten()) {
        assert_eq!((a.id, a.datum, a.uitkomst), (b.id, b.datum, b.uitkomst));
        assert_eq!(boek.codes(&a), rest.codes(&b));
        assert_eq!(boek.regels(&a).len(), rest.regels(&b).len());
    }
    for per in [Per::Maand, Per::Kwartaal] {
        assert_eq!(
            stromen(&boek, &vraag(per), d("2025-06-01")),
            stromen(&rest, &vraag(per), d("2025-06-01"))
        );
    }
    assert_eq!(boek.drop_before(first), 0, "nothing more before it");
}
