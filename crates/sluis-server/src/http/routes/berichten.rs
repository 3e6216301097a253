//! `/api/v1/berichten`: post a message of the standard, list and read the messages kept, and
//! (operators) deliver one again.

use crate::delivery::{Bezorging, DeliveryState};
use crate::gateway::reads::StoredBericht;
use crate::gateway::{gemeente_of, retour_in, BerichtFilter, Durability, Gateway, Page, Replay};
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::export::{col, Cell, Form, Kind, Table};
use crate::http::extract::{self, Accepts, Listed, NoParams, Query, Sent};
use crate::security::access::Facts;
use actix_web::http::header::{self, ContentType};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use sluis_core::standard::types::Datum;
use sluis_core::Format;

/// A message without its body, for lists and for the answer to a message that gets none.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(
    description = "Een bewaard bericht zonder inhoud. `uitkomst`: `geaccepteerd`, `deels` (een declaratie waarvan een deel is toegekend, de rest teruggestuurd) of `afgekeurd`; `accepted` is alleen bij de eerste waar."
)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(description = "De uitkomst van een bericht.")]
#[serde(rename_all = "snake_case")]
pub enum Uitkomst {
    Geaccepteerd,
    Deels,
    Afgekeurd,
}

impl Uitkomst {
    pub fn as_str(self) -> &'static str {
        match self {
            Uitkomst::Geaccepteerd => "geaccepteerd",
            Uitkomst::Deels => "deels",
            Uitkomst::Afgekeurd => "afgekeurd",
        }
    }

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
    _: Query<NoParams>,
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
    // A replay of a message whose content the retention policy removed: its verdict only.
    let Some(retour) = record
        .retour
        .as_ref()
        .filter(|_| record.payload_verwijderd.is_none())
    else {
        return Ok(resp.json(Summary::of(record)));
    };
    let format = accepts.format_or(sent);
    let text = retour_in(retour, format).map_err(ApiError::internal)?;
    let explained = toelichting(record);
    if !explained.is_empty() {
        // The explanation of every finding, with the stored message, one request away.
        resp.insert_header((
            header::LINK,
            format!("<{}>; rel=\"describedby\"", href(record.id)),
        ));
    }
    Ok(match format {
        Format::Xml => resp
            .content_type("application/xml; charset=utf-8")
            .body(text),
        Format::Json => {
            let text = with_toelichting(text, &explained).map_err(ApiError::internal)?;
            resp.content_type(ContentType::json()).body(text)
        }
    })
}

/// The findings whose retourcode alone would mislead: Sluis's own checks answered with an
/// official code of another meaning (`SL020`: resultaatfinanciering, answered with `9322`,
/// whose official text is about volumes). Their message says what was found (the entitlement,
/// what was already declared, why).
fn toelichting(record: &StoredBericht) -> Vec<&crate::gateway::reads::StoredFinding> {
    record
        .findings
        .iter()
        .filter(|f| f.code.starts_with("SL") && f.retourcode.is_some())
        .collect()
}

/// The JSON form of a retourbericht with a member `toelichting` after the standard's members:
/// the findings above, each with code, retourcode, path and message. Written into the text so
/// that the standard's members keep their order.
fn with_toelichting(
    json: String,
    explained: &[&crate::gateway::reads::StoredFinding],
) -> Result<String, String> {
    if explained.is_empty() {
        return Ok(json);
    }
    let extra = serde_json::to_string_pretty(explained).map_err(|e| e.to_string())?;
    let head = json
        .trim_end()
        .strip_suffix('}')
        .ok_or("the JSON form of a retourbericht is not an object")?
        .trim_end();
    let sep = if head.ends_with('{') { "" } else { "," };
    Ok(format!(
        "{head}{sep}\n  \"toelichting\": {}\n}}",
        extra.replace('\n', "\n  ")
    ))
}

pub async fn get(
    who: Caller,
    path: web::Path<String>,
    _: Query<NoParams>,
    form: Form,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    let id = path
        .parse::<u64>()
        .map_err(|_| ApiError::NotFound("geen bericht met dit id"))?;
    // Another party's message is answered as one that does not exist: no oracle.
    // The record, as kept for the audit: the body as received. What a receiver processes comes
    // from its inbox, in Sluis's own serialisation (`gateway::reads`).
    let b = match gw.bericht(id)? {
        Some(b) if may_see(&who, &b) => b,
        Some(_) | None => return Err(ApiError::NotFound("geen bericht met dit id")),
    };
    if form != Form::Xml {
        // Push delivery (`docs/delivery.md`): empty when no party of it has an endpoint.
        let bezorging: Vec<Bezorging> = gw.bezorging(id)?.iter().map(Bezorging::from).collect();
        return Ok(HttpResponse::Ok().json(WithDelivery {
            bericht: &b,
            bezorging,
        }));
    }
    // The message itself in XML: as received when it came as XML; a message of the standard
    // received as JSON in Sluis's XML. Sluis's own messages exist only as JSON.
    if b.payload_verwijderd.is_some() {
        return Err(ApiError::PayloadRemoved);
    }
    let xml = if b.format == "xml" {
        b.body
    } else {
        sluis_core::parse(b.body.as_bytes(), &sluis_core::Limits::default())
            .map(|p| sluis_core::codec::write(&p.structured.document, Format::Xml))
            .map_err(|_| ApiError::NotAcceptable {
                offered: vec![Form::Json.media()],
            })?
    };
    Ok(HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .body(xml))
}

