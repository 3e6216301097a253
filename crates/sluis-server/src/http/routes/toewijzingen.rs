//! `/api/v1/toewijzingen/{nummer}`: the current state of a toewijzing.

use crate::gateway::Gateway;
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::extract::{NoParams, Query};
use crate::security::access::Facts;
use actix_web::{web, HttpResponse};

/// Whether the caller may see a toewijzing of this aanbieder in this gateway's gemeente.
pub fn may_see(who: &Caller, gw: &Gateway, aanbieder: &str) -> bool {
    who.permits(&Facts {
        parties: &[aanbieder],
        gemeente: Some(gw.settings.gemeente.code.as_str()),
        ..Facts::default()
    })
}

pub async fn get(
    who: Caller,
    path: web::Path<String>,
    _: Query<NoParams>,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    let found: Vec<_> = gw
        .toewijzing(&path.into_inner())?
        .into_iter()
        .filter(|t| may_see(&who, &gw, &t.aanbieder))
        .collect();
    // Another aanbieder's toewijzing is answered as one that does not exist: no oracle.
    if found.is_empty() {
        return Err(ApiError::NotFound("geen toewijzing met dit nummer"));
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": found })))
}
