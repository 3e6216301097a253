//! Issue #13 through the real server: the threats of `docs/security.md` ("Threats and
//! defences"), one test (or more) per row.

use super::*;
use sluis::security::audit::{Entry, Filter};
use sluis::startup::Application;

/// Every entry of the server's audit, read from its tree without waiting for anything.
fn entries(app: &TestApp) -> Vec<Entry> {
    app.audit
        .query(&Filter::default(), 0, 1_000_000)
        .expect("audit")
}

fn head(app: &TestApp) -> u64 {
    app.audit.head().map_or(0, |h| h.seq)
}

// ----- 2. An unauthenticated flood -----

#[actix_web::test]
async fn an_anonymous_flood_is_limited_per_source_and_audited_in_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = crate::helpers::settings(dir.path());
    s.security.rate_limit = sluis::security::settings::RateLimitSettings {
        per_second: 5,
        burst: 10,
    };
    let app = spawn_app_with(s).await;
    let before = head(&app);
    let (mut limited, mut refused) = (0, 0);
    for i in 0..300 {
        let mut r = app.client.get(format!("{}/api/v1/berichten", app.base));
        if i % 2 == 0 {
            r = r.bearer_auth("sluis_onbekend_0000");
        }
        let r = r.send().await.expect("request");
        match r.status() {
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(r.headers().contains_key("retry-after"));
                limited += 1;
            }
            StatusCode::UNAUTHORIZED => refused += 1,
            other => panic!("{other}"),
        }
    }
    assert!(
        limited >= 250,
        "{limited} of 300 limited, {refused} refused"
    );
    let grown = head(&app) - before;
    assert!(
        grown <= 3,
        "the audit grew by {grown} entries for 300 refusals"
    );
    // The health checks keep answering the same source.
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("health");
    assert_eq!(r.status(), StatusCode::OK);
    // At the stop the count of the minute is written: one entry that says how many.
    let audit = app.audit.clone();
    app.stop().await;
    let all = audit
        .query(&Filter::default(), before, 1000)
        .expect("audit");
    let counted: u64 = all
        .iter()
        .filter_map(|e| e.detail.as_deref()?.strip_prefix("aantal="))
        .filter_map(|d| d.split(':').next()?.parse::<u64>().ok())
        .sum();
    assert_eq!(counted + 1, 300, "{all:?}");
}

#[actix_web::test]
async fn requests_in_flight_per_source_are_capped() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = crate::helpers::settings(dir.path());
    s.security.max_in_flight_per_source = 2;
    let app = spawn_app_with(s).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    // Two posts that never finish their body hold their places.
    let mut slow = Vec::new();
    for _ in 0..2 {
        let mut c = std::net::TcpStream::connect(&addr).expect("connect");
        write!(
            c,
            "POST /api/v1/berichten HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/xml\r\nContent-Length: 1000\r\n\r\n<a>",
            auth::token("demo-gemeente-0599")
        )
        .expect("write");
        slow.push(c);
    }
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    let (status, _) = app.get_json("/api/v1/inbox/0599").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "a third at once");
    let r = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .expect("ready");
    assert_eq!(r.status(), StatusCode::OK, "health is not capped");
    drop(slow);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    let (status, _) = app.get_json("/api/v1/inbox/0599").await;
    assert_eq!(status, StatusCode::OK, "places freed");
    app.stop().await;
}

// ----- 6. Existence oracles -----

#[actix_web::test]
async fn unknown_and_other_parties_objects_get_the_same_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = pki();
    let w = launch(dir.path(), &pki).await;
    let anker = tls_token("demo-aanbieder-23456789");
    let zuid = tls_token("demo-team-zuid");
    // (who, another party's object, an object that does not exist)
    let pairs = [
        (
            &anker,
            format!("/api/v1/berichten/{}", w.toewijzing_id),
            "/api/v1/berichten/987654".to_string(),
        ),
        (
            &anker,
            format!("/api/v1/toewijzingen/{}", CLIENT1.nummer),
            "/api/v1/toewijzingen/99999999".to_string(),
        ),
        (
            &anker,
            format!("/api/v1/clienten/{}/planstatus", CLIENT1.bsn),
            format!("/api/v1/clienten/{}/planstatus", CLIENT2.bsn),
        ),
        (
            &zuid,
            format!("/api/v1/clienten/{}/planstatus", CLIENT1.bsn),
            format!("/api/v1/clienten/{}/planstatus", CLIENT2.bsn),
        ),
    ];
    for (token, theirs, unknown) in pairs {
        let a = w
            .call_with(Who::Anonymous, Some(token), Method::GET, &theirs, None)
            .await;
        let b = w
            .call_with(Who::Anonymous, Some(token), Method::GET, &unknown, None)
            .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{theirs}: {}", a.body);
        assert_eq!(a.status, b.status, "{theirs} / {unknown}");
        // Byte-identical but for the request id, which is each request's own.
        let without_id = |body: &str| {
            let mut v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
            assert!(v["request_id"].is_string(), "{body}");
            if let Some(o) = v.as_object_mut() {
                o.remove("request_id");
            }
            serde_json::to_string(&v).unwrap_or_default()
        };
        assert_eq!(
            without_id(&a.body),
            without_id(&b.body),
            "identical: {theirs} / {unknown}"
        );
    }
    // The owner still sees its own (the same paths, by its certificate).
    let own = w
        .call(
            Who::Role(Role::Aanbieder),
            Method::GET,
            &format!("/api/v1/toewijzingen/{}", CLIENT1.nummer),
            None,
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    w.app.stop().await;
}

