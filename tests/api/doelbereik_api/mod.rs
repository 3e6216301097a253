//! Doelbereik end to end through the real server (issue #5): behandelplannen,
//! resultaatmeldingen and beoordelingen posted next to the standard's messages, resultaatfinanciering
//! judged on real JW323s (cases a–d), clear rejections that change nothing (case e), the plan
//! status, the gebiedsteam's view with the team override, financing per aanbieder and the
//! indicators in JSON and CSV. A real sled store in a temporary directory; the server is
//! restarted where the index must come back from the store.
//!
//! The demo configuration makes product 45A08 (category 31) of aanbieder 12345678
//! result-financed: € 2.400,00 per trajectory (80 hours at € 30), 70 % = € 1.680,00 (56 hours).

use crate::auth;
use crate::helpers::{settings, spawn_app, spawn_app_with, Reply, TestApp};
use crate::scenario::trajectory::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sluis::config::Settings;

const RF_CODE: &str = "45A08";
const RF_TARIEF: i64 = 3000;
const PLAN: &str = "PLAN-1";

/// The token of gebiedsteam `oost`, a team the configuration does not know: only the test that
/// asks for an unknown team adds it (as a token of its own, not as a team).
const OOST: &str =
    "sluis_demo-team-oost_d0000000000000000000000000000000000000000000000000000000000000ee";

fn with_oost_token(mut s: Settings) -> Settings {
    s.security
        .tokens
        .push(sluis::security::tokens::ConfiguredToken {
            id: "demo-team-oost".into(),
            role: sluis::security::access::Role::Gebiedsteam,
            party: None,
            gemeente: Some(GEMEENTE.into()),
            team: Some("oost".into()),
            label: "DEMO: a gebiedsteam the configuration does not know".into(),
            sha256: None,
            demo_secret: Some(OOST.into()),
        });
    s
}

impl TestApp {
    /// A standard message, which must be accepted whole.
    async fn ok(&self, xml: &str) {
        let r = self.xml(xml).await;
        let (_, stored) = self
            .get_json(r.location.as_deref().expect("location"))
            .await;
        assert_eq!(
            stored["accepted"], true,
            "not accepted: {}",
            stored["findings"]
        );
    }

    async fn xml(&self, xml: &str) -> Reply {
        let r = self
            .send(
                reqwest::Method::POST,
                "/api/v1/berichten",
                "application/xml",
                xml.to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r
    }

    /// Whether Sluis accepted a posted message whole.
    async fn accepted(&self, r: &Reply) -> bool {
        let loc = r.location.clone().expect("location");
        self.get_json(&loc).await.1["accepted"] == true
    }

    /// The findings Sluis stored with a posted message.
    async fn findings(&self, r: &Reply) -> String {
        let loc = r.location.clone().expect("location");
        self.get_json(&loc).await.1["findings"].to_string()
    }

    pub(crate) async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(
            reqwest::Method::POST,
            path,
            "application/json",
            body.to_string(),
        )
        .await
    }

    async fn planstatus(&self) -> Value {
        let (status, v) = self
            .get_json(&format!("/api/v1/clienten/{}/planstatus", CLIENT1.bsn))
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v
    }
}

/// The client's postcode in its toewijzing: 8011 lies in team noord's area.
fn with_postcode(xml: String, postcode: &str) -> String {
    let adres = format!(
        "<m:Soort>01</m:Soort><m:Adres><b:Huis><b:Huisnummer>12</b:Huisnummer></b:Huis><b:Postcode>{postcode}</b:Postcode><b:Straatnaam>Lindelaan</b:Straatnaam><b:Plaatsnaam>Zwolle</b:Plaatsnaam><b:LandCode>NL</b:LandCode></m:Adres>"
    );
    assert_eq!(xml.matches("<m:Soort>01</m:Soort>").count(), 1);
    // The builder's contact carries a placeholder address (CD034); this one replaces it.
    let start = xml.find("<m:Adres>").expect("an address");
    let end = xml.find("</m:Adres>").expect("an address") + "</m:Adres>".len();
    let xml = format!("{}{}", &xml[..start], &xml[end..]);
    xml.replacen("<m:Soort>01</m:Soort>", &adres, 1)
}

