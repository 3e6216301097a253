//! The OpenAPI document (`GET /api/v1/openapi.json`): valid by the official OpenAPI 3.1 schema
//! (`schemas/openapi/oas-3.1.schema.json`), every row of the access table in it with its roles
//! and nothing else, every example run against a real gateway with the demo's data and its
//! answer valid by the documented schema; and the reference page that shows it.

use crate::auth;
use crate::helpers::{spawn_app, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sluis::http::openapi::{document, operation};
use sluis::security::access::{Grant, Role, Row, TABLE};

/// The rows of the API (the web pages are HTML for people, not in the document).
fn api_rows() -> impl Iterator<Item = &'static Row> {
    TABLE.iter().filter(|r| !r.endpoint.is_page())
}

const OAS_SCHEMA: &str = include_str!("../../schemas/openapi/oas-3.1.schema.json");

fn served(app: &TestApp, path: &str) -> reqwest::RequestBuilder {
    app.client.get(format!("{}{path}", app.base))
}

fn errors(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).expect("a schema that compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn the_document_is_valid_openapi_3_1() {
    let oas: Value = serde_json::from_str(OAS_SCHEMA).expect("the official schema");
    assert_eq!(
        oas["$id"], "https://spec.openapis.org/oas/3.1/schema/2025-11-23",
        "the committed schema is the official one"
    );
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let found = errors(&oas, doc);
    assert!(found.is_empty(), "not valid OpenAPI 3.1: {found:#?}");
    // The schema catches what it should: a document without `info` is refused.
    let mut broken = doc.clone();
    broken.as_object_mut().expect("object").remove("info");
    assert!(!errors(&oas, &broken).is_empty());
    // Every schema in it is a valid JSON Schema (2020-12, the OpenAPI 3.1 dialect's base).
    for (name, schema) in doc["components"]["schemas"].as_object().expect("schemas") {
        assert!(
            jsonschema::meta::validate(schema).is_ok(),
            "{name} is no valid JSON Schema"
        );
    }
}

#[test]
fn every_row_of_the_table_is_in_it_with_its_roles_and_nothing_else() {
    let doc = document();
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = 0;
    for item in paths.values() {
        operations += item.as_object().expect("path item").len();
    }
    assert_eq!(
        operations,
        api_rows().count(),
        "one operation per API row, no more"
    );
    for row in api_rows() {
        let e = row.endpoint;
        let op = &doc["paths"][e.path()][e.method().to_ascii_lowercase()];
        assert!(op.is_object(), "{e:?} missing");
        assert_eq!(op["operationId"], format!("{e:?}"));
        assert_eq!(op["summary"], operation(e).expect("an API row").summary);
        let roles = op["x-sluis-rollen"].as_object().expect("x-sluis-rollen");
        let public = row.rules.iter().all(|g| *g == Grant::Public);
        for (role, grant) in Role::ALL.iter().zip(row.rules) {
            match grant {
                Grant::Deny => assert!(!roles.contains_key(role.as_str()), "{e:?} {role}"),
                g => {
                    assert_eq!(roles[role.as_str()], json!(g.label()), "{e:?} {role}");
                    let described = op["description"].as_str().expect("description");
                    assert!(
                        public || described.contains(role.as_str()),
                        "{e:?}: the description names {role}"
                    );
                }
            }
        }
        assert_eq!(
            roles.len(),
            row.rules.iter().filter(|g| **g != Grant::Deny).count()
        );
        // Public rows need no credentials, the others a token or a certificate, and say 401.
        let security = op["security"].as_array().expect("security");
        assert_eq!(security.is_empty(), public, "{e:?}");
        assert_eq!(op["responses"]["401"].is_object(), !public, "{e:?}");
        let partial = row
            .rules
            .iter()
            .any(|g| matches!(g, Grant::Deny | Grant::Scoped(_)));
        assert_eq!(
            op["responses"]["403"].is_object(),
            partial && !public,
            "{e:?}"
        );
        // Every path parameter of the route is documented, with an example.
        for name in e
            .path()
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        {
            let documented = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["name"] == name && p["in"] == "path" && !p["example"].is_null());
            assert!(documented, "{e:?}: path parameter {name}");
        }
    }
}

