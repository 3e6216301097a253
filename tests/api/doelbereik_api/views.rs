//! The team view with its override, the indicators, the demo set through the server.

use super::*;

#[actix_web::test]
pub(super) async fn team_view_override_and_indicators() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app_with(with_oost_token(settings(dir.path()))).await;
    started(&app, false).await;
    // Started without a plan: after 0 days it shows, and the plan makes it go.
    let (_, v) = app
        .get_json("/api/v1/teams/noord/doelbereik?zonder_plan_na_dagen=30")
        .await;
    assert_eq!(v["aantal"], 1, "{v}");
    let (_, v) = app.get_json("/api/v1/teams/zuid/doelbereik").await;
    assert_eq!(v["aantal"], 0);
    let r = app
        .client
        .get(format!("{}/api/v1/teams/oost/doelbereik", app.base))
        .bearer_auth(OOST)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The back office moves the client to zuid.
    let team_path = format!("/api/v1/clienten/{}/team", CLIENT1.bsn);
    let put = |team: Value| {
        app.send(
            reqwest::Method::PUT,
            &team_path,
            "application/json",
            json!({ "team": team }).to_string(),
        )
    };
    let r = put(json!("oost")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = put(json!("zuid")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (_, v) = app.get_json("/api/v1/teams/noord/doelbereik").await;
    assert_eq!(v["aantal"], 0);
    let (_, v) = app.get_json("/api/v1/teams/zuid/doelbereik").await;
    assert_eq!(v["aantal"], 1);
    // A new toewijzing version keeps the override.
    let r = app
        .post("/api/v1/behandelplannen", &plan(AANBIEDER, 1))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    app.ok(&rf(stop(Std::Ijw, "P1", CLIENT1, BEGIN))).await;
    let r = app
        .post(
            "/api/v1/resultaatmeldingen",
            &melding("behaald", "niet_behaald"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let (_, v) = app
        .get_json("/api/v1/teams/zuid/doelbereik?lopend=false")
        .await;
    assert_eq!(v["aantal"], 1, "{v}");
    // Back to the postcode areas.
    let r = put(Value::Null).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["team"], "noord");

    // Indicators: one ended trajectory, as planned, result not reached, client satisfied.
    let (s, v) = app.get_json("/api/v1/indicatoren?per=team").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["totaal"]["beeindigd"], 1);
    assert_eq!(
        v["totaal"]["doelrealisatie"],
        json!({"teller": 0, "noemer": 1, "aandeel": 0.0})
    );
    assert_eq!(v["totaal"]["uitval"]["teller"], 0);
    assert_eq!(v["totaal"]["uitval"]["noemer"], 1);
    assert_eq!(v["totaal"]["clienttevredenheid"]["teller"], 1);
    assert_eq!(v["totaal"]["herhaald_beroep"]["noemer"], 1);
    assert_eq!(v["groepen"]["noord"]["beeindigd"], 1);
    let (s, csv) = app
        .get_text("/api/v1/indicatoren?format=csv&aanbieder=12345678")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        csv.starts_with("groep,indicator,teller,noemer,aandeel\n"),
        "{csv}"
    );
    assert!(csv.contains("totaal,doelrealisatie,0,1,0.0000\n"), "{csv}");
    assert!(
        csv.contains("totaal,clienttevredenheid,1,1,1.0000\n"),
        "{csv}"
    );
    // Another period: nothing ended in it.
    let (_, v) = app
        .get_json("/api/v1/indicatoren?van=2026-01-01&tot=2026-12-31")
        .await;
    assert_eq!(v["totaal"]["beeindigd"], 0);
    let (s, _) = app.get_json("/api/v1/indicatoren?van=2026-13-01").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = app.get_json("/api/v1/indicatoren?per=straat").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = app.get_json("/api/v1/clienten/12345/planstatus").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = app
        .get_json(&format!("/api/v1/clienten/{}/planstatus", CLIENT2.bsn))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The CLI reports, as a real process against the running gateway.
    // Each with the token of whom the report is for: the gebiedsteam (`--token`), the
    // contractmanager (`SLUIS_TOKEN`).
    let run = |args: Vec<String>, env_token: Option<String>| {
        actix_web::rt::task::spawn_blocking(move || {
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_sluis"));
            cmd.args(&args).env_remove("SLUIS_TOKEN");
            if let Some(t) = env_token {
                cmd.env("SLUIS_TOKEN", t);
            }
            cmd.output().expect("runs")
        })
    };
    let base = app.base.clone();
    let out = run(
        vec![
            "rapport".into(),
            "doelbereik".into(),
            "--team".into(),
            "noord".into(),
            "--url".into(),
            base.clone(),
            "--token".into(),
            auth::token("demo-team-noord"),
        ],
        None,
    )
    .await
    .expect("joined");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Team noord: 1 traject(en)"), "{text}");
    assert!(
        text.contains("2025-04-30 (31)") && text.contains("niet bereikt"),
        "{text}"
    );
    assert!(!text.contains(CLIENT1.bsn), "BSNs are masked: {text}");
    let out = run(
        vec![
            "rapport".into(),
            "indicatoren".into(),
            "--aanbieder".into(),
            AANBIEDER.into(),
            "--van".into(),
            "2025-01-01".into(),
            "--tot".into(),
            "2025-12-31".into(),
            "--per".into(),
            "team".into(),
            "--url".into(),
            base.clone(),
        ],
        Some(auth::token("demo-contractmanager-0599")),
    )
    .await
    .expect("joined");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("aanbieder 12345678"), "{text}");
    assert!(
        text.contains("| cliënttevredenheid |      1 |      1 | 100.0 % |"),
        "{text}"
    );
    assert!(text.contains("noord (beëindigd: 1)"), "{text}");
    let out = run(
        vec![
            "rapport".into(),
            "doelbereik".into(),
            "--team".into(),
            "oost".into(),
            "--url".into(),
            base,
            "--token".into(),
            OOST.into(),
        ],
        None,
    )
    .await
    .expect("joined");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("onbekend team"));
    app.stop().await;
}