/// The result-financed product instead of the default one (exactly once in the message).
fn rf(xml: String) -> String {
    assert_eq!(xml.matches(CODE).count(), 1, "{xml}");
    xml.replacen(CODE, RF_CODE, 1)
}

pub(crate) fn prestatie(referentie: &str, month: &str, uren: i64) -> Pr {
    Pr::new(referentie, CLIENT1, month)
        .code(RF_CODE)
        .tarief(RF_TARIEF)
        .volume(uren)
}

fn plan(aanbieder: &str, versie: u32) -> Value {
    json!({
        "domein": "ijw", "gemeente": GEMEENTE, "aanbieder": aanbieder, "bsn": CLIENT1.bsn,
        "plan_id": PLAN, "versie": versie, "datum": "2025-01-20",
        "toewijzingnummers": [CLIENT1.nummer],
        "doelen": [
            {"id": "D1", "omschrijving": "Dagritme met vaste schooltijden", "levensdomein": "onderwijs",
             "meting": "schoolverzuim per maand", "streefdatum": "2025-04-30"},
            {"id": "D2", "omschrijving": "Ouders hanteren conflicten zonder escalatie",
             "levensdomein": "opvoeding", "meting": "OBVL-vragenlijst", "streefdatum": "2025-04-30"}
        ],
        "activiteiten": [
            {"omschrijving": "Wekelijkse gezinsbegeleiding", "frequentie": "wekelijks", "doelen": ["D1", "D2"]}
        ]
    })
}

pub(crate) fn melding(d1: &str, d2: &str) -> Value {
    json!({
        "domein": "ijw", "gemeente": GEMEENTE, "aanbieder": AANBIEDER, "bsn": CLIENT1.bsn,
        "toewijzingnummer": CLIENT1.nummer, "plan_id": PLAN,
        "einddatum": EIND_ZORG, "datum": "2025-05-06",
        "doelen": [
            {"id": "D1", "uitkomst": d1, "toelichting": "eindevaluatie"},
            {"id": "D2", "uitkomst": d2, "toelichting": "eindevaluatie"}
        ],
        "tevredenheid": "tevreden"
    })
}

fn beoordeling(oordeel: &str, bereikt: bool) -> Value {
    let mut b = json!({
        "domein": "ijw", "gemeente": GEMEENTE, "team": "noord", "aanbieder": AANBIEDER,
        "bsn": CLIENT1.bsn, "toewijzingnummer": CLIENT1.nummer, "versie": 1,
        "datum": "2025-05-12", "oordeel": oordeel, "resultaat_bereikt": bereikt
    });
    if oordeel == "oneens" {
        b["reden"] = json!("het verslag laat meer zien dan de melding");
    }
    b
}

