//! Structural validation equivalent to the official XSDs, driven by the generated tables.
//!
//! Both ways in end here: an XML element tree, or a JSON value (already checked against its
//! JSON Schema). Each is walked against the message's structure; every problem becomes a
//! [`Finding`] with code `XSD` and an element path, and walking goes on so that all problems of
//! a message are reported, not just the first.

use crate::codec::xml::{Visitor, XmlEvent, XmlReader};
use crate::codec::{Limits, ReadError};
use crate::finding::Finding;
use crate::standard::schema::{
    self, Base, ComplexType, Field, MessageSchema, Ns, SimpleType, Type,
};
use crate::standard::types::{is_blank, trim_xsd, Datum, Tijd};
use crate::standard::{Content, Document, Element, Value};
use std::borrow::Cow;

/// A message read into the model, with everything its structure check found.
#[derive(Debug, Clone)]
pub struct Structured {
    pub document: Document,
    pub findings: Vec<Finding>,
    /// The Header's Dagtekening as written, when it has white space around it: the official
    /// stylesheet compares its first ten characters as written (see `rules::Lexical`).
    pub dagtekening_raw: Option<String>,
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
    // One byte-wise scan answers two questions for the usual value: all of it is allowed in
    // XML, and its length in characters is its length in bytes.
    let plain_ascii = is_plain_ascii(raw);
    if let Some(c) = (!plain_ascii).then(|| first_non_xml_char(raw)).flatten() {
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
    if !st.enumeration.is_empty()
        && st
            .enumeration
            .binary_search_by(|e| cmp_bytes(e.as_bytes(), lexical.as_bytes()))
            .is_err()
    {
        return Err(format!(
            "{} komt niet voor in de codelijst van {}",
            shown(lexical),
            st.name
        ));
    }
    if st.min_length.is_some() || st.max_length.is_some() {
        let len = if plain_ascii {
            lexical.len()
        } else {
            lexical.chars().count()
        } as u32;
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

/// ASCII only, and only characters XML allows (no control characters but tab, CR and LF).
fn is_plain_ascii(s: &str) -> bool {
    s.bytes()
        .all(|b| (0x20..0x80).contains(&b) || matches!(b, b'\t' | b'\n' | b'\r'))
}

/// The first character outside XML 1.0's `Char` production.
fn first_non_xml_char(s: &str) -> Option<char> {
    s.chars().find(|&c| !is_xml_char(c))
}

/// XML 1.0's `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Appends one step to an element path, with an index for elements that may repeat.
pub(crate) fn push_step(path: &mut String, field: &Field, occurrence: usize) {
    path.push('/');
    path.push_str(field.name);
    if field.repeats() {
        use std::fmt::Write;
        // Writing into a String cannot fail.
        let _ = write!(path, "[{occurrence}]");
    }
}

/// Name equality with a cheap first test: most candidates differ in length or first letter,
/// and a library `memcmp` call per candidate showed up in the profile.
#[inline]
fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// Byte order of two short strings, compared in line: code-list values are a few bytes, and a
/// library `memcmp` call per comparison showed up in the profile.
#[inline]
fn cmp_bytes(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
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

/// An element being read: a complex one collects its children, a simple one its text.
enum Open<'a> {
    Complex {
        ct: &'static ComplexType,
        /// The field the next child is matched against, and how often it occurred so far.
        at: usize,
        count: usize,
        /// Where this element's children start in [`Walk::children`].
        first_child: usize,
        /// Where a finding about text in this element goes, to keep findings in document order.
        findings_at: usize,
        text: bool,
    },
    Simple {
        field: &'static Field,
        st: &'static SimpleType,
        text: Cow<'a, str>,
        nested: bool,
    },
}

struct Frame<'a> {
    open: Open<'a>,
    /// This element's field and occurrence (1-based) under its parent; `None` for the root.
    step: Option<(&'static Field, usize)>,
}

/// How a namespace index of the reader relates to the message being read.
#[derive(Clone, Copy, PartialEq)]
enum NsClass {
    Message,
    Base,
    Other,
}

/// Read an XML message and check it against the structure its root namespace names, in one
/// pass: each element is matched against its parent's content model as it opens, so no
/// element tree is built first, and a path is only spelled out when there is a finding.
/// `Err` when the input is not a readable message at all.
pub fn from_xml(text: &str, limits: &Limits) -> Result<Structured, ReadError> {
    let mut reader = XmlReader::new(text, limits);
    let Some(XmlEvent::Start { ns, local }) = reader.next_event()? else {
        return Err(ReadError::Malformed {
            offset: 0,
            message: "no root element".into(),
        });
    };
    let uri = ns.map_or("", |i| reader.namespace(i));
    let Some(schema) = schema::by_namespace(uri).filter(|_| local == "Bericht") else {
        let err = ReadError::UnknownMessage {
            name: local.chars().take(60).collect(),
            namespace: uri.chars().take(200).collect(),
        };
        // A broken document is reported as broken, whatever its root.
        while reader.next_event()?.is_some() {}
        return Err(err);
    };
    let mut walk = Walk {
        schema,
        classes: Vec::new(),
        findings: Vec::new(),
        stack: Vec::with_capacity(16),
        children: Vec::with_capacity(64),
        skip: 0,
        document: None,
        dagtekening_raw: None,
    };
    walk.stack.push(Frame {
        open: Open::Complex {
            ct: schema.root,
            at: 0,
            count: 0,
            first_child: 0,
            findings_at: 0,
            text: false,
        },
        step: None,
    });
    walk.attribute_findings(reader.attributes());
    if let Some(Frame {
        open: Open::Complex { findings_at, .. },
        ..
    }) = walk.stack.last_mut()
    {
        *findings_at = walk.findings.len();
    }
    reader.read_to_end(&mut walk)?;
    let document = walk.document.take().unwrap_or(Document {
        schema,
        children: Vec::new(),
    });
    Ok(Structured {
        document,
        findings: walk.findings,
        dagtekening_raw: walk.dagtekening_raw,
    })
}

struct Walk<'a> {
    schema: &'static MessageSchema,
    /// Per namespace index of the reader, filled as indexes appear.
    classes: Vec<NsClass>,
    findings: Vec<Finding>,
    stack: Vec<Frame<'a>>,
    /// The finished children of all open complex elements, each element's after its parent's
    /// earlier ones: one vector reused for the whole message, so an element's own vector is
    /// allocated once, at its exact size, when it closes.
    children: Vec<Element>,
    /// Depth inside an element that is being passed over (reported already, or not allowed).
    skip: usize,
    document: Option<Document>,
    dagtekening_raw: Option<String>,
}

impl<'a> Visitor<'a> for Walk<'a> {
    #[inline(always)]
    fn start(&mut self, reader: &XmlReader<'a>, ns: Option<u16>, local: &'a str) {
        self.open_element(reader, ns, local);
    }
    #[inline(always)]
    fn text(&mut self, text: Cow<'a, str>) {
        self.add_text(text);
    }
    #[inline(always)]
    fn end(&mut self) {
        self.close_element();
    }
}

impl<'a> Walk<'a> {
    fn class(&mut self, reader: &XmlReader<'_>, ns: Option<u16>) -> NsClass {
        let Some(i) = ns else {
            return NsClass::Other;
        };
        while self.classes.len() <= i as usize {
            let uri = reader.namespace(self.classes.len() as u16);
            self.classes.push(if uri == self.schema.namespace {
                NsClass::Message
            } else if uri == self.schema.standard.base_namespace {
                NsClass::Base
            } else {
                NsClass::Other
            });
        }
        self.classes[i as usize]
    }

