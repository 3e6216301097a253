//! Retourberichten: which berichtklassen go back with which retourcodes (IV028, IV087), and
//! that everything Sluis writes is itself a valid message.

use sluis::retour::{answer_to, RetourError};
use sluis::standard::types::Datum;
use sluis::{Document, Finding, Limits, RetourContext, Verdict};

fn ctx() -> RetourContext {
    RetourContext::new("R-0001", Datum::from_ymd(2026, 2, 10).expect("date"))
}

fn verdict(xml: &str) -> Verdict {
    sluis::validate(xml.as_bytes(), &Limits::default()).expect("readable")
}

/// The verdict of a message read, with findings of a later stage (cross-message rules) instead
/// of its own.
fn with_findings(xml: &str, findings: &[(&str, &'static str)]) -> Verdict {
    let mut v = verdict(xml);
    assert!(v.is_valid(), "test message must be valid: {:?}", v.findings);
    v.findings = findings
        .iter()
        .map(|&(path, code)| Finding {
            code: "TR999",
            retourcode: Some(code),
            path: path.into(),
            message: "test".into(),
        })
        .collect();
    v
}

/// Write the retourbericht and read it back: it must be a valid message of its own, in both
/// forms, under structure and rules. The XML is also kept in `target/tmp/retour-samples/`, where
/// the conformance step (`tests/conformance.sh`) checks it with xmllint against the official XSD.
fn answer(v: &Verdict) -> Document {
    let doc = sluis::retour(v, &ctx()).expect("a retourbericht");
    for format in [sluis::Format::Xml, sluis::Format::Json] {
        let text = sluis::write(&doc, format);
        if format == sluis::Format::Xml {
            keep_sample(doc.code(), &text);
        }
        let back = verdict(&text);
        assert!(
            back.is_valid(),
            "{format:?} retour invalid: {:?}\n{text}",
            back.findings
        );
        assert_eq!(back.document, doc, "{format:?} round trip");
    }
    doc
}

fn keep_sample(code: &str, xml: &str) {
    use std::hash::{Hash, Hasher};
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("retour-samples");
    let mut h = std::collections::hash_map::DefaultHasher::new();
    xml.hash(&mut h);
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join(format!("{code}-{:016x}.xml", h.finish())), xml));
    assert!(written.is_ok(), "cannot keep a sample in {}", dir.display());
}

fn text(doc: &Document, path: &str) -> Option<String> {
    doc.text(path).map(|t| t.into_owned())
}

/// The retourcodes of the berichtklasse at `path` (below `Bericht`), `None` when it has none.
fn codes_at(doc: &Document, path: &str) -> Option<Vec<String>> {
    let mut cur = doc.children.iter().find(|e| e.name() == "Header")?;
    let mut first = true;
    for step in path.split('/') {
        let (name, index) = match step.split_once('[') {
            Some((n, i)) => (n, i.trim_end_matches(']').parse::<usize>().ok()?),
            None => (step, 1),
        };
        let pool: Vec<&sluis::standard::Element> = if first {
            doc.children.iter().filter(|e| e.name() == name).collect()
        } else {
            cur.children_named(name).collect()
        };
        first = false;
        cur = pool.get(index - 1)?;
    }
    let codes = cur.child("RetourCodes")?;
    Some(
        codes
            .children()
            .iter()
            .filter_map(|c| c.value().map(|v| v.lexical().into_owned()))
            .collect(),
    )
}

const JW305: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/rules/TR101/pass-startproduct-andere-begindatum-jw305.xml"
));

