//! Terugvordering (issue #14, point 3): a trajectory paid at 100 % and then judged *not
//! reached* by the gebiedsteam. Counted by hand, with the demo contract (45A08: € 2.400,00 per
//! trajectory, 80 hours at € 30,00; 70 % = € 1.680,00):
//!
//! - granted 30 + 30 + 20 hours = € 900 + € 900 + € 600 = € 2.400,00 (all goals behaald);
//! - beoordeling `oneens`, not reached → aanspraak € 1.680,00, to recover € 2.400 − € 1.680 =
//!   € 720,00; nothing withheld (it was paid), the granted amount stays € 2.400,00;
//! - the credit of April's 20 hours (€ 600,00) with 21 hours (€ 630,00) again in one message:
//!   the credit granted (€ 1.800,00: to recover € 1.800 − € 1.680 = € 120,00, withheld the
//!   € 600,00 of the € 720,00 not earned that was not paid), the debet refused with 9322,
//!   explained; one more hour (€ 30,00) is refused too;
//! - beoordeling `eens` (version 2, reached) → aanspraak € 2.400,00, nothing to recover: the
//!   terugvordering lapses, signalled again.
//!
//! And the 9322 explained to the provider (JSON answer and `Link` for XML), and the
//! gebiedsteam's own indicators (point 6).

use super::*;
use crate::auth::{self as demo, DemoAuth};

/// The item of `kind` in a party's inbox, all of them from the start.
async fn inbox_items(app: &TestApp, party: &str, kind: &str) -> Vec<Value> {
    let (s, inbox) = app
        .get_json(&format!("/api/v1/inbox/{party}?after=0&limit=1000"))
        .await;
    assert_eq!(s, StatusCode::OK, "{inbox}");
    inbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["kind"] == kind)
        .cloned()
        .collect()
}

