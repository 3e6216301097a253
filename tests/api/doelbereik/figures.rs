//! Trajectories from the history, indicators, the XML form, plan status.

use super::*;

// ----- deriving trajectories from the history -----

#[test]
pub(super) fn trajectories_from_the_stored_messages() {
    let mut w = World::ended(Std::Ijw);
    w.accept(Kind::Behandelplan, &w.plan());
    w.accept(
        Kind::Resultaatmelding,
        &w.resultaat("behaald", "niet_behaald"),
    );
    w.accept(Kind::Beoordeling, &w.beoordeling("eens", false));
    // A new toewijzing for the same client in September: herhaald beroep.
    w.ok(&toewijzing(
        Std::Ijw,
        "T2",
        BSN1,
        &[Tw::new(Std::Ijw, "7003").period("2026-09-01", Some("2026-12-31"))],
    ));
    // And one for another client, removed later: not a trajectory.
    w.ok(&toewijzing(
        Std::Ijw,
        "T3",
        BSN2,
        &[Tw::new(Std::Ijw, "7004")],
    ));
    w.ok(&toewijzing(
        Std::Ijw,
        "T4",
        BSN2,
        &[Tw::new(Std::Ijw, "7004").removed()],
    ));
    let ts = trajectories(&w.h, &w.plans);
    assert_eq!(
        ts.iter()
            .map(|t| t.toewijzingnummer.as_str())
            .collect::<Vec<_>>(),
        ["7001", "7003"]
    );
    let t = &ts[0];
    assert_eq!(t.start, Datum::parse("2026-01-05"));
    let stop = t.stop.as_ref().expect("ended");
    assert_eq!(
        (stop.einddatum.to_string(), stop.reden.as_str()),
        ("2026-04-30".into(), "31")
    );
    assert_eq!(t.status, Status::NietBereikt);
    assert_eq!(t.team.as_deref(), Some("noord"));
    assert_eq!(t.tevredenheid, Some(doelbereik::Tevredenheid::Tevreden));
    assert!(ts[1].stop.is_none());
    let i = indicatoren(&ts, &Filter::default());
    assert_eq!(
        i.doelrealisatie,
        Figure {
            teller: 0,
            noemer: 1
        }
    );
    assert_eq!(
        i.uitval,
        Figure {
            teller: 0,
            noemer: 1
        }
    );
    assert_eq!(
        i.clienttevredenheid,
        Figure {
            teller: 1,
            noemer: 1
        }
    );
    assert_eq!(
        i.herhaald_beroep,
        Figure {
            teller: 1,
            noemer: 1
        }
    );
}

// ----- indicators on a hand-computed data set -----

/// One trajectory of the data set, in a row (hence the many arguments).
#[allow(clippy::too_many_arguments)]
pub(super) fn tr(
    domein: Domein,
    aanbieder: &str,
    team: Option<&str>,
    bsn: &str,
    nummer: &str,
    ingang: &str,
    stop: Option<(&str, &str)>,
    status: Status,
    tevredenheid: Option<&str>,
) -> Trajectory {
    Trajectory {
        domein,
        aanbieder: aanbieder.into(),
        gemeente: GEMEENTE.into(),
        team: team.map(Into::into),
        bsn: Bsn::parse(bsn).expect("bsn"),
        toewijzingnummer: nummer.into(),
        ingangsdatum: Datum::parse(ingang).expect("date"),
        start: Datum::parse(ingang),
        stop: stop.map(|(eind, reden)| doelbereik::indicatoren::Stop {
            einddatum: Datum::parse(eind).expect("date"),
            reden: reden.into(),
        }),
        status,
        grond: match status {
            Status::Onbekend => doelbereik::Grond::GeenResultaat,
            s => doelbereik::Grond::Resultaatmelding {
                alle_doelen_behaald: s == Status::Bereikt,
            },
        },
        tevredenheid: tevredenheid.map(|t| serde_json::from_value(json!(t)).expect("tevredenheid")),
        plan: None,
        reden_wijziging: None,
        toegewezen: None,
    }
}

