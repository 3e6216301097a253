//! `/api/v1/bezorging`: push delivery for operators (`docs/delivery.md`): the backlog per
//! party, and the re-drive of dead letters (per message, per party, all).

use crate::gateway::delivery::Redrive;
use crate::gateway::Gateway;
use crate::http::error::ApiError;
use crate::http::extract::{NoParams, Query};
use actix_web::{web, HttpResponse};
use serde::Deserialize;

/// The backlog of every party with an endpoint.
pub async fn overzicht(
    _: Query<NoParams>,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(serde_json::json!({ "partijen": gw.backlog()? })))
}

/// Exactly one of the three.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Opnieuw {
    bericht: Option<u64>,
    partij: Option<String>,
    #[serde(default)]
    alles: bool,
}

/// Put dead letters back in the queue with a fresh budget of attempts.
pub async fn opnieuw(
    _: Query<NoParams>,
    body: web::Json<Opnieuw>,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    let what = match body.into_inner() {
        Opnieuw {
            bericht: Some(id),
            partij: None,
            alles: false,
        } => Redrive::Bericht(id),
        Opnieuw {
            bericht: None,
            partij: Some(p),
            alles: false,
        } => {
            if !gw.settings.delivery.endpoints.iter().any(|e| e.party == p) {
                return Err(ApiError::BadRequest(format!(
                    "partij {p:?} heeft geen bezorgadres (delivery.endpoints)"
                )));
            }
            Redrive::Partij(p)
        }
        Opnieuw {
            bericht: None,
            partij: None,
            alles: true,
        } => Redrive::Alles,
        _ => return Err(ApiError::BadRequest(
            "geef precies een van bericht (id), partij (AGB-code of gemeentecode) of alles: true"
                .into(),
        )),
    };
    let items: Vec<_> = gw
        .redrive(&what)?
        .iter()
        .map(|d| serde_json::json!({ "bericht_id": d.bericht_id, "partij": d.party, "soort": d.kind }))
        .collect();
    // Answered once the fresh budgets are on disk: a re-drive the answer reports holds.
    gw.durable().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "opnieuw": items.len(), "items": items })))
}
