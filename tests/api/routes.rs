//! What the server serves is exactly the access table (`security::access::TABLE`): every row
//! reaches its handler, and a path or method without a row is refused (404/405 as
//! problem+json) — with or without credentials. The real server on a loopback port.

use crate::auth;
use crate::helpers::{spawn_app, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sluis::security::access::{Grant, Role, TABLE};

struct Answer {
    status: StatusCode,
    content_type: String,
    allow: String,
    problem: Value,
}

/// Any method on any path, with a body every POST and PUT can parse as JSON (what it means is
/// the handler's business).
async fn call(app: &TestApp, method: Method, path: &str, token: Option<&str>) -> Answer {
    let mut req = app
        .client
        .request(method.clone(), format!("{}{path}", app.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if method == Method::POST || method == Method::PUT {
        let body = if path.ends_with("/ack") {
            r#"{"cursor": 0}"#
        } else {
            "{}"
        };
        req = req.header("Content-Type", "application/json").body(body);
    }
    let r = req.send().await.expect("request");
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (content_type, allow) = (header("content-type"), header("allow"));
    let status = r.status();
    let problem = r.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        content_type,
        allow,
        problem,
    }
}

/// A demo token of each role (`config/sluis.toml`).
fn token(role: Role) -> String {
    auth::token(match role {
        Role::Aanbieder => "demo-aanbieder-12345678",
        Role::Gemeente => "demo-gemeente-0599",
        Role::Gebiedsteam => "demo-team-noord",
        Role::Contractmanager => "demo-contractmanager-0599",
        Role::Operator => "demo-operator",
    })
}

/// A concrete path for a route pattern.
fn concrete(pattern: &str) -> String {
    pattern
        .replace("{id}", "1")
        .replace("{nummer}", "7001")
        .replace("{bsn}", "999990019")
        .replace("{party}", "12345678")
        .replace("{team}", "noord")
        .replace("{client}", "00112233445566778899aabbccddeeff")
        .replace("{agb}", "12345678")
        .replace("{tabel}", "financiering.csv")
}

fn unknown_path(a: &Answer) -> bool {
    a.status == StatusCode::NOT_FOUND && a.problem["detail"] == "onbekend pad"
}

#[actix_web::test]
async fn every_row_of_the_table_is_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    for row in TABLE {
        let e = row.endpoint;
        let method = Method::from_bytes(e.method().as_bytes()).expect("method");
        let path = concrete(e.path());
        let public = row.rules.iter().all(|r| *r == Grant::Public);
        // Without credentials the middleware knows the row: public is served, else 401.
        let anonymous = call(&app, method.clone(), &path, None).await;
        if public {
            if method == Method::GET {
                assert_eq!(anonymous.status, StatusCode::OK, "{e:?}");
            } else {
                // The sign-in form: its handler answers (here: a form from elsewhere, 403).
                assert!(
                    !unknown_path(&anonymous) && anonymous.status != StatusCode::METHOD_NOT_ALLOWED,
                    "{e:?}: {}",
                    anonymous.status
                );
            }
            continue;
        }
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{e:?}");
        // With a role the row allows, the handler answers (whatever it makes of the request).
        let (i, _) = row
            .rules
            .iter()
            .enumerate()
            .find(|(_, r)| **r != Grant::Deny)
            .expect("a role that may call it");
        let a = call(&app, method, &path, Some(&token(Role::ALL[i]))).await;
        if e.is_page() {
            // A page opens with a session only (docs/pages.md); a bearer token is no session.
            // tests/api/pages and the table over mutual TLS walk the pages with sessions.
            assert_eq!(
                a.status,
                StatusCode::UNAUTHORIZED,
                "{e:?} with a bearer token"
            );
            continue;
        }
        assert!(
            !unknown_path(&a)
                && a.status != StatusCode::METHOD_NOT_ALLOWED
                && a.status != StatusCode::UNAUTHORIZED,
            "{e:?} as {}: {} {}",
            Role::ALL[i],
            a.status,
            a.problem
        );
    }
    app.stop().await;
}

#[actix_web::test]
async fn what_is_not_in_the_table_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    let operator = token(Role::Operator);
    let gemeente = token(Role::Gemeente);
    for token in [None, Some(operator.as_str()), Some(gemeente.as_str())] {
        for path in [
            "/api/v1/debug",
            "/api/v1",
            "/api/v1/berichten/1/bijlagen",
            "/healthz/",
            "/admin",
            "/api/v2/berichten",
        ] {
            let a = call(&app, Method::GET, path, token).await;
            assert!(unknown_path(&a), "{path}: {} {}", a.status, a.problem);
            assert_eq!(a.content_type, "application/problem+json", "{path}");
            assert_eq!(
                a.problem["type"], "https://sluis.example/problems/not-found",
                "{path}"
            );
        }
        for (method, path, allow) in [
            (Method::PATCH, "/api/v1/berichten", "POST, GET"),
            (Method::DELETE, "/api/v1/berichten/1", "GET"),
            (Method::GET, "/api/v1/berichten/1/replay", "POST"),
            (Method::PUT, "/api/v1/tokens", "POST, GET"),
            (Method::POST, "/healthz", "GET"),
            (Method::OPTIONS, "/metrics", "GET"),
        ] {
            let a = call(&app, method.clone(), path, token).await;
            assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert_eq!(
                a.content_type, "application/problem+json",
                "{method} {path}"
            );
            assert_eq!(a.allow, allow, "{method} {path}");
            assert_eq!(
                a.problem["type"], "https://sluis.example/problems/method-not-allowed",
                "{method} {path}"
            );
        }
    }
    app.stop().await;
}

