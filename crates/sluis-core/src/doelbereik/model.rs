//! The three Sluis messages of doelbereik as Rust types: [`Behandelplan`], [`Resultaatmelding`]
//! and [`Beoordeling`]. JSON field names are Dutch, snake_case; dates `JJJJ-MM-DD`, BSNs nine
//! digits, amounts in euro cents. Their JSON Schemas are in `schemas/sluis/`; [`super::read`]
//! checks a body against its schema before these types are built from it.

use crate::standard::types::{Bsn, Datum};
use crate::validate::history::Domein;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Which of the three messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Behandelplan,
    Resultaatmelding,
    Beoordeling,
}

impl Kind {
    pub const ALL: [Kind; 3] = [
        Kind::Behandelplan,
        Kind::Resultaatmelding,
        Kind::Beoordeling,
    ];

    /// The name as used in paths and file names: `behandelplan` …
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Behandelplan => "behandelplan",
            Kind::Resultaatmelding => "resultaatmelding",
            Kind::Beoordeling => "beoordeling",
        }
    }
}

/// `domein` in JSON: `"ijw"` or `"iwmo"`, as [`Domein::as_str`] writes it.
pub mod domein_serde {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Domein, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(d.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Domein, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        match s.as_ref() {
            "ijw" => Ok(Domein::Ijw),
            "iwmo" => Ok(Domein::Iwmo),
            _ => Err(serde::de::Error::custom("domein is ijw of iwmo")),
        }
    }
}

/// The id of a goal within a plan: 1–20 letters, digits, `-`, `_` or `.`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DoelId(String);

impl DoelId {
    pub fn parse(s: &str) -> Option<DoelId> {
        let ok = (1..=20).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        ok.then(|| DoelId(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DoelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for DoelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DoelId({})", self.0)
    }
}

impl Serialize for DoelId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DoelId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        DoelId::parse(&s).ok_or_else(|| serde::de::Error::custom("geen geldig doel-id"))
    }
}

/// One goal of a behandelplan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Doel {
    pub id: DoelId,
    pub omschrijving: String,
    /// The life domain the goal concerns (free text in this version, e.g. `opvoeding`,
    /// `onderwijs`, `geestelijke_gezondheid`).
    pub levensdomein: String,
    /// How progress is measured (instrument, observation …).
    pub meting: String,
    pub streefdatum: Datum,
}

/// A planned activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Activiteit {
    pub omschrijving: String,
    /// How often, in words (`wekelijks`, `2 keer per maand` …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequentie: Option<String>,
    /// The goals it serves.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub doelen: Vec<DoelId>,
}

/// A behandelplan: posted by the aanbieder for one or more toewijzingen of one client. A plan is
/// identified by (domein, aanbieder, `plan_id`); a higher `versie` supersedes the earlier ones,
/// which are all kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Behandelplan {
    #[serde(with = "domein_serde")]
    pub domein: Domein,
    /// CBS gemeentecode of the gemeente that assigned the care.
    pub gemeente: String,
    /// AGB-code of the aanbieder posting (and carrying out) the plan.
    pub aanbieder: String,
    /// AGB-code of the hoofdaannemer when the aanbieder is a sub-contractor: the toewijzingen are
    /// then the hoofdaannemer's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hoofdaannemer: Option<String>,
    pub bsn: Bsn,
    /// The aanbieder's own id of the plan; stays the same over its versions.
    pub plan_id: String,
    /// 1, 2, …: higher than every earlier version of this plan.
    pub versie: u32,
    /// The date of this version.
    pub datum: Datum,
    /// The toewijzingen (ToewijzingNummer) the plan covers.
    pub toewijzingnummers: Vec<String>,
    pub doelen: Vec<Doel>,
    #[serde(default)]
    pub activiteiten: Vec<Activiteit>,
}

impl Behandelplan {
    pub fn doel(&self, id: &DoelId) -> Option<&Doel> {
        self.doelen.iter().find(|d| &d.id == id)
    }

    /// The aanbieder whose toewijzingen the plan covers: the hoofdaannemer when given.
    pub fn toewijzing_aanbieder(&self) -> &str {
        self.hoofdaannemer.as_deref().unwrap_or(&self.aanbieder)
    }
}

