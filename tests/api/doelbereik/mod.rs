//! Doelbereik: behandelplannen, resultaatmeldingen and beoordelingen against a history built
//! from real JW301/305/307/323 (and WMO) messages, resultaatfinanciering on declaraties, and the
//! outcome indicators on a hand-computed data set.

use crate::scenario::history::*;
use serde_json::{json, Value};
use sluis::doelbereik::{
    self, check, check_declaratie, financiering, indicatoren, per, read, trajectories, Bericht,
    Figure, Filter, Groep, Kind, MemoryPlans, PlanHistory, ResultaatContract,
    Resultaatfinanciering, Status, Trajectory,
};
use sluis::standard::types::{Bsn, Datum};
use sluis::validate::history::{accepted_effects, Domein, History, MemoryHistory, Periode};
use sluis::{Finding, Limits};

/// The trajectory price in the scenarios: € 2.000,00 (40 hours at € 50); 70 %: € 1.400,00.
const PRIJS: i64 = 200_000;

fn domein(std: Std) -> Domein {
    match std {
        Std::Ijw => Domein::Ijw,
        Std::Iwmo => Domein::Iwmo,
    }
}

fn dom(std: Std) -> &'static str {
    match std {
        Std::Ijw => "ijw",
        Std::Iwmo => "iwmo",
    }
}

fn no_bsn(findings: &[Finding]) {
    for f in findings {
        for bsn in BSNS {
            assert!(
                !f.message.contains(bsn) && !f.path.contains(bsn),
                "BSN in finding {f:?}"
            );
        }
    }
}

struct World {
    std: Std,
    h: MemoryHistory,
    plans: MemoryPlans,
    contracts: Vec<ResultaatContract>,
    next_month: u32,
    last_declaratie: u32,
}

impl World {
    /// Toewijzing 7001 (45A07, 10 hours a week in 2026) for BSN1 under a result-financed
    /// contract of € 2.000,00 at 70 %.
    fn new(std: Std) -> World {
        let mut w = World {
            std,
            h: MemoryHistory::new(),
            plans: MemoryPlans::new(),
            contracts: vec![ResultaatContract {
                aanbieder: AANBIEDER.into(),
                categorie: std.cat().into(),
                code: CODE.into(),
                resultaatfinanciering: Resultaatfinanciering {
                    trajectprijs: PRIJS,
                    percentage: 70,
                },
            }],
            next_month: 1,
            last_declaratie: 0,
        };
        w.ok(&toewijzing(std, "T1", BSN1, &[Tw::new(std, "7001")]));
        w
    }

    /// Started on 2026-01-05 and stopped as planned (reden 31 iJw, 19 iWmo) on 2026-04-30.
    fn ended(std: Std) -> World {
        let mut w = World::new(std);
        w.ok(&start(std, "S1", BSN1, &[Lev::new("7001")]));
        w.ok(&stop(
            std,
            "P1",
            BSN1,
            &[Lev::new("7001").reden(w.gepland())],
        ));
        w
    }

