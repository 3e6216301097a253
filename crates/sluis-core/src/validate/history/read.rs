//! Typed views of the parts of a message the cross-message rules and the effects look at.
//! Built from a document that passed its structure check; a value that is absent or invalid
//! makes the view `None`, so nothing is judged or stored on unreadable input.

use super::state::{Domein, Omvang, Parties, Periode, Product};
use crate::standard::types::{Bsn, Datum, Tijd};
use crate::standard::{Document, Element, Value};
use crate::validate::rules::{date, date2, int, value};

/// The header facts every rule needs.
#[derive(Debug, Clone)]
pub struct Header {
    /// `JW301`, `WMO323` …
    pub berichtsoort: &'static str,
    pub domein: Domein,
    /// The message number: 301, 305 …
    pub nummer: u16,
    pub afzender: String,
    pub ontvanger: String,
    pub identificatie: String,
    pub dagtekening: Option<Datum>,
    /// Gemeente and aanbieder, whichever of them sent the message.
    pub parties: Parties,
}

impl Header {
    pub fn of(doc: &Document) -> Option<Header> {
        let code = doc.code();
        let domein = Domein::of_code(code)?;
        let nummer: u16 = code
            .trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .parse()
            .ok()?;
        let afzender = doc.text("Header/Afzender")?.into_owned();
        let ontvanger = doc.text("Header/Ontvanger")?.into_owned();
        let identificatie = doc
            .text("Header/BerichtIdentificatie/Identificatie")?
            .into_owned();
        let dagtekening = doc
            .get("Header/BerichtIdentificatie/Dagtekening")
            .and_then(crate::validate::rules::date_of);
        // 301, 302, 319, 320 and 325 go from the gemeente to the aanbieder; the rest the other way.
        let from_gemeente = matches!(nummer, 301 | 302 | 319 | 320 | 325);
        let (gemeente, aanbieder) = if from_gemeente {
            (afzender.clone(), ontvanger.clone())
        } else {
            (ontvanger.clone(), afzender.clone())
        };
        Some(Header {
            berichtsoort: code,
            domein,
            nummer,
            afzender,
            ontvanger,
            identificatie,
            dagtekening,
            parties: Parties {
                domein,
                gemeente,
                aanbieder,
            },
        })
    }
}

pub fn bsn(e: &Element) -> Option<Bsn> {
    Bsn::parse(&owned(e, "Bsn")?)
}

/// The valid value of child `name` in its lexical form, whatever its type: codes and numbers
/// (`ToewijzingNummer` is an integer in the XSD) are compared as written.
pub fn owned(e: &Element, name: &str) -> Option<String> {
    Some(value(e.child(name)?)?.lexical().into_owned())
}

pub fn time(e: &Element, name: &str) -> Option<Tijd> {
    match value(e.child(name)?)? {
        Value::Time(t) => Some(*t),
        _ => None,
    }
}

/// `Product` (Categorie, Code) of a product line; empty when absent.
pub fn product(e: &Element) -> Product {
    match e.child("Product") {
        Some(p) => Product {
            categorie: owned(p, "Categorie"),
            code: owned(p, "Code"),
        },
        None => Product::default(),
    }
}

pub fn omvang(e: &Element) -> Option<Omvang> {
    let o = e.child("Omvang")?;
    Some(Omvang {
        volume: int(o, "Volume")?,
        eenheid: owned(o, "Eenheid")?,
        frequentie: owned(o, "Frequentie")?,
    })
}

pub fn periode(e: &Element, name: &str) -> Option<Periode> {
    Some(Periode {
        begin: date2(e, name, "Begindatum")?,
        eind: date2(e, name, "Einddatum")?,
    })
}

/// A StartProduct (305) or StopProduct (307) line.
#[derive(Debug, Clone)]
pub struct Levering {
    pub toewijzingnummer: String,
    pub product: Product,
    pub toewijzing_ingangsdatum: Option<Datum>,
    pub begindatum: Datum,
    pub status: String,
    /// Stops only.
    pub reden: Option<String>,
    pub einddatum: Option<Datum>,
}

impl Levering {
    pub fn of(e: &Element) -> Option<Levering> {
        Some(Levering {
            toewijzingnummer: owned(e, "ToewijzingNummer")?,
            product: product(e),
            toewijzing_ingangsdatum: date(e, "ToewijzingIngangsdatum"),
            begindatum: date(e, "Begindatum")?,
            status: owned(e, "StatusAanlevering")?,
            reden: owned(e, "RedenBeeindiging"),
            einddatum: date(e, "Einddatum"),
        })
    }

    /// Same start (TR063, TR069, TR074 for 305): ToewijzingNummer, Product, Begindatum.
    pub fn same_start(&self, nummer: &str, product: &Product, begindatum: Datum) -> bool {
        self.toewijzingnummer == nummer && &self.product == product && self.begindatum == begindatum
    }
}

/// A Prestatie of a declaratie (323).
#[derive(Debug, Clone)]
pub struct Prestatie {
    pub referentienummer: String,
    pub vorig: Option<String>,
    pub toewijzingnummer: String,
    pub categorie: Option<String>,
    pub code: Option<String>,
    pub periode: Periode,
    pub volume: i64,
    pub eenheid: String,
    pub tarief: Option<i64>,
    pub bedrag: i64,
    pub credit: bool,
}

impl Prestatie {
    pub fn of(e: &Element) -> Option<Prestatie> {
        let referentie = e.child("ProductReferentie")?;
        Some(Prestatie {
            referentienummer: owned(referentie, "ReferentieNummer")?,
            vorig: owned(referentie, "VorigReferentieNummer"),
            toewijzingnummer: owned(e, "ToewijzingNummer")?,
            categorie: owned(e, "ProductCategorie"),
            code: owned(e, "ProductCode"),
            periode: periode(e, "ProductPeriode")?,
            volume: int(e, "GeleverdVolume")?,
            eenheid: owned(e, "Eenheid")?,
            tarief: int(e, "ProductTarief"),
            bedrag: int(e.child("IngediendBedrag")?, "Bedrag")?,
            credit: match owned(e.child("IngediendBedrag")?, "DebetCredit")?.as_str() {
                "C" => true,
                "D" => false,
                _ => return None,
            },
        })
    }
}
