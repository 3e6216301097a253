//! The HTTP API (actix-web): handlers translate requests into calls on the [`Gateway`] and its
//! store, and results into responses. No business logic here.

pub mod admin;
pub mod auth;
pub mod doelbereik;
pub mod limits;
pub mod problem;

use crate::gateway::{Gateway, IngestError};
use crate::security::access::Facts;
use crate::store::{StoredBericht, StoredFinding};
use actix_web::http::header::{self, ContentType};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use auth::{caller, forbidden, permitted, Caller};
use problem::Problem;
use serde::{Deserialize, Serialize};
use sluis_core::{Format, ReadError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics))
        .service(
            web::scope("/api/v1")
                .route("/berichten", web::post().to(post_bericht))
                .route("/berichten", web::get().to(list_berichten))
                .route("/berichten/{id}", web::get().to(get_bericht))
                .route("/toewijzingen/{nummer}", web::get().to(get_toewijzing))
                .route(
                    "/clienten/{bsn}/toewijzingen",
                    web::get().to(client_toewijzingen),
                )
                .route("/inbox/{party}", web::get().to(get_inbox))
                .route("/inbox/{party}/ack", web::post().to(ack_inbox))
                .configure(doelbereik::routes)
                .configure(admin::routes),
        );
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::plaintext())
        .body("ok\n")
}

async fn readyz(gw: web::Data<Gateway>) -> HttpResponse {
    if gw.store.ready() {
        HttpResponse::Ok()
            .content_type(ContentType::plaintext())
            .body("ready\n")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type(ContentType::plaintext())
            .body("store not ready\n")
    }
}

async fn metrics(gw: web::Data<Gateway>) -> HttpResponse {
    let text = gw.metrics.render(gw.store.size_on_disk(), gw.store.count());
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text)
}

/// The body's declared form: XML or JSON, anything else is refused (415).
fn declared_format(req: &HttpRequest) -> Option<Format> {
    let ct = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mime = ct.split(';').next()?.trim().to_ascii_lowercase();
    match mime.as_str() {
        "application/xml" | "text/xml" => Some(Format::Xml),
        "application/json" => Some(Format::Json),
        _ => None,
    }
}

/// A posted message's declared form and its body, read up to `limit` bytes (a larger body is
/// refused without being held in memory whole); `Err` is the 415, 413 or 400 to answer.
async fn read_message(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<(Format, web::Bytes), Box<HttpResponse>> {
    let Some(format) = declared_format(req) else {
        return Err(Box::new(
            Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Niet ondersteund berichtformaat",
                "stuur het bericht als application/xml of application/json",
            )
            .response(),
        ));
    };
    match payload.to_bytes_limited(limit).await {
        Ok(Ok(b)) => Ok((format, b)),
        Ok(Err(e)) => Err(Box::new(problem::bad_request(format!(
            "de body kon niet gelezen worden: {e}"
        )))),
        Err(_) => Err(Box::new(
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Bericht te groot",
                format!("het bericht is groter dan {limit} bytes"),
            )
            .response(),
        )),
    }
}

/// The form the caller wants back: JSON when it asks for it, else the form it sent.
fn wanted_format(req: &HttpRequest, sent: Format) -> Format {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .unwrap_or("");
    if accept.contains("application/json") && !accept.contains("xml") {
        Format::Json
    } else if accept.contains("xml") {
        Format::Xml
    } else {
        sent
    }
}

async fn post_bericht(
    req: HttpRequest,
    payload: web::Payload,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    let (sent, body) = match read_message(&req, payload, gw.settings.server.max_body_bytes).await {
        Ok(r) => r,
        Err(resp) => return *resp,
    };
    // Who may send as which Afzender: the middleware left that check to us.
    let who = caller(&req);
    let sender = who.as_ref().and_then(|c| c.check.and(c.party()));
    let ingested = match gw.ingest(&body, sender).await {
        Ok(i) => i,
        Err(IngestError::Forbidden) => return forbidden(),
        Err(IngestError::Unreadable(e @ ReadError::TooLarge { .. })) => {
            return Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Bericht te groot",
                e.to_string(),
            )
            .response()
        }
        Err(IngestError::Unreadable(e)) => {
            return Problem::new(
                StatusCode::BAD_REQUEST,
                "unreadable",
                "Bericht onleesbaar",
                e.to_string(),
            )
            .response()
        }
        Err(e @ IngestError::Structure(_)) => {
            let IngestError::Structure(findings) = &e else {
                return problem::internal("unreachable");
            };
            let mut p = Problem::new(
                StatusCode::BAD_REQUEST,
                "xsd",
                "Bericht voldoet niet aan het XSD",
                format!("{e}; er is geen retourbericht"),
            );
            p.errors = findings.iter().map(StoredFinding::from).collect();
            return p.response();
        }
        Err(IngestError::Store(e)) => return problem::internal(e),
    };
    let record = &ingested.record;
    let location = format!("/api/v1/berichten/{}", record.id);
    let mut resp = HttpResponse::Ok();
    resp.insert_header((header::LOCATION, location));
    if ingested.replay {
        resp.insert_header(("Sluis-Replay", "true"));
    }
    match &record.retour {
        Some(retour) => match wanted_format(&req, sent) {
            Format::Xml => resp
                .content_type("application/xml; charset=utf-8")
                .body(retour.xml.clone()),
            Format::Json => {
                match sluis_core::parse(retour.xml.as_bytes(), &sluis_core::Limits::default()) {
                    Ok(p) => resp.content_type(ContentType::json()).body(
                        sluis_core::codec::json::to_string_pretty(&p.structured.document),
                    ),
                    Err(e) => problem::internal(e),
                }
            }
        },
        // A retourbericht received (JW302 …) is answered by no retourbericht of its own.
        None => resp.json(Summary::of(record)),
    }
}

