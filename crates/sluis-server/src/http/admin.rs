//! The audit log for contractmanagers and operators, and token management for operators.
//! Who may call these is decided by the middleware (`docs/security.md`); reading the audit is
//! itself audited there like every other request.

use super::auth::{forbidden, Security};
use super::problem::{self, Problem};
use crate::gateway::Gateway;
use crate::security::access::{Role, Scope};
use crate::security::audit::{Action, Filter};
use crate::security::crypto::ClientPseudonym;
use crate::security::tokens::{TokenError, TokenId};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit", web::get().to(audit))
        .route("/berichten/{id}/replay", web::post().to(replay))
        .route("/tokens", web::post().to(create_token))
        .route("/tokens", web::get().to(list_tokens))
        .route("/tokens/{id}", web::delete().to(revoke_token));
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    /// From this moment (RFC 3339) or day (JJJJ-MM-DD) on.
    van: Option<String>,
    /// Before this moment, or up to and including this day.
    tot: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    /// Object kind (`bericht`, `inbox`, `planstatus` …) and id.
    object: Option<String>,
    object_id: Option<String>,
    /// A client's pseudonym (32 hex digits), never a BSN.
    client: Option<String>,
    after: Option<u64>,
    limit: Option<usize>,
    /// `json` (default), `csv` or `jsonl` (the whole selection, for an export).
    format: Option<String>,
}

/// A moment from `2026-11-23T10:00:00Z` or a day; `end` makes a day mean its end.
fn moment(field: &str, v: &str, end: bool) -> Result<OffsetDateTime, String> {
    if let Ok(t) = OffsetDateTime::parse(v, &Rfc3339) {
        return Ok(t);
    }
    let d = sluis_core::standard::types::Datum::parse(v)
        .ok_or_else(|| format!("{field}: {v:?} is geen tijdstip (RFC 3339) of datum"))?;
    let start = d.date().midnight().assume_utc();
    Ok(if end {
        start + time::Duration::days(1)
    } else {
        start
    })
}

fn action_of(s: &str) -> Option<Action> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}

impl AuditQuery {
    fn filter(&self) -> Result<Filter, String> {
        Ok(Filter {
            from: self
                .van
                .as_deref()
                .map(|v| moment("van", v, false))
                .transpose()?,
            until: self
                .tot
                .as_deref()
                .map(|v| moment("tot", v, true))
                .transpose()?,
            actor: self.actor.clone(),
            action: match &self.action {
                None => None,
                Some(a) => Some(action_of(a).ok_or_else(|| format!("onbekende action {a:?}"))?),
            },
            object_kind: self.object.clone(),
            object_id: self.object_id.clone(),
            client: match &self.client {
                None => None,
                Some(c) => Some(
                    ClientPseudonym::parse(c)
                        .ok_or("client: een pseudoniem van 32 hexadecimale tekens, geen BSN")?,
                ),
            },
        })
    }
}

