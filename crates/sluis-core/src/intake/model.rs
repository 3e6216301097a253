//! The in-memory model of the gateway's state: the history, the plans and the claimed
//! identificaties, changed by decisions exactly as the store changes them. Tests hold the real
//! sled-backed gateway against it (the way Vector tests its disk buffer against a model); the
//! demo's own bookkeeping uses it too.

use super::{decide, Decision, Earlier, Identificaties, Judged, Read, Views};
use crate::doelbereik::MemoryPlans;
use crate::policy::Policy;
use crate::standard::types::Datum;
use crate::validate::history::{MemoryHistory, ReadFault};
use crate::validate::Finding;
use std::collections::BTreeMap;

/// The identificaties claimed so far, by (afzender, bericht, identificatie).
#[derive(Debug, Clone, Default)]
pub struct MemoryIdentificaties {
    claimed: BTreeMap<(String, String, String), Earlier>,
}

impl Identificaties for MemoryIdentificaties {
    fn earlier(
        &self,
        afzender: &str,
        bericht: &str,
        identificatie: &str,
    ) -> Result<Option<Earlier>, ReadFault> {
        Ok(self
            .claimed
            .get(&(afzender.into(), bericht.into(), identificatie.into()))
            .cloned())
    }
}

impl MemoryIdentificaties {
    /// Record a stored message's claim on its identificatie.
    pub fn claim(&mut self, id: u64, content_hash: &str, judged: &Judged) {
        if !judged.claim {
            return;
        }
        let e = &judged.envelope;
        self.claimed.insert(
            (
                e.afzender.clone(),
                e.bericht.clone(),
                e.identificatie.clone(),
            ),
            Earlier {
                id,
                content_hash: content_hash.to_string(),
                never_sent: never_sent(judged.accepted, judged.conflicts_with, &judged.findings),
            },
        );
    }
}

/// Whether the standard counts a message as never sent: rejected on its form or on the
/// in-message rules (levels 1–2). Its identificatie may be used again.
pub fn never_sent(accepted: bool, conflicts_with: Option<u64>, findings: &[Finding]) -> bool {
    !accepted && conflicts_with.is_none() && findings.iter().any(Finding::is_technisch)
}

/// Everything a decision reads, in memory.
#[derive(Debug, Default)]
pub struct Model {
    pub history: MemoryHistory,
    pub plans: MemoryPlans,
    pub identificaties: MemoryIdentificaties,
}

impl Model {
    /// [`decide`] over the model.
    pub fn decide(
        &self,
        read: &Read,
        policy: &Policy,
        today: Datum,
        id: u64,
    ) -> Result<Decision, ReadFault> {
        let views = Views {
            history: &self.history,
            plans: &self.plans,
            identificaties: &self.identificaties,
        };
        decide(read, &views, policy, today, id)
    }

    /// Apply a decision as the store does: the message's claim and its effects.
    pub fn apply(&mut self, id: u64, read: &Read, decision: &Decision) {
        if let Decision::Store(judged) = decision {
            self.identificaties.claim(id, &read.content_hash, judged);
            self.history.apply(&judged.effects);
            self.plans.apply(&judged.plans);
        }
    }
}
