//! Builders of consistent messages for whole trajectories of one gemeente (0599), one aanbieder
//! (12345678, with its contracts in `config/sluis.toml`) and a few clients, in either standard:
//! verzoek om toewijzing (315), toewijzing (301), start (305), stop (307) and declaratie (323).
//! Every message is valid under structure and the in-message rules on its own (`valid` asserts
//! it), and its dates are fixed: all in 2025, so no Dagtekening is ever in the future.

#![allow(dead_code)]

use std::cell::Cell;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Std {
    Ijw,
    Iwmo,
}

pub const BOTH: [Std; 2] = [Std::Ijw, Std::Iwmo];
pub const GEMEENTE: &str = "0599";
pub const AANBIEDER: &str = "12345678";

/// The contract of aanbieder 12345678 for product 45A07 (both standards): 2500 cents an hour.
pub const CODE: &str = "45A07";
pub const TARIEF: i64 = 2500;
/// A product code in no contract (TR381, S329).
pub const UNKNOWN_CODE: &str = "45Z99";

/// The dates of a trajectory. The verzoek is dated `DAG_VERZOEK`; the gemeente answers with a
/// toewijzing dated `TOEWIJZINGSDATUM` for the first half of 2025; care starts on `BEGIN` and
/// stops on `EIND_ZORG`. A declaratie over a month is dated the 4th of the next month.
pub const DAG_VERZOEK: &str = "2024-12-02";
pub const TOEWIJZINGSDATUM: &str = "2024-12-16";
pub const INGANG: &str = "2025-01-01";
pub const EINDE: &str = "2025-06-30";
pub const DAG_START: &str = "2025-01-10";
pub const BEGIN: &str = "2025-01-06";
pub const DAG_STOP: &str = "2025-05-02";
pub const EIND_ZORG: &str = "2025-04-30";
/// RedenBeeindiging (JZ588 / WMO588): 31, "beëindigd volgens plan".
pub const REDEN: &str = "31";
/// Omvang of every toewijzing: 10 hours a week.
pub const UREN_PER_WEEK: i64 = 10;

/// A client with one toewijzing, asked for with its own ReferentieAanbieder.
#[derive(Debug, Clone, Copy)]
pub struct Client {
    pub bsn: &'static str,
    pub nummer: &'static str,
    pub referentie: &'static str,
}

/// BSNs pass the elfproef.
pub const CLIENT1: Client = Client {
    bsn: "999990019",
    nummer: "7001",
    referentie: "VOT-1",
};
pub const CLIENT2: Client = Client {
    bsn: "999990020",
    nummer: "7002",
    referentie: "VOT-2",
};

impl Std {
    pub fn code(self, nr: u16) -> String {
        match self {
            Std::Ijw => format!("JW{nr}"),
            Std::Iwmo => format!("WMO{nr}"),
        }
    }

    fn berichtcode(self, nr: u16) -> &'static str {
        match (self, nr) {
            (Std::Ijw, 301) => "436",
            (Std::Ijw, 305) => "438",
            (Std::Ijw, 307) => "440",
            (Std::Ijw, 315) => "446",
            (Std::Ijw, 323) => "490",
            (Std::Iwmo, 301) => "414",
            (Std::Iwmo, 305) => "418",
            (Std::Iwmo, 307) => "420",
            (Std::Iwmo, 315) => "444",
            (Std::Iwmo, 323) => "484",
            _ => panic!("no builder for message {nr}"),
        }
    }

    /// The category the demo contracts have product 45A07 in.
    pub fn cat(self) -> &'static str {
        match self {
            Std::Ijw => "31",
            Std::Iwmo => "01",
        }
    }

    fn domain(self) -> &'static str {
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

/// Unique identificaties: a prefix and a running number (at most 12 characters).
#[derive(Debug, Default)]
pub struct Ids(Cell<u32>);

impl Ids {
    pub fn next(&self, prefix: &str) -> String {
        let n = self.0.get() + 1;
        self.0.set(n);
        format!("{prefix}-{n:04}")
    }
}

/// Assert that a built message is valid on its own (structure and in-message rules).
pub fn valid(xml: String) -> String {
    let v = sluis::validate(xml.as_bytes(), &sluis::Limits::default()).expect("readable");
    assert!(
        v.findings.is_empty(),
        "built message not valid on its own: {:#?}\n{xml}",
        v.findings
    );
    xml
}