    fn gepland(&self) -> &'static str {
        match self.std {
            Std::Ijw => "31",
            Std::Iwmo => "19",
        }
    }

    /// A standard message: validated, judged on history and on resultaatfinanciering, recorded.
    fn send(&mut self, xml: &str) -> Vec<Finding> {
        let v = sluis::validate(xml.as_bytes(), &Limits::default()).expect("readable");
        assert!(v.findings.is_empty(), "{:#?}", v.findings);
        let mut findings =
            sluis::validate::history::check(&v.document, &self.h, &Default::default());
        let extra = check_declaratie(
            &v.document,
            &self.h,
            &self.plans,
            &self.contracts,
            &findings,
        );
        findings.extend(extra);
        no_bsn(&findings);
        self.h.apply(&accepted_effects(&v.document, &findings));
        findings
    }

    fn ok(&mut self, xml: &str) {
        let f = self.send(xml);
        assert!(f.is_empty(), "unexpected findings: {f:#?}");
    }

    /// A doelbereik message: read, checked, recorded when clean.
    fn post(&mut self, kind: Kind, body: &Value) -> Vec<Finding> {
        let bytes = serde_json::to_vec(body).expect("json");
        let bericht = match read(kind, &bytes) {
            Ok(b) => b,
            Err(f) => {
                no_bsn(&f);
                return f;
            }
        };
        let f = check(&bericht, &self.h, &self.plans);
        no_bsn(&f);
        // As the gateway keeps it: a melding tied to its plan's current version.
        let kept = doelbereik::stamp(&bericht, &self.plans);
        self.plans.apply(&doelbereik::accepted_effects(&kept, &f));
        f
    }

    fn accept(&mut self, kind: Kind, body: &Value) {
        let f = self.post(kind, body);
        assert!(f.is_empty(), "unexpected findings: {f:#?}");
    }

    fn plan(&self) -> Value {
        json!({
            "domein": dom(self.std), "gemeente": GEMEENTE, "aanbieder": AANBIEDER, "bsn": BSN1,
            "plan_id": "PLAN-1", "versie": 1, "datum": "2026-01-10",
            "toewijzingnummers": ["7001"],
            "doelen": [
                {"id": "D1", "omschrijving": "Dagritme met vaste schooltijden", "levensdomein": "onderwijs",
                 "meting": "schoolverzuim per maand", "streefdatum": "2026-04-30"},
                {"id": "D2", "omschrijving": "Ouders hanteren conflicten zonder escalatie", "levensdomein": "opvoeding",
                 "meting": "OBVL-vragenlijst begin en eind", "streefdatum": "2026-04-30"}
            ],
            "activiteiten": [
                {"omschrijving": "Wekelijkse gezinsbegeleiding thuis", "frequentie": "wekelijks", "doelen": ["D1", "D2"]}
            ]
        })
    }

    fn resultaat(&self, d1: &str, d2: &str) -> Value {
        json!({
            "domein": dom(self.std), "gemeente": GEMEENTE, "aanbieder": AANBIEDER, "bsn": BSN1,
            "toewijzingnummer": "7001", "plan_id": "PLAN-1",
            "einddatum": "2026-04-30", "datum": "2026-05-02",
            "doelen": [
                {"id": "D1", "uitkomst": d1, "toelichting": "Geen verzuim sinds maart"},
                {"id": "D2", "uitkomst": d2, "toelichting": "Zie eindevaluatie"}
            ],
            "tevredenheid": "tevreden"
        })
    }

    fn beoordeling(&self, oordeel: &str, bereikt: bool) -> Value {
        let mut b = json!({
            "domein": dom(self.std), "gemeente": GEMEENTE, "team": "noord", "aanbieder": AANBIEDER,
            "bsn": BSN1, "toewijzingnummer": "7001", "versie": 1, "datum": "2026-05-10",
            "oordeel": oordeel, "resultaat_bereikt": bereikt
        });
        if oordeel == "oneens" {
            b["reden"] = json!("Het verzuim is in april weer opgelopen");
        }
        b
    }

    /// A declaratie with prestaties of `hours` hours each (at € 50) on 7001, each in the next
    /// month of 2026 not declared on before (so no two debets share a period, TR389), over the
    /// latest of those months or the month after the previous declaratie (TR318, TR319).
    fn declare(&mut self, id: &str, hours: &[i64]) -> Vec<Finding> {
        const LAST: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let std = self.std;
        let first = self.next_month;
        let ps = hours
            .iter()
            .enumerate()
            .map(|(i, &h)| {
                let m = first + i as u32;
                let last = LAST[m as usize - 1];
                Pr::new(std, &format!("{id}-R{m}"), "7001")
                    .volume(h, "04")
                    .period(&format!("2026-{m:02}-01"), &format!("2026-{m:02}-{last}"))
            })
            .collect();
        self.next_month += hours.len() as u32;
        let month = (self.next_month - 1).max(self.last_declaratie + 1);
        self.last_declaratie = month;
        self.send(&declaratie(
            std,
            id,
            id,
            &format!("2026-{month:02}"),
            &[(BSN1, ps)],
        ))
    }

    fn financiering(&self) -> doelbereik::Financiering {
        let d = domein(self.std);
        let t = self
            .h
            .toewijzing(d, GEMEENTE, "7001")
            .and_then(|s| s.current().cloned())
            .expect("toewijzing");
        let granted = self.h.prestaties_op_toewijzing(d, GEMEENTE, "7001");
        financiering(&t, &self.contracts[0], &granted, &self.plans)
    }
}

