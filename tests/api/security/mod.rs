//! Who may do what, through the real server over real TLS (issue #6): certificates made in the
//! test with rcgen, the aanbieder 12345678 known by its client certificate (mutual TLS), the
//! other roles by the demo tokens. The whole endpoint × role table of `docs/security.md` is
//! walked: every allowed call succeeds (or fails on its content, never with 401/403), every
//! other call is refused with 403, without credentials with 401; scope checks refuse another
//! party's objects; refusals are in the audit log.

use crate::auth;
use crate::helpers::{spawn_app_with, TestApp};
use crate::scenario::trajectory::*;
use reqwest::{Method, StatusCode};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{json, Value};
use sluis::config::Settings;
use sluis::security::access::{rule, Endpoint, Grant, Role, TABLE};
use sluis::security::settings::ClientCertificate;
use sluis_testkit::pki::{Ca, Leaf};
use std::path::Path;
use std::sync::Arc;

struct Pki {
    server_ca: Ca,
    client_ca: Ca,
    server: Leaf,
    brug: Leaf,
    unlisted: Leaf,
    foreign: Leaf,
    /// Signed by the client CA, listed, but expired yesterday.
    expired: Leaf,
}

fn pki() -> Pki {
    let server_ca = Ca::new("Sluis test server CA");
    let client_ca = Ca::new("Sluis test client CA");
    let other = Ca::new("Somebody else");
    Pki {
        server: server_ca.leaf(&["localhost"]),
        brug: client_ca.leaf(&["brug.example"]),
        unlisted: client_ca.leaf(&["anker.example"]),
        foreign: other.leaf(&["brug.example"]),
        expired: client_ca.expired_leaf(&["oud.example"]),
        server_ca,
        client_ca,
    }
}

fn settings(dir: &Path, pki: &Pki) -> Settings {
    let mut s = crate::helpers::settings(&dir.join("data"));
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("write");
        p
    };
    s.security.tls.cert = Some(write("server.pem", &pki.server.cert_pem));
    s.security.tls.key = Some(write("server.key", &pki.server.key_pem));
    s.security.tls.client_ca = Some(write("clients.pem", &pki.client_ca.pem));
    s.security.tls.plain_http_allowed = false;
    // Demo tokens (public secrets) are refused on a TLS listener (issue #13): the same tokens
    // under `tls-` ids, configured by their hash as in production.
    for t in &mut s.security.tokens {
        if let Some(secret) = t.demo_secret.take() {
            let secret = secret.replacen("demo-", "tls-", 1);
            t.id = t.id.replacen("demo-", "tls-", 1);
            t.sha256 = sluis::security::tokens::token_hash(&secret);
        }
    }
    s.security.clients = vec![
        ClientCertificate {
            fingerprint: sluis::security::tls::fingerprint(&pki.brug.der),
            role: Role::Aanbieder,
            party: Some(AANBIEDER.into()),
            gemeente: None,
            team: None,
            label: "De Brug, koppeling".into(),
        },
        ClientCertificate {
            fingerprint: sluis::security::tls::fingerprint(&pki.expired.der),
            role: Role::Aanbieder,
            party: Some(AANBIEDER.into()),
            gemeente: None,
            team: None,
            label: "De Brug, oud certificaat".into(),
        },
    ];
    s
}

/// The token of demo party `id` as configured for the TLS listener (see [`settings`]).
fn tls_token(id: &str) -> String {
    auth::token(id).replacen("demo-", "tls-", 1)
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// An HTTPS client trusting the test server CA, with a client certificate or none.
fn client(pki: &Pki, cert: Option<&Leaf>) -> reqwest::Client {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(pki.server_ca.pem.as_bytes()) {
        roots.add(c.expect("pem")).expect("root");
    }
    let b = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots);
    let config = match cert {
        None => b.with_no_client_auth(),
        Some(leaf) => b
            .with_client_auth_cert(
                vec![CertificateDer::from_pem_slice(leaf.cert_pem.as_bytes()).expect("cert")],
                PrivateKeyDer::from_pem_slice(leaf.key_pem.as_bytes()).expect("key"),
            )
            .expect("client auth"),
    };
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        // The sign-in of the pages answers 303 with the session cookie: read it, not follow.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Who calls: the aanbieder by certificate, the others by demo token, or nobody.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    Role(Role),
}

