//! Small builders of real messages of both standards, valid under structure and every
//! in-message rule, for the cross-message scenarios.

#![allow(dead_code)]

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Std {
    Ijw,
    Iwmo,
}

pub const BOTH: [Std; 2] = [Std::Ijw, Std::Iwmo];
pub const GEMEENTE: &str = "0599";
pub const AANBIEDER: &str = "12345678";
pub const AANBIEDER2: &str = "87654321";
/// Test BSNs (elfproef).
pub const BSN1: &str = "999990019";
pub const BSN2: &str = "999990020";
pub const BSN3: &str = "999990032";
pub const BSNS: [&str; 4] = [BSN1, BSN2, BSN3, "999990044"];
pub const DAG: &str = "2026-05-04";
pub const CODE: &str = "45A07";
/// The product code of the NieuwProduct a verzoek om wijziging carries when nothing is changed.
pub const NIEUW: &str = "45N01";

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
            _ => panic!("no message {nr}"),
        }
    }

    /// A product category of the standard (not iWmo 01, which has its own volume rule).
    pub fn cat(self) -> &'static str {
        match self {
            Std::Ijw => "31",
            Std::Iwmo => "02",
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

/// Header fields of a message.
#[derive(Debug, Clone)]
pub struct Head {
    pub id: String,
    pub dag: String,
    pub afzender: String,
    pub ontvanger: String,
}

/// The whole message around `body` (`m:` is the message namespace, `b:` the basisschema).
fn message(std: Std, nr: u16, h: &Head, body: &str) -> String {
    let (d, p) = (std.domain(), std.prefix());
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

fn opt(tag: &str, v: &Option<String>) -> String {
    v.as_ref()
        .map(|v| format!("<m:{tag}>{v}</m:{tag}>"))
        .unwrap_or_default()
}

fn product(cat: &str, code: &Option<String>) -> String {
    let code = code
        .as_ref()
        .map(|c| format!("<b:Code>{c}</b:Code>"))
        .unwrap_or_default();
    format!("<m:Product><b:Categorie>{cat}</b:Categorie>{code}</m:Product>")
}

fn omvang(o: &Option<(i64, &'static str, &'static str)>) -> String {
    o.map(|(v, e, f)| {
        format!("<m:Omvang><b:Volume>{v}</b:Volume><b:Eenheid>{e}</b:Eenheid><b:Frequentie>{f}</b:Frequentie></m:Omvang>")
    })
    .unwrap_or_default()
}

// ----- JW301 / WMO301 -----

/// One ToegewezenProduct.
#[derive(Debug, Clone)]
pub struct Tw {
    pub nummer: String,
    pub referentie: Option<String>,
    pub cat: String,
    pub code: Option<String>,
    pub datum: String,
    pub tijd: String,
    pub ingang: String,
    pub eind: Option<String>,
    pub reden: Option<String>,
    pub omvang: Option<(i64, &'static str, &'static str)>,
    pub budget: Option<i64>,
}

impl Tw {
    /// 10 hours a week from 2026-01-01 to 2026-12-31, product code 45A07.
    pub fn new(std: Std, nummer: &str) -> Tw {
        Tw {
            nummer: nummer.into(),
            referentie: None,
            cat: std.cat().into(),
            code: Some(CODE.into()),
            datum: "2025-12-15".into(),
            tijd: "09:30:00".into(),
            ingang: "2026-01-01".into(),
            eind: Some("2026-12-31".into()),
            reden: None,
            omvang: Some((10, "04", "2")),
            budget: None,
        }
    }

    pub fn omvang(mut self, volume: i64, eenheid: &'static str, freq: &'static str) -> Tw {
        self.omvang = Some((volume, eenheid, freq));
        self
    }

    pub fn budget(mut self, cents: i64) -> Tw {
        self.omvang = None;
        self.code = None;
        self.budget = Some(cents);
        self
    }

    pub fn period(mut self, ingang: &str, eind: Option<&str>) -> Tw {
        self.ingang = ingang.into();
        self.eind = eind.map(Into::into);
        self
    }

    /// A later version (toewijzingsdatum 2026-05-01).
    pub fn later(mut self, reden: &str) -> Tw {
        self.datum = "2026-05-01".into();
        self.tijd = "10:00:00".into();
        self.reden = Some(reden.into());
        self
    }

    /// Removed: RedenWijziging 13 with Einddatum = Ingangsdatum, sent later.
    pub fn removed(self) -> Tw {
        let ingang = self.ingang.clone();
        let mut t = self.later("13");
        t.eind = Some(ingang);
        t
    }

    pub fn referentie(mut self, r: &str) -> Tw {
        self.referentie = Some(r.into());
        self
    }

    fn xml(&self) -> String {
        format!(
            "<m:ToegewezenProduct><m:ToewijzingNummer>{}</m:ToewijzingNummer>{}{}<m:Toewijzingsdatum>{}</m:Toewijzingsdatum><m:Toewijzingstijd>{}</m:Toewijzingstijd><m:Ingangsdatum>{}</m:Ingangsdatum>{}{}{}{}</m:ToegewezenProduct>",
            self.nummer,
            opt("ReferentieAanbieder", &self.referentie),
            product(&self.cat, &self.code),
            self.datum,
            self.tijd,
            self.ingang,
            opt("Einddatum", &self.eind),
            opt("RedenWijziging", &self.reden),
            omvang(&self.omvang),
            opt("Budget", &self.budget.map(|b| b.to_string())),
        )
    }
}

pub fn head_from_gemeente(id: &str) -> Head {
    Head {
        id: id.into(),
        dag: DAG.into(),
        afzender: GEMEENTE.into(),
        ontvanger: AANBIEDER.into(),
    }
}

pub fn head_from_aanbieder(id: &str) -> Head {
    Head {
        id: id.into(),
        dag: DAG.into(),
        afzender: AANBIEDER.into(),
        ontvanger: GEMEENTE.into(),
    }
}

pub fn toewijzing_with(std: Std, h: &Head, bsn: &str, products: &[Tw]) -> String {
    let lines: String = products.iter().map(Tw::xml).collect();
    let body = format!(
        "<m:Client>{}<m:Contactgegevens><m:Contact><m:Soort>02</m:Soort><m:Telefoon><b:Telefoon01><b:Telefoonnummer>0381234567</b:Telefoonnummer><b:Landnummer>0031</b:Landnummer></b:Telefoon01></m:Telefoon></m:Contact></m:Contactgegevens><m:ToegewezenProducten>{lines}</m:ToegewezenProducten></m:Client>",
        person(bsn, true)
    );
    message(std, 301, h, &body)
}

pub fn toewijzing(std: Std, id: &str, bsn: &str, products: &[Tw]) -> String {
    toewijzing_with(std, &head_from_gemeente(id), bsn, products)
}

// ----- JW305 / JW307 -----

/// A StartProduct or StopProduct.
#[derive(Debug, Clone)]
pub struct Lev {
    pub nummer: String,
    pub product: Option<(String, Option<String>)>,
    pub begin: String,
    pub status: String,
    pub reden: String,
    pub eind: String,
}

impl Lev {
    /// Start (or stop) on `nummer` from 2026-01-05, status 1; a stop ends 2026-04-30 with reden 31.
    pub fn new(nummer: &str) -> Lev {
        Lev {
            nummer: nummer.into(),
            product: None,
            begin: "2026-01-05".into(),
            status: "1".into(),
            reden: "31".into(),
            eind: "2026-04-30".into(),
        }
    }

    pub fn begin(mut self, d: &str) -> Lev {
        self.begin = d.into();
        self
    }

    pub fn status(mut self, s: &str) -> Lev {
        self.status = s.into();
        self
    }

    pub fn reden(mut self, r: &str) -> Lev {
        self.reden = r.into();
        self
    }

    pub fn eind(mut self, d: &str) -> Lev {
        self.eind = d.into();
        self
    }

    pub fn product(mut self, cat: &str, code: Option<&str>) -> Lev {
        self.product = Some((cat.into(), code.map(Into::into)));
        self
    }

    fn product_xml(&self) -> String {
        self.product
            .as_ref()
            .map(|(c, code)| product(c, code))
            .unwrap_or_default()
    }

    fn start_xml(&self) -> String {
        format!(
            "<m:StartProduct><m:ToewijzingNummer>{}</m:ToewijzingNummer>{}<m:Begindatum>{}</m:Begindatum><m:StatusAanlevering>{}</m:StatusAanlevering></m:StartProduct>",
            self.nummer,
            self.product_xml(),
            self.begin,
            self.status
        )
    }

    fn stop_xml(&self) -> String {
        format!(
            "<m:StopProduct><m:ToewijzingNummer>{}</m:ToewijzingNummer>{}<m:Begindatum>{}</m:Begindatum><m:RedenBeeindiging>{}</m:RedenBeeindiging><m:Einddatum>{}</m:Einddatum><m:StatusAanlevering>{}</m:StatusAanlevering></m:StopProduct>",
            self.nummer,
            self.product_xml(),
            self.begin,
            self.reden,
            self.eind,
            self.status
        )
    }
}

pub fn start(std: Std, id: &str, bsn: &str, lines: &[Lev]) -> String {
    let lines: String = lines.iter().map(Lev::start_xml).collect();
    let body = format!(
        "<m:Client>{}<m:StartProducten>{lines}</m:StartProducten></m:Client>",
        person(bsn, false)
    );
    message(std, 305, &head_from_aanbieder(id), &body)
}

pub fn stop(std: Std, id: &str, bsn: &str, lines: &[Lev]) -> String {
    let lines: String = lines.iter().map(Lev::stop_xml).collect();
    let body = format!(
        "<m:Client>{}<m:StopProducten>{lines}</m:StopProducten></m:Client>",
        person(bsn, false)
    );
    message(std, 307, &head_from_aanbieder(id), &body)
}

// ----- JW315 / JW317 / JW319 -----

/// A verzoek om toewijzing with one AangevraagdProduct per ReferentieAanbieder.
pub fn verzoek(std: Std, id: &str, bsn: &str, referenties: &[&str]) -> String {
    // Each in its own category: requested products may not overlap (TR386).
    let cats: [&str; 3] = match std {
        Std::Ijw => ["31", "32", "33"],
        Std::Iwmo => ["02", "03", "04"],
    };
    let lines: String = referenties
        .iter()
        .zip(cats)
        .map(|(r, cat)| {
            format!(
                "<m:AangevraagdProduct><m:ReferentieAanbieder>{r}</m:ReferentieAanbieder><m:Product><b:Categorie>{cat}</b:Categorie></m:Product><m:ToewijzingIngangsdatum>2026-01-01</m:ToewijzingIngangsdatum><m:Verwijzer><b:Type>01</b:Type></m:Verwijzer></m:AangevraagdProduct>"
            )
        })
        .collect();
    let body = format!(
        "<m:Client>{}<m:AangevraagdeProducten>{lines}</m:AangevraagdeProducten></m:Client>",
        person(bsn, false)
    );
    message(std, 315, &head_from_aanbieder(id), &body)
}

/// A TeWijzigenProduct.
#[derive(Debug, Clone)]
pub struct Wijz {
    pub nummer: String,
    pub gewenst: String,
    pub eind: Option<String>,
    pub omvang: Option<(i64, &'static str, &'static str)>,
    pub budget: Option<i64>,
}

impl Wijz {
    /// From 2026-06-01 (after the Dagtekening) to 2026-12-31, 12 hours a week.
    pub fn new(nummer: &str) -> Wijz {
        Wijz {
            nummer: nummer.into(),
            gewenst: "2026-06-01".into(),
            eind: Some("2026-12-31".into()),
            omvang: Some((12, "04", "2")),
            budget: None,
        }
    }

    pub fn gewenst(mut self, d: &str) -> Wijz {
        self.gewenst = d.into();
        self
    }

    pub fn omvang(mut self, o: Option<(i64, &'static str, &'static str)>) -> Wijz {
        self.omvang = o;
        self
    }

    fn xml(&self) -> String {
        format!(
            "<m:TeWijzigenProduct><m:ToewijzingNummer>{}</m:ToewijzingNummer><m:GewensteIngangsdatum>{}</m:GewensteIngangsdatum>{}{}{}</m:TeWijzigenProduct>",
            self.nummer,
            self.gewenst,
            opt("Einddatum", &self.eind),
            omvang(&self.omvang),
            opt("Budget", &self.budget.map(|b| b.to_string()))
        )
    }
}

/// A verzoek om wijziging.
pub fn wijziging(
    std: Std,
    id: &str,
    bsn: &str,
    referentie: &str,
    ongewijzigd: &[&str],
    te_wijzigen: &[Wijz],
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
        let l: String = te_wijzigen.iter().map(Wijz::xml).collect();
        format!("<m:TeWijzigenProducten>{l}</m:TeWijzigenProducten>")
    };
    // A new product keeps TR353 satisfied when nothing is to be changed.
    let nieuw = if te_wijzigen.is_empty() {
        format!(
            "<m:NieuweProducten><m:NieuwProduct><m:Product><b:Categorie>{}</b:Categorie><b:Code>{NIEUW}</b:Code></m:Product><m:GewensteIngangsdatum>2026-06-01</m:GewensteIngangsdatum><m:Einddatum>2026-12-31</m:Einddatum><m:Omvang><b:Volume>4</b:Volume><b:Eenheid>04</b:Eenheid><b:Frequentie>2</b:Frequentie></m:Omvang></m:NieuwProduct></m:NieuweProducten>",
            std.cat()
        )
    } else {
        String::new()
    };
    let body = format!(
        "<m:Client><m:Bsn>{bsn}</m:Bsn><m:Verzoek><m:ReferentieAanbieder>{referentie}</m:ReferentieAanbieder><m:RedenVerzoek>1</m:RedenVerzoek>{ong}{tw}{nieuw}</m:Verzoek></m:Client>"
    );
    message(std, 317, &head_from_aanbieder(id), &body)
}

/// An antwoord: `1` afgewezen (reden 3, geen contract), `2` in onderzoek.
pub fn antwoord(std: Std, id: &str, referentie: &str, verzoek_antwoord: &str) -> String {
    let reden = if verzoek_antwoord == "1" {
        "<m:RedenAfwijzingVerzoek>3</m:RedenAfwijzingVerzoek>"
    } else {
        ""
    };
    let body = format!(
        "<m:Antwoord><m:ReferentieAanbieder>{referentie}</m:ReferentieAanbieder><m:VerzoekAntwoord>{verzoek_antwoord}</m:VerzoekAntwoord>{reden}</m:Antwoord>"
    );
    message(std, 319, &head_from_gemeente(id), &body)
}

// ----- JW323 -----

/// A Prestatie.
#[derive(Debug, Clone)]
pub struct Pr {
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
    pub credit: bool,
    /// IngediendBedrag other than volume × tarief.
    pub bedrag: Option<i64>,
}

impl Pr {
    /// 12 hours in April 2026 at 50 euro an hour, debet.
    pub fn new(std: Std, referentie: &str, nummer: &str) -> Pr {
        Pr {
            referentie: referentie.into(),
            vorig: None,
            nummer: nummer.into(),
            cat: std.cat().into(),
            code: Some(CODE.into()),
            begin: "2026-04-01".into(),
            eind: "2026-04-30".into(),
            volume: 12,
            eenheid: "04".into(),
            tarief: Some(5000),
            credit: false,
            bedrag: None,
        }
    }

    pub fn volume(mut self, v: i64, eenheid: &str) -> Pr {
        self.volume = v;
        self.eenheid = eenheid.into();
        if eenheid == "83" {
            self.tarief = None;
        }
        self
    }

    pub fn period(mut self, begin: &str, eind: &str) -> Pr {
        self.begin = begin.into();
        self.eind = eind.into();
        self
    }

    /// The credit of `vorig` (same content, DebetCredit C).
    pub fn credit_of(mut self, vorig: &str) -> Pr {
        self.vorig = Some(vorig.into());
        self.credit = true;
        self
    }

    pub fn code(mut self, cat: &str, code: Option<&str>) -> Pr {
        self.cat = cat.into();
        self.code = code.map(Into::into);
        self
    }

    pub fn with_bedrag(mut self, tarief: i64, bedrag: i64) -> Pr {
        self.tarief = Some(tarief);
        self.bedrag = Some(bedrag);
        self
    }

    pub fn bedrag(&self) -> i64 {
        if let Some(b) = self.bedrag {
            return b;
        }
        match self.tarief {
            Some(t) => t * self.volume,
            None => self.volume,
        }
    }

    fn xml(&self) -> String {
        format!(
            "<m:Prestatie><m:ProductReferentie><b:ReferentieNummer>{}</b:ReferentieNummer>{}</m:ProductReferentie><m:ToewijzingNummer>{}</m:ToewijzingNummer><m:ProductCategorie>{}</m:ProductCategorie>{}<m:ProductPeriode><b:Begindatum>{}</b:Begindatum><b:Einddatum>{}</b:Einddatum></m:ProductPeriode><m:GeleverdVolume>{}</m:GeleverdVolume><m:Eenheid>{}</m:Eenheid>{}<m:IngediendBedrag><b:Bedrag>{}</b:Bedrag><b:DebetCredit>{}</b:DebetCredit></m:IngediendBedrag></m:Prestatie>",
            self.referentie,
            self.vorig
                .as_ref()
                .map(|v| format!("<b:VorigReferentieNummer>{v}</b:VorigReferentieNummer>"))
                .unwrap_or_default(),
            self.nummer,
            self.cat,
            opt("ProductCode", &self.code),
            self.begin,
            self.eind,
            self.volume,
            self.eenheid,
            opt("ProductTarief", &self.tarief.map(|t| t.to_string())),
            self.bedrag(),
            if self.credit { "C" } else { "D" }
        )
    }
}

/// A declaratie over `month` (`2026-04`: April 2026), dated the 4th of the next month.
pub fn declaratie(
    std: Std,
    id: &str,
    nummer: &str,
    month: &str,
    clients: &[(&str, Vec<Pr>)],
) -> String {
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
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let dag = format!("{ny:04}-{nm:02}-04");
    let total: i64 = clients
        .iter()
        .flat_map(|(_, ps)| ps.iter())
        .map(|p| if p.credit { -p.bedrag() } else { p.bedrag() })
        .sum();
    let clients_xml: String = clients
        .iter()
        .map(|(bsn, ps)| {
            let ps: String = ps.iter().map(Pr::xml).collect();
            format!("<m:Client><m:Bsn>{bsn}</m:Bsn><m:Prestaties>{ps}</m:Prestaties></m:Client>")
        })
        .collect();
    let body = format!(
        "<m:Declaratie><m:DeclaratieNummer>{nummer}</m:DeclaratieNummer><m:DeclaratiePeriode><b:Begindatum>{month}-01</b:Begindatum><b:Einddatum>{month}-{last}</b:Einddatum></m:DeclaratiePeriode><m:DeclaratieDagtekening>{dag}</m:DeclaratieDagtekening><m:TotaalIngediendBedrag><b:TotaalBedrag>{}</b:TotaalBedrag><b:DebetCredit>{}</b:DebetCredit></m:TotaalIngediendBedrag><m:Clienten>{clients_xml}</m:Clienten></m:Declaratie>",
        total.abs(),
        if total < 0 { "C" } else { "D" }
    );
    let h = Head {
        id: id.into(),
        dag,
        afzender: AANBIEDER.into(),
        ontvanger: GEMEENTE.into(),
    };
    message(std, 323, &h, &body)
}
