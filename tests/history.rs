//! Cross-message rules: scenarios of real messages applied in order to a `MemoryHistory`, for
//! both standards. Every message is first validated (structure and in-message rules) and must
//! be clean; then `check` judges it against the history and `accepted_effects` records it.

#[path = "history/build.rs"]
mod build;

use build::*;
use sluis::standard::Document;
use sluis::validate::history::{
    self, accepted_effects, check, effects, External, History, MemoryHistory, Record,
};
use sluis::{Finding, Limits, RetourContext};
use std::collections::{BTreeMap, BTreeSet};

fn validated(xml: &str) -> sluis::Verdict {
    let v = sluis::validate(xml.as_bytes(), &Limits::default()).expect("readable");
    assert!(
        v.findings.is_empty(),
        "test message not valid on its own: {:#?}\n{xml}",
        v.findings
    );
    v
}

struct World {
    h: MemoryHistory,
    ext: External,
}

impl World {
    fn new() -> World {
        World {
            h: MemoryHistory::new(),
            ext: External::default(),
        }
    }

    /// Judge a message against the history and record what it changes.
    fn send(&mut self, xml: &str) -> Vec<Finding> {
        let v = validated(xml);
        let findings = check(&v.document, &self.h, &self.ext);
        for f in &findings {
            for bsn in BSNS {
                assert!(
                    !f.message.contains(bsn) && !f.path.contains(bsn),
                    "BSN in finding {f:?}"
                );
            }
            assert!(f.retourcode.is_some(), "{f:?}");
        }
        self.h.apply(&accepted_effects(&v.document, &findings));
        findings
    }

    /// Send a message that must pass.
    fn ok(&mut self, xml: &str) {
        let f = self.send(xml);
        assert!(f.is_empty(), "unexpected findings: {f:#?}");
    }

    /// Send a message and return (code, retourcode, path) of its findings.
    fn codes(&mut self, xml: &str) -> Vec<(&'static str, &'static str, String)> {
        summary(&self.send(xml))
    }
}

fn summary(f: &[Finding]) -> Vec<(&'static str, &'static str, String)> {
    f.iter()
        .map(|f| (f.code, f.retourcode.unwrap_or("-"), f.path.clone()))
        .collect()
}

fn one(
    code: &'static str,
    rc: &'static str,
    path: &str,
) -> Vec<(&'static str, &'static str, String)> {
    vec![(code, rc, path.to_string())]
}

const START1: &str = "/Bericht/Client/StartProducten/StartProduct[1]";
const START2: &str = "/Bericht/Client/StartProducten/StartProduct[2]";
const STOP1: &str = "/Bericht/Client/StopProducten/StopProduct[1]";
const PRESTATIE1: &str = "/Bericht/Declaratie/Clienten/Client[1]/Prestaties/Prestatie[1]";
const PRESTATIE2: &str = "/Bericht/Declaratie/Clienten/Client[1]/Prestaties/Prestatie[2]";
const HEADER_ID: &str = "/Bericht/Header/BerichtIdentificatie/Identificatie";

/// A world with toewijzing 7001 (10 hours a week in 2026) for BSN1.
fn assigned(std: Std) -> World {
    let mut w = World::new();
    w.ok(&toewijzing(std, "T1", BSN1, &[Tw::new(std, "7001")]));
    w
}

/// … and started on 2026-01-05.
fn started(std: Std) -> World {
    let mut w = assigned(std);
    w.ok(&start(std, "S1", BSN1, &[Lev::new("7001")]));
    w
}

// ----- identificatie -----

#[test]
fn tr056_identificatie_unique_per_berichtsoort_and_sender() {
    for std in BOTH {
        let mut w = assigned(std);
        assert_eq!(
            w.codes(&toewijzing(std, "T1", BSN2, &[Tw::new(std, "7002")])),
            one("TR056", "9056", HEADER_ID)
        );
        // The same identificatie in another berichtsoort, or from another sender, is fine.
        w.ok(&start(std, "T1", BSN1, &[Lev::new("7001")]));
        let other = toewijzing_with(
            std,
            &Head {
                id: "T1".into(),
                dag: DAG.into(),
                afzender: "0600".into(),
                ontvanger: AANBIEDER.into(),
            },
            BSN2,
            &[Tw::new(std, "9001")],
        );
        w.ok(&other);
    }
}

// ----- start -----

#[test]
fn tr019_start_needs_a_toewijzing_of_this_client_and_aanbieder() {
    for std in BOTH {
        let mut w = assigned(std);
        assert_eq!(
            w.codes(&start(std, "S1", BSN1, &[Lev::new("7999")])),
            one("TR019", "9019", START1)
        );
        // Another client's toewijzing does not link either.
        assert_eq!(
            w.codes(&start(std, "S2", BSN2, &[Lev::new("7001")])),
            one("TR019", "9019", START1)
        );
        w.ok(&start(std, "S3", BSN1, &[Lev::new("7001")]));
    }
}

#[test]
fn tr019_removed_toewijzing_cannot_be_started() {
    for std in BOTH {
        let mut w = assigned(std);
        w.ok(&toewijzing(
            std,
            "T2",
            BSN1,
            &[Tw::new(std, "7001").removed()],
        ));
        assert_eq!(
            w.codes(&start(std, "S1", BSN1, &[Lev::new("7001")])),
            one("TR019", "9019", START1)
        );
    }
}