/// The whole message around `body` (`m:` is the message namespace, `b:` the basisschema).
fn message(std: Std, nr: u16, id: &str, dag: &str, body: &str) -> String {
    let (d, p) = (std.domain(), std.prefix());
    let (af, on) = if nr == 301 {
        (GEMEENTE, AANBIEDER)
    } else {
        (AANBIEDER, GEMEENTE)
    };
    valid(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<m:Bericht xmlns:m="http://www.istandaarden.nl/{d}/3_2/{p}{nr}/schema" xmlns:b="http://www.istandaarden.nl/{d}/3_2/basisschema/schema">
<m:Header><m:BerichtCode>{bc}</m:BerichtCode><m:BerichtVersie>3</m:BerichtVersie><m:BerichtSubversie>2</m:BerichtSubversie><m:Afzender>{af}</m:Afzender><m:Ontvanger>{on}</m:Ontvanger><m:BerichtIdentificatie><b:Identificatie>{id}</b:Identificatie><b:Dagtekening>{dag}</b:Dagtekening></m:BerichtIdentificatie><m:XsdVersie><b:BasisschemaXsdVersie>1.0.0</b:BasisschemaXsdVersie><b:BerichtXsdVersie>1.0.0</b:BerichtXsdVersie></m:XsdVersie></m:Header>
{body}
</m:Bericht>"#,
        bc = std.berichtcode(nr),
    ))
}

fn person(bsn: &str, naamgebruik: bool) -> String {
    let ng = if naamgebruik {
        "<b:NaamGebruik>1</b:NaamGebruik>"
    } else {
        ""
    };
    format!(
        "<m:Bsn>{bsn}</m:Bsn><m:Geboortedatum><b:Datum>2012-09-01</b:Datum></m:Geboortedatum><m:Geslacht>0</m:Geslacht><m:Naam><b:Geslachtsnaam><b:Achternaam>Visser</b:Achternaam></b:Geslachtsnaam>{ng}</m:Naam>"
    )
}

// ----- 315: verzoek om toewijzing -----

/// A verzoek om toewijzing of the client's product category, ReferentieAanbieder = its referentie.
pub fn verzoek(std: Std, id: &str, c: Client) -> String {
    let body = format!(
        "<m:Client>{}<m:AangevraagdeProducten><m:AangevraagdProduct><m:ReferentieAanbieder>{}</m:ReferentieAanbieder><m:Product><b:Categorie>{}</b:Categorie></m:Product><m:ToewijzingIngangsdatum>{INGANG}</m:ToewijzingIngangsdatum><m:Verwijzer><b:Type>01</b:Type></m:Verwijzer></m:AangevraagdProduct></m:AangevraagdeProducten></m:Client>",
        person(c.bsn, false),
        c.referentie,
        std.cat()
    );
    message(std, 315, id, DAG_VERZOEK, &body)
}

// ----- 301: toewijzing -----

/// A ToegewezenProduct.
#[derive(Debug, Clone)]
pub struct Tw {
    pub code: String,
    pub ingang: String,
    pub eind: String,
    pub volume: i64,
    /// Frequentie of the Omvang: 2 per week, 6 in total over the toewijzing's period.
    pub frequentie: &'static str,
    /// Toewijzingsdatum (also the message's Dagtekening) and -tijd of this version.
    pub datum: String,
    pub tijd: String,
    pub reden: Option<String>,
}

impl Default for Tw {
    /// 45A07, 10 hours a week, for the first half of 2025.
    fn default() -> Tw {
        Tw {
            code: CODE.into(),
            ingang: INGANG.into(),
            eind: EINDE.into(),
            volume: UREN_PER_WEEK,
            frequentie: "2",
            datum: TOEWIJZINGSDATUM.into(),
            tijd: "09:30:00".into(),
            reden: None,
        }
    }
}

impl Tw {
    pub fn code(mut self, code: &str) -> Tw {
        self.code = code.into();
        self
    }

    pub fn volume(mut self, v: i64) -> Tw {
        self.volume = v;
        self
    }

    /// A later version of the toewijzing, made on `datum` with RedenWijziging `reden`.
    pub fn versie(mut self, datum: &str, reden: &str) -> Tw {
        self.datum = datum.into();
        self.tijd = "10:00:00".into();
        self.reden = Some(reden.into());
        self
    }

    pub fn eind(mut self, d: &str) -> Tw {
        self.eind = d.into();
        self
    }

    /// Removed (RedenWijziging 13, Einddatum = Ingangsdatum), made on `datum`.
    pub fn removed(self, datum: &str) -> Tw {
        let ingang = self.ingang.clone();
        self.versie(datum, "13").eind(&ingang)
    }

    /// `hours` in total over the whole period (Frequentie 6).
    pub fn totaal(mut self, hours: i64) -> Tw {
        self.volume = hours;
        self.frequentie = "6";
        self
    }
}

