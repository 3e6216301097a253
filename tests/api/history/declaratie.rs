//! Declaratie.

use super::*;

// ----- declaratie -----

pub(super) fn decl(std: Std, id: &str, nummer: &str, ps: Vec<Pr>) -> String {
    declaratie(std, id, nummer, "2026-04", &[(BSN1, ps)])
}

#[test]
pub(super) fn tr338_tr384_tr304_prestatie_needs_its_toewijzing() {
    for std in BOTH {
        let mut w = assigned(std);
        w.ok(&toewijzing(std, "T2", BSN2, &[Tw::new(std, "7002")]));
        w.ok(&toewijzing(std, "T3", BSN1, &[Tw::new(std, "7003")]));
        w.ok(&toewijzing(
            std,
            "T4",
            BSN1,
            &[Tw::new(std, "7003").removed()],
        ));
        let f = w.codes(&decl(
            std,
            "D1",
            "DECL1",
            vec![
                Pr::new(std, "R1", "7999"),
                Pr::new(std, "R2", "7002"),
                Pr::new(std, "R3", "7003"),
                Pr::new(std, "R4", "7001"),
            ],
        ));
        let p =
            |i: usize| format!("/Bericht/Declaratie/Clienten/Client[1]/Prestaties/Prestatie[{i}]");
        assert_eq!(
            f,
            vec![
                ("TR304", "8187", p(2)),
                ("TR338", "9338", p(1)),
                ("TR384", "9384", p(3)),
            ]
        );
        // Only R4 was granted.
        assert!(w.h.prestatie(domein(std), AANBIEDER, "R4").is_some());
        assert!(w.h.prestatie(domein(std), AANBIEDER, "R1").is_none());
    }
}

#[test]
pub(super) fn tr307_tr308_prestatie_within_the_toewijzing() {
    for std in BOTH {
        let mut w = World::new();
        w.ok(&toewijzing(
            std,
            "T1",
            BSN1,
            &[Tw::new(std, "7001").period("2026-04-10", Some("2026-04-20"))],
        ));
        let f = w.codes(&decl(
            std,
            "D1",
            "DECL1",
            vec![Pr::new(std, "R1", "7001").period("2026-04-01", "2026-04-30")],
        ));
        assert_eq!(
            f,
            vec![
                ("TR307", "9307", PRESTATIE1.to_string()),
                ("TR308", "9308", PRESTATIE1.to_string()),
                ("TR387", "9387", PRESTATIE1.to_string()),
                ("TR388", "9388", PRESTATIE1.to_string()),
            ]
        );
        // The declaratie of April was processed (its prestatie rejected): the next one is May's.
        w.ok(&declaratie(
            std,
            "D2",
            "DECL2",
            "2026-05",
            &[(
                BSN1,
                vec![Pr::new(std, "R2", "7001").period("2026-04-10", "2026-04-20")],
            )],
        ));
    }
}

#[test]
pub(super) fn tr387_tr388_month_boundaries() {
    for std in BOTH {
        let mut w = assigned(std);
        assert_eq!(
            w.codes(&decl(
                std,
                "D1",
                "DECL1",
                vec![Pr::new(std, "R1", "7001").period("2026-04-02", "2026-04-29")]
            )),
            vec![
                ("TR387", "9387", PRESTATIE1.to_string()),
                ("TR388", "9388", PRESTATIE1.to_string()),
            ]
        );
    }
}

#[test]
pub(super) fn tr339_tr340_tr341_product_and_unit_of_the_toewijzing() {
    for std in BOTH {
        let mut w = assigned(std);
        let other_cat = if std == Std::Ijw { "32" } else { "03" };
        let f = w.codes(&decl(
            std,
            "D1",
            "DECL1",
            vec![
                Pr::new(std, "R1", "7001").code(other_cat, Some(CODE)),
                Pr::new(std, "R2", "7001")
                    .code(std.cat(), Some("45A08"))
                    .period("2026-03-01", "2026-03-31"),
                Pr::new(std, "R3", "7001")
                    .volume(3, "14")
                    .period("2026-02-01", "2026-02-28"),
            ],
        ));
        let p =
            |i: usize| format!("/Bericht/Declaratie/Clienten/Client[1]/Prestaties/Prestatie[{i}]");
        assert_eq!(
            f,
            vec![
                ("TR339", "9339", p(1)),
                ("TR340", "9340", p(2)),
                ("TR341", "9341", p(3)),
            ]
        );
        // Minutes on a toewijzing in hours are fine (TR341).
        w.ok(&declaratie(
            std,
            "D2",
            "DECL2",
            "2026-05",
            &[(
                BSN1,
                vec![Pr::new(std, "R4", "7001")
                    .volume(600, "01")
                    .period("2026-01-01", "2026-01-31")],
            )],
        ));
    }
}