/// Ended, melding all behaald, 80 hours granted: € 2.400,00.
pub(crate) async fn paid_in_full(app: &TestApp) {
    ended(app).await;
    let r = app
        .post("/api/v1/resultaatmeldingen", &melding("behaald", "behaald"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for (id, month, uren) in [
        ("1", "2025-02", 30),
        ("2", "2025-03", 30),
        ("3", "2025-04", 20),
    ] {
        let a = declareer(
            app,
            &format!("D{id}"),
            &format!("DECL{id}"),
            month,
            vec![prestatie(&format!("R{id}"), month, uren)],
        )
        .await;
        assert!(app.accepted(&a).await, "{}", app.findings(&a).await);
    }
    let f = financiering(&app.planstatus().await);
    assert_eq!(
        (f["gedeclareerd"].as_i64(), f["terug_te_vorderen"].as_i64()),
        (Some(240_000), Some(0))
    );
}

pub(crate) fn beoordeling_v(oordeel: &str, bereikt: bool, versie: u32) -> Value {
    let mut b = beoordeling(oordeel, bereikt);
    b["versie"] = json!(versie);
    b
}

#[actix_web::test]
async fn paid_in_full_then_judged_not_reached_signals_720_to_recover() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    paid_in_full(&app).await;
    assert!(inbox_items(&app, AANBIEDER, "terugvordering")
        .await
        .is_empty());

    let r = app
        .post("/api/v1/beoordelingen", &beoordeling_v("oneens", false, 1))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let beoordeling_id: u64 = r.json()["id"].as_u64().expect("id");

    // The plan status: entitlement 70 %, granted what was granted, € 720,00 back, and why.
    let f = financiering(&app.planstatus().await);
    assert_eq!(f["status"], "niet_bereikt", "{f}");
    assert_eq!(f["recht_procent"], 70);
    assert_eq!(f["aanspraak"], 168_000);
    assert_eq!(f["gedeclareerd"], 240_000);
    assert_eq!(f["terug_te_vorderen"], 72_000);
    assert_eq!(f["ingehouden"], 0, "paid, so not withheld: {f}");
    let reden = f["reden"].as_str().expect("reden");
    assert!(
        reden.contains("gebiedsteam noord") && reden.contains("niet bereikt"),
        "{reden}"
    );

    // Financiering: a column of its own; the granted amount unchanged.
    let (s, v) = app.get_json("/api/v1/financiering").await;
    assert_eq!(s, StatusCode::OK);
    let row = &v["items"][0];
    assert_eq!(row["aanbieder"], AANBIEDER);
    assert_eq!(row["verdiend_verlaagd"], 240_000, "{row}");
    assert_eq!(row["trajecten_niet_bereikt"], 1);
    assert_eq!(row["verdiend_volledig"], 0);
    assert_eq!(row["ingehouden"], 0);
    assert_eq!(row["aangehouden"], 0);
    assert_eq!(row["terug_te_vorderen"], 72_000);
    assert_eq!(row["trajecten_terug_te_vorderen"], 1);

    // The signal, in both inboxes, pointing at the beoordeling that caused it.
    for party in [AANBIEDER, GEMEENTE] {
        let items = inbox_items(&app, party, "terugvordering").await;
        assert_eq!(items.len(), 1, "{party}: {items:?}");
        let i = &items[0];
        assert_eq!(i["bericht"], "terugvordering");
        assert_eq!(i["bericht_id"], beoordeling_id);
        let s = &i["json"];
        assert_eq!(s["toewijzingnummer"], CLIENT1.nummer);
        assert_eq!(s["aanbieder"], AANBIEDER);
        assert_eq!(s["bedrag"], 72_000);
        assert_eq!(s["eerder"], 0);
        assert_eq!(s["aanspraak"], 168_000);
        assert_eq!(s["gedeclareerd"], 240_000);
        let melding = s["melding"].as_str().expect("melding");
        assert!(melding.contains("€ 720,00"), "{melding}");
        assert!(melding.contains("gebiedsteam noord"), "{melding}");
        assert_eq!(
            s["toelichting"],
            "het verslag laat meer zien dan de melding"
        );
        assert!(!i.to_string().contains(CLIENT1.bsn), "no BSN in the signal");
    }

    // The aanbieder credits April's 20 hours (€ 600,00) and declares 21 hours (€ 630,00) for
    // it again, in one message, asking for JSON: the credit is granted; the debet would bring
    // € 1.800,00 to € 2.430,00, beyond € 1.680,00: 9322, explained beside the standard's answer.
    let extra = declaratie(
        Std::Ijw,
        "D4",
        "DECL4",
        "2025-04",
        &[(
            CLIENT1,
            vec![
                prestatie("R4", "2025-04", 20).credit_of("R3"),
                prestatie("R5", "2025-04", 21),
            ],
        )],
    );
    let r = app
        .client
        .post(format!("{}/api/v1/berichten", app.base))
        .header("Content-Type", "application/xml")
        .header("Accept", "application/json")
        .body(extra)
        .demo_auth()
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("link").is_some(), "a Link for JSON too");
    let answer: Value = r.json().await.expect("JSON answer");
    // The standard's answer as before, with the explanation beside it.
    assert!(answer["DeclaratieAntwoord"].is_object(), "{answer}");
    assert!(answer.to_string().contains("9322"), "{answer}");
    let t = answer["toelichting"].as_array().expect("toelichting");
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!(t[0]["code"], "SL020");
    assert_eq!(t[0]["retourcode"], "9322");
    assert_eq!(
        t[0]["path"],
        "/Bericht/Declaratie/Clienten/Client[1]/Prestaties/Prestatie[2]"
    );
    let why = t[0]["message"].as_str().expect("message");
    assert!(
        why.contains("aanspraak op toewijzing 7001 is € 1.680,00"),
        "{why}"
    );
    assert!(why.contains("70 % van trajectprijs € 2.400,00"), "{why}");
    assert!(why.contains("gebiedsteam noord"), "{why}");
    assert!(why.contains("al gedeclareerd € 2.400,00"), "{why}");
    assert!(why.contains("eerder in dit bericht -€ 600,00"), "{why}");
    assert!(why.contains("€ 120,00 terug te vorderen"), "{why}");
    assert!(!answer["toelichting"].to_string().contains(CLIENT1.bsn));
    let f = financiering(&app.planstatus().await);
    assert_eq!(
        (
            f["gedeclareerd"].as_i64(),
            f["terug_te_vorderen"].as_i64(),
            f["ingehouden"].as_i64()
        ),
        (Some(180_000), Some(12_000), Some(60_000)),
        "of the € 720,00 not earned, € 120,00 was paid (back) and € 600,00 not (withheld)"
    );
    let (_, v) = app.get_json("/api/v1/financiering").await;
    assert_eq!(v["items"][0]["terug_te_vorderen"], 12_000);
    assert_eq!(v["items"][0]["ingehouden"], 60_000);
    assert_eq!(v["items"][0]["verdiend_verlaagd"], 180_000);

    // Nothing more is paid while € 120,00 is to be recovered: one hour, as XML. The XML answer
    // carries the bare code; its Link leads to the stored message with the explanation.
    let a = declareer(
        &app,
        "D5",
        "DECL5",
        "2025-04",
        vec![prestatie("R6", "2025-04", 1)],
    )
    .await;
    assert!(a.body.contains(">9322<"), "{}", a.body);
    let r = app
        .client
        .post(format!("{}/api/v1/berichten", app.base))
        .header("Content-Type", "application/xml")
        .body(declaratie(
            Std::Ijw,
            "D5",
            "DECL5",
            "2025-04",
            &[(CLIENT1, vec![prestatie("R6", "2025-04", 1)])],
        ))
        .demo_auth()
        .send()
        .await
        .expect("request");
    assert_eq!(
        r.headers().get("sluis-replay").map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    let link = r
        .headers()
        .get("link")
        .and_then(|l| l.to_str().ok())
        .map(str::to_string)
        .expect("a Link to the explanation");
    let xml = r.text().await.expect("body");
    assert!(
        xml.contains(">9322<") && !xml.contains("toelichting"),
        "{xml}"
    );
    let (href, rel) = link
        .strip_prefix('<')
        .and_then(|l| l.split_once('>'))
        .expect("<href>; rel");
    assert_eq!(rel, "; rel=\"describedby\"");
    assert_eq!(Some(href), a.location.as_deref());
    let (_, stored) = app.get_json(href).await;
    assert_eq!(stored["findings"][0]["code"], "SL020");
    let why = stored["findings"][0]["message"].as_str().expect("message");
    assert!(why.contains("al gedeclareerd € 1.800,00"), "{why}");
    assert!(why.contains("€ 120,00 terug te vorderen"), "{why}");

    // The gebiedsteam turns round: `eens` (version 2), reached. The terugvordering lapses.
    let r = app
        .post("/api/v1/beoordelingen", &beoordeling_v("eens", true, 2))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for party in [AANBIEDER, GEMEENTE] {
        let items = inbox_items(&app, party, "terugvordering").await;
        assert_eq!(items.len(), 2, "{party}: {items:?}");
        let s = &items[1]["json"];
        assert_eq!(
            (s["bedrag"].as_i64(), s["eerder"].as_i64()),
            (Some(0), Some(12_000))
        );
        assert!(
            s["melding"].as_str().expect("melding").contains("vervalt"),
            "{s}"
        );
    }
    let f = financiering(&app.planstatus().await);
    assert_eq!(f["status"], "bereikt");
    assert_eq!(f["recht_procent"], 100);
    assert_eq!(
        (
            f["aanspraak"].as_i64(),
            f["terug_te_vorderen"].as_i64(),
            f["ingehouden"].as_i64()
        ),
        (Some(240_000), Some(0), Some(0))
    );
    let (_, v) = app.get_json("/api/v1/financiering").await;
    assert_eq!(v["items"][0]["terug_te_vorderen"], 0);
    assert_eq!(v["items"][0]["trajecten_terug_te_vorderen"], 0);
    assert_eq!(v["items"][0]["verdiend_volledig"], 180_000);
    // The signals survive a restart (they are in the store, not in memory).
    let app = app.restart().await;
    assert_eq!(inbox_items(&app, GEMEENTE, "terugvordering").await.len(), 2);
    app.stop().await;
}

#[actix_web::test]
async fn a_judgement_before_any_payment_signals_nothing_and_lowers_the_entitlement() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    ended(&app).await;
    let r = app
        .post("/api/v1/resultaatmeldingen", &melding("behaald", "behaald"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app
        .post("/api/v1/beoordelingen", &beoordeling_v("oneens", false, 1))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(inbox_items(&app, AANBIEDER, "terugvordering")
        .await
        .is_empty());
    assert!(inbox_items(&app, GEMEENTE, "terugvordering")
        .await
        .is_empty());
    // 40 hours in February (€ 1.200,00); 17 more in March (€ 510,00) would make € 1.710,00,
    // beyond the € 1.680,00: refused; 16 (€ 480,00) fit exactly.
    let a = declareer(
        &app,
        "D1",
        "DECL1",
        "2025-02",
        vec![prestatie("R1", "2025-02", 40)],
    )
    .await;
    assert!(app.accepted(&a).await, "{}", app.findings(&a).await);
    let a = declareer(
        &app,
        "D2",
        "DECL2",
        "2025-03",
        vec![prestatie("R2", "2025-03", 17)],
    )
    .await;
    assert!(a.body.contains(">9322<"), "{}", app.findings(&a).await);
    assert!(
        app.findings(&a).await.contains("€ 30,00 te veel"),
        "{}",
        app.findings(&a).await
    );
    let a = declareer(
        &app,
        "D3",
        "DECL3",
        "2025-03",
        vec![prestatie("R3", "2025-03", 16)],
    )
    .await;
    assert!(app.accepted(&a).await, "{}", app.findings(&a).await);
    let f = financiering(&app.planstatus().await);
    assert_eq!(
        (
            f["gedeclareerd"].as_i64(),
            f["terug_te_vorderen"].as_i64(),
            f["ingehouden"].as_i64()
        ),
        (Some(168_000), Some(0), Some(72_000))
    );
    app.stop().await;
}

/// Point 6: a gebiedsteam reads its own team's indicators; a contractmanager every team's.
#[actix_web::test]
async fn a_gebiedsteam_reads_only_its_own_teams_indicators() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    // One ended trajectory, of a client in noord.
    ended(&app).await;
    let as_team = |team: &'static str, path: &'static str| {
        let app = &app;
        async move {
            let r = app
                .client
                .get(format!("{}{path}", app.base))
                .bearer_auth(demo::token(&format!("demo-team-{team}")))
                .send()
                .await
                .expect("request");
            let status = r.status();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, v) = as_team("noord", "/api/v1/indicatoren").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["filter"]["team"], "noord");
    assert_eq!(v["totaal"]["beeindigd"], 1);
    let (s, v) = as_team("zuid", "/api/v1/indicatoren").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["totaal"]["beeindigd"], 0, "zuid has none: {v}");
    let (s, _) = as_team("zuid", "/api/v1/indicatoren?team=noord").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = as_team("noord", "/api/v1/indicatoren?team=noord&per=team").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let groups: Vec<&String> = v["groepen"].as_object().expect("groepen").keys().collect();
    assert_eq!(groups, ["noord"]);
    // per=aanbieder within its own team.
    let (_, v) = as_team("noord", "/api/v1/indicatoren?per=aanbieder").await;
    assert_eq!(v["groepen"][AANBIEDER]["beeindigd"], 1, "{v}");
    // The financing is not the gebiedsteam's.
    let (s, _) = as_team("noord", "/api/v1/financiering").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The contractmanager sees every team.
    let (s, v) = app.get_json("/api/v1/indicatoren?per=team").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["totaal"]["beeindigd"], 1);
    assert!(v["groepen"]["noord"].is_object(), "{v}");
    let (s, v) = app.get_json("/api/v1/indicatoren?team=zuid").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["totaal"]["beeindigd"], 0);
    app.stop().await;
}