/// Twelve trajectories; the expected figures below are counted by hand.
pub(super) fn data() -> Vec<Trajectory> {
    use Domein::{Ijw, Iwmo};
    use Status::{Bereikt as B, NietBereikt as N, Onbekend as O};
    let (a, b) = ("11111111", "22222222");
    vec![
        tr(
            Ijw,
            a,
            Some("noord"),
            "100000001",
            "1",
            "2025-01-01",
            Some(("2025-06-30", "31")),
            B,
            Some("tevreden"),
        ),
        tr(
            Ijw,
            a,
            Some("noord"),
            "100000002",
            "2",
            "2025-01-01",
            Some(("2025-07-31", "31")),
            N,
            Some("neutraal"),
        ),
        tr(
            Ijw,
            a,
            Some("zuid"),
            "100000003",
            "3",
            "2025-01-01",
            Some(("2025-08-31", "33")),
            N,
            Some("ontevreden"),
        ),
        tr(
            Ijw,
            a,
            Some("zuid"),
            "100000004",
            "4",
            "2025-01-01",
            Some(("2025-09-30", "01")),
            O,
            None,
        ),
        tr(
            Ijw,
            b,
            Some("noord"),
            "100000005",
            "5",
            "2025-01-01",
            Some(("2025-03-31", "31")),
            B,
            Some("tevreden"),
        ),
        // Client 1 again, within 12 months of 2025-06-30.
        tr(Ijw, b, None, "100000001", "6", "2026-03-01", None, O, None),
        // Client 2 again, but after 2025-07-31 + 12 months.
        tr(
            Ijw,
            a,
            Some("noord"),
            "100000002",
            "7",
            "2026-09-01",
            None,
            O,
            None,
        ),
        tr(
            Ijw,
            b,
            Some("zuid"),
            "100000008",
            "8",
            "2025-01-01",
            Some(("2025-11-30", "32")),
            B,
            Some("tevreden"),
        ),
        tr(
            Iwmo,
            a,
            Some("noord"),
            "100000009",
            "9",
            "2025-01-01",
            Some(("2025-10-31", "19")),
            B,
            Some("tevreden"),
        ),
        tr(
            Iwmo,
            a,
            Some("zuid"),
            "100000010",
            "10",
            "2025-01-01",
            Some(("2025-12-31", "22")),
            N,
            None,
        ),
        tr(
            Ijw,
            a,
            Some("noord"),
            "100000011",
            "11",
            "2025-06-01",
            None,
            O,
            None,
        ),
        // Client 5 again on the very day 5 ended: not "after" it.
        tr(Ijw, b, None, "100000005", "12", "2025-03-31", None, O, None),
    ]
}

pub(super) fn fig(teller: u64, noemer: u64) -> Figure {
    Figure { teller, noemer }
}

#[test]
pub(super) fn indicators_over_everything() {
    let i = indicatoren(&data(), &Filter::default());
    assert_eq!((i.beeindigd, i.zonder_resultaat), (8, 1));
    assert_eq!(i.doelrealisatie, fig(4, 7));
    assert_eq!(i.uitval, fig(3, 7));
    assert_eq!(i.clienttevredenheid, fig(4, 6));
    assert_eq!(i.herhaald_beroep, fig(1, 4));
    assert_eq!(i.doelrealisatie.aandeel(), Some(4.0 / 7.0));
    assert_eq!(Figure::default().aandeel(), None);
}