const P1: &str = "/Bericht/Declaratie/Clienten/Client[1]/Prestaties/Prestatie[1]";
const P2: &str = "/Bericht/Declaratie/Clienten/Client[1]/Prestaties/Prestatie[2]";

fn codes_of(f: &[Finding]) -> Vec<(&'static str, Option<&'static str>, &str)> {
    f.iter()
        .map(|f| (f.code, f.retourcode, f.path.as_str()))
        .collect()
}

// ----- (a) all goals reached: the full price -----

#[test]
fn a_all_goals_reached_grants_the_full_price() {
    for std in BOTH {
        let mut w = World::ended(std);
        w.accept(Kind::Behandelplan, &w.plan());
        w.accept(Kind::Resultaatmelding, &w.resultaat("behaald", "behaald"));
        // 24 + 16 hours: € 2.000,00 in two prestaties.
        assert!(w.declare("D1", &[24, 16]).is_empty());
        let f = w.financiering();
        assert_eq!(f.status, Status::Bereikt);
        assert_eq!(
            (f.aanspraak, f.gedeclareerd, f.ingehouden),
            (PRIJS, PRIJS, 0)
        );
        // Nothing beyond it.
        let more = w.declare("D2", &[1]);
        assert_eq!(codes_of(&more), [("SL020", Some("9322"), P1)]);
        assert!(more[0]
            .message
            .contains("100 % van trajectprijs € 2.000,00"));
    }
}

// ----- (b) not reached: 70 % -----

#[test]
fn b_not_reached_rejects_the_full_price_and_grants_seventy_percent() {
    for std in BOTH {
        let mut w = World::ended(std);
        w.accept(Kind::Behandelplan, &w.plan());
        w.accept(
            Kind::Resultaatmelding,
            &w.resultaat("behaald", "deels_behaald"),
        );
        // The full price in one prestatie (40 hours, € 2.000,00): rejected, explained.
        let f = w.declare("D1", &[40]);
        assert_eq!(codes_of(&f), [("SL020", Some("9322"), P1)]);
        let m = &f[0].message;
        assert_eq!(
            m,
            "Resultaatfinanciering: de aanspraak op toewijzing 7001 is € 1.400,00 (70 % van \
             trajectprijs € 2.000,00: niet alle doelen behaald volgens de resultaatmelding); al \
             gedeclareerd € 0,00; met deze prestatie van € 2.000,00 komt het totaal op \
             € 2.000,00, € 600,00 te veel"
        );
        assert_eq!(w.financiering().gedeclareerd, 0, "nothing granted");
        // 70 %: 28 hours, € 1.400,00, granted.
        assert!(w.declare("D2", &[28]).is_empty());
        let fin = w.financiering();
        assert_eq!(fin.status, Status::NietBereikt);
        assert_eq!(
            (fin.aanspraak, fin.gedeclareerd, fin.ingehouden),
            (140_000, 140_000, 60_000)
        );
        assert_eq!(fin.ruimte(), 0);
    }
}

