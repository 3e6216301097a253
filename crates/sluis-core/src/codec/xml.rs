//! XML in and out.
//!
//! Reading is a pull reader ([`XmlReader`]) handing out elements with their namespaces
//! resolved, so any prefix works. It refuses DOCTYPEs (so nothing is ever expanded from a DTD), entity references
//! other than XML's five, other encodings than UTF-8, and inputs past the [`Limits`].
//! Writing turns a [`Document`] into the official form, with the standard's prefixes.

use super::{Limits, ReadError};
use crate::standard::schema::Ns;
use crate::standard::{Content, Document, Element};
use quick_xml::escape::EscapeError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::PrefixDeclaration;
use quick_xml::Reader;
use std::borrow::Cow;
use std::collections::HashSet;

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
/// Namespace declarations in scope at once; the standard's messages have two.
const MAX_BINDINGS: usize = 64;

/// What the reader hands out: elements opening and closing, and the character data between.
#[derive(Debug, PartialEq)]
pub enum XmlEvent<'a> {
    /// An element opens; its attributes are in [`XmlReader::attributes`] until the next event.
    Start {
        /// Index into [`XmlReader::namespace`], or `None` for a name in no namespace.
        ns: Option<u16>,
        local: Cow<'a, str>,
    },
    /// Character data (text, CDATA or one reference); consecutive pieces belong together.
    Text(Cow<'a, str>),
    End,
}

/// Receives the reader's events in [`XmlReader::read_to_end`].
pub trait Visitor<'a> {
    /// An element opens; `reader` tells its attributes and namespace URIs.
    fn start(&mut self, reader: &XmlReader<'a>, ns: Option<u16>, local: &'a str);
    /// Character data (text, CDATA or one reference); consecutive pieces belong together.
    fn text(&mut self, text: Cow<'a, str>);
    fn end(&mut self);
}

/// Keeps the one event [`XmlReader::next_event`] hands out.
struct OneEvent<'a>(Option<XmlEvent<'a>>);

impl<'a> Visitor<'a> for OneEvent<'a> {
    fn start(&mut self, _: &XmlReader<'a>, ns: Option<u16>, local: &'a str) {
        self.0 = Some(XmlEvent::Start {
            ns,
            local: Cow::Borrowed(local),
        });
    }
    fn text(&mut self, text: Cow<'a, str>) {
        self.0 = Some(XmlEvent::Text(text));
    }
    fn end(&mut self) {
        self.0 = Some(XmlEvent::End);
    }
}

/// A prefix bound to a namespace by an `xmlns` attribute, in scope below `depth`.
struct Binding {
    /// Empty for the default namespace.
    prefix: Box<[u8]>,
    /// `None` when the declaration undoes a binding (`xmlns=""`).
    ns: Option<u16>,
    depth: usize,
}

/// A pull reader over well-formed, namespace-resolved XML.
///
/// quick-xml's plain reader does the tokenising; the namespace bookkeeping is done here
/// because the standard's messages declare their namespaces once, on the root: most elements
/// carry no attributes at all, so looking at attributes only when a tag has some is about
/// twice as fast as resolving every event in general (see `docs/performance.md`).
pub struct XmlReader<'a> {
    reader: Reader<&'a [u8]>,
    input: &'a str,
    limits: Limits,
    namespaces: Vec<String>,
    bindings: Vec<Binding>,
    /// Names of the last opened element's attributes, other than namespace declarations and
    /// `xsi:schemaLocation`.
    attributes: Vec<String>,
    depth: usize,
    elements: usize,
    /// The last event was an empty element whose `End` is still to be handed out.
    pending_end: bool,
    root_done: bool,
    /// The input holds a carriage return, so text needs XML's end-of-line normalisation.
    has_cr: bool,
}

fn malformed(offset: u64, message: impl Into<String>) -> ReadError {
    ReadError::Malformed {
        offset,
        message: message.into(),
    }
}

impl<'a> XmlReader<'a> {
    pub fn new(input: &'a str, limits: &Limits) -> Self {
        let mut reader = Reader::from_str(input);
        let cfg = reader.config_mut();
        cfg.check_end_names = true;
        cfg.expand_empty_elements = false;
        cfg.check_comments = true;
        XmlReader {
            reader,
            input,
            limits: *limits,
            namespaces: Vec::new(),
            bindings: Vec::new(),
            attributes: Vec::new(),
            depth: 0,
            elements: 0,
            pending_end: false,
            root_done: false,
            has_cr: memchr::memchr(b'\r', input.as_bytes()).is_some(),
        }
    }

