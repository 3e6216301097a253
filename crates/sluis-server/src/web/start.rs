//! `GET /` (sign-in, or the start page of the signed-in role), `POST /aanmelden`,
//! `POST /afmelden` and the stylesheet.
//!
//! Sign-in takes a token (the same tokens as the API) or, over TLS with client certificates,
//! the certificate the browser presented; either becomes a session ([`super::session`]). The
//! sign-in form is bound to a random value in its own cookie (`sluis_aanmelden`, a CSRF token
//! before there is a session), so no other site can sign a browser in under its token.

use super::layout::{self, page};
use super::session::{self, Sessions};
use super::{check_csrf, html, respond, session as current};
use crate::gateway::Gateway;
use crate::http::auth::{audit_detail, Security};
use crate::http::error::ApiError;
use crate::http::extract;
use crate::security::access::Role;
use crate::security::tls::PeerCertificate;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

pub async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        // The stylesheet holds no personal data; a day in the browser's cache is fine.
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(super::STYLE)
}

/// Where a role starts.
pub fn home(role: Role) -> &'static str {
    match role {
        Role::Gebiedsteam => "/caseload",
        Role::Contractmanager => "/aanbieders",
        Role::Gemeente | Role::Aanbieder | Role::Operator => "/berichten",
    }
}

fn signin_form(
    req: &HttpRequest,
    sessions: &Sessions,
    status: StatusCode,
    fout: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let binding = session::random_token().map_err(|_| ApiError::Unavailable)?;
    let cert = req.conn_data::<PeerCertificate>().is_some();
    let body = html! {
        h1 { "Aanmelden bij Sluis" }
        p { "Sluis brengt de berichten tussen de gemeente en zorgaanbieders samen: behandelplannen, resultaten, toewijzingen en declaraties." }
        @if let Some(f) = fout {
            div class="fouten" role="alert" { p { (f) } }
        }
        form method="post" action="/aanmelden" class="aanmelden" {
            input type="hidden" name="csrf" value=(binding);
            p {
                label for="token" { "Uw toegangscode (token)" }
                input type="password" id="token" name="token" autocomplete="off" size="60"
                    aria-describedby="token-uitleg";
            }
            p id="token-uitleg" class="stil" {
                "De code die u van de beheerder kreeg. Hij wordt niet bewaard in de browser; u krijgt een sessie die na een half uur zonder gebruik vervalt."
            }
            @if cert {
                p class="stil" { "Uw browser heeft een certificaat getoond: laat het veld leeg om daarmee aan te melden." }
            }
            p { button type="submit" class="knop" { "Aanmelden" } }
        }
        h2 { "Zonder aanmelden" }
        p { "Wilt u alleen een bericht controleren? Ook daarvoor is een toegangscode nodig; na het aanmelden vindt u " em { "Bericht controleren" } " in het menu." }
    };
    Ok(html(status, page("Aanmelden", None, body))
        .customize_cookie(sessions.cookie(session::SIGNIN_COOKIE, &binding)))
}

trait WithCookie {
    fn customize_cookie(self, cookie: String) -> HttpResponse;
}

impl WithCookie for HttpResponse {
    fn customize_cookie(mut self, cookie: String) -> HttpResponse {
        if let Ok(v) = header::HeaderValue::from_str(&cookie) {
            self.headers_mut().append(header::SET_COOKIE, v);
        }
        self
    }
}