async fn audit(
    req: HttpRequest,
    q: web::Query<AuditQuery>,
    gw: web::Data<Gateway>,
    sec: web::Data<Security>,
) -> HttpResponse {
    // A contractmanager reads the audit of its own gemeente (this gateway serves one).
    if !super::own_gemeente(&req, &gw) {
        return forbidden();
    }
    let filter = match q.filter() {
        Ok(f) => f,
        Err(detail) => return problem::bad_request(detail),
    };
    // Everything answered before this request is in the log before it is read.
    if let Err(e) = sec.audit_tx.flush().await {
        return problem::internal(e);
    }
    let mut out = Vec::new();
    match q.format.as_deref() {
        Some("csv") => match sec.audit.export_csv(&filter, &mut out) {
            Ok(_) => HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .body(out),
            Err(e) => problem::internal(e),
        },
        Some("jsonl") => match sec.audit.export_jsonl(&filter, &mut out) {
            Ok(_) => HttpResponse::Ok()
                .content_type("application/jsonl; charset=utf-8")
                .body(out),
            Err(e) => problem::internal(e),
        },
        None | Some("json") => {
            let limit = q.limit.unwrap_or(100).clamp(1, 1000);
            match sec.audit.query(&filter, q.after.unwrap_or(0), limit + 1) {
                Ok(mut entries) => {
                    let next = (entries.len() > limit).then(|| entries[limit - 1].seq);
                    entries.truncate(limit);
                    HttpResponse::Ok().json(serde_json::json!({
                        "items": entries,
                        "next": next,
                        "head": sec.audit.head(),
                    }))
                }
                Err(e) => problem::internal(e),
            }
        }
        Some(f) => problem::bad_request(format!("format {f:?}: json, csv of jsonl")),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
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

fn token_problem(e: TokenError) -> HttpResponse {
    match e {
        TokenError::Scope(_, _) | TokenError::Config { .. } | TokenError::Malformed => {
            problem::bad_request(e.to_string())
        }
        other => problem::internal(other),
    }
}

async fn create_token(
    body: web::Json<NewToken>,
    gw: web::Data<Gateway>,
    sec: web::Data<Security>,
) -> HttpResponse {
    let body = body.into_inner();
    let Some(role) = Role::parse(&body.role) else {
        return problem::bad_request(format!("onbekende rol {:?}", body.role));
    };
    let expires = match body
        .expires
        .as_deref()
        .map(|e| OffsetDateTime::parse(e, &Rfc3339))
    {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(_)) => return problem::bad_request("expires: een tijdstip (RFC 3339)"),
    };
    let scope = Scope {
        party: body.party,
        gemeente: body.gemeente,
        team: body.team,
    };
    match sec.tokens.create(role, scope, &body.label, expires) {
        Ok((id, secret)) => {
            if let Err(e) = gw.store.durable().await {
                return problem::internal(e);
            }
            HttpResponse::Created()
                .insert_header(("Cache-Control", "no-store"))
                .json(serde_json::json!({
                    "id": id,
                    "token": secret.expose(),
                    "let_op": "dit token wordt maar één keer getoond",
                }))
        }
        Err(e) => token_problem(e),
    }
}

async fn list_tokens(sec: web::Data<Security>) -> HttpResponse {
    match sec.tokens.list() {
        Ok(items) => HttpResponse::Ok().json(serde_json::json!({ "items": items })),
        Err(e) => problem::internal(e),
    }
}

async fn revoke_token(
    path: web::Path<String>,
    gw: web::Data<Gateway>,
    sec: web::Data<Security>,
) -> HttpResponse {
    let Some(id) = TokenId::parse(&path.into_inner()) else {
        return problem::not_found("geen token met dit id");
    };
    match sec.tokens.revoke(&id) {
        Ok(true) => match gw.store.durable().await {
            Ok(()) => HttpResponse::Ok().json(serde_json::json!({ "revoked": id })),
            Err(e) => problem::internal(e),
        },
        Ok(false) => problem::not_found("geen token met dit id"),
        Err(e @ TokenError::Config { .. }) => Problem::new(
            StatusCode::CONFLICT,
            "configured",
            "Token uit de configuratie",
            e.to_string(),
        )
        .response(),
        Err(e) => token_problem(e),
    }
}

/// Deliver a stored message again: the accepted message to its Ontvanger's inbox, Sluis's
/// answer to the Afzender's (for a party whose system lost what it had acknowledged).
async fn replay(path: web::Path<String>, gw: web::Data<Gateway>) -> HttpResponse {
    let Ok(id) = path.parse::<u64>() else {
        return problem::not_found("geen bericht met dit id");
    };
    let b = match gw.store.get(id) {
        Ok(Some(b)) => b,
        Ok(None) => return problem::not_found("geen bericht met dit id"),
        Err(e) => return problem::internal(e),
    };
    let mut inbox = Vec::new();
    if b.accepted {
        inbox.push((b.ontvanger.clone(), "bericht"));
    }
    if b.retour.is_some() {
        inbox.push((b.afzender.clone(), "retour"));
    }
    let cursors = match gw.store.requeue(id, &inbox) {
        Ok(c) => c,
        Err(e) => return problem::internal(e),
    };
    if let Err(e) = gw.store.durable().await {
        return problem::internal(e);
    }
    let items: Vec<_> = inbox
        .iter()
        .zip(&cursors)
        .map(|((party, kind), cursor)| serde_json::json!({"party": party, "kind": kind, "cursor": cursor}))
        .collect();
    HttpResponse::Ok().json(serde_json::json!({ "bericht_id": id, "items": items }))
}
