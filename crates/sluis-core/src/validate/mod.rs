//! Judging a message: first its structure (what the XSD says), then the standard's in-message
//! rules ([`rules`]), both as [`Finding`]s; then, against the history of earlier messages, the
//! cross-message and external rules ([`history`]).
//!
//! [`parse`] reads a message in either form and checks its structure; [`message`] does that and
//! then the in-message rules, giving the [`Verdict`] (`sluis_core::validate` is this function).

pub mod history;
pub mod rules;
pub mod structure;

pub use crate::finding::{Finding, XSD};

use crate::codec::{self, Format, Limits, ReadError};
use crate::standard::{schema, Document};
use structure::Structured;

/// A message read and checked against its structure.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub format: Format,
    pub structured: Structured,
}

/// Read a message in either form and check its structure. `Err` when it cannot be read as a
/// message at all (not well-formed, too large, hostile, unknown message); otherwise the
/// document with all structural findings.
pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Parsed, ReadError> {
    let (format, text) = codec::sniff(bytes, limits)?;
    let structured = match format {
        Format::Xml => structure::from_xml(text, limits)?,
        Format::Json => {
            // Duplicate member names are refused: a reader downstream might take the other one.
            let value = codec::json::value_unique(text.as_bytes())?;
            let schema = value
                .get("bericht")
                .and_then(serde_json::Value::as_str)
                .and_then(|code| schema::messages().find(|m| m.code == code))
                .ok_or(ReadError::UnknownJsonMessage)?;
            let by_schema = codec::json::schema_findings(schema, &value);
            let mut structured = structure::from_json(&value, schema);
            // Both checks come from the same XSD facts; the model's findings read better and
            // match the XML side, the JSON Schema's are the fallback should they ever differ.
            if structured.findings.is_empty() {
                structured.findings = by_schema;
            }
            structured
        }
    };
    Ok(Parsed { format, structured })
}

/// A message read and judged: its structure and the standard's in-message rules.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub format: Format,
    pub document: Document,
    /// Structure findings (`XSD`) first, then rule findings (`TR101`, `CS003` …).
    pub findings: Vec<Finding>,
}

impl Verdict {
    /// Valid when neither the structure nor any rule has a finding.
    pub fn is_valid(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Read a message in either form, check its structure and then the standard's in-message
/// rules. A structural error stops only the rules that need the affected element (it holds
/// `Value::Invalid` or is absent), not the whole message. Pure: no I/O.
pub fn message(bytes: &[u8], limits: &Limits) -> Result<Verdict, ReadError> {
    let parsed = parse(bytes, limits)?;
    let Structured {
        document,
        mut findings,
        dagtekening_raw,
    } = parsed.structured;
    // Some rules compare values as written (the Dagtekening with its white space), the way
    // the official stylesheet reads them.
    let lexical = rules::Lexical {
        dagtekening: dagtekening_raw.as_deref(),
    };
    findings.extend(rules::check_lexical(&document, &lexical));
    Ok(Verdict {
        format: parsed.format,
        document,
        findings,
    })
}
