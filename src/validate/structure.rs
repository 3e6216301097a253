//! Structural validation equivalent to the official XSDs, driven by the generated tables.
//!
//! Both ways in end here: an XML element tree, or a JSON value (already checked against its
//! JSON Schema). Each is walked against the message's structure; every problem becomes a
//! [`Finding`] with code `XSD` and an element path, and walking goes on so that all problems of
//! a message are reported, not just the first.

use super::Finding;
use crate::codec::xml::{XmlNode, XmlTree};
use crate::standard::schema::{Base, ComplexType, Field, MessageSchema, SimpleType, Type};
use crate::standard::types::{trim_xsd, Datum, Tijd};
use crate::standard::{Content, Document, Element, Value};

/// A message read into the model, with everything its structure check found.
#[derive(Debug, Clone)]
pub struct Structured {
    pub document: Document,
    pub findings: Vec<Finding>,
}

impl Structured {
    pub fn is_valid(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Check a simple value against its type; on success the XSD value, otherwise why not.
pub fn check_value(st: &SimpleType, raw: &str) -> Result<Value, String> {
    let shown = |v: &str| -> String {
        if st.sensitive {
            "(waarde niet getoond)".into()
        } else {
            format!("'{}'", v.chars().take(80).collect::<String>())
        }
    };
    if let Some(c) = raw.chars().find(|&c| !is_xml_char(c)) {
        return Err(format!(
            "bevat een teken dat XML niet toestaat (U+{:04X})",
            c as u32
        ));
    }
    // xs:string keeps white space; the other built-ins collapse it first.
    let lexical = match st.base {
        Base::String => raw,
        _ => trim_xsd(raw),
    };
    if !st.enumeration.is_empty() && st.enumeration.binary_search(&lexical).is_err() {
        return Err(format!(
            "{} komt niet voor in de codelijst van {}",
            shown(lexical),
            st.name
        ));
    }
    if st.min_length.is_some() || st.max_length.is_some() {
        let len = lexical.chars().count() as u32;
        if let Some(min) = st.min_length.filter(|&m| len < m) {
            return Err(format!("{} is korter dan {min} teken(s)", shown(lexical)));
        }
        if let Some(max) = st.max_length.filter(|&m| len > m) {
            return Err(format!("{} is langer dan {max} teken(s)", shown(lexical)));
        }
    }
    if let Some(p) = st.patterns.iter().find(|p| !p.matches(lexical)) {
        return Err(format!(
            "{} voldoet niet aan het patroon {} van {}",
            shown(lexical),
            p.xsd(),
            st.name
        ));
    }
    let value = match st.base {
        Base::String => Value::Text(raw.into()),
        Base::Integer => {
            let n = parse_integer(lexical)
                .ok_or_else(|| format!("{} is geen geheel getal", shown(lexical)))?;
            match n {
                Some(n) => Value::Integer(n),
                None => {
                    return Err(format!(
                        "{} valt buiten het bereik van {}",
                        shown(lexical),
                        st.name
                    ))
                }
            }
        }
        Base::Date => Value::Date(
            Datum::parse(lexical)
                .ok_or_else(|| format!("{} is geen geldige datum (JJJJ-MM-DD)", shown(lexical)))?,
        ),
        Base::Time => Value::Time(
            Tijd::parse(lexical)
                .ok_or_else(|| format!("{} is geen geldige tijd (uu:mm:ss)", shown(lexical)))?,
        ),
    };
    if let Value::Integer(n) = value {
        if let Some(min) = st.min_inclusive.filter(|&m| n < m) {
            return Err(format!(
                "{} is kleiner dan het minimum {min}",
                shown(lexical)
            ));
        }
        if let Some(max) = st.max_inclusive.filter(|&m| n > m) {
            return Err(format!(
                "{} is groter dan het maximum {max}",
                shown(lexical)
            ));
        }
    }
    Ok(value)
}

/// `xs:integer`'s lexical form; `Some(None)` for a well-formed integer too large to hold
/// (every range in the standard fits in an `i64`, so it is out of range anyway).
fn parse_integer(s: &str) -> Option<Option<i64>> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.parse::<i64>().ok())
}

/// XML 1.0's `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Appends one step to an element path, with an index for elements that may repeat.
fn push_step(path: &mut String, field: &Field, occurrence: usize) {
    path.push('/');
    path.push_str(field.name);
    if field.repeats() {
        path.push('[');
        path.push_str(&occurrence.to_string());
        path.push(']');
    }
}

/// The elements that may come next: optional ones up to and including the first required one.
fn expected_list(fields: &[Field]) -> String {
    let end = fields
        .iter()
        .position(|f| f.min > 0)
        .map_or(fields.len(), |p| p + 1);
    let names: Vec<&str> = fields[..end].iter().map(|f| f.name).collect();
    names.join(", ")
}

// ------------------------------------------------------------------------------------- XML

