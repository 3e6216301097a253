//! The validation page: paste a message or choose a file, see what Sluis finds (rule code,
//! retourcode, what is wrong, where). Judged as `POST /api/v1/validatie` judges it
//! (`Gateway::check`: structure and the in-message rules, on the judging pool, with the
//! gateway's limits and the same stricter rate per caller); nothing is stored, nothing is
//! delivered. Checks against the history (levels 3–4) need the stored messages and are not run
//! here.
//!
//! The form is `multipart/form-data` (a file cannot be sent otherwise), read with
//! actix-multipart from the request's own payload, in memory: a file is never written
//! anywhere. A file may be as large as a message the gateway takes (`server.max_body_bytes`);
//! the request as a whole is capped (file, pasted text and the form's own overhead) before a
//! byte of it is read, also when it comes without a Content-Length.

use super::layout::page;
use super::{check_csrf, html, respond, session, Session};
use crate::gateway::Gateway;
use crate::http::auth::{Caller, Security};
use crate::http::error::ApiError;
use crate::http::extract;
use actix_multipart::Multipart;
use actix_web::error::PayloadError;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use maud::{html, Markup};
use serde::Deserialize;
use sluis_core::intake::Checked;
use sluis_core::ReadError;

/// Bytes in words: `10 MB`, `512 kB`, `300 bytes`.
fn grootte(n: usize) -> String {
    const MB: usize = 1024 * 1024;
    if n >= MB && n % MB == 0 {
        format!("{} MB", n / MB)
    } else if n >= 1024 {
        format!("{} kB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

fn formulier(s: &Session, tekst: &str, max: usize) -> Markup {
    html! {
        form method="post" action="/validatie" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(s.csrf);
            p id="bericht-uitleg" { "Sluis controleert de opbouw van een iJw- of iWmo-bericht (XSD) en de regels binnen het bericht. "
                "Er wordt niets bewaard of verstuurd." }
            p {
                label for="bestand" { "Kies een bestand met het bericht" }
                input type="file" id="bestand" name="bestand" accept=".xml,.json,text/xml,application/xml,application/json"
                    aria-describedby="bestand-uitleg";
            }
            p id="bestand-uitleg" class="stil" { "XML of JSON, in UTF-8, tot " (grootte(max)) "." }
            p {
                label for="bericht" { "Of plak het bericht hier" }
                textarea id="bericht" name="bericht" rows="14" spellcheck="false" aria-describedby="bericht-uitleg" { (tekst) }
            }
            p { button type="submit" class="knop" { "Controleren" } }
        }
    }
}

fn validatie_page(s: &Session, uitkomst: Option<Markup>, tekst: &str, max: usize) -> Markup {
    let body = html! {
        h1 { "Bericht controleren" }
        @if let Some(u) = uitkomst {
            section aria-labelledby="uitkomst" {
                h2 id="uitkomst" { "Uitkomst" }
                (u)
            }
            h2 { "Nog een bericht controleren" }
        }
        (formulier(s, tekst, max))
    };
    page("Bericht controleren", Some(s), body)
}

/// `GET /validatie`.
pub async fn form(req: HttpRequest, gw: web::Data<Gateway>) -> HttpResponse {
    respond(
        &req,
        (|| {
            let s = session(&req).ok_or(ApiError::Unauthenticated)?;
            Ok(html(
                StatusCode::OK,
                validatie_page(&s, None, "", gw.settings.server.max_body_bytes),
            ))
        })(),
    )
}

/// What the form brought: the CSRF token, the pasted text, the chosen file.
#[derive(Default)]
struct Ingevuld {
    csrf: String,
    bericht: String,
    bestand: Option<Bestand>,
}

struct Bestand {
    naam: String,
    inhoud: Result<Vec<u8>, Probleem>,
}

/// Why a form's message cannot be checked; said on the page, nothing is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Probleem {
    Leeg,
    TeGroot,
    GeenUtf8,
    NietsGegeven,
}

impl Probleem {
    fn uitleg(&self, naam: &str, max: usize) -> String {
        match self {
            Probleem::Leeg => format!("Het gekozen bestand {naam} is leeg. Kies het bestand met het bericht."),
            Probleem::TeGroot => format!(
                "Het gekozen bestand {naam} is groter dan {}, de grens van Sluis voor één bericht. Het is niet gecontroleerd.",
                grootte(max)
            ),
            Probleem::GeenUtf8 => format!(
                "Het gekozen bestand {naam} is geen tekst in UTF-8. Berichten worden in UTF-8 verstuurd; sla het bestand zo op en probeer het opnieuw."
            ),
            Probleem::NietsGegeven => "Kies een bestand of plak een bericht.".to_string(),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Probleem::TeGroot => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

#[derive(Deserialize)]
struct Geplakt {
    csrf: String,
    #[serde(default)]
    bericht: String,
}

/// A plain form (`application/x-www-form-urlencoded`, as before the upload): the pasted text.
async fn lees_formulier(payload: web::Payload, max: usize) -> Result<Ingevuld, ApiError> {
    let body = extract::body(payload, crate::http::auth::validation_request_limit(max)).await?;
    let f = super::form::<Geplakt>(&body)?;
    Ok(Ingevuld {
        csrf: f.csrf,
        bericht: f.bericht,
        bestand: None,
    })
}

/// A `multipart/form-data` form: `csrf`, `bericht` and the file `bestand`, each read up to its
/// own limit; other fields are passed over. A part beyond its limit is read to its end (within
/// the request's cap) so that the page can say what was wrong.
async fn lees_multipart(
    req: &HttpRequest,
    payload: web::Payload,
    max: usize,
) -> Result<Ingevuld, ApiError> {
    let cap = crate::http::auth::validation_request_limit(max);
    let mut seen = 0usize;
    // The cap over the stream itself: a chunked request has no Content-Length to refuse it by.
    let capped = payload.map(move |chunk| {
        let chunk = chunk?;
        seen = seen.saturating_add(chunk.len());
        if seen > cap {
            Err(PayloadError::Overflow)
        } else {
            Ok(chunk)
        }
    });
    let te_groot = || ApiError::TooLarge(format!("het formulier is groter dan {cap} bytes"));
    let onleesbaar = || ApiError::BadRequest("het formulier kon niet gelezen worden".into());
    let mut parts = Multipart::new(req.headers(), capped);
    let mut f = Ingevuld::default();
    while let Some(field) = parts.next().await {
        let mut field = field.map_err(|e| match e {
            actix_multipart::MultipartError::Payload(PayloadError::Overflow) => te_groot(),
            _ => onleesbaar(),
        })?;
        let name = field.name().unwrap_or_default().to_string();
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_string);
        let limit = match name.as_str() {
            "csrf" => 256,
            "bericht" | "bestand" => max,
            _ => 0,
        };
        let bytes = match field.bytes(limit).await {
            Ok(Ok(b)) => Ok(b),
            Ok(Err(actix_multipart::MultipartError::Payload(PayloadError::Overflow))) => {
                return Err(te_groot())
            }
            Ok(Err(_)) => return Err(onleesbaar()),
            Err(_) => Err(Probleem::TeGroot),
        };
        match name.as_str() {
            "csrf" => {
                let b = bytes.map_err(|_| onleesbaar())?;
                f.csrf = String::from_utf8(b.to_vec()).map_err(|_| onleesbaar())?;
            }
            "bericht" => {
                let b = bytes.map_err(|_| {
                    ApiError::TooLarge(format!(
                        "het geplakte bericht is groter dan {}",
                        grootte(max)
                    ))
                })?;
                f.bericht = String::from_utf8(b.to_vec())
                    .map_err(|_| ApiError::BadRequest("het formulier is geen UTF-8".into()))?;
            }
            "bestand" => {
                // A browser sends an empty part without a file name when no file was chosen.
                let naam = filename.unwrap_or_default();
                let inhoud = bytes.map(|b| b.to_vec());
                if naam.is_empty() && inhoud.as_ref().is_ok_and(Vec::is_empty) {
                    continue;
                }
                f.bestand = Some(Bestand { naam, inhoud });
            }
            _ => {}
        }
    }
    Ok(f)
}

/// The file's name, if a file was chosen, with what is to be checked or what is wrong.
type Te<'a, T> = (Option<&'a str>, T);

/// The bytes to check: the file when one was chosen, else the pasted text.
fn te_controleren(f: &Ingevuld) -> Result<Te<'_, &[u8]>, Te<'_, Probleem>> {
    match &f.bestand {
        Some(b) => {
            let naam = Some(b.naam.as_str());
            match &b.inhoud {
                Err(p) => Err((naam, p.clone())),
                Ok(v) if v.is_empty() => Err((naam, Probleem::Leeg)),
                Ok(v) if std::str::from_utf8(v).is_err() => Err((naam, Probleem::GeenUtf8)),
                Ok(v) => Ok((naam, v.as_slice())),
            }
        }
        None if f.bericht.trim().is_empty() => Err((None, Probleem::NietsGegeven)),
        None => Ok((None, f.bericht.as_bytes())),
    }
}

fn uitkomst(naam: Option<&str>, checked: &Result<Checked, ReadError>) -> Markup {
    html! {
        @if let Some(n) = naam { p { "Bestand: " strong { (n) } } }
        @match checked {
            Err(e) => { div class="fouten" role="alert" { p { "Het bericht kon niet gelezen worden: " (e) } } }
            Ok(c) if c.verdict.findings.is_empty() => {
                div class="melding" role="status" { p { (c.verdict.document.code()) ": geen bevindingen. Het bericht voldoet aan de opbouw en de regels binnen het bericht." } }
            }
            Ok(c) => {
                @let findings = &c.verdict.findings;
                div class="fouten" role="alert" { p { (c.verdict.document.code()) ": "
                    @if findings.len() == 1 { "één bevinding." } @else { (findings.len()) " bevindingen." } } }
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
}

/// `POST /validatie`: a pasted message or a chosen file, judged and shown; nothing stored.
pub async fn check(
    req: HttpRequest,
    who: Caller,
    payload: web::Payload,
    gw: web::Data<Gateway>,
    sec: web::Data<Security>,
) -> HttpResponse {
    let r = async {
        let max = gw.settings.server.max_body_bytes;
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("multipart/form-data"));
        let f = if multipart {
            lees_multipart(&req, payload, max).await?
        } else {
            lees_formulier(payload, max).await?
        };
        let s = check_csrf(&req, &f.csrf)?;
        let (naam, bytes) = match te_controleren(&f) {
            Ok(x) => x,
            Err((naam, p)) => {
                let u = html! { div class="fouten" role="alert" { p { (p.uitleg(naam.unwrap_or(""), max)) } } };
                return Ok(html(
                    p.status(),
                    validatie_page(&s, Some(u), &f.bericht, max),
                ));
            }
        };
        // The stricter budget of `POST /api/v1/validatie`: judging costs the same here.
        sec.validatie
            .take(who.rate_key())
            .map_err(|wait| ApiError::TooManyRequests {
                retry_after_secs: wait.as_secs(),
            })?;
        let checked = gw.clone().into_inner().check(bytes).await?;
        let u = uitkomst(naam, &checked);
        Ok(html(
            StatusCode::OK,
            validatie_page(&s, Some(u), &f.bericht, max),
        ))
    };
    respond(&req, r.await)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn met_bestand(inhoud: Result<Vec<u8>, Probleem>) -> Ingevuld {
        Ingevuld {
            csrf: String::new(),
            bericht: "geplakt".into(),
            bestand: Some(Bestand {
                naam: "x.xml".into(),
                inhoud,
            }),
        }
    }

    #[test]
    fn a_chosen_file_goes_before_the_pasted_text_and_is_checked_for_what_it_is() {
        let f = met_bestand(Ok(b"<a/>".to_vec()));
        assert_eq!(te_controleren(&f), Ok((Some("x.xml"), &b"<a/>"[..])));
        let leeg = met_bestand(Ok(Vec::new()));
        assert_eq!(te_controleren(&leeg), Err((Some("x.xml"), Probleem::Leeg)));
        let latin1 = met_bestand(Ok(vec![b'<', 0xE9, b'>']));
        assert_eq!(
            te_controleren(&latin1),
            Err((Some("x.xml"), Probleem::GeenUtf8))
        );
        let groot = met_bestand(Err(Probleem::TeGroot));
        assert_eq!(
            te_controleren(&groot),
            Err((Some("x.xml"), Probleem::TeGroot))
        );
        let niets = Ingevuld {
            bericht: "  \n".into(),
            ..Ingevuld::default()
        };
        assert_eq!(te_controleren(&niets), Err((None, Probleem::NietsGegeven)));
        assert_eq!(grootte(10 * 1024 * 1024), "10 MB");
        assert_eq!(grootte(64 * 1024), "64 kB");
        assert!(Probleem::TeGroot
            .uitleg("x.xml", 1024)
            .contains("groter dan 1 kB"));
    }
}
