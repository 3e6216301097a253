//! Sluis's JSON form of a message, and the JSON Schema check of JSON input.
//!
//! The form mirrors the XML element for element, with the standard's names:
//! `{"bericht": "JW301", "Header": {…}, "Client": {…}}`. Integers are JSON numbers, everything
//! else (dates and codes included) a string exactly as in XML. An element that only wraps one
//! repeated element (`ToegewezenProducten`, `RetourCodes` …) is a JSON array of that element.

use crate::finding::Finding;
use crate::standard::schema::{self, ComplexType, Field, MessageSchema, Type};
use crate::standard::{Content, Document, Element, Value};
use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Serialize a document in the JSON form.
pub struct JsonForm<'a>(pub &'a Document);

pub fn to_string(doc: &Document) -> String {
    // Written directly rather than through serde_json's serializer: the keys are the
    // standard's element names, known to need no escaping, and most values are short codes,
    // so the generic per-entry work was a third of the JSON time. The bytes are the same as
    // `serde_json::to_string(&JsonForm(doc))` (a test compares the two on every fixture).
    let mut out = String::with_capacity(8 * 1024);
    out.push_str("{\"bericht\":");
    write_str(&mut out, doc.schema.code);
    write_fields(&mut out, &doc.children, true);
    out.push('}');
    out
}

/// The members of an object for `children`, each preceded by a comma unless it is the first
/// and the object has no members yet.
fn write_fields(out: &mut String, children: &[Element], mut comma: bool) {
    let mut i = 0;
    while i < children.len() {
        let field = children[i].field;
        if comma {
            out.push(',');
        }
        comma = true;
        write_key(out, field.name);
        if field.repeats() {
            let end = children[i..]
                .iter()
                .position(|e| !std::ptr::eq(e.field, field))
                .map_or(children.len(), |p| i + p);
            write_items(out, &children[i..end]);
            i = end;
        } else {
            write_element(out, &children[i]);
            i += 1;
        }
    }
}

/// `"Name":`. Element names are XML names: no quote, backslash or control character, so
/// they are written as they are.
fn write_key(out: &mut String, name: &str) {
    out.push('"');
    out.push_str(name);
    out.push_str("\":");
}

fn write_items(out: &mut String, items: &[Element]) {
    out.push('[');
    for (i, e) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_element(out, e);
    }
    out.push(']');
}

fn write_element(out: &mut String, e: &Element) {
    match (&e.content, e.field.ty) {
        (Content::Value(Value::Integer(n)), _) => write_integer(out, *n),
        (Content::Value(Value::Date(d)), _) => {
            // Only digits and dashes: nothing to escape, nothing to check as UTF-8.
            out.push('"');
            out.extend(d.to_bytes().map(char::from));
            out.push('"');
        }
        // Texts straight from the value, without a `Cow` between.
        (Content::Value(Value::Text(t)), _) => write_str(out, t),
        (Content::Value(Value::Invalid(t)), _) => write_str(out, t),
        (Content::Value(v), _) => write_str(out, &v.lexical()),
        (Content::Complex(children), Type::Complex(ct)) if ct.list_item().is_some() => {
            write_items(out, children)
        }
        (Content::Complex(children), Type::Complex(_)) => {
            out.push('{');
            write_fields(out, children, false);
            out.push('}');
        }
        (Content::Complex(_), Type::Simple(_)) => out.push_str("null"),
    }
}

/// An integer in decimal, as `i64`'s `Display` writes it, without the formatting machinery
/// (amounts and counts are a good part of a declaration's values).
fn write_integer(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    let mut digits = [0u8; 20];
    let mut rest = n.unsigned_abs();
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend(digits[i..].iter().map(|&d| char::from(d)));
}

/// A JSON string, escaped exactly as serde_json does: `"` and `\\`, the short forms `\b \f
/// \n \r \t`, other control characters as `\u00xx`; everything else as it is.
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let mut rest = s;
    while let Some(i) = rest
        .bytes()
        .position(|b| b < 0x20 || b == b'"' || b == b'\\')
    {
        out.push_str(&rest[..i]);
        let b = rest.as_bytes()[i];
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x08 => out.push_str("\\b"),
            0x0C => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xF)]));
            }
        }
        // The byte is ASCII, so the next one starts a character.
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
    out.push('"');
}