struct World {
    base: String,
    anonymous: reqwest::Client,
    brug: reqwest::Client,
    app: TestApp,
    /// The toewijzing's message id.
    toewijzing_id: u64,
}

struct Reply {
    status: StatusCode,
    body: String,
}

impl World {
    fn token(role: Role) -> Option<String> {
        match role {
            Role::Aanbieder => None, // the client certificate
            Role::Gemeente => Some(tls_token("demo-gemeente-0599")),
            Role::Gebiedsteam => Some(tls_token("demo-team-noord")),
            Role::Contractmanager => Some(tls_token("demo-contractmanager-0599")),
            Role::Operator => Some(tls_token("demo-operator")),
        }
    }

    async fn call(&self, who: Who, method: Method, path: &str, body: Option<String>) -> Reply {
        let token = match who {
            Who::Anonymous => None,
            Who::Role(r) => World::token(r),
        };
        self.call_with(who, token.as_deref(), method, path, body)
            .await
    }

    /// A page as a signed-in person of `who` (a fresh session: the aanbieder signs in with
    /// its client certificate, the others with their token), a form posted with the session's
    /// CSRF token; anonymous without a session.
    async fn page_call(&self, who: Who, method: Method, path: &str) -> Reply {
        let client = if who == Who::Role(Role::Aanbieder) {
            &self.brug
        } else {
            &self.anonymous
        };
        let cookie_of = |r: &reqwest::Response, name: &str| {
            r.headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .filter_map(|v| v.split(';').next())
                .filter_map(|v| v.split_once('='))
                .find(|(k, v)| *k == name && !v.is_empty())
                .map(|(_, v)| v.to_string())
        };
        let field = |html: &str| {
            html.split("name=\"csrf\" value=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .map(str::to_string)
        };
        let mut cookie = String::new();
        let mut csrf = String::new();
        if let Who::Role(role) = who {
            let r = client
                .get(format!("{}/", self.base))
                .send()
                .await
                .expect("sign-in form");
            let binding = cookie_of(&r, "sluis_aanmelden").expect("binding cookie");
            let form = field(&r.text().await.expect("body")).expect("csrf");
            let token = World::token(role).unwrap_or_default();
            let r = client
                .post(format!("{}/aanmelden", self.base))
                .header("Cookie", format!("sluis_aanmelden={binding}"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(format!("csrf={form}&token={token}"))
                .send()
                .await
                .expect("sign-in");
            let status = r.status();
            if status != StatusCode::SEE_OTHER {
                let body = r.text().await.unwrap_or_default();
                let why = body
                    .split("role=\"alert\"><p>")
                    .nth(1)
                    .and_then(|s| s.split('<').next())
                    .unwrap_or_default()
                    .to_string();
                let title = body
                    .split("<title>")
                    .nth(1)
                    .and_then(|s| s.split('<').next())
                    .unwrap_or_default()
                    .to_string();
                panic!("{who:?} signs in: {status} {title}: {why}");
            }
            let session = cookie_of(&r, "sluis_sessie").expect("session cookie");
            cookie = format!("sluis_sessie={session}");
            let start = client
                .get(format!("{}/", self.base))
                .header("Cookie", &cookie)
                .send()
                .await
                .expect("start");
            csrf = field(&start.text().await.expect("body")).expect("session csrf");
        }
        let mut r = client
            .request(method.clone(), format!("{}{path}", self.base))
            .header("Cookie", &cookie);
        if method == Method::POST {
            r = r
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(format!("csrf={csrf}"));
        }
        let resp = r.send().await.expect("request");
        Reply {
            status: resp.status(),
            body: resp.text().await.expect("body"),
        }
    }

    async fn call_with(
        &self,
        who: Who,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Reply {
        let client = if who == Who::Role(Role::Aanbieder) {
            &self.brug
        } else {
            &self.anonymous
        };
        let mut r = client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            let ct = if b.starts_with('<') {
                "application/xml"
            } else {
                "application/json"
            };
            r = r.header("Content-Type", ct).body(b);
        }
        let resp = r.send().await.expect("request");
        Reply {
            status: resp.status(),
            body: resp.text().await.expect("body"),
        }
    }
}

fn plan(aanbieder: &str) -> String {
    json!({
        "domein": "ijw", "gemeente": GEMEENTE, "aanbieder": aanbieder, "bsn": CLIENT1.bsn,
        "plan_id": "PLAN-1", "versie": 1, "datum": "2025-01-20",
        "toewijzingnummers": [CLIENT1.nummer],
        "doelen": [{"id": "D1", "omschrijving": "Dagritme", "levensdomein": "onderwijs",
                    "meting": "verzuim", "streefdatum": "2025-04-30"}]
    })
    .to_string()
}

fn melding() -> String {
    json!({
        "domein": "ijw", "gemeente": GEMEENTE, "aanbieder": AANBIEDER, "bsn": CLIENT1.bsn,
        "toewijzingnummer": CLIENT1.nummer, "plan_id": "PLAN-1",
        "einddatum": EIND_ZORG, "datum": "2025-05-06",
        "doelen": [{"id": "D1", "uitkomst": "behaald", "toelichting": "ok"}]
    })
    .to_string()
}

fn beoordeling(team: &str) -> String {
    json!({
        "domein": "ijw", "gemeente": GEMEENTE, "team": team, "aanbieder": AANBIEDER,
        "bsn": CLIENT1.bsn, "toewijzingnummer": CLIENT1.nummer, "versie": 1,
        "datum": "2025-05-12", "oordeel": "eens", "resultaat_bereikt": true
    })
    .to_string()
}

pub(crate) fn with_postcode(xml: String) -> String {
    // The builder's contact carries a placeholder address (CD034); this one replaces it.
    let xml = match (xml.find("<m:Adres>"), xml.find("</m:Adres>")) {
        (Some(a), Some(b)) => format!("{}{}", &xml[..a], &xml[b + "</m:Adres>".len()..]),
        _ => xml,
    };
    xml.replacen(
        "<m:Soort>01</m:Soort>",
        "<m:Soort>01</m:Soort><m:Adres><b:Huis><b:Huisnummer>12</b:Huisnummer></b:Huis><b:Postcode>8011AB</b:Postcode><b:Straatnaam>Lindelaan</b:Straatnaam><b:Plaatsnaam>Zwolle</b:Plaatsnaam><b:LandCode>NL</b:LandCode></m:Adres>",
        1,
    )
}

/// A request of `endpoint` that is within the scope of `role` (the aanbieder 12345678, the
/// gemeente 0599, team noord, the contractmanager of 0599, the operator): method, path, body.
fn request(endpoint: Endpoint, role: Role, n: usize) -> (Method, String, Option<String>) {
    let bsn = CLIENT1.bsn;
    let get = |p: String| (Method::GET, p, None);
    match endpoint {
        Endpoint::Healthz => get("/healthz".into()),
        Endpoint::Readyz => get("/readyz".into()),
        Endpoint::Metrics => get("/metrics".into()),
        Endpoint::PostBericht => {
            let body = if role == Role::Aanbieder {
                verzoek(Std::Ijw, &format!("VW{n}"), CLIENT2)
            } else {
                toewijzing(Std::Ijw, "T1", CLIENT1, &Tw::default())
            };
            (
                Method::POST,
                "/api/v1/berichten".into(),
                Some(with_postcode(body)),
            )
        }
        Endpoint::ListBerichten => get("/api/v1/berichten".into()),
        Endpoint::GetBericht => get("/api/v1/berichten/{toewijzing}".into()),
        Endpoint::ReplayBericht => (
            Method::POST,
            "/api/v1/berichten/{toewijzing}/replay".into(),
            None,
        ),
        Endpoint::GetToewijzing => get(format!("/api/v1/toewijzingen/{}", CLIENT1.nummer)),
        Endpoint::ToewijzingStroom => {
            get(format!("/api/v1/toewijzingen/{}/stroom", CLIENT1.nummer))
        }
        Endpoint::ClientToewijzingen => get(format!("/api/v1/clienten/{bsn}/toewijzingen")),
        Endpoint::GetInbox => get(format!(
            "/api/v1/inbox/{}",
            if role == Role::Aanbieder {
                AANBIEDER
            } else {
                GEMEENTE
            }
        )),
        Endpoint::AckInbox => (
            Method::POST,
            format!(
                "/api/v1/inbox/{}/ack",
                if role == Role::Aanbieder {
                    AANBIEDER
                } else {
                    GEMEENTE
                }
            ),
            Some(json!({"cursor": 0}).to_string()),
        ),
        Endpoint::PostBehandelplan => (
            Method::POST,
            "/api/v1/behandelplannen".into(),
            Some(plan(AANBIEDER)),
        ),
        Endpoint::PostResultaatmelding => (
            Method::POST,
            "/api/v1/resultaatmeldingen".into(),
            Some(melding()),
        ),
        Endpoint::PostBeoordeling => (
            Method::POST,
            "/api/v1/beoordelingen".into(),
            Some(beoordeling("noord")),
        ),
        Endpoint::ClientPlanstatus => get(format!("/api/v1/clienten/{bsn}/planstatus")),
        Endpoint::TeamDoelbereik => get("/api/v1/teams/noord/doelbereik".into()),
        Endpoint::GetClientTeam => get(format!("/api/v1/clienten/{bsn}/team")),
        Endpoint::PutClientTeam => (
            Method::PUT,
            format!("/api/v1/clienten/{bsn}/team"),
            Some(json!({"team": null}).to_string()),
        ),
        Endpoint::Financiering => get("/api/v1/financiering".into()),
        Endpoint::Indicatoren => get("/api/v1/indicatoren".into()),
        Endpoint::Stromen => get("/api/v1/stromen".into()),
        Endpoint::Audit => get("/api/v1/audit".into()),
        Endpoint::CreateToken => (
            Method::POST,
            "/api/v1/tokens".into(),
            Some(
                // Over the API only operator tokens (issue #13); care roles: the CLI.
                json!({"role": "operator", "label": "test"}).to_string(),
            ),
        ),
        Endpoint::ListTokens => get("/api/v1/tokens".into()),
        Endpoint::RevokeToken => (Method::DELETE, "/api/v1/tokens/{token}".into(), None),
        Endpoint::Validatie => (
            Method::POST,
            "/api/v1/validatie".into(),
            Some(toewijzing(Std::Ijw, "V1", CLIENT1, &Tw::default())),
        ),
        Endpoint::OpenApi => get("/api/v1/openapi.json".into()),
        Endpoint::Referentie => get("/api/v1/referentie".into()),
        Endpoint::DeliveryBacklog => get("/api/v1/bezorging".into()),
        Endpoint::DeliveryRedrive => (
            Method::POST,
            "/api/v1/bezorging/opnieuw".into(),
            Some(json!({"alles": true}).to_string()),
        ),
        // The pages: a session from a sign-in with the same credentials (`World::page_call`).
        Endpoint::PageStart => get("/".into()),
        Endpoint::PageStyle => get("/static/sluis.css".into()),
        Endpoint::PageSignIn => (Method::POST, "/aanmelden".into(), None),
        Endpoint::PageSignOut => (Method::POST, "/afmelden".into(), None),
        Endpoint::PageCaseload => get("/caseload".into()),
        Endpoint::PageClient => get("/clienten/00000000000000000000000000000000".into()),
        Endpoint::PageBeoordeling => (
            Method::POST,
            "/clienten/00000000000000000000000000000000/beoordeling".into(),
            None,
        ),
        Endpoint::PageAanbieders => get("/aanbieders".into()),
        Endpoint::PageAanbieder => get(format!("/aanbieders/{AANBIEDER}")),
        Endpoint::PageDownload => get("/downloads/financiering.csv".into()),
        Endpoint::PageBerichten => get("/berichten".into()),
        Endpoint::PageBericht => get("/berichten/{toewijzing}".into()),
        Endpoint::PageToewijzing => get(format!("/toewijzingen/{}", CLIENT1.nummer)),
        Endpoint::PageValidatie => get("/validatie".into()),
        Endpoint::PageValideer => (Method::POST, "/validatie".into(), None),
    }
}

async fn launch(dir: &Path, pki: &Pki) -> World {
    let app = spawn_app_with(settings(dir, pki)).await;
    let mut w = World {
        base: app.base.clone(),
        anonymous: client(pki, None),
        brug: client(pki, Some(&pki.brug)),
        app,
        toewijzing_id: 0,
    };
    // The data the walk reads: a verzoek, its toewijzing (postcode in noord), a start, a plan.
    let post = |who, xml: String| {
        let w = &w;
        async move {
            let r = w
                .call(who, Method::POST, "/api/v1/berichten", Some(xml))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
    };
    post(Who::Role(Role::Aanbieder), verzoek(Std::Ijw, "V1", CLIENT1)).await;
    let t = w
        .call(
            Who::Role(Role::Gemeente),
            Method::POST,
            "/api/v1/berichten",
            Some(with_postcode(toewijzing(
                Std::Ijw,
                "T1",
                CLIENT1,
                &Tw::default(),
            ))),
        )
        .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
    post(
        Who::Role(Role::Aanbieder),
        start(Std::Ijw, "S1", CLIENT1, BEGIN),
    )
    .await;
    let (_, list) = (
        (),
        w.call(
            Who::Role(Role::Operator),
            Method::GET,
            "/api/v1/berichten?type=JW301",
            None,
        )
        .await,
    );
    let v: Value = serde_json::from_str(&list.body).expect("json");
    w.toewijzing_id = v["items"][0]["id"].as_u64().expect("toewijzing id");
    let r = w
        .call(
            Who::Role(Role::Aanbieder),
            Method::POST,
            "/api/v1/behandelplannen",
            Some(plan(AANBIEDER)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    w
}

#[actix_web::test]
async fn the_whole_table_over_mutual_tls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = pki();
    let w = launch(dir.path(), &pki).await;
    let mut refusals = 0;
    let mut anonymous = 0;
    let mut checked = 0;
    for (n, row) in TABLE.iter().enumerate() {
        for who in std::iter::once(Who::Anonymous).chain(Role::ALL.iter().map(|r| Who::Role(*r))) {
            let role = match who {
                Who::Role(r) => r,
                Who::Anonymous => Role::Gemeente,
            };
            let (method, mut path, body) = request(row.endpoint, role, n);
            path = path.replace("{toewijzing}", &w.toewijzing_id.to_string());
            if path.contains("{token}") {
                // A fresh token to revoke, made by the operator.
                let r = w
                    .call(
                        Who::Role(Role::Operator),
                        Method::POST,
                        "/api/v1/tokens",
                        Some(json!({"role": "operator", "label": "weg"}).to_string()),
                    )
                    .await;
                let id = serde_json::from_str::<Value>(&r.body).expect("json")["id"]
                    .as_str()
                    .expect("id")
                    .to_string();
                path = path.replace("{token}", &id);
            }
            let r = if row.endpoint.is_page() {
                w.page_call(who, method.clone(), &path).await
            } else {
                w.call(who, method.clone(), &path, body).await
            };
            let cell = match who {
                Who::Anonymous if row.rules.iter().all(|r| *r == Grant::Public) => Grant::Public,
                Who::Anonymous => Grant::Deny,
                Who::Role(role) => rule(row.endpoint, role),
            };
            let what = format!("{who:?} {method} {path}: {} {}", r.status, r.body);
            match cell {
                Grant::Public | Grant::Allow | Grant::Scoped(_) => {
                    // The sign-in form is open to all; its handler refuses a form without its
                    // binding cookie or credentials (403/401) with the form again.
                    let signin_answered = row.endpoint == Endpoint::PageSignIn
                        && r.body.contains("<title>Aanmelden – Sluis</title>");
                    assert!(
                        signin_answered
                            || (r.status != StatusCode::UNAUTHORIZED
                                && r.status != StatusCode::FORBIDDEN),
                        "allowed, but refused: {what}"
                    );
                    assert!(r.status.as_u16() < 500, "{what}");
                }
                Grant::Deny if who == Who::Anonymous => {
                    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}");
                    anonymous += 1;
                }
                Grant::Deny => {
                    assert_eq!(r.status, StatusCode::FORBIDDEN, "{what}");
                    refusals += 1;
                }
            }
            if r.status == StatusCode::FORBIDDEN || r.status == StatusCode::UNAUTHORIZED {
                assert!(!r.body.contains(CLIENT1.bsn), "nothing leaked: {what}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, TABLE.len() * 6);
    // Every refusal is in the audit log, with the refused actor.
    let r = w
        .call(
            Who::Role(Role::Operator),
            Method::GET,
            "/api/v1/audit?action=deny&limit=1000",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).expect("json");
    let denials = v["items"].as_array().expect("items");
    // Every refusal of a known caller in full; anonymous ones once a minute per source, the
    // rest counted in one entry when the minute ends (issue #13: no disk-filling flood).
    assert!(anonymous > 1);
    assert!(denials.len() > refusals, "{} of {refusals}", denials.len());
    assert!(denials
        .iter()
        .any(|e| e["actor"] == "anonymous" && e["outcome"] == "unauthenticated"));
    assert!(denials
        .iter()
        .any(|e| e["role"] == "gebiedsteam" && e["outcome"] == "denied"));
    assert!(!r.body.contains(CLIENT1.bsn), "the audit holds no BSN");
    // Acting for a person: the system says whom, and the audit records it.
    let r = w
        .anonymous
        .get(format!("{}/api/v1/teams/noord/doelbereik", w.base))
        .bearer_auth(tls_token("demo-team-noord"))
        .header("Sluis-Namens", "medewerker j.devries")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    let r = w
        .call(
            Who::Role(Role::Operator),
            Method::GET,
            "/api/v1/audit?object=doelbereik&actor=token:tls-team-noord",
            None,
        )
        .await;
    assert!(
        r.body.contains("\"on_behalf_of\":\"medewerker j.devries\""),
        "{}",
        r.body
    );
    // The plan status read is recorded with the client's pseudonym, not the BSN.
    let r = w
        .call(
            Who::Role(Role::Operator),
            Method::GET,
            "/api/v1/audit?object=planstatus&action=read",
            None,
        )
        .await;
    let v: Value = serde_json::from_str(&r.body).expect("json");
    let e = &v["items"][0];
    assert_eq!(e["client"].as_str().map(str::len), Some(32), "{e}");
    w.app.stop().await;
    // Encryption at rest: no BSN and no name anywhere in the data directory's files.
    let mut files = 0;
    let mut stack = vec![dir.path().join("data")];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            // A file renamed away meanwhile (the running store's `sluis.hwm.tmp`) is no leak.
            let bytes = match std::fs::read(&path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                read => read.expect("file"),
            };
            files += 1;
            for needle in [CLIENT1.bsn, CLIENT2.bsn, "Visser", "Lindelaan", "Dagritme"] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "{needle} in plain text in {}",
                    path.display()
                );
            }
        }
    }
    assert!(files >= 3, "the store was written ({files} files)");
}

#[actix_web::test]
async fn other_parties_objects_and_bad_credentials_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = pki();
    let w = launch(dir.path(), &pki).await;
    let anker = tls_token("demo-aanbieder-23456789");
    let zuid = tls_token("demo-team-zuid");
    let gemeente = tls_token("demo-gemeente-0599");
    let anon = Who::Anonymous;
    let tid = w.toewijzing_id;
    let bsn = CLIENT1.bsn;
    // Another party's message, toewijzing or client is answered as one that does not exist
    // (issue #13: no existence oracle), so 404 where it was 403.
    let hidden = [
        format!("/api/v1/berichten/{tid}"),
        format!("/api/v1/toewijzingen/{}", CLIENT1.nummer),
        format!("/api/v1/clienten/{bsn}/planstatus"),
    ];
    for (token, path) in hidden
        .iter()
        .map(|p| (&anker, p))
        .chain(std::iter::once((&zuid, &hidden[2])))
    {
        let r = w
            .call_with(anon, Some(token), Method::GET, path, None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
        assert!(!r.body.contains(bsn) && !r.body.contains(AANBIEDER));
    }
    let refused = [
        // A provider sending as another provider, reading another's inbox, planning on another's.
        (
            &anker,
            Method::POST,
            "/api/v1/berichten".to_string(),
            Some(verzoek(Std::Ijw, "X1", CLIENT2)),
        ),
        (
            &anker,
            Method::GET,
            format!("/api/v1/inbox/{AANBIEDER}"),
            None,
        ),
        (
            &anker,
            Method::POST,
            "/api/v1/behandelplannen".to_string(),
            Some(plan(AANBIEDER)),
        ),
        // A gebiedsteam asking for a team of another team.
        (
            &zuid,
            Method::GET,
            "/api/v1/teams/noord/doelbereik".to_string(),
            None,
        ),
        (
            &zuid,
            Method::POST,
            "/api/v1/beoordelingen".to_string(),
            Some(beoordeling("zuid")),
        ),
        // The back office sending as a provider.
        (
            &gemeente,
            Method::POST,
            "/api/v1/berichten".to_string(),
            Some(verzoek(Std::Ijw, "X2", CLIENT2)),
        ),
    ];
    for (token, method, path, body) in refused {
        let r = w
            .call_with(anon, Some(token), method.clone(), &path, body)
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            r.body
        );
        assert!(
            !r.body.contains(bsn) && !r.body.contains(AANBIEDER),
            "{}",
            r.body
        );
    }
    // A list is filtered, not refused: the other provider sees only what concerns it.
    let r = w
        .call_with(
            anon,
            Some(&anker),
            Method::GET,
            "/api/v1/berichten?limit=1000",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).expect("json");
    assert!(v["items"].as_array().is_some_and(|i| i
        .iter()
        .all(|m| m["afzender"] == "23456789" || m["ontvanger"] == "23456789")));
    assert!(!r.body.contains(AANBIEDER), "{}", r.body);
    // A revoked token, an unknown token, a malformed header. Over the API only operator
    // tokens are made (issue #13), so they are tried on an operator's read.
    let r = w
        .call(
            Who::Role(Role::Operator),
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"role": "operator", "label": "kort"}).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).expect("json");
    let (id, secret) = (
        v["id"].as_str().expect("id").to_string(),
        v["token"].as_str().expect("token").to_string(),
    );
    let probe = "/api/v1/tokens".to_string();
    let ok = w
        .call_with(anon, Some(&secret), Method::GET, &probe, None)
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let r = w
        .call(
            Who::Role(Role::Operator),
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for bad in [secret.as_str(), "sluis_0123456789abcdef_00", "not-a-token"] {
        let r = w
            .call_with(anon, Some(bad), Method::GET, &probe, None)
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{bad}: {}", r.body);
        assert!(!r.body.contains(bad), "the token is not echoed");
    }
    // An unlisted client certificate (right CA) is nobody; another CA's is refused in the handshake.
    let unlisted = client(&pki, Some(&pki.unlisted));
    let r = unlisted
        .get(format!("{}/api/v1/inbox/{AANBIEDER}", w.base))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let foreign = client(&pki, Some(&pki.foreign));
    let refused = foreign
        .get(format!("{}/api/v1/inbox/{AANBIEDER}", w.base))
        .send()
        .await;
    assert!(refused.is_err() || refused.is_ok_and(|r| r.status() == StatusCode::UNAUTHORIZED));
    // An expired token: made to expire two seconds from now, then tried after that.
    let r = w
        .call(
            Who::Role(Role::Operator),
            Method::POST,
            "/api/v1/tokens",
            Some(
                json!({"role": "operator", "label": "vluchtig",
                       "expires": (time::OffsetDateTime::now_utc() + time::Duration::seconds(2))
                           .format(&time::format_description::well_known::Rfc3339)
                           .expect("time")})
                .to_string(),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let brief = serde_json::from_str::<Value>(&r.body).expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string();
    let ok = w
        .call_with(anon, Some(&brief), Method::GET, &probe, None)
        .await;
    assert_eq!(
        ok.status,
        StatusCode::OK,
        "valid until it expires: {}",
        ok.body
    );
    actix_web::rt::time::sleep(std::time::Duration::from_millis(2500)).await;
    let r = w
        .call_with(anon, Some(&brief), Method::GET, &probe, None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "expired: {}", r.body);
    // A listed certificate that has expired is refused in the handshake.
    let expired = client(&pki, Some(&pki.expired));
    let refused = expired
        .get(format!("{}/api/v1/inbox/{AANBIEDER}", w.base))
        .send()
        .await;
    assert!(
        refused.is_err() || refused.is_ok_and(|r| r.status() == StatusCode::UNAUTHORIZED),
        "an expired certificate gets nothing"
    );
    // Plain HTTP is not served on a TLS listener.
    let plain = w
        .anonymous
        .get(w.base.replace("https://localhost", "http://127.0.0.1") + "/healthz")
        .send()
        .await;
    assert!(plain.is_err() || plain.is_ok_and(|r| !r.status().is_success()));
    // The health checks stay public.
    let r = w.call(anon, Method::GET, "/healthz", None).await;
    assert_eq!(r.status, StatusCode::OK);
    w.app.stop().await;
}

mod hardening;
mod threats;
#[allow(unused_imports)]
use hardening::*;