#[test]
pub(super) fn indicators_per_aanbieder_team_period_and_domain() {
    let all = data();
    let a = indicatoren(
        &all,
        &Filter {
            aanbieder: Some("11111111".into()),
            ..Filter::default()
        },
    );
    assert_eq!((a.beeindigd, a.zonder_resultaat), (6, 1));
    assert_eq!(
        (
            a.doelrealisatie,
            a.uitval,
            a.clienttevredenheid,
            a.herhaald_beroep
        ),
        (fig(2, 5), fig(2, 5), fig(2, 4), fig(1, 3)),
        "client 1's repeat is at another aanbieder and still counts"
    );
    let noord = indicatoren(
        &all,
        &Filter {
            team: Some("noord".into()),
            ..Filter::default()
        },
    );
    assert_eq!(
        (
            noord.doelrealisatie,
            noord.uitval,
            noord.clienttevredenheid,
            noord.herhaald_beroep
        ),
        (fig(3, 4), fig(0, 4), fig(3, 4), fig(1, 4))
    );
    let h2 = indicatoren(
        &all,
        &Filter {
            periode: Some(Periode {
                begin: Datum::parse("2025-07-01").expect("date"),
                eind: Datum::parse("2025-12-31").expect("date"),
            }),
            ..Filter::default()
        },
    );
    assert_eq!((h2.beeindigd, h2.zonder_resultaat), (6, 1));
    assert_eq!(
        (
            h2.doelrealisatie,
            h2.uitval,
            h2.clienttevredenheid,
            h2.herhaald_beroep
        ),
        (fig(2, 5), fig(3, 5), fig(2, 4), fig(0, 2))
    );
    let wmo = indicatoren(
        &all,
        &Filter {
            domein: Some(Domein::Iwmo),
            ..Filter::default()
        },
    );
    assert_eq!(
        (
            wmo.doelrealisatie,
            wmo.uitval,
            wmo.clienttevredenheid,
            wmo.herhaald_beroep
        ),
        (fig(1, 2), fig(1, 2), fig(1, 1), fig(0, 1))
    );
    let by = per(&all, &Filter::default(), Groep::Aanbieder);
    assert_eq!(by.keys().collect::<Vec<_>>(), ["11111111", "22222222"]);
    let b = by["22222222"];
    assert_eq!((b.beeindigd, b.zonder_resultaat), (2, 0));
    assert_eq!(
        (
            b.doelrealisatie,
            b.uitval,
            b.clienttevredenheid,
            b.herhaald_beroep
        ),
        (fig(2, 2), fig(1, 2), fig(2, 2), fig(0, 1))
    );
    assert_eq!(by["11111111"], a);
    let teams = per(&all, &Filter::default(), Groep::Team);
    assert_eq!(teams.keys().collect::<Vec<_>>(), ["noord", "zuid"]);
    assert_eq!(teams["noord"], noord);
}

#[test]
pub(super) fn herhaald_beroep_window_and_peildatum() {
    let all = data();
    // On 2026-05-01 the windows of 2 (to 2026-07-31) and 9 (to 2026-10-31) are open without a
    // repeat: not counted yet; 1 repeated already, 5's window closed on 2026-03-31.
    let peil = indicatoren(
        &all,
        &Filter {
            peildatum: Datum::parse("2026-05-01"),
            ..Filter::default()
        },
    );
    assert_eq!(peil.herhaald_beroep, fig(1, 2));
    // A window of 6 months: client 1's new toewijzing (2026-03-01) comes too late.
    let six = indicatoren(
        &all,
        &Filter {
            venster_maanden: 6,
            ..Filter::default()
        },
    );
    assert_eq!(six.herhaald_beroep, fig(0, 4));
}

#[test]
pub(super) fn the_declaratie_antwoord_carries_9322_and_grants_the_rest() {
    let mut w = World::ended(Std::Ijw);
    w.accept(Kind::Behandelplan, &w.plan());
    w.accept(
        Kind::Resultaatmelding,
        &w.resultaat("niet_behaald", "behaald"),
    );
    let ps = vec![
        Pr::new(Std::Ijw, "R1", "7001")
            .volume(20, "04")
            .period("2026-01-01", "2026-01-31"),
        Pr::new(Std::Ijw, "R2", "7001")
            .volume(10, "04")
            .period("2026-02-01", "2026-02-28"),
    ];
    let xml = declaratie(Std::Ijw, "D1", "D1", "2026-04", &[(BSN1, ps)]);
    let f = w.send(&xml);
    assert_eq!(codes_of(&f), [("SL020", Some("9322"), P2)]);
    let mut verdict = sluis::validate(xml.as_bytes(), &Limits::default()).expect("readable");
    verdict.findings = f;
    let ctx = sluis::RetourContext::new("A1", Datum::parse("2026-05-05").expect("date"));
    let answer = sluis::retour(&verdict, &ctx).expect("declaratie-antwoord");
    assert_eq!(answer.code(), "JW325");
    let granted = answer
        .get("DeclaratieAntwoord/TotaalToegekendBedrag/TotaalBedrag")
        .and_then(|e| e.value().map(|v| v.lexical().into_owned()));
    assert_eq!(
        granted.as_deref(),
        Some("100000"),
        "only the first prestatie"
    );
    let text = sluis::write(&answer, sluis::Format::Xml);
    assert!(text.contains(">9322<"), "{text}");
}