pub fn to_string_pretty(doc: &Document) -> String {
    serde_json::to_string_pretty(&JsonForm(doc)).unwrap_or_default()
}

pub fn to_value(doc: &Document) -> serde_json::Value {
    serde_json::to_value(JsonForm(doc)).unwrap_or_default()
}

impl Serialize for JsonForm<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let doc = self.0;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("bericht", doc.schema.code)?;
        serialize_fields(&mut map, doc.schema.root, &doc.children)?;
        map.end()
    }
}

fn serialize_fields<M: SerializeMap>(
    map: &mut M,
    ct: &ComplexType,
    children: &[Element],
) -> Result<(), M::Error> {
    let mut i = 0;
    while i < children.len() {
        let field = children[i].field;
        if field.repeats() {
            let end = children[i..]
                .iter()
                .position(|e| !std::ptr::eq(e.field, field))
                .map_or(children.len(), |p| i + p);
            map.serialize_entry(field.name, &Items(&children[i..end]))?;
            i = end;
        } else {
            map.serialize_entry(field.name, &Json(&children[i]))?;
            i += 1;
        }
    }
    let _ = ct;
    Ok(())
}

struct Json<'a>(&'a Element);
struct Items<'a>(&'a [Element]);

impl Serialize for Items<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for e in self.0 {
            seq.serialize_element(&Json(e))?;
        }
        seq.end()
    }
}

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        match (&e.content, e.field.ty) {
            (Content::Value(Value::Integer(n)), _) => s.serialize_i64(*n),
            // Dates and times are written straight from their Display, without a String between.
            (Content::Value(Value::Date(d)), _) => {
                let b = d.to_bytes();
                s.serialize_str(std::str::from_utf8(&b).unwrap_or_default())
            }
            (Content::Value(Value::Time(t)), _) => s.collect_str(t),
            (Content::Value(v), _) => s.serialize_str(&v.lexical()),
            (Content::Complex(children), Type::Complex(ct)) if ct.list_item().is_some() => {
                Items(children).serialize(s)
            }
            (Content::Complex(children), Type::Complex(ct)) => {
                let mut map = s.serialize_map(None)?;
                serialize_fields(&mut map, ct, children)?;
                map.end()
            }
            (Content::Complex(_), Type::Simple(_)) => s.serialize_none(),
        }
    }
}

// --------------------------------------------------------------------- reading JSON

/// Why a JSON text could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    /// An object names a member twice. Readers differ on which one counts (serde_json takes
    /// the last, others the first), so a receiver could see another Afzender or client than
    /// Sluis judged: refused. Holds the member's name (never its value), shortened.
    Duplicate(String),
    /// Not well-formed JSON (serde_json's message: a position, never a value).
    Syntax(String),
}

/// Read a JSON text into a value, refusing duplicate member names in any object.
pub fn value_unique(bytes: &[u8]) -> Result<serde_json::Value, JsonError> {
    let duplicate = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result = UniqueValue(&duplicate)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    match (result, duplicate.into_inner()) {
        (_, Some(name)) => Err(JsonError::Duplicate(name)),
        (Ok(v), None) => Ok(v),
        (Err(e), None) => Err(JsonError::Syntax(e.to_string())),
    }
}

/// Builds a `serde_json::Value` as serde_json does, but notes the first duplicate member
/// name in the cell and stops there. serde_json's own recursion limit still applies.
#[derive(Clone, Copy)]
struct UniqueValue<'c>(&'c RefCell<Option<String>>);

impl<'de> DeserializeSeed<'de> for UniqueValue<'_> {
    type Value = serde_json::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueValue<'_> {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        // JSON has no NaN or infinity; `Null` only if a parser ever handed one over.
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            out.push(v);
        }
        Ok(serde_json::Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                *self.0.borrow_mut() = Some(key.chars().take(64).collect());
                return Err(A::Error::custom("duplicate member name"));
            }
            let value = map.next_value_seed(self)?;
            out.insert(key, value);
        }
        Ok(serde_json::Value::Object(out))
    }
}