/// The figures of one group as the API gives them, in the demo's shape.
pub(super) fn cijfers(v: &Value) -> sluis::demo::Cijfers {
    let breuk = |f: &Value| sluis::demo::Breuk {
        teller: f["teller"].as_u64().expect("teller"),
        noemer: f["noemer"].as_u64().expect("noemer"),
    };
    sluis::demo::Cijfers {
        beeindigd: v["beeindigd"].as_u64().expect("beeindigd"),
        zonder_resultaat: v["zonder_resultaat"].as_u64().expect("zonder_resultaat"),
        doelrealisatie: breuk(&v["doelrealisatie"]),
        uitval: breuk(&v["uitval"]),
        clienttevredenheid: breuk(&v["clienttevredenheid"]),
        herhaald_beroep: breuk(&v["herhaald_beroep"]),
    }
}

#[actix_web::test]
pub(super) async fn the_demo_set_through_the_server_gives_the_indicators_counted_by_hand() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    let set = sluis::demo::generate(1, 300);
    // Every party posts with its own demo token (the beoordelingen: their team's).
    let tokens = sluis::demo::Tokens::from_settings(&settings(dir.path()));
    let posted = sluis::demo::post_all(&app.base, &set, &tokens)
        .await
        .expect("posted");
    assert!(posted.rejected.is_empty(), "{:?}", posted.rejected);
    assert_eq!(posted.accepted, set.messages.len());
    let (s, v) = app.get_json("/api/v1/indicatoren").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(cijfers(&v["totaal"]), set.verwacht.gemeente);
    for (per, want) in [
        ("aanbieder", &set.verwacht.per_aanbieder),
        ("team", &set.verwacht.per_team),
    ] {
        let (_, v) = app
            .get_json(&format!("/api/v1/indicatoren?per={per}"))
            .await;
        let got: std::collections::BTreeMap<String, sluis::demo::Cijfers> = v["groepen"]
            .as_object()
            .expect("groepen")
            .iter()
            .map(|(k, g)| (k.clone(), cijfers(g)))
            .collect();
        assert_eq!(&got, want, "per {per}");
    }
    // After a restart the index, rebuilt from the store, gives the same.
    app.stop().await;
    let app = spawn_app(dir.path()).await;
    let (_, v) = app.get_json("/api/v1/indicatoren?per=team").await;
    assert_eq!(cijfers(&v["totaal"]), set.verwacht.gemeente);
    let (_, v) = app
        .get_json("/api/v1/teams/noord/doelbereik?zonder_resultaatmelding=true&limit=5000")
        .await;
    assert_eq!(
        v["aantal"].as_u64(),
        Some(set.verwacht.per_team["noord"].zonder_resultaat),
        "ended without a melding in noord"
    );
    app.stop().await;
}
