//! The demo tokens of `config/sluis.toml` for tests that call the real server: which token a
//! request of the demo parties would carry. Include with
//! `#[path = "common/auth.rs"] mod auth;` and add `.bearer_auth(t)` for `auth::for_request(…)`.
#![allow(dead_code)]

const CONFIG: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/config/sluis.toml"));

/// The whole demo token of `id` (`demo-gemeente-0599`, `demo-aanbieder-12345678`,
/// `demo-team-noord`, `demo-contractmanager-0599`, `demo-operator` …).
pub fn token(id: &str) -> String {
    let prefix = format!("sluis_{id}_");
    CONFIG
        .lines()
        .filter_map(|l| l.trim().strip_prefix("demo_secret = \""))
        .map(|v| v.trim_end_matches('"'))
        .find(|v| v.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no demo token {id} in config/sluis.toml"))
        .to_string()
}

/// The token of a party: the gemeente's back office (4 digits) or an aanbieder (8 digits).
pub fn party(code: &str) -> String {
    if code.len() == 4 {
        token(&format!("demo-gemeente-{code}"))
    } else {
        token(&format!("demo-aanbieder-{code}"))
    }
}

/// The text of the first `<…Afzender>` (XML) or `"Afzender": "…"` (JSON) in a message.
pub fn afzender(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    if let Some(i) = text.find("Afzender>") {
        let rest = &text[i + "Afzender>".len()..];
        return Some(rest[..rest.find('<')?].trim().to_string());
    }
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    v.pointer("/Header/Afzender")
        .or_else(|| v.get("aanbieder"))
        .and_then(|a| a.as_str())
        .map(str::to_string)
}

/// The token the demo party behind a request would use: the sender of a posted message, the
/// owner of an inbox, the gebiedsteam of a team path or of a beoordeling, the back office for
/// toewijzingen and messages, the contractmanager for financing and indicators, the operator
/// for the list of all messages and the metrics. `None` for the public health checks.
pub fn for_request(method: &str, path: &str, body: &[u8]) -> Option<String> {
    let path = path.split('?').next().unwrap_or(path);
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let json = || serde_json::from_slice::<serde_json::Value>(body).ok();
    match (method, parts.as_slice()) {
        (_, ["healthz"] | ["readyz"]) => None,
        (_, ["metrics"]) => Some(token("demo-operator")),
        ("POST", ["api", "v1", "berichten"]) => afzender(body).map(|a| party(&a)),
        ("POST", ["api", "v1", "behandelplannen" | "resultaatmeldingen"]) => {
            afzender(body).map(|a| party(&a))
        }
        ("POST", ["api", "v1", "beoordelingen"]) => {
            json().and_then(|v| v["team"].as_str().map(|t| token(&format!("demo-team-{t}"))))
        }
        ("GET", ["api", "v1", "berichten"]) => Some(token("demo-operator")),
        (_, ["api", "v1", "inbox", p, ..]) => Some(party(p)),
        (_, ["api", "v1", "teams", t, ..]) => Some(token(&format!("demo-team-{t}"))),
        ("GET", ["api", "v1", "financiering" | "indicatoren" | "audit" | "stromen"]) => {
            Some(token("demo-contractmanager-0599"))
        }
        (_, ["api", "v1", "tokens", ..]) => Some(token("demo-operator")),
        // The plan status is for the client's gebiedsteam (or its aanbieders); the tests'
        // clients live in noord's postcode area.
        ("GET", ["api", "v1", "clienten", _, "planstatus"]) => Some(token("demo-team-noord")),
        // Messages, toewijzingen, clients, plan status, team override: the back office.
        _ => Some(token("demo-gemeente-0599")),
    }
}

/// Adds the demo token to a request that carries none: [`for_request`] of its method, path
/// and body. A request that already has an `Authorization` header (a test acting as a chosen
/// party) keeps it. A request none of the demo parties would make (a body without an Afzender,
/// say) must name its token; such a request panics here, so no test silently calls the API
/// without credentials.
pub trait DemoAuth {
    fn demo_auth(self) -> reqwest::RequestBuilder;
}

impl DemoAuth for reqwest::RequestBuilder {
    fn demo_auth(self) -> reqwest::RequestBuilder {
        let Some(request) = self.try_clone().and_then(|b| b.build().ok()) else {
            return self;
        };
        if request
            .headers()
            .contains_key(reqwest::header::AUTHORIZATION)
        {
            return self;
        }
        let url = request.url();
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let body = request
            .body()
            .and_then(|b| b.as_bytes())
            .unwrap_or_default();
        let method = request.method().as_str();
        match for_request(method, &path, body) {
            Some(token) => self.bearer_auth(token),
            None if matches!(url.path(), "/healthz" | "/readyz") => self,
            None => panic!("{method} {path}: which party sends this? give its token"),
        }
    }
}
