//! Verzoeken and antwoorden.

use super::*;

// ----- verzoeken and antwoorden -----

#[test]
pub(super) fn tr347_referentie_aanbieder_unique() {
    for std in BOTH {
        let mut w = World::new();
        w.ok(&verzoek(std, "V1", BSN1, &["VOT-1"]));
        w.ok(&antwoord(std, "A1", "VOT-1", "1"));
        assert_eq!(
            w.codes(&verzoek(std, "V2", BSN1, &["VOT-2", "VOT-1"])),
            one(
                "TR347",
                "9347",
                "/Bericht/Client/AangevraagdeProducten/AangevraagdProduct[2]"
            )
        );
        w.ok(&toewijzing(std, "T1", BSN1, &[Tw::new(std, "7001")]));
        assert_eq!(
            w.codes(&wijziging(std, "W1", BSN1, "VOT-1", &["7001"], &[])),
            one("TR347", "9347", "/Bericht/Client/Verzoek")
        );
    }
}

#[test]
pub(super) fn tr374_one_verzoek_at_a_time() {
    for std in BOTH {
        let mut w = World::new();
        w.ok(&verzoek(std, "V1", BSN1, &["VOT-1"]));
        assert_eq!(
            w.codes(&verzoek(std, "V2", BSN1, &["VOT-2"])),
            one("TR374", "9374", "/Bericht/Client")
        );
        // 'In onderzoek' keeps it open; honouring it with a toewijzing closes it.
        w.ok(&antwoord(std, "A1", "VOT-1", "2"));
        assert_eq!(
            w.codes(&verzoek(std, "V3", BSN1, &["VOT-3"])),
            one("TR374", "9374", "/Bericht/Client")
        );
        w.ok(&toewijzing(
            std,
            "T1",
            BSN1,
            &[Tw::new(std, "7001").referentie("VOT-1")],
        ));
        w.ok(&verzoek(std, "V4", BSN1, &["VOT-4"]));
        // Another client is not held up.
        w.ok(&verzoek(std, "V5", BSN2, &["VOT-5"]));
    }
}

#[test]
pub(super) fn tr355_tr359_tr360_tr365_antwoorden() {
    for std in BOTH {
        let mut w = World::new();
        assert_eq!(
            w.codes(&antwoord(std, "A1", "VOT-1", "2")),
            one("TR355", "9355", "/Bericht/Antwoord")
        );
        w.ok(&verzoek(std, "V1", BSN1, &["VOT-1"]));
        w.ok(&antwoord(std, "A2", "VOT-1", "2"));
        assert_eq!(
            w.codes(&antwoord(std, "A3", "VOT-1", "2")),
            one("TR360", "9360", "/Bericht/Antwoord")
        );
        w.ok(&antwoord(std, "A4", "VOT-1", "1"));
        assert_eq!(
            w.codes(&antwoord(std, "A5", "VOT-1", "1")),
            one("TR365", "9365", "/Bericht/Antwoord")
        );
        w.ok(&verzoek(std, "V2", BSN2, &["VOT-2"]));
        w.ok(&toewijzing(
            std,
            "T1",
            BSN2,
            &[Tw::new(std, "7002").referentie("VOT-2")],
        ));
        assert_eq!(
            w.codes(&antwoord(std, "A6", "VOT-2", "1")),
            one("TR359", "9359", "/Bericht/Antwoord")
        );
    }
}

#[test]
pub(super) fn tr349_tr350_tr351_wijziging_names_actual_toewijzingen() {
    for std in BOTH {
        let mut w = World::new();
        w.ok(&toewijzing(
            std,
            "T1",
            BSN1,
            &[
                Tw::new(std, "7001").period("2026-01-01", Some("2026-06-30")),
                Tw::new(std, "7002").period("2026-07-01", Some("2026-12-31")),
                // Ended before the Dagtekening: not actual.
                Tw::new(std, "7003").period("2025-01-01", Some("2025-12-31")),
            ],
        ));
        assert_eq!(
            w.codes(&wijziging(std, "W1", BSN1, "VOW-1", &["7001"], &[])),
            one("TR349", "9349", "/Bericht/Client/Verzoek")
        );
        assert_eq!(
            w.codes(&wijziging(
                std,
                "W2",
                BSN1,
                "VOW-2",
                &["7001", "7002", "7003"],
                &[]
            )),
            one(
                "TR350",
                "9350",
                "/Bericht/Client/Verzoek/OngewijzigdeProducten/OngewijzigdProduct[3]"
            )
        );
        assert_eq!(
            w.codes(&wijziging(
                std,
                "W3",
                BSN1,
                "VOW-3",
                &["7001", "7002"],
                &[Wijz::new("7009")]
            )),
            one(
                "TR351",
                "9351",
                "/Bericht/Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct[1]"
            )
        );
        w.ok(&wijziging(
            std,
            "W4",
            BSN1,
            "VOW-4",
            &["7001"],
            &[Wijz::new("7002").gewenst("2026-07-01")],
        ));
    }
}