/// A debet declaratie of `clients` clients with `per` prestaties of 100.00 each.
fn jw323(clients: usize, per: usize) -> String {
    const BSN: [&str; 4] = ["999990007", "999990019", "999990020", "999990032"];
    let mut body = String::new();
    for (c, bsn) in BSN.iter().enumerate().take(clients) {
        body.push_str(&format!("<c:Client><c:Bsn>{bsn}</c:Bsn><c:Prestaties>"));
        for p in 0..per {
            body.push_str(&format!(
                "<c:Prestatie><c:ProductReferentie><b:ReferentieNummer>REF-{c}-{p}</b:ReferentieNummer></c:ProductReferentie>\
                 <c:ToewijzingNummer>{}</c:ToewijzingNummer><c:ProductCategorie>45</c:ProductCategorie><c:ProductCode>45A07</c:ProductCode>\
                 <c:ProductPeriode><b:Begindatum>2026-01-01</b:Begindatum><b:Einddatum>2026-01-31</b:Einddatum></c:ProductPeriode>\
                 <c:GeleverdVolume>4</c:GeleverdVolume><c:Eenheid>01</c:Eenheid><c:ProductTarief>2500</c:ProductTarief>\
                 <c:IngediendBedrag><b:Bedrag>10000</b:Bedrag><b:DebetCredit>D</b:DebetCredit></c:IngediendBedrag></c:Prestatie>",
                7000 + c * 10 + p
            ));
        }
        body.push_str("</c:Prestaties></c:Client>");
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<c:Bericht xmlns:c="http://www.istandaarden.nl/ijw/3_2/jw323/schema" xmlns:b="http://www.istandaarden.nl/ijw/3_2/basisschema/schema">
<c:Header><c:BerichtCode>490</c:BerichtCode><c:BerichtVersie>3</c:BerichtVersie><c:BerichtSubversie>2</c:BerichtSubversie>
<c:Afzender>12345678</c:Afzender><c:Ontvanger>0599</c:Ontvanger>
<c:BerichtIdentificatie><b:Identificatie>DECL-0001</b:Identificatie><b:Dagtekening>2026-02-05</b:Dagtekening></c:BerichtIdentificatie>
<c:XsdVersie><b:BasisschemaXsdVersie>1.0.0</b:BasisschemaXsdVersie><b:BerichtXsdVersie>1.0.0</b:BerichtXsdVersie></c:XsdVersie></c:Header>
<c:Declaratie><c:DeclaratieNummer>DECL0001</c:DeclaratieNummer>
<c:DeclaratiePeriode><b:Begindatum>2026-01-01</b:Begindatum><b:Einddatum>2026-01-31</b:Einddatum></c:DeclaratiePeriode>
<c:DeclaratieDagtekening>2026-02-05</c:DeclaratieDagtekening>
<c:TotaalIngediendBedrag><b:TotaalBedrag>{}</b:TotaalBedrag><b:DebetCredit>D</b:DebetCredit></c:TotaalIngediendBedrag>
<c:Clienten>{body}</c:Clienten></c:Declaratie></c:Bericht>"#,
        clients * per * 10000
    )
}

const PRESTATIE: &str = "/Bericht/Declaratie/Clienten/Client";

#[test]
fn every_heenbericht_has_its_answer_and_retourberichten_have_none() {
    for m in sluis::standard::schema::messages() {
        let n = &m.code[m.code.len() - 3..];
        let answer = answer_to(m).map(|a| a.code);
        match n {
            "301" | "305" | "307" | "315" | "317" | "319" => {
                let want = format!(
                    "{}{}",
                    &m.code[..m.code.len() - 3],
                    n.parse::<u16>().unwrap_or(0) + 1
                );
                assert_eq!(answer, Some(want.as_str()), "{}", m.code);
            }
            "323" => assert!(answer.is_some_and(|a| a.ends_with("325"))),
            _ => assert_eq!(answer, None, "{} is an answer itself", m.code),
        }
    }
}

