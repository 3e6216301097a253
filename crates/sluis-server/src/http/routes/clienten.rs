//! `/api/v1/clienten/{bsn}/…`: a client's toewijzingen, plan status and gebiedsteam. The BSN
//! is read from the path and never written into an answer's error, a log or the audit (which
//! gets its keyed pseudonym).

use super::{own_gemeente, toewijzingen};
use crate::gateway::Gateway;
use crate::http::auth::{audit_client, Caller};
use crate::http::error::ApiError;
use crate::http::extract::{NoParams, Query};
use crate::security::access::Facts;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use sluis_core::standard::types::Bsn;

/// The client of the path, named for the audit.
fn client(req: &HttpRequest, path: &str) -> Result<Bsn, ApiError> {
    let bsn = Bsn::parse(path)
        .ok_or_else(|| ApiError::BadRequest("een BSN bestaat uit 9 cijfers".into()))?;
    audit_client(req, &bsn);
    Ok(bsn)
}

pub async fn toewijzingen(
    req: HttpRequest,
    who: Caller,
    path: web::Path<String>,
    _: Query<NoParams>,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    let bsn = client(&req, &path)?;
    let found: Vec<_> = gw
        .client_toewijzingen(&bsn)?
        .into_iter()
        .filter(|t| toewijzingen::may_see(&who, &gw, &t.aanbieder))
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": found })))
}

#[derive(Serialize)]
struct PlanStatusItem {
    domein: &'static str,
    #[serde(flatten)]
    status: sluis_core::doelbereik::PlanStatus,
}

/// The plans of a client, for its gebiedsteam or the aanbieder itself.
pub async fn planstatus(
    req: HttpRequest,
    who: Caller,
    path: web::Path<String>,
    _: Query<NoParams>,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    let bsn = client(&req, &path)?;
    let team = gw.client_team(&bsn)?;
    let all = gw.plan_status(&bsn);
    let items: Vec<PlanStatusItem> = all
        .into_iter()
        .filter(|(_, s)| {
            who.permits(&Facts {
                parties: &[s.aanbieder.as_str()],
                team: team.as_deref(),
                gemeente: Some(gw.settings.gemeente.code.as_str()),
                ..Facts::default()
            })
        })
        .map(|(d, status)| PlanStatusItem {
            domein: d.as_str(),
            status,
        })
        .collect();
    if items.is_empty() {
        // Not a client of this caller's, or no client at all: one answer, so that sweeping
        // BSNs tells nobody who receives care elsewhere.
        return Err(ApiError::NotFound("geen toewijzingen van deze cliënt"));
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "team": team, "items": items })))
}

pub async fn get_team(
    req: HttpRequest,
    who: Caller,
    path: web::Path<String>,
    _: Query<NoParams>,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    let bsn = client(&req, &path)?;
    own_gemeente(&who, &gw)?;
    let team = gw.client_team(&bsn)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "team": team })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(
    description = "`team`: een geconfigureerd team, of null om de postcodegebieden weer te volgen."
)]
pub struct TeamBody {
    /// A configured team, or null to follow the postcode areas again.
    team: Option<String>,
}

pub async fn put_team(
    req: HttpRequest,
    who: Caller,
    path: web::Path<String>,
    _: Query<NoParams>,
    body: web::Json<TeamBody>,
    gw: web::Data<Gateway>,
) -> Result<HttpResponse, ApiError> {
    let bsn = client(&req, &path)?;
    own_gemeente(&who, &gw)?;
    let team = body.into_inner().team;
    if let Some(t) = &team {
        if !gw.settings.knows_team(t) {
            return Err(ApiError::BadRequest(format!("onbekend team {t:?}")));
        }
    }
    let team = gw.set_client_team(&bsn, team).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "team": team })))
}
