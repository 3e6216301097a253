//! The structure of every iJw 3.2 and iWmo 3.2 message, as tables generated from the XSDs.

#[allow(clippy::all)]
pub mod ijw;
#[allow(clippy::all)]
pub mod iwmo;
mod model;

pub use model::*;

/// Both standards Sluis speaks.
pub static STANDARDS: [&Standard; 2] = [&ijw::STANDARD, &iwmo::STANDARD];

/// Every message of both standards.
pub fn messages() -> impl Iterator<Item = &'static MessageSchema> {
    STANDARDS.iter().flat_map(|s| s.messages.iter())
}

/// The message whose root element lives in this namespace.
pub fn by_namespace(ns: &str) -> Option<&'static MessageSchema> {
    messages().find(|m| m.namespace == ns)
}

/// The message with this code (`JW301`, `wmo325`; case does not matter).
pub fn by_code(code: &str) -> Option<&'static MessageSchema> {
    messages().find(|m| m.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_28_messages_with_unique_codes_and_namespaces() {
        let all: Vec<_> = messages().collect();
        assert_eq!(all.len(), 28);
        for m in &all {
            assert_eq!(by_code(m.code).map(|x| x.namespace), Some(m.namespace));
            assert_eq!(by_namespace(m.namespace).map(|x| x.code), Some(m.code));
            assert_eq!(
                all.iter()
                    .filter(|o| o.berichtcode == m.berichtcode)
                    .count(),
                1
            );
        }
        assert_eq!(by_code("wmo301").map(|m| m.berichtcode), Some("414"));
        assert!(by_code("JW399").is_none());
    }

    #[test]
    fn patterns_follow_xsd_semantics() {
        assert!(Pattern::NonBlankLine.matches(" a "));
        assert!(!Pattern::NonBlankLine.matches("   "));
        assert!(
            !Pattern::NonBlankLine.matches("a\nb"),
            "XSD '.' excludes newlines"
        );
        assert!(Pattern::NonBlankText.matches("a\nb"));
        assert!(!Pattern::NonBlankText.matches(" \t\r\n"));
        assert!(Pattern::Digits(9).matches("123456789"));
        assert!(!Pattern::Digits(9).matches("12345678"));
        assert!(
            !Pattern::Digits(9).matches("12345678٩"),
            "only ASCII digits"
        );
        assert!(Pattern::Version.matches("1.0.10"));
        assert!(!Pattern::Version.matches("1.01.0"));
        assert!(!Pattern::Version.matches("1.0"));
        assert!(!Pattern::Version.matches("1.0.0.0"));
        assert!(Pattern::Letters.matches("JÅ"));
        assert!(!Pattern::Letters.matches("J."));
        assert!(!Pattern::Letters.matches(""));
        assert!(Pattern::NoColonOrZ.matches("2026-01-01"));
        assert!(!Pattern::NoColonOrZ.matches("2026-01-01Z"));
        assert!(!Pattern::NoZoneSign.matches("12:00:00+01:00"));
        assert!(Pattern::DigitsAny.matches(""));
        assert!(Pattern::Literal("436").matches("436"));
    }
}
