//! The web pages (issue #15, docs/pages.md): server-rendered HTML in Dutch for the gebiedsteam,
//! the contractmanager, the back office and the operator, on the gateway's read methods (never
//! an HTTP call to itself). Every page is a row of the one access table
//! (`security::access::TABLE`, `Endpoint::Page*`), served by the same middleware as the API: it
//! identifies a page by its session cookie ([`session`]), refuses with a page, and writes the
//! audit entry — a page that shows a client's data names the client (its keyed pseudonym).
//!
//! No JavaScript, no inline style or script: the strict CSP of the API is loosened for pages
//! only by `style-src 'self'` (the one stylesheet, `assets/sluis.css`) and `form-action 'self'`.
//! No BSN in a URL: a client is named by its opaque id, the keyed pseudonym the audit already
//! uses ([`clients`]).

pub mod berichten;
pub mod chart;
pub mod clients;
pub mod contract;
pub mod layout;
pub mod session;
pub mod start;
pub mod team;
pub mod validatie;

use crate::http::error::ApiError;
use crate::security::access::Principal;
use actix_web::dev::ServiceRequest;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use maud::Markup;
pub use session::{Session, Sessions};

/// The Content-Security-Policy of a page: nothing but the own stylesheet, own images and forms
/// that post to this server. No script at all.
pub const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The stylesheet, served by [`start::style`].
pub const STYLE: &str = include_str!("../../assets/sluis.css");

/// The principal of a page request's session cookie (the middleware's identification of a
/// page). The session itself goes into the request's extensions, for its CSRF token.
pub fn session_of(req: &ServiceRequest) -> Option<Principal> {
    let sessions = req.app_data::<web::Data<Sessions>>()?;
    let cookie = cookie(req.headers(), session::COOKIE)?;
    let found = sessions.get(&cookie)?;
    let principal = found.principal.clone();
    req.extensions_mut().insert(found);
    Some(principal)
}

/// The session of a page request (set by the middleware).
pub fn session(req: &HttpRequest) -> Option<Session> {
    req.extensions().get::<Session>().cloned()
}

/// An HTML answer with the page's CSP.
pub fn html(status: StatusCode, page: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", PAGE_CSP))
        .body(page.into_string())
}

/// A page's answer to a refusal or error: the same status, a page that says what to do (with
/// the menu and sign-out of the session, if there is one).
pub fn refusal(e: &ApiError, s: Option<&Session>) -> HttpResponse {
    use actix_web::ResponseError;
    let status = e.status_code();
    let (titel, uitleg) = match status.as_u16() {
        401 => (
            "Aanmelden nodig",
            "U bent niet (meer) aangemeld. Uw sessie kan verlopen zijn. Meld u opnieuw aan."
                .to_string(),
        ),
        403 => (
            "Geen toegang",
            "Deze pagina of deze cliënt valt buiten uw rol of uw team.".to_string(),
        ),
        404 => (
            "Niet gevonden",
            "Deze pagina of dit gegeven bestaat niet.".to_string(),
        ),
        413 => (
            "Te groot",
            format!(
                "Sluis neemt dit niet aan: {}. Er is niets gecontroleerd of bewaard.",
                e
            ),
        ),
        429 => (
            "Even geduld",
            "Er kwamen te veel verzoeken tegelijk. Probeer het zo opnieuw.".to_string(),
        ),
        503 => (
            "Tijdelijk niet beschikbaar",
            "De gegevens konden nu niet gelezen worden. Probeer het zo opnieuw.".to_string(),
        ),
        400 | 422 => ("Niet verwerkt", e.to_string()),
        _ => ("Er ging iets mis", "Probeer het later opnieuw.".to_string()),
    };
    let page = layout::page(
        titel,
        s,
        maud::html! {
            h1 { (titel) }
            p { (uitleg) }
            p { a href="/" { "Naar de startpagina" } }
        },
    );
    let mut resp = html(status, page);
    if let ApiError::MethodNotAllowed { allow } = e {
        if let Ok(v) = header::HeaderValue::from_str(allow) {
            resp.headers_mut().insert(header::ALLOW, v);
        }
    }
    resp
}

/// A handler's result as a page: an error becomes [`refusal`].
pub fn respond(req: &HttpRequest, r: Result<HttpResponse, ApiError>) -> HttpResponse {
    r.unwrap_or_else(|e| refusal(&e, session(req).as_ref()))
}

/// The CSRF check of a posted form: the session's token, compared whole. `Err`: 403.
pub fn check_csrf(req: &HttpRequest, sent: &str) -> Result<Session, ApiError> {
    let s = session(req).ok_or(ApiError::Unauthenticated)?;
    if session::same_secret(&s.csrf, sent) {
        Ok(s)
    } else {
        Err(ApiError::Forbidden)
    }
}

/// A posted form (`application/x-www-form-urlencoded`) into `T`; what does not fit is 400.
pub fn form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::BadRequest("het formulier is geen UTF-8".into()))?;
    web::Query::<T>::from_query(text)
        .map(web::Query::into_inner)
        .map_err(|_| ApiError::BadRequest("het formulier is onvolledig of onjuist ingevuld".into()))
}

/// The value of a cookie in the request's `Cookie` headers (actix's cookie feature is off: one
/// parser less). Our values are URL-safe base64; anything else is not ours.
pub fn cookie(headers: &header::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}
