//! Hostile input through the real server (issue #13): an element with very many attributes
//! is refused at once and never stalls the health check; JSON with a member named twice is
//! refused with nothing stored; receivers get Sluis's own serialisation of a message, never
//! the comments, processing instructions or JSON oddities of the bytes as received.

use crate::auth;
use crate::helpers::{spawn_app, TestApp};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

const JW301_XML: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/ijw-3.2/JW301/valid/minimaal.xml"
));
const JW301_JSON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/ijw-3.2/JW301/valid/minimaal.json"
));

impl TestApp {
    /// Post a message as the gemeente 0599 (the Afzender of the JW301 fixtures).
    async fn post_as_gemeente(&self, body: String, content_type: &str) -> (StatusCode, String) {
        let r = self
            .client
            .post(format!("{}/api/v1/berichten", self.base))
            .header("Content-Type", content_type)
            .bearer_auth(auth::party("0599"))
            .body(body)
            .send()
            .await
            .expect("request");
        (r.status(), r.text().await.expect("body"))
    }

    /// How many messages the store keeps (the operator's list).
    async fn stored(&self) -> usize {
        let (status, list) = self.get_json("/api/v1/berichten").await;
        assert_eq!(status, StatusCode::OK);
        list["items"].as_array().map_or(0, Vec::len)
    }
}

/// A 1.4 MB message whose header element carries 100,000 attributes.
fn attribute_bomb() -> String {
    let attrs: String = (0..100_000).map(|i| format!(" a{i:06}=\"xyz\"")).collect();
    JW301_XML.replacen("<jw301:Header>", &format!("<jw301:Header{attrs}>"), 1)
}

#[actix_web::test]
async fn many_attributes_are_refused_at_once_and_health_keeps_answering() {
    let dir = tempfile::tempdir().expect("dir");
    let app = spawn_app(dir.path()).await;
    let bomb = attribute_bomb();
    assert!(bomb.len() > 1_400_000, "{} bytes", bomb.len());
    let started = Instant::now();
    let posts = futures_join(
        app.post_as_gemeente(bomb.clone(), "application/xml"),
        app.post_as_gemeente(bomb, "application/xml"),
    );
    // Health checks while the two posts are in flight, each answered within a second.
    let health = async {
        let mut slowest = Duration::ZERO;
        for _ in 0..5 {
            let asked = Instant::now();
            let r = app
                .client
                .get(format!("{}/healthz", app.base))
                .timeout(Duration::from_secs(5))
                .send()
                .await
                .expect("healthz answers");
            assert_eq!(r.status(), StatusCode::OK);
            slowest = slowest.max(asked.elapsed());
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
        slowest
    };
    let (((a, body_a), (b, _)), slowest) = futures_join(posts, health).await;
    let took = started.elapsed();
    assert_eq!(a, StatusCode::BAD_REQUEST, "{body_a}");
    assert_eq!(b, StatusCode::BAD_REQUEST);
    assert!(body_a.contains("unreadable"), "{body_a}");
    assert!(body_a.contains("64 attributes"), "{body_a}");
    assert!(slowest < Duration::from_secs(1), "healthz took {slowest:?}");
    // Before the cap: 27 s for one such body. Generous for a debug build on two cores.
    assert!(took < Duration::from_secs(10), "the posts took {took:?}");
    assert_eq!(app.stored().await, 0, "nothing stored");
    app.stop().await;
}

/// Both futures on the current task, concurrently (actix's test runtime has one thread; the
/// server's workers are threads of their own).
async fn futures_join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    tokio::join!(a, b)
}

#[actix_web::test]
async fn json_with_a_member_named_twice_is_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().expect("dir");
    let app = spawn_app(dir.path()).await;
    let cases = [
        // Another Afzender first: a first-key-wins reader downstream would see 1234.
        (
            JW301_JSON.replacen(
                "\"Afzender\": \"0599\"",
                "\"Afzender\": \"1234\", \"Afzender\": \"0599\"",
                1,
            ),
            "Afzender",
        ),
        // Another client first.
        (
            JW301_JSON.replacen(
                "\"Bsn\": \"999990019\"",
                "\"Bsn\": \"999990020\", \"Bsn\": \"999990019\"",
                1,
            ),
            "Bsn",
        ),
    ];
    for (body, member) in cases {
        assert_ne!(body, JW301_JSON, "the fixture has the member");
        let (status, problem) = app.post_as_gemeente(body, "application/json").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert!(problem.contains("unreadable"), "{problem}");
        assert!(problem.contains(&format!("\\\"{member}\\\"")), "{problem}");
        assert!(problem.contains("meer dan eens"), "Dutch detail: {problem}");
        for value in ["1234", "0599", "999990019", "999990020"] {
            assert!(!problem.contains(value), "no value echoed: {problem}");
        }
    }
    assert_eq!(app.stored().await, 0, "nothing stored");
    // The same message without the second member is taken.
    let (status, _) = app
        .post_as_gemeente(JW301_JSON.to_string(), "application/json")
        .await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}

