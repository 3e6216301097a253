//! A message as a tree of elements, each tied to its declaration in the structure tables.
//!
//! This is the one form every message takes inside Sluis, whichever way it came in (XML or
//! JSON) and whichever way it goes out. Simple values are held as their XSD value (a real
//! date, an integer …); a value that failed its type is kept as [`Value::Invalid`] so the rest
//! of the message can still be looked at, and the failure is in the findings next to it.

use super::schema::{Field, MessageSchema, Type};
use super::types::{Datum, Tijd};
use compact_str::CompactString;
use std::fmt;

#[derive(Clone, PartialEq)]
pub struct Document {
    pub schema: &'static MessageSchema,
    /// The children of the root element `Bericht`.
    pub children: Vec<Element>,
}

#[derive(Clone, PartialEq)]
pub struct Element {
    pub field: &'static Field,
    pub content: Content,
}

#[derive(Clone, PartialEq)]
pub enum Content {
    Complex(Vec<Element>),
    Value(Value),
}

#[derive(Clone, PartialEq)]
pub enum Value {
    /// Short texts (most codes and names) are held inline, without an allocation of their own.
    Text(CompactString),
    Integer(i64),
    Date(Datum),
    Time(Tijd),
    /// The raw text of a value that does not fit its type.
    Invalid(Box<str>),
}

impl Value {
    /// The value's canonical lexical form, as written in XML.
    pub fn lexical(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Value::Text(s) => std::borrow::Cow::Borrowed(s),
            Value::Invalid(s) => std::borrow::Cow::Borrowed(s),
            Value::Integer(i) => i.to_string().into(),
            Value::Date(d) => d.to_string().into(),
            Value::Time(t) => t.to_string().into(),
        }
    }
}

impl Document {
    /// The code of the message (`JW301`).
    pub fn code(&self) -> &'static str {
        self.schema.code
    }

    /// The first element at a slash-separated path below `Bericht`, e.g. `Header/Afzender`.
    pub fn get(&self, path: &str) -> Option<&Element> {
        let mut parts = path.split('/');
        let first = parts.next()?;
        let mut cur = self.children.iter().find(|e| e.field.name == first)?;
        for p in parts {
            cur = cur.child(p)?;
        }
        Some(cur)
    }

    /// The text of a simple element at `path`, if present and valid.
    pub fn text(&self, path: &str) -> Option<std::borrow::Cow<'_, str>> {
        match self.get(path)?.value()? {
            Value::Invalid(_) => None,
            v => Some(v.lexical()),
        }
    }
}

impl Element {
    pub fn name(&self) -> &'static str {
        self.field.name
    }

    pub fn children(&self) -> &[Element] {
        match &self.content {
            Content::Complex(c) => c,
            Content::Value(_) => &[],
        }
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children().iter().find(|e| e.field.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children().iter().filter(move |e| e.field.name == name)
    }

    pub fn value(&self) -> Option<&Value> {
        match &self.content {
            Content::Value(v) => Some(v),
            Content::Complex(_) => None,
        }
    }

    fn sensitive(&self) -> bool {
        matches!(self.field.ty, Type::Simple(st) if st.sensitive)
    }
}

// Debug output never shows a BSN: documents end up in test failures and logs.
impl fmt::Debug for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.content {
            Content::Complex(c) => f.debug_map().entry(&self.field.name, c).finish(),
            Content::Value(_) if self.sensitive() => write!(f, "{}=<redacted>", self.field.name),
            Content::Value(v) => write!(f, "{}={:?}", self.field.name, v.lexical()),
        }
    }
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(self.schema.code)
            .field("children", &self.children)
            .finish()
    }
}
