//! Builders of consistent messages for whole trajectories of one gemeente (0599), one aanbieder
//! (12345678, with its contracts in `config/sluis.toml`) and a few clients, in either standard:
//! verzoek om toewijzing (315), toewijzing (301), start (305), stop (307) and declaratie (323).
//! Every message is valid under structure and the in-message rules on its own (`valid` asserts
//! it), and its dates are fixed: all in 2025, so no Dagtekening is ever in the future.

//!
//! The defaults of these scenarios over the one builder of the test kit (`sluis_testkit::bericht`).

#![allow(dead_code)]

use sluis_testkit::bericht::{self as kit, Head, Levering, Omvang, Person, Product};
pub use sluis_testkit::bericht::{Std, BOTH};
use std::cell::Cell;
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

/// The category the demo contracts have product 45A07 in.
pub trait Cat {
    fn cat(self) -> &'static str;
}

impl Cat for Std {
    fn cat(self) -> &'static str {
        match self {
            Std::Ijw => "31",
            Std::Iwmo => "01",
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
fn message(nr: u16, id: &str, dag: &str, build: impl FnOnce(&Head) -> String) -> String {
    let h = if nr == 301 {
        Head::new(id, dag, GEMEENTE, AANBIEDER)
    } else {
        Head::new(id, dag, AANBIEDER, GEMEENTE)
    };
    valid(build(&h))
}

// ----- 315: verzoek om toewijzing -----

/// A verzoek om toewijzing of the client's product category, ReferentieAanbieder = its referentie.
pub fn verzoek(std: Std, id: &str, c: Client) -> String {
    let line = kit::Aangevraagd {
        referentie: c.referentie.into(),
        cat: std.cat().into(),
        ingang: INGANG.into(),
    };
    message(315, id, DAG_VERZOEK, |h| {
        kit::verzoek(std, h, &Person::new(c.bsn), &[line])
    })
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
    let line = kit::Toegewezen {
        nummer: c.nummer.into(),
        referentie: Some(c.referentie.into()),
        product: Product::new(std.cat(), Some(&t.code)),
        datum: t.datum.clone(),
        tijd: t.tijd.clone(),
        ingang: t.ingang.clone(),
        eind: Some(t.eind.clone()),
        reden: t.reden.clone(),
        omvang: Some(Omvang::new(t.volume, "04", t.frequentie)),
        budget: None,
    };
    message(301, id, &t.datum, |h| {
        kit::toewijzing(
            std,
            h,
            &Person::new(c.bsn).naamgebruik(true),
            &kit::Contact::Telefoon,
            &[line],
        )
    })
}

// ----- 305 / 307: start and stop -----

/// A start of the client's toewijzing on `begin` (StatusAanlevering 1).
pub fn start(std: Std, id: &str, c: Client, begin: &str) -> String {
    start_with(std, id, c, begin, "1")
}

/// A start line with StatusAanlevering `status` (3: remove the start with this key).
pub fn start_with(std: Std, id: &str, c: Client, begin: &str, status: &str) -> String {
    let line = levering(std, c, begin, status);
    message(305, id, DAG_START, |h| {
        kit::start(std, h, &Person::new(c.bsn), &[line])
    })
}

/// The start or stop line of the client's toewijzing of 45A07 (a stop ends on `EIND_ZORG`).
fn levering(std: Std, c: Client, begin: &str, status: &str) -> Levering {
    Levering {
        nummer: c.nummer.into(),
        product: Some(Product::new(std.cat(), Some(CODE))),
        toewijzing_ingang: Some(INGANG.into()),
        begin: begin.into(),
        status: status.into(),
        reden: REDEN.into(),
        eind: EIND_ZORG.into(),
    }
}

/// A stop of the start of `begin` on `EIND_ZORG`, reden 31 (StatusAanlevering 1).
pub fn stop(std: Std, id: &str, c: Client, begin: &str) -> String {
    stop_with(std, id, c, begin, "1")
}

/// A stop line with StatusAanlevering `status` (3: remove the stop with this key).
pub fn stop_with(std: Std, id: &str, c: Client, begin: &str, status: &str) -> String {
    let line = levering(std, c, begin, status);
    message(307, id, DAG_STOP, |h| {
        kit::stop(std, h, &Person::new(c.bsn), &[line])
    })
}

// ----- 323: declaratie -----

/// The first and last day of a month `JJJJ-MM`.
pub fn month_bounds(month: &str) -> (String, String) {
    let (begin, eind, _) = kit::month(month).expect("a month JJJJ-MM");
    (begin, eind)
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

    fn kit(&self, std: Std) -> kit::Prestatie {
        let (begin, eind) = month_bounds(&self.month);
        kit::Prestatie {
            referentie: self.referentie.clone(),
            vorig: self.vorig.clone(),
            nummer: self.nummer.clone(),
            cat: std.cat().into(),
            code: Some(self.code.clone()),
            begin,
            eind,
            volume: self.volume,
            eenheid: "04".into(),
            tarief: Some(self.tarief),
            bedrag: self.bedrag(),
            credit: self.credit,
        }
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
    let (begin, eind, dag) = kit::month(month).expect("a month JJJJ-MM");
    let clients: Vec<(&str, Vec<kit::Prestatie>)> = clients
        .iter()
        .map(|(c, ps)| (c.bsn, ps.iter().map(|p| p.kit(std)).collect()))
        .collect();
    message(323, id, &dag, |h| {
        kit::declaratie(std, h, nummer, (&begin, &eind), &clients)
    })
}