#[test]
pub(super) fn tr321_volume_per_product_period() {
    for std in BOTH {
        let mut w = assigned(std);
        // April 2026 touches 5 calendar weeks: at most 50 hours (or 3000 minutes).
        assert_eq!(
            w.codes(&decl(
                std,
                "D1",
                "DECL1",
                vec![Pr::new(std, "R1", "7001").volume(51, "04")]
            )),
            one("TR321", "9321", PRESTATIE1)
        );
        let later = |id: &str, nr: &str, month: &str, p: Pr| {
            declaratie(std, id, nr, month, &[(BSN1, vec![p])])
        };
        assert_eq!(
            w.codes(&later(
                "D2",
                "DECL2",
                "2026-05",
                Pr::new(std, "R2", "7001").volume(3001, "01")
            )),
            one("TR321", "9321", PRESTATIE1)
        );
        w.ok(&later(
            "D3",
            "DECL3",
            "2026-06",
            Pr::new(std, "R3", "7001").volume(50, "04"),
        ));
    }
}

#[test]
pub(super) fn tr321_iwmo_household_help_may_reach_six_weeks() {
    let mut w = World::new();
    let std = Std::Iwmo;
    let mut t = Tw::new(std, "7001");
    t.cat = "01".into();
    w.ok(&toewijzing(std, "T1", BSN1, &[t]));
    // 5 weeks in April, but category 01 per week may be declared up to 6 times the volume.
    w.ok(&decl(
        std,
        "D1",
        "DECL1",
        vec![Pr::new(std, "R1", "7001")
            .code("01", Some(CODE))
            .volume(60, "04")],
    ));
    assert_eq!(
        w.codes(&declaratie(
            std,
            "D2",
            "DECL2",
            "2026-05",
            &[(
                BSN1,
                vec![Pr::new(std, "R2", "7001")
                    .code("01", Some(CODE))
                    .volume(61, "04")
                    .period("2026-05-01", "2026-05-31")]
            )]
        )),
        one("TR321", "9321", PRESTATIE1)
    );
}

#[test]
pub(super) fn tr322_sum_over_the_toewijzing() {
    for std in BOTH {
        let mut w = World::new();
        // 20 hours in total over the whole toewijzing.
        w.ok(&toewijzing(
            std,
            "T1",
            BSN1,
            &[Tw::new(std, "7001").omvang(20, "04", "6")],
        ));
        w.ok(&decl(std, "D1", "DECL1", vec![Pr::new(std, "R1", "7001")]));
        let may =
            |id: &str, nr: &str, ps: Vec<Pr>| declaratie(std, id, nr, "2026-05", &[(BSN1, ps)]);
        let m = |r: &str, v: i64| {
            Pr::new(std, r, "7001")
                .volume(v, "04")
                .period("2026-05-01", "2026-05-31")
        };
        // 12 granted; 9 more passes 20.
        assert_eq!(
            w.codes(&may("D2", "DECL2", vec![m("R2", 9)])),
            one("TR322", "9322", PRESTATIE1)
        );
        // Rejected prestaties do not count: 8 more is fine.
        w.ok(&declaratie(
            std,
            "D3",
            "DECL3",
            "2026-06",
            &[(BSN1, vec![m("R3", 8)])],
        ));
        // A credit in the same message makes room (credits first, OP366).
        w.ok(&declaratie(
            std,
            "D4",
            "DECL4",
            "2026-07",
            &[(
                BSN1,
                vec![
                    m("R4", 9).period("2026-06-01", "2026-06-30"),
                    Pr::new(std, "R5", "7001").credit_of("R1"),
                ],
            )],
        ));
    }
}