/// Check an XML element tree against the message its root namespace names.
pub fn from_xml(tree: &XmlTree<'_>, schema: &'static MessageSchema) -> Structured {
    let mut findings = Vec::new();
    let mut path = String::from("/Bericht");
    let root = tree.root();
    check_node_extras(root, false, &path, &mut findings);
    let children = xml_complex(tree, root, schema, schema.root, &mut path, &mut findings);
    Structured {
        document: Document { schema, children },
        findings,
    }
}

fn check_node_extras(node: &XmlNode<'_>, simple: bool, path: &str, findings: &mut Vec<Finding>) {
    for a in &node.attributes {
        findings.push(Finding::xsd(
            path,
            format!("attribuut {a} is niet toegestaan"),
        ));
    }
    if !simple && !trim_xsd(&node.text).is_empty() {
        findings.push(Finding::xsd(
            path,
            "tekst is hier niet toegestaan, alleen elementen",
        ));
    }
}

fn xml_complex(
    tree: &XmlTree<'_>,
    node: &XmlNode<'_>,
    schema: &'static MessageSchema,
    ct: &'static ComplexType,
    path: &mut String,
    findings: &mut Vec<Finding>,
) -> Vec<Element> {
    let fields = ct.fields;
    let ns = schema.namespace_of(ct.ns);
    let mut out = Vec::with_capacity(fields.len());
    let mut at = 0usize; // current field
    let mut count = 0usize; // occurrences of the current field so far
    for child in tree.children(node) {
        let same_ns = tree.namespace(child) == Some(ns);
        let found = same_ns
            .then(|| {
                fields[at.min(fields.len())..]
                    .iter()
                    .position(|f| f.name == child.local)
            })
            .flatten()
            .map(|p| p + at);
        match found {
            Some(j) if j == at && count as u32 >= fields[j].max => {
                let len = path.len();
                push_step(path, &fields[j], count + 1);
                findings.push(Finding::xsd(
                    path.as_str(),
                    format!(
                        "element {} komt vaker voor dan toegestaan (maximaal {})",
                        child.local, fields[j].max
                    ),
                ));
                path.truncate(len);
            }
            Some(j) => {
                let from = if j == at { None } else { Some(at) };
                if let Some(from) = from {
                    report_missing(&fields[from..j], count, path, findings);
                    at = j;
                    count = 0;
                }
                count += 1;
                let field = &fields[j];
                let len = path.len();
                push_step(path, field, count);
                out.push(xml_element(tree, child, schema, field, path, findings));
                path.truncate(len);
            }
            None => {
                let name = match tree.namespace(child) {
                    Some(n) if n == ns => child.local.to_string(),
                    Some(n) => format!("{{{n}}}{}", child.local),
                    None => format!("{} (zonder namespace)", child.local),
                };
                let earlier = same_ns && fields[..at].iter().any(|f| f.name == child.local);
                // The current element is still possible only while it may occur again.
                let next = if at < fields.len() && count > 0 && count as u32 >= fields[at].max {
                    at + 1
                } else {
                    at
                };
                let rest = &fields[next.min(fields.len())..];
                let msg = if earlier {
                    format!(
                        "element {name} staat niet op de juiste plaats; verwacht hier: {}",
                        expected_list(rest)
                    )
                } else if rest.is_empty() {
                    format!("element {name} is hier niet toegestaan; er wordt geen element meer verwacht")
                } else {
                    format!(
                        "element {name} is hier niet toegestaan; verwacht: {}",
                        expected_list(rest)
                    )
                };
                findings.push(Finding::xsd(format!("{path}/{}", child.local), msg));
            }
        }
    }
    report_missing(&fields[at.min(fields.len())..], count, path, findings);
    out
}

/// Fields being passed over: the first has had `count` occurrences, the others none.
fn report_missing(passed: &[Field], count: usize, path: &str, findings: &mut Vec<Finding>) {
    for (i, f) in passed.iter().enumerate() {
        let seen = if i == 0 { count } else { 0 };
        if (seen as u32) < f.min {
            findings.push(Finding::xsd(
                format!("{path}/{}", f.name),
                format!("verplicht element {} ontbreekt", f.name),
            ));
        }
    }
}

fn xml_element(
    tree: &XmlTree<'_>,
    node: &XmlNode<'_>,
    schema: &'static MessageSchema,
    field: &'static Field,
    path: &mut String,
    findings: &mut Vec<Finding>,
) -> Element {
    match field.ty {
        Type::Complex(ct) => {
            check_node_extras(node, false, path, findings);
            let children = xml_complex(tree, node, schema, ct, path, findings);
            Element {
                field,
                content: Content::Complex(children),
            }
        }
        Type::Simple(st) => {
            check_node_extras(node, true, path, findings);
            if node.first_child != u32::MAX {
                findings.push(Finding::xsd(
                    path.as_str(),
                    format!("element {} mag geen elementen bevatten", field.name),
                ));
            }
            let value = match check_value(st, &node.text) {
                Ok(v) => v,
                Err(msg) => {
                    findings.push(Finding::xsd(
                        path.as_str(),
                        format!("{}: {msg}", field.name),
                    ));
                    Value::Invalid(node.text.as_ref().into())
                }
            };
            Element {
                field,
                content: Content::Value(value),
            }
        }
    }
}