    /// The URI of a namespace index handed out in [`XmlEvent::Start`].
    pub fn namespace(&self, index: u16) -> &str {
        self.namespaces
            .get(index as usize)
            .map_or("", String::as_str)
    }

    /// The attributes of the element the last [`XmlEvent::Start`] opened.
    pub fn attributes(&self) -> &[String] {
        &self.attributes
    }

    /// The next event, or `None` after the root element has closed and the input ended.
    pub fn next_event(&mut self) -> Result<Option<XmlEvent<'a>>, ReadError> {
        let mut one = OneEvent(None);
        self.step(&mut one)?;
        Ok(one.0)
    }

    /// Hand every remaining event to `visitor`, until the root element has closed and the
    /// input ended.
    ///
    /// The same events as [`XmlReader::next_event`], but handed over by a call instead of
    /// returned: the visitor's code is compiled into the reading loop, so no event is built
    /// up, returned through memory and matched again (a sixth of the reader's time).
    pub fn read_to_end<V: Visitor<'a>>(&mut self, visitor: &mut V) -> Result<(), ReadError> {
        while self.step(visitor)? {}
        Ok(())
    }

    /// Read up to and including the next event and hand it to `visitor`; `false` after the
    /// root element has closed and the input ended.
    #[inline(always)]
    fn step<V: Visitor<'a>>(&mut self, visitor: &mut V) -> Result<bool, ReadError> {
        if self.pending_end {
            self.pending_end = false;
            self.close();
            visitor.end();
            return Ok(true);
        }
        loop {
            let pos = self.reader.buffer_position();
            let event = self
                .reader
                .read_event()
                .map_err(|e| malformed(pos, e.to_string()))?;
            match event {
                Event::Start(e) => {
                    let (ns, local) = self.open(&e, pos)?;
                    visitor.start(self, ns, local);
                    return Ok(true);
                }
                Event::Empty(e) => {
                    let (ns, local) = self.open(&e, pos)?;
                    self.pending_end = true;
                    visitor.start(self, ns, local);
                    return Ok(true);
                }
                Event::End(_) => {
                    self.close();
                    visitor.end();
                    return Ok(true);
                }
                Event::Text(t) => {
                    // The common case, text without references or carriage returns (most of
                    // it the indentation between elements), in one scan and borrowed as it is.
                    if self.depth > 0 && t.iter().all(|&b| b != b'&' && b != b'\r') {
                        if let Some(text) = borrow_str(self.input, &t) {
                            visitor.text(Cow::Borrowed(text));
                            return Ok(true);
                        }
                    }
                    let raw = self.text_of(&t.into_inner(), pos)?;
                    if self.depth > 0 {
                        visitor.text(self.unescape(raw, pos)?);
                        return Ok(true);
                    }
                    if !crate::standard::types::is_blank(&raw) {
                        return Err(malformed(pos, "text outside the root element"));
                    }
                }
                Event::CData(c) => {
                    if self.depth == 0 {
                        return Err(malformed(pos, "CDATA outside the root element"));
                    }
                    // CDATA is taken as it is: no references inside.
                    visitor.text(self.text_of(&c.into_inner(), pos)?);
                    return Ok(true);
                }
                Event::Decl(d) => {
                    if let Some(enc) = d.encoding() {
                        let enc = enc.map_err(|e| malformed(pos, e.to_string()))?;
                        let enc = String::from_utf8_lossy(&enc);
                        if !enc.eq_ignore_ascii_case("utf-8") && !enc.eq_ignore_ascii_case("utf8") {
                            return Err(ReadError::Encoding(enc.into_owned()));
                        }
                    }
                }
                Event::DocType(_) => return Err(ReadError::Doctype),
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => {
                    return if self.depth > 0 {
                        Err(malformed(
                            self.input.len() as u64,
                            "document ends inside an element",
                        ))
                    } else if !self.root_done {
                        Err(malformed(0, "no root element"))
                    } else {
                        Ok(false)
                    };
                }
            }
        }
    }

    /// The text of a piece of the input, with XML's end-of-line normalisation (CR LF and lone
    /// CR become LF) when the input has carriage returns at all.
    #[inline]
    fn text_of(&self, raw: &[u8], pos: u64) -> Result<Cow<'a, str>, ReadError> {
        let text = borrow_from(self.input, raw)
            .ok_or_else(|| malformed(pos, "text is not valid UTF-8"))?;
        if self.has_cr && raw.contains(&b'\r') {
            return Ok(Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n")));
        }
        Ok(text)
    }

    /// Resolve character references and XML's five predefined entities; any other entity is
    /// refused, never looked up.
    #[inline]
    fn unescape(&self, text: Cow<'a, str>, pos: u64) -> Result<Cow<'a, str>, ReadError> {
        // Pieces are short: a plain loop beats a vectorised search's set-up (`<[u8]>::contains`
        // is one, through `memchr`).
        if !text.bytes().any(|b| b == b'&') {
            return Ok(text);
        }
        match quick_xml::escape::unescape(&text) {
            Ok(Cow::Borrowed(_)) => Ok(text),
            Ok(Cow::Owned(s)) => Ok(Cow::Owned(s)),
            Err(EscapeError::UnrecognizedEntity(_, name)) => {
                Err(ReadError::Entity(name.chars().take(40).collect()))
            }
            Err(e) => Err(malformed(pos, e.to_string())),
        }
    }

    /// Checks and bookkeeping for an opening tag; its namespace and local name.
    fn open(&mut self, e: &BytesStart<'a>, pos: u64) -> Result<(Option<u16>, &'a str), ReadError> {
        if self.root_done {
            return Err(malformed(pos, "content after the root element"));
        }
        if self.depth >= self.limits.max_depth {
            return Err(ReadError::TooDeep {
                limit: self.limits.max_depth,
            });
        }
        if self.elements >= self.limits.max_elements {
            return Err(ReadError::TooManyElements {
                limit: self.limits.max_elements,
            });
        }
        self.elements += 1;
        self.depth += 1;
        self.attributes.clear();
        // The common case, a tag without attributes, skips attribute parsing altogether.
        if e.attributes_raw()
            .iter()
            .any(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            self.read_attributes(e, pos)?;
        }
        let qname = e.name();
        let qname = qname.as_ref();
        let (prefix, local) = match qname.iter().position(|&b| b == b':') {
            Some(i) => (&qname[..i], &qname[i + 1..]),
            None => (&b""[..], qname),
        };
        let ns = match self.resolve(prefix) {
            Ok(ns) => ns,
            Err(()) => {
                return Err(malformed(
                    pos,
                    format!(
                        "undeclared namespace prefix {:?}",
                        String::from_utf8_lossy(prefix)
                    ),
                ))
            }
        };
        // Names are borrowed from the input; one that is not (never, over a `&str`) would not be
        // valid UTF-8 here either.
        match borrow_from(self.input, local) {
            Some(Cow::Borrowed(local)) => Ok((ns, local)),
            _ => Err(malformed(pos, "element name is not valid UTF-8")),
        }
    }

    /// Namespace declarations first (they apply to the tag's own name and attributes), then
    /// the names of the other attributes.
    fn read_attributes(&mut self, e: &BytesStart<'_>, pos: u64) -> Result<(), ReadError> {
        // quick-xml's own duplicate check compares every name with every earlier one: with
        // 100,000 attributes on one tag that was 27 s. Count first, then check in one pass.
        let mut seen: HashSet<&[u8]> = HashSet::new();
        for attr in e.attributes().with_checks(false) {
            let attr = attr.map_err(|err| malformed(pos, err.to_string()))?;
            if seen.len() >= self.limits.max_attributes {
                return Err(ReadError::TooManyAttributes {
                    limit: self.limits.max_attributes,
                });
            }
            if !seen.insert(attr.key.into_inner()) {
                return Err(malformed(
                    pos,
                    format!(
                        "attribute {:?} occurs more than once",
                        String::from_utf8_lossy(attr.key.as_ref())
                    ),
                ));
            }
        }
        for attr in e.attributes().with_checks(false) {
            let attr = attr.map_err(|err| malformed(pos, err.to_string()))?;
            let prefix: &[u8] = match attr.key.as_namespace_binding() {
                Some(PrefixDeclaration::Default) => b"",
                Some(PrefixDeclaration::Named(p)) => p,
                None => continue,
            };
            let uri = attr
                .unescape_value()
                .map_err(|err| malformed(pos, err.to_string()))?;
            // `xml` may only be bound to its own namespace, `xmlns` never.
            if prefix == b"xml" && uri == XML_NS {
                continue;
            }
            if prefix == b"xmlns" || prefix == b"xml" {
                return Err(malformed(
                    pos,
                    format!(
                        "prefix {} cannot be declared",
                        String::from_utf8_lossy(prefix)
                    ),
                ));
            }
            if self.bindings.len() >= MAX_BINDINGS {
                return Err(malformed(
                    pos,
                    format!("more than {MAX_BINDINGS} namespace declarations in scope"),
                ));
            }
            let ns = if uri.is_empty() {
                None
            } else {
                Some(intern(&mut self.namespaces, &uri))
            };
            self.bindings.push(Binding {
                prefix: prefix.into(),
                ns,
                depth: self.depth,
            });
        }
        for attr in e.attributes().with_checks(false) {
            let attr = attr.map_err(|err| malformed(pos, err.to_string()))?;
            let key = attr.key.as_ref();
            if attr.key.as_namespace_binding().is_some() {
                continue;
            }
            if let Some(i) = key.iter().position(|&b| b == b':') {
                let (prefix, local) = (&key[..i], &key[i + 1..]);
                let ns = self.resolve(prefix).map_err(|()| {
                    malformed(
                        pos,
                        format!(
                            "undeclared namespace prefix {:?}",
                            String::from_utf8_lossy(prefix)
                        ),
                    )
                })?;
                let is_xsi = ns.is_some_and(|i| self.namespace(i) == XSI);
                if is_xsi && (local == b"schemaLocation" || local == b"noNamespaceSchemaLocation") {
                    continue;
                }
            }
            self.attributes
                .push(String::from_utf8_lossy(key).into_owned());
        }
        Ok(())
    }

    /// The namespace of a prefix (empty for the default namespace); `Err` if it is undeclared.
    fn resolve(&mut self, prefix: &[u8]) -> Result<Option<u16>, ()> {
        // Byte by byte: prefixes are a few letters, not worth a library `memcmp` call each.
        let same = |a: &[u8]| a.len() == prefix.len() && a.iter().zip(prefix).all(|(x, y)| x == y);
        match self.bindings.iter().rev().find(|b| same(&b.prefix)) {
            Some(b) if b.ns.is_some() || prefix.is_empty() => Ok(b.ns),
            Some(_) => Err(()),
            None if prefix.is_empty() => Ok(None),
            None if prefix == b"xml" => Ok(Some(intern(&mut self.namespaces, XML_NS))),
            None => Err(()),
        }
    }

    fn close(&mut self) {
        while self.bindings.last().is_some_and(|b| b.depth == self.depth) {
            self.bindings.pop();
        }
        self.depth = self.depth.saturating_sub(1);
        if self.depth == 0 {
            self.root_done = true;
        }
    }
}