/// SL001 through the server: a plan on another aanbieder's toewijzing and on an unknown number
/// are rejected in the same words.
#[actix_web::test]
async fn sl001_says_the_same_for_unknown_and_another_providers_toewijzing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = pki();
    let w = launch(dir.path(), &pki).await;
    let anker = tls_token("demo-aanbieder-23456789");
    let mut messages = Vec::new();
    for (id, nummer) in [("P-A", CLIENT1.nummer), ("P-B", "99999999")] {
        let body = plan("23456789").replace("PLAN-1", id).replace(
            &format!("[\"{}\"]", CLIENT1.nummer),
            &format!("[\"{nummer}\"]"),
        );
        let r = w
            .call_with(
                Who::Anonymous,
                Some(&anker),
                Method::POST,
                "/api/v1/behandelplannen",
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let v: Value = serde_json::from_str(&r.body).expect("json");
        let e = &v["errors"][0];
        assert_eq!(e["code"], "SL001", "{}", r.body);
        messages.push(e["message"].as_str().expect("message").replace(nummer, "N"));
    }
    assert_eq!(messages[0], messages[1]);
    w.app.stop().await;
}

// ----- 7. Operator escalation, audit gaps -----

#[actix_web::test]
async fn the_operator_mints_no_care_role_token_and_the_audit_says_what_was_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = crate::helpers::spawn_app(dir.path()).await;
    let mint = |body: Value| {
        app.client
            .post(format!("{}/api/v1/tokens", app.base))
            .bearer_auth(auth::token("demo-operator"))
            .json(&body)
            .send()
    };
    let r = mint(json!({"role": "gemeente", "gemeente": "0599", "label": "x"}))
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["type"], "https://sluis.example/problems/alleen-via-cli");
    assert!(v["detail"]
        .as_str()
        .is_some_and(|d| d.contains("sluis token create")));
    let refused = entries(&app).pop().expect("an entry");
    assert_eq!(refused.action.as_str(), "token_create");
    assert_eq!(refused.outcome.as_str(), "denied");
    assert_eq!(
        refused.detail.as_deref(),
        Some("rol=gemeente gemeente=0599")
    );
    // An operator token is made; its entry names its id, role and scope.
    let r = mint(json!({"role": "operator", "label": "tweede beheerder"}))
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.expect("json");
    let made = entries(&app).pop().expect("an entry");
    assert_eq!(made.object.kind, "token");
    assert_eq!(made.object.id.as_deref(), v["id"].as_str());
    assert_eq!(made.detail.as_deref(), Some("rol=operator"));
    assert_eq!(made.outcome.as_str(), "success");
    app.stop().await;
}

#[actix_web::test]
async fn every_answer_comes_after_its_audit_entry_and_a_refusal_names_its_object() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = crate::helpers::spawn_app(dir.path()).await;
    for i in 0..20 {
        let path = if i % 2 == 0 {
            "/api/v1/inbox/0599".to_string()
        } else {
            format!("/api/v1/berichten/{i}")
        };
        let (status, _) = app.get_json(&path).await;
        assert!(status == StatusCode::OK || status == StatusCode::NOT_FOUND);
        // No flush, no wait: the entry is in the tree when the answer arrives.
        let last = entries(&app).pop().expect("an entry");
        assert_eq!(last.actor, "token:demo-gemeente-0599", "{path}");
        let id = if i % 2 == 0 {
            "0599".into()
        } else {
            i.to_string()
        };
        assert_eq!(last.object.id.as_deref(), Some(id.as_str()), "{path}");
    }
    // A refusal by role names its object, a client by pseudonym.
    let r = app
        .client
        .get(format!("{}/api/v1/clienten/{}/team", app.base, CLIENT1.bsn))
        .bearer_auth(auth::token("demo-aanbieder-12345678"))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let last = entries(&app).pop().expect("an entry");
    assert_eq!(
        (last.action.as_str(), last.object.kind.as_str()),
        ("deny", "client_team")
    );
    assert_eq!(last.client.as_ref().map(|c| c.as_str().len()), Some(32));
    app.stop().await;
}