/// `GET /`: the sign-in form, or the start page of the signed-in role.
pub async fn start(req: HttpRequest, sessions: web::Data<Sessions>) -> HttpResponse {
    respond(
        &req,
        (|| {
            let Some(s) = current(&req) else {
                return signin_form(&req, &sessions, StatusCode::OK, None);
            };
            let role = s.principal.role;
            let body = html! {
                h1 { "Welkom" }
                p { "U bent aangemeld als " strong { (layout::wie(&s)) } "." }
                ul {
                    @match role {
                        Role::Gebiedsteam => {
                            li { a href="/caseload" { "De caseload van uw team" } " – trajecten, plannen, resultaten en uw beoordeling." }
                        }
                        Role::Contractmanager => {
                            li { a href="/aanbieders" { "Aanbieders vergelijken" } " – doelrealisatie, uitval, tevredenheid, herhaald beroep en financiering." }
                            li { a href="/berichten" { "Berichten" } " van de gemeente zoeken." }
                        }
                        _ => {
                            li { a href="/berichten" { "Berichten zoeken" } " – op identificatie, aanbieder, soort, status, datum of retourcode." }
                        }
                    }
                    li { a href="/validatie" { "Een bericht controleren" } " – zonder dat het wordt opgeslagen." }
                }
            };
            Ok(html(StatusCode::OK, page("Start", Some(&s), body)))
        })(),
    )
}

#[derive(Deserialize)]
struct SignIn {
    csrf: String,
    #[serde(default)]
    token: String,
}

/// `POST /aanmelden`.
pub async fn sign_in(
    req: HttpRequest,
    payload: web::Payload,
    sec: web::Data<Security>,
    sessions: web::Data<Sessions>,
) -> HttpResponse {
    let r = async {
        let body = extract::body(payload, 8 * 1024).await?;
        let form = super::form::<SignIn>(&body)?;
        let bound = super::cookie(req.headers(), session::SIGNIN_COOKIE).unwrap_or_default();
        if bound.is_empty() || !session::same_secret(&bound, &form.csrf) {
            return signin_form(
                &req,
                &sessions,
                StatusCode::FORBIDDEN,
                Some(
                    "Het formulier was verlopen of kwam niet van deze pagina. Probeer het opnieuw.",
                ),
            );
        }
        let token = form.token.trim();
        let principal = if token.is_empty() {
            req.conn_data::<PeerCertificate>()
                .and_then(|peer| sec.certs.identify(peer))
        } else {
            match sec.tokens.authenticate(token) {
                Ok(p) => Some(p),
                Err(e) => {
                    // The reason goes to the audit, never the secret.
                    audit_detail(&req, format!("aanmelden geweigerd ({e})"));
                    None
                }
            }
        };
        let Some(principal) = principal else {
            let peer = req.conn_data::<PeerCertificate>().is_some();
            let why = match (token.is_empty(), peer) {
                (false, _) => "Aanmelden is niet gelukt: de toegangscode is onbekend, ingetrokken of verlopen.",
                (true, true) => "Aanmelden is niet gelukt: het certificaat dat uw browser toonde is niet bekend bij Sluis.",
                (true, false) => "Vul uw toegangscode in.",
            };
            return signin_form(&req, &sessions, StatusCode::UNAUTHORIZED, Some(why));
        };
        audit_detail(
            &req,
            format!("aangemeld: {} als {}", principal.actor, principal.role),
        );
        // A new session id at every sign-in; an old one of this browser ends.
        if let Some(old) = super::cookie(req.headers(), session::COOKIE) {
            sessions.end(&old);
        }
        let role = principal.role;
        let (id, _csrf) = sessions
            .begin(principal)
            .map_err(|_| ApiError::Unavailable)?;
        Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, home(role)))
            .finish()
            .customize_cookie(sessions.cookie(session::COOKIE, &id))
            .customize_cookie(sessions.removal(session::SIGNIN_COOKIE)))
    };
    respond(&req, r.await)
}

#[derive(Deserialize)]
struct Csrf {
    csrf: String,
}

/// `POST /afmelden`.
pub async fn sign_out(
    req: HttpRequest,
    payload: web::Payload,
    sessions: web::Data<Sessions>,
    _gw: web::Data<Gateway>,
) -> HttpResponse {
    let r = async {
        let body = extract::body(payload, 8 * 1024).await?;
        let form = super::form::<Csrf>(&body)?;
        check_csrf(&req, &form.csrf)?;
        if let Some(c) = super::cookie(req.headers(), session::COOKIE) {
            sessions.end(&c);
        }
        Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/"))
            .finish()
            .customize_cookie(sessions.removal(session::COOKIE)))
    };
    respond(&req, r.await)
}