/// The worked example of `docs/doelbereik.md`, step by step.
#[test]
pub(super) fn the_worked_example_of_the_docs() {
    let mut w = World::ended(Std::Ijw);
    w.accept(Kind::Behandelplan, &w.plan());
    // 1. No resultaatmelding yet.
    let f = w.declare("D1", &[40]);
    assert_eq!(
        f[0].message,
        "Resultaatfinanciering: de aanspraak op toewijzing 7001 is € 1.400,00 (70 % van \
         trajectprijs € 2.000,00: er is nog geen resultaatmelding; het laatste deel wordt \
         ingehouden tot het resultaat bekend is); al gedeclareerd € 0,00; met deze prestatie van \
         € 2.000,00 komt het totaal op € 2.000,00, € 600,00 te veel"
    );
    assert!(w.declare("D2", &[28]).is_empty());
    let fin = w.financiering();
    assert_eq!(
        (fin.status, fin.aanspraak, fin.gedeclareerd, fin.ingehouden),
        (Status::Onbekend, 140_000, 140_000, 60_000)
    );
    // 2. D2 deels behaald: not reached; another hour is rejected.
    w.accept(
        Kind::Resultaatmelding,
        &w.resultaat("behaald", "deels_behaald"),
    );
    let f = w.declare("D3", &[1]);
    assert_eq!(codes_of(&f), [("SL020", Some("9322"), P1)]);
    assert!(f[0]
        .message
        .contains("niet alle doelen behaald volgens de resultaatmelding"));
    assert_eq!(w.financiering().status, Status::NietBereikt);
    // 3. The gebiedsteam holds it reached: the remaining 12 hours are granted.
    w.accept(Kind::Beoordeling, &w.beoordeling("oneens", true));
    assert!(w.declare("D4", &[12]).is_empty());
    let fin = w.financiering();
    assert_eq!(
        (fin.status, fin.aanspraak, fin.gedeclareerd, fin.ingehouden),
        (Status::Bereikt, PRIJS, PRIJS, 0)
    );
}

#[test]
pub(super) fn the_docs_list_every_code() {
    let docs = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/doelbereik.md"));
    for (code, _) in doelbereik::codes::ALL {
        assert!(
            docs.contains(&format!("| {code} |")),
            "{code} not in docs/doelbereik.md"
        );
    }
}

// ----- the XML form -----

#[test]
pub(super) fn xml_form_round_trips_all_three_messages() {
    let w = World::ended(Std::Ijw);
    let mut plan = w.plan();
    plan["doelen"][0]["omschrijving"] = json!("Rust & regelmaat <thuis>");
    plan["hoofdaannemer"] = json!(AANBIEDER2);
    for (kind, body) in [
        (Kind::Behandelplan, plan),
        (
            Kind::Resultaatmelding,
            w.resultaat("behaald", "niet_behaald"),
        ),
        (Kind::Beoordeling, w.beoordeling("oneens", true)),
    ] {
        let bericht = read(kind, &serde_json::to_vec(&body).expect("json")).expect("valid");
        let xml = doelbereik::xml::write(&bericht);
        assert!(xml.contains("xmlns=\"urn:sluis:doelbereik:1\""), "{xml}");
        let back = doelbereik::read_xml(kind, xml.as_bytes()).expect("reads back");
        assert_eq!(back, bericht, "{xml}");
    }
}

