//! The one builder of real messages of both standards (iJw 3.2 and iWmo 3.2): the envelope with
//! its header, the client, and the lines of toewijzing (301), start (305), stop (307), verzoek
//! om toewijzing (315), verzoek om wijziging (317), antwoord (319) and declaratie (323).
//!
//! Every part is plain data with public fields; the scenario defaults (dates, clients, product
//! codes) belong to the caller: the tests' scenario modules and the demo generator fill them
//! in. `m:` is the message namespace, `b:` the basisschema. Pure: strings in, a string out.

use std::fmt::Write as _;

/// The standard a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Std {
    Ijw,
    Iwmo,
}

pub const BOTH: [Std; 2] = [Std::Ijw, Std::Iwmo];

impl Std {
    /// The message code: `JW301`, `WMO301` …
    pub fn code(self, nr: u16) -> String {
        match self {
            Std::Ijw => format!("JW{nr}"),
            Std::Iwmo => format!("WMO{nr}"),
        }
    }

    /// The BerichtCode of the header.
    pub fn berichtcode(self, nr: u16) -> &'static str {
        match (self, nr) {
            (Std::Ijw, 301) => "436",
            (Std::Ijw, 305) => "438",
            (Std::Ijw, 307) => "440",
            (Std::Ijw, 315) => "446",
            (Std::Ijw, 317) => "486",
            (Std::Ijw, 319) => "488",
            (Std::Ijw, 323) => "490",
            (Std::Iwmo, 301) => "414",
            (Std::Iwmo, 305) => "418",
            (Std::Iwmo, 307) => "420",
            (Std::Iwmo, 315) => "444",
            (Std::Iwmo, 317) => "480",
            (Std::Iwmo, 319) => "482",
            (Std::Iwmo, 323) => "484",
            _ => panic!("no builder for message {nr}"),
        }
    }

    /// `ijw` or `iwmo`, as in the namespaces and the JSON of doelbereik.
    pub fn name(self) -> &'static str {
        match self {
            Std::Ijw => "ijw",
            Std::Iwmo => "iwmo",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Std::Ijw => "jw",
            Std::Iwmo => "wmo",
        }
    }
}

/// Header fields of a message.
#[derive(Debug, Clone)]
pub struct Head {
    pub id: String,
    pub dag: String,
    pub afzender: String,
    pub ontvanger: String,
}

impl Head {
    pub fn new(id: &str, dag: &str, afzender: &str, ontvanger: &str) -> Head {
        Head {
            id: id.into(),
            dag: dag.into(),
            afzender: afzender.into(),
            ontvanger: ontvanger.into(),
        }
    }
}

/// The whole message `nr` around `body`.
pub fn bericht(std: Std, nr: u16, h: &Head, body: &str) -> String {
    let (d, p) = (std.name(), std.prefix());
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<m:Bericht xmlns:m="http://www.istandaarden.nl/{d}/3_2/{p}{nr}/schema" xmlns:b="http://www.istandaarden.nl/{d}/3_2/basisschema/schema">
<m:Header><m:BerichtCode>{bc}</m:BerichtCode><m:BerichtVersie>3</m:BerichtVersie><m:BerichtSubversie>2</m:BerichtSubversie><m:Afzender>{af}</m:Afzender><m:Ontvanger>{on}</m:Ontvanger><m:BerichtIdentificatie><b:Identificatie>{id}</b:Identificatie><b:Dagtekening>{dag}</b:Dagtekening></m:BerichtIdentificatie><m:XsdVersie><b:BasisschemaXsdVersie>1.0.0</b:BasisschemaXsdVersie><b:BerichtXsdVersie>1.0.0</b:BerichtXsdVersie></m:XsdVersie></m:Header>
{body}
</m:Bericht>"#,
        bc = std.berichtcode(nr),
        af = h.afzender,
        on = h.ontvanger,
        id = h.id,
        dag = h.dag,
    )
}

/// `<m:tag>v</m:tag>`, or nothing.
fn opt(tag: &str, v: Option<&str>) -> String {
    v.map(|v| format!("<m:{tag}>{v}</m:{tag}>"))
        .unwrap_or_default()
}

/// The client's person: Bsn, Geboortedatum, Geslacht, Naam.
#[derive(Debug, Clone)]
pub struct Person {
    pub bsn: String,
    pub geboren: String,
    pub geslacht: String,
    pub achternaam: String,
    /// NaamGebruik 1 (the 301 carries it).
    pub naamgebruik: bool,
}

