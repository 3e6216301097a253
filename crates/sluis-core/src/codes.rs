//! The standard's codes as types: which message a message is ([`Berichtsoort`]) and the named
//! retourcodes of code list WJ001 ([`Retourcode`]). Rules and the gateway ask these, instead of
//! comparing strings (`ends_with("323")`, `== "0001"`) in many places.

use crate::validate::history::Domein;
use std::fmt;

/// One message of the standards: its domain and its number (`JW323` is iJw 323).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Berichtsoort {
    pub domein: Domein,
    pub nummer: u16,
}

impl Berichtsoort {
    /// `JW301`, `WMO323` …; `None` for anything else.
    pub fn parse(code: &str) -> Option<Berichtsoort> {
        let domein = Domein::of_code(code)?;
        let digits = match domein {
            Domein::Ijw => code.strip_prefix("JW")?,
            Domein::Iwmo => code.strip_prefix("WMO")?,
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Berichtsoort {
            domein,
            nummer: digits.parse().ok()?,
        })
    }

    /// The toewijzing (301): the municipality assigns products to an aanbieder.
    pub fn is_toewijzing(self) -> bool {
        self.nummer == 301
    }

    /// Start (305) or stop (307) of care.
    pub fn is_start_of_stop(self) -> bool {
        matches!(self.nummer, 305 | 307)
    }

    /// The declaratie (323): the one message whose prestaties are granted one by one.
    pub fn is_declaratie(self) -> bool {
        self.nummer == 323
    }
}

impl fmt::Display for Berichtsoort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.domein {
            Domein::Ijw => "JW",
            Domein::Iwmo => "WMO",
        };
        write!(f, "{prefix}{}", self.nummer)
    }
}

pub use crate::finding::Retourcode;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, XSD};

    #[test]
    fn berichtsoort_reads_only_the_standards_codes() {
        let jw = Berichtsoort::parse("JW323").expect("JW323");
        assert_eq!(jw.domein, Domein::Ijw);
        assert!(jw.is_declaratie() && !jw.is_toewijzing());
        assert_eq!(jw.to_string(), "JW323");
        let wmo = Berichtsoort::parse("WMO301").expect("WMO301");
        assert!(wmo.is_toewijzing());
        assert_eq!(wmo.to_string(), "WMO301");
        for bad in ["JW32", "WMO3233", "JWx23", "behandelplan", "", "XX301"] {
            assert_eq!(Berichtsoort::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn technisch_means_levels_one_and_two() {
        let f = |code, rc| Finding {
            code,
            retourcode: rc,
            path: String::new(),
            message: String::new(),
        };
        assert!(f(XSD, None).is_technisch());
        assert!(f("TR101", Some("0001")).is_technisch());
        assert!(!f("TR019", Some("9019")).is_technisch());
        // Sluis's own checks (doelbereik) carry no retourcode and are not the standard's
        // level 3: they count as a rejection of the message as a whole.
        assert!(f("SL001", None).is_technisch());
    }
}
