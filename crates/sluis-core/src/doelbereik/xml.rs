//! The XML form of the doelbereik messages, in the style of the iStandaarden: one element per
//! field in UpperCamelCase (`PlanId`, `ToewijzingNummers/ToewijzingNummer`, `Doelen/Doel`),
//! lists wrapped in a plural element, in namespace [`NAMESPACE`]. It maps one to one onto the
//! JSON form: [`to_json`] turns a body into the JSON value, which then goes through the same JSON
//! Schema and types ([`read_xml`]); [`write`] writes a message. Findings on XML input carry
//! element paths (`/Behandelplan/Doelen/Doel[2]/Id`) instead of JSON Pointers.
//!
//! Reading goes through the codec's hardened reader ([`XmlReader`], one policy for hostile XML):
//! it refuses a DOCTYPE, entities other than XML's own, other encodings than UTF-8, more than
//! [`MAX_DEPTH`] levels and bodies over [`super::read::MAX_BYTES`]; namespaces are ignored (local
//! names count). Writing uses quick-xml only to escape text.

use super::codes;
use super::model::{Bericht, Kind};
use super::read::{from_value, schema_findings, MAX_BYTES};
use crate::codec::xml::{XmlEvent, XmlReader};
use crate::codec::{sniff, Format, Limits, ReadError};
use crate::validate::Finding;
use serde_json::{Map, Value};

/// The namespace of the XML form.
pub const NAMESPACE: &str = "urn:sluis:doelbereik:1";

/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 8;

/// JSON key ↔ XML element name, for every field of the three messages.
const NAMES: [(&str, &str); 29] = [
    ("domein", "Domein"),
    ("gemeente", "Gemeente"),
    ("team", "Team"),
    ("aanbieder", "Aanbieder"),
    ("hoofdaannemer", "Hoofdaannemer"),
    ("bsn", "Bsn"),
    ("plan_id", "PlanId"),
    ("toewijzingnummer", "ToewijzingNummer"),
    ("toewijzingnummers", "ToewijzingNummers"),
    ("versie", "Versie"),
    ("einddatum", "Einddatum"),
    ("datum", "Datum"),
    ("id", "Id"),
    ("uitkomst", "Uitkomst"),
    ("omschrijving", "Omschrijving"),
    ("levensdomein", "Levensdomein"),
    ("meting", "Meting"),
    ("streefdatum", "Streefdatum"),
    ("frequentie", "Frequentie"),
    ("toelichting", "Toelichting"),
    ("doelen", "Doelen"),
    ("activiteiten", "Activiteiten"),
    ("tevredenheid", "Tevredenheid"),
    ("oordeel", "Oordeel"),
    ("reden", "Reden"),
    ("resultaat_bereikt", "ResultaatBereikt"),
    // List items (no JSON key of their own).
    ("", "Doel"),
    ("", "Activiteit"),
    ("", "DoelId"),
];

fn xml_name(key: &str) -> Option<&'static str> {
    NAMES.iter().find(|(k, _)| *k == key).map(|(_, n)| *n)
}

fn json_key(name: &str) -> Option<&'static str> {
    NAMES
        .iter()
        .find(|(k, n)| *n == name && !k.is_empty())
        .map(|(k, _)| *k)
}

/// The item element of a list, given the list's JSON key and the key of the object holding it.
fn item_name(list: &str, parent: Option<&str>) -> Option<&'static str> {
    match (list, parent) {
        ("toewijzingnummers", _) => Some("ToewijzingNummer"),
        ("activiteiten", _) => Some("Activiteit"),
        ("doelen", Some("activiteiten")) => Some("DoelId"),
        ("doelen", _) => Some("Doel"),
        _ => None,
    }
}

/// The order of the elements within their parent when written.
fn position(key: &str) -> usize {
    NAMES
        .iter()
        .position(|(k, _)| *k == key)
        .unwrap_or(NAMES.len())
}

fn root_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Behandelplan => "Behandelplan",
        Kind::Resultaatmelding => "Resultaatmelding",
        Kind::Beoordeling => "Beoordeling",
    }
}

fn xml_finding(path: impl Into<String>, message: impl Into<String>) -> Finding {
    Finding {
        code: codes::SCHEMA,
        retourcode: None,
        path: path.into(),
        message: message.into(),
    }
}

