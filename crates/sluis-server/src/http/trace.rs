//! The outermost middleware: one request id per request and one log line per answer.
//!
//! The id is taken from the caller's `X-Request-Id` when it is 1–64 characters of
//! `A-Z a-z 0-9 . _ - :` (anything else is replaced, never echoed), else made here; it is
//! returned in `X-Request-Id`, set on a tracing span around the request (so every log line
//! of the request carries it), and put in every problem answer (`request_id`). The log line
//! and the HTTP metrics name the route template, never the raw path: a path may hold a BSN.

use crate::gateway::Gateway;
use crate::security::access::TABLE;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use std::time::Instant;
use tracing::Instrument;

/// The header that carries the request id, both ways.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of one request (also in the request's extensions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

tokio::task_local! {
    static CURRENT: RequestId;
}

/// The id of the request being answered on this task, if any (for problem answers).
pub fn current() -> Option<String> {
    CURRENT.try_with(|r| r.0.clone()).ok()
}

/// A caller's id when it is safe to log and echo: 1–64 characters of a small alphabet.
pub fn accepted(value: &str) -> Option<&str> {
    let ok = (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':'));
    ok.then_some(value)
}

/// A new id: 16 random bytes, hex.
fn generate() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // No randomness: the time still tells requests apart in practice.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        b = t.to_be_bytes();
    }
    hex::encode(b)
}

/// The route template of a request: a path of the access table, or `-` for none (bounded:
/// the metrics' label and the log never take a raw path).
fn template(pattern: Option<&str>) -> &'static str {
    pattern
        .and_then(|p| {
            TABLE
                .iter()
                .map(|r| r.endpoint.path())
                .find(|path| *path == p)
        })
        .unwrap_or("-")
}

/// The middleware (`actix_web::middleware::from_fn(trace)`), wrapped outermost.
pub async fn trace(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .and_then(accepted)
        .map(str::to_string)
        .unwrap_or_else(generate);
    let method = req.method().to_string();
    let route = template(req.match_pattern().as_deref());
    let gw = req.app_data::<web::Data<Gateway>>().cloned();
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id);
    let answered = CURRENT
        .scope(RequestId(id.clone()), next.call(req))
        .instrument(span.clone())
        .await;
    // An error that leaves the chain was made into its answer inside the scope already (the
    // time limit's 503); only its status is needed here.
    let status = match &answered {
        Ok(res) => res.status().as_u16(),
        Err(e) => e.as_response_error().status_code().as_u16(),
    };
    let seconds = started.elapsed().as_secs_f64();
    if let Some(gw) = gw {
        gw.metrics.http(&method, route, status, seconds);
    }
    tracing::info!(
        target: "sluis::request",
        parent: &span,
        method = %method,
        route,
        status,
        duration_ms = (seconds * 1000.0 * 1000.0).round() / 1000.0,
        "request"
    );
    let mut res = answered?;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_callers_id_is_taken_only_when_it_is_short_and_plain() {
        assert_eq!(accepted("abc-123_x.y:z"), Some("abc-123_x.y:z"));
        assert_eq!(accepted(&"a".repeat(64)).map(str::len), Some(64));
        assert_eq!(accepted(&"a".repeat(65)), None);
        assert_eq!(accepted(""), None);
        assert_eq!(accepted("a b"), None);
        assert_eq!(accepted("x\u{1b}[31m"), None);
        assert_eq!(accepted("/api/v1/clienten/999990019"), None);
        let made = generate();
        assert_eq!(made.len(), 32);
        assert!(accepted(&made).is_some());
        assert_ne!(made, generate());
    }

    #[test]
    fn the_route_is_a_template_of_the_table_or_a_dash() {
        assert_eq!(
            template(Some("/api/v1/clienten/{bsn}/toewijzingen")),
            "/api/v1/clienten/{bsn}/toewijzingen"
        );
        assert_eq!(template(Some("/api/v1/clienten/999990019")), "-");
        assert_eq!(template(None), "-");
    }
}