/// The toewijzing of the client's number, honouring its verzoek (ReferentieAanbieder).
pub fn toewijzing(std: Std, id: &str, c: Client, t: &Tw) -> String {
    let body = format!(
        "<m:Client>{}<m:Contactgegevens><m:Contact><m:Soort>01</m:Soort><m:Adres><b:Huis><b:Huisnummer>1</b:Huisnummer></b:Huis><b:Postcode>9999ZZ</b:Postcode><b:Straatnaam>Dorpsstraat</b:Straatnaam><b:Plaatsnaam>Sluisdam</b:Plaatsnaam><b:LandCode>NL</b:LandCode></m:Adres><m:Telefoon><b:Telefoon01><b:Telefoonnummer>0381234567</b:Telefoonnummer><b:Landnummer>0031</b:Landnummer></b:Telefoon01></m:Telefoon></m:Contact></m:Contactgegevens><m:ToegewezenProducten><m:ToegewezenProduct><m:ToewijzingNummer>{}</m:ToewijzingNummer><m:ReferentieAanbieder>{}</m:ReferentieAanbieder><m:Product><b:Categorie>{}</b:Categorie><b:Code>{}</b:Code></m:Product><m:Toewijzingsdatum>{}</m:Toewijzingsdatum><m:Toewijzingstijd>{}</m:Toewijzingstijd><m:Ingangsdatum>{}</m:Ingangsdatum><m:Einddatum>{}</m:Einddatum>{}<m:Omvang><b:Volume>{}</b:Volume><b:Eenheid>04</b:Eenheid><b:Frequentie>{}</b:Frequentie></m:Omvang></m:ToegewezenProduct></m:ToegewezenProducten></m:Client>",
        person(c.bsn, true),
        c.nummer,
        c.referentie,
        std.cat(),
        t.code,
        t.datum,
        t.tijd,
        t.ingang,
        t.eind,
        t.reden
            .as_ref()
            .map(|r| format!("<m:RedenWijziging>{r}</m:RedenWijziging>"))
            .unwrap_or_default(),
        t.volume,
        t.frequentie,
    );
    message(std, 301, id, &t.datum, &body)
}

// ----- 305 / 307: start and stop -----

/// A start of the client's toewijzing on `begin` (StatusAanlevering 1).
pub fn start(std: Std, id: &str, c: Client, begin: &str) -> String {
    start_with(std, id, c, begin, "1")
}

/// A start line with StatusAanlevering `status` (3: remove the start with this key).
pub fn start_with(std: Std, id: &str, c: Client, begin: &str, status: &str) -> String {
    let body = format!(
        "<m:Client>{}<m:StartProducten><m:StartProduct><m:ToewijzingNummer>{}</m:ToewijzingNummer><m:Product><b:Categorie>{}</b:Categorie><b:Code>{CODE}</b:Code></m:Product><m:ToewijzingIngangsdatum>{INGANG}</m:ToewijzingIngangsdatum><m:Begindatum>{begin}</m:Begindatum><m:StatusAanlevering>{status}</m:StatusAanlevering></m:StartProduct></m:StartProducten></m:Client>",
        person(c.bsn, false),
        c.nummer,
        std.cat()
    );
    message(std, 305, id, DAG_START, &body)
}

/// A stop of the start of `begin` on `EIND_ZORG`, reden 31 (StatusAanlevering 1).
pub fn stop(std: Std, id: &str, c: Client, begin: &str) -> String {
    stop_with(std, id, c, begin, "1")
}

/// A stop line with StatusAanlevering `status` (3: remove the stop with this key).
pub fn stop_with(std: Std, id: &str, c: Client, begin: &str, status: &str) -> String {
    let body = format!(
        "<m:Client>{}<m:StopProducten><m:StopProduct><m:ToewijzingNummer>{}</m:ToewijzingNummer><m:Product><b:Categorie>{}</b:Categorie><b:Code>{CODE}</b:Code></m:Product><m:ToewijzingIngangsdatum>{INGANG}</m:ToewijzingIngangsdatum><m:Begindatum>{begin}</m:Begindatum><m:RedenBeeindiging>{REDEN}</m:RedenBeeindiging><m:Einddatum>{EIND_ZORG}</m:Einddatum><m:StatusAanlevering>{status}</m:StatusAanlevering></m:StopProduct></m:StopProducten></m:Client>",
        person(c.bsn, false),
        c.nummer,
        std.cat()
    );
    message(std, 307, id, DAG_STOP, &body)
}

// ----- 323: declaratie -----