#[test]
pub(super) fn tr304_wijziging_on_another_clients_toewijzing() {
    for std in BOTH {
        let mut w = World::new();
        w.ok(&toewijzing(std, "T1", BSN1, &[Tw::new(std, "7001")]));
        w.ok(&toewijzing(std, "T2", BSN2, &[Tw::new(std, "7002")]));
        assert_eq!(
            w.codes(&wijziging(
                std,
                "W1",
                BSN2,
                "VOW-1",
                &["7002"],
                &[Wijz::new("7001")]
            )),
            one(
                "TR304",
                "8187",
                "/Bericht/Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct[1]"
            )
        );
    }
}

#[test]
pub(super) fn tr357_past_gewenste_ingangsdatum_is_the_original() {
    for std in BOTH {
        let mut w = assigned(std);
        assert_eq!(
            w.codes(&wijziging(
                std,
                "W1",
                BSN1,
                "VOW-1",
                &[],
                &[Wijz::new("7001").gewenst("2026-03-01")]
            )),
            one(
                "TR357",
                "9357",
                "/Bericht/Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct[1]"
            )
        );
        w.ok(&wijziging(
            std,
            "W2",
            BSN1,
            "VOW-2",
            &[],
            &[Wijz::new("7001").gewenst("2026-01-01")],
        ));
    }
}

#[test]
pub(super) fn tr373_budget_or_total_changes_over_the_whole_period() {
    for std in BOTH {
        let mut w = World::new();
        w.ok(&toewijzing(
            std,
            "T1",
            BSN1,
            &[
                Tw::new(std, "7001").omvang(20, "04", "6"),
                Tw {
                    cat: if std == Std::Ijw { "32" } else { "03" }.into(),
                    ..Tw::new(std, "7002").budget(100_000)
                },
            ],
        ));
        let path = |i: usize| {
            format!("/Bericht/Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct[{i}]")
        };
        let mut budget = Wijz::new("7002").omvang(None);
        budget.budget = Some(150_000);
        let total = Wijz::new("7001").omvang(Some((30, "04", "6")));
        assert_eq!(
            w.codes(&wijziging(
                std,
                "W1",
                BSN1,
                "VOW-1",
                &[],
                &[total.clone(), budget.clone()]
            )),
            vec![("TR373", "9373", path(1)), ("TR373", "9373", path(2))]
        );
        w.ok(&wijziging(
            std,
            "W2",
            BSN1,
            "VOW-2",
            &[],
            &[total.gewenst("2026-01-01"), budget.gewenst("2026-01-01")],
        ));
    }
}

#[test]
pub(super) fn tr411_omvang_required_for_coded_toewijzing() {
    for std in BOTH {
        let mut w = assigned(std);
        assert_eq!(
            w.codes(&wijziging(
                std,
                "W1",
                BSN1,
                "VOW-1",
                &[],
                &[Wijz::new("7001").omvang(None)]
            )),
            one(
                "TR411",
                "9411",
                "/Bericht/Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct[1]"
            )
        );
    }
}

#[test]
pub(super) fn tr375_tr412_no_omvang_for_uncoded_toewijzing() {
    for std in BOTH {
        let mut w = World::new();
        let mut t = Tw::new(std, "7001");
        t.code = None;
        t.omvang = None;
        w.ok(&toewijzing(std, "T1", BSN1, &[t]));
        let path = "/Bericht/Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct[1]";
        assert_eq!(
            w.codes(&wijziging(
                std,
                "W1",
                BSN1,
                "VOW-1",
                &[],
                &[Wijz::new("7001")]
            )),
            vec![
                ("TR375", "9375", path.to_string()),
                ("TR412", "9412", path.to_string())
            ]
        );
        w.ok(&wijziging(
            std,
            "W2",
            BSN1,
            "VOW-2",
            &[],
            &[Wijz::new("7001").omvang(None)],
        ));
    }
}
