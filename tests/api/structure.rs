//! Structural validation through the public API: each data type's edge cases and the content
//! model (order, cardinality, unknown elements), on real XML and on the JSON form.

use crate::samples::{jw305_with, parse, paths, JW305};

const PRODUCT1: &str = "/Bericht/Client/StartProducten/StartProduct[1]";

#[test]
fn the_base_message_is_valid_in_xml_and_json() {
    let p = parse(JW305);
    assert!(
        p.structured.findings.is_empty(),
        "{:?}",
        p.structured.findings
    );
    assert_eq!(p.structured.document.code(), "JW305");
    assert_eq!(
        p.structured
            .document
            .text("Client/Naam/Geslachtsnaam/Achternaam")
            .as_deref(),
        Some("Jansen & Zn")
    );
    let json = sluis::write(&p.structured.document, sluis::Format::Json);
    let back = parse(&json);
    assert!(
        back.structured.findings.is_empty(),
        "{:?}",
        back.structured.findings
    );
    assert_eq!(back.structured.document, p.structured.document);
}

#[test]
fn impossible_dates_are_refused_with_their_path() {
    for bad in [
        "2026-02-29",
        "2026-04-31",
        "2026-13-01",
        "2026-3-02",
        "02-03-2026",
        "2026-03-02Z",
        "2026-03-02+01:00",
        "",
    ] {
        let p = parse(&jw305_with(
            "<s:Begindatum>2026-03-02</s:Begindatum>",
            &format!("<s:Begindatum>{bad}</s:Begindatum>"),
        ));
        assert_eq!(
            paths(&p),
            vec![format!("{PRODUCT1}/Begindatum")],
            "date {bad:?}"
        );
        assert!(p.structured.findings.iter().all(|f| f.code == "XSD"));
    }
    // xs:date collapses white space; a leap day is fine.
    let p = parse(&jw305_with(
        "<s:Begindatum>2026-03-02</s:Begindatum>",
        "<s:Begindatum>\n 2028-02-29 </s:Begindatum>",
    ));
    assert!(
        p.structured.findings.is_empty(),
        "{:?}",
        p.structured.findings
    );
}

#[test]
fn integers_respect_their_lexical_form_and_range() {
    let at = "<s:ToewijzingNummer>7001</s:ToewijzingNummer>";
    for (value, ok) in [
        ("0", true),
        ("+12", true),
        ("007", true),
        ("999999999", true),
        ("1000000000", false),
        ("-1", false),
        ("1.0", false),
        ("1e3", false),
        ("", false),
        ("99999999999999999999999", false),
    ] {
        let p = parse(&jw305_with(
            at,
            &format!("<s:ToewijzingNummer>{value}</s:ToewijzingNummer>"),
        ));
        assert_eq!(
            p.structured.findings.is_empty(),
            ok,
            "ToewijzingNummer {value:?}: {:?}",
            p.structured.findings
        );
    }
}

#[test]
fn codes_patterns_and_lengths() {
    let cases = [
        (
            "<s:Geslacht>2</s:Geslacht>",
            "<s:Geslacht>5</s:Geslacht>",
            "/Bericht/Client/Geslacht",
        ),
        (
            "<s:Geslacht>2</s:Geslacht>",
            "<s:Geslacht> 2</s:Geslacht>",
            "/Bericht/Client/Geslacht",
        ),
        (
            "<s:Afzender>12345678</s:Afzender>",
            "<s:Afzender>1234567</s:Afzender>",
            "/Bericht/Header/Afzender",
        ),
        (
            "<s:Ontvanger>0599</s:Ontvanger>",
            "<s:Ontvanger>05990</s:Ontvanger>",
            "/Bericht/Header/Ontvanger",
        ),
        (
            "<s:BerichtCode>438</s:BerichtCode>",
            "<s:BerichtCode>436</s:BerichtCode>",
            "/Bericht/Header/BerichtCode",
        ),
        (
            "<s:BerichtVersie>3</s:BerichtVersie>",
            "<s:BerichtVersie>4</s:BerichtVersie>",
            "/Bericht/Header/BerichtVersie",
        ),
        (
            "<b:Voorletters>AB</b:Voorletters>",
            "<b:Voorletters>A.B.</b:Voorletters>",
            "/Bericht/Client/Naam/Voorletters",
        ),
        (
            "<b:Voorletters>AB</b:Voorletters>",
            "<b:Voorletters>ABCDEFG</b:Voorletters>",
            "/Bericht/Client/Naam/Voorletters",
        ),
        (
            "<b:Identificatie>START-0001</b:Identificatie>",
            "<b:Identificatie>   </b:Identificatie>",
            "/Bericht/Header/BerichtIdentificatie/Identificatie",
        ),
        (
            "<b:Identificatie>START-0001</b:Identificatie>",
            "<b:Identificatie>1234567890123</b:Identificatie>",
            "/Bericht/Header/BerichtIdentificatie/Identificatie",
        ),
        (
            "<b:BerichtXsdVersie>1.0.0</b:BerichtXsdVersie>",
            "<b:BerichtXsdVersie>1.00.0</b:BerichtXsdVersie>",
            "/Bericht/Header/XsdVersie/BerichtXsdVersie",
        ),
        (
            "<b:Categorie>45</b:Categorie>",
            "<b:Categorie>99</b:Categorie>",
            "/Bericht/Client/StartProducten/StartProduct[1]/Product/Categorie",
        ),
    ];
    for (from, to, path) in cases {
        let p = parse(&jw305_with(from, to));
        assert_eq!(paths(&p), vec![path.to_string()], "{to}");
    }
}