/// Toewijzing 7001 of 45A08 (postcode in noord), started; with `plan` a behandelplan.
async fn started(app: &TestApp, with_plan: bool) {
    app.ok(&verzoek(Std::Ijw, "V1", CLIENT1)).await;
    app.ok(&with_postcode(
        toewijzing(Std::Ijw, "T1", CLIENT1, &Tw::default().code(RF_CODE)),
        "8011AB",
    ))
    .await;
    app.ok(&rf(start(Std::Ijw, "S1", CLIENT1, BEGIN))).await;
    if with_plan {
        let r = app
            .post("/api/v1/behandelplannen", &plan(AANBIEDER, 1))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
}

/// …and stopped as planned on 2025-04-30.
pub(crate) async fn ended(app: &TestApp) {
    started(app, true).await;
    app.ok(&rf(stop(Std::Ijw, "P1", CLIENT1, BEGIN))).await;
}

/// Post a declaratie; the JW325 answer.
pub(crate) async fn declareer(
    app: &TestApp,
    id: &str,
    nummer: &str,
    month: &str,
    prestaties: Vec<Pr>,
) -> Reply {
    app.xml(&declaratie(
        Std::Ijw,
        id,
        nummer,
        month,
        &[(CLIENT1, prestaties)],
    ))
    .await
}

fn toegekend(jw325: &str) -> i64 {
    // TotaalToegekendBedrag/TotaalBedrag, the first TotaalBedrag after it.
    let at = jw325
        .find("TotaalToegekendBedrag>")
        .expect("TotaalToegekendBedrag");
    let rest = &jw325[at..];
    let start = rest.find("TotaalBedrag>").expect("TotaalBedrag") + "TotaalBedrag>".len();
    let end = rest[start..].find('<').expect("end");
    rest[start..start + end].parse().expect("amount")
}

fn financiering(status: &Value) -> Value {
    status["items"][0]["financiering"].clone()
}

#[actix_web::test]
async fn a_all_goals_reached_grants_the_full_price() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    ended(&app).await;
    let r = app
        .post("/api/v1/resultaatmeldingen", &melding("behaald", "behaald"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // 80 hours over three months: € 2.400,00, the full trajectory price.
    let a = declareer(
        &app,
        "D1",
        "DECL1",
        "2025-02",
        vec![prestatie("R1", "2025-02", 30)],
    )
    .await;
    assert!(
        app.accepted(&a).await,
        "{}\n{}",
        a.body,
        app.findings(&a).await
    );
    let a = declareer(
        &app,
        "D2",
        "DECL2",
        "2025-03",
        vec![prestatie("R2", "2025-03", 30)],
    )
    .await;
    assert!(
        app.accepted(&a).await,
        "{}\n{}",
        a.body,
        app.findings(&a).await
    );
    // April: 20 hours fill the price exactly.
    let a = declareer(
        &app,
        "D3",
        "DECL3",
        "2025-04",
        vec![prestatie("R3", "2025-04", 20)],
    )
    .await;
    assert!(
        app.accepted(&a).await,
        "{}\n{}",
        a.body,
        app.findings(&a).await
    );
    assert_eq!(toegekend(&a.body), 60_000, "{}", a.body);
    let f = financiering(&app.planstatus().await);
    assert_eq!(f["status"], "bereikt");
    assert_eq!(f["aanspraak"], 240_000);
    assert_eq!(f["gedeclareerd"], 240_000);
    assert_eq!(f["ingehouden"], 0);
    app.stop().await;
}

#[actix_web::test]
async fn b_not_reached_rejects_the_full_price_and_grants_seventy_percent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    ended(&app).await;
    let r = app
        .post(
            "/api/v1/resultaatmeldingen",
            &melding("behaald", "deels_behaald"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let a = declareer(
        &app,
        "D1",
        "DECL1",
        "2025-02",
        vec![prestatie("R1", "2025-02", 40)],
    )
    .await;
    assert!(
        app.accepted(&a).await,
        "{}\n{}",
        a.body,
        app.findings(&a).await
    );
    // 40 more hours would make € 2.400,00: beyond the € 1.680,00 of a result not reached.
    let a = declareer(
        &app,
        "D2",
        "DECL2",
        "2025-03",
        vec![prestatie("R2", "2025-03", 40)],
    )
    .await;
    assert!(a.body.contains(">9322<"), "{}", a.body);
    assert_eq!(toegekend(&a.body), 0);
    let why = app.findings(&a).await;
    assert!(why.contains("SL020"), "{why}");
    assert!(
        why.contains("€ 1.680,00"),
        "the entitlement is named: {why}"
    );
    assert!(why.contains("al gedeclareerd € 1.200,00"), "{why}");
    assert!(why.contains("niet alle doelen behaald"), "and why: {why}");
    assert!(!why.contains(CLIENT1.bsn));
    // 16 hours fill it up to exactly 70 %.
    let a = declareer(
        &app,
        "D3",
        "DECL3",
        "2025-04",
        vec![prestatie("R3", "2025-04", 16)],
    )
    .await;
    assert!(
        app.accepted(&a).await,
        "{}\n{}",
        a.body,
        app.findings(&a).await
    );
    assert_eq!(toegekend(&a.body), 48_000);
    let f = financiering(&app.planstatus().await);
    assert_eq!(f["status"], "niet_bereikt");
    assert_eq!(f["aanspraak"], 168_000);
    assert_eq!(f["gedeclareerd"], 168_000);
    assert_eq!(f["ingehouden"], 72_000);
    let (status, v) = app
        .get_json("/api/v1/financiering?aanbieder=12345678")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["items"][0]["aanbieder"], AANBIEDER);
    assert_eq!(v["items"][0]["verdiend_verlaagd"], 168_000);
    assert_eq!(v["items"][0]["verdiend_volledig"], 0);
    assert_eq!(v["items"][0]["ingehouden"], 72_000);
    app.stop().await;
}

#[actix_web::test]
async fn c_without_a_resultaatmelding_the_final_part_is_held() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    ended(&app).await;
    let a = declareer(
        &app,
        "D1",
        "DECL1",
        "2025-02",
        vec![prestatie("R1", "2025-02", 40)],
    )
    .await;
    assert!(
        app.accepted(&a).await,
        "{}\n{}",
        a.body,
        app.findings(&a).await
    );
    let a = declareer(
        &app,
        "D2",
        "DECL2",
        "2025-03",
        vec![prestatie("R2", "2025-03", 40)],
    )
    .await;
    assert!(a.body.contains(">9322<"), "{}", a.body);
    let why = app.findings(&a).await;
    assert!(why.contains("nog geen resultaatmelding"), "{why}");
    let status = app.planstatus().await;
    let f = financiering(&status);
    assert_eq!(f["status"], "onbekend");
    assert_eq!(f["aanspraak"], 168_000);
    assert_eq!(f["gedeclareerd"], 120_000);
    assert_eq!(f["ingehouden"], 72_000);
    let (_, v) = app.get_json("/api/v1/financiering").await;
    assert_eq!(v["items"][0]["aangehouden"], 72_000);
    // The gebiedsteam sees the ended trajectory without a melding.
    let (s, v) = app
        .get_json("/api/v1/teams/noord/doelbereik?zonder_resultaatmelding=true")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["aantal"], 1, "{v}");
    assert_eq!(v["items"][0]["toewijzingnummer"], CLIENT1.nummer);
    // Once the melding is in (all reached), the held part may be declared.
    let r = app
        .post("/api/v1/resultaatmeldingen", &melding("behaald", "behaald"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let (_, v) = app
        .get_json("/api/v1/teams/noord/doelbereik?zonder_resultaatmelding=true")
        .await;
    assert_eq!(v["aantal"], 0, "{v}");
    let a = declareer(
        &app,
        "D3",
        "DECL3",
        "2025-04",
        vec![prestatie("R3", "2025-04", 40)],
    )
    .await;
    assert!(
        app.accepted(&a).await,
        "{}\n{}",
        a.body,
        app.findings(&a).await
    );
    app.stop().await;
}

#[actix_web::test]
async fn d_the_gebiedsteam_disagrees_and_its_judgement_decides() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    ended(&app).await;
    let r = app
        .post(
            "/api/v1/resultaatmeldingen",
            &melding("behaald", "niet_behaald"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let a = declareer(
        &app,
        "D1",
        "DECL1",
        "2025-02",
        vec![prestatie("R1", "2025-02", 40)],
    )
    .await;
    assert!(
        app.accepted(&a).await,
        "{}\n{}",
        a.body,
        app.findings(&a).await
    );
    let a = declareer(
        &app,
        "D2",
        "DECL2",
        "2025-03",
        vec![prestatie("R2", "2025-03", 40)],
    )
    .await;
    assert!(
        a.body.contains(">9322<"),
        "not reached by the melding: {}",
        a.body
    );
    // `eens` with a result the melding contradicts is refused; `oneens` decides.
    let r = app
        .post("/api/v1/beoordelingen", &beoordeling("eens", true))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.codes(), ["SL011"]);
    let r = app
        .post("/api/v1/beoordelingen", &beoordeling("oneens", true))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // The same beoordeling again: the same answer, nothing new.
    let again = app
        .post("/api/v1/beoordelingen", &beoordeling("oneens", true))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.location, r.location);
    let a = declareer(
        &app,
        "D3",
        "DECL3",
        "2025-04",
        vec![prestatie("R3", "2025-04", 40)],
    )
    .await;
    assert!(
        app.accepted(&a).await,
        "{}\n{}",
        a.body,
        app.findings(&a).await
    );
    let status = app.planstatus().await;
    assert_eq!(status["items"][0]["beoordeling"]["oordeel"], "oneens");
    assert_eq!(status["items"][0]["uitkomst"], "bereikt");
    assert_eq!(financiering(&status)["gedeclareerd"], 240_000);
    // The aanbieder hears the judgement in its inbox.
    let (_, inbox) = app
        .get_json(&format!("/api/v1/inbox/{AANBIEDER}?after=0"))
        .await;
    let items = inbox["items"].as_array().expect("items");
    assert!(items
        .iter()
        .any(|i| i["bericht"] == "beoordeling" && i["json"]["oordeel"] == "oneens"));
    // Disputed results show in the team's view, also after a restart (the index is rebuilt).
    let (_, v) = app
        .get_json("/api/v1/teams/noord/doelbereik?betwist=true")
        .await;
    assert_eq!(v["aantal"], 1, "{v}");
    app.stop().await;
    let app = spawn_app(dir.path()).await;
    let (_, v) = app
        .get_json("/api/v1/teams/noord/doelbereik?betwist=true")
        .await;
    assert_eq!(v["aantal"], 1, "after a restart: {v}");
    assert_eq!(v["items"][0]["status"], "bereikt");
    app.stop().await;
}

#[actix_web::test]
async fn e_rejections_are_clear_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    // A result before any start.
    app.ok(&verzoek(Std::Ijw, "V1", CLIENT1)).await;
    app.ok(&with_postcode(
        toewijzing(Std::Ijw, "T1", CLIENT1, &Tw::default().code(RF_CODE)),
        "8011AB",
    ))
    .await;
    let r = app
        .post("/api/v1/behandelplannen", &plan(AANBIEDER, 1))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let before = app.planstatus().await;
    let r = app
        .post("/api/v1/resultaatmeldingen", &melding("behaald", "behaald"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.codes().contains(&"SL006".to_string()), "{}", r.body);
    assert!(r.body.contains("start"), "{}", r.body);
    // Kept for the audit, not accepted.
    let loc = r.location.clone().expect("kept");
    let (_, kept) = app.get_json(&loc).await;
    assert_eq!(kept["accepted"], false);
    assert_eq!(kept["bericht"], "resultaatmelding");

    app.ok(&rf(start(Std::Ijw, "S1", CLIENT1, BEGIN))).await;
    app.ok(&rf(stop(Std::Ijw, "P1", CLIENT1, BEGIN))).await;
    // A plan for another aanbieder's toewijzing.
    let r = app
        .post("/api/v1/behandelplannen", &plan("23456789", 1))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.codes(), ["SL001"]);
    // A result with a goal the plan does not have.
    let mut m = melding("behaald", "behaald");
    m["doelen"][1]["id"] = json!("D9");
    let r = app.post("/api/v1/resultaatmeldingen", &m).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.codes().contains(&"SL004".to_string()), "{}", r.body);
    // Not valid by its schema: 400, nothing kept.
    let mut bad = plan(AANBIEDER, 2);
    bad["doelen"] = json!([]);
    let r = app.post("/api/v1/behandelplannen", &bad).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.codes(), ["SL000"]);
    assert!(r.location.is_none());
    // An older version of the plan.
    let r = app
        .post("/api/v1/behandelplannen", &plan(AANBIEDER, 1))
        .await;
    assert_eq!(r.status, StatusCode::OK, "the same plan again is a replay");
    let mut older = plan(AANBIEDER, 1);
    older["datum"] = json!("2025-01-21");
    let r = app.post("/api/v1/behandelplannen", &older).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.codes(), ["SL002"]);
    for r in [&r] {
        for bsn in [CLIENT1.bsn, CLIENT2.bsn] {
            assert!(!r.body.contains(bsn), "no BSN in an error: {}", r.body);
        }
    }
    // Nothing of the plan status changed but the start and stop.
    let after = app.planstatus().await;
    assert_eq!(after["items"][0]["plannen"], before["items"][0]["plannen"]);
    assert_eq!(after["items"][0]["resultaat"], Value::Null);
    // No rejected doelbereik message reached an inbox.
    let (_, inbox) = app
        .get_json(&format!("/api/v1/inbox/{GEMEENTE}?after=0"))
        .await;
    let kinds: Vec<&str> = inbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["bericht"].as_str())
        .filter(|b| !b.starts_with("JW"))
        .collect();
    assert_eq!(kinds, ["behandelplan"]);
    app.stop().await;
}