/// An element as read: its local name, text and children.
struct Node {
    name: String,
    text: String,
    children: Vec<Node>,
}

/// The limits of the doelbereik form: the codec's, with its own stricter size and depth.
fn limits() -> Limits {
    Limits {
        max_bytes: MAX_BYTES,
        max_depth: MAX_DEPTH,
        ..Limits::default()
    }
}

/// XML's white space (not Unicode's: a no-break space is content).
fn trim_xml(s: &str) -> &str {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

/// The element tree of a body, read by the codec's hardened reader ([`XmlReader`]): size and
/// UTF-8 checked first ([`sniff`]), then no DOCTYPE, no entities but XML's own, UTF-8 only,
/// at most [`MAX_DEPTH`] levels. An element's text is its character data joined and trimmed.
fn parse_tree(bytes: &[u8]) -> Result<Node, ReadError> {
    let limits = limits();
    let text = match sniff(bytes, &limits)? {
        (Format::Xml, text) => text,
        (Format::Json, _) => return Err(ReadError::UnknownFormat),
    };
    let mut reader = XmlReader::new(text, &limits);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    while let Some(event) = reader.next_event()? {
        match event {
            XmlEvent::Start { local, .. } => stack.push(Node {
                name: local.into_owned(),
                text: String::new(),
                children: Vec::new(),
            }),
            XmlEvent::Text(t) => {
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&t);
                }
            }
            XmlEvent::End => {
                let Some(mut node) = stack.pop() else {
                    continue;
                };
                let trimmed = trim_xml(&node.text);
                if trimmed.len() != node.text.len() {
                    node.text = trimmed.to_string();
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
        }
    }
    // The reader ends only after the root element has closed.
    root.ok_or(ReadError::Empty)
}

/// A reading error as the message of a finding.
fn read_message(e: &ReadError) -> String {
    match e {
        ReadError::TooLarge { limit, .. } => format!("bericht is groter dan {limit} bytes"),
        ReadError::NotUtf8 { .. } => "geen UTF-8".into(),
        ReadError::Empty => "geen element".into(),
        ReadError::UnknownFormat => "tekst buiten het bericht".into(),
        ReadError::Encoding(enc) => format!("codering {enc:?} is geen UTF-8"),
        ReadError::Doctype => "een DOCTYPE is niet toegestaan".into(),
        ReadError::Entity(name) => format!(
            "entiteit &{name}; is niet toegestaan (alleen die van XML zelf en tekenverwijzingen)"
        ),
        ReadError::TooDeep { limit } => format!("meer dan {limit} niveaus diep"),
        ReadError::TooManyElements { limit } => format!("meer dan {limit} elementen"),
        ReadError::TooManyAttributes { limit } => {
            format!("een element heeft meer dan {limit} attributen")
        }
        other => format!("geen goedgevormde XML: {other}"),
    }
}

/// The JSON value of an element's content. `key`: its JSON key; `parent`: the key of the
/// object holding it; `path`: its element path, for findings.
fn convert(
    node: &Node,
    key: &str,
    parent: Option<&str>,
    path: &str,
    out: &mut Vec<Finding>,
) -> Value {
    if let Some(item) = item_name(key, parent) {
        let mut items = Vec::new();
        let mut i = 0;
        for c in &node.children {
            if c.name != item {
                out.push(xml_finding(
                    format!("{path}/{}", c.name),
                    format!("{} verwacht in {}, niet {}", item, node.name, c.name),
                ));
                continue;
            }
            i += 1;
            let p = format!("{path}/{item}[{i}]");
            if c.children.is_empty() {
                items.push(Value::String(c.text.clone()));
            } else {
                items.push(object(c, Some(key), &p, out));
            }
        }
        return Value::Array(items);
    }
    if !node.children.is_empty() {
        return object(node, parent, path, out);
    }
    match key {
        "versie" => node
            .text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(node.text.clone())),
        "resultaat_bereikt" => match node.text.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            other => Value::String(other.to_string()),
        },
        _ => Value::String(node.text.clone()),
    }
}

