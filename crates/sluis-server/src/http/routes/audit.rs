//! `/api/v1/audit`: the audit log for contractmanagers and operators. Reading it is itself
//! audited by the middleware, like every other request.

use super::own_gemeente;
use crate::gateway::Gateway;
use crate::http::auth::{Caller, Security};
use crate::http::error::ApiError;
use crate::http::export::{col, download, Cell, Form, Kind, Table};
use crate::http::extract::{self, Listed};
use crate::security::audit::{csv_row, Action, Filter, Window, CSV_HEADER};
use crate::security::crypto::ClientPseudonym;
use actix_web::{web, HttpRequest, HttpResponse};
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
    // `format=` (json, csv, csv-nl, xlsx, jsonl) is negotiated before the handler; an export
    // (every form but json) is the whole selection, or the window `after` and `limit` give.
}

fn bad(parameter: &str, detail: String) -> ApiError {
    ApiError::Parameter {
        parameter: parameter.into(),
        detail,
    }
}

/// A moment from `2026-11-23T10:00:00Z` or a day; `end` makes a day mean its end.
fn moment(field: &str, v: &str, end: bool) -> Result<OffsetDateTime, ApiError> {
    if let Ok(t) = OffsetDateTime::parse(v, &Rfc3339) {
        return Ok(t);
    }
    let d = sluis_core::standard::types::Datum::parse(v).ok_or_else(|| {
        bad(
            field,
            "geen tijdstip (RFC 3339) of datum (JJJJ-MM-DD)".into(),
        )
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
                Some(a) => Some(action_of(a).ok_or_else(|| {
                    bad("action", "onbekende action (zie docs/security.md)".into())
                })?),
            },
            object_kind: self.object.clone(),
            object_id: self.object_id.clone(),
            client: match &self.client {
                None => None,
                Some(c) => Some(ClientPseudonym::parse(c).ok_or_else(|| {
                    bad(
                        "client",
                        "een pseudoniem van 32 hexadecimale tekens, geen BSN".into(),
                    )
                })?),
            },
        })
    }
}

/// The audit log as a table (CSV, XLSX): the columns of the command line's CSV export.
fn table(entries: &[crate::security::audit::Entry]) -> Table {
    let columns: Vec<_> = CSV_HEADER
        .iter()
        .map(|&name| match name {
            "seq" => col(name, Kind::Count),
            "timestamp" => col(name, Kind::Moment),
            _ => col(name, Kind::Text),
        })
        .collect();
    let mut t = Table::new("audit", &columns);
    for e in entries {
        let mut row: Vec<Cell> = csv_row(e)
            .into_iter()
            .map(|c| Cell::text((!c.is_empty()).then_some(c)))
            .collect();
        row[0] = Cell::count(e.seq);
        row[1] = Cell::moment(&e.timestamp);
        t.push(row);
    }
    t
}

pub async fn audit(
    req: HttpRequest,
    who: Caller,
    Listed(q, page): Listed<AuditQuery>,
    form: Form,
    gw: web::Data<Gateway>,
    sec: web::Data<Security>,
) -> Result<HttpResponse, ApiError> {
    // A contractmanager reads the audit of its own gemeente (this gateway serves one).
    own_gemeente(&who, &gw)?;
    let filter = q.filter()?;
    // Everything answered before this request is in the log before it is read.
    sec.audit_tx.flush().await.map_err(ApiError::internal)?;
    let window = Window {
        after: page.after.unwrap_or(0),
        limit: page.asked,
    };
    match form {
        Form::Jsonl => {
            let mut out = Vec::new();
            sec.audit
                .export_jsonl_window(&filter, window, &mut out)
                .map_err(ApiError::internal)?;
            Ok(download(
                "application/jsonl; charset=utf-8",
                "audit.jsonl",
                out,
            ))
        }
        Form::Csv | Form::CsvNl | Form::Xlsx => {
            let mut entries = Vec::new();
            sec.audit
                .export(&filter, window, |e| {
                    entries.push(e.clone());
                    Ok(())
                })
                .map_err(ApiError::internal)?;
            table(&entries).respond(form)
        }
        _ => {
            let limit = page.limit;
            let mut entries = sec
                .audit
                .query(&filter, page.after.unwrap_or(0), limit + 1)
                .map_err(ApiError::internal)?;
            let next = (entries.len() > limit).then(|| entries[limit - 1].seq);
            entries.truncate(limit);
            let mut resp = HttpResponse::Ok().json(serde_json::json!({
                "items": entries,
                "next": next,
                "head": sec.audit.head(),
            }));
            extract::link_next(&req, &mut resp, next);
            Ok(resp)
        }
    }
}