#[test]
fn a_clean_message_gets_a_header_without_retourcodes() {
    let heen = verdict(JW305);
    assert!(heen.is_valid(), "{:?}", heen.findings);
    let doc = answer(&heen);
    assert_eq!(doc.code(), "JW306");
    assert_eq!(doc.children.len(), 1, "only the Header");
    assert_eq!(text(&doc, "Header/BerichtCode").as_deref(), Some("439"));
    // Afzender and Ontvanger are taken over unchanged (IV028), as is the heen identificatie.
    for path in [
        "Header/Afzender",
        "Header/Ontvanger",
        "Header/BerichtIdentificatie/Identificatie",
        "Header/BerichtIdentificatie/Dagtekening",
    ] {
        assert_eq!(text(&doc, path), text(&heen.document, path), "{path}");
    }
    assert_eq!(
        text(&doc, "Header/IdentificatieRetour").as_deref(),
        Some("R-0001")
    );
    assert_eq!(
        text(&doc, "Header/DagtekeningRetour").as_deref(),
        Some("2026-02-10")
    );
    assert!(doc.get("Header/XsdVersieRetour/BerichtXsdVersie").is_some());
    assert!(doc.get("Header/RetourCodes").is_none());
    assert!(doc.get("Header/XsltVersie").is_none());
}

#[test]
fn an_in_message_rule_sends_back_only_the_header_with_0001_and_the_xslt_version() {
    // A prestatie in hours without its tarief breaks an in-message rule (CD087), not the XSD.
    let heen = verdict(&jw323(1, 2).replacen("<c:ProductTarief>2500</c:ProductTarief>", "", 1));
    assert!(!heen.is_valid());
    assert!(
        heen.findings.iter().all(|f| f.code != "XSD"),
        "{:?}",
        heen.findings
    );
    let doc = answer(&heen);
    assert_eq!(doc.code(), "JW325");
    assert_eq!(codes_at(&doc, "Header"), Some(vec!["0001".to_string()]));
    assert_eq!(
        text(&doc, "Header/XsltVersie").as_deref(),
        Some(sluis::retour::XSLT_VERSIE)
    );
    assert!(doc.get("DeclaratieAntwoord").is_none());

    let heen =
        verdict(&JW305.replace("<jw305:StatusAanlevering>1<", "<jw305:StatusAanlevering>2<"));
    assert!(
        heen.findings.iter().any(|f| f.code == "CS058"),
        "{:?}",
        heen.findings
    );
    let doc = answer(&heen);
    assert_eq!(codes_at(&doc, "Header"), Some(vec!["0001".to_string()]));
    assert_eq!(doc.children.len(), 1);
}

#[test]
fn no_retourbericht_for_an_xsd_invalid_message_or_for_a_retourbericht() {
    let broken = verdict(&JW305.replacen("<jw305:Afzender>", "<jw305:Afzender>X", 1));
    assert!(matches!(
        sluis::retour(&broken, &ctx()),
        Err(RetourError::StructureInvalid(_))
    ));
    let clean = answer(&verdict(JW305));
    let jw306 = verdict(&sluis::write(&clean, sluis::Format::Xml));
    assert_eq!(
        sluis::retour(&jw306, &ctx()),
        Err(RetourError::NotAHeenbericht("JW306"))
    );
}

#[test]
fn a_coded_finding_in_a_product_marks_that_product_and_passes_the_rest() {
    let v = with_findings(
        JW305,
        &[(
            "/Bericht/Client/StartProducten/StartProduct[2]/Begindatum",
            "9063",
        )],
    );
    let doc = answer(&v);
    assert_eq!(codes_at(&doc, "Header"), Some(vec!["0200".into()]));
    assert_eq!(codes_at(&doc, "Client"), Some(vec!["0200".into()]));
    assert_eq!(
        codes_at(&doc, "Client/StartProducten/StartProduct[1]"),
        Some(vec!["0200".into()])
    );
    assert_eq!(
        codes_at(&doc, "Client/StartProducten/StartProduct[2]"),
        Some(vec!["9063".into()])
    );
    // The client is sent back with all its berichtklassen, unchanged.
    let heen_client = v.document.get("Client").map(|c| c.children().len());
    let answered: usize = doc.get("Client").map_or(0, |c| {
        c.children()
            .iter()
            .filter(|e| e.name() != "RetourCodes")
            .count()
    });
    assert_eq!(heen_client, Some(answered));
}