#[test]
pub(super) fn tr369_sum_within_budget() {
    for std in BOTH {
        let mut w = World::new();
        w.ok(&toewijzing(
            std,
            "T1",
            BSN1,
            &[Tw::new(std, "7001").budget(100_000)],
        ));
        let p = |r: &str, cents: i64, month: &str, last: &str| {
            Pr::new(std, r, "7001")
                .code(std.cat(), Some("45A99"))
                .volume(cents, "83")
                .period(&format!("{month}-01"), &format!("{month}-{last}"))
        };
        w.ok(&decl(
            std,
            "D1",
            "DECL1",
            vec![p("R1", 60_000, "2026-04", "30")],
        ));
        assert_eq!(
            w.codes(&declaratie(
                std,
                "D2",
                "DECL2",
                "2026-05",
                &[(BSN1, vec![p("R2", 40_001, "2026-05", "31")])]
            )),
            one("TR369", "9369", PRESTATIE1)
        );
        w.ok(&declaratie(
            std,
            "D3",
            "DECL3",
            "2026-06",
            &[(BSN1, vec![p("R3", 40_000, "2026-06", "30")])],
        ));
    }
}

#[test]
pub(super) fn tr314_referentienummer_unique() {
    for std in BOTH {
        let mut w = assigned(std);
        w.ok(&decl(std, "D1", "DECL1", vec![Pr::new(std, "R1", "7001")]));
        let f = w.codes(&declaratie(
            std,
            "D2",
            "DECL2",
            "2026-05",
            &[(
                BSN1,
                vec![Pr::new(std, "R1", "7001").period("2026-05-01", "2026-05-31")],
            )],
        ));
        assert_eq!(f, one("TR314", "8021", PRESTATIE1));
    }
}

#[test]
pub(super) fn tr323_tr390_credits() {
    for std in BOTH {
        let mut w = assigned(std);
        w.ok(&decl(std, "D1", "DECL1", vec![Pr::new(std, "R1", "7001")]));
        let may =
            |id: &str, nr: &str, ps: Vec<Pr>| declaratie(std, id, nr, "2026-05", &[(BSN1, ps)]);
        assert_eq!(
            w.codes(&may(
                "D2",
                "DECL2",
                vec![Pr::new(std, "C1", "7001").credit_of("R9")]
            )),
            one("TR323", "8017", PRESTATIE1)
        );
        w.ok(&declaratie(
            std,
            "D3",
            "DECL3",
            "2026-06",
            &[(BSN1, vec![Pr::new(std, "C2", "7001").credit_of("R1")])],
        ));
        let f = w.codes(&declaratie(
            std,
            "D4",
            "DECL4",
            "2026-07",
            &[(BSN1, vec![Pr::new(std, "C3", "7001").credit_of("R1")])],
        ));
        assert_eq!(f, one("TR390", "9390", PRESTATIE1));
        // A credit of a credit has no debet.
        let f = w.codes(&declaratie(
            std,
            "D5",
            "DECL5",
            "2026-08",
            &[(BSN1, vec![Pr::new(std, "C4", "7001").credit_of("C2")])],
        ));
        assert_eq!(f, one("TR323", "8017", PRESTATIE1));
    }
}

#[test]
pub(super) fn tr389_second_debet_needs_a_credit_first() {
    for std in BOTH {
        let mut w = assigned(std);
        w.ok(&decl(std, "D1", "DECL1", vec![Pr::new(std, "R1", "7001")]));
        let may =
            |id: &str, nr: &str, ps: Vec<Pr>| declaratie(std, id, nr, "2026-05", &[(BSN1, ps)]);
        assert_eq!(
            w.codes(&may("D2", "DECL2", vec![Pr::new(std, "R2", "7001")])),
            one("TR389", "9389", PRESTATIE1)
        );
        // Credit and new debet together: allowed (OP366).
        w.ok(&declaratie(
            std,
            "D3",
            "DECL3",
            "2026-06",
            &[(
                BSN1,
                vec![
                    Pr::new(std, "C1", "7001").credit_of("R1"),
                    Pr::new(std, "R3", "7001").volume(10, "04"),
                ],
            )],
        ));
    }
}