#[test]
fn bsn_errors_never_show_the_number() {
    let p = parse(&jw305_with(
        "<s:Bsn>999990019</s:Bsn>",
        "<s:Bsn>99999001</s:Bsn>",
    ));
    assert_eq!(paths(&p), vec!["/Bericht/Client/Bsn".to_string()]);
    assert!(!p.structured.findings[0].message.contains("99999001"));
    assert!(!format!("{:?}", p.structured.document).contains("99999001"));
    let json = r#"{"bericht":"JW305","Client":{"Bsn":"12345"}}"#;
    let p = parse(json);
    assert!(p
        .structured
        .findings
        .iter()
        .all(|f| !f.message.contains("12345")));
}

#[test]
fn content_model_order_cardinality_and_strangers() {
    // Missing required element.
    let p = parse(&jw305_with("<s:Geslacht>2</s:Geslacht>", ""));
    assert_eq!(paths(&p), vec!["/Bericht/Client/Geslacht".to_string()]);
    // Wrong order: Begindatum before ToewijzingIngangsdatum.
    let p = parse(&jw305_with(
        "<s:ToewijzingIngangsdatum>2026-03-01</s:ToewijzingIngangsdatum>\n        <s:Begindatum>2026-03-02</s:Begindatum>",
        "<s:Begindatum>2026-03-02</s:Begindatum>\n        <s:ToewijzingIngangsdatum>2026-03-01</s:ToewijzingIngangsdatum>",
    ));
    assert!(!p.structured.findings.is_empty());
    assert!(
        paths(&p).iter().all(|x| x.starts_with(PRODUCT1)),
        "{:?}",
        paths(&p)
    );
    // Twice an element that may occur once.
    let p = parse(&jw305_with(
        "<s:Geslacht>2</s:Geslacht>",
        "<s:Geslacht>2</s:Geslacht><s:Geslacht>2</s:Geslacht>",
    ));
    assert_eq!(paths(&p), vec!["/Bericht/Client/Geslacht".to_string()]);
    // An unknown element, an element from the wrong namespace, an attribute, stray text.
    let p = parse(&jw305_with(
        "<s:Geslacht>2</s:Geslacht>",
        "<s:Geslacht>2</s:Geslacht><s:Hobby>x</s:Hobby>",
    ));
    assert_eq!(paths(&p), vec!["/Bericht/Client/Hobby".to_string()]);
    let p = parse(&jw305_with(
        "<s:Geslacht>2</s:Geslacht>",
        "<b:Geslacht>2</b:Geslacht>",
    ));
    assert_eq!(
        paths(&p).len(),
        2,
        "foreign element and the missing one: {:?}",
        paths(&p)
    );
    let p = parse(&jw305_with(
        "<s:Geslacht>2</s:Geslacht>",
        "<s:Geslacht kleur=\"rood\">2</s:Geslacht>",
    ));
    assert_eq!(paths(&p), vec!["/Bericht/Client/Geslacht".to_string()]);
    let p = parse(&jw305_with(
        "<s:Geslacht>2</s:Geslacht>",
        "<s:Geslacht>2</s:Geslacht>tekst",
    ));
    assert_eq!(paths(&p), vec!["/Bericht/Client".to_string()]);
    // Comments, processing instructions and xsi:schemaLocation are allowed.
    let p = parse(&jw305_with(
        "<s:Header>",
        "<!-- header --><?pi x?><s:Header xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"a b\">",
    ));
    assert!(
        p.structured.findings.is_empty(),
        "{:?}",
        p.structured.findings
    );
}

