//! What every judgement produces: a [`Finding`], one thing wrong with a message. Low in the
//! house so that every reader and checker (the codec's JSON Schema check, the structure, the
//! rules, doelbereik) can make one; [`crate::validate`] hands it on under its own name.

use serde::Serialize;

/// The code of a finding that comes from the XSD (structure, types, code lists in the XSD).
pub const XSD: &str = "XSD";

/// One thing wrong with a message: which rule, where, and what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `XSD`, or the rule's official code (`TR101`, `CS003` …).
    pub code: &'static str,
    /// The retourcode (code list WJ001) the finding maps to, where the standard gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retourcode: Option<&'static str>,
    /// Where, as element path: `/Bericht/Client/ToegewezenProducten/ToegewezenProduct[2]/Einddatum`.
    pub path: String,
    /// What is wrong, in plain words, with what was found (never a BSN).
    pub message: String,
}

impl Finding {
    pub fn xsd(path: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            code: XSD,
            retourcode: None,
            path: path.into(),
            message: message.into(),
        }
    }
}

/// The retourcodes Sluis itself needs by name (WJ001). Rule-specific codes (`9056`, `8214` …)
/// stay with their rule in the registries.
pub struct Retourcode;

impl Retourcode {
    /// The message was rejected on its form or its in-message rules (levels 1–2).
    pub const TECHNISCH_AFGEKEURD: &'static str = "0001";
    /// No remark on this berichtklasse.
    pub const GEEN_OPMERKING: &'static str = "0200";
    /// Not assessed: a berichtklasse above it was rejected.
    pub const NIET_BEOORDEELD: &'static str = "0233";
    /// The declaratie was granted in full.
    pub const VOLLEDIG_TOEGEWEZEN: &'static str = "8001";
    /// TR056: the sender used this identificatie before, for another message.
    pub const IDENTIFICATIE_GEBRUIKT: &'static str = "9056";
}

impl Finding {
    /// A finding of levels 1–2 (XSD, or an in-message rule): the standard counts the message
    /// as never sent, it is answered with `0001` on the header and changes nothing.
    pub fn is_technisch(&self) -> bool {
        self.code == XSD
            || self
                .retourcode
                .is_none_or(|c| c == Retourcode::TECHNISCH_AFGEKEURD)
    }
}