/// The reader hands out names and text as bytes borrowed from the input, which is already
/// known to be UTF-8; re-borrow them as `&str` with the input's lifetime (found by address, no
/// `unsafe`), instead of checking UTF-8 again or allocating. Bytes from elsewhere (never, with
/// a reader over a `&str`) are checked and copied. `None` only for invalid UTF-8.
#[inline]
fn borrow_from<'a>(input: &'a str, part: &[u8]) -> Option<Cow<'a, str>> {
    match borrow_str(input, part) {
        Some(s) => Some(Cow::Borrowed(s)),
        None => std::str::from_utf8(part)
            .ok()
            .map(|s| Cow::Owned(s.to_string())),
    }
}

/// `part` as a `&str` of the input, if it is a piece of it (found by address).
#[inline]
fn borrow_str<'a>(input: &'a str, part: &[u8]) -> Option<&'a str> {
    let start = (part.as_ptr() as usize).wrapping_sub(input.as_ptr() as usize);
    input
        .get(start..start.wrapping_add(part.len()))
        .filter(|s| s.as_ptr() == part.as_ptr())
}

fn intern(list: &mut Vec<String>, uri: &str) -> u16 {
    if let Some(i) = list.iter().position(|u| u == uri) {
        return i as u16;
    }
    list.push(uri.to_string());
    (list.len() - 1) as u16
}