#[test]
fn all_errors_of_a_message_are_reported() {
    let bad = jw305_with("<s:Geslacht>2</s:Geslacht>", "<s:Geslacht>7</s:Geslacht>")
        .replace("2026-03-09", "2026-02-30")
        .replace(
            "<b:Datum>2014-06-30</b:Datum>",
            "<b:Datum>2014-06-31</b:Datum>",
        );
    let p = parse(&bad);
    assert_eq!(
        paths(&p),
        vec![
            "/Bericht/Client/Geboortedatum/Datum".to_string(),
            "/Bericht/Client/Geslacht".to_string(),
            "/Bericht/Client/StartProducten/StartProduct[2]/Begindatum".to_string(),
        ]
    );
    let msg = &p.structured.findings[2].message;
    assert!(msg.contains("2026-02-30"), "says what was found: {msg}");
}

#[test]
fn json_input_gets_the_same_checks_and_paths() {
    let doc = parse(JW305).structured.document;
    let mut v = sluis::codec::json::to_value(&doc);
    v["Client"]["StartProducten"][1]["Begindatum"] = "2026-02-30".into();
    v["Client"]["Geslacht"] = serde_json::json!(2);
    v["Client"]["Extra"] = "x".into();
    let p = parse(&v.to_string());
    let mut got = paths(&p);
    got.sort();
    assert_eq!(
        got,
        vec![
            "/Bericht/Client/Extra".to_string(),
            "/Bericht/Client/Geslacht".to_string(),
            "/Bericht/Client/StartProducten/StartProduct[2]/Begindatum".to_string(),
        ]
    );
    // A JSON value that the JSON Schema refuses is refused by the model too, and vice versa.
    let schema_says = sluis::codec::json::schema_findings(doc.schema, &v);
    assert!(!schema_says.is_empty());
    // Missing list, empty list.
    let mut v2 = sluis::codec::json::to_value(&doc);
    v2["Client"]["StartProducten"] = serde_json::json!([]);
    let p = parse(&v2.to_string());
    assert_eq!(
        paths(&p),
        vec!["/Bericht/Client/StartProducten/StartProduct".to_string()]
    );
    assert!(!sluis::codec::json::schema_findings(doc.schema, &v2).is_empty());
}

#[test]
fn text_survives_both_ways_exactly() {
    // Leading spaces, a tab, non-ASCII and markup characters (LDT_Naam allows no line breaks).
    let p = parse(&jw305_with(
        "<b:Achternaam>Jansen &amp; Zn</b:Achternaam>",
        "<b:Achternaam> Ünal&#x9;&lt;&gt;&amp;'\"</b:Achternaam>",
    ));
    assert!(
        p.structured.findings.is_empty(),
        "{:?}",
        p.structured.findings
    );
    let doc = &p.structured.document;
    assert_eq!(
        doc.text("Client/Naam/Geslachtsnaam/Achternaam").as_deref(),
        Some(" Ünal\t<>&'\"")
    );
    let xml = sluis::write(doc, sluis::Format::Xml);
    let json = sluis::write(doc, sluis::Format::Json);
    assert_eq!(&parse(&xml).structured.document, doc);
    assert_eq!(&parse(&json).structured.document, doc);
    assert_eq!(
        sluis::write(&parse(&xml).structured.document, sluis::Format::Xml),
        xml
    );
}

#[test]
fn characters_xml_forbids_are_refused_from_json() {
    let doc = parse(JW305).structured.document;
    let mut v = sluis::codec::json::to_value(&doc);
    v["Client"]["Naam"]["Geslachtsnaam"]["Achternaam"] = "a\u{1}b".into();
    let p = parse(&v.to_string());
    assert_eq!(
        paths(&p),
        vec!["/Bericht/Client/Naam/Geslachtsnaam/Achternaam".to_string()]
    );
}
