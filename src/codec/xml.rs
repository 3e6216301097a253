//! XML in and out.
//!
//! Reading builds a plain element tree ([`XmlTree`]) with namespaces resolved to URIs, so any
//! prefix works. It refuses DOCTYPEs (so nothing is ever expanded from a DTD), entity references
//! other than XML's five, other encodings than UTF-8, and inputs past the [`Limits`].
//! Writing turns a [`Document`] into the official form, with the standard's prefixes.

use super::{Limits, ReadError};
use crate::standard::schema::Ns;
use crate::standard::{Content, Document, Element};
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use std::borrow::Cow;

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const NONE: u32 = u32::MAX;

/// An element as read, before anything is known about what it should be.
#[derive(Debug)]
pub struct XmlNode<'a> {
    /// Index into [`XmlTree::namespaces`], or `None` for an unqualified name.
    pub ns: Option<u16>,
    pub local: Cow<'a, str>,
    /// Character data directly inside this element (text, CDATA, references), concatenated.
    pub text: Cow<'a, str>,
    /// Names of attributes other than namespace declarations and `xsi:schemaLocation`.
    pub attributes: Vec<String>,
    pub first_child: u32,
    pub next_sibling: u32,
}

#[derive(Debug)]
pub struct XmlTree<'a> {
    pub nodes: Vec<XmlNode<'a>>,
    pub namespaces: Vec<String>,
}

impl<'a> XmlTree<'a> {
    pub fn root(&self) -> &XmlNode<'a> {
        &self.nodes[0]
    }

    pub fn namespace(&self, node: &XmlNode<'_>) -> Option<&str> {
        node.ns.map(|i| self.namespaces[i as usize].as_str())
    }

    pub fn children(&self, node: &XmlNode<'_>) -> Children<'_, 'a> {
        Children {
            tree: self,
            next: node.first_child,
        }
    }
}

pub struct Children<'t, 'a> {
    tree: &'t XmlTree<'a>,
    next: u32,
}

impl<'t, 'a> Iterator for Children<'t, 'a> {
    type Item = &'t XmlNode<'a>;
    fn next(&mut self) -> Option<Self::Item> {
        let node = self.tree.nodes.get(self.next as usize)?;
        self.next = node.next_sibling;
        Some(node)
    }
}

fn malformed(reader_pos: u64, message: impl Into<String>) -> ReadError {
    ReadError::Malformed {
        offset: reader_pos,
        message: message.into(),
    }
}

fn append<'a>(text: &mut Cow<'a, str>, piece: Cow<'a, str>) {
    if text.is_empty() {
        *text = piece;
    } else {
        text.to_mut().push_str(&piece);
    }
}