/// The first and last day of a month `JJJJ-MM`.
pub fn month_bounds(month: &str) -> (String, String) {
    let (y, m): (i32, u32) = (
        month[..4].parse().expect("year"),
        month[5..7].parse().expect("month"),
    );
    let last = match m {
        2 if y % 4 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (format!("{month}-01"), format!("{month}-{last}"))
}

/// A Prestatie on a client's toewijzing: `volume` hours of 45A07 in a whole month.
#[derive(Debug, Clone)]
pub struct Pr {
    pub referentie: String,
    pub vorig: Option<String>,
    pub nummer: String,
    pub month: String,
    pub volume: i64,
    pub tarief: i64,
    pub credit: bool,
    pub code: String,
}

impl Pr {
    /// 12 hours at the contract tariff, debet.
    pub fn new(referentie: &str, c: Client, month: &str) -> Pr {
        Pr {
            referentie: referentie.into(),
            vorig: None,
            nummer: c.nummer.into(),
            month: month.into(),
            volume: 12,
            tarief: TARIEF,
            credit: false,
            code: CODE.into(),
        }
    }

    pub fn volume(mut self, v: i64) -> Pr {
        self.volume = v;
        self
    }

    pub fn tarief(mut self, t: i64) -> Pr {
        self.tarief = t;
        self
    }

    pub fn code(mut self, code: &str) -> Pr {
        self.code = code.into();
        self
    }

    /// The credit of the debet `vorig` (same content, DebetCredit C).
    pub fn credit_of(mut self, vorig: &str) -> Pr {
        self.vorig = Some(vorig.into());
        self.credit = true;
        self
    }

    pub fn bedrag(&self) -> i64 {
        self.volume * self.tarief
    }

    /// The signed amount (credit negative).
    pub fn signed(&self) -> i64 {
        if self.credit {
            -self.bedrag()
        } else {
            self.bedrag()
        }
    }

    fn xml(&self, std: Std) -> String {
        let (begin, eind) = month_bounds(&self.month);
        format!(
            "<m:Prestatie><m:ProductReferentie><b:ReferentieNummer>{}</b:ReferentieNummer>{}</m:ProductReferentie><m:ToewijzingNummer>{}</m:ToewijzingNummer><m:ProductCategorie>{}</m:ProductCategorie><m:ProductCode>{}</m:ProductCode><m:ProductPeriode><b:Begindatum>{begin}</b:Begindatum><b:Einddatum>{eind}</b:Einddatum></m:ProductPeriode><m:GeleverdVolume>{}</m:GeleverdVolume><m:Eenheid>04</m:Eenheid><m:ProductTarief>{}</m:ProductTarief><m:IngediendBedrag><b:Bedrag>{}</b:Bedrag><b:DebetCredit>{}</b:DebetCredit></m:IngediendBedrag></m:Prestatie>",
            self.referentie,
            self.vorig
                .as_ref()
                .map(|v| format!("<b:VorigReferentieNummer>{v}</b:VorigReferentieNummer>"))
                .unwrap_or_default(),
            self.nummer,
            std.cat(),
            self.code,
            self.volume,
            self.tarief,
            self.bedrag(),
            if self.credit { "C" } else { "D" }
        )
    }
}

/// The signed total of prestaties.
pub fn total(ps: &[&Pr]) -> i64 {
    ps.iter().map(|p| p.signed()).sum()
}

/// A declaratie over `month` (`2025-04`), dated the 4th of the next month, with the prestaties
/// per client and a TotaalIngediendBedrag that adds them up.
pub fn declaratie(
    std: Std,
    id: &str,
    nummer: &str,
    month: &str,
    clients: &[(Client, Vec<Pr>)],
) -> String {
    let (begin, eind) = month_bounds(month);
    let (y, m): (i32, u32) = (
        month[..4].parse().expect("year"),
        month[5..7].parse().expect("month"),
    );
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let dag = format!("{ny:04}-{nm:02}-04");
    let sum = total(&clients.iter().flat_map(|(_, ps)| ps).collect::<Vec<_>>());
    let clients_xml: String = clients
        .iter()
        .map(|(c, ps)| {
            let ps: String = ps.iter().map(|p| p.xml(std)).collect();
            format!(
                "<m:Client><m:Bsn>{}</m:Bsn><m:Prestaties>{ps}</m:Prestaties></m:Client>",
                c.bsn
            )
        })
        .collect();
    let body = format!(
        "<m:Declaratie><m:DeclaratieNummer>{nummer}</m:DeclaratieNummer><m:DeclaratiePeriode><b:Begindatum>{begin}</b:Begindatum><b:Einddatum>{eind}</b:Einddatum></m:DeclaratiePeriode><m:DeclaratieDagtekening>{dag}</m:DeclaratieDagtekening><m:TotaalIngediendBedrag><b:TotaalBedrag>{}</b:TotaalBedrag><b:DebetCredit>{}</b:DebetCredit></m:TotaalIngediendBedrag><m:Clienten>{clients_xml}</m:Clienten></m:Declaratie>",
        sum.abs(),
        if sum < 0 { "C" } else { "D" }
    );
    message(std, 323, id, &dag, &body)
}
