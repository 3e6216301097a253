//! The municipality's policy as plain data: what the judging needs to know of its contracts.
//! The server reads it from its configuration; the core never reads files.

use serde::Deserialize;

/// One contract line: an aanbieder may deliver a product at a tariff.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    pub aanbieder: String,
    pub categorie: String,
    pub code: String,
    /// Cents per eenheid.
    pub tarief: i64,
    pub eenheid: String,
    pub uitvoeringsvariant: String,
    /// The product is result-financed: a trajectory price, of which the reduced percentage is
    /// paid when the result is not reached (`docs/doelbereik.md`).
    #[serde(default)]
    pub resultaatfinanciering: Option<crate::doelbereik::Resultaatfinanciering>,
}