#[test]
fn tr019_stop_needs_a_toewijzing() {
    for std in BOTH {
        let mut w = started(std);
        let f = w.codes(&stop(std, "P1", BSN1, &[Lev::new("7999")]));
        assert!(f.contains(&("TR019", "9019", STOP1.to_string())), "{f:?}");
    }
}

#[test]
fn tr074_same_start_twice() {
    for std in BOTH {
        let mut w = started(std);
        assert_eq!(
            w.codes(&start(std, "S2", BSN1, &[Lev::new("7001")])),
            vec![
                ("TR074", "9074", START1.to_string()),
                ("TR326", "9326", START1.to_string())
            ]
        );
    }
}

#[test]
fn tr326_new_start_while_one_runs() {
    for std in BOTH {
        let mut w = started(std);
        let later = Lev::new("7001").begin("2026-02-01");
        assert_eq!(
            w.codes(&start(std, "S2", BSN1, std::slice::from_ref(&later))),
            one("TR326", "9326", START1)
        );
        // After a (temporary) stop a new start is allowed (OP379).
        w.ok(&stop(
            std,
            "P1",
            BSN1,
            &[Lev::new("7001").reden("20").eind("2026-01-20")],
        ));
        w.ok(&start(std, "S3", BSN1, &[later]));
    }
}

#[test]
fn tr063_removing_a_start_never_sent() {
    for std in BOTH {
        let mut w = assigned(std);
        assert_eq!(
            w.codes(&start(std, "S1", BSN1, &[Lev::new("7001").status("3")])),
            one("TR063", "9063", START1)
        );
        w.ok(&start(std, "S2", BSN1, &[Lev::new("7001")]));
        w.ok(&start(std, "S3", BSN1, &[Lev::new("7001").status("3")]));
        // Removed: it counts as never sent, so removing it again fails and sending it anew passes.
        assert_eq!(
            w.codes(&start(std, "S4", BSN1, &[Lev::new("7001").status("3")])),
            one("TR063", "9063", START1)
        );
        w.ok(&start(std, "S5", BSN1, &[Lev::new("7001")]));
    }
}

#[test]
fn correction_in_one_message_removes_then_adds() {
    for std in BOTH {
        let mut w = started(std);
        // IV008: remove the start of 2026-01-05 and send the corrected one in the same message.
        w.ok(&start(
            std,
            "S2",
            BSN1,
            &[
                Lev::new("7001").status("3"),
                Lev::new("7001").begin("2026-01-07"),
            ],
        ));
        let starts =
            w.h.starts(&parties(std), &bsn(BSN1), "7001")
                .into_iter()
                .map(|s| s.begindatum.to_string())
                .collect::<Vec<_>>();
        assert_eq!(starts, ["2026-01-07"]);
    }
}

#[test]
fn tr071_stopped_start_cannot_be_removed() {
    for std in BOTH {
        let mut w = started(std);
        w.ok(&stop(std, "P1", BSN1, &[Lev::new("7001")]));
        assert_eq!(
            w.codes(&start(std, "S2", BSN1, &[Lev::new("7001").status("3")])),
            one("TR071", "9071", START1)
        );
        // Once the stop is removed, the start can be removed too.
        w.ok(&stop(std, "P2", BSN1, &[Lev::new("7001").status("3")]));
        w.ok(&start(std, "S3", BSN1, &[Lev::new("7001").status("3")]));
    }
}

#[test]
fn findings_land_on_the_right_start_product() {
    for std in BOTH {
        let mut w = started(std);
        let f = w.codes(&start(
            std,
            "S2",
            BSN1,
            &[
                Lev::new("7001").begin("2026-03-01").status("3"),
                Lev::new("7999"),
            ],
        ));
        assert_eq!(
            f,
            vec![
                ("TR019", "9019", START2.to_string()),
                ("TR063", "9063", START1.to_string())
            ]
        );
    }
}

// ----- stop -----

#[test]
fn tr069_stop_needs_a_current_start_with_the_same_key() {
    for std in BOTH {
        let mut w = assigned(std);
        assert_eq!(
            w.codes(&stop(std, "P1", BSN1, &[Lev::new("7001")])),
            one("TR069", "9069", STOP1)
        );
        w.ok(&start(std, "S1", BSN1, &[Lev::new("7001")]));
        // Another Begindatum (or another product) is another start.
        assert_eq!(
            w.codes(&stop(
                std,
                "P2",
                BSN1,
                &[Lev::new("7001").begin("2026-01-06")]
            )),
            one("TR069", "9069", STOP1)
        );
        assert_eq!(
            w.codes(&stop(
                std,
                "P3",
                BSN1,
                &[Lev::new("7001").product(std.cat(), Some(CODE))]
            )),
            one("TR069", "9069", STOP1)
        );
        w.ok(&stop(std, "P4", BSN1, &[Lev::new("7001")]));
    }
}

