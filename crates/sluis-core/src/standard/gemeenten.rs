//! The CBS list of Dutch municipalities (gemeentelijke indeling) as pure data, for TR378.
//!
//! The list ships embedded (`gemeenten.csv` next to this file, parsed on first use), so no
//! file is needed to run; a newer list can be read from a path ([`Gemeentelijst::parse`] on
//! its text) without a rebuild. Municipalities merge every year, so every code has a validity
//! period and the question is always "was this code a municipality on that date".

use super::types::Datum;
use std::sync::{Arc, OnceLock};

/// One municipality code with the period it exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gemeente {
    /// Four digits (`0363`).
    pub code: String,
    pub naam: String,
    /// First day; `None`: since before the list's memory.
    pub geldig_van: Option<Datum>,
    /// Last day; `None`: still exists.
    pub geldig_tot: Option<Datum>,
}

/// The list: every code with its validity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gemeentelijst {
    gemeenten: Vec<Gemeente>,
}

const EMBEDDED: &str = include_str!("gemeenten.csv");

impl Gemeentelijst {
    /// The list shipped with Sluis.
    pub fn embedded() -> Arc<Gemeentelijst> {
        static LIST: OnceLock<Arc<Gemeentelijst>> = OnceLock::new();
        LIST.get_or_init(|| {
            // The embedded text is checked by a unit test; an error here cannot pass CI.
            Arc::new(Gemeentelijst::parse(EMBEDDED).unwrap_or_default())
        })
        .clone()
    }

    /// Parses `code;naam;geldig_van;geldig_tot` lines (a header line starting with `code`,
    /// comments starting with `#`, blank lines ignored).
    pub fn parse(text: &str) -> Result<Gemeentelijst, String> {
        let mut gemeenten = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with("code;") {
                continue;
            }
            let n = i + 1;
            let parts: Vec<&str> = line.split(';').map(str::trim).collect();
            let [code, naam, van, tot] = parts[..] else {
                return Err(format!(
                    "regel {n}: verwacht code;naam;geldig_van;geldig_tot"
                ));
            };
            if code.len() != 4 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "regel {n}: gemeentecode '{code}' is geen vier cijfers"
                ));
            }
            let date = |s: &str, what: &str| -> Result<Option<Datum>, String> {
                if s.is_empty() {
                    return Ok(None);
                }
                Datum::parse(s)
                    .map(Some)
                    .ok_or_else(|| format!("regel {n}: {what} '{s}' is geen datum JJJJ-MM-DD"))
            };
            let geldig_van = date(van, "geldig_van")?;
            let geldig_tot = date(tot, "geldig_tot")?;
            if let (Some(v), Some(t)) = (geldig_van, geldig_tot) {
                if t < v {
                    return Err(format!("regel {n}: geldig_tot ligt voor geldig_van"));
                }
            }
            gemeenten.push(Gemeente {
                code: code.to_string(),
                naam: naam.to_string(),
                geldig_van,
                geldig_tot,
            });
        }
        if gemeenten.is_empty() {
            return Err("de gemeentelijst is leeg".to_string());
        }
        Ok(Gemeentelijst { gemeenten })
    }

    /// Whether `code` was a municipality on `datum`.
    pub fn geldig_op(&self, code: &str, datum: Datum) -> bool {
        self.gemeenten.iter().any(|g| {
            g.code == code
                && g.geldig_van.is_none_or(|v| v <= datum)
                && g.geldig_tot.is_none_or(|t| datum <= t)
        })
    }

    /// Whether `code` is in the list at all (on any date).
    pub fn bekend(&self, code: &str) -> bool {
        self.gemeenten.iter().any(|g| g.code == code)
    }

    pub fn len(&self) -> usize {
        self.gemeenten.len()
    }

    pub fn is_empty(&self) -> bool {
        self.gemeenten.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Datum {
        Datum::parse(s).expect("date")
    }

    #[test]
    fn the_embedded_list_parses_and_holds_the_2026_municipalities() {
        let l = Gemeentelijst::parse(EMBEDDED).expect("embedded list");
        let current = l
            .gemeenten
            .iter()
            .filter(|g| g.geldig_tot.is_none())
            .count();
        assert_eq!(current, 342);
        assert_eq!(Gemeentelijst::embedded().len(), l.len());
        for code in ["0363", "0599", "0384", "1916", "0014"] {
            assert!(l.geldig_op(code, d("2026-05-04")), "{code}");
        }
        assert!(!l.geldig_op("0000", d("2026-05-04")));
        assert!(!l.geldig_op("9999", d("2026-05-04")));
    }

    #[test]
    fn merged_municipalities_are_valid_until_their_last_day() {
        let l = Gemeentelijst::embedded();
        // Brielle, Hellevoetsluis and Westvoorne became Voorne aan Zee (1992) on 2023-01-01.
        assert!(l.geldig_op("0501", d("2022-12-31")));
        assert!(!l.geldig_op("0501", d("2023-01-01")));
        assert!(!l.geldig_op("1992", d("2022-12-31")));
        assert!(l.geldig_op("1992", d("2023-01-01")));
        assert!(l.bekend("0501"));
    }

    #[test]
    fn parse_errors_name_the_line() {
        let e = Gemeentelijst::parse("code;naam;geldig_van;geldig_tot\n363;X;;\n").unwrap_err();
        assert!(e.contains("regel 2"), "{e}");
        let e = Gemeentelijst::parse("0363;X;2026-13-01;\n").unwrap_err();
        assert!(e.contains("geldig_van"), "{e}");
        assert!(Gemeentelijst::parse("# only a comment\n").is_err());
        let l = Gemeentelijst::parse("0363;Amsterdam;;\n").expect("one line");
        assert!(l.geldig_op("0363", d("1990-01-01")));
    }
}
