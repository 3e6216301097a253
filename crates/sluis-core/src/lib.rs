//! The pure core of Sluis: the iJw 3.2 / iWmo 3.2 standards and every judgement over them.
//!
//! [`codec`] reads XML or JSON → [`validate`] judges it against the standard (in-message rules,
//! and the cross-message rules over a history view) → [`retour`] writes the answer →
//! [`codec`] writes it in either form. [`standard`] is the model both sides share;
//! [`doelbereik`] holds Sluis's own messages and the financing rule. Nothing here does I/O:
//! this crate's manifest has no async runtime, web framework, database or HTTP client, so
//! Cargo itself keeps it that way.

pub mod codec;
pub mod codes;
pub mod doelbereik;
pub mod intake;
pub mod policy;
pub mod retour;
pub mod standard;
pub mod status;
pub mod validate;

pub use codec::{Format, Limits, ReadError};
pub use retour::{retour, RetourContext, RetourError};
pub use standard::Document;
pub use validate::structure::Structured;
pub use validate::Finding;

use standard::schema;

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
        Format::Xml => validate::structure::from_xml(text, limits)?,
        Format::Json => {
            // Duplicate member names are refused: a reader downstream might take the other one.
            let value = codec::json::value_unique(text.as_bytes())?;
            let schema = value
                .get("bericht")
                .and_then(serde_json::Value::as_str)
                .and_then(|code| schema::messages().find(|m| m.code == code))
                .ok_or(ReadError::UnknownJsonMessage)?;
            let by_schema = codec::json::schema_findings(schema, &value);
            let mut structured = validate::structure::from_json(&value, schema);
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
pub fn validate(bytes: &[u8], limits: &Limits) -> Result<Verdict, ReadError> {
    let parsed = parse(bytes, limits)?;
    let Structured {
        document,
        mut findings,
    } = parsed.structured;
    findings.extend(validate::rules::check(&document));
    Ok(Verdict {
        format: parsed.format,
        document,
        findings,
    })
}

/// Convert a document to the given form.
pub fn write(doc: &Document, format: Format) -> String {
    match format {
        Format::Xml => codec::xml::write(doc),
        Format::Json => codec::json::to_string_pretty(doc),
    }
}
