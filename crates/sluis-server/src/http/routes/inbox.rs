//! `/api/v1/inbox/{party}`: what is waiting for a party, and its acknowledgement.

use crate::gateway::Gateway;
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::extract::{self, Listed, NoParams, Query};
use crate::security::access::Facts;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// Only a party's own inbox, and only of a party this gateway knows.
fn own_known_party(who: &Caller, gw: &Gateway, party: &str) -> Result<(), ApiError> {
    if !who.permits(&Facts {
        party: Some(party),
        ..Facts::default()
    }) {
        return Err(ApiError::Forbidden);
    }
    if !gw.settings.knows_party(party) {
        return Err(ApiError::NotFound("onbekende partij"));
    }
    Ok(())
}

pub async fn get(
    req: HttpRequest,
    who: Caller,
    path: web::Path<String>,
    Listed(NoParams {}, page): Listed<NoParams>,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    let party = path.into_inner();
    own_known_party(&who, &gw, &party)?;
    let found = gw.inbox(&party, page.after, page.limit)?;
    let next = found.next;
    let mut resp = HttpResponse::Ok().json(found);
    extract::link_next(&req, &mut resp, next);
    Ok(resp)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(description = "Bevestig alles tot en met `cursor`; 0 bevestigt niets.")]
pub struct Ack {
    cursor: u64,
}

pub async fn ack(
    who: Caller,
    path: web::Path<String>,
    _: Query<NoParams>,
    body: web::Json<Ack>,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    let party = path.into_inner();
    own_known_party(&who, &gw, &party)?;
    // Only a cursor of one of its own entries: one beyond what was delivered would hide
    // every later message for good. 0 acknowledges nothing.
    let cursor = body.cursor;
    if cursor > 0 {
        let entry = gw.inbox(&party, Some(cursor - 1), 1)?;
        if entry.items.first().map(|i| i.cursor) != Some(cursor) {
            return Err(ApiError::UnknownCursor);
        }
    }
    let acked = gw.ack(&party, cursor).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "acked": acked })))
}