// --------------------------------------------------------------------- JSON Schema check

macro_rules! schema_sources {
    ($($dir:literal : [$($code:literal),*]),*) => {
        /// The JSON Schema text of a message, as committed in `schemas/`.
        pub fn schema_source(code: &str) -> Option<&'static str> {
            match code {
                $($($code => Some(include_str!(concat!("../../../../schemas/", $dir, "/", $code, ".schema.json"))),)*)*
                _ => None,
            }
        }
    };
}

schema_sources!(
    "ijw-3.2": ["JW301", "JW302", "JW305", "JW306", "JW307", "JW308", "JW315", "JW316", "JW317",
                "JW318", "JW319", "JW320", "JW323", "JW325"],
    "iwmo-3.2": ["WMO301", "WMO302", "WMO305", "WMO306", "WMO307", "WMO308", "WMO315", "WMO316",
                 "WMO317", "WMO318", "WMO319", "WMO320", "WMO323", "WMO325"]
);

type Validators = HashMap<&'static str, Result<jsonschema::Validator, String>>;

/// Compiled once per process, on first use.
fn validators() -> &'static Validators {
    static CELL: OnceLock<Validators> = OnceLock::new();
    CELL.get_or_init(|| schema::messages().map(|m| (m.code, compile(m))).collect())
}

fn compile(m: &MessageSchema) -> Result<jsonschema::Validator, String> {
    let src = schema_source(m.code).ok_or_else(|| format!("no JSON Schema for {}", m.code))?;
    let schema: serde_json::Value = serde_json::from_str(src).map_err(|e| e.to_string())?;
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| e.to_string())
}

/// Check a JSON message against its JSON Schema; every violation as an `XSD` finding with an
/// element path like the XML side's.
pub fn schema_findings(schema: &'static MessageSchema, value: &serde_json::Value) -> Vec<Finding> {
    let validator = match validators().get(schema.code) {
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            return vec![Finding::xsd(
                "/Bericht",
                format!("JSON Schema van {} is onbruikbaar: {e}", schema.code),
            )]
        }
        None => {
            return vec![Finding::xsd(
                "/Bericht",
                format!("geen JSON Schema voor {}", schema.code),
            )]
        }
    };
    validator
        .iter_errors(value)
        .map(|err| {
            let (path, sensitive) = element_path(schema, err.instance_path().as_str());
            // Never echo a BSN back: the masked form leaves the value out.
            let message = if sensitive {
                err.masked().to_string()
            } else {
                err.to_string()
            };
            Finding::xsd(path, message)
        })
        .collect()
}

/// Turn a JSON Pointer into the instance (`/Client/ToegewezenProducten/1/Einddatum`) into an
/// element path (`/Bericht/Client/ToegewezenProducten/ToegewezenProduct[2]/Einddatum`), and
/// tell whether it points at a sensitive value.
pub fn element_path(schema: &MessageSchema, pointer: &str) -> (String, bool) {
    let mut out = String::from("/Bericht");
    let mut ct: Option<&ComplexType> = Some(schema.root);
    let mut pending: Option<&Field> = None; // a repeated element awaiting its index
    let mut sensitive = false;
    for raw in pointer.split('/').skip(1) {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        if let (Some(field), Ok(i)) = (pending, seg.parse::<usize>()) {
            out.push_str(&format!("/{}[{}]", field.name, i + 1));
            pending = None;
            ct = descend(field, &mut sensitive);
            continue;
        }
        out.push('/');
        out.push_str(&seg);
        let field = ct.and_then(|c| c.field(&seg));
        match field {
            Some(f) if f.repeats() => {
                out.truncate(out.len() - seg.len() - 1);
                pending = Some(f);
            }
            Some(f) => {
                ct = descend(f, &mut sensitive);
                if let Some(item) = ct.and_then(ComplexType::list_item) {
                    pending = Some(item);
                }
            }
            None => ct = None,
        }
    }
    (out, sensitive)
}