#[actix_web::test]
async fn a_request_whose_audit_entry_cannot_be_written_is_not_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = crate::helpers::spawn_app(dir.path()).await;
    let (status, _) = app.get_json("/api/v1/inbox/0599").await;
    assert_eq!(status, StatusCode::OK);
    app.audit.inject_write_failure(true);
    let before = head(&app);
    for path in [
        "/api/v1/inbox/0599",
        "/api/v1/berichten/1",
        "/api/v1/tokens",
    ] {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {body}");
        assert_eq!(body["type"], "https://sluis.example/problems/unavailable");
        assert!(body.get("items").is_none(), "nothing served: {body}");
    }
    // A message is not acknowledged either (the caller posts it again; it is recognised).
    let r = app
        .client
        .post(format!("{}/api/v1/berichten", app.base))
        .bearer_auth(auth::token("demo-aanbieder-12345678"))
        .header("Content-Type", "application/xml")
        .body(verzoek(Std::Ijw, "F1", CLIENT1))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(head(&app), before, "nothing written");
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("health");
    assert_eq!(r.status(), StatusCode::OK, "health is not audited");
    app.audit.inject_write_failure(false);
    let (status, _) = app.get_json("/api/v1/inbox/0599").await;
    assert_eq!(status, StatusCode::OK, "served again once the audit writes");
    assert!(app.audit.verify().is_ok(), "one unbroken chain");
    app.stop().await;
}

// ----- 8. An acknowledgement beyond what was delivered -----

#[actix_web::test]
async fn an_ack_of_a_cursor_never_delivered_is_409_and_hides_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = pki();
    let w = launch(dir.path(), &pki).await;
    let cursors = |body: &str| -> Vec<u64> {
        let v: Value = serde_json::from_str(body).expect("json");
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["cursor"].as_u64())
            .collect()
    };
    let gemeente = Who::Role(Role::Gemeente);
    let inbox = format!("/api/v1/inbox/{GEMEENTE}");
    let r = w.call(gemeente, Method::GET, &inbox, None).await;
    let own = cursors(&r.body);
    let last = *own.last().expect("the gemeente has mail");
    let r = w
        .call(
            Who::Role(Role::Aanbieder),
            Method::GET,
            &format!("/api/v1/inbox/{AANBIEDER}"),
            None,
        )
        .await;
    let theirs = *cursors(&r.body).first().expect("the aanbieder has mail");
    let ack_path = format!("{inbox}/ack");
    let ack = |cursor: u64| {
        w.call(
            gemeente,
            Method::POST,
            &ack_path,
            Some(json!({ "cursor": cursor }).to_string()),
        )
    };
    for bad in [last + 1_000, u64::MAX, theirs] {
        let r = ack(bad).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{bad}: {}", r.body);
        assert!(r.body.contains("onbekende-cursor"), "{}", r.body);
    }
    let r = w.call(gemeente, Method::GET, &inbox, None).await;
    assert_eq!(cursors(&r.body), own, "nothing hidden");
    let r = ack(last).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = w.call(gemeente, Method::GET, &inbox, None).await;
    assert!(cursors(&r.body).is_empty(), "{}", r.body);
    w.app.stop().await;
}

// ----- 9. Demo secrets, huge bodies, the key in the data directory -----

#[actix_web::test]
async fn demo_tokens_are_refused_on_a_tls_listener() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = pki();
    let mut s = settings(dir.path(), &pki);
    s.security.tokens = crate::helpers::settings(dir.path()).security.tokens;
    let e = Application::build(s).err().expect("refused");
    let text = e.to_string();
    assert!(text.contains("demo token"), "{text}");
    assert_eq!(text.lines().count(), 1, "one line: {text}");
}

#[actix_web::test]
async fn a_key_in_the_data_directory_is_refused_off_loopback() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = pki();
    let mut s = settings(dir.path(), &pki);
    s.server.listen = "0.0.0.0:0".parse().expect("addr");
    let e = Application::build(s.clone()).err().expect("refused");
    assert!(e.to_string().contains("key_file"), "{e}");
    // A key outside the data directory: it starts.
    s.security.key_file = Some(dir.path().join("sleutel").join("sluis.key"));
    std::fs::create_dir_all(dir.path().join("sleutel")).expect("dir");
    let app = spawn_app_with(s).await;
    app.stop().await;
}

#[actix_web::test]
async fn a_huge_content_length_is_413_at_once() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().expect("tempdir");
    let app = crate::helpers::spawn_app(dir.path()).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let token = auth::token("demo-gemeente-0599");
    let started = std::time::Instant::now();
    let answer = actix_web::rt::task::spawn_blocking(move || {
        let mut c = std::net::TcpStream::connect(&addr).expect("connect");
        c.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .expect("timeout");
        write!(
            c,
            "POST /api/v1/berichten HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/xml\r\nContent-Length: 10000000000\r\n\r\n<a>"
        )
        .expect("write");
        let mut buf = [0u8; 512];
        let n = c.read(&mut buf).unwrap_or(0);
        String::from_utf8_lossy(&buf[..n]).to_string()
    })
    .await
    .expect("joined");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    app.stop().await;
}
