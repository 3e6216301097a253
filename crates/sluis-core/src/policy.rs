//! The municipality's policy as plain data: what the judging needs to know of its contracts.
//! The server reads it from its configuration; the core never reads files.

use crate::doelbereik::{ResultaatContract, Resultaatfinanciering};
use crate::validate::history::External;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

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
    pub resultaatfinanciering: Option<Resultaatfinanciering>,
}

impl ResultaatContract {
    /// The result-financed line of a contract, with its financing terms.
    pub fn from_contract(c: &Contract, r: Resultaatfinanciering) -> ResultaatContract {
        ResultaatContract {
            aanbieder: c.aanbieder.clone(),
            categorie: c.categorie.clone(),
            code: c.code.clone(),
            resultaatfinanciering: r,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DeclaratieMode {
    /// Sluis answers a declaratie itself with the declaratie-antwoord.
    #[default]
    Auto,
    /// Sluis forwards the declaratie with its advice; the gemeente's back office answers.
    Advies,
}

/// Everything of the municipality's policy that a decision on one message needs, as data: the
/// external facts of level 4, how declaraties are answered, the result-financed contracts.
/// The server builds it once from its configuration ([`Policy::from_contracts`]).
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Gemeentecodes, product codes and tariffs (TR378, TR381, TR418). `vandaag` is set per
    /// decision from the date it is given.
    pub external: External,
    pub declaratie: DeclaratieMode,
    /// The result-financed contract lines (`9322` beyond the entitlement).
    pub resultaat: Vec<ResultaatContract>,
    /// The aanbieders (AGB-codes) this gateway delivers to. A message to another aanbieder
    /// would land in an inbox nobody reads. `None`: not checked. (A message to another
    /// gemeente is the standard's business: TR378 answers it with S300.)
    pub aanbieders: Option<BTreeSet<String>>,
}

impl Policy {
    /// The policy of a gemeente with these contracts.
    pub fn from_contracts(
        gemeente: &str,
        contracten: &[Contract],
        declaratie: DeclaratieMode,
    ) -> Policy {
        let mut productcodes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut tarieven: BTreeMap<(String, String), BTreeMap<String, i64>> = BTreeMap::new();
        for c in contracten {
            productcodes
                .entry(c.categorie.clone())
                .or_default()
                .insert(c.code.clone());
            tarieven
                .entry((c.aanbieder.clone(), c.code.clone()))
                .or_default()
                .insert(c.eenheid.clone(), c.tarief);
        }
        Policy {
            external: External {
                gemeentecodes: Some(BTreeSet::from([gemeente.to_string()])),
                gemeentelijst: Some(crate::standard::gemeenten::Gemeentelijst::embedded()),
                productcodes: Some(productcodes),
                vandaag: None,
                tarieven: Some(tarieven),
            },
            declaratie,
            resultaat: contracten
                .iter()
                .filter_map(|c| {
                    c.resultaatfinanciering
                        .map(|r| ResultaatContract::from_contract(c, r))
                })
                .collect(),
            aanbieders: None,
        }
    }

    /// Check gemeentecodes (TR378) against this CBS list.
    pub fn with_gemeentelijst(
        mut self,
        lijst: std::sync::Arc<crate::standard::gemeenten::Gemeentelijst>,
    ) -> Policy {
        self.external.gemeentelijst = Some(lijst);
        self
    }

    /// Only these aanbieders receive messages.
    pub fn with_aanbieders<'a>(mut self, agb: impl IntoIterator<Item = &'a str>) -> Policy {
        self.aanbieders = Some(agb.into_iter().map(str::to_string).collect());
        self
    }

    /// Whether a message to `ontvanger` would reach someone: any gemeente (the standard's rules
    /// judge that one), or a configured aanbieder.
    pub fn delivers_to(&self, ontvanger: &str) -> bool {
        let agb = ontvanger.len() == 8 && ontvanger.bytes().all(|b| b.is_ascii_digit());
        !agb || self
            .aanbieders
            .as_ref()
            .is_none_or(|known| known.contains(ontvanger))
    }
}