// ------------------------------------------------------------------------------------ JSON

/// Build the model from a JSON message (see `codec::json` for the form), checking as we go.
pub fn from_json(value: &serde_json::Value, schema: &'static MessageSchema) -> Structured {
    let mut findings = Vec::new();
    let mut path = String::from("/Bericht");
    let children = json_object(value, schema.root, true, &mut path, &mut findings);
    Structured {
        document: Document { schema, children },
        findings,
    }
}

fn json_type_name(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "een boolean",
        serde_json::Value::Number(_) => "een getal",
        serde_json::Value::String(_) => "een tekst",
        serde_json::Value::Array(_) => "een lijst",
        serde_json::Value::Object(_) => "een object",
    }
}

fn json_object(
    value: &serde_json::Value,
    ct: &'static ComplexType,
    top: bool,
    path: &mut String,
    findings: &mut Vec<Finding>,
) -> Vec<Element> {
    let Some(obj) = value.as_object() else {
        findings.push(Finding::xsd(
            path.as_str(),
            format!("verwacht een object, gevonden {}", json_type_name(value)),
        ));
        return Vec::new();
    };
    for key in obj.keys() {
        if !(top && key == "bericht") && ct.field(key).is_none() {
            findings.push(Finding::xsd(
                format!("{path}/{key}"),
                format!("veld {key} is hier niet toegestaan"),
            ));
        }
    }
    let mut out = Vec::with_capacity(ct.fields.len());
    for field in ct.fields {
        match obj.get(field.name) {
            None | Some(serde_json::Value::Null) => {
                if field.min > 0 {
                    findings.push(Finding::xsd(
                        format!("{path}/{}", field.name),
                        format!("verplicht element {} ontbreekt", field.name),
                    ));
                }
            }
            Some(v) if field.repeats() => json_items(v, field, path, findings, &mut out),
            Some(v) => {
                let len = path.len();
                push_step(path, field, 1);
                out.push(json_element(v, field, path, findings));
                path.truncate(len);
            }
        }
    }
    out
}

fn json_items(
    v: &serde_json::Value,
    field: &'static Field,
    path: &mut String,
    findings: &mut Vec<Finding>,
    out: &mut Vec<Element>,
) {
    let Some(items) = v.as_array() else {
        findings.push(Finding::xsd(
            format!("{path}/{}", field.name),
            format!(
                "verwacht een lijst van {}, gevonden {}",
                field.name,
                json_type_name(v)
            ),
        ));
        return;
    };
    if (items.len() as u32) < field.min {
        findings.push(Finding::xsd(
            format!("{path}/{}", field.name),
            format!("minstens {} element(en) {} vereist", field.min, field.name),
        ));
    }
    if items.len() as u32 > field.max {
        findings.push(Finding::xsd(
            format!("{path}/{}", field.name),
            format!(
                "element {} komt vaker voor dan toegestaan (maximaal {})",
                field.name, field.max
            ),
        ));
    }
    for (i, item) in items.iter().enumerate() {
        let len = path.len();
        push_step(path, field, i + 1);
        out.push(json_element(item, field, path, findings));
        path.truncate(len);
    }
}

fn json_element(
    v: &serde_json::Value,
    field: &'static Field,
    path: &mut String,
    findings: &mut Vec<Finding>,
) -> Element {
    let content = match field.ty {
        Type::Complex(ct) => match ct.list_item() {
            Some(item) => {
                let mut kids = Vec::new();
                json_items(v, item, path, findings, &mut kids);
                Content::Complex(kids)
            }
            None => Content::Complex(json_object(v, ct, false, path, findings)),
        },
        Type::Simple(st) => {
            let raw: Option<String> = match (st.base, v) {
                (Base::Integer, serde_json::Value::Number(n)) if n.is_i64() || n.is_u64() => {
                    Some(n.to_string())
                }
                (Base::String | Base::Date | Base::Time, serde_json::Value::String(s)) => {
                    Some(s.clone())
                }
                _ => None,
            };
            match raw {
                None => {
                    let want = if st.base == Base::Integer {
                        "een geheel getal"
                    } else {
                        "een tekst"
                    };
                    findings.push(Finding::xsd(
                        path.as_str(),
                        format!(
                            "{}: verwacht {want}, gevonden {}",
                            field.name,
                            json_type_name(v)
                        ),
                    ));
                    Content::Value(Value::Invalid(v.to_string().into()))
                }
                Some(raw) => match check_value(st, &raw) {
                    Ok(value) => Content::Value(value),
                    Err(msg) => {
                        findings.push(Finding::xsd(
                            path.as_str(),
                            format!("{}: {msg}", field.name),
                        ));
                        Content::Value(Value::Invalid(raw.into()))
                    }
                },
            }
        }
    };
    Element { field, content }
}
