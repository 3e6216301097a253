//! Reading and writing messages: XML (the standard's form) and JSON (Sluis's clean form).
//!
//! Reading here is only about the *form*: well-formed, UTF-8, within limits, no DTDs. Whether
//! the content fits the standard is for [`crate::validate`].

pub mod json;
pub mod xml;

impl From<json::JsonError> for ReadError {
    fn from(e: json::JsonError) -> Self {
        match e {
            json::JsonError::Duplicate(name) => ReadError::DuplicateMember(name),
            json::JsonError::Syntax(message) => ReadError::Json(message),
        }
    }
}

use crate::standard::Document;
use thiserror::Error;

/// Bounds on what Sluis reads, so no input can exhaust memory or stack.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest accepted input in bytes.
    pub max_bytes: usize,
    /// Deepest element nesting (the standard itself needs 8).
    pub max_depth: usize,
    /// Most elements in one message.
    pub max_elements: usize,
    /// Most attributes on one element (namespace declarations included). The standard's
    /// messages carry only a few declarations on the root; a cap keeps an element with
    /// thousands of attributes from costing more than its bytes.
    pub max_attributes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 10 * 1024 * 1024,
            max_depth: 64,
            max_elements: 200_000,
            max_attributes: 64,
        }
    }
}

/// Why an input could not be read as a message at all.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ReadError {
    #[error("input is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("input is empty")]
    Empty,
    #[error("input is not valid UTF-8 (at byte {offset})")]
    NotUtf8 { offset: usize },
    #[error("input is neither XML nor JSON")]
    UnknownFormat,
    #[error("declared encoding {0:?} is not UTF-8")]
    Encoding(String),
    #[error("DOCTYPE declarations are not accepted")]
    Doctype,
    #[error("entity reference &{0}; is not allowed (only XML's predefined entities and character references)")]
    Entity(String),
    #[error("elements nest deeper than the limit of {limit}")]
    TooDeep { limit: usize },
    #[error("more than {limit} elements")]
    TooManyElements { limit: usize },
    #[error("an element has more than {limit} attributes")]
    TooManyAttributes { limit: usize },
    #[error("XML is not well-formed at byte {offset}: {message}")]
    Malformed { offset: u64, message: String },
    #[error("JSON is not well-formed: {0}")]
    Json(String),
    /// Read by people as the 400's detail: Dutch, naming the member and never its value.
    #[error("het JSON-lid {0:?} komt meer dan eens voor in hetzelfde object; dubbele namen zijn niet toegestaan")]
    DuplicateMember(String),
    #[error(
        "root element {name} in namespace {namespace:?} is not a message of iJw 3.2 or iWmo 3.2"
    )]
    UnknownMessage { name: String, namespace: String },
    #[error("JSON message has no known \"bericht\" (expected e.g. \"JW301\" or \"WMO323\")")]
    UnknownJsonMessage,
}

/// The two forms a message can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

/// Decide the form from the first meaningful byte, after checking size and encoding.
pub fn sniff<'a>(bytes: &'a [u8], limits: &Limits) -> Result<(Format, &'a str), ReadError> {
    if bytes.len() > limits.max_bytes {
        return Err(ReadError::TooLarge {
            size: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    match text.trim_start().as_bytes().first() {
        None => Err(ReadError::Empty),
        Some(b'<') => Ok((Format::Xml, text)),
        Some(b'{') => Ok((Format::Json, text)),
        Some(_) => Err(ReadError::UnknownFormat),
    }
}

/// Convert a document to the given form.
pub fn write(doc: &Document, format: Format) -> String {
    match format {
        Format::Xml => xml::write(doc),
        Format::Json => json::to_string_pretty(doc),
    }
}