/// A message without its body, for lists.
#[derive(Serialize)]
struct Summary {
    id: u64,
    bericht: String,
    afzender: String,
    ontvanger: String,
    identificatie: String,
    dagtekening: String,
    received_at: String,
    accepted: bool,
    retourcodes: Vec<String>,
    href: String,
}

impl Summary {
    fn of(b: &StoredBericht) -> Summary {
        let mut codes: Vec<String> = b
            .findings
            .iter()
            .filter_map(|f| f.retourcode.clone())
            .collect();
        codes.dedup();
        Summary {
            id: b.id,
            bericht: b.bericht.clone(),
            afzender: b.afzender.clone(),
            ontvanger: b.ontvanger.clone(),
            identificatie: b.identificatie.clone(),
            dagtekening: b.dagtekening.clone(),
            received_at: b.received_at.clone(),
            accepted: b.accepted,
            retourcodes: codes,
            href: format!("/api/v1/berichten/{}", b.id),
        }
    }
}

/// Whether the caller may see this message: it is its Afzender or Ontvanger (aanbieder,
/// gemeente), or of its gemeente (contractmanager); no caller: no restriction.
fn may_see(who: &Option<Caller>, b: &StoredBericht) -> bool {
    let parties = [b.afzender.as_str(), b.ontvanger.as_str()];
    permitted(
        who,
        &Facts {
            parties: &parties,
            // A message's gemeente is its party with a gemeentecode (four digits).
            gemeente: parties.iter().copied().find(|p| p.len() == 4),
            ..Facts::default()
        },
    )
}

/// Whether the caller belongs to this gateway's gemeente (back office, contractmanager).
fn own_gemeente(req: &HttpRequest, gw: &Gateway) -> bool {
    permitted(
        &caller(req),
        &Facts {
            gemeente: Some(gw.settings.gemeente.code.as_str()),
            ..Facts::default()
        },
    )
}

async fn get_bericht(
    req: HttpRequest,
    path: web::Path<String>,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    let Ok(id) = path.parse::<u64>() else {
        return problem::not_found("geen bericht met dit id");
    };
    match gw.store.get(id) {
        Ok(Some(b)) if !may_see(&caller(&req), &b) => forbidden(),
        Ok(Some(b)) => HttpResponse::Ok().json(b),
        Ok(None) => problem::not_found("geen bericht met dit id"),
        Err(e) => problem::internal(e),
    }
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(rename = "type")]
    bericht: Option<String>,
    afzender: Option<String>,
    ontvanger: Option<String>,
    /// Received on or after this date (JJJJ-MM-DD).
    van: Option<String>,
    /// Received on or before this date.
    tot: Option<String>,
    /// Cursor: the last id of the previous page.
    after: Option<u64>,
    limit: Option<usize>,
}

#[derive(Serialize)]
struct Page<T> {
    items: Vec<T>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<u64>,
}

async fn list_berichten(
    req: HttpRequest,
    q: web::Query<ListQuery>,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    let who = caller(&req);
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    for d in [&q.van, &q.tot].into_iter().flatten() {
        if sluis_core::standard::types::Datum::parse(d).is_none() {
            return problem::bad_request(format!("{d:?} is geen datum (JJJJ-MM-DD)"));
        }
    }
    let keep = |b: &StoredBericht| {
        let day = b.received_at.get(..10).unwrap_or("");
        q.bericht
            .as_ref()
            .is_none_or(|t| b.bericht.eq_ignore_ascii_case(t))
            && q.afzender.as_ref().is_none_or(|a| &b.afzender == a)
            && q.ontvanger.as_ref().is_none_or(|o| &b.ontvanger == o)
            && q.van.as_ref().is_none_or(|v| day >= v.as_str())
            && q.tot.as_ref().is_none_or(|t| day <= t.as_str())
            // A list shows only what the caller may see; it is filtered, not refused.
            && may_see(&who, b)
    };
    // One more than asked tells whether there is a next page.
    match gw.store.list(q.after.unwrap_or(0), limit + 1, keep) {
        Ok(mut found) => {
            let next = (found.len() > limit).then(|| found[limit - 1].id);
            found.truncate(limit);
            HttpResponse::Ok().json(Page {
                items: found.iter().map(Summary::of).collect(),
                next,
            })
        }
        Err(e) => problem::internal(e),
    }
}

#[derive(Deserialize)]
struct InboxQuery {
    after: Option<u64>,
    limit: Option<usize>,
}