    /// The path of the innermost open element, e.g. `/Bericht/Client/Relaties/Relatie[2]`.
    fn path(&self) -> String {
        let mut path = String::from("/Bericht");
        for frame in &self.stack {
            if let Some((field, occurrence)) = frame.step {
                push_step(&mut path, field, occurrence);
            }
        }
        path
    }

    /// Attributes are rare: the check is inlined, the reporting is not.
    #[inline(always)]
    fn attribute_findings(&mut self, attributes: &[String]) {
        if !attributes.is_empty() {
            self.report_attributes(attributes);
        }
    }

    #[cold]
    fn report_attributes(&mut self, attributes: &[String]) {
        let path = self.path();
        for a in attributes {
            self.findings.push(Finding::xsd(
                path.as_str(),
                format!("attribuut {a} is niet toegestaan"),
            ));
        }
    }

    fn open_element(&mut self, reader: &XmlReader<'_>, ns: Option<u16>, local: &str) {
        if self.skip > 0 {
            self.skip += 1;
            return;
        }
        let class = self.class(reader, ns);
        let Some(frame) = self.stack.last_mut() else {
            self.skip = 1;
            return;
        };
        let (ct, at, count) = match &mut frame.open {
            Open::Simple { nested, .. } => {
                *nested = true;
                self.skip = 1;
                return;
            }
            Open::Complex { ct, at, count, .. } => (*ct, *at, *count),
        };
        let fields = ct.fields;
        let same_ns = class
            == match ct.ns {
                Ns::Message => NsClass::Message,
                Ns::Base => NsClass::Base,
            };
        let found = same_ns
            .then(|| {
                fields[at.min(fields.len())..]
                    .iter()
                    .position(|f| same_name(f.name, local))
            })
            .flatten()
            .map(|p| p + at);
        match found {
            Some(j) if j == at && count as u32 >= fields[j].max => {
                let mut path = self.path();
                push_step(&mut path, &fields[j], count + 1);
                self.findings.push(Finding::xsd(
                    path,
                    format!(
                        "element {local} komt vaker voor dan toegestaan (maximaal {})",
                        fields[j].max
                    ),
                ));
                self.skip = 1;
            }
            Some(j) => {
                let mut count = count;
                if j != at {
                    self.report_missing(&fields[at..j], count);
                    count = 0;
                }
                count += 1;
                if let Some(Frame {
                    open: Open::Complex { at, count: c, .. },
                    ..
                }) = self.stack.last_mut()
                {
                    *at = j;
                    *c = count;
                }
                let field = &fields[j];
                let open = match field.ty {
                    Type::Complex(ct) => Open::Complex {
                        ct,
                        at: 0,
                        count: 0,
                        first_child: self.children.len(),
                        findings_at: 0,
                        text: false,
                    },
                    Type::Simple(st) => Open::Simple {
                        field,
                        st,
                        text: Cow::Borrowed(""),
                        nested: false,
                    },
                };
                self.stack.push(Frame {
                    open,
                    step: Some((field, count)),
                });
                self.attribute_findings(reader.attributes());
                let len = self.findings.len();
                if let Some(Frame {
                    open: Open::Complex { findings_at, .. },
                    ..
                }) = self.stack.last_mut()
                {
                    *findings_at = len;
                }
            }
            None => {
                let name = match ns {
                    Some(_) if same_ns => local.to_string(),
                    Some(i) => format!("{{{}}}{local}", reader.namespace(i)),
                    None => format!("{local} (zonder namespace)"),
                };
                let earlier = same_ns && fields[..at].iter().any(|f| f.name == local);
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
                self.findings
                    .push(Finding::xsd(format!("{}/{local}", self.path()), msg));
                self.skip = 1;
            }
        }
    }

