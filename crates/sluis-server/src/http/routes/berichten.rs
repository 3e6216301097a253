//! `/api/v1/berichten`: post a message of the standard, list and read the messages kept, and
//! (operators) deliver one again.

use crate::delivery::{Bezorging, DeliveryState};
use crate::gateway::reads::StoredBericht;
use crate::gateway::{gemeente_of, retour_in, BerichtFilter, Durability, Gateway, Page};
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::extract::{self, Accepts, Paging, Sent};
use crate::security::access::Facts;
use actix_web::http::header::{self, ContentType};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use sluis_core::standard::types::Datum;
use sluis_core::Format;

/// A message without its body, for lists and for the answer to a message that gets none.
#[derive(Serialize)]
pub struct Summary {
    id: u64,
    bericht: String,
    afzender: String,
    ontvanger: String,
    identificatie: String,
    dagtekening: String,
    received_at: String,
    accepted: bool,
    /// `geaccepteerd`, `deels` (a declaratie of which some prestaties were granted, the rest
    /// sent back) or `afgekeurd`; `accepted` is true only for the first.
    uitkomst: Uitkomst,
    retourcodes: Vec<String>,
    href: String,
}

/// The outcome of a message, with "partly" for a declaratie granted in part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Uitkomst {
    Geaccepteerd,
    Deels,
    Afgekeurd,
}

impl Uitkomst {
    pub fn of(b: &StoredBericht) -> Uitkomst {
        match (b.accepted, b.granted) {
            (true, _) => Uitkomst::Geaccepteerd,
            (false, true) => Uitkomst::Deels,
            (false, false) => Uitkomst::Afgekeurd,
        }
    }
}

impl Summary {
    pub fn of(b: &StoredBericht) -> Summary {
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
            uitkomst: Uitkomst::of(b),
            retourcodes: codes,
            href: href(b.id),
        }
    }
}

pub fn href(id: u64) -> String {
    format!("/api/v1/berichten/{id}")
}

/// Whether the caller may see this message: it is its Afzender or Ontvanger (aanbieder,
/// gemeente), or of its gemeente (contractmanager).
fn may_see(who: &Caller, b: &StoredBericht) -> bool {
    let parties = [b.afzender.as_str(), b.ontvanger.as_str()];
    who.permits(&Facts {
        parties: &parties,
        gemeente: gemeente_of(b),
        ..Facts::default()
    })
}

/// A message of the standard: 200 with its retourbericht (in the form asked for), or with its
/// summary when it gets none (a retourbericht received).
pub async fn post(
    Sent(sent): Sent,
    accepts: Accepts,
    who: Caller,
    payload: web::Payload,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    let body = extract::body(payload, gw.settings.server.max_body_bytes).await?;
    // Who may send as which Afzender: the middleware left that check to us.
    let sender = who.check.and(who.party());
    // The middleware answers only after the request's audit entry and everything before it
    // are on disk (`auth::record`): one sync for the message and its audit entry.
    let ingested = gw.ingest_with(&body, sender, Durability::ByCaller).await?;
    let record = &ingested.record;
    let mut resp = HttpResponse::Ok();
    resp.insert_header((header::LOCATION, href(record.id)));
    if ingested.replay {
        resp.insert_header(("Sluis-Replay", "true"));
    }
    let Some(retour) = &record.retour else {
        return Ok(resp.json(Summary::of(record)));
    };
    let format = accepts.format_or(sent);
    let text = retour_in(retour, format).map_err(ApiError::internal)?;
    Ok(match format {
        Format::Xml => resp
            .content_type("application/xml; charset=utf-8")
            .body(text),
        Format::Json => resp.content_type(ContentType::json()).body(text),
    })
}

pub async fn get(
    who: Caller,
    path: web::Path<String>,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    let id = path
        .parse::<u64>()
        .map_err(|_| ApiError::NotFound("geen bericht met dit id"))?;
    // Another party's message is answered as one that does not exist: no oracle.
    // The record, as kept for the audit: the body as received. What a receiver processes comes
    // from its inbox, in Sluis's own serialisation (`gateway::reads`).
    match gw.bericht(id)? {
        Some(b) if may_see(&who, &b) => {
            // Push delivery (`docs/delivery.md`): empty when no party of it has an endpoint.
            let bezorging: Vec<Bezorging> = gw.bezorging(id)?.iter().map(Bezorging::from).collect();
            Ok(HttpResponse::Ok().json(WithDelivery {
                bericht: &b,
                bezorging,
            }))
        }
        Some(_) | None => Err(ApiError::NotFound("geen bericht met dit id")),
    }
}

/// A message as kept, with the state of its push deliveries.
#[derive(Serialize)]
struct WithDelivery<'a> {
    #[serde(flatten)]
    bericht: &'a StoredBericht,
    bezorging: Vec<Bezorging>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(rename = "type")]
    bericht: Option<String>,
    afzender: Option<String>,
    ontvanger: Option<String>,
    /// Received on or after this date (JJJJ-MM-DD).
    van: Option<String>,
    /// Received on or before this date.
    tot: Option<String>,
    /// Only messages with a push delivery in this state (`ontvangen`, `aangeboden`,
    /// `bezorgd`, `mislukt`).
    bezorging: Option<String>,
}

fn day(value: &Option<String>) -> Result<Option<Datum>, ApiError> {
    value
        .as_deref()
        .map(|d| {
            Datum::parse(d)
                .ok_or_else(|| ApiError::BadRequest(format!("{d:?} is geen datum (JJJJ-MM-DD)")))
        })
        .transpose()
}

/// A list shows only what the caller may see: it is filtered, not refused.
pub async fn list(
    who: Caller,
    q: web::Query<ListQuery>,
    page: Paging,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let filter = BerichtFilter {
        van: day(&q.van)?,
        tot: day(&q.tot)?,
        bericht: q.bericht,
        afzender: q.afzender,
        ontvanger: q.ontvanger,
    };
    let state = q
        .bezorging
        .as_deref()
        .map(|s| {
            DeliveryState::parse(s).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "bezorging {s:?}: ontvangen, aangeboden, bezorgd of mislukt"
                ))
            })
        })
        .transpose()?;
    // A status that cannot be read is an error, never "not in this state".
    let fault = std::cell::RefCell::new(None);
    let found = gw.berichten(&filter, page.after.unwrap_or(0), page.limit, |b| {
        may_see(&who, b)
            && state.is_none_or(|s| match gw.bezorging(b.id) {
                Ok(ds) => ds.iter().any(|d| d.state == s),
                Err(e) => {
                    fault.borrow_mut().get_or_insert(e);
                    false
                }
            })
    })?;
    if let Some(e) = fault.into_inner() {
        return Err(e.into());
    }
    Ok(HttpResponse::Ok().json(Page {
        items: found.items.iter().map(Summary::of).collect(),
        next: found.next,
    }))
}

/// Deliver a message again (operators).
pub async fn replay(
    path: web::Path<String>,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    let id = path
        .parse::<u64>()
        .map_err(|_| ApiError::NotFound("geen bericht met dit id"))?;
    let items = gw
        .replay(id)
        .await?
        .ok_or(ApiError::NotFound("geen bericht met dit id"))?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "bericht_id": id, "items": items })))
}
