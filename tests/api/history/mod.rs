//! Cross-message rules: scenarios of real messages applied in order to a `MemoryHistory`, for
//! both standards. Every message is first validated (structure and in-message rules) and must
//! be clean; then `check` judges it against the history and `accepted_effects` records it.

use crate::scenario::history::*;
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

mod declaratie;
mod trajectories;
mod verzoeken;
#[allow(unused_imports)]
use declaratie::*;
#[allow(unused_imports)]
use trajectories::*;
#[allow(unused_imports)]
use verzoeken::*;