/// `audit?format=csv|jsonl` with `limit` and `after` gives that window, as `format=json` does
/// (issue #14: `format=csv&limit=3` gave the whole log); without `limit`, the whole selection.
#[actix_web::test]
async fn audit_exports_honour_limit_and_after() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    // Every request is audited: enough entries for a window.
    for _ in 0..6 {
        let (status, _) = app.get_json("/api/v1/berichten").await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, all) = app.get_text("/api/v1/audit?format=csv").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let all: Vec<&str> = all.lines().collect();
    assert!(all.len() > 5, "{all:?}");
    let (_, csv) = app.get_text("/api/v1/audit?format=csv&limit=3").await;
    let csv: Vec<&str> = csv.lines().collect();
    assert_eq!(csv.len(), 4, "header and three rows: {csv:?}");
    assert_eq!(csv[..], all[..4]);
    // `after` a seq: the rows after it, as the json pages.
    let seq2 = csv[2].split(',').next().expect("seq");
    let (_, csv) = app
        .get_text(&format!("/api/v1/audit?format=csv&after={seq2}&limit=2"))
        .await;
    let csv: Vec<&str> = csv.lines().collect();
    assert_eq!(csv[..], [all[0], all[3], all[4]]);
    let (_, jsonl) = app.get_text("/api/v1/audit?format=jsonl&limit=3").await;
    let seqs: Vec<u64> = jsonl
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("json")["seq"]
                .as_u64()
                .expect("seq")
        })
        .collect();
    let first: Vec<u64> = all[1..4]
        .iter()
        .map(|r| r.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(seqs, first);
    let (_, jsonl) = app
        .get_text(&format!("/api/v1/audit?format=jsonl&after={seq2}&limit=1"))
        .await;
    assert_eq!(jsonl.lines().count(), 1, "{jsonl}");
    assert!(jsonl.contains(&format!("\"seq\":{}", first[2])), "{jsonl}");
    app.stop().await;
}

/// Every endpoint but the probes and metrics refuses a query parameter it does not know,
/// naming it (400 problem+json); every GET answers 406, listing its forms, to an `Accept` it
/// cannot serve (issue #17 point 8).
#[actix_web::test]
async fn unknown_parameters_are_refused_and_accept_is_honoured() {
    use sluis::http::routes::produces;
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    for row in TABLE {
        let e = row.endpoint;
        // The pages take a session, not a token (tests/api/pages checks their forms).
        if row.rules.iter().all(|r| *r == Grant::Public) || e.path() == "/metrics" || e.is_page() {
            continue;
        }
        let method = Method::from_bytes(e.method().as_bytes()).expect("method");
        let (i, _) = row
            .rules
            .iter()
            .enumerate()
            .find(|(_, r)| **r != Grant::Deny)
            .expect("a role that may call it");
        let who = token(Role::ALL[i]);
        let path = format!("{}?onzin=1", concrete(e.path()));
        let a = call(&app, method.clone(), &path, Some(&who)).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{e:?}: {}", a.problem);
        assert_eq!(a.content_type, "application/problem+json", "{e:?}");
        assert_eq!(a.problem["parameter"], "onzin", "{e:?}: {}", a.problem);
        assert_eq!(
            a.problem["type"], "https://sluis.example/problems/parameter",
            "{e:?}"
        );
        let Some(forms) = produces(e) else { continue };
        let r = app
            .client
            .request(method, format!("{}{}", app.base, concrete(e.path())))
            .bearer_auth(&who)
            .header("Accept", "application/pdf")
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), StatusCode::NOT_ACCEPTABLE, "{e:?}");
        let p: Value = r.json().await.expect("problem");
        let offered: Vec<&str> = forms.iter().map(|f| f.media()).collect();
        for m in offered {
            assert!(
                p["accept"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == m)),
                "{e:?}: {p}"
            );
        }
    }
    app.stop().await;
}
