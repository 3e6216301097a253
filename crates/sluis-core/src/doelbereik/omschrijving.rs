//! The official descriptions of the codes the views show (reden beëindiging, reden wijziging,
//! productcategorie, productcode), from the generated tables in
//! [`crate::standard::codelijsten`].

use crate::standard::codelijsten as lijst;
use crate::validate::history::Domein;
use serde::{Deserialize, Serialize};

fn zoek(tabel: &'static [(&'static str, &'static str)], code: &str) -> Option<&'static str> {
    tabel
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .ok()
        .map(|i| tabel[i].1)
}

/// RedenBeeindiging (JZ588 / WMO588).
pub fn reden_beeindiging(domein: Domein, code: &str) -> Option<&'static str> {
    zoek(
        match domein {
            Domein::Ijw => lijst::JZ588,
            Domein::Iwmo => lijst::WMO588,
        },
        code,
    )
}

/// RedenWijziging of a toewijzing (JZ002 / WMO002).
pub fn reden_wijziging(domein: Domein, code: &str) -> Option<&'static str> {
    zoek(
        match domein {
            Domein::Ijw => lijst::JZ002,
            Domein::Iwmo => lijst::WMO002,
        },
        code,
    )
}

/// Productcategorie (JZ020 / WMO020).
pub fn productcategorie(domein: Domein, code: &str) -> Option<&'static str> {
    zoek(
        match domein {
            Domein::Ijw => lijst::JZ020,
            Domein::Iwmo => lijst::WMO020,
        },
        code,
    )
}

/// Productcode: the national list of iWmo hulpmiddelen (categorieën 11–13) is in the official
/// material; the other productcodes are regional (the gemeente's own product list), so they
/// have no official description here and the categorie's description stands for them.
pub fn productcode(domein: Domein, code: &str) -> Option<&'static str> {
    match domein {
        Domein::Iwmo => zoek(lijst::WMO_HULPMIDDELEN, code),
        Domein::Ijw => None,
    }
}

/// A product with the official descriptions of its codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductOmschreven {
    pub categorie: Option<String>,
    pub categorie_omschrijving: Option<String>,
    pub code: Option<String>,
    /// The productcode's official description where there is a national list (iWmo
    /// hulpmiddelen); else absent.
    pub code_omschrijving: Option<String>,
}

impl ProductOmschreven {
    pub fn of(domein: Domein, categorie: Option<&str>, code: Option<&str>) -> ProductOmschreven {
        ProductOmschreven {
            categorie: categorie.map(str::to_string),
            categorie_omschrijving: categorie
                .and_then(|c| productcategorie(domein, c))
                .map(str::to_string),
            code: code.map(str::to_string),
            code_omschrijving: code
                .and_then(|c| productcode(domein, c))
                .map(str::to_string),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_their_official_descriptions() {
        // Every table is sorted, so the binary search finds every code.
        for tabel in [
            lijst::JZ588,
            lijst::JZ002,
            lijst::JZ020,
            lijst::WMO588,
            lijst::WMO002,
            lijst::WMO020,
            lijst::WMO_HULPMIDDELEN,
        ] {
            assert!(!tabel.is_empty());
            assert!(tabel.windows(2).all(|w| w[0].0 < w[1].0));
            for (code, text) in tabel {
                assert_eq!(zoek(tabel, code), Some(*text));
            }
        }
        assert_eq!(
            reden_beeindiging(Domein::Ijw, "31"),
            Some("Levering is volgens plan beëindigd")
        );
        assert_eq!(
            reden_beeindiging(Domein::Iwmo, "19"),
            Some("Levering volgens plan beeindigd")
        );
        assert_eq!(reden_beeindiging(Domein::Ijw, "19"), None);
        assert_eq!(
            productcategorie(Domein::Ijw, "45"),
            Some("Jeugdhulp ambulant")
        );
        assert_eq!(productcategorie(Domein::Iwmo, "02"), Some("Begeleiding"));
        assert_eq!(reden_wijziging(Domein::Ijw, "13"), Some("Verwijderd"));
        let p = ProductOmschreven::of(Domein::Iwmo, Some("11"), Some("11X00"));
        assert_eq!(p.categorie_omschrijving.as_deref(), Some("Rolstoelen"));
        assert!(p.code_omschrijving.is_some());
        assert_eq!(productcode(Domein::Ijw, "45A12"), None);
    }
}
