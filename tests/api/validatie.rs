//! `POST /api/v1/validatie`: the same findings as `sluis validate` on every fixture, the
//! retourbericht `sluis retour` writes, open to every role, its own rate limit, and nothing
//! stored (no message, no inbox entry, no id used; one audit line per request, without content).

use crate::auth;
use crate::helpers::{settings, spawn_app_with, TestApp};
use reqwest::StatusCode;
use serde_json::Value;
use sluis::security::access::Role;
use sluis::security::audit::{Action, Filter};
use sluis::security::settings::RateLimitSettings;
use std::path::{Path, PathBuf};
use std::process::Command;

fn token(role: Role) -> String {
    auth::token(match role {
        Role::Aanbieder => "demo-aanbieder-12345678",
        Role::Gemeente => "demo-gemeente-0599",
        Role::Gebiedsteam => "demo-team-noord",
        Role::Contractmanager => "demo-contractmanager-0599",
        Role::Operator => "demo-operator",
    })
}

/// Every message under `fixtures/` (the `expected.json` files are not messages).
fn fixtures() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("fixtures folder") {
            let p = entry.expect("entry").path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "xml" || e == "json")
                && p.file_name().is_some_and(|n| n != "expected.json")
            {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        &mut out,
    );
    out.sort();
    out
}

fn content_type(p: &Path) -> &'static str {
    if p.extension().is_some_and(|e| e == "json") {
        "application/json"
    } else {
        "application/xml"
    }
}

async fn validatie(app: &TestApp, token: &str, ct: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let r = app
        .client
        .post(format!("{}/api/v1/validatie", app.base))
        .bearer_auth(token)
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .expect("request");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn post(app: &TestApp, body: String) -> crate::helpers::Reply {
    app.send(
        reqwest::Method::POST,
        "/api/v1/berichten",
        "application/xml",
        body,
    )
    .await
}

/// A gateway whose validation budget does not get in the way of hundreds of fixtures.
async fn app(dir: &Path) -> TestApp {
    let mut s = settings(dir);
    s.security.validatie_rate_limit = RateLimitSettings {
        per_second: 100_000,
        burst: 100_000,
    };
    spawn_app_with(s).await
}

fn sluis(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sluis"))
        .args(args)
        .output()
        .expect("runs")
}

#[actix_web::test]
async fn agrees_with_sluis_validate_on_every_fixture() {
    let files = fixtures();
    assert!(files.len() > 600, "{} fixtures", files.len());
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let mut args = vec!["validate", "--format", "json"];
    args.extend(names.iter().map(String::as_str));
    let out = sluis(&args);
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON reports");
    assert_eq!(reports.len(), files.len());

    let dir = tempfile::tempdir().expect("tempdir");
    let app = app(dir.path()).await;
    let aanbieder = token(Role::Aanbieder);
    let (mut invalid, mut rules) = (0, 0);
    for (file, cli) in files.iter().zip(&reports) {
        let body = std::fs::read(file).expect("reads");
        let (status, api) = validatie(&app, &aanbieder, content_type(file), body).await;
        let name = file.display();
        assert_eq!(status, StatusCode::OK, "{name}: {api}");
        assert_eq!(api["bericht"], cli["bericht"], "{name}");
        assert_eq!(api["valid"], cli["valid"], "{name}");
        assert_eq!(api["errors"], cli["errors"], "{name}: findings differ");
        let errors = api["errors"].as_array().expect("errors");
        invalid += usize::from(!errors.is_empty());
        rules += usize::from(errors.iter().any(|f| f["code"] != "XSD"));
        // A retourbericht exactly when the standard gives one: none after an XSD finding.
        let xsd = errors.iter().any(|f| f["code"] == "XSD");
        if xsd {
            assert!(api["retourbericht"].is_null(), "{name}");
            assert!(api["geen_retourbericht"].is_string(), "{name}");
        } else if api["retourbericht"].is_null() {
            assert!(api["geen_retourbericht"].is_string(), "{name}: {api}");
        }
    }
    // The walk covered valid and invalid messages, structure and rule findings alike.
    assert!(
        invalid > 100 && rules > 100,
        "{invalid} invalid, {rules} with rules"
    );
    app.stop().await;
}

/// The retourbericht shown is the one `sluis retour` writes for the same message (same
/// identificatie and dagtekening), in both forms; a retourbericht itself gets none.
#[actix_web::test]
async fn the_retourbericht_is_the_one_sluis_retour_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app(dir.path()).await;
    let gemeente = token(Role::Gemeente);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut seen_rejection = false;
    for (rel, ct, form) in [
        ("ijw-3.2/JW301/valid/minimaal.xml", "application/xml", "xml"),
        (
            "ijw-3.2/JW301/valid/volledig.json",
            "application/json",
            "json",
        ),
        (
            "iwmo-3.2/WMO323/valid/volledig.xml",
            "application/xml",
            "xml",
        ),
        (
            "rules/TR101/fail-dubbel-toegewezen-product-jw301.xml",
            "application/xml",
            "xml",
        ),
    ] {
        let file = root.join(rel);
        let (status, api) =
            validatie(&app, &gemeente, ct, std::fs::read(&file).expect("reads")).await;
        assert_eq!(status, StatusCode::OK, "{rel}: {api}");
        let retour = &api["retourbericht"];
        assert_eq!(retour["format"], form, "{rel}: {api}");
        let inhoud = retour["inhoud"].as_str().expect("inhoud");
        let dag = dagtekening(inhoud).expect("a dagtekening in the retourbericht");
        let out = sluis(&[
            "retour",
            "--format",
            form,
            "--identificatie",
            "VALIDATIE",
            "--dagtekening",
            &dag,
            &file.display().to_string(),
        ]);
        assert!(
            out.status.success(),
            "{rel}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            inhoud.trim(),
            String::from_utf8_lossy(&out.stdout).trim(),
            "{rel}"
        );
        seen_rejection |= inhoud.contains(">0001<");
    }
    // The rule fixture is rejected in its retourbericht (0001 on the header).
    assert!(seen_rejection);
    // A retourbericht is not answered with one.
    let jw302 = root.join("ijw-3.2/JW302/valid/minimaal.xml");
    let (_, api) = validatie(
        &app,
        &gemeente,
        "application/xml",
        std::fs::read(jw302).expect("reads"),
    )
    .await;
    assert_eq!(api["bericht"], "JW302");
    assert!(api["retourbericht"].is_null(), "{api}");
    assert!(
        api["geen_retourbericht"]
            .as_str()
            .is_some_and(|r| r.contains("retourbericht")),
        "{api}"
    );
    app.stop().await;
}

