//! `/api/v1/tokens`: the operator creates, lists and revokes bearer tokens.

use crate::gateway::Gateway;
use crate::http::auth::{audit_detail, Security};
use crate::http::error::ApiError;
use crate::http::export::{col, Cell, Form, Kind, Table};
use crate::http::extract::{NoParams, Query};
use crate::security::access::{Role, Scope};
use crate::security::tokens::{TokenError, TokenId};
use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(
    description = "Een nieuw token: via de API alleen `role` `operator`; `expires` een tijdstip (RFC 3339)."
)]
pub struct NewToken {
    role: String,
    #[serde(default)]
    party: Option<String>,
    #[serde(default)]
    gemeente: Option<String>,
    #[serde(default)]
    team: Option<String>,
    label: String,
    /// RFC 3339.
    #[serde(default)]
    expires: Option<String>,
}

fn token_error(e: TokenError) -> ApiError {
    match e {
        TokenError::Scope(_, _) | TokenError::Config { .. } | TokenError::Malformed => {
            ApiError::BadRequest(e.to_string())
        }
        other => ApiError::internal(other),
    }
}

/// The role and scope of a token, for its audit entry.
fn described(role: Role, scope: &Scope) -> String {
    let mut out = format!("rol={role}");
    for (name, v) in [
        ("partij", &scope.party),
        ("gemeente", &scope.gemeente),
        ("team", &scope.team),
    ] {
        if let Some(v) = v {
            out.push_str(&format!(" {name}={v}"));
        }
    }
    out
}

/// A new token: over the API only for the operator role. A token of a care role reads care
/// details, so it is made only with `sluis token create` on the server, with the gateway
/// stopped (the operator would otherwise give itself every right).
pub async fn create(
    req: HttpRequest,
    _: Query<NoParams>,
    body: web::Json<NewToken>,
    gw: web::Data<Gateway>,
    sec: web::Data<Security>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let role = Role::parse(&body.role)
        .ok_or_else(|| ApiError::BadRequest(format!("onbekende rol {:?}", body.role)))?;
    let asked = Scope {
        party: body.party.clone(),
        gemeente: body.gemeente.clone(),
        team: body.team.clone(),
    };
    audit_detail(&req, described(role, &asked));
    if role != Role::Operator {
        return Err(ApiError::CareRoleByCli);
    }
    let expires = body
        .expires
        .as_deref()
        .map(|e| OffsetDateTime::parse(e, &Rfc3339))
        .transpose()
        .map_err(|_| ApiError::BadRequest("expires: een tijdstip (RFC 3339)".into()))?;
    let scope = Scope {
        party: body.party,
        gemeente: body.gemeente,
        team: body.team,
    };
    let (id, secret) = sec
        .tokens
        .create(role, scope, &body.label, expires)
        .map_err(token_error)?;
    gw.durable().await?;
    Ok(HttpResponse::Created()
        // Names the new token in the audit entry (the object id).
        .insert_header((header::LOCATION, format!("/api/v1/tokens/{id}")))
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .json(serde_json::json!({
            "id": id,
            "token": secret.expose(),
            "let_op": "dit token wordt maar één keer getoond",
        })))
}

pub async fn list(
    _: Query<NoParams>,
    form: Form,
    sec: web::Data<Security>,
) -> Result<HttpResponse, ApiError> {
    let items = sec.tokens.list().map_err(ApiError::internal)?;
    if form != Form::Json {
        let mut t = Table::new(
            "tokens",
            &[
                col("id", Kind::Text),
                col("rol", Kind::Text),
                col("partij", Kind::Text),
                col("gemeente", Kind::Text),
                col("team", Kind::Text),
                col("label", Kind::Text),
                col("aangemaakt", Kind::Moment),
                col("verloopt", Kind::Moment),
                col("ingetrokken", Kind::Moment),
            ],
        );
        for i in &items {
            let moment = |m: &Option<String>| m.as_deref().map_or(Cell::Empty, Cell::moment);
            t.push(vec![
                Cell::Text(i.id.to_string()),
                Cell::Text(i.role.to_string()),
                Cell::text(i.scope.party.clone()),
                Cell::text(i.scope.gemeente.clone()),
                Cell::text(i.scope.team.clone()),
                Cell::Text(i.label.clone()),
                Cell::moment(&i.created),
                moment(&i.expires),
                moment(&i.revoked),
            ]);
        }
        return t.respond(form);
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

pub async fn revoke(
    path: web::Path<String>,
    _: Query<NoParams>,
    gw: web::Data<Gateway>,
    sec: web::Data<Security>,
) -> Result<HttpResponse, ApiError> {
    let id =
        TokenId::parse(&path.into_inner()).ok_or(ApiError::NotFound("geen token met dit id"))?;
    match sec.tokens.revoke(&id) {
        Ok(true) => {
            gw.durable().await?;
            Ok(HttpResponse::Ok().json(serde_json::json!({ "revoked": id })))
        }
        Ok(false) => Err(ApiError::NotFound("geen token met dit id")),
        Err(e @ TokenError::Config { .. }) => Err(ApiError::Configured(e.to_string())),
        Err(e) => Err(token_error(e)),
    }
}