#[test]
pub(super) fn tr319_product_period_not_after_declaratie_period() {
    for std in BOTH {
        let mut w = assigned(std);
        // The official stylesheet checks TR319 inside the message (template on Prestatie), so
        // the message is refused on level 2, before the history is consulted.
        let xml = declaratie(
            std,
            "D1",
            "DECL1",
            "2026-04",
            &[(
                BSN1,
                vec![Pr::new(std, "R1", "7001").period("2026-05-01", "2026-05-04")],
            )],
        );
        let v = sluis::validate(xml.as_bytes(), &Limits::default()).expect("readable");
        let f = summary(&v.findings);
        assert!(
            f.contains(&("TR319", "0001", PRESTATIE1.to_string())),
            "{f:?}"
        );
        // An earlier month is fine.
        w.ok(&declaratie(
            std,
            "D2",
            "DECL2",
            "2026-05",
            &[(
                BSN1,
                vec![Pr::new(std, "R2", "7001").period("2026-03-01", "2026-03-31")],
            )],
        ));
    }
}

#[test]
pub(super) fn tr318_tr333_declaratie_level() {
    for std in BOTH {
        let mut w = assigned(std);
        w.ok(&decl(std, "D1", "DECL1", vec![Pr::new(std, "R1", "7001")]));
        // Same number again: the whole declaratie is rejected, nothing granted.
        let f = w.codes(&declaratie(
            std,
            "D2",
            "DECL1",
            "2026-05",
            &[(
                BSN1,
                vec![Pr::new(std, "R2", "7001").period("2026-05-01", "2026-05-31")],
            )],
        ));
        assert_eq!(f, one("TR333", "9333", "/Bericht/Declaratie"));
        assert!(w.h.prestatie(domein(std), AANBIEDER, "R2").is_none());
        // The same period again is a second declaratie of that month (IV090), allowed.
        w.ok(&decl(
            std,
            "D3",
            "DECL3",
            vec![Pr::new(std, "R3", "7001").period("2026-03-01", "2026-03-31")],
        ));
        // A period before the latest one declared (April) is not (TR318, IV090).
        let f = w.codes(&declaratie(
            std,
            "D5",
            "DECL5",
            "2026-03",
            &[(
                BSN1,
                vec![Pr::new(std, "R5", "7001").period("2026-02-01", "2026-02-28")],
            )],
        ));
        assert_eq!(f, one("TR318", "8214", "/Bericht/Declaratie"));
        // A gap (no care in May) is allowed.
        w.ok(&declaratie(
            std,
            "D4",
            "DECL4",
            "2026-06",
            &[(
                BSN1,
                vec![Pr::new(std, "R4", "7001").period("2026-06-01", "2026-06-30")],
            )],
        ));
    }
}

#[test]
pub(super) fn tr361_products_of_a_wijziging_do_not_overlap() {
    for std in BOTH {
        let mut w = World::new();
        w.ok(&toewijzing(
            std,
            "T1",
            BSN1,
            &[Tw {
                code: Some(NIEUW.into()),
                ..Tw::new(std, "7001")
            }],
        ));
        // The new product (code 45N01 from 2026-06-01) overlaps the unchanged toewijzing.
        assert_eq!(
            w.codes(&wijziging(std, "W1", BSN1, "VOW-1", &["7001"], &[])),
            one(
                "TR361",
                "9361",
                "/Bericht/Client/Verzoek/NieuweProducten/NieuwProduct[1]"
            )
        );
        w.ok(&toewijzing(
            std,
            "T2",
            BSN1,
            &[Tw {
                code: Some(NIEUW.into()),
                ..Tw::new(std, "7001")
                    .later("05")
                    .period("2026-01-01", Some("2026-05-31"))
            }],
        ));
        w.ok(&wijziging(std, "W2", BSN1, "VOW-2", &["7001"], &[]));
    }
}
