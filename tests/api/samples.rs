//! Shared test messages: our own data, small enough to read in a test.
#![allow(dead_code)]

/// A valid JW305 (start zorg) with two products, written with unusual prefixes on purpose.
pub const JW305: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<s:Bericht xmlns:s="http://www.istandaarden.nl/ijw/3_2/jw305/schema" xmlns:b="http://www.istandaarden.nl/ijw/3_2/basisschema/schema">
  <s:Header>
    <s:BerichtCode>438</s:BerichtCode>
    <s:BerichtVersie>3</s:BerichtVersie>
    <s:BerichtSubversie>2</s:BerichtSubversie>
    <s:Afzender>12345678</s:Afzender>
    <s:Ontvanger>0599</s:Ontvanger>
    <s:BerichtIdentificatie>
      <b:Identificatie>START-0001</b:Identificatie>
      <b:Dagtekening>2026-03-10</b:Dagtekening>
    </s:BerichtIdentificatie>
    <s:XsdVersie>
      <b:BasisschemaXsdVersie>1.0.0</b:BasisschemaXsdVersie>
      <b:BerichtXsdVersie>1.0.0</b:BerichtXsdVersie>
    </s:XsdVersie>
  </s:Header>
  <s:Client>
    <s:Bsn>999990019</s:Bsn>
    <s:Geboortedatum>
      <b:Datum>2014-06-30</b:Datum>
    </s:Geboortedatum>
    <s:Geslacht>2</s:Geslacht>
    <s:Naam>
      <b:Geslachtsnaam>
        <b:Achternaam>Jansen &amp; Zn</b:Achternaam>
      </b:Geslachtsnaam>
      <b:Voorletters>AB</b:Voorletters>
    </s:Naam>
    <s:StartProducten>
      <s:StartProduct>
        <s:ToewijzingNummer>7001</s:ToewijzingNummer>
        <s:Product>
          <b:Categorie>45</b:Categorie>
          <b:Code>45A07</b:Code>
        </s:Product>
        <s:ToewijzingIngangsdatum>2026-03-01</s:ToewijzingIngangsdatum>
        <s:Begindatum>2026-03-02</s:Begindatum>
        <s:StatusAanlevering>1</s:StatusAanlevering>
      </s:StartProduct>
      <s:StartProduct>
        <s:ToewijzingNummer>7002</s:ToewijzingNummer>
        <s:ToewijzingIngangsdatum>2026-03-01</s:ToewijzingIngangsdatum>
        <s:Begindatum>2026-03-09</s:Begindatum>
        <s:StatusAanlevering>1</s:StatusAanlevering>
      </s:StartProduct>
    </s:StartProducten>
  </s:Client>
</s:Bericht>
"#;

/// JW305 with `from` replaced by `to` (exactly once: the test is wrong otherwise).
pub fn jw305_with(from: &str, to: &str) -> String {
    assert_eq!(
        JW305.matches(from).count(),
        1,
        "mutation target {from:?} must occur once"
    );
    JW305.replacen(from, to, 1)
}

pub fn parse(s: &str) -> sluis::Parsed {
    sluis::parse(s.as_bytes(), &sluis::Limits::default()).expect("readable message")
}

/// The paths of all findings.
pub fn paths(p: &sluis::Parsed) -> Vec<String> {
    p.structured
        .findings
        .iter()
        .map(|f| f.path.clone())
        .collect()
}