#[test]
fn b_within_one_message_the_second_prestatie_passes_the_entitlement() {
    let mut w = World::ended(Std::Ijw);
    w.accept(Kind::Behandelplan, &w.plan());
    w.accept(
        Kind::Resultaatmelding,
        &w.resultaat("niet_behaald", "behaald"),
    );
    let f = w.declare("D1", &[20, 10]);
    assert_eq!(codes_of(&f), [("SL020", Some("9322"), P2)]);
    assert!(
        f[0].message.contains("eerder in dit bericht € 1.000,00"),
        "{}",
        f[0].message
    );
    // The first was granted: € 1.000,00 declared, € 400,00 room left.
    assert_eq!(w.financiering().gedeclareerd, 100_000);
    assert!(w.declare("D2", &[8]).is_empty());
}

#[test]
fn b_a_credit_makes_room() {
    let mut w = World::ended(Std::Ijw);
    w.accept(Kind::Behandelplan, &w.plan());
    w.accept(
        Kind::Resultaatmelding,
        &w.resultaat("niet_behaald", "behaald"),
    );
    assert!(w.declare("D1", &[28]).is_empty());
    // Credit the January prestatie and declare 20 hours for February in the same message.
    let credit = Pr::new(Std::Ijw, "D2-C", "7001")
        .volume(28, "04")
        .period("2026-01-01", "2026-01-31")
        .credit_of("D1-R1");
    let feb = Pr::new(Std::Ijw, "D2-F", "7001")
        .volume(20, "04")
        .period("2026-02-01", "2026-02-28");
    w.ok(&declaratie(
        Std::Ijw,
        "D2",
        "D2",
        "2026-05",
        &[(BSN1, vec![feb, credit])],
    ));
    assert_eq!(w.financiering().gedeclareerd, 100_000);
}

// ----- (c) no resultaatmelding yet: the final part is held -----

#[test]
fn c_without_a_result_the_final_part_is_held() {
    for std in BOTH {
        let mut w = World::ended(std);
        w.accept(Kind::Behandelplan, &w.plan());
        let f = w.declare("D1", &[40]);
        assert_eq!(codes_of(&f), [("SL020", Some("9322"), P1)]);
        assert!(
            f[0].message.contains(
                "er is nog geen resultaatmelding; het laatste deel wordt ingehouden tot het resultaat bekend is"
            ),
            "{}",
            f[0].message
        );
        assert!(w.declare("D2", &[28]).is_empty());
        let fin = w.financiering();
        assert_eq!(fin.status, Status::Onbekend);
        assert_eq!((fin.aanspraak, fin.ingehouden), (140_000, 60_000));
        // The result arrives, all reached: the held part may now be declared.
        w.accept(Kind::Resultaatmelding, &w.resultaat("behaald", "behaald"));
        assert!(w.declare("D3", &[12]).is_empty());
        let fin = w.financiering();
        assert_eq!(fin.status, Status::Bereikt);
        assert_eq!((fin.aanspraak, fin.gedeclareerd), (PRIJS, PRIJS));
    }
}

#[test]
fn c_also_before_the_stop() {
    // Running trajectory: no stop, no result; 70 % may be declared as the care goes.
    let mut w = World::new(Std::Ijw);
    w.ok(&start(Std::Ijw, "S1", BSN1, &[Lev::new("7001")]));
    assert!(w.declare("D1", &[20, 8]).is_empty());
    let f = w.declare("D2", &[1]);
    assert_eq!(codes_of(&f), [("SL020", Some("9322"), P1)]);
}

// ----- (d) the gebiedsteam's judgement decides -----

