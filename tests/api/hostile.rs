//! Hostile and broken inputs: each gets a clear error, none panics, none makes memory grow
//! with what the attacker asks for.

use crate::samples::JW305;
use sluis::{parse, Limits, ReadError};

fn err(input: &[u8]) -> ReadError {
    parse(input, &Limits::default()).expect_err("must be refused")
}

#[test]
fn billion_laughs_is_refused_before_any_expansion() {
    let mut doc =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        doc.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    doc.push_str("]>\n<lolz>&lol9;</lolz>");
    assert_eq!(err(doc.as_bytes()), ReadError::Doctype);
}

#[test]
fn external_entities_are_never_resolved() {
    let xxe =
        r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#;
    assert_eq!(err(xxe.as_bytes()), ReadError::Doctype);
    // Without a DOCTYPE an undeclared entity is simply an error, never a lookup.
    let bare = JW305.replace("Jansen &amp; Zn", "&x;");
    assert_eq!(err(bare.as_bytes()), ReadError::Entity("x".into()));
    let param = r#"<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd"> %p;]><r/>"#;
    assert_eq!(err(param.as_bytes()), ReadError::Doctype);
}

#[test]
fn a_100_mb_body_is_refused_on_size() {
    let mut big = Vec::with_capacity(100 * 1024 * 1024);
    big.extend_from_slice(b"<r>");
    big.resize(100 * 1024 * 1024, b'a');
    assert_eq!(
        err(&big),
        ReadError::TooLarge {
            size: big.len(),
            limit: 10 * 1024 * 1024
        }
    );
    // The limit is configurable.
    let small = Limits {
        max_bytes: 100,
        ..Limits::default()
    };
    assert!(matches!(
        parse(JW305.as_bytes(), &small),
        Err(ReadError::TooLarge { .. })
    ));
}

#[test]
fn deep_nesting_is_refused_without_recursion() {
    let deep = "<a>".repeat(10_000) + &"</a>".repeat(10_000);
    assert_eq!(err(deep.as_bytes()), ReadError::TooDeep { limit: 64 });
    let unclosed = "<a>".repeat(10_000);
    assert_eq!(err(unclosed.as_bytes()), ReadError::TooDeep { limit: 64 });
    let json = "[".repeat(10_000) + &"]".repeat(10_000);
    assert!(matches!(
        err(json.as_bytes()),
        ReadError::UnknownFormat | ReadError::Json(_)
    ));
    let json_obj = "{\"a\":".repeat(10_000) + "1" + &"}".repeat(10_000);
    assert!(matches!(err(json_obj.as_bytes()), ReadError::Json(_)));
}

#[test]
fn invalid_utf8_and_other_encodings_are_refused() {
    let mut bytes = JW305.as_bytes().to_vec();
    let at = JW305.find("Jansen").expect("present");
    bytes[at] = 0xff;
    assert_eq!(err(&bytes), ReadError::NotUtf8 { offset: at });
    let utf16: Vec<u8> = "<r/>".encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert!(matches!(
        err(&[&[0xff, 0xfe][..], &utf16].concat()),
        ReadError::NotUtf8 { .. }
    ));
    let latin = JW305.replace("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"");
    assert_eq!(
        err(latin.as_bytes()),
        ReadError::Encoding("ISO-8859-1".into())
    );
    // A UTF-8 byte order mark is fine.
    let bom = [&b"\xEF\xBB\xBF"[..], JW305.as_bytes()].concat();
    assert!(parse(&bom, &Limits::default()).is_ok());
}

#[test]
fn unknown_messages_and_non_messages() {
    assert!(matches!(
        err(b"<Bericht xmlns=\"urn:other\"/>"),
        ReadError::UnknownMessage { .. }
    ));
    assert!(matches!(
        err(b"<Bericht/>"),
        ReadError::UnknownMessage { .. }
    ));
    let wrong_root = JW305.replace("s:Bericht", "s:Brief");
    assert!(matches!(
        err(wrong_root.as_bytes()),
        ReadError::UnknownMessage { .. }
    ));
    assert_eq!(
        err(b"{\"bericht\":\"JW999\"}"),
        ReadError::UnknownJsonMessage
    );
    assert_eq!(err(b"{\"Header\":{}}"), ReadError::UnknownJsonMessage);
    assert_eq!(err(b"   "), ReadError::Empty);
    assert_eq!(err(b""), ReadError::Empty);
    assert_eq!(err(b"hello"), ReadError::UnknownFormat);
    assert!(matches!(err(b"{\"bericht\": "), ReadError::Json(_)));
}

#[test]
fn every_truncation_of_a_message_is_an_error_not_a_panic() {
    let complete = JW305.find("</s:Bericht>").expect("root end") + "</s:Bericht>".len();
    for cut in 0..complete {
        if !JW305.is_char_boundary(cut) {
            continue;
        }
        let prefix = &JW305[..cut];
        match parse(prefix.as_bytes(), &Limits::default()) {
            Err(_) => {}
            Ok(p) => assert!(
                !p.structured.findings.is_empty(),
                "truncated at {cut} yet valid"
            ),
        }
    }
}

#[test]
fn error_messages_never_contain_the_bsn() {
    let cases = [
        JW305.replace("<s:Bsn>999990019</s:Bsn>", "<s:Bsn>999990019<x/></s:Bsn>"),
        JW305.replace(
            "<s:Bsn>999990019</s:Bsn>",
            "<s:Bsn kind=\"999990019\">999990019</s:Bsn>",
        ),
        JW305.replace("<s:Bsn>999990019</s:Bsn>", "<s:Bsn>999990019 </s:Bsn>"),
    ];
    for c in cases {
        let p = parse(c.as_bytes(), &Limits::default()).expect("readable");
        assert!(!p.structured.findings.is_empty());
        for f in &p.structured.findings {
            assert!(!f.message.contains("999990019"), "{}", f.message);
        }
    }
}