/// The outcome of one goal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Uitkomst {
    Behaald,
    DeelsBehaald,
    NietBehaald,
}

/// The client's satisfaction, where asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tevredenheid {
    Tevreden,
    Neutraal,
    Ontevreden,
}

/// The outcome of one goal of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoelResultaat {
    pub id: DoelId,
    pub uitkomst: Uitkomst,
    /// A short explanation.
    pub toelichting: String,
}

/// A resultaatmelding: posted by the aanbieder when the trajectory on one toewijzing ends (with
/// or after its JW307/WMO307).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resultaatmelding {
    #[serde(with = "domein_serde")]
    pub domein: Domein,
    pub gemeente: String,
    pub aanbieder: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hoofdaannemer: Option<String>,
    pub bsn: Bsn,
    /// The toewijzing whose trajectory ended.
    pub toewijzingnummer: String,
    /// The plan (its `plan_id`) whose goals are reported; its current version counts.
    pub plan_id: String,
    /// The date the trajectory ended (the Einddatum of the stop).
    pub einddatum: Datum,
    /// The date of the melding.
    pub datum: Datum,
    pub doelen: Vec<DoelResultaat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tevredenheid: Option<Tevredenheid>,
    /// The version of the plan the result belongs to: the one current when the melding was
    /// accepted, set by Sluis ([`super::plans::stamp`]), never by the sender (the JSON Schema has
    /// no such field). A later version of the plan does not change it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_versie: Option<u32>,
}

impl Resultaatmelding {
    /// Reached by the aanbieder's own account: every goal `behaald`.
    pub fn alle_doelen_behaald(&self) -> bool {
        !self.doelen.is_empty() && self.doelen.iter().all(|d| d.uitkomst == Uitkomst::Behaald)
    }

    pub fn toewijzing_aanbieder(&self) -> &str {
        self.hoofdaannemer.as_deref().unwrap_or(&self.aanbieder)
    }
}

/// The gebiedsteam's view of a resultaatmelding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Oordeel {
    Eens,
    Oneens,
}

/// A beoordeling: the gebiedsteam's judgement of the resultaatmelding on one toewijzing. It
/// prevails over the melding; a higher `versie` supersedes an earlier beoordeling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Beoordeling {
    #[serde(with = "domein_serde")]
    pub domein: Domein,
    pub gemeente: String,
    /// The gebiedsteam (its id within the gemeente).
    pub team: String,
    /// The aanbieder of the resultaatmelding judged.
    pub aanbieder: String,
    pub bsn: Bsn,
    pub toewijzingnummer: String,
    /// 1, 2, …: higher than every earlier beoordeling of this toewijzing.
    pub versie: u32,
    pub datum: Datum,
    pub oordeel: Oordeel,
    /// Required with `oneens`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reden: Option<String>,
    /// Whether the team holds the result reached.
    pub resultaat_bereikt: bool,
}

/// One message of doelbereik, read and checked against its schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bericht {
    Behandelplan(Behandelplan),
    Resultaatmelding(Resultaatmelding),
    Beoordeling(Beoordeling),
}

impl Bericht {
    pub fn kind(&self) -> Kind {
        match self {
            Bericht::Behandelplan(_) => Kind::Behandelplan,
            Bericht::Resultaatmelding(_) => Kind::Resultaatmelding,
            Bericht::Beoordeling(_) => Kind::Beoordeling,
        }
    }

    pub fn domein(&self) -> Domein {
        match self {
            Bericht::Behandelplan(m) => m.domein,
            Bericht::Resultaatmelding(m) => m.domein,
            Bericht::Beoordeling(m) => m.domein,
        }
    }
}

/// The elfproef of a BSN (9·d1 + 8·d2 + … + 2·d8 − d9 a multiple of 11).
pub fn elfproef(bsn: &Bsn) -> bool {
    let d = bsn.digits();
    let mut sum: i32 = 0;
    for (i, &digit) in d.iter().enumerate().take(8) {
        sum += (9 - i as i32) * i32::from(digit);
    }
    sum -= i32::from(d[8]);
    sum % 11 == 0
}
