//! `/api/v1/audit`: the audit log for contractmanagers and operators. Reading it is itself
//! audited by the middleware, like every other request.

use super::own_gemeente;
use crate::gateway::Gateway;
use crate::http::auth::{Caller, Security};
use crate::http::error::ApiError;
use crate::http::extract::Paging;
use crate::security::audit::{Action, Filter, Window};
use crate::security::crypto::ClientPseudonym;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
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
    /// `json` (default), `csv` or `jsonl` (for an export: the whole selection, or the window
    /// that `after` and `limit` give, as for `json`).
    format: Option<String>,
    // Also read by the `Paging` extractor (for `json`, with its default and maximum); an export
    // without `limit` is the whole selection.
    after: Option<u64>,
    limit: Option<usize>,
}

/// A moment from `2026-11-23T10:00:00Z` or a day; `end` makes a day mean its end.
fn moment(field: &str, v: &str, end: bool) -> Result<OffsetDateTime, ApiError> {
    if let Ok(t) = OffsetDateTime::parse(v, &Rfc3339) {
        return Ok(t);
    }
    let d = sluis_core::standard::types::Datum::parse(v).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "{field}: {v:?} is geen tijdstip (RFC 3339) of datum"
        ))
    })?;
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
    fn filter(&self) -> Result<Filter, ApiError> {
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
                Some(a) => Some(
                    action_of(a)
                        .ok_or_else(|| ApiError::BadRequest(format!("onbekende action {a:?}")))?,
                ),
            },
            object_kind: self.object.clone(),
            object_id: self.object_id.clone(),
            client: match &self.client {
                None => None,
                Some(c) => Some(ClientPseudonym::parse(c).ok_or_else(|| {
                    ApiError::BadRequest(
                        "client: een pseudoniem van 32 hexadecimale tekens, geen BSN".into(),
                    )
                })?),
            },
        })
    }
}

pub async fn audit(
    who: Caller,
    q: web::Query<AuditQuery>,
    page: Paging,
    gw: web::Data<Gateway>,
    sec: web::Data<Security>,
) -> Result<HttpResponse, ApiError> {
    // A contractmanager reads the audit of its own gemeente (this gateway serves one).
    own_gemeente(&who, &gw)?;
    let filter = q.filter()?;
    // Everything answered before this request is in the log before it is read.
    sec.audit_tx.flush().await.map_err(ApiError::internal)?;
    let mut out = Vec::new();
    let window = Window {
        after: q.after.unwrap_or(0),
        limit: q.limit.map(|l| l.max(1)),
    };
    match q.format.as_deref() {
        Some("csv") => {
            sec.audit
                .export_csv_window(&filter, window, &mut out)
                .map_err(ApiError::internal)?;
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .body(out))
        }
        Some("jsonl") => {
            sec.audit
                .export_jsonl_window(&filter, window, &mut out)
                .map_err(ApiError::internal)?;
            Ok(HttpResponse::Ok()
                .content_type("application/jsonl; charset=utf-8")
                .body(out))
        }
        None | Some("json") => {
            let limit = page.limit;
            let mut entries = sec
                .audit
                .query(&filter, page.after.unwrap_or(0), limit + 1)
                .map_err(ApiError::internal)?;
            let next = (entries.len() > limit).then(|| entries[limit - 1].seq);
            entries.truncate(limit);
            Ok(HttpResponse::Ok().json(serde_json::json!({
                "items": entries,
                "next": next,
                "head": sec.audit.head(),
            })))
        }
        Some(f) => Err(ApiError::BadRequest(format!(
            "format {f:?}: json, csv of jsonl"
        ))),
    }
}