#[test]
fn tr074_same_stop_twice_and_tr063_for_stops() {
    for std in BOTH {
        let mut w = started(std);
        assert_eq!(
            w.codes(&stop(std, "P0", BSN1, &[Lev::new("7001").status("3")])),
            one("TR063", "9063", STOP1)
        );
        w.ok(&stop(std, "P1", BSN1, &[Lev::new("7001")]));
        assert_eq!(
            w.codes(&stop(std, "P2", BSN1, &[Lev::new("7001")])),
            vec![
                ("TR074", "9074", STOP1.to_string()),
                ("TR415", "9415", STOP1.to_string())
            ]
        );
        // Remove and resend with another Einddatum in one message.
        w.ok(&stop(
            std,
            "P3",
            BSN1,
            &[
                Lev::new("7001").status("3"),
                Lev::new("7001").eind("2026-04-15"),
            ],
        ));
    }
}

#[test]
fn tr413_no_second_temporary_stop() {
    for std in BOTH {
        let mut w = started(std);
        w.ok(&stop(
            std,
            "P1",
            BSN1,
            &[Lev::new("7001").reden("20").eind("2026-02-01")],
        ));
        assert_eq!(
            w.codes(&stop(
                std,
                "P2",
                BSN1,
                &[Lev::new("7001").reden("20").eind("2026-03-01")]
            )),
            one("TR413", "9413", STOP1)
        );
        // A definitive stop may follow a temporary one without a new start (OP377).
        w.ok(&stop(
            std,
            "P3",
            BSN1,
            &[Lev::new("7001").reden("31").eind("2026-03-01")],
        ));
    }
}

#[test]
fn tr414_later_stop_not_before_earlier() {
    for std in BOTH {
        let mut w = started(std);
        w.ok(&stop(
            std,
            "P1",
            BSN1,
            &[Lev::new("7001").reden("20").eind("2026-03-01")],
        ));
        assert_eq!(
            w.codes(&stop(
                std,
                "P2",
                BSN1,
                &[Lev::new("7001").reden("31").eind("2026-02-01")]
            )),
            one("TR414", "9414", STOP1)
        );
        w.ok(&stop(
            std,
            "P3",
            BSN1,
            &[Lev::new("7001").reden("31").eind("2026-03-01")],
        ));
    }
}

#[test]
fn tr415_nothing_after_a_definitive_stop() {
    for std in BOTH {
        let mut w = started(std);
        w.ok(&stop(
            std,
            "P1",
            BSN1,
            &[Lev::new("7001").reden("31").eind("2026-03-01")],
        ));
        assert_eq!(
            w.codes(&stop(
                std,
                "P2",
                BSN1,
                &[Lev::new("7001").reden("20").eind("2026-04-01")]
            )),
            one("TR415", "9415", STOP1)
        );
    }
}

// ----- toewijzing -----

#[test]
fn tr332_toewijzingnummer_belongs_to_one_client() {
    for std in BOTH {
        let mut w = assigned(std);
        assert_eq!(
            w.codes(&toewijzing(std, "T2", BSN2, &[Tw::new(std, "7001")])),
            one(
                "TR332",
                "9332",
                "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[1]"
            )
        );
        // The same client getting a new version of its toewijzing is a change, not a clash.
        w.ok(&toewijzing(
            std,
            "T3",
            BSN1,
            &[Tw::new(std, "7001")
                .later("04")
                .period("2026-01-01", Some("2027-06-30"))],
        ));
        let current =
            w.h.toewijzing(domein(std), GEMEENTE, "7001")
                .and_then(|s| s.current().map(|c| c.einddatum.map(|d| d.to_string())));
        assert_eq!(current, Some(Some("2027-06-30".to_string())));
    }
}

#[test]
fn tr385_no_removal_with_granted_prestaties() {
    for std in BOTH {
        let mut w = assigned(std);
        w.ok(&declaratie(
            std,
            "D1",
            "DECL1",
            "2026-04",
            &[(BSN1, vec![Pr::new(std, "R1", "7001")])],
        ));
        assert_eq!(
            w.codes(&toewijzing(
                std,
                "T2",
                BSN1,
                &[Tw::new(std, "7001").removed()]
            )),
            one(
                "TR385",
                "9385",
                "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[1]"
            )
        );
        // Credited first, then the removal is fine.
        w.ok(&declaratie(
            std,
            "D2",
            "DECL2",
            "2026-05",
            &[(BSN1, vec![Pr::new(std, "R2", "7001").credit_of("R1")])],
        ));
        w.ok(&toewijzing(
            std,
            "T3",
            BSN1,
            &[Tw::new(std, "7001").removed()],
        ));
    }
}

#[test]
fn tr379_referentie_in_toewijzing_must_be_a_verzoek() {
    for std in BOTH {
        let mut w = World::new();
        assert_eq!(
            w.codes(&toewijzing(
                std,
                "T1",
                BSN1,
                &[Tw::new(std, "7001").referentie("VOT-1")]
            )),
            one(
                "TR379",
                "9379",
                "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[1]"
            )
        );
        w.ok(&verzoek(std, "V1", BSN1, &["VOT-1"]));
        w.ok(&toewijzing(
            std,
            "T2",
            BSN1,
            &[Tw::new(std, "7001").referentie("VOT-1")],
        ));
    }
}

// ----- verzoeken and antwoorden -----