#[actix_web::test]
async fn receivers_get_sluis_serialisation_not_the_bytes_as_received() {
    let dir = tempfile::tempdir().expect("dir");
    let app = spawn_app(dir.path()).await;
    let xml = JW301_XML
        .replacen(
            "?>",
            "?>\n<?xml-stylesheet type=\"text/xsl\" href=\"http://evil.example/x.xsl\"?>",
            1,
        )
        .replacen(
            "<jw301:Client>",
            "<jw301:Client><!-- first-key-wins: Bsn 999990020 --><?pi data?>",
            1,
        );
    let (status, body) = app.post_as_gemeente(xml.clone(), "application/xml").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The same in JSON, with an escaped letter and a different identificatie.
    let json = JW301_JSON
        .replacen("\"Visser\"", "\"Vi\\u0073ser\"", 1)
        .replacen("SLUIS-0001", "SLUIS-0002", 1);
    let (status, body) = app.post_as_gemeente(json, "application/json").await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, inbox) = app.get_json("/api/v1/inbox/12345678").await;
    assert_eq!(status, StatusCode::OK);
    let items = inbox["items"].as_array().cloned().unwrap_or_default();
    let texts: Vec<String> = items
        .iter()
        .filter(|i| i["kind"] == "bericht")
        .filter_map(|i| i["xml"].as_str().map(str::to_string))
        .collect();
    assert_eq!(texts.len(), 2, "{inbox}");
    let (from_xml, from_json) = (&texts[0], &texts[1]);
    assert!(from_xml.contains("<jw301:Bericht"), "{from_xml}");
    assert!(
        from_xml.contains("999990019"),
        "the message itself is delivered"
    );
    for passed_on in [
        "xml-stylesheet",
        "<!--",
        "<?pi",
        "999990020",
        "evil.example",
    ] {
        assert!(!from_xml.contains(passed_on), "{passed_on} in {from_xml}");
    }
    assert!(from_json.contains("\"Visser\""), "{from_json}");
    assert!(!from_json.contains("\\u0073"), "{from_json}");

    // The record keeps the bytes as received, for the audit.
    let id = items[0]["bericht_id"].as_u64().expect("id");
    let (_, record) = app.get_json(&format!("/api/v1/berichten/{id}")).await;
    assert_eq!(record["body"], xml.as_str());
    app.stop().await;
}

/// A query value that does not read is a problem naming its parameter: a bad date, number,
/// truth value or word of a set; a parameter given twice too. Nothing is answered in part.
#[actix_web::test]
async fn query_errors_name_the_parameter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    for (path, parameter) in [
        ("/api/v1/berichten?van=gisteren", "van"),
        ("/api/v1/berichten?van=999990019", "van"),
        ("/api/v1/berichten?limit=999990019x", "limit"),
        ("/api/v1/berichten?tot=2026-13-01", "tot"),
        ("/api/v1/berichten?limit=veel", "limit"),
        ("/api/v1/berichten?limit=0", "limit"),
        ("/api/v1/berichten?after=-1", "after"),
        ("/api/v1/berichten?pagina=2", "pagina"),
        ("/api/v1/audit?van=morgen", "van"),
        ("/api/v1/audit?action=stelen", "action"),
        ("/api/v1/audit?client=999990019", "client"),
        ("/api/v1/indicatoren?per=maand", "per"),
        ("/api/v1/indicatoren?domein=wlz", "domein"),
        (
            "/api/v1/indicatoren?venster_maanden=twaalf",
            "venster_maanden",
        ),
        ("/api/v1/indicatoren?venster_maanden=0", "venster_maanden"),
        ("/api/v1/indicatoren?van=2026-02-01&tot=2026-01-01", "tot"),
        ("/api/v1/financiering?peildatum=1-1-2026", "peildatum"),
        ("/api/v1/teams/noord/doelbereik?lopend=misschien", "lopend"),
        (
            "/api/v1/teams/noord/doelbereik?zonder_plan_na_dagen=-3",
            "zonder_plan_na_dagen",
        ),
        (
            "/api/v1/teams/noord/doelbereik?lopend=true&lopend=false",
            "lopend",
        ),
        ("/api/v1/indicatoren?format=pdf", "format"),
    ] {
        let (status, p) = app.get_json(path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {p}");
        assert_eq!(p["parameter"], parameter, "{path}: {p}");
        assert_eq!(p["status"], 400, "{path}");
        assert_eq!(
            p["type"], "https://sluis.example/problems/parameter",
            "{path}"
        );
        let detail = p["detail"].as_str().unwrap_or_default();
        assert!(
            detail.starts_with(&format!("{parameter}: ")),
            "{path}: {detail}"
        );
        assert!(!detail.contains("999990019"), "no BSN echoed: {detail}");
    }
    app.stop().await;
}