impl Person {
    /// Visser, born 2012-09-01, Geslacht 0.
    pub fn new(bsn: &str) -> Person {
        Person {
            bsn: bsn.into(),
            geboren: "2012-09-01".into(),
            geslacht: "0".into(),
            achternaam: "Visser".into(),
            naamgebruik: false,
        }
    }

    pub fn naamgebruik(mut self, yes: bool) -> Person {
        self.naamgebruik = yes;
        self
    }

    pub fn xml(&self) -> String {
        let ng = if self.naamgebruik {
            "<b:NaamGebruik>1</b:NaamGebruik>"
        } else {
            ""
        };
        format!(
            "<m:Bsn>{}</m:Bsn><m:Geboortedatum><b:Datum>{}</b:Datum></m:Geboortedatum><m:Geslacht>{}</m:Geslacht><m:Naam><b:Geslachtsnaam><b:Achternaam>{}</b:Achternaam></b:Geslachtsnaam>{ng}</m:Naam>",
            self.bsn, self.geboren, self.geslacht, self.achternaam
        )
    }
}

/// Contactgegevens of a toewijzing (Soort 01).
#[derive(Debug, Clone)]
pub enum Contact {
    /// A telephone number (0381234567), with a placeholder address (postcode 9999ZZ).
    Telefoon,
    Adres {
        huisnummer: u32,
        postcode: String,
        straat: String,
        plaats: String,
    },
}

impl Contact {
    fn xml(&self) -> String {
        let inner = match self {
            // A BRP contact (Soort 01) needs an address (CD034): a placeholder one, outside every
            // gebiedsteam's postcode area, beside the telephone number.
            Contact::Telefoon => "<m:Adres><b:Huis><b:Huisnummer>1</b:Huisnummer></b:Huis><b:Postcode>9999ZZ</b:Postcode><b:Straatnaam>Dorpsstraat</b:Straatnaam><b:Plaatsnaam>Sluisdam</b:Plaatsnaam><b:LandCode>NL</b:LandCode></m:Adres><m:Telefoon><b:Telefoon01><b:Telefoonnummer>0381234567</b:Telefoonnummer><b:Landnummer>0031</b:Landnummer></b:Telefoon01></m:Telefoon>".to_string(),
            Contact::Adres { huisnummer, postcode, straat, plaats } => format!(
                "<m:Adres><b:Huis><b:Huisnummer>{huisnummer}</b:Huisnummer></b:Huis><b:Postcode>{postcode}</b:Postcode><b:Straatnaam>{straat}</b:Straatnaam><b:Plaatsnaam>{plaats}</b:Plaatsnaam><b:LandCode>NL</b:LandCode></m:Adres>"
            ),
        };
        format!("<m:Contactgegevens><m:Contact><m:Soort>01</m:Soort>{inner}</m:Contact></m:Contactgegevens>")
    }
}

/// A Product: category and (optional) code.
#[derive(Debug, Clone)]
pub struct Product {
    pub cat: String,
    pub code: Option<String>,
}

impl Product {
    pub fn new(cat: &str, code: Option<&str>) -> Product {
        Product {
            cat: cat.into(),
            code: code.map(Into::into),
        }
    }

    fn xml(&self) -> String {
        format!(
            "<m:Product><b:Categorie>{}</b:Categorie>{}</m:Product>",
            self.cat,
            self.code
                .as_ref()
                .map(|c| format!("<b:Code>{c}</b:Code>"))
                .unwrap_or_default()
        )
    }
}

/// An Omvang: volume, eenheid, frequentie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Omvang {
    pub volume: i64,
    pub eenheid: String,
    pub frequentie: String,
}

impl Omvang {
    pub fn new(volume: i64, eenheid: &str, frequentie: &str) -> Omvang {
        Omvang {
            volume,
            eenheid: eenheid.into(),
            frequentie: frequentie.into(),
        }
    }

    fn xml(&self) -> String {
        format!(
            "<m:Omvang><b:Volume>{}</b:Volume><b:Eenheid>{}</b:Eenheid><b:Frequentie>{}</b:Frequentie></m:Omvang>",
            self.volume, self.eenheid, self.frequentie
        )
    }
}

// ----- 301: toewijzing -----

/// A ToegewezenProduct.
#[derive(Debug, Clone)]
pub struct Toegewezen {
    pub nummer: String,
    pub referentie: Option<String>,
    pub product: Product,
    /// Toewijzingsdatum and -tijd of this version.
    pub datum: String,
    pub tijd: String,
    pub ingang: String,
    pub eind: Option<String>,
    pub reden: Option<String>,
    pub omvang: Option<Omvang>,
    pub budget: Option<i64>,
}