#[test]
fn a_coded_finding_in_the_client_marks_everything_below_it_not_assessed() {
    let v = with_findings(
        JW305,
        &[
            ("/Bericht/Client/Bsn", "9019"),
            ("/Bericht/Client", "9063"),
            ("/Bericht/Client/Bsn", "9019"),
        ],
    );
    let doc = answer(&v);
    assert_eq!(
        codes_at(&doc, "Client"),
        Some(vec!["9019".into(), "9063".into()]),
        "each code once, in order"
    );
    for i in [1, 2] {
        assert_eq!(
            codes_at(&doc, &format!("Client/StartProducten/StartProduct[{i}]")),
            Some(vec!["0233".into()])
        );
    }
}

#[test]
fn a_coded_finding_in_the_header_sends_back_only_the_header() {
    let v = with_findings(
        JW305,
        &[
            ("/Bericht/Header/Afzender", "8848"),
            ("/Bericht/Client/Bsn", "9019"),
        ],
    );
    let doc = answer(&v);
    assert_eq!(codes_at(&doc, "Header"), Some(vec!["8848".into()]));
    assert_eq!(doc.children.len(), 1);
}

#[test]
fn a_clean_declaratie_is_granted_in_full() {
    let heen = verdict(&jw323(2, 2));
    assert!(heen.is_valid(), "{:?}", heen.findings);
    let doc = answer(&heen);
    assert_eq!(doc.code(), "JW325");
    assert_eq!(text(&doc, "Header/BerichtCode").as_deref(), Some("491"));
    // The 325 is the municipality's own message: sender and receiver swap, its own identificatie.
    assert_eq!(text(&doc, "Header/Afzender").as_deref(), Some("0599"));
    assert_eq!(text(&doc, "Header/Ontvanger").as_deref(), Some("12345678"));
    assert_eq!(
        text(&doc, "Header/BerichtIdentificatie/Identificatie").as_deref(),
        Some("R-0001")
    );
    assert_eq!(
        text(&doc, "Header/DeclaratieIdentificatie/Identificatie").as_deref(),
        Some("DECL-0001")
    );
    assert_eq!(codes_at(&doc, "Header"), Some(vec!["0200".into()]));
    assert_eq!(
        codes_at(&doc, "DeclaratieAntwoord"),
        Some(vec!["8001".into()])
    );
    assert_eq!(
        text(
            &doc,
            "DeclaratieAntwoord/TotaalToegekendBedrag/TotaalBedrag"
        )
        .as_deref(),
        Some("40000")
    );
    assert_eq!(
        text(
            &doc,
            "DeclaratieAntwoord/TotaalIngediendBedrag/TotaalBedrag"
        )
        .as_deref(),
        Some("40000")
    );
    assert!(
        doc.get("DeclaratieAntwoord/Clienten").is_none(),
        "granted prestaties are not sent back"
    );
}

#[test]
fn a_rejected_prestatie_comes_back_alone_and_the_rest_is_granted() {
    let v = with_findings(
        &jw323(3, 2),
        &[(
            &format!("{PRESTATIE}[2]/Prestaties/Prestatie[1]/GeleverdVolume"),
            "9321",
        )],
    );
    let doc = answer(&v);
    assert_eq!(codes_at(&doc, "Header"), Some(vec!["0200".into()]));
    assert_eq!(
        codes_at(&doc, "DeclaratieAntwoord"),
        Some(vec!["0200".into()])
    );
    assert_eq!(
        text(
            &doc,
            "DeclaratieAntwoord/TotaalToegekendBedrag/TotaalBedrag"
        )
        .as_deref(),
        Some("50000")
    );
    let clients = doc
        .get("DeclaratieAntwoord/Clienten")
        .map_or(0, |c| c.children().len());
    assert_eq!(
        clients, 1,
        "only the client with a rejected prestatie (OP065)"
    );
    assert_eq!(
        codes_at(&doc, "DeclaratieAntwoord/Clienten/Client"),
        Some(vec!["0200".into()])
    );
    let prestaties = doc
        .get("DeclaratieAntwoord/Clienten/Client/Prestaties")
        .map_or(0, |p| p.children().len());
    assert_eq!(prestaties, 1, "only the rejected prestatie");
    assert_eq!(
        codes_at(
            &doc,
            "DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie"
        ),
        Some(vec!["9321".into()])
    );
    assert_eq!(text(&doc, "DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie/ProductReferentie/ReferentieNummer").as_deref(), Some("REF-1-0"));
}