#[test]
fn d_the_gebiedsteam_disagrees_and_its_judgement_decides() {
    for std in BOTH {
        // The aanbieder reports all reached; the team holds it not reached.
        let mut w = World::ended(std);
        w.accept(Kind::Behandelplan, &w.plan());
        w.accept(Kind::Resultaatmelding, &w.resultaat("behaald", "behaald"));
        w.accept(Kind::Beoordeling, &w.beoordeling("oneens", false));
        let f = w.declare("D1", &[40]);
        assert_eq!(codes_of(&f), [("SL020", Some("9322"), P1)]);
        assert!(
            f[0].message
                .contains("gebiedsteam noord oordeelt het resultaat niet bereikt (oneens met de resultaatmelding)"),
            "{}",
            f[0].message
        );
        assert!(w.declare("D2", &[28]).is_empty());

        // The other way round: reported not reached, the team holds it reached.
        let mut w = World::ended(std);
        w.accept(Kind::Behandelplan, &w.plan());
        w.accept(
            Kind::Resultaatmelding,
            &w.resultaat("behaald", "niet_behaald"),
        );
        w.accept(Kind::Beoordeling, &w.beoordeling("oneens", true));
        assert!(w.declare("D1", &[40]).is_empty());
        assert_eq!(w.financiering().status, Status::Bereikt);

        // A later beoordeling supersedes: version 2 says not reached after all.
        let mut b2 = w.beoordeling("eens", false);
        b2["versie"] = json!(2);
        w.accept(Kind::Beoordeling, &b2);
        let fin = w.financiering();
        assert_eq!((fin.status, fin.aanspraak), (Status::NietBereikt, 140_000));
        assert_eq!(
            fin.ruimte(),
            -60_000,
            "already paid more than the entitlement"
        );
    }
}

#[test]
fn d_beoordeling_checks() {
    let mut w = World::ended(Std::Ijw);
    w.accept(Kind::Behandelplan, &w.plan());
    // Nothing to judge yet.
    let f = w.post(Kind::Beoordeling, &w.beoordeling("eens", true));
    assert_eq!(codes_of(&f), [("SL010", None, "/toewijzingnummer")]);
    w.accept(
        Kind::Resultaatmelding,
        &w.resultaat("behaald", "niet_behaald"),
    );
    // Eens, yet reached: contradicts the melding.
    let f = w.post(Kind::Beoordeling, &w.beoordeling("eens", true));
    assert_eq!(codes_of(&f), [("SL011", None, "/resultaat_bereikt")]);
    // Oneens without a reason: the schema.
    let mut b = w.beoordeling("oneens", true);
    b.as_object_mut().map(|o| o.remove("reden"));
    let f = w.post(Kind::Beoordeling, &b);
    assert_eq!(codes_of(&f), [("SL000", None, "/")]);
    w.accept(Kind::Beoordeling, &w.beoordeling("eens", false));
    // The same version again.
    let f = w.post(Kind::Beoordeling, &w.beoordeling("oneens", true));
    assert_eq!(codes_of(&f), [("SL002", None, "/versie")]);
    assert_eq!(
        w.plans.beoordelingen(Domein::Ijw, GEMEENTE, "7001").len(),
        1
    );
}

// ----- (e) clear rejections, nothing changed -----

#[test]
fn e_plan_for_another_providers_toewijzing() {
    for std in BOTH {
        let mut w = World::ended(std);
        let other = toewijzing_with(
            std,
            &Head {
                id: "T2".into(),
                dag: DAG.into(),
                afzender: GEMEENTE.into(),
                ontvanger: AANBIEDER2.into(),
            },
            BSN1,
            &[Tw::new(std, "7002")],
        );
        w.ok(&other);
        let mut p = w.plan();
        p["toewijzingnummers"] = json!(["7001", "7002", "7999"]);
        let f = w.post(Kind::Behandelplan, &p);
        assert_eq!(
            codes_of(&f),
            [
                ("SL001", None, "/toewijzingnummers/1"),
                ("SL001", None, "/toewijzingnummers/2")
            ]
        );
        // Another aanbieder's and an unknown toewijzing: one text (no oracle, issue #13).
        assert!(f[0].message.contains(
            "toewijzing 7002 van gemeente 0599 is onbekend, of niet toegewezen aan aanbieder 12345678"
        ));
        assert_eq!(
            f[0].message.replace("7002", "7999"),
            f[1].message,
            "the same words for both"
        );
        assert!(w.plans.is_empty(), "nothing changed");
        // Another client's toewijzing does not fit either.
        let mut p = w.plan();
        p["bsn"] = json!(BSN2);
        let f = w.post(Kind::Behandelplan, &p);
        assert_eq!(codes_of(&f), [("SL001", None, "/toewijzingnummers/0")]);
        assert!(f[0].message.contains("voor deze cliënt"));
        assert!(w.plans.is_empty());
        // As a sub-contractor of the hoofdaannemer, AANBIEDER may plan on 7002.
        let mut p = w.plan();
        p["toewijzingnummers"] = json!(["7002"]);
        p["hoofdaannemer"] = json!(AANBIEDER2);
        w.accept(Kind::Behandelplan, &p);
    }
}