    /// Fields being passed over in the innermost element: the first has had `count`
    /// occurrences, the others none.
    fn report_missing(&mut self, passed: &[Field], count: usize) {
        let mut path = None;
        for (i, f) in passed.iter().enumerate() {
            let seen = if i == 0 { count } else { 0 };
            if (seen as u32) < f.min {
                let path = path.get_or_insert_with(|| self.path());
                self.findings.push(Finding::xsd(
                    format!("{path}/{}", f.name),
                    format!("verplicht element {} ontbreekt", f.name),
                ));
            }
        }
    }

    #[inline(always)]
    fn add_text(&mut self, piece: Cow<'a, str>) {
        if self.skip > 0 {
            return;
        }
        match self.stack.last_mut().map(|f| &mut f.open) {
            Some(Open::Simple { text, .. }) => {
                if text.is_empty() {
                    *text = piece;
                } else {
                    text.to_mut().push_str(&piece);
                }
            }
            Some(Open::Complex { text, .. }) if !*text && !is_blank(&piece) => *text = true,
            _ => {}
        }
    }

    fn close_element(&mut self) {
        if self.skip > 0 {
            self.skip -= 1;
            return;
        }
        // Findings are made while the element is still open, so that its path can be spelled.
        let simple = match self.stack.last_mut() {
            None => return,
            Some(Frame {
                open: Open::Complex { ct, at, count, .. },
                ..
            }) => {
                let (ct, at, count) = (*ct, *at, *count);
                self.report_missing(&ct.fields[at.min(ct.fields.len())..], count);
                None
            }
            Some(Frame {
                open:
                    Open::Simple {
                        field,
                        st,
                        nested,
                        text,
                    },
                ..
            }) => Some((*field, *st, *nested, std::mem::take(text))),
        };
        let content = match simple {
            Some((field, st, nested, text)) => {
                if nested {
                    self.findings.push(Finding::xsd(
                        self.path(),
                        format!("element {} mag geen elementen bevatten", field.name),
                    ));
                }
                if field.name == "Dagtekening" && trim_xsd(&text).len() != text.len() {
                    self.dagtekening_raw = Some(text.to_string());
                }
                Content::Value(match check_value(st, &text) {
                    Ok(v) => v,
                    Err(msg) => {
                        self.findings
                            .push(Finding::xsd(self.path(), format!("{}: {msg}", field.name)));
                        Value::Invalid(text.as_ref().into())
                    }
                })
            }
            None => Content::Complex(Vec::new()),
        };
        let text_finding = match self.stack.last() {
            Some(Frame {
                open:
                    Open::Complex {
                        text: true,
                        findings_at,
                        ..
                    },
                ..
            }) => Some((*findings_at, self.path())),
            _ => None,
        };
        let Some(frame) = self.stack.pop() else {
            return;
        };
        if let Some((at, path)) = text_finding {
            self.findings.insert(
                at,
                Finding::xsd(path, "tekst is hier niet toegestaan, alleen elementen"),
            );
        }
        let content = match frame.open {
            Open::Complex { first_child, .. } => {
                Content::Complex(self.children.split_off(first_child))
            }
            Open::Simple { .. } => content,
        };
        match (frame.step, self.stack.last()) {
            (
                Some((field, _)),
                Some(Frame {
                    open: Open::Complex { .. },
                    ..
                }),
            ) => self.children.push(Element { field, content }),
            (None, _) => {
                if let Content::Complex(children) = content {
                    self.document = Some(Document {
                        schema: self.schema,
                        children,
                    });
                }
            }
            _ => {}
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
        dagtekening_raw: None,
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