#[test]
pub(super) fn xml_findings_have_element_paths() {
    let w = World::ended(Std::Ijw);
    let bericht = read(
        Kind::Behandelplan,
        &serde_json::to_vec(&w.plan()).expect("json"),
    )
    .expect("valid");
    let xml = doelbereik::xml::write(&bericht);
    let expected_xml = "  <PlanId>PLAN-1</PlanId>\n  <ToewijzingNummers>\n    <ToewijzingNummer>7001</ToewijzingNummer>\n  </ToewijzingNummers>\n  <Versie>1</Versie>\n  <Datum>2026-01-10</Datum>\n";
    assert!(xml.contains(expected_xml), "{xml}");
    let bad = xml
        .replace("<Datum>2026-01-10</Datum>", "<Datum>2026-02-30</Datum>")
        .replace("<Versie>1</Versie>", "<Versie>nul</Versie>");
    let f = doelbereik::read_xml(Kind::Behandelplan, bad.as_bytes()).expect_err("invalid");
    let paths: Vec<&str> = f.iter().map(|f| f.path.as_str()).collect();
    assert!(paths.contains(&"/Behandelplan/Datum"), "{f:?}");
    assert!(paths.contains(&"/Behandelplan/Versie"), "{f:?}");
    let bad = xml.replacen("<DoelId>D2</DoelId>", "<DoelId>D9</DoelId>", 1);
    let f = doelbereik::read_xml(Kind::Behandelplan, bad.as_bytes()).expect_err("unknown goal");
    assert_eq!(
        codes_of(&f),
        [(
            "SL009",
            None,
            "/Behandelplan/Activiteiten/Activiteit[1]/Doelen/DoelId[2]"
        )]
    );
    let bad = xml.replace("<Bsn>999990019</Bsn>", "<Bsn>99999001</Bsn>");
    let f = doelbereik::read_xml(Kind::Behandelplan, bad.as_bytes()).expect_err("bsn");
    assert_eq!(f[0].path, "/Behandelplan/Bsn");
    no_bsn(&f);
    assert!(!f[0].message.contains("99999001"), "{f:?}");
    // Cross-check findings are JSON Pointers; for XML input the gateway relabels them.
    assert_eq!(
        doelbereik::xml::element_path(Kind::Behandelplan, "/toewijzingnummers/1"),
        "/Behandelplan/ToewijzingNummers/ToewijzingNummer[2]"
    );
}

// ----- plan status -----

#[test]
pub(super) fn plan_status_of_a_client_and_trajectories_without_a_result() {
    let std = Std::Ijw;
    let mut w = World::ended(std);
    w.accept(Kind::Behandelplan, &w.plan());
    w.accept(
        Kind::Resultaatmelding,
        &w.resultaat("behaald", "niet_behaald"),
    );
    w.accept(Kind::Beoordeling, &w.beoordeling("eens", false));
    assert!(w.declare("D1", &[28]).is_empty());
    // A second toewijzing of another product, ended prematurely without a resultaatmelding.
    let mut other = Tw::new(std, "7005");
    other.code = Some("45A08".into());
    w.ok(&toewijzing(std, "T2", BSN1, &[other]));
    w.ok(&start(std, "S2", BSN1, &[Lev::new("7005")]));
    w.ok(&stop(std, "P2", BSN1, &[Lev::new("7005").reden("33")]));
    // Another client's toewijzing is not in this client's status.
    w.ok(&toewijzing(std, "T3", BSN2, &[Tw::new(std, "7006")]));

    let bsn = Bsn::parse(BSN1).expect("bsn");
    let status = doelbereik::plan_status(&w.h, &w.plans, &w.contracts, Domein::Ijw, GEMEENTE, &bsn);
    assert_eq!(
        status
            .iter()
            .map(|s| s.toewijzingnummer.as_str())
            .collect::<Vec<_>>(),
        ["7001", "7005"]
    );
    let s = &status[0];
    assert_eq!(s.gestart, Datum::parse("2026-01-05"));
    assert_eq!(s.gestopt.as_ref().map(|g| g.reden.as_str()), Some("31"));
    assert_eq!(s.plannen.len(), 1);
    assert_eq!(
        s.plannen[0]
            .doelen
            .iter()
            .map(|d| d.id.as_str())
            .collect::<Vec<_>>(),
        ["D1", "D2"]
    );
    assert_eq!(s.resultaat.as_ref().map(|r| r.doelen.len()), Some(2));
    assert_eq!(
        s.beoordeling.as_ref().map(|b| b.team.as_str()),
        Some("noord")
    );
    assert_eq!(s.uitkomst, Status::NietBereikt);
    let fin = s.financiering.as_ref().expect("result-financed");
    assert_eq!((fin.aanspraak, fin.gedeclareerd), (140_000, 140_000));
    let s = &status[1];
    assert!(s.plannen.is_empty() && s.resultaat.is_none() && s.financiering.is_none());
    assert_eq!(s.uitkomst, Status::Onbekend);
    let json = serde_json::to_string(&status).expect("json");
    assert!(!json.contains(BSN1), "no BSN in the status");

    let ts = trajectories(&w.h, &w.plans);
    let open = doelbereik::zonder_resultaatmelding(&ts, &Filter::default());
    assert_eq!(
        open.iter()
            .map(|t| t.toewijzingnummer.as_str())
            .collect::<Vec<_>>(),
        ["7005"]
    );
    let i = indicatoren(&ts, &Filter::default());
    assert_eq!((i.beeindigd, i.zonder_resultaat), (2, 1));
    assert_eq!(i.uitval, fig(1, 2));
}