#[test]
fn e_result_with_unknown_goal_ids() {
    for std in BOTH {
        let mut w = World::ended(std);
        w.accept(Kind::Behandelplan, &w.plan());
        let mut r = w.resultaat("behaald", "behaald");
        r["doelen"][1]["id"] = json!("D7");
        let f = w.post(Kind::Resultaatmelding, &r);
        assert_eq!(
            codes_of(&f),
            [("SL004", None, "/doelen/1/id"), ("SL005", None, "/doelen")]
        );
        assert_eq!(
            f[0].message,
            "Doel D7 staat niet in behandelplan PLAN-1 versie 1"
        );
        assert_eq!(
            f[1].message,
            "De uitkomst ontbreekt voor doel(en) D2 van behandelplan PLAN-1 versie 1"
        );
        assert_eq!(w.plans.len(), 1, "only the plan");
        assert!(w.plans.resultaat(domein(std), GEMEENTE, "7001").is_none());
        // Without it the financing is still unknown.
        assert_eq!(w.financiering().status, Status::Onbekend);
    }
}

#[test]
fn e_result_before_any_start_and_before_the_stop() {
    for std in BOTH {
        let mut w = World::new(std);
        w.accept(Kind::Behandelplan, &w.plan());
        let f = w.post(Kind::Resultaatmelding, &w.resultaat("behaald", "behaald"));
        assert_eq!(codes_of(&f), [("SL006", None, "/toewijzingnummer")]);
        assert!(f[0]
            .message
            .ends_with("er is nog geen start van de zorg gemeld"));
        w.ok(&start(std, "S1", BSN1, &[Lev::new("7001")]));
        let f = w.post(Kind::Resultaatmelding, &w.resultaat("behaald", "behaald"));
        assert!(
            f[0].message.ends_with("(nog) niet definitief gestopt"),
            "{f:?}"
        );
        // A temporary stop (20) does not end the trajectory.
        w.ok(&stop(std, "P1", BSN1, &[Lev::new("7001").reden("20")]));
        let f = w.post(Kind::Resultaatmelding, &w.resultaat("behaald", "behaald"));
        assert_eq!(codes_of(&f), [("SL006", None, "/toewijzingnummer")]);
        assert_eq!(w.plans.len(), 1);
        // The definitive stop; then the result (with the stop's einddatum) is accepted once.
        w.ok(&stop(
            std,
            "P2",
            BSN1,
            &[Lev::new("7001").reden(w.gepland()).eind("2026-05-01")],
        ));
        let f = w.post(Kind::Resultaatmelding, &w.resultaat("behaald", "behaald"));
        assert_eq!(codes_of(&f), [("SL008", None, "/einddatum")]);
        let mut r = w.resultaat("behaald", "behaald");
        r["einddatum"] = json!("2026-05-01");
        r["datum"] = json!("2026-05-02");
        w.accept(Kind::Resultaatmelding, &r);
        let f = w.post(Kind::Resultaatmelding, &r);
        assert_eq!(codes_of(&f), [("SL007", None, "/toewijzingnummer")]);
    }
}