/// Point 4: `indicatoren?peildatum=` counts only what was known on the peildatum. The client's
/// trajectory ended as planned on 2025-04-30; its new toewijzing (from 2025-07-01) was made on
/// 2025-06-20.
#[actix_web::test]
async fn the_peildatum_counts_only_toewijzingen_known_on_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    ended(&app).await;
    let again = Client {
        bsn: CLIENT1.bsn,
        nummer: "7009",
        referentie: "VOT-9",
    };
    app.ok(&verzoek(Std::Ijw, "V9", again)).await;
    let tw = Tw {
        ingang: "2025-07-01".into(),
        eind: "2025-12-31".into(),
        datum: "2025-06-20".into(),
        ..Tw::default()
    };
    app.ok(&with_postcode(
        toewijzing(Std::Ijw, "T9", again, &tw),
        "8011AB",
    ))
    .await;
    let herhaald = |peil: &'static str| {
        let app = &app;
        async move {
            let (s, v) = app
                .get_json(&format!("/api/v1/indicatoren?peildatum={peil}"))
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            let f = &v["totaal"]["herhaald_beroep"];
            (f["teller"].as_u64(), f["noemer"].as_u64())
        }
    };
    // Before it was made the window (to 2026-04-30) is open without a known repeat.
    assert_eq!(herhaald("2025-06-19").await, (Some(0), Some(0)));
    // From the day it was made it counts.
    assert_eq!(herhaald("2025-06-20").await, (Some(1), Some(1)));
    assert_eq!(herhaald("2025-06-25").await, (Some(1), Some(1)));
    app.stop().await;
}