impl Toegewezen {
    pub fn xml(&self) -> String {
        format!(
            "<m:ToegewezenProduct><m:ToewijzingNummer>{}</m:ToewijzingNummer>{}{}<m:Toewijzingsdatum>{}</m:Toewijzingsdatum><m:Toewijzingstijd>{}</m:Toewijzingstijd><m:Ingangsdatum>{}</m:Ingangsdatum>{}{}{}{}</m:ToegewezenProduct>",
            self.nummer,
            opt("ReferentieAanbieder", self.referentie.as_deref()),
            self.product.xml(),
            self.datum,
            self.tijd,
            self.ingang,
            opt("Einddatum", self.eind.as_deref()),
            opt("RedenWijziging", self.reden.as_deref()),
            self.omvang.as_ref().map(Omvang::xml).unwrap_or_default(),
            opt("Budget", self.budget.map(|b| b.to_string()).as_deref()),
        )
    }
}

/// A toewijzing (301) of `products` to the client.
pub fn toewijzing(
    std: Std,
    h: &Head,
    client: &Person,
    contact: &Contact,
    products: &[Toegewezen],
) -> String {
    let lines: String = products.iter().map(Toegewezen::xml).collect();
    let body = format!(
        "<m:Client>{}{}<m:ToegewezenProducten>{lines}</m:ToegewezenProducten></m:Client>",
        client.xml(),
        contact.xml()
    );
    bericht(std, 301, h, &body)
}

// ----- 305 / 307: start and stop -----

/// A StartProduct or StopProduct.
#[derive(Debug, Clone)]
pub struct Levering {
    pub nummer: String,
    pub product: Option<Product>,
    /// ToewijzingIngangsdatum (optional in the standard).
    pub toewijzing_ingang: Option<String>,
    pub begin: String,
    pub status: String,
    /// RedenBeeindiging and Einddatum of a stop.
    pub reden: String,
    pub eind: String,
}

impl Levering {
    fn head(&self) -> String {
        format!(
            "<m:ToewijzingNummer>{}</m:ToewijzingNummer>{}{}<m:Begindatum>{}</m:Begindatum>",
            self.nummer,
            self.product.as_ref().map(Product::xml).unwrap_or_default(),
            opt("ToewijzingIngangsdatum", self.toewijzing_ingang.as_deref()),
            self.begin
        )
    }

    pub fn start_xml(&self) -> String {
        format!(
            "<m:StartProduct>{}<m:StatusAanlevering>{}</m:StatusAanlevering></m:StartProduct>",
            self.head(),
            self.status
        )
    }

    pub fn stop_xml(&self) -> String {
        format!(
            "<m:StopProduct>{}<m:RedenBeeindiging>{}</m:RedenBeeindiging><m:Einddatum>{}</m:Einddatum><m:StatusAanlevering>{}</m:StatusAanlevering></m:StopProduct>",
            self.head(),
            self.reden,
            self.eind,
            self.status
        )
    }
}

/// A start (305) of `lines`.
pub fn start(std: Std, h: &Head, client: &Person, lines: &[Levering]) -> String {
    let lines: String = lines.iter().map(Levering::start_xml).collect();
    let body = format!(
        "<m:Client>{}<m:StartProducten>{lines}</m:StartProducten></m:Client>",
        client.xml()
    );
    bericht(std, 305, h, &body)
}

/// A stop (307) of `lines`.
pub fn stop(std: Std, h: &Head, client: &Person, lines: &[Levering]) -> String {
    let lines: String = lines.iter().map(Levering::stop_xml).collect();
    let body = format!(
        "<m:Client>{}<m:StopProducten>{lines}</m:StopProducten></m:Client>",
        client.xml()
    );
    bericht(std, 307, h, &body)
}

// ----- 315 / 317 / 319: verzoeken and antwoord -----

/// An AangevraagdProduct: ReferentieAanbieder, category, ToewijzingIngangsdatum.
#[derive(Debug, Clone)]
pub struct Aangevraagd {
    pub referentie: String,
    pub cat: String,
    pub ingang: String,
}

/// A verzoek om toewijzing (315), verwijzer type 01.
pub fn verzoek(std: Std, h: &Head, client: &Person, lines: &[Aangevraagd]) -> String {
    let lines: String = lines
        .iter()
        .map(|a| {
            format!(
                "<m:AangevraagdProduct><m:ReferentieAanbieder>{}</m:ReferentieAanbieder><m:Product><b:Categorie>{}</b:Categorie></m:Product><m:ToewijzingIngangsdatum>{}</m:ToewijzingIngangsdatum><m:Verwijzer><b:Type>01</b:Type></m:Verwijzer></m:AangevraagdProduct>",
                a.referentie, a.cat, a.ingang
            )
        })
        .collect();
    let body = format!(
        "<m:Client>{}<m:AangevraagdeProducten>{lines}</m:AangevraagdeProducten></m:Client>",
        client.xml()
    );
    bericht(std, 315, h, &body)
}