#[test]
pub(super) fn paid_at_full_and_reduced_price_per_aanbieder() {
    let std = Std::Ijw;
    let mut w = World::ended(std);
    w.accept(Kind::Behandelplan, &w.plan());
    w.accept(
        Kind::Resultaatmelding,
        &w.resultaat("behaald", "niet_behaald"),
    );
    assert!(w.declare("D1", &[28]).is_empty());
    // A second result-financed trajectory of the same aanbieder for another client, reached.
    w.ok(&toewijzing(std, "T2", BSN2, &[Tw::new(std, "7002")]));
    w.ok(&start(std, "S2", BSN2, &[Lev::new("7002")]));
    w.ok(&stop(std, "P2", BSN2, &[Lev::new("7002").reden("31")]));
    let mut plan = w.plan();
    plan["bsn"] = json!(BSN2);
    plan["plan_id"] = json!("PLAN-2");
    plan["toewijzingnummers"] = json!(["7002"]);
    w.accept(Kind::Behandelplan, &plan);
    let mut r = w.resultaat("behaald", "behaald");
    r["bsn"] = json!(BSN2);
    r["plan_id"] = json!("PLAN-2");
    r["toewijzingnummer"] = json!("7002");
    w.accept(Kind::Resultaatmelding, &r);
    let ps = vec![Pr::new(std, "R2", "7002")
        .volume(40, "04")
        .period("2026-03-01", "2026-03-31")];
    w.ok(&declaratie(std, "D2", "D2", "2026-04", &[(BSN2, ps)]));

    let ts = trajectories(&w.h, &w.plans);
    let paid = doelbereik::uitbetaling(&w.h, &w.plans, &w.contracts, &ts, &Filter::default());
    let u = paid[AANBIEDER];
    assert_eq!((u.bereikt, u.trajecten_bereikt), (PRIJS, 1));
    assert_eq!((u.niet_bereikt, u.trajecten_niet_bereikt), (140_000, 1));
    assert_eq!((u.onbekend, u.trajecten_onbekend), (0, 0));
}

#[test]
pub(super) fn check_prestatie_judges_one_prestatie() {
    let mut w = World::ended(Std::Ijw);
    w.accept(Kind::Behandelplan, &w.plan());
    assert!(w.declare("D1", &[20]).is_empty());
    let t =
        w.h.toewijzing(Domein::Ijw, GEMEENTE, "7001")
            .and_then(|s| s.current().cloned())
            .expect("toewijzing");
    let granted = w.h.prestaties_op_toewijzing(Domein::Ijw, GEMEENTE, "7001");
    let prestatie = |bedrag: i64, credit: bool| sluis::validate::history::read::Prestatie {
        referentienummer: "X1".into(),
        vorig: None,
        toewijzingnummer: "7001".into(),
        categorie: Some("31".into()),
        code: Some(CODE.into()),
        periode: Periode {
            begin: Datum::parse("2026-02-01").expect("date"),
            eind: Datum::parse("2026-02-28").expect("date"),
        },
        volume: bedrag / 5000,
        eenheid: "04".into(),
        tarief: Some(5000),
        bedrag,
        credit,
    };
    let c = &w.contracts[0];
    // € 1.000,00 granted, € 400,00 room while the result is unknown.
    assert!(doelbereik::check_prestatie(
        &t,
        c,
        &granted,
        &w.plans,
        &prestatie(40_000, false),
        0,
        P1
    )
    .is_none());
    let f = doelbereik::check_prestatie(
        &t,
        c,
        &granted,
        &w.plans,
        &prestatie(40_000, false),
        5_000,
        P1,
    )
    .expect("too much with the earlier € 50,00 in the message");
    assert_eq!((f.code, f.retourcode), ("SL020", Some("9322")));
    assert!(
        f.message
            .contains("al gedeclareerd € 1.000,00, eerder in dit bericht € 50,00"),
        "{}",
        f.message
    );
    assert!(
        doelbereik::check_prestatie(&t, c, &granted, &w.plans, &prestatie(500_000, true), 0, P1)
            .is_none(),
        "a credit always fits"
    );
}
