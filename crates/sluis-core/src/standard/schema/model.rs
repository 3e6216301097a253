//! The shape of the standard's structure tables (filled in by the generated `ijw.rs` and `iwmo.rs`).
//!
//! The official XSDs use a small subset of XML Schema: sequences of elements with `minOccurs`
//! 0/1 and `maxOccurs` 1/unbounded, and simple types restricting `xs:string`, `xs:integer`,
//! `xs:date` or `xs:time` with enumeration, pattern, length and range facets. These types
//! describe exactly that subset, so a table can be walked to read, check and write a message.

use std::fmt;

/// `maxOccurs="unbounded"`.
pub const UNBOUNDED: u32 = u32::MAX;

/// The XSD built-in type a simple type restricts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    String,
    Integer,
    Date,
    Time,
}

/// The XSD patterns the standard uses, each implemented exactly (XSD regexes are anchored,
/// `.` excludes only `\n` and `\r`, `\s` is space, tab, newline and carriage return).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// A fixed value, e.g. the BerichtCode `436`.
    Literal(&'static str),
    /// `.*[^\s].*`: one line holding at least one non-space character.
    NonBlankLine,
    /// `([.\s]*\S+[.\s]*)+`: any text holding at least one non-space character.
    NonBlankText,
    /// `[^:Z]*`: no colon and no `Z` (a date without time zone).
    NoColonOrZ,
    /// `[^Z+-]+`: no `Z`, `+` or `-` (a time without time zone).
    NoZoneSign,
    /// `[0-9]*`.
    DigitsAny,
    /// `[0-9]{n}`.
    Digits(usize),
    /// `([a-zA-ZÀ-ỳ])+`.
    Letters,
    /// `([a-zA-Z0-9])+`.
    Alphanumeric,
    /// `(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)`.
    Version,
}

const fn is_xsd_space_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn version_part(p: &str) -> bool {
    p == "0" || (!p.is_empty() && !p.starts_with('0') && p.bytes().all(|b| b.is_ascii_digit()))
}

impl Pattern {
    pub fn matches(&self, s: &str) -> bool {
        // The characters these patterns look for are ASCII, so they are looked for byte-wise
        // (a byte of a multi-byte character is never one of them, and is never white space).
        let non_space = || s.bytes().any(|b| !is_xsd_space_byte(b));
        match *self {
            Pattern::Literal(v) => s == v,
            Pattern::NonBlankLine => !s.bytes().any(|b| matches!(b, b'\n' | b'\r')) && non_space(),
            Pattern::NonBlankText => non_space(),
            Pattern::NoColonOrZ => !s.bytes().any(|b| matches!(b, b':' | b'Z')),
            Pattern::NoZoneSign => {
                !s.is_empty() && !s.bytes().any(|b| matches!(b, b'Z' | b'+' | b'-'))
            }
            Pattern::DigitsAny => s.bytes().all(|b| b.is_ascii_digit()),
            Pattern::Digits(n) => s.len() == n && s.bytes().all(|b| b.is_ascii_digit()),
            Pattern::Letters => {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphabetic() || ('\u{C0}'..='\u{1EF3}').contains(&c))
            }
            Pattern::Alphanumeric => !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()),
            Pattern::Version => {
                let mut parts = s.split('.');
                let ok = (0..3).all(|_| parts.next().is_some_and(version_part));
                ok && parts.next().is_none()
            }
        }
    }

    /// The pattern as the XSD writes it, for error messages.
    pub fn xsd(&self) -> String {
        match *self {
            Pattern::Literal(v) => v.to_string(),
            Pattern::NonBlankLine => r".*[^\s].*".into(),
            Pattern::NonBlankText => r"([.\s]*\S+[.\s]*)+".into(),
            Pattern::NoColonOrZ => "[^:Z]*".into(),
            Pattern::NoZoneSign => "[^Z+-]+".into(),
            Pattern::DigitsAny => "[0-9]*".into(),
            Pattern::Digits(n) => format!("[0-9]{{{n}}}"),
            Pattern::Letters => "([a-zA-ZÀ-ỳ])+".into(),
            Pattern::Alphanumeric => "([a-zA-Z0-9])+".into(),
            Pattern::Version => r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)".into(),
        }
    }
}

/// A simple type with the facets of all its derivation steps flattened.
pub struct SimpleType {
    pub name: &'static str,
    pub base: Base,
    pub min_length: Option<u32>,
    pub max_length: Option<u32>,
    pub min_inclusive: Option<i64>,
    pub max_inclusive: Option<i64>,
    /// All must match (each comes from a different derivation step).
    pub patterns: &'static [Pattern],
    /// Sorted; empty when the type has no enumeration.
    pub enumeration: &'static [&'static str],
    /// Values of this type are never echoed in messages or logs (the BSN).
    pub sensitive: bool,
}

impl fmt::Debug for SimpleType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SimpleType({})", self.name)
    }
}

/// Which namespace an element of a complex type lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ns {
    /// The message's own namespace (types declared in e.g. `JW301.xsd`).
    Message,
    /// The standard's basisschema namespace (the `CDT_` types).
    Base,
}

pub struct ComplexType {
    pub name: &'static str,
    pub ns: Ns,
    pub fields: &'static [Field],
}

impl ComplexType {
    /// A type that only wraps one repeated element (`ToegewezenProducten`, `RetourCodes` …)
    /// is written as a JSON array of that element.
    pub fn list_item(&self) -> Option<&'static Field> {
        match self.fields {
            [only] if only.max > 1 => Some(only),
            _ => None,
        }
    }

    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

impl fmt::Debug for ComplexType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ComplexType({})", self.name)
    }
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub min: u32,
    pub max: u32,
    pub ty: Type,
}

impl Field {
    pub fn repeats(&self) -> bool {
        self.max > 1
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Type {
    Simple(&'static SimpleType),
    Complex(&'static ComplexType),
}

/// One message of a standard (JW301, WMO325 …).
pub struct MessageSchema {
    /// `JW301`, `WMO325`.
    pub code: &'static str,
    /// The VECTIS BerichtCode in the header (`436` for JW301).
    pub berichtcode: &'static str,
    pub namespace: &'static str,
    /// The prefix Sluis writes for the message namespace (`jw301`).
    pub prefix: &'static str,
    pub purpose: &'static str,
    /// The version the message's XSD declares of itself, and of the basisschema it imports.
    pub xsd_versie: &'static str,
    pub basis_xsd_versie: &'static str,
    pub root: &'static ComplexType,
    pub standard: &'static Standard,
}

impl MessageSchema {
    pub fn namespace_of(&self, ns: Ns) -> &'static str {
        match ns {
            Ns::Message => self.namespace,
            Ns::Base => self.standard.base_namespace,
        }
    }

    pub fn prefix_of(&self, ns: Ns) -> &'static str {
        match ns {
            Ns::Message => self.prefix,
            Ns::Base => self.standard.base_prefix,
        }
    }
}

impl fmt::Debug for MessageSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageSchema({})", self.code)
    }
}

pub struct Standard {
    /// `ijw` or `iwmo`.
    pub key: &'static str,
    /// `ijw-3.2`: the folder of its JSON Schemas.
    pub folder: &'static str,
    pub base_namespace: &'static str,
    pub base_prefix: &'static str,
    pub messages: &'static [MessageSchema],
}

impl fmt::Debug for Standard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Standard({})", self.key)
    }
}

// Declarations are statics: two are the same declaration exactly when they are the same object.
impl PartialEq for Field {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl PartialEq for MessageSchema {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}
