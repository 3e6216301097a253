//! Toewijzing (301) against earlier toewijzingen, verzoeken and declaraties; and how other
//! messages find the toewijzing they refer to.

use super::read;
use super::state::{PrestatieRecord, ToewijzingVersie};
use super::{HistoryCtx, HistorySink};
use crate::standard::types::Bsn;
use crate::validate::rules::{items, Loc};

/// What a ToewijzingNummer in a message from (or to) an aanbieder refers to.
pub enum Relation {
    /// The current version of a toewijzing to this aanbieder for this client.
    Found(Box<ToewijzingVersie>),
    /// No toewijzing with this number to this aanbieder.
    Unknown,
    /// Its current version is removed (RedenWijziging 13).
    Removed,
    /// A toewijzing to this aanbieder, but for another client.
    OtherClient,
}

pub fn relate(ctx: &HistoryCtx<'_>, nummer: &str, bsn: &Bsn) -> Relation {
    let p = &ctx.header.parties;
    let Some(state) = ctx.history.toewijzing(p.domein, &p.gemeente, nummer) else {
        return Relation::Unknown;
    };
    let Some(current) = state.current() else {
        return Relation::Unknown;
    };
    if current.parties.aanbieder != p.aanbieder {
        Relation::Unknown
    } else if current.verwijderd() {
        Relation::Removed
    } else if &current.bsn != bsn {
        Relation::OtherClient
    } else {
        Relation::Found(Box::new(current.clone()))
    }
}

/// Debet prestaties of this aanbieder on a toewijzing that have not been credited.
pub fn uncredited(ctx: &HistoryCtx<'_>, nummer: &str) -> Vec<PrestatieRecord> {
    let p = &ctx.header.parties;
    let all = ctx
        .history
        .prestaties_op_toewijzing(p.domein, &p.gemeente, nummer);
    all.iter()
        .filter(|d| !d.credit && d.parties.aanbieder == p.aanbieder)
        .filter(|d| {
            !all.iter()
                .any(|c| c.credit && c.vorig_referentienummer.as_ref() == Some(&d.referentienummer))
                && ctx
                    .history
                    .credits_van(p.domein, &p.aanbieder, &d.referentienummer)
                    .is_empty()
        })
        .cloned()
        .collect()
}

/// Calls `f` for every ToegewezenProduct with its path, the client's Bsn and its number.
fn each_product(
    ctx: &HistoryCtx<'_>,
    mut f: impl FnMut(String, &Bsn, &str, &crate::standard::Element),
) {
    let Some(client) = ctx.top("Client") else {
        return;
    };
    let (Some(bsn), Some(list)) = (read::bsn(client), client.child("ToegewezenProducten")) else {
        return;
    };
    let loc = Loc::top("Client");
    let list_loc = loc.child(list, 1);
    for (i, e) in items(client, "ToegewezenProducten", "ToegewezenProduct") {
        if let Some(nummer) = read::owned(e, "ToewijzingNummer") {
            f(list_loc.child(e, i).path(), &bsn, &nummer, e);
        }
    }
}

pub fn tr332(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let p = &ctx.header.parties;
    each_product(ctx, |path, bsn, nummer, _| {
        let Some(state) = ctx.history.toewijzing(p.domein, &p.gemeente, nummer) else {
            return;
        };
        let Some(current) = state.current().filter(|c| !c.verwijderd()) else {
            return;
        };
        let other = if current.parties.aanbieder != p.aanbieder {
            "een andere aanbieder"
        } else if &current.bsn != bsn {
            "een andere cliënt"
        } else {
            return;
        };
        out.push(
            path,
            format!("ToewijzingNummer {nummer} is binnen de gemeente al gebruikt voor {other}"),
        );
    });
}

pub fn tr379(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let p = &ctx.header.parties;
    each_product(ctx, |path, bsn, _, e| {
        let Some(referentie) = read::owned(e, "ReferentieAanbieder") else {
            return;
        };
        let verzoek = ctx.history.verzoek(p.domein, &p.aanbieder, &referentie);
        if verzoek.is_none_or(|v| &v.bsn != bsn || v.parties.gemeente != p.gemeente) {
            out.push(
                path,
                format!(
                    "ReferentieAanbieder {referentie} verwijst niet naar een verzoek van de aanbieder voor deze cliënt"
                ),
            );
        }
    });
}

pub fn tr385(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    each_product(ctx, |path, _, nummer, e| {
        if read::owned(e, "RedenWijziging").as_deref() != Some("13") {
            return;
        }
        let open = uncredited(ctx, nummer);
        if !open.is_empty() {
            out.push(
                path,
                format!(
                    "Toewijzing {nummer} wordt verwijderd (RedenWijziging 13) maar heeft {} toegekende prestatie(s) die niet gecrediteerd zijn",
                    open.len()
                ),
            );
        }
    });
}
