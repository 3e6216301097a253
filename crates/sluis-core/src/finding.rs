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