/// An object from an element's children; `context`: the key of the list it is an item of.
fn object(node: &Node, context: Option<&str>, path: &str, out: &mut Vec<Finding>) -> Value {
    let mut map = Map::new();
    for c in &node.children {
        let p = format!("{path}/{}", c.name);
        let Some(key) = json_key(&c.name) else {
            out.push(xml_finding(p, format!("onbekend element {}", c.name)));
            continue;
        };
        if map.contains_key(key) {
            out.push(xml_finding(
                p,
                format!("{} komt meer dan eens voor", c.name),
            ));
            continue;
        }
        let value = convert(c, key, context, &p, out);
        map.insert(key.to_string(), value);
    }
    Value::Object(map)
}

/// The JSON form of an XML body of `kind`, or findings with element paths.
pub fn to_json(kind: Kind, bytes: &[u8]) -> Result<Value, Vec<Finding>> {
    let root = root_name(kind);
    let node =
        parse_tree(bytes).map_err(|e| vec![xml_finding(format!("/{root}"), read_message(&e))])?;
    if node.name != root {
        return Err(vec![xml_finding(
            format!("/{}", node.name),
            format!("{root} verwacht, niet {}", node.name),
        )]);
    }
    let mut findings = Vec::new();
    let value = object(&node, None, &format!("/{root}"), &mut findings);
    if findings.is_empty() {
        Ok(value)
    } else {
        Err(findings)
    }
}

/// The element path of a JSON Pointer into a message of `kind`:
/// `/doelen/1/id` → `/Behandelplan/Doelen/Doel[2]/Id`.
pub fn element_path(kind: Kind, pointer: &str) -> String {
    let mut out = format!("/{}", root_name(kind));
    let mut list: Option<&str> = None; // the list key awaiting an index
    let mut context: Option<&str> = None; // the list the current object is an item of
    let mut parent: Option<&str> = None;
    for seg in pointer.split('/').skip(1).filter(|s| !s.is_empty()) {
        if let (Some(l), Ok(i)) = (list, seg.parse::<usize>()) {
            let item = item_name(l, parent).unwrap_or("?");
            out.push_str(&format!("/{item}[{}]", i + 1));
            context = Some(l);
            list = None;
            continue;
        }
        let name = xml_name(seg).unwrap_or(seg);
        out.push('/');
        out.push_str(name);
        if item_name(seg, context).is_some() {
            list = Some(seg);
            parent = context;
        }
    }
    out
}

/// Read a message of `kind` from its XML body: to the JSON form, then exactly as
/// [`super::read`] does; every finding's path is an element path.
pub fn read_xml(kind: Kind, bytes: &[u8]) -> Result<Bericht, Vec<Finding>> {
    let value = to_json(kind, bytes)?;
    let relabel = |mut findings: Vec<Finding>| {
        for f in &mut findings {
            let pointer = if f.path == "/" { "" } else { f.path.as_str() };
            f.path = element_path(kind, pointer);
        }
        findings
    };
    let findings = schema_findings(kind, &value);
    if !findings.is_empty() {
        return Err(relabel(findings));
    }
    from_value(kind, value).map_err(relabel)
}

fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