#[test]
fn a_rejected_client_comes_back_with_all_its_prestaties_not_assessed() {
    let v = with_findings(&jw323(2, 3), &[(&format!("{PRESTATIE}[1]/Bsn"), "8187")]);
    let doc = answer(&v);
    assert_eq!(
        text(
            &doc,
            "DeclaratieAntwoord/TotaalToegekendBedrag/TotaalBedrag"
        )
        .as_deref(),
        Some("30000")
    );
    assert_eq!(
        codes_at(&doc, "DeclaratieAntwoord/Clienten/Client"),
        Some(vec!["8187".into()])
    );
    for i in 1..=3 {
        assert_eq!(
            codes_at(
                &doc,
                &format!("DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie[{i}]")
            ),
            Some(vec!["0233".into()])
        );
    }
}

#[test]
fn a_rejected_declaratie_grants_nothing() {
    let v = with_findings(
        &jw323(2, 2),
        &[("/Bericht/Declaratie/DeclaratieNummer", "9333")],
    );
    let doc = answer(&v);
    assert_eq!(codes_at(&doc, "Header"), Some(vec!["0200".into()]));
    assert_eq!(
        codes_at(&doc, "DeclaratieAntwoord"),
        Some(vec!["9333".into()])
    );
    assert_eq!(
        text(
            &doc,
            "DeclaratieAntwoord/TotaalToegekendBedrag/TotaalBedrag"
        )
        .as_deref(),
        Some("0")
    );
    assert!(doc.get("DeclaratieAntwoord/Clienten").is_none());
}

#[test]
fn credit_prestaties_count_against_the_granted_total() {
    // Two debet prestaties of 100.00, one of them rejected, and the declaration total 0 after
    // a 100.00 credit line: what is granted is the sum of what is not rejected, signed.
    let xml = jw323(1, 3)
        .replacen("<b:ReferentieNummer>REF-0-2</b:ReferentieNummer>", "<b:ReferentieNummer>REF-0-2</b:ReferentieNummer><b:VorigReferentieNummer>REF-OUD</b:VorigReferentieNummer>", 1)
        .replacen("<b:Bedrag>10000</b:Bedrag><b:DebetCredit>D</b:DebetCredit></c:IngediendBedrag></c:Prestatie></c:Prestaties>", "<b:Bedrag>10000</b:Bedrag><b:DebetCredit>C</b:DebetCredit></c:IngediendBedrag></c:Prestatie></c:Prestaties>", 1)
        .replace("<b:TotaalBedrag>30000</b:TotaalBedrag>", "<b:TotaalBedrag>10000</b:TotaalBedrag>");
    let v = with_findings(
        &xml,
        &[(&format!("{PRESTATIE}[1]/Prestaties/Prestatie[1]"), "9321")],
    );
    let doc = answer(&v);
    assert_eq!(
        text(
            &doc,
            "DeclaratieAntwoord/TotaalToegekendBedrag/TotaalBedrag"
        )
        .as_deref(),
        Some("0")
    );
}

#[test]
fn the_json_form_of_a_heenbericht_gets_the_same_answer() {
    let xml = verdict(&jw323(2, 1));
    let json = sluis::write(&xml.document, sluis::Format::Json);
    let from_json = verdict(&json);
    assert_eq!(answer(&from_json), answer(&xml));
}