/// Write a document in the official XML form, indented with tabs like the standard's examples.
pub fn write(doc: &Document) -> String {
    let s = doc.schema;
    let mut out = String::with_capacity(4096);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push('<');
    out.push_str(s.prefix);
    out.push_str(":Bericht xmlns:");
    out.push_str(s.prefix);
    out.push_str("=\"");
    out.push_str(s.namespace);
    out.push_str("\" xmlns:");
    out.push_str(s.standard.base_prefix);
    out.push_str("=\"");
    out.push_str(s.standard.base_namespace);
    out.push_str("\">\n");
    for e in &doc.children {
        write_element(&mut out, doc, e, s.root.ns, 1);
    }
    out.push_str("</");
    out.push_str(s.prefix);
    out.push_str(":Bericht>\n");
    out
}

fn write_element(out: &mut String, doc: &Document, e: &Element, ns: Ns, depth: usize) {
    let prefix = doc.schema.prefix_of(ns);
    for _ in 0..depth {
        out.push('\t');
    }
    let open = |out: &mut String| {
        out.push('<');
        out.push_str(prefix);
        out.push(':');
        out.push_str(e.field.name);
        out.push('>');
    };
    let close = |out: &mut String| {
        out.push_str("</");
        out.push_str(prefix);
        out.push(':');
        out.push_str(e.field.name);
        out.push_str(">\n");
    };
    match &e.content {
        Content::Value(v) => {
            open(out);
            escape_into(out, &v.lexical());
            close(out);
        }
        Content::Complex(children) => {
            open(out);
            out.push('\n');
            let child_ns = match e.field.ty {
                crate::standard::schema::Type::Complex(ct) => ct.ns,
                crate::standard::schema::Type::Simple(_) => ns,
            };
            for c in children {
                write_element(out, doc, c, child_ns, depth + 1);
            }
            for _ in 0..depth {
                out.push('\t');
            }
            close(out);
        }
    }
}