fn write_value(out: &mut String, key: &str, parent: Option<&str>, value: &Value, depth: usize) {
    let Some(name) = xml_name(key) else {
        return;
    };
    let indent = "  ".repeat(depth);
    match value {
        Value::Null => {}
        Value::Array(items) => {
            let item = item_name(key, parent).unwrap_or("Item");
            out.push_str(&format!("{indent}<{name}>\n"));
            for v in items {
                match v {
                    Value::Object(m) => {
                        out.push_str(&format!("{indent}  <{item}>\n"));
                        write_object(out, m, Some(key), depth + 2);
                        out.push_str(&format!("{indent}  </{item}>\n"));
                    }
                    other => out.push_str(&format!(
                        "{indent}  <{item}>{}</{item}>\n",
                        escape(&scalar(other))
                    )),
                }
            }
            out.push_str(&format!("{indent}</{name}>\n"));
        }
        Value::Object(m) => {
            out.push_str(&format!("{indent}<{name}>\n"));
            write_object(out, m, parent, depth + 1);
            out.push_str(&format!("{indent}</{name}>\n"));
        }
        other => out.push_str(&format!(
            "{indent}<{name}>{}</{name}>\n",
            escape(&scalar(other))
        )),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn write_object(out: &mut String, map: &Map<String, Value>, context: Option<&str>, depth: usize) {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort_by_key(|k| position(k));
    for k in keys {
        write_value(out, k, context, &map[k], depth);
    }
}

/// The XML form of a message.
pub fn write(bericht: &Bericht) -> String {
    let (kind, value) = match bericht {
        Bericht::Behandelplan(m) => (Kind::Behandelplan, serde_json::to_value(m)),
        Bericht::Resultaatmelding(m) => (Kind::Resultaatmelding, serde_json::to_value(m)),
        Bericht::Beoordeling(m) => (Kind::Beoordeling, serde_json::to_value(m)),
    };
    let root = root_name(kind);
    let mut out =
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"{NAMESPACE}\">\n");
    if let Ok(Value::Object(m)) = value {
        write_object(&mut out, &m, None, 1);
    }
    out.push_str(&format!("</{root}>\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_become_element_paths() {
        let k = Kind::Behandelplan;
        assert_eq!(element_path(k, ""), "/Behandelplan");
        assert_eq!(
            element_path(k, "/doelen/1/id"),
            "/Behandelplan/Doelen/Doel[2]/Id"
        );
        assert_eq!(
            element_path(k, "/activiteiten/0/doelen/2"),
            "/Behandelplan/Activiteiten/Activiteit[1]/Doelen/DoelId[3]"
        );
        assert_eq!(
            element_path(k, "/toewijzingnummers/0"),
            "/Behandelplan/ToewijzingNummers/ToewijzingNummer[1]"
        );
        assert_eq!(
            element_path(Kind::Beoordeling, "/resultaat_bereikt"),
            "/Beoordeling/ResultaatBereikt"
        );
    }

    #[test]
    fn hostile_or_broken_xml_is_refused() {
        let k = Kind::Beoordeling;
        let doctype = b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><Beoordeling/>";
        let f = to_json(k, doctype).expect_err("doctype");
        assert!(f[0].message.contains("DOCTYPE"), "{f:?}");
        let deep = format!("<Beoordeling>{}</Beoordeling>", "<Team>".repeat(10));
        assert!(to_json(k, deep.as_bytes()).is_err());
        assert!(to_json(k, b"<Beoordeling><Team>x</Beoordeling>").is_err());
        assert!(to_json(k, b"<Behandelplan/>").is_err(), "wrong root");
        let f = to_json(k, b"<Beoordeling><Kleur>rood</Kleur></Beoordeling>").expect_err("x");
        assert_eq!(f[0].path, "/Beoordeling/Kleur");
    }

    /// The example of `docs/doelbereik.md`.
    const PLAN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Behandelplan xmlns="urn:sluis:doelbereik:1">
  <Domein>ijw</Domein>
  <Gemeente>0599</Gemeente>
  <Aanbieder>12345678</Aanbieder>
  <Bsn>999990019</Bsn>
  <PlanId>PLAN-1</PlanId>
  <ToewijzingNummers>
    <ToewijzingNummer>7001</ToewijzingNummer>
  </ToewijzingNummers>
  <Versie>1</Versie>
  <Datum>2026-01-10</Datum>
  <Doelen>
    <Doel>
      <Id>D1</Id>
      <Omschrijving>Dagritme met vaste schooltijden</Omschrijving>
      <Levensdomein>onderwijs</Levensdomein>
      <Meting>schoolverzuim per maand</Meting>
      <Streefdatum>2026-04-30</Streefdatum>
    </Doel>
  </Doelen>
  <Activiteiten>
    <Activiteit>
      <Omschrijving>Wekelijkse gezinsbegeleiding thuis</Omschrijving>
      <Frequentie>wekelijks</Frequentie>
      <Doelen>
        <DoelId>D1</DoelId>
      </Doelen>
    </Activiteit>
  </Activiteiten>
</Behandelplan>
"#;

    #[test]
    fn a_valid_body_reads_as_before_through_the_codec_reader() {
        // The JSON form the former quick-xml loop of this module gave for `PLAN`.
        let before = serde_json::json!({
            "domein": "ijw", "gemeente": "0599", "aanbieder": "12345678", "bsn": "999990019",
            "plan_id": "PLAN-1", "toewijzingnummers": ["7001"], "versie": 1, "datum": "2026-01-10",
            "doelen": [{
                "id": "D1", "omschrijving": "Dagritme met vaste schooltijden",
                "levensdomein": "onderwijs", "meting": "schoolverzuim per maand",
                "streefdatum": "2026-04-30"
            }],
            "activiteiten": [{
                "omschrijving": "Wekelijkse gezinsbegeleiding thuis", "frequentie": "wekelijks",
                "doelen": ["D1"]
            }]
        });
        let k = Kind::Behandelplan;
        assert_eq!(to_json(k, PLAN.as_bytes()), Ok(before.clone()));
        // Prefixes, CR LF line ends and a byte order mark change nothing.
        let prefixed = PLAN
            .replace("<Behandelplan xmlns=", "<d:Behandelplan xmlns:d=")
            .replace("</Behandelplan>", "</d:Behandelplan>")
            .replace("Doel>", "d:Doel>");
        let crlf = PLAN.replace('\n', "\r\n");
        let bom = [b"\xEF\xBB\xBF".as_slice(), PLAN.as_bytes()].concat();
        for body in [prefixed.as_bytes(), crlf.as_bytes(), &bom] {
            assert_eq!(to_json(k, body), Ok(before.clone()));
        }
        assert!(read_xml(k, PLAN.as_bytes()).is_ok());
        // Text is trimmed of XML's white space only, references resolved, pieces joined.
        let body = "<Beoordeling><Team>\t\n a &amp; b<![CDATA[<c>]]> \n</Team>\
            <Oordeel>\u{a0}x\u{a0}</Oordeel><Versie> 3 </Versie><Reden/></Beoordeling>";
        assert_eq!(
            to_json(Kind::Beoordeling, body.as_bytes()),
            Ok(serde_json::json!({
                "team": "a & b<c>", "oordeel": "\u{a0}x\u{a0}", "versie": 3, "reden": ""
            }))
        );
    }

    #[test]
    fn doctype_and_entities_are_refused_with_the_codecs_error() {
        let doctype = b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><Beoordeling/>";
        assert_eq!(parse_tree(doctype).err(), Some(ReadError::Doctype));
        let xxe = br#"<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Beoordeling><Team>&x;</Team></Beoordeling>"#;
        assert_eq!(parse_tree(xxe).err(), Some(ReadError::Doctype));
        let entity = b"<Beoordeling><Team>&x;</Team></Beoordeling>";
        assert_eq!(
            parse_tree(entity).err(),
            Some(ReadError::Entity("x".into()))
        );
        let f = to_json(Kind::Beoordeling, entity).expect_err("entity");
        assert_eq!(
            (f[0].code, f[0].path.as_str()),
            (codes::SCHEMA, "/Beoordeling")
        );
        assert!(f[0].message.contains("&x;"), "{f:?}");
        let latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Beoordeling/>";
        assert_eq!(
            parse_tree(latin).err(),
            Some(ReadError::Encoding("ISO-8859-1".into()))
        );
    }

    #[test]
    fn too_deep_or_too_large_is_refused_with_the_codecs_error() {
        let nested = |n: usize| {
            format!(
                "{}{}",
                "<Beoordeling>".repeat(n),
                "</Beoordeling>".repeat(n)
            )
        };
        assert!(parse_tree(nested(MAX_DEPTH).as_bytes()).is_ok());
        let deep = nested(MAX_DEPTH + 1);
        assert_eq!(
            parse_tree(deep.as_bytes()).err(),
            Some(ReadError::TooDeep { limit: MAX_DEPTH })
        );
        let f = to_json(Kind::Beoordeling, deep.as_bytes()).expect_err("deep");
        assert_eq!(f[0].message, "meer dan 8 niveaus diep");
        let big = format!(
            "<Beoordeling><Team>{}</Team></Beoordeling>",
            "x".repeat(MAX_BYTES)
        );
        assert!(matches!(
            parse_tree(big.as_bytes()),
            Err(ReadError::TooLarge {
                limit: MAX_BYTES,
                ..
            })
        ));
        let f = to_json(Kind::Beoordeling, big.as_bytes()).expect_err("big");
        assert_eq!(
            f[0].message,
            format!("bericht is groter dan {MAX_BYTES} bytes")
        );
        for after in ["<Beoordeling/><Team>x</Team>", "<Beoordeling/>x"] {
            assert!(matches!(
                parse_tree(after.as_bytes()),
                Err(ReadError::Malformed { .. })
            ));
        }
    }
}