/// A message as kept, with the state of its push deliveries.
#[derive(Serialize)]
struct WithDelivery<'a> {
    #[serde(flatten)]
    bericht: &'a StoredBericht,
    bezorging: Vec<Bezorging>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
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

/// A query's day (`JJJJ-MM-DD`); another value is refused naming the parameter.
pub fn day(parameter: &str, value: &Option<String>) -> Result<Option<Datum>, ApiError> {
    value
        .as_deref()
        .map(|d| {
            Datum::parse(d).ok_or_else(|| ApiError::Parameter {
                parameter: parameter.into(),
                detail: "geen datum (JJJJ-MM-DD)".into(),
            })
        })
        .transpose()
}

/// The list as a table (CSV, XLSX).
fn table(items: &[StoredBericht]) -> Table {
    let mut t = Table::new(
        "berichten",
        &[
            col("id", Kind::Count),
            col("bericht", Kind::Text),
            col("afzender", Kind::Text),
            col("ontvanger", Kind::Text),
            col("identificatie", Kind::Text),
            col("dagtekening", Kind::Date),
            col("received_at", Kind::Moment),
            col("uitkomst", Kind::Text),
            col("retourcodes", Kind::Text),
        ],
    );
    for b in items {
        let s = Summary::of(b);
        t.push(vec![
            Cell::count(s.id),
            Cell::Text(s.bericht),
            Cell::Text(s.afzender),
            Cell::Text(s.ontvanger),
            Cell::Text(s.identificatie),
            Cell::day(&s.dagtekening),
            Cell::moment(&s.received_at),
            Cell::Text(s.uitkomst.as_str().into()),
            Cell::Text(s.retourcodes.join(" ")),
        ]);
    }
    t
}

/// A list shows only what the caller may see: it is filtered, not refused.
pub async fn list(
    req: HttpRequest,
    who: Caller,
    Listed(q, page): Listed<ListQuery>,
    form: Form,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    let filter = BerichtFilter {
        van: day("van", &q.van)?,
        tot: day("tot", &q.tot)?,
        bericht: q.bericht,
        afzender: q.afzender,
        ontvanger: q.ontvanger,
    };
    let state = q
        .bezorging
        .as_deref()
        .map(|s| {
            DeliveryState::parse(s).ok_or_else(|| ApiError::Parameter {
                parameter: "bezorging".into(),
                detail: "ontvangen, aangeboden, bezorgd of mislukt".into(),
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
    let mut resp = if form == Form::Json {
        HttpResponse::Ok().json(Page {
            items: found.items.iter().map(Summary::of).collect(),
            next: found.next,
        })
    } else {
        table(&found.items).respond(form)?
    };
    extract::link_next(&req, &mut resp, found.next);
    Ok(resp)
}

/// Deliver a message again (operators).
pub async fn replay(
    path: web::Path<String>,
    _: Query<NoParams>,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    let id = path
        .parse::<u64>()
        .map_err(|_| ApiError::NotFound("geen bericht met dit id"))?;
    let items = match gw.replay(id).await? {
        Replay::Done(items) => items,
        Replay::Missing => return Err(ApiError::NotFound("geen bericht met dit id")),
        // Nothing to deliver again once the retention policy removed the content.
        Replay::PayloadRemoved => return Err(ApiError::PayloadRemoved),
    };
    Ok(HttpResponse::Ok().json(serde_json::json!({ "bericht_id": id, "items": items })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::reads::StoredFinding;

    #[test]
    fn the_explanation_follows_the_standards_members_in_valid_json() {
        let f = StoredFinding {
            code: "SL020".into(),
            retourcode: Some("9322".into()),
            path: "/Bericht/Declaratie/Clienten/Client[1]/Prestaties/Prestatie[2]".into(),
            message: "de aanspraak is € 1.680,00 \"70 %\"".into(),
        };
        let answer =
            "{\n  \"bericht\": \"JW325\",\n  \"Header\": {\n    \"BerichtCode\": 491\n  }\n}\n";
        let text = with_toelichting(answer.to_string(), &[&f]).expect("an object");
        let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(v["Header"]["BerichtCode"], 491);
        assert_eq!(v["toelichting"][0]["code"], "SL020");
        assert_eq!(v["toelichting"][0]["message"], f.message);
        // The standard's members first, in their order.
        let at = |m: &str| text.find(m).expect(m);
        assert!(at("\"bericht\"") < at("\"Header\"") && at("\"Header\"") < at("\"toelichting\""));
        // Nothing to explain: the answer unchanged; not an object: an error, not a broken body.
        assert_eq!(with_toelichting(answer.into(), &[]).as_deref(), Ok(answer));
        assert!(with_toelichting("[1]".into(), &[&f]).is_err());
    }
}