#[test]
fn tr347_referentie_aanbieder_unique() {
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
fn tr374_one_verzoek_at_a_time() {
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
fn tr355_tr359_tr360_tr365_antwoorden() {
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
fn tr349_tr350_tr351_wijziging_names_actual_toewijzingen() {
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
fn tr304_wijziging_on_another_clients_toewijzing() {
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
fn tr357_past_gewenste_ingangsdatum_is_the_original() {
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
fn tr373_budget_or_total_changes_over_the_whole_period() {
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
fn tr411_omvang_required_for_coded_toewijzing() {
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
fn tr375_tr412_no_omvang_for_uncoded_toewijzing() {
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

// ----- declaratie -----

fn decl(std: Std, id: &str, nummer: &str, ps: Vec<Pr>) -> String {
    declaratie(std, id, nummer, "2026-04", &[(BSN1, ps)])
}

#[test]
fn tr338_tr384_tr304_prestatie_needs_its_toewijzing() {
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
fn tr307_tr308_prestatie_within_the_toewijzing() {
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
fn tr387_tr388_month_boundaries() {
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
fn tr339_tr340_tr341_product_and_unit_of_the_toewijzing() {
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
fn tr321_volume_per_product_period() {
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
fn tr321_iwmo_household_help_may_reach_six_weeks() {
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
fn tr322_sum_over_the_toewijzing() {
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
fn tr369_sum_within_budget() {
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
fn tr314_referentienummer_unique() {
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
fn tr323_tr390_credits() {
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
fn tr389_second_debet_needs_a_credit_first() {
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
fn tr319_product_period_not_after_declaratie_period() {
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
fn tr318_tr333_declaratie_level() {
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
fn tr361_products_of_a_wijziging_do_not_overlap() {
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

// ----- external -----

#[test]
fn tr135_dagtekening_not_after_the_system_date() {
    for std in BOTH {
        let mut w = World::new();
        w.ext.vandaag = sluis::standard::types::Datum::parse("2026-05-03");
        assert_eq!(
            w.codes(&toewijzing(std, "T1", BSN1, &[Tw::new(std, "7001")])),
            one(
                "TR135",
                "8848",
                "/Bericht/Header/BerichtIdentificatie/Dagtekening"
            )
        );
        w.ext.vandaag = sluis::standard::types::Datum::parse(DAG);
        w.ok(&toewijzing(std, "T2", BSN1, &[Tw::new(std, "7001")]));
    }
}

#[test]
fn tr346_amount_is_volume_times_tariff() {
    for std in BOTH {
        let mut w = assigned(std);
        assert_eq!(
            w.codes(&decl(
                std,
                "D1",
                "DECL1",
                vec![Pr::new(std, "R1", "7001").with_bedrag(5000, 60001)]
            )),
            one("TR346", "9346", PRESTATIE1)
        );
        // 90 minutes on an hourly rate of 50,00: tariff 0,83 a minute, amount 75,00 (IV081).
        w.ok(&declaratie(
            std,
            "D2",
            "DECL2",
            "2026-05",
            &[(
                BSN1,
                vec![Pr::new(std, "R2", "7001")
                    .volume(90, "01")
                    .with_bedrag(83, 7500)],
            )],
        ));
    }
}

#[test]
fn tr378_tr381_external_lists() {
    for std in BOTH {
        let mut w = World::new();
        w.ext = External {
            vandaag: None,
            tarieven: None,
            gemeentecodes: Some(BTreeSet::from(["0600".to_string()])),
            gemeentelijst: None,
            productcodes: Some(BTreeMap::from([(
                std.cat().to_string(),
                BTreeSet::from(["45A08".to_string()]),
            )])),
        };
        let f = w.codes(&toewijzing(std, "T1", BSN1, &[Tw::new(std, "7001")]));
        assert_eq!(
            f,
            vec![
                ("TR378", "S300", "/Bericht/Header/Afzender".to_string()),
                (
                    "TR381",
                    "S329",
                    "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[1]".to_string()
                ),
            ]
        );
        w.ext.gemeentecodes = Some(BTreeSet::from([GEMEENTE.to_string()]));
        w.ext.productcodes = Some(BTreeMap::from([(
            std.cat().to_string(),
            BTreeSet::from([CODE.to_string()]),
        )]));
        w.ok(&toewijzing(std, "T2", BSN1, &[Tw::new(std, "7001")]));
        w.ok(&start(
            std,
            "S1",
            BSN1,
            &[Lev::new("7001").product(std.cat(), Some(CODE))],
        ));
        let f = w.codes(&decl(
            std,
            "D1",
            "DECL1",
            vec![Pr::new(std, "R1", "7001").code(std.cat(), Some("45A08"))],
        ));
        assert_eq!(
            f,
            vec![
                ("TR340", "9340", PRESTATIE1.to_string()),
                ("TR381", "S329", PRESTATIE1.to_string())
            ]
        );
    }
}

#[test]
fn tr418_contract_tariff() {
    for std in BOTH {
        let mut w = assigned(std);
        let contract = BTreeMap::from([("04".to_string(), 5000), ("14".to_string(), 20000)]);
        w.ext.tarieven = Some(BTreeMap::from([(
            (AANBIEDER.to_string(), CODE.to_string()),
            contract,
        )]));
        assert_eq!(
            w.codes(&decl(
                std,
                "D1",
                "DECL1",
                vec![Pr::new(std, "R1", "7001").with_bedrag(5100, 61200)]
            )),
            one("TR418", "0611", PRESTATIE1)
        );
        // 50,00 an hour is 0,83 a minute.
        w.ok(&declaratie(
            std,
            "D2",
            "DECL2",
            "2026-05",
            &[(
                BSN1,
                vec![Pr::new(std, "R2", "7001")
                    .volume(90, "01")
                    .with_bedrag(83, 7500)],
            )],
        ));
        w.ok(&declaratie(
            std,
            "D3",
            "DECL3",
            "2026-06",
            &[(
                BSN1,
                vec![Pr::new(std, "R3", "7001").period("2026-06-01", "2026-06-30")],
            )],
        ));
    }
}

// ----- whole trajectories and the retourberichten -----

fn verdict_with(xml: &str, findings: Vec<Finding>) -> sluis::Verdict {
    let mut v = validated(xml);
    v.findings = findings;
    v
}

/// RetourCodes per berichtklasse of an answer, as (path, codes), in document order.
fn retour_codes(doc: &Document) -> Vec<(String, Vec<String>)> {
    fn walk(e: &sluis::standard::Element, path: &str, out: &mut Vec<(String, Vec<String>)>) {
        if let Some(rc) = e.child("RetourCodes") {
            let codes = rc
                .children()
                .iter()
                .filter_map(|r| r.value().map(|v| v.lexical().into_owned()))
                .collect();
            out.push((path.to_string(), codes));
        }
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for c in e.children() {
            let n = counts.entry(c.name()).or_default();
            *n += 1;
            let p = if c.field.repeats() {
                format!("{path}/{}[{}]", c.name(), n)
            } else {
                format!("{path}/{}", c.name())
            };
            if c.name() != "RetourCodes" {
                walk(c, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    for c in &doc.children {
        walk(c, &format!("/Bericht/{}", c.name()), &mut out);
    }
    out
}

fn ctx() -> RetourContext {
    RetourContext::new(
        "R-1",
        sluis::standard::types::Datum::parse(DAG).expect("date"),
    )
}

#[test]
fn trajectory_clean_in_both_standards() {
    for std in BOTH {
        let mut w = World::new();
        w.ok(&verzoek(std, "V1", BSN1, &["VOT-1"]));
        w.ok(&toewijzing(
            std,
            "T1",
            BSN1,
            &[Tw::new(std, "7001").referentie("VOT-1")],
        ));
        w.ok(&start(std, "S1", BSN1, &[Lev::new("7001")]));
        w.ok(&decl(std, "D1", "DECL1", vec![Pr::new(std, "R1", "7001")]));
        w.ok(&stop(std, "P1", BSN1, &[Lev::new("7001")]));
        w.ok(&declaratie(
            std,
            "D2",
            "DECL2",
            "2026-05",
            &[(
                BSN1,
                vec![Pr::new(std, "R2", "7001").period("2026-05-01", "2026-05-31")],
            )],
        ));
        // A verzoek om wijziging later, answered.
        w.ok(&wijziging(
            std,
            "W1",
            BSN1,
            "VOW-1",
            &[],
            &[Wijz::new("7001")],
        ));
        w.ok(&antwoord(std, "A1", "VOW-1", "1"));
        let kinds = |h: &MemoryHistory| h.len();
        assert_eq!(
            kinds(&w.h),
            8 + 1 + 1 + 1 + 1 + 2 + 2 + 1 + 1,
            "identificaties, verzoeken, toewijzing, start, stop, declaraties, prestaties, antwoord"
        );
    }
}

#[test]
fn trajectory_with_faults_and_their_retourberichten() {
    for std in BOTH {
        let mut w = World::new();
        w.ok(&verzoek(std, "V1", BSN1, &["VOT-1"]));
        w.ok(&toewijzing(
            std,
            "T1",
            BSN1,
            &[Tw::new(std, "7001").referentie("VOT-1")],
        ));

        // A start with a second line on an unknown toewijzing: rejected as a whole.
        let xml = start(std, "S1", BSN1, &[Lev::new("7001"), Lev::new("7999")]);
        let f = w.send(&xml);
        assert_eq!(summary(&f), one("TR019", "9019", START2));
        assert!(
            w.h.starts(&parties(std), &bsn(BSN1), "7001").is_empty(),
            "nothing recorded"
        );
        let answer = sluis::retour(&verdict_with(&xml, f), &ctx()).expect("retour");
        assert_eq!(answer.code(), std.code(306));
        assert_eq!(
            retour_codes(&answer),
            vec![
                ("/Bericht/Header".to_string(), vec!["0200".to_string()]),
                ("/Bericht/Client".to_string(), vec!["0200".to_string()]),
                (START1.to_string(), vec!["0200".to_string()]),
                (START2.to_string(), vec!["9019".to_string()]),
            ]
        );
        // The rejected message was received: its identificatie is taken.
        assert_eq!(
            w.codes(&start(std, "S1", BSN1, &[Lev::new("7001")])),
            one("TR056", "9056", HEADER_ID)
        );
        w.ok(&start(std, "S2", BSN1, &[Lev::new("7001")]));

        // A stop without start.
        let xml = stop(std, "P1", BSN1, &[Lev::new("7001").begin("2026-01-06")]);
        let f = w.send(&xml);
        let answer = sluis::retour(&verdict_with(&xml, f), &ctx()).expect("retour");
        assert_eq!(
            retour_codes(&answer).last(),
            Some(&(STOP1.to_string(), vec!["9069".to_string()]))
        );

        // A declaratie with one good and one faulty prestatie: the good one is granted.
        let xml = decl(
            std,
            "D1",
            "DECL1",
            vec![
                Pr::new(std, "R1", "7001"),
                Pr::new(std, "R2", "7999").period("2026-03-01", "2026-03-31"),
            ],
        );
        let f = w.send(&xml);
        assert_eq!(summary(&f), one("TR338", "9338", PRESTATIE2));
        assert!(w.h.prestatie(domein(std), AANBIEDER, "R1").is_some());
        assert!(w.h.prestatie(domein(std), AANBIEDER, "R2").is_none());
        let answer = sluis::retour(&verdict_with(&xml, f), &ctx()).expect("declaratie-antwoord");
        assert_eq!(answer.code(), std.code(325));
        assert_eq!(
            retour_codes(&answer),
            vec![
                ("/Bericht/Header".to_string(), vec!["0200".to_string()]),
                (
                    "/Bericht/DeclaratieAntwoord".to_string(),
                    vec!["0200".to_string()]
                ),
                (
                    "/Bericht/DeclaratieAntwoord/Clienten/Client[1]".to_string(),
                    vec!["0200".to_string()]
                ),
                (
                    "/Bericht/DeclaratieAntwoord/Clienten/Client[1]/Prestaties/Prestatie[1]"
                        .to_string(),
                    vec!["9338".to_string()]
                ),
            ]
        );
        let granted = answer
            .get("DeclaratieAntwoord/TotaalToegekendBedrag/TotaalBedrag")
            .and_then(|e| e.value().map(|v| v.lexical().into_owned()));
        assert_eq!(granted.as_deref(), Some("60000"));

        // A declaratie rejected on its number: DeclaratieAntwoord 9333, nothing granted.
        let xml = declaratie(
            std,
            "D2",
            "DECL1",
            "2026-05",
            &[(
                BSN1,
                vec![Pr::new(std, "R3", "7001").period("2026-05-01", "2026-05-31")],
            )],
        );
        let f = w.send(&xml);
        let answer = sluis::retour(&verdict_with(&xml, f), &ctx()).expect("declaratie-antwoord");
        assert_eq!(
            retour_codes(&answer),
            vec![
                ("/Bericht/Header".to_string(), vec!["0200".to_string()]),
                (
                    "/Bericht/DeclaratieAntwoord".to_string(),
                    vec!["9333".to_string()]
                ),
            ]
        );

        // A duplicate identificatie: only the Header, with 9056.
        let xml = toewijzing(std, "T1", BSN1, &[Tw::new(std, "7001")]);
        let f = w.send(&xml);
        let answer = sluis::retour(&verdict_with(&xml, f), &ctx()).expect("retour");
        assert_eq!(
            retour_codes(&answer),
            vec![("/Bericht/Header".to_string(), vec!["9056".to_string()])]
        );
    }
}

// ----- state and effects -----

fn domein(std: Std) -> history::Domein {
    match std {
        Std::Ijw => history::Domein::Ijw,
        Std::Iwmo => history::Domein::Iwmo,
    }
}

fn parties(std: Std) -> history::Parties {
    history::Parties {
        domein: domein(std),
        gemeente: GEMEENTE.into(),
        aanbieder: AANBIEDER.into(),
    }
}

fn bsn(s: &str) -> sluis::standard::types::Bsn {
    sluis::standard::types::Bsn::parse(s).expect("bsn")
}

#[test]
fn effects_are_plain_puts_and_removes_that_serialize() {
    let std = Std::Ijw;
    let v = validated(&start(
        std,
        "S1",
        BSN1,
        &[Lev::new("7001"), Lev::new("7002").status("3")],
    ));
    let e = effects(&v.document);
    let json = serde_json::to_string(&e).expect("serializes");
    let back: history::Effects = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, e);
    let puts: Vec<&Record> = e.puts().collect();
    assert!(matches!(puts[0], Record::Identificatie(_)));
    assert!(matches!(puts[1], Record::Start(_)));
    assert!(e.0.iter().any(|x| matches!(
        x,
        history::Effect::Remove {
            tree: history::Tree::Starts,
            ..
        }
    )));
    // Never a BSN in a debug print of records.
    assert!(!format!("{e:?}").contains(BSN1));
}

#[test]
fn toewijzing_versions_latest_leads_whatever_the_order() {
    let std = Std::Iwmo;
    let mut w = World::new();
    // The later version arrives first; the older one must not take over (OP033x1, OP080).
    w.ok(&toewijzing(
        std,
        "T2",
        BSN1,
        &[Tw::new(std, "7001")
            .later("04")
            .period("2026-01-01", Some("2027-12-31"))],
    ));
    w.ok(&toewijzing(std, "T1", BSN1, &[Tw::new(std, "7001")]));
    let state =
        w.h.toewijzing(domein(std), GEMEENTE, "7001")
            .expect("known");
    assert_eq!(state.versions.len(), 2);
    assert_eq!(
        state
            .current()
            .and_then(|c| c.einddatum)
            .map(|d| d.to_string())
            .as_deref(),
        Some("2027-12-31")
    );
}

#[test]
fn domains_are_separate() {
    let mut w = World::new();
    w.ok(&toewijzing(
        Std::Ijw,
        "T1",
        BSN1,
        &[Tw::new(Std::Ijw, "7001")],
    ));
    // The same number in the Wmo domain is another toewijzing; a Wmo start does not link to the Jw one.
    assert_eq!(
        w.codes(&start(Std::Iwmo, "S1", BSN1, &[Lev::new("7001")])),
        one("TR019", "9019", START1)
    );
    w.ok(&toewijzing(
        Std::Iwmo,
        "T1",
        BSN2,
        &[Tw::new(Std::Iwmo, "7001")],
    ));
}

#[test]
fn every_rule_is_exercised_here() {
    let src = include_str!("history.rs");
    for r in history::RULES {
        assert!(
            src.contains(&format!("\"{}\"", r.code)),
            "{} has no scenario",
            r.code
        );
    }
}

fn finding(code: &'static str, rc: &'static str, path: &str) -> Finding {
    Finding {
        code,
        retourcode: Some(rc),
        path: path.into(),
        message: String::new(),
    }
}

#[test]
fn accepted_effects_follow_the_level_of_the_findings() {
    let std = Std::Ijw;
    let xml = declaratie(
        std,
        "D1",
        "DECL1",
        "2026-04",
        &[
            (
                BSN1,
                vec![Pr::new(std, "R1", "7001"), Pr::new(std, "R2", "7002")],
            ),
            (BSN2, vec![Pr::new(std, "R3", "7003")]),
        ],
    );
    let doc = validated(&xml).document;
    let prestaties = |e: &history::Effects| -> Vec<String> {
        e.puts()
            .filter_map(|r| match r {
                Record::Prestatie(p) => Some(p.referentienummer.clone()),
                _ => None,
            })
            .collect()
    };
    let kinds = |e: &history::Effects| e.puts().count();
    // Clean: identificatie, declaratie and three prestaties.
    assert_eq!(kinds(&accepted_effects(&doc, &[])), 5);
    // In-message (level 2): as if never sent.
    let level2 = [finding("TR358", "0001", "/Bericht/Declaratie")];
    assert!(accepted_effects(&doc, &level2).is_empty());
    // On the Declaratie: only the identificatie.
    let decl = [finding("TR333", "9333", "/Bericht/Declaratie")];
    assert_eq!(kinds(&accepted_effects(&doc, &decl)), 1);
    // On one prestatie: the others are granted.
    let one_prestatie = [finding("TR338", "9338", PRESTATIE2)];
    assert_eq!(
        prestaties(&accepted_effects(&doc, &one_prestatie)),
        ["R1", "R3"]
    );
    // On a client: all its prestaties are rejected.
    let client = [finding(
        "TR304",
        "8187",
        "/Bericht/Declaratie/Clienten/Client[1]/Bsn",
    )];
    assert_eq!(prestaties(&accepted_effects(&doc, &client)), ["R3"]);
    // Any other message with a level-3 finding: only the identificatie.
    let start_doc = validated(&start(std, "S1", BSN1, &[Lev::new("7001")])).document;
    let e = accepted_effects(&start_doc, &[finding("TR019", "9019", START1)]);
    assert!(matches!(
        e.puts().collect::<Vec<_>>()[..],
        [Record::Identificatie(_)]
    ));
}

#[test]
fn docs_table_is_current() {
    let doc = include_str!("../docs/history.md");
    let table = history::markdown_table();
    assert!(
        doc.contains(&table),
        "docs/history.md: replace the rule table with\n{table}"
    );
}

fn fixture(std: Std, nr: u16, name: &str) -> String {
    let dir = match std {
        Std::Ijw => "ijw-3.2",
        Std::Iwmo => "iwmo-3.2",
    };
    let path = format!(
        "{}/fixtures/{dir}/{}/valid/{name}.xml",
        env!("CARGO_MANIFEST_DIR"),
        std.code(nr)
    );
    std::fs::read_to_string(&path).expect("fixture")
}

#[test]
fn trajectory_of_the_minimal_fixtures() {
    for std in BOTH {
        let mut w = World::new();
        w.ok(&fixture(std, 301, "minimaal"));
        w.ok(&fixture(std, 305, "minimaal"));
        w.ok(&fixture(std, 307, "minimaal"));
        w.ok(&fixture(std, 323, "minimaal"));
        w.ok(&fixture(std, 315, "minimaal"));
        // The verzoek om wijziging reuses the 315's ReferentieAanbieder while that verzoek is
        // still open, names a toewijzing that does not exist and leaves out the actual one.
        assert_eq!(
            w.codes(&fixture(std, 317, "minimaal")),
            vec![
                ("TR347", "9347", "/Bericht/Client/Verzoek".to_string()),
                ("TR349", "9349", "/Bericht/Client/Verzoek".to_string()),
                (
                    "TR351",
                    "9351",
                    "/Bericht/Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct[1]".to_string()
                ),
                ("TR374", "9374", "/Bericht/Client".to_string()),
            ]
        );
        w.ok(&fixture(std, 319, "minimaal"));
    }
}

#[test]
fn every_valid_fixture_is_judged_and_answered() {
    // Against an empty history, each heenbericht gets only coded findings whose retourbericht
    // can be written (the codes are in the answer's XSD enumeration).
    for std in BOTH {
        for nr in [301, 305, 307, 315, 317, 319, 323] {
            for name in ["minimaal", "volledig", "meerdere"] {
                let xml = fixture(std, nr, name);
                let v = validated(&xml);
                let h = MemoryHistory::new();
                let ext = External {
                    gemeentecodes: Some(BTreeSet::new()),
                    gemeentelijst: None,
                    productcodes: Some(BTreeMap::new()),
                    vandaag: None,
                    tarieven: None,
                };
                let f = check(&v.document, &h, &ext);
                assert!(
                    f.iter().any(|f| f.code == "TR378"),
                    "{} {name}: {f:?}",
                    std.code(nr)
                );
                let verdict = verdict_with(&xml, f);
                sluis::retour(&verdict, &ctx())
                    .unwrap_or_else(|e| panic!("{} {name}: {e}", std.code(nr)));
                let e = effects(&v.document);
                assert!(!e.is_empty());
            }
        }
    }
}

#[test]
fn removals_get_only_the_removal_rules() {
    for std in BOTH {
        let mut w = World::new();
        // No toewijzing 7999 at all: a removal is judged on TR063 only, not on TR019.
        assert_eq!(
            w.codes(&start(std, "S1", BSN1, &[Lev::new("7999").status("3")])),
            one("TR063", "9063", START1)
        );
        assert_eq!(
            w.codes(&stop(std, "P1", BSN1, &[Lev::new("7999").status("3")])),
            one("TR063", "9063", STOP1)
        );
    }
}

#[test]
fn tr378_woonplaatsbeginsel_gemeente() {
    let mut w = World::new();
    w.ok(&verzoek(Std::Ijw, "V1", BSN1, &["AANB-REF-17"]));
    w.ext.gemeentecodes = Some(BTreeSet::from(["0600".to_string()]));
    // JW319 volledig: afgewezen on the woonplaatsbeginsel, Woonplaatsbeginsel/Gemeente 0599.
    let f = w.codes(&fixture(Std::Ijw, 319, "volledig"));
    assert_eq!(
        f,
        vec![
            ("TR378", "S300", "/Bericht/Header/Afzender".to_string()),
            (
                "TR378",
                "S300",
                "/Bericht/Antwoord/Woonplaatsbeginsel/Gemeente".to_string()
            ),
        ]
    );
}

#[test]
fn totals_and_tr389_ignore_what_other_rules_reject() {
    for std in BOTH {
        let mut w = World::new();
        w.ok(&toewijzing(
            std,
            "T1",
            BSN1,
            &[Tw::new(std, "7001").omvang(20, "04", "6")],
        ));
        w.ok(&decl(std, "D1", "DECL1", vec![Pr::new(std, "R1", "7001")]));
        let other_cat = if std == Std::Ijw { "32" } else { "03" };
        let may = |r: &str, v: i64| {
            Pr::new(std, r, "7001")
                .volume(v, "04")
                .period("2026-05-01", "2026-05-31")
        };
        // 12 granted; 9 hours in the wrong category are rejected (TR339) and take no room,
        // so 8 more still fit.
        let f = w.codes(&declaratie(
            std,
            "D2",
            "DECL2",
            "2026-05",
            &[(
                BSN1,
                vec![may("R2", 9).code(other_cat, Some(CODE)), may("R3", 8)],
            )],
        ));
        assert_eq!(f, one("TR339", "9339", PRESTATIE1));
        // A credit that is itself rejected (TR346) neither makes room (TR322) nor clears the
        // way for a new debet on the same period (TR389).
        let f = w.codes(&declaratie(
            std,
            "D3",
            "DECL3",
            "2026-06",
            &[(
                BSN1,
                vec![
                    Pr::new(std, "C1", "7001")
                        .credit_of("R1")
                        .with_bedrag(5000, 1),
                    Pr::new(std, "R4", "7001").volume(10, "04"),
                ],
            )],
        ));
        assert_eq!(
            f,
            vec![
                ("TR322", "9322", PRESTATIE2.to_string()),
                ("TR346", "9346", PRESTATIE1.to_string()),
                ("TR389", "9389", PRESTATIE2.to_string()),
            ]
        );
    }
}

#[test]
fn retour_places_verzoek_and_antwoord_codes() {
    for std in BOTH {
        let mut w = assigned(std);
        let xml = wijziging(std, "W1", BSN1, "VOW-1", &["7001"], &[Wijz::new("7009")]);
        let f = w.send(&xml);
        let answer = sluis::retour(&verdict_with(&xml, f), &ctx()).expect("retour");
        assert_eq!(answer.code(), std.code(318));
        let te_wijzigen = "/Bericht/Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct[1]";
        let codes = retour_codes(&answer);
        assert!(
            codes.contains(&(te_wijzigen.to_string(), vec!["9351".to_string()])),
            "{codes:?}"
        );
        assert!(codes.contains(&(
            "/Bericht/Client/Verzoek".to_string(),
            vec!["0200".to_string()]
        )));

        let xml = antwoord(std, "A1", "VOT-9", "2");
        let f = w.send(&xml);
        let answer = sluis::retour(&verdict_with(&xml, f), &ctx()).expect("retour");
        assert_eq!(
            retour_codes(&answer),
            vec![
                ("/Bericht/Header".to_string(), vec!["0200".to_string()]),
                ("/Bericht/Antwoord".to_string(), vec!["9355".to_string()]),
            ]
        );
    }
}