/// The demo party that makes a request (as the docs' examples do), if its role may; else the
/// demo token of the first role the row allows.
fn token_for(rules: &[Grant; 5], method: &str, path: &str, body: &[u8]) -> String {
    let demo = |role: Role| {
        auth::token(match role {
            Role::Aanbieder => "demo-aanbieder-12345678",
            Role::Gemeente => "demo-gemeente-0599",
            Role::Gebiedsteam => "demo-team-noord",
            Role::Contractmanager => "demo-contractmanager-0599",
            Role::Operator => "demo-operator",
        })
    };
    let allowed: Vec<Role> = Role::ALL
        .into_iter()
        .zip(rules)
        .filter(|(_, g)| **g != Grant::Deny)
        .map(|(r, _)| r)
        .collect();
    let role_of = |token: &str| {
        let id = token.trim_start_matches("sluis_demo-");
        Role::ALL.into_iter().find(|r| {
            id.starts_with(match r {
                Role::Gebiedsteam => "team",
                r => r.as_str(),
            })
        })
    };
    match auth::for_request(method, path, body) {
        Some(t) if role_of(&t).is_some_and(|r| allowed.contains(&r)) => t,
        _ => demo(allowed[0]),
    }
}

/// A JSON Schema of the document, with the document's components to resolve `$ref`s in.
fn answer_schema(doc: &Value, schema: &Value) -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
        "allOf": [schema],
    })
}

