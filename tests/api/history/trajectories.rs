//! External rules, whole trajectories and their retourberichten, state and effects.

use super::*;

// ----- external -----

#[test]
pub(super) fn tr135_dagtekening_not_after_the_system_date() {
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
pub(super) fn tr346_amount_is_volume_times_tariff() {
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
pub(super) fn tr378_tr381_external_lists() {
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
pub(super) fn tr418_contract_tariff() {
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

pub(super) fn verdict_with(xml: &str, findings: Vec<Finding>) -> sluis::Verdict {
    let mut v = validated(xml);
    v.findings = findings;
    v
}

/// RetourCodes per berichtklasse of an answer, as (path, codes), in document order.
pub(super) fn retour_codes(doc: &Document) -> Vec<(String, Vec<String>)> {
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

pub(super) fn ctx() -> RetourContext {
    RetourContext::new(
        "R-1",
        sluis::standard::types::Datum::parse(DAG).expect("date"),
    )
}

#[test]
pub(super) fn trajectory_clean_in_both_standards() {
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
pub(super) fn trajectory_with_faults_and_their_retourberichten() {
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

pub(super) fn domein(std: Std) -> history::Domein {
    match std {
        Std::Ijw => history::Domein::Ijw,
        Std::Iwmo => history::Domein::Iwmo,
    }
}

pub(super) fn parties(std: Std) -> history::Parties {
    history::Parties {
        domein: domein(std),
        gemeente: GEMEENTE.into(),
        aanbieder: AANBIEDER.into(),
    }
}

pub(super) fn bsn(s: &str) -> sluis::standard::types::Bsn {
    sluis::standard::types::Bsn::parse(s).expect("bsn")
}

#[test]
pub(super) fn effects_are_plain_puts_and_removes_that_serialize() {
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
pub(super) fn toewijzing_versions_latest_leads_whatever_the_order() {
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
pub(super) fn domains_are_separate() {
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
pub(super) fn every_rule_is_exercised_here() {
    let src = concat!(
        include_str!("mod.rs"),
        include_str!("verzoeken.rs"),
        include_str!("declaratie.rs"),
        include_str!("trajectories.rs")
    );
    for r in history::RULES {
        assert!(
            src.contains(&format!("\"{}\"", r.code)),
            "{} has no scenario",
            r.code
        );
    }
}

pub(super) fn finding(code: &'static str, rc: &'static str, path: &str) -> Finding {
    Finding {
        code,
        retourcode: Some(rc),
        path: path.into(),
        message: String::new(),
    }
}

#[test]
pub(super) fn accepted_effects_follow_the_level_of_the_findings() {
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
pub(super) fn docs_table_is_current() {
    let doc = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/history.md"));
    let table = history::markdown_table();
    assert!(
        doc.contains(&table),
        "docs/history.md: replace the rule table with\n{table}"
    );
}

pub(super) fn fixture(std: Std, nr: u16, name: &str) -> String {
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
pub(super) fn trajectory_of_the_minimal_fixtures() {
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
pub(super) fn every_valid_fixture_is_judged_and_answered() {
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
pub(super) fn removals_get_only_the_removal_rules() {
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
pub(super) fn tr378_woonplaatsbeginsel_gemeente() {
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
pub(super) fn totals_and_tr389_ignore_what_other_rules_reject() {
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
pub(super) fn retour_places_verzoek_and_antwoord_codes() {
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
