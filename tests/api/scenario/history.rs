//! The cross-message scenarios' messages, valid under structure and every in-message rule: their
//! defaults (parties, clients, dates) over the one builder of the test kit
//! (`sluis_testkit::bericht`).

#![allow(dead_code)]

use sluis_testkit::bericht::{self as kit, Omvang, Person, Product};
pub use sluis_testkit::bericht::{Head, Std, BOTH};

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

/// The product category of the history scenarios per standard (not iWmo 01, which has its own
/// volume rule).
pub trait Cat {
    fn cat(self) -> &'static str;
}

impl Cat for Std {
    fn cat(self) -> &'static str {
        match self {
            Std::Ijw => "31",
            Std::Iwmo => "02",
        }
    }
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

    fn kit(&self) -> kit::Toegewezen {
        kit::Toegewezen {
            nummer: self.nummer.clone(),
            referentie: self.referentie.clone(),
            product: Product {
                cat: self.cat.clone(),
                code: self.code.clone(),
            },
            datum: self.datum.clone(),
            tijd: self.tijd.clone(),
            ingang: self.ingang.clone(),
            eind: self.eind.clone(),
            reden: self.reden.clone(),
            omvang: omvang(&self.omvang),
            budget: self.budget,
        }
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
    let products: Vec<kit::Toegewezen> = products.iter().map(Tw::kit).collect();
    kit::toewijzing(
        std,
        h,
        &Person::new(bsn).naamgebruik(true),
        &kit::Contact::Telefoon,
        &products,
    )
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

    fn kit(&self) -> kit::Levering {
        kit::Levering {
            nummer: self.nummer.clone(),
            product: self
                .product
                .as_ref()
                .map(|(cat, code)| Product::new(cat, code.as_deref())),
            toewijzing_ingang: None,
            begin: self.begin.clone(),
            status: self.status.clone(),
            reden: self.reden.clone(),
            eind: self.eind.clone(),
        }
    }
}

pub fn start(std: Std, id: &str, bsn: &str, lines: &[Lev]) -> String {
    let lines: Vec<kit::Levering> = lines.iter().map(Lev::kit).collect();
    kit::start(std, &head_from_aanbieder(id), &Person::new(bsn), &lines)
}

pub fn stop(std: Std, id: &str, bsn: &str, lines: &[Lev]) -> String {
    let lines: Vec<kit::Levering> = lines.iter().map(Lev::kit).collect();
    kit::stop(std, &head_from_aanbieder(id), &Person::new(bsn), &lines)
}

// ----- JW315 / JW317 / JW319 -----

/// A verzoek om toewijzing with one AangevraagdProduct per ReferentieAanbieder.
pub fn verzoek(std: Std, id: &str, bsn: &str, referenties: &[&str]) -> String {
    // Each in its own category: requested products may not overlap (TR386).
    let cats: [&str; 3] = match std {
        Std::Ijw => ["31", "32", "33"],
        Std::Iwmo => ["02", "03", "04"],
    };
    let lines: Vec<kit::Aangevraagd> = referenties
        .iter()
        .zip(cats)
        .map(|(r, cat)| kit::Aangevraagd {
            referentie: r.to_string(),
            cat: cat.into(),
            ingang: "2026-01-01".into(),
        })
        .collect();
    kit::verzoek(std, &head_from_aanbieder(id), &Person::new(bsn), &lines)
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

    fn kit(&self) -> kit::TeWijzigen {
        kit::TeWijzigen {
            nummer: self.nummer.clone(),
            gewenst: self.gewenst.clone(),
            eind: self.eind.clone(),
            omvang: omvang(&self.omvang),
            budget: self.budget,
        }
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
    // A new product keeps TR353 satisfied when nothing is to be changed.
    let nieuw = if te_wijzigen.is_empty() {
        vec![kit::Nieuw {
            product: Product::new(std.cat(), Some(NIEUW)),
            gewenst: "2026-06-01".into(),
            eind: "2026-12-31".into(),
            omvang: Omvang::new(4, "04", "2"),
        }]
    } else {
        Vec::new()
    };
    let te_wijzigen: Vec<kit::TeWijzigen> = te_wijzigen.iter().map(Wijz::kit).collect();
    kit::wijziging(
        std,
        &head_from_aanbieder(id),
        bsn,
        referentie,
        ongewijzigd,
        &te_wijzigen,
        &nieuw,
    )
}

/// An antwoord: `1` afgewezen (reden 3, geen contract), `2` in onderzoek.
pub fn antwoord(std: Std, id: &str, referentie: &str, verzoek_antwoord: &str) -> String {
    kit::antwoord(std, &head_from_gemeente(id), referentie, verzoek_antwoord)
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

    fn kit(&self) -> kit::Prestatie {
        kit::Prestatie {
            referentie: self.referentie.clone(),
            vorig: self.vorig.clone(),
            nummer: self.nummer.clone(),
            cat: self.cat.clone(),
            code: self.code.clone(),
            begin: self.begin.clone(),
            eind: self.eind.clone(),
            volume: self.volume,
            eenheid: self.eenheid.clone(),
            tarief: self.tarief,
            bedrag: self.bedrag(),
            credit: self.credit,
        }
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
    let (begin, eind, dag) = kit::month(month).expect("a month JJJJ-MM");
    let clients: Vec<(&str, Vec<kit::Prestatie>)> = clients
        .iter()
        .map(|(bsn, ps)| (*bsn, ps.iter().map(Pr::kit).collect()))
        .collect();
    let h = Head::new(id, &dag, AANBIEDER, GEMEENTE);
    kit::declaratie(std, &h, nummer, (&begin, &eind), &clients)
}

fn omvang(o: &Option<(i64, &'static str, &'static str)>) -> Option<Omvang> {
    o.map(|(v, e, f)| Omvang::new(v, e, f))
}