#[derive(Serialize)]
struct InboxItem {
    cursor: u64,
    kind: String,
    bericht_id: u64,
    bericht: String,
    /// The message for the party: the received message, or the retourbericht (XML).
    #[serde(skip_serializing_if = "Option::is_none")]
    xml: Option<String>,
    /// A doelbereik message received as JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    json: Option<serde_json::Value>,
}

/// Whether the caller may use this party's inbox: only its own.
fn own_party(req: &HttpRequest, party: &str) -> bool {
    permitted(
        &caller(req),
        &Facts {
            party: Some(party),
            ..Facts::default()
        },
    )
}

async fn get_inbox(
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<InboxQuery>,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    let party = path.into_inner();
    if !own_party(&req, &party) {
        return forbidden();
    }
    if !gw.settings.knows_party(&party) {
        return problem::not_found("onbekende partij");
    }
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let entries = match gw.store.inbox(&party, q.after, limit + 1) {
        Ok(e) => e,
        Err(e) => return problem::internal(e),
    };
    let mut items = Vec::with_capacity(entries.len().min(limit));
    for entry in entries.iter().take(limit) {
        let b = match gw.store.get(entry.bericht_id) {
            Ok(Some(b)) => b,
            Ok(None) => {
                return problem::internal(format!("inbox points at missing {}", entry.bericht_id))
            }
            Err(e) => return problem::internal(e),
        };
        let (bericht, xml, json) = match (entry.kind.as_str(), &b.retour) {
            ("retour", Some(r)) => (r.bericht.clone(), Some(r.xml.clone()), None),
            // Sluis's own messages stay in the form they came in.
            _ if b.format == "json" && is_doelbereik(&b.bericht) => {
                match serde_json::from_str(&b.body) {
                    Ok(v) => (b.bericht.clone(), None, Some(v)),
                    Err(e) => return problem::internal(e),
                }
            }
            _ => (b.bericht.clone(), Some(b.body.clone()), None),
        };
        items.push(InboxItem {
            cursor: entry.cursor,
            kind: entry.kind.clone(),
            bericht_id: entry.bericht_id,
            bericht,
            xml,
            json,
        });
    }
    let next = (entries.len() > limit)
        .then(|| items.last().map(|i| i.cursor))
        .flatten();
    HttpResponse::Ok().json(Page { items, next })
}

fn is_doelbereik(bericht: &str) -> bool {
    sluis_core::doelbereik::Kind::ALL
        .iter()
        .any(|k| k.as_str() == bericht)
}

#[derive(Deserialize)]
struct Ack {
    cursor: u64,
}

async fn ack_inbox(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<Ack>,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    let party = path.into_inner();
    if !own_party(&req, &party) {
        return forbidden();
    }
    if !gw.settings.knows_party(&party) {
        return problem::not_found("onbekende partij");
    }
    match gw.store.ack(&party, body.cursor) {
        Ok(acked) => match gw.store.durable().await {
            Ok(()) => HttpResponse::Ok().json(serde_json::json!({ "acked": acked })),
            Err(e) => problem::internal(e),
        },
        Err(e) => problem::internal(e),
    }
}

/// Whether the caller may see a toewijzing of this aanbieder in this gateway's gemeente.
fn may_see_toewijzing(who: &Option<Caller>, gw: &Gateway, aanbieder: &str) -> bool {
    permitted(
        who,
        &Facts {
            parties: &[aanbieder],
            gemeente: Some(gw.settings.gemeente.code.as_str()),
            ..Facts::default()
        },
    )
}

async fn get_toewijzing(
    req: HttpRequest,
    path: web::Path<String>,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    let found = sluis_core::status::toewijzing(
        &gw.store.history(),
        &gw.settings.gemeente.code,
        &path.into_inner(),
    );
    if found.is_empty() {
        return problem::not_found("geen toewijzing met dit nummer");
    }
    let who = caller(&req);
    let found: Vec<_> = found
        .into_iter()
        .filter(|t| may_see_toewijzing(&who, &gw, &t.aanbieder))
        .collect();
    if found.is_empty() {
        return forbidden();
    }
    HttpResponse::Ok().json(serde_json::json!({ "items": found }))
}

async fn client_toewijzingen(
    req: HttpRequest,
    path: web::Path<String>,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    // The number itself never goes into an error message.
    let Some(bsn) = sluis_core::standard::types::Bsn::parse(&path.into_inner()) else {
        return problem::bad_request("een BSN bestaat uit 9 cijfers");
    };
    auth::audit_client(&req, &bsn);
    let who = caller(&req);
    let aanbieders: Vec<String> = gw
        .settings
        .aanbieders
        .iter()
        .map(|a| a.agb.clone())
        .collect();
    let found: Vec<_> = sluis_core::status::van_client(
        &gw.store.history(),
        &gw.settings.gemeente.code,
        &aanbieders,
        &bsn,
    )
    .into_iter()
    .filter(|t| may_see_toewijzing(&who, &gw, &t.aanbieder))
    .collect();
    HttpResponse::Ok().json(serde_json::json!({ "items": found }))
}
