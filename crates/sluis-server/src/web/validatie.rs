//! The validation page: paste a message, see what Sluis finds (rule code, retourcode, what is
//! wrong, where). The pure core judges it (`sluis_core::validate`: structure and the in-message
//! rules); nothing is stored, nothing is delivered. Checks against the history (levels 3–4)
//! need the stored messages and are not run here.

use super::layout::page;
use super::{check_csrf, html, respond, session, Session};
use crate::gateway::Gateway;
use crate::http::error::ApiError;
use crate::http::extract;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;
use sluis_core::Finding;

fn formulier(s: &Session, tekst: &str) -> Markup {
    html! {
        form method="post" action="/validatie" {
            input type="hidden" name="csrf" value=(s.csrf);
            p {
                label for="bericht" { "Het bericht (XML of JSON)" }
                textarea id="bericht" name="bericht" rows="16" spellcheck="false" aria-describedby="bericht-uitleg" { (tekst) }
            }
            p id="bericht-uitleg" class="stil" { "Plak een iJw- of iWmo-bericht. Sluis controleert de opbouw (XSD) en de regels binnen het bericht. Er wordt niets bewaard of verstuurd." }
            p { button type="submit" class="knop" { "Controleren" } }
        }
    }
}

/// `GET /validatie`.
pub async fn form(req: HttpRequest) -> HttpResponse {
    respond(
        &req,
        (|| {
            let s = session(&req).ok_or(ApiError::Unauthenticated)?;
            let body = html! { h1 { "Bericht controleren" } (formulier(&s, "")) };
            Ok(html(
                StatusCode::OK,
                page("Bericht controleren", Some(&s), body),
            ))
        })(),
    )
}

#[derive(Deserialize)]
struct Ingevuld {
    csrf: String,
    #[serde(default)]
    bericht: String,
}

/// The findings on a message, or why it could not be read.
pub fn controleer(
    bytes: &[u8],
    limits: &sluis_core::Limits,
) -> Result<(String, Vec<Finding>), String> {
    sluis_core::validate(bytes, limits)
        .map(|v| (v.document.code().to_string(), v.findings))
        .map_err(|e| e.to_string())
}

/// `POST /validatie`.
pub async fn check(
    req: HttpRequest,
    payload: web::Payload,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    let r = async {
        let max = gw.settings.server.max_body_bytes;
        // A form encodes every byte at most three times over.
        let body = extract::body(payload, max.saturating_mul(3)).await?;
        let f = super::form::<Ingevuld>(&body)?;
        let s = check_csrf(&req, &f.csrf)?;
        let uitkomst = controleer(f.bericht.as_bytes(), &sluis_core::Limits::default());
        let body = html! {
            h1 { "Bericht controleren" }
            section aria-labelledby="uitkomst" {
                h2 id="uitkomst" { "Uitkomst" }
                @match &uitkomst {
                    Err(e) => { div class="fouten" role="alert" { p { "Het bericht kon niet gelezen worden: " (e) } } }
                    Ok((code, findings)) if findings.is_empty() => {
                        div class="melding" role="status" { p { (code) ": geen bevindingen. Het bericht voldoet aan de opbouw en de regels binnen het bericht." } }
                    }
                    Ok((code, findings)) => {
                        div class="fouten" role="alert" { p { (code) ": " (findings.len()) " bevinding(en)." } }
                        table {
                            caption class="stil" { "Bevindingen met de code van de regel" }
                            thead { tr { th scope="col" { "Regel" } th scope="col" { "Retourcode" } th scope="col" { "Wat er mis is" } th scope="col" { "Waar" } } }
                            tbody { @for f in findings {
                                tr { td { (f.code) } td { (f.retourcode.unwrap_or("–")) } td { (f.message) } td { code { (f.path) } } }
                            } }
                        }
                    }
                }
            }
            (formulier(&s, &f.bericht))
        };
        Ok(html(
            StatusCode::OK,
            page("Bericht controleren", Some(&s), body),
        ))
    };
    respond(&req, r.await)
}