/// A TeWijzigenProduct.
#[derive(Debug, Clone)]
pub struct TeWijzigen {
    pub nummer: String,
    pub gewenst: String,
    pub eind: Option<String>,
    pub omvang: Option<Omvang>,
    pub budget: Option<i64>,
}

impl TeWijzigen {
    fn xml(&self) -> String {
        format!(
            "<m:TeWijzigenProduct><m:ToewijzingNummer>{}</m:ToewijzingNummer><m:GewensteIngangsdatum>{}</m:GewensteIngangsdatum>{}{}{}</m:TeWijzigenProduct>",
            self.nummer,
            self.gewenst,
            opt("Einddatum", self.eind.as_deref()),
            self.omvang.as_ref().map(Omvang::xml).unwrap_or_default(),
            opt("Budget", self.budget.map(|b| b.to_string()).as_deref())
        )
    }
}

/// A NieuwProduct of a verzoek om wijziging.
#[derive(Debug, Clone)]
pub struct Nieuw {
    pub product: Product,
    pub gewenst: String,
    pub eind: String,
    pub omvang: Omvang,
}

/// A verzoek om wijziging (317), RedenVerzoek 1.
pub fn wijziging(
    std: Std,
    h: &Head,
    bsn: &str,
    referentie: &str,
    ongewijzigd: &[&str],
    te_wijzigen: &[TeWijzigen],
    nieuw: &[Nieuw],
) -> String {
    let ong = if ongewijzigd.is_empty() {
        String::new()
    } else {
        let l: String = ongewijzigd
            .iter()
            .map(|n| format!("<m:OngewijzigdProduct><m:ToewijzingNummer>{n}</m:ToewijzingNummer></m:OngewijzigdProduct>"))
            .collect();
        format!("<m:OngewijzigdeProducten>{l}</m:OngewijzigdeProducten>")
    };
    let tw = if te_wijzigen.is_empty() {
        String::new()
    } else {
        let l: String = te_wijzigen.iter().map(TeWijzigen::xml).collect();
        format!("<m:TeWijzigenProducten>{l}</m:TeWijzigenProducten>")
    };
    let nieuw = if nieuw.is_empty() {
        String::new()
    } else {
        let l: String = nieuw
            .iter()
            .map(|n| {
                format!(
                    "<m:NieuwProduct>{}<m:GewensteIngangsdatum>{}</m:GewensteIngangsdatum><m:Einddatum>{}</m:Einddatum>{}</m:NieuwProduct>",
                    n.product.xml(),
                    n.gewenst,
                    n.eind,
                    n.omvang.xml()
                )
            })
            .collect();
        format!("<m:NieuweProducten>{l}</m:NieuweProducten>")
    };
    let body = format!(
        "<m:Client><m:Bsn>{bsn}</m:Bsn><m:Verzoek><m:ReferentieAanbieder>{referentie}</m:ReferentieAanbieder><m:RedenVerzoek>1</m:RedenVerzoek>{ong}{tw}{nieuw}</m:Verzoek></m:Client>"
    );
    bericht(std, 317, h, &body)
}

/// An antwoord (319): `1` afgewezen (reden 3, geen contract), `2` in onderzoek.
pub fn antwoord(std: Std, h: &Head, referentie: &str, verzoek_antwoord: &str) -> String {
    let reden = (verzoek_antwoord == "1").then_some("3");
    afwijzing(std, h, referentie, verzoek_antwoord, reden, None)
}

/// An antwoord (319) with any RedenAfwijzingVerzoek; reden 8 (woonplaatsbeginsel, iJw) names
/// the responsible gemeente in `woonplaats`.
pub fn afwijzing(
    std: Std,
    h: &Head,
    referentie: &str,
    verzoek_antwoord: &str,
    reden: Option<&str>,
    woonplaats: Option<&str>,
) -> String {
    let reden = opt("RedenAfwijzingVerzoek", reden);
    let woonplaats = woonplaats
        .map(|g| {
            format!("<m:Woonplaatsbeginsel><m:Gemeente>{g}</m:Gemeente></m:Woonplaatsbeginsel>")
        })
        .unwrap_or_default();
    let body = format!(
        "<m:Antwoord><m:ReferentieAanbieder>{referentie}</m:ReferentieAanbieder><m:VerzoekAntwoord>{verzoek_antwoord}</m:VerzoekAntwoord>{reden}{woonplaats}</m:Antwoord>"
    );
    bericht(std, 319, h, &body)
}