/// The `DagtekeningRetour` (or the 325's `Dagtekening` of its own identificatie) in either form.
fn dagtekening(retour: &str) -> Option<String> {
    for tag in ["DagtekeningRetour>", "Dagtekening>"] {
        if let Some(i) = retour.find(tag) {
            let rest = &retour[i + tag.len()..];
            if let Some(end) = rest.find('<') {
                if end == 10 {
                    return Some(rest[..end].to_string());
                }
            }
        }
    }
    let v: Value = serde_json::from_str(retour).ok()?;
    let header = &v["Header"];
    header["IdentificatieRetour"]
        .is_string()
        .then(|| header["DagtekeningRetour"].as_str().map(str::to_string))
        .flatten()
        .or_else(|| {
            header["BerichtIdentificatie"]["Dagtekening"]
                .as_str()
                .map(str::to_string)
        })
}

/// Nothing is stored: the lists, the inboxes and the id counter are as before, and the audit
/// has one line per request that says who validated, not what.
#[actix_web::test]
async fn stores_nothing_and_is_open_to_every_role() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app(dir.path()).await;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let jw301 = std::fs::read(root.join("ijw-3.2/JW301/valid/minimaal.xml")).expect("reads");
    // One real message first, so the lists and the inbox are not empty.
    let first = app
        .send(
            reqwest::Method::POST,
            "/api/v1/berichten",
            "application/xml",
            String::from_utf8(jw301.clone()).expect("utf-8"),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.location.as_deref(), Some("/api/v1/berichten/1"));
    let (_, berichten) = app.get_json("/api/v1/berichten").await;
    let (_, inbox) = app.get_json("/api/v1/inbox/12345678").await;
    let (_, gemeente_inbox) = app.get_json("/api/v1/inbox/0599").await;
    let audit_before = app.audit.head().map(|h| h.seq).unwrap_or(0);

    // Every role, every kind of message: valid, rule findings, XSD findings, unreadable.
    let files = fixtures();
    let sample: Vec<&PathBuf> = files.iter().step_by(40).collect();
    let mut requests = 0;
    for role in Role::ALL {
        for file in &sample {
            let (status, api) = validatie(
                &app,
                &token(role),
                content_type(file),
                std::fs::read(file).expect("reads"),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{role} {}: {api}", file.display());
            requests += 1;
        }
        let (status, api) =
            validatie(&app, &token(role), "application/xml", b"<niet".to_vec()).await;
        assert_eq!(status, StatusCode::OK, "{api}");
        assert_eq!(api["errors"][0]["code"], "READ", "{api}");
        assert_eq!(api["valid"], false);
        requests += 1;
    }
    // Without credentials: 401; another content type: 415.
    let r = app
        .client
        .post(format!("{}/api/v1/validatie", app.base))
        .header("Content-Type", "application/xml")
        .body(jw301.clone())
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (status, _) = validatie(&app, &token(Role::Aanbieder), "text/plain", jw301.clone()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    requests += 1;

    assert_eq!(app.get_json("/api/v1/berichten").await.1, berichten);
    assert_eq!(app.get_json("/api/v1/inbox/12345678").await.1, inbox);
    assert_eq!(app.get_json("/api/v1/inbox/0599").await.1, gemeente_inbox);
    // No id was used: the next message stored gets the id it gets without the validations
    // in between (ids are shared with inbox cursors, so a twin gateway says which).
    let second = String::from_utf8(jw301.clone())
        .expect("utf-8")
        .replace("SLUIS-0001", "SLUIS-0002");
    let next = post(&app, second.clone()).await;
    let twin_dir = tempfile::tempdir().expect("tempdir");
    let twin = self::app(twin_dir.path()).await;
    post(&twin, String::from_utf8(jw301).expect("utf-8")).await;
    let twin_next = post(&twin, second).await;
    assert_eq!(next.status, StatusCode::OK, "{}", next.body);
    assert!(next.location.is_some());
    assert_eq!(next.location, twin_next.location, "an id was used");
    twin.stop().await;

    // One audit line per validation (plus the 401 and the reads above), naming no content.
    let filter = Filter {
        object_kind: Some("validatie".into()),
        action: Some(Action::Read),
        ..Filter::default()
    };
    let entries: Vec<Value> = app
        .audit
        .query(&filter, audit_before, 100_000)
        .expect("audit")
        .into_iter()
        .map(|e| serde_json::to_value(e).expect("json"))
        .collect();
    assert_eq!(
        entries.len(),
        requests,
        "one line per authenticated request"
    );
    for e in &entries {
        assert!(e["client"].is_null(), "{e}");
        assert!(e["object"]["id"].is_null(), "{e}");
        assert!(e["detail"].is_null(), "{e}");
        assert_eq!(e["action"], "read", "{e}");
    }
    app.stop().await;
}

/// Its own, stricter budget: beyond it 429 with `Retry-After`, while other routes still answer.
#[actix_web::test]
async fn has_its_own_rate_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = settings(dir.path());
    s.security.validatie_rate_limit = RateLimitSettings {
        per_second: 1,
        burst: 3,
    };
    let app = spawn_app_with(s).await;
    let aanbieder = token(Role::Aanbieder);
    let body = include_bytes!("../../fixtures/ijw-3.2/JW301/valid/minimaal.xml").to_vec();
    for _ in 0..3 {
        let (status, _) = validatie(&app, &aanbieder, "application/xml", body.clone()).await;
        assert_eq!(status, StatusCode::OK);
    }
    let r = app
        .client
        .post(format!("{}/api/v1/validatie", app.base))
        .bearer_auth(&aanbieder)
        .header("Content-Type", "application/xml")
        .body(body.clone())
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    let problem: Value = r.json().await.expect("problem");
    assert_eq!(
        problem["type"],
        "https://sluis.example/problems/too-many-requests"
    );
    // Another party has its own budget; other routes are not limited by this one.
    let (status, _) = validatie(&app, &token(Role::Gemeente), "application/xml", body).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.get_json("/api/v1/inbox/12345678").await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}