/// Escape text content. Carriage returns and tabs are written as references so that XML's
/// end-of-line normalisation cannot change them on the way back in.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A read document as `(depth, namespace, local name, text)` per element.
    type Flat = Vec<(usize, String, String, String)>;

    fn read_str(s: &str) -> Result<Flat, ReadError> {
        read_with(s, &Limits::default())
    }

    fn read_with(s: &str, limits: &Limits) -> Result<Flat, ReadError> {
        let mut r = XmlReader::new(s, limits);
        let mut out: Flat = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        while let Some(ev) = r.next_event()? {
            match ev {
                XmlEvent::Start { ns, local } => {
                    let ns = ns.map(|i| r.namespace(i).to_string()).unwrap_or_default();
                    open.push(out.len());
                    out.push((open.len(), ns, local.into_owned(), String::new()));
                }
                XmlEvent::Text(t) => {
                    if let Some(&i) = open.last() {
                        out[i].3.push_str(&t);
                    }
                }
                XmlEvent::End => {
                    open.pop();
                }
            }
        }
        Ok(out)
    }

    #[test]
    fn namespaces_resolve_whatever_the_prefix() {
        let a = read_str(r#"<a:R xmlns:a="urn:x"><a:K>1</a:K></a:R>"#).expect("reads");
        let b = read_str(r#"<R xmlns="urn:x"><K>1</K></R>"#).expect("reads");
        for t in [&a, &b] {
            assert_eq!(t[0].1, "urn:x");
            assert_eq!(
                (t[1].1.as_str(), t[1].2.as_str(), t[1].3.as_str()),
                ("urn:x", "K", "1")
            );
        }
        // Scopes end with their element; a redeclared prefix wins inside.
        let c =
            read_str(r#"<p:R xmlns:p="urn:a"><p:K xmlns:p="urn:b"/><p:L/></p:R>"#).expect("reads");
        assert_eq!(c[1].1, "urn:b");
        assert_eq!(c[2].1, "urn:a");
        let d = read_str(r#"<R xmlns="urn:a"><K xmlns=""/></R>"#).expect("reads");
        assert_eq!(d[1].1, "");
    }

    #[test]
    fn attributes_are_reported_except_namespace_declarations_and_schema_location() {
        let xml = r#"<R xmlns="urn:x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x x.xsd"><K a="1" xsi:type="t"/></R>"#;
        let mut r = XmlReader::new(xml, &Limits::default());
        let mut seen = Vec::new();
        while let Some(ev) = r.next_event().expect("reads") {
            if let XmlEvent::Start { .. } = ev {
                seen.push(r.attributes().to_vec());
            }
        }
        assert_eq!(
            seen,
            vec![vec![], vec!["a".to_string(), "xsi:type".to_string()]]
        );
    }

    #[test]
    fn text_joins_references_and_cdata() {
        let t = read_str("<R><K>a &amp; b &#x41;<![CDATA[<c>]]></K></R>").expect("reads");
        assert_eq!(t[1].3, "a & b A<c>");
    }

    #[test]
    fn refuses_dtds_entities_and_malformed_input() {
        assert_eq!(
            read_str("<!DOCTYPE r [<!ENTITY a \"x\">]><r>&a;</r>").unwrap_err(),
            ReadError::Doctype
        );
        assert_eq!(
            read_str("<r>&a;</r>").unwrap_err(),
            ReadError::Entity("a".into())
        );
        for bad in [
            "<r><k></r>",
            "<r>",
            "<r/><r/>",
            "<p:r/>",
            "<r><p:k/></r>",
            "<r a=\"1\" a=\"2\"/>",
            "<r xmlns:xmlns=\"urn:x\"/>",
            "x<r/>",
            "",
        ] {
            assert!(
                matches!(read_str(bad), Err(ReadError::Malformed { .. })),
                "{bad:?} must be refused"
            );
        }
        assert_eq!(
            read_str("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r/>").unwrap_err(),
            ReadError::Encoding("ISO-8859-1".into())
        );
    }

    /// 100,000 attributes on one tag took 27 s when every name was compared with every
    /// earlier one; now the cap refuses it at once, and duplicates cost linear time anyway.
    #[test]
    fn attributes_are_capped_and_duplicates_found_in_linear_time() {
        let many: String = (0..100_000).map(|i| format!(" a{i}=\"1\"")).collect();
        let started = std::time::Instant::now();
        assert_eq!(
            read_str(&format!("<r{many}/>")).unwrap_err(),
            ReadError::TooManyAttributes { limit: 64 }
        );
        let roomy = Limits {
            max_attributes: 200_000,
            ..Limits::default()
        };
        assert!(matches!(
            read_with(&format!("<r{many} a99999=\"2\"/>"), &roomy),
            Err(ReadError::Malformed { .. })
        ));
        assert!(read_with(&format!("<r{many}/>"), &roomy).is_ok());
        // Generous for a debug build; the quadratic check took minutes here.
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        let at_cap: String = (0..64).map(|i| format!(" a{i}=\"1\"")).collect();
        assert!(read_str(&format!("<r{at_cap}/>")).is_ok());
        let over: String = (0..65).map(|i| format!(" a{i}=\"1\"")).collect();
        assert!(read_str(&format!("<r{over}/>")).is_err());
    }

    #[test]
    fn depth_and_element_limits() {
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert_eq!(
            read_str(&deep).unwrap_err(),
            ReadError::TooDeep { limit: 64 }
        );
        let wide = format!("<a>{}</a>", "<b/>".repeat(50));
        let limits = Limits {
            max_elements: 10,
            ..Limits::default()
        };
        assert_eq!(
            read_with(&wide, &limits).unwrap_err(),
            ReadError::TooManyElements { limit: 10 }
        );
    }
}

#[cfg(test)]
mod write_tests {
    use super::*;

    #[test]
    fn escaping_keeps_carriage_returns_and_markup() {
        let mut out = String::new();
        escape_into(&mut out, "a\r\nb & <c> \"d\"");
        assert_eq!(out, "a&#xD;\nb &amp; &lt;c&gt; \"d\"");
        let xml = format!("<r>{out}</r>");
        let mut r = XmlReader::new(&xml, &Limits::default());
        let mut text = String::new();
        while let Some(ev) = r.next_event().expect("reads back") {
            if let XmlEvent::Text(t) = ev {
                text.push_str(&t);
            }
        }
        assert_eq!(text, "a\r\nb & <c> \"d\"");
    }
}