/// Read well-formed XML into an element tree.
pub fn read<'a>(text: &'a str, limits: &Limits) -> Result<XmlTree<'a>, ReadError> {
    let mut reader = NsReader::from_str(text);
    let cfg = reader.config_mut();
    cfg.check_end_names = true;
    cfg.expand_empty_elements = false;
    cfg.check_comments = true;

    let mut tree = XmlTree {
        nodes: Vec::with_capacity(128),
        namespaces: Vec::new(),
    };
    // Open elements: (node index, index of its last child).
    let mut stack: Vec<(u32, u32)> = Vec::with_capacity(16);
    let mut root_done = false;

    loop {
        let pos = reader.buffer_position();
        let (resolved, event) = reader
            .read_resolved_event()
            .map_err(|e| malformed(pos, e.to_string()))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if root_done {
                    return Err(malformed(pos, "content after the root element"));
                }
                if stack.len() >= limits.max_depth {
                    return Err(ReadError::TooDeep {
                        limit: limits.max_depth,
                    });
                }
                if tree.nodes.len() >= limits.max_elements {
                    return Err(ReadError::TooManyElements {
                        limit: limits.max_elements,
                    });
                }
                let ns = match resolved {
                    ResolveResult::Bound(ns) => Some(intern(&mut tree.namespaces, ns.as_ref())),
                    ResolveResult::Unbound => None,
                    ResolveResult::Unknown(p) => {
                        return Err(malformed(pos, format!("undeclared namespace prefix {p:?}")))
                    }
                };
                let local = borrow_from(text, e.local_name().into_inner());
                let mut attributes = Vec::new();
                for attr in e.attributes() {
                    let attr = attr.map_err(|err| malformed(pos, err.to_string()))?;
                    if attr.key.as_namespace_binding().is_some() {
                        continue;
                    }
                    let (ans, alocal) = reader.resolver().resolve_attribute(attr.key);
                    let is_xsi = matches!(ans, ResolveResult::Bound(n) if n.as_ref() == XSI);
                    let alocal = alocal.into_inner().to_string();
                    if is_xsi
                        && (alocal == "schemaLocation" || alocal == "noNamespaceSchemaLocation")
                    {
                        continue;
                    }
                    attributes.push(attr.key.into_inner().to_string());
                }
                let idx = tree.nodes.len() as u32;
                tree.nodes.push(XmlNode {
                    ns,
                    local,
                    text: Cow::Borrowed(""),
                    attributes,
                    first_child: NONE,
                    next_sibling: NONE,
                });
                if let Some((parent, last)) = stack.last_mut() {
                    if *last == NONE {
                        tree.nodes[*parent as usize].first_child = idx;
                    } else {
                        tree.nodes[*last as usize].next_sibling = idx;
                    }
                    *last = idx;
                }
                if matches!(event, Event::Start(_)) {
                    stack.push((idx, NONE));
                } else if stack.is_empty() {
                    root_done = true;
                }
            }
            Event::End(_) => {
                stack.pop();
                if stack.is_empty() {
                    root_done = true;
                }
            }
            Event::Text(t) => {
                let piece = t.xml10_content();
                match stack.last() {
                    Some(&(node, _)) => append(&mut tree.nodes[node as usize].text, piece),
                    None if piece.trim_matches([' ', '\t', '\n', '\r']).is_empty() => {}
                    None => return Err(malformed(pos, "text outside the root element")),
                }
            }
            Event::CData(c) => {
                let Some(&(node, _)) = stack.last() else {
                    return Err(malformed(pos, "CDATA outside the root element"));
                };
                append(&mut tree.nodes[node as usize].text, c.xml10_content());
            }
            Event::GeneralRef(r) => {
                let Some(&(node, _)) = stack.last() else {
                    return Err(malformed(pos, "reference outside the root element"));
                };
                let ch = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    Ok(None) => match &*r {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        other => return Err(ReadError::Entity(other.chars().take(40).collect())),
                    },
                    Err(e) => return Err(malformed(pos, e.to_string())),
                };
                let mut buf = [0u8; 4];
                let s: &str = ch.encode_utf8(&mut buf);
                append(
                    &mut tree.nodes[node as usize].text,
                    Cow::Owned(s.to_string()),
                );
            }
            Event::Decl(d) => {
                if let Some(enc) = d.encoding() {
                    let enc = enc.map_err(|e| malformed(pos, e.to_string()))?;
                    let enc = enc.to_string();
                    if !enc.eq_ignore_ascii_case("utf-8") && !enc.eq_ignore_ascii_case("utf8") {
                        return Err(ReadError::Encoding(enc));
                    }
                }
            }
            Event::DocType(_) => return Err(ReadError::Doctype),
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(malformed(
            text.len() as u64,
            "document ends inside an element",
        ));
    }
    if tree.nodes.is_empty() {
        return Err(malformed(0, "no root element"));
    }
    Ok(tree)
}

/// The reader hands out names borrowed from the input; re-borrow them with the input's
/// lifetime (found by address, no `unsafe`) instead of allocating one String per element.
fn borrow_from<'a>(input: &'a str, part: &str) -> Cow<'a, str> {
    let start = (part.as_ptr() as usize).wrapping_sub(input.as_ptr() as usize);
    match input.get(start..start.wrapping_add(part.len())) {
        Some(s) if s.as_ptr() == part.as_ptr() => Cow::Borrowed(s),
        _ => Cow::Owned(part.to_string()),
    }
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

    fn read_str(s: &str) -> Result<XmlTree<'_>, ReadError> {
        read(s, &Limits::default())
    }

    #[test]
    fn namespaces_resolve_whatever_the_prefix() {
        let a = read_str(r#"<a:R xmlns:a="urn:x"><a:K>1</a:K></a:R>"#).expect("reads");
        let b = read_str(r#"<R xmlns="urn:x"><K>1</K></R>"#).expect("reads");
        for t in [&a, &b] {
            assert_eq!(t.namespace(t.root()), Some("urn:x"));
            let kid = t.children(t.root()).next().expect("child");
            assert_eq!(kid.local, "K");
            assert_eq!(kid.text, "1");
        }
    }

    #[test]
    fn text_joins_references_and_cdata() {
        let t = read_str("<R><K>a &amp; b &#x41;<![CDATA[<c>]]></K></R>").expect("reads");
        let kid = t.children(t.root()).next().expect("child");
        assert_eq!(kid.text, "a & b A<c>");
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
        assert!(matches!(
            read_str("<r><k></r>"),
            Err(ReadError::Malformed { .. })
        ));
        assert!(matches!(read_str("<r>"), Err(ReadError::Malformed { .. })));
        assert!(matches!(
            read_str("<r/><r/>"),
            Err(ReadError::Malformed { .. })
        ));
        assert!(matches!(
            read_str("<p:r/>"),
            Err(ReadError::Malformed { .. })
        ));
        assert_eq!(
            read_str("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r/>").unwrap_err(),
            ReadError::Encoding("ISO-8859-1".into())
        );
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
            read(&wide, &limits).unwrap_err(),
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
        let tree = read(&xml, &Limits::default()).expect("reads back");
        assert_eq!(tree.root().text, "a\r\nb & <c> \"d\"");
    }
}