// ----- 323: declaratie -----

/// A Prestatie.
#[derive(Debug, Clone)]
pub struct Prestatie {
    pub referentie: String,
    pub vorig: Option<String>,
    pub nummer: String,
    pub cat: String,
    pub code: Option<String>,
    pub begin: String,
    pub eind: String,
    pub volume: i64,
    pub eenheid: String,
    pub tarief: Option<i64>,
    /// IngediendBedrag (unsigned) and DebetCredit.
    pub bedrag: i64,
    pub credit: bool,
}

impl Prestatie {
    /// The amount with its sign (credit negative).
    pub fn signed(&self) -> i64 {
        if self.credit {
            -self.bedrag
        } else {
            self.bedrag
        }
    }

    pub fn xml(&self) -> String {
        format!(
            "<m:Prestatie><m:ProductReferentie><b:ReferentieNummer>{}</b:ReferentieNummer>{}</m:ProductReferentie><m:ToewijzingNummer>{}</m:ToewijzingNummer><m:ProductCategorie>{}</m:ProductCategorie>{}<m:ProductPeriode><b:Begindatum>{}</b:Begindatum><b:Einddatum>{}</b:Einddatum></m:ProductPeriode><m:GeleverdVolume>{}</m:GeleverdVolume><m:Eenheid>{}</m:Eenheid>{}<m:IngediendBedrag><b:Bedrag>{}</b:Bedrag><b:DebetCredit>{}</b:DebetCredit></m:IngediendBedrag></m:Prestatie>",
            self.referentie,
            self.vorig
                .as_ref()
                .map(|v| format!("<b:VorigReferentieNummer>{v}</b:VorigReferentieNummer>"))
                .unwrap_or_default(),
            self.nummer,
            self.cat,
            opt("ProductCode", self.code.as_deref()),
            self.begin,
            self.eind,
            self.volume,
            self.eenheid,
            opt("ProductTarief", self.tarief.map(|t| t.to_string()).as_deref()),
            self.bedrag,
            if self.credit { "C" } else { "D" }
        )
    }
}

/// A declaratie (323) `nummer` over `begin`..=`eind`, dated `h.dag`, with the prestaties per
/// client (in the order given) and a TotaalIngediendBedrag that adds them up.
pub fn declaratie(
    std: Std,
    h: &Head,
    nummer: &str,
    (begin, eind): (&str, &str),
    clients: &[(&str, Vec<Prestatie>)],
) -> String {
    let total: i64 = clients
        .iter()
        .flat_map(|(_, ps)| ps)
        .map(Prestatie::signed)
        .sum();
    let mut clients_xml = String::new();
    for (bsn, ps) in clients {
        let ps: String = ps.iter().map(Prestatie::xml).collect();
        let _ = write!(
            clients_xml,
            "<m:Client><m:Bsn>{bsn}</m:Bsn><m:Prestaties>{ps}</m:Prestaties></m:Client>"
        );
    }
    let body = format!(
        "<m:Declaratie><m:DeclaratieNummer>{nummer}</m:DeclaratieNummer><m:DeclaratiePeriode><b:Begindatum>{begin}</b:Begindatum><b:Einddatum>{eind}</b:Einddatum></m:DeclaratiePeriode><m:DeclaratieDagtekening>{}</m:DeclaratieDagtekening><m:TotaalIngediendBedrag><b:TotaalBedrag>{}</b:TotaalBedrag><b:DebetCredit>{}</b:DebetCredit></m:TotaalIngediendBedrag><m:Clienten>{clients_xml}</m:Clienten></m:Declaratie>",
        h.dag,
        total.abs(),
        if total < 0 { "C" } else { "D" }
    );
    bericht(std, 323, h, &body)
}

/// The first and last day of a month `JJJJ-MM`, and the 4th of the next month (the
/// Dagtekening a declaratie over it gets in the scenarios). `None` for no such month.
pub fn month(month: &str) -> Option<(String, String, String)> {
    let y: i32 = month.get(..4)?.parse().ok()?;
    let m: u32 = month.get(5..7)?.parse().ok()?;
    let last = match m {
        2 if y % 4 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    Some((
        format!("{month}-01"),
        format!("{month}-{last}"),
        format!("{ny:04}-{nm:02}-04"),
    ))
}