/// Every operation's example, as the reference page shows it, against a gateway with the
/// demo's first message: the answer's status is documented, and a JSON answer is valid by
/// the schema documented for that status. Examples that should succeed do.
#[actix_web::test]
async fn every_example_works_and_answers_as_documented() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    let jw301 = include_str!("../../fixtures/ijw-3.2/JW301/valid/minimaal.xml");
    let first = app
        .send(
            Method::POST,
            "/api/v1/berichten",
            "application/xml",
            jw301.into(),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let doc = document();
    let mut checked = 0;
    for row in api_rows() {
        let e = row.endpoint;
        let op = &doc["paths"][e.path()][e.method().to_ascii_lowercase()];
        let mut path = e.path().to_string();
        let mut query = Vec::new();
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().expect("name");
            if p["example"].is_null() {
                // A parameter without an example (a client's pseudonym): left out.
                continue;
            }
            let value = match &p["example"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if p["in"] == "path" {
                path = path.replace(&format!("{{{name}}}"), &value);
            } else {
                query.push(format!("{name}={value}"));
            }
        }
        let body = op["requestBody"]["content"]
            .as_object()
            .and_then(|c| c.iter().find(|(_, m)| m.get("example").is_some()));
        if op["requestBody"].is_object() && body.is_none() {
            // Sluis's own messages need a trajectory first: `tests/api/doelbereik_api`.
            continue;
        }
        // The file a curl example posts is the example shown.
        if let Some((_, m)) = body {
            if let Some(file) = m["x-sluis-bestand"].as_str() {
                let on_disk = std::fs::read_to_string(
                    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file),
                )
                .expect("the example's file");
                assert_eq!(
                    m["example"].as_str(),
                    Some(on_disk.as_str()),
                    "{e:?}: {file}"
                );
            }
        }
        let (ct, bytes) = match body {
            Some((media, m)) => (
                Some(media.clone()),
                match &m["example"] {
                    Value::String(s) => s.clone().into_bytes(),
                    other => other.to_string().into_bytes(),
                },
            ),
            None => (None, Vec::new()),
        };
        let url = if query.is_empty() {
            path.clone()
        } else {
            format!("{path}?{}", query.join("&"))
        };
        let method = Method::from_bytes(e.method().as_bytes()).expect("method");
        let mut req = app.client.request(method, format!("{}{url}", app.base));
        let public = row.rules.iter().all(|g| *g == Grant::Public);
        if !public {
            let token = token_for(&row.rules, e.method(), &url, &bytes);
            req = req.bearer_auth(token);
        }
        if let Some(ct) = &ct {
            req = req.header("Content-Type", ct.as_str()).body(bytes);
        }
        let r = req.send().await.expect("request");
        let status = r.status();
        let media = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap_or_default()
            .to_string();
        let text = r.text().await.expect("body");
        let answer = &op["responses"][status.as_u16().to_string()];
        assert!(
            answer.is_object(),
            "{e:?} {url}: {status} not documented: {text}"
        );
        // The examples of the demo succeed, except where the demo has nothing to show.
        let nothing_there = matches!(
            e,
            sluis::security::access::Endpoint::ClientPlanstatus
                | sluis::security::access::Endpoint::RevokeToken
        );
        assert_eq!(
            status.is_success(),
            !nothing_there,
            "{e:?} {url}: {status} {text}"
        );
        let documented = &answer["content"][media.as_str()];
        assert!(
            documented.is_object(),
            "{e:?}: {status} answered as {media}, not documented"
        );
        if media.ends_with("json") && media != "application/jsonl" {
            let value: Value = serde_json::from_str(&text).expect("JSON");
            let found = errors(&answer_schema(doc, &documented["schema"]), &value);
            assert!(found.is_empty(), "{e:?} {status}: {found:#?}\n{value}");
            if let Some(example) = documented.get("example") {
                let found = errors(&answer_schema(doc, &documented["schema"]), example);
                assert!(found.is_empty(), "{e:?}: the example itself: {found:#?}");
                // The documented answer is the real one (the retourbericht's date aside).
                for field in ["bericht", "valid", "errors", "acked"] {
                    assert_eq!(example.get(field), value.get(field), "{e:?}: {field}");
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= api_rows().count() - 3, "{checked} examples run");
    app.stop().await;
}

#[actix_web::test]
async fn served_without_credentials_and_the_reference_page_shows_every_operation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    let r = served(&app, "/api/v1/openapi.json")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json")));
    let served: Value = r.json().await.expect("JSON");
    assert_eq!(&served, document());

    let r = served_page(&app).await;
    assert_eq!(r.0, StatusCode::OK);
    let (csp, html) = (r.1, r.2);
    // The strict policy stays: the page needs no script, style or anything from elsewhere.
    assert_eq!(csp, "default-src 'none'; frame-ancestors 'none'");
    for forbidden in [
        "<script",
        "<style",
        "style=",
        "<link",
        "http://cdn",
        "https://",
    ] {
        assert!(!html.contains(forbidden), "{forbidden}");
    }
    for row in api_rows() {
        let e = row.endpoint;
        assert!(
            html.contains(&format!("<code>{} {}</code>", e.method(), e.path())),
            "{e:?} on the page"
        );
        assert!(html.contains(&format!("id=\"{e:?}\"")), "{e:?} anchor");
    }
    // Roles, parameters and a curl with its Authorization header.
    assert!(html.contains("<td>contractmanager</td><td>scoped: own-gemeente</td>"));
    assert!(html.contains("curl -i -H &quot;Authorization: Bearer $TOKEN&quot; -X POST -H &#39;Content-Type: application/xml&#39; --data-binary @fixtures/rules/TR101/fail-dubbel-toegewezen-product-jw301.xml &#39;http://127.0.0.1:8080/api/v1/validatie&#39;"));
    app.stop().await;
}

async fn served_page(app: &TestApp) -> (StatusCode, String, String) {
    let r = served(app, "/api/v1/referentie")
        .send()
        .await
        .expect("request");
    let csp = r
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (r.status(), csp, r.text().await.expect("html"))
}