#[test]
fn e_result_needs_the_plan_covering_the_toewijzing() {
    let mut w = World::ended(Std::Ijw);
    let f = w.post(Kind::Resultaatmelding, &w.resultaat("behaald", "behaald"));
    assert_eq!(codes_of(&f), [("SL003", None, "/plan_id")]);
    assert!(w.plans.is_empty());
}

#[test]
fn plan_versions_supersede_and_are_kept() {
    let mut w = World::ended(Std::Ijw);
    w.accept(Kind::Behandelplan, &w.plan());
    let f = w.post(Kind::Behandelplan, &w.plan());
    assert_eq!(codes_of(&f), [("SL002", None, "/versie")]);
    // Version 2 drops goal D2; the result then reports D1 only.
    let mut p2 = w.plan();
    p2["versie"] = json!(2);
    p2["datum"] = json!("2026-03-01");
    if let Some(d) = p2["doelen"].as_array_mut() {
        d.truncate(1);
    }
    p2["activiteiten"][0]["doelen"] = json!(["D1"]);
    w.accept(Kind::Behandelplan, &p2);
    let versies = w.plans.plan_versies(Domein::Ijw, AANBIEDER, "PLAN-1");
    assert_eq!(versies.iter().map(|p| p.versie).collect::<Vec<_>>(), [1, 2]);
    let current = w.plans.plannen_voor(Domein::Ijw, GEMEENTE, "7001");
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].versie, 2);
    let r = w.resultaat("behaald", "behaald");
    let f = w.post(Kind::Resultaatmelding, &r);
    assert_eq!(codes_of(&f), [("SL004", None, "/doelen/1/id")]);
    let mut r = r;
    if let Some(d) = r["doelen"].as_array_mut() {
        d.truncate(1);
    }
    w.accept(Kind::Resultaatmelding, &r);
    assert_eq!(w.financiering().status, Status::Bereikt);
    let tied = |w: &World| {
        w.plans
            .resultaat(Domein::Ijw, GEMEENTE, "7001")
            .and_then(|m| m.plan_versie)
    };
    assert_eq!(tied(&w), Some(2));
    // A version after the resultaatmelding is accepted; the result stays with version 2, and
    // every version stays visible.
    let mut p3 = w.plan();
    p3["versie"] = json!(3);
    p3["datum"] = json!("2026-05-20");
    w.accept(Kind::Behandelplan, &p3);
    assert_eq!(tied(&w), Some(2));
    let all = w.plans.versies_voor(Domein::Ijw, GEMEENTE, "7001");
    assert_eq!(all.iter().map(|p| p.versie).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(all[1].doelen.len(), 1, "version 2 as it was");
    // The trajectory's plan is the first version's date.
    let t = doelbereik::trajectory(&w.h, &w.plans, Domein::Ijw, GEMEENTE, "7001").expect("one");
    assert_eq!(t.plan, Datum::parse("2026-01-10"));
    // The version is Sluis's to set: a sender cannot name it.
    let mut own = w.resultaat("behaald", "behaald");
    own["plan_versie"] = json!(1);
    let f = w.post(Kind::Resultaatmelding, &own);
    assert_eq!(f.first().map(|f| f.code), Some("SL000"), "{f:?}");
}

#[test]
fn messages_round_trip_and_records_serialize() {
    let w = World::ended(Std::Iwmo);
    let body = serde_json::to_vec(&w.plan()).expect("json");
    let Bericht::Behandelplan(p) = read(Kind::Behandelplan, &body).expect("valid") else {
        panic!("a plan");
    };
    assert_eq!(p.domein, Domein::Iwmo);
    assert_eq!(serde_json::to_value(&p).expect("json"), w.plan());
    assert!(
        !format!("{p:?}").contains(BSN1),
        "Debug never shows the BSN"
    );
    let effects = doelbereik::effects(&Bericht::Behandelplan(p));
    let json = serde_json::to_string(&effects).expect("serializes");
    let back: doelbereik::PlanEffects = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, effects);
}

mod figures;
#[allow(unused_imports)]
use figures::*;