fn descend(f: &Field, sensitive: &mut bool) -> Option<&'static ComplexType> {
    match f.ty {
        Type::Complex(c) => Some(c),
        Type::Simple(st) => {
            *sensitive = st.sensitive;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_a_compiling_json_schema() {
        for m in schema::messages() {
            assert!(
                matches!(validators().get(m.code), Some(Ok(_))),
                "{}",
                m.code
            );
        }
    }

    fn first_value(e: &mut Element) -> Option<&mut Value> {
        match &mut e.content {
            Content::Value(v) => Some(v),
            Content::Complex(c) => c.iter_mut().find_map(first_value),
        }
    }

    /// The direct writer gives serde_json's bytes exactly, on every fixture (valid or not)
    /// and on values that need escaping.
    #[test]
    fn direct_writer_matches_serde_json() {
        fn xml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    xml_files(&path, out);
                } else if path.extension().is_some_and(|e| e == "xml") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        // Unit tests run in the crate's own directory; the fixtures are at the workspace top.
        let top = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        xml_files(&top, &mut files);
        assert!(files.len() > 20, "fixtures found: {}", files.len());
        let limits = crate::codec::Limits::default();
        let mut compared = 0;
        for f in &files {
            let bytes = std::fs::read(f).expect("readable fixture");
            let Ok(parsed) = crate::validate::parse(&bytes, &limits) else {
                continue;
            };
            let mut doc = parsed.structured.document;
            let serde = serde_json::to_string(&JsonForm(&doc)).expect("serializes");
            assert_eq!(to_string(&doc), serde, "{}", f.display());
            // The same document with a text value that needs every kind of escape.
            if let Some(v) = doc.children.iter_mut().find_map(first_value) {
                *v = Value::Invalid("a\"b\\c\u{1}\u{8}\u{c}\n\r\t\u{1f}\u{7f}é€😀/".into());
                let serde = serde_json::to_string(&JsonForm(&doc)).expect("serializes");
                assert_eq!(to_string(&doc), serde, "{} (escapes)", f.display());
            }
            compared += 1;
        }
        assert!(compared > 20, "documents compared: {compared}");
    }

    #[test]
    fn duplicate_member_names_are_refused_at_any_depth() {
        let v = value_unique(br#"{"a":1,"b":{"c":[1,{"d":null}]}}"#).expect("reads");
        assert_eq!(v["b"]["c"][1]["d"], serde_json::Value::Null);
        assert_eq!(
            value_unique(br#"{"Afzender":"1","Afzender":"2"}"#),
            Err(JsonError::Duplicate("Afzender".into()))
        );
        assert_eq!(
            value_unique(br#"{"x":{"Client":[{"Bsn":"1","Bsn":"2"}]}}"#),
            Err(JsonError::Duplicate("Bsn".into()))
        );
        // The same name in different objects is fine; escapes name the same member.
        assert!(value_unique(br#"{"a":{"n":1},"b":{"n":1}}"#).is_ok());
        assert_eq!(
            value_unique(br#"{"a":1,"\u0061":2}"#),
            Err(JsonError::Duplicate("a".into()))
        );
        assert!(matches!(value_unique(b"{} x"), Err(JsonError::Syntax(_))));
        assert!(matches!(
            value_unique(b"{\"a\":"),
            Err(JsonError::Syntax(_))
        ));
    }

    #[test]
    fn integers_are_written_as_display_does() {
        for n in [0, 1, -1, 9, 10, 99, 100, 12345, -98765, i64::MAX, i64::MIN] {
            let mut out = String::new();
            write_integer(&mut out, n);
            assert_eq!(out, n.to_string());
        }
    }

    #[test]
    fn pointers_become_element_paths() {
        let jw301 = schema::by_code("JW301").expect("known");
        assert_eq!(
            element_path(jw301, "/Client/ToegewezenProducten/1/Einddatum"),
            (
                "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[2]/Einddatum".into(),
                false
            )
        );
        assert_eq!(
            element_path(jw301, "/Client/Bsn"),
            ("/Bericht/Client/Bsn".into(), true)
        );
        assert_eq!(
            element_path(jw301, "/Header"),
            ("/Bericht/Header".into(), false)
        );
        assert_eq!(element_path(jw301, ""), ("/Bericht".into(), false));
    }
}