mod team;
pub(crate) mod terugvordering;
mod views;
#[allow(unused_imports)]
use views::*;

/// A declaratie of which some prestaties are granted (3 of 4 here: one per month of the
/// trajectory) is listed as `deels`, not as rejected
/// (issue #14); `accepted` stays false, a whole declaratie is `geaccepteerd`.
#[actix_web::test]
async fn a_declaratie_granted_in_part_is_listed_as_deels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    ended(&app).await;
    let r = app
        .post(
            "/api/v1/resultaatmeldingen",
            &melding("behaald", "deels_behaald"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Not reached: 56 hours (€ 1.680,00). Three times 15 hours fit, the fourth goes beyond.
    let a = declareer(
        &app,
        "D1",
        "DECL1",
        "2025-04",
        (1..=4)
            .map(|m| prestatie(&format!("R{m}"), &format!("2025-0{m}"), 15))
            .collect(),
    )
    .await;
    assert!(a.body.contains(">9322<"), "{}", a.body);
    assert_eq!(toegekend(&a.body), 135_000, "{}", a.body);
    let ok = declareer(
        &app,
        "D2",
        "DECL2",
        "2025-04",
        vec![prestatie("R5", "2025-04", 11)],
    )
    .await;
    let (status, v) = app.get_json("/api/v1/berichten?type=JW323").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let items = v["items"].as_array().expect("items");
    let of = |loc: &Option<String>| {
        let href = loc.clone().expect("location");
        items
            .iter()
            .find(|i| i["href"] == href.as_str())
            .cloned()
            .expect("listed")
    };
    let deels = of(&a.location);
    assert_eq!(deels["accepted"], false, "{deels}");
    assert_eq!(deels["uitkomst"], "deels", "{deels}");
    assert_eq!(deels["retourcodes"], json!(["9322"]), "{deels}");
    let heel = of(&ok.location);
    assert_eq!(heel["accepted"], true, "{heel}");
    assert_eq!(heel["uitkomst"], "geaccepteerd", "{heel}");
    // A message with nothing accepted is `afgekeurd`.
    let (_, v) = app.get_json("/api/v1/berichten").await;
    assert!(
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|i| (i["uitkomst"] == "geaccepteerd") == (i["accepted"] == true)),
        "{v}"
    );
    app.stop().await;
}
