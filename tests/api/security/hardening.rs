//! Hardening headers, rate limit, hostile bodies; no BSN in the logs.

use super::*;

#[actix_web::test]
pub(super) async fn hardening_headers_rate_limit_and_hostile_bodies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = pki();
    let mut s = settings(dir.path(), &pki);
    s.security.rate_limit = sluis::security::settings::RateLimitSettings {
        per_second: 1,
        burst: 40,
    };
    let app = spawn_app_with(s).await;
    let base = app.base.clone();
    let c = client(&pki, None);
    let operator = tls_token("demo-operator");
    let gemeente = tls_token("demo-gemeente-0599");
    // Security headers on every answer.
    let r = c
        .get(format!("{base}/api/v1/berichten"))
        .bearer_auth(&operator)
        .send()
        .await
        .expect("request");
    for (h, v) in [
        ("x-content-type-options", "nosniff"),
        ("cache-control", "no-store"),
        ("x-frame-options", "DENY"),
    ] {
        assert_eq!(
            r.headers().get(h).and_then(|v| v.to_str().ok()),
            Some(v),
            "{h}"
        );
    }
    assert!(r.headers().contains_key("strict-transport-security"));
    // Entity tricks through HTTP: refused unread, nothing stored.
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><Bericht>&lol2;</Bericht>"#;
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Bericht>&xxe;</Bericht>"#;
    for body in [laughs, xxe] {
        let r = c
            .post(format!("{base}/api/v1/berichten"))
            .bearer_auth(&gemeente)
            .header("Content-Type", "application/xml")
            .body(body)
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let text = r.text().await.expect("body");
        assert!(!text.contains("root:"), "{text}");
    }
    let list: Value = c
        .get(format!("{base}/api/v1/berichten"))
        .bearer_auth(&operator)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(
        list["items"].as_array().map(Vec::len),
        Some(0),
        "nothing stored"
    );
    // The rate per caller: the burst, then 429 with Retry-After; another caller is not hit.
    let mut limited = None;
    for _ in 0..60 {
        let r = c
            .get(format!("{base}/api/v1/inbox/{GEMEENTE}"))
            .bearer_auth(&gemeente)
            .send()
            .await
            .expect("request");
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = limited.expect("limited within 60 requests");
    assert!(r.headers().contains_key("retry-after"));
    let other = c
        .get(format!("{base}/api/v1/tokens"))
        .bearer_auth(&operator)
        .send()
        .await
        .expect("request");
    assert_eq!(other.status(), StatusCode::OK);
    app.stop().await;
}

/// A whole scenario against the real binary with debug logging: no BSN in anything it printed.
#[test]
pub(super) fn no_bsn_in_the_logs_of_a_full_scenario() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().expect("tempdir");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let log = dir.path().join("log.txt");
    let out = std::fs::File::create(&log).expect("log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sluis"))
        .args(["serve", "--config", "config/sluis.toml", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env("RUST_LOG", "debug")
        .stdout(Stdio::from(out.try_clone().expect("clone")))
        .stderr(Stdio::from(out))
        .spawn()
        .expect("server starts");
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < until, "server did not come up");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let base = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        // Plain HTTP on loopback (the demo): reqwest without TLS would need a provider.
        let c = reqwest::Client::builder()
            .tls_backend_preconfigured(
                rustls::ClientConfig::builder_with_provider(provider())
                    .with_safe_default_protocol_versions()
                    .expect("versions")
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth(),
            )
            .build()
            .expect("client");
        let send = |path: &str, body: Option<String>, token: Option<String>| {
            let mut r = match &body {
                Some(b) => c
                    .post(format!("{base}{path}"))
                    .header(
                        "Content-Type",
                        if b.starts_with('<') {
                            "application/xml"
                        } else {
                            "application/json"
                        },
                    )
                    .body(b.clone()),
                None => c.get(format!("{base}{path}")),
            };
            if let Some(t) = token.or_else(|| {
                auth::for_request(
                    if body.is_some() { "POST" } else { "GET" },
                    path,
                    body.as_deref().unwrap_or("").as_bytes(),
                )
            }) {
                r = r.bearer_auth(t);
            }
            async move { r.send().await.expect("request").status() }
        };
        let msgs = [
            verzoek(Std::Ijw, "V1", CLIENT1),
            with_postcode(toewijzing(Std::Ijw, "T1", CLIENT1, &Tw::default())),
            start(Std::Ijw, "S1", CLIENT1, BEGIN),
            start(Std::Ijw, "S1", CLIENT1, BEGIN).replace("999990019", "999990020"),
            verzoek(Std::Ijw, "V2", CLIENT2).replace("<m:Bsn>", "<m:Bsn>x"),
        ];
        for m in msgs {
            send("/api/v1/berichten", Some(m), None).await;
        }
        send("/api/v1/behandelplannen", Some(plan(AANBIEDER)), None).await;
        send("/api/v1/resultaatmeldingen", Some(melding()), None).await;
        for path in [
            format!("/api/v1/clienten/{}/planstatus", CLIENT1.bsn),
            format!("/api/v1/clienten/{}/toewijzingen", CLIENT1.bsn),
            format!("/api/v1/clienten/{}/planstatus", CLIENT2.bsn),
            "/api/v1/teams/noord/doelbereik".to_string(),
        ] {
            send(&path, None, None).await;
        }
        // Refused ones too: another team, a bad token.
        let zuid = Some(auth::token("demo-team-zuid"));
        send(
            &format!("/api/v1/clienten/{}/planstatus", CLIENT1.bsn),
            None,
            zuid,
        )
        .await;
        send(
            &format!("/api/v1/clienten/{}/planstatus", CLIENT1.bsn),
            None,
            Some("sluis_nope_999990019".into()),
        )
        .await;
    });
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(text.contains("stored"), "the log has the scenario: {text}");
    for bsn in [CLIENT1.bsn, CLIENT2.bsn] {
        assert!(!text.contains(bsn), "BSN {bsn} in the log:\n{text}");
    }
}
