//! Start zorg (305) and stop zorg (307) against earlier starts, stops and toewijzingen.
//!
//! StatusAanlevering 1 adds a start or stop, 3 removes the earlier one with the same key
//! (IV008). A removal in the same message counts before the additions in it, so a correction
//! (remove and send anew) can travel in one message. Lines with StatusAanlevering 3 get only
//! the rules written for them (TR063, TR071): the standard asks no other checks on a removal.

use super::read::{self, Levering};
use super::state::{StartRecord, StopRecord};
use super::toewijzing::{relate, Relation};
use super::{HistoryCtx, HistorySink};
use crate::standard::types::Bsn;
use crate::validate::rules::{items, Loc};

/// The client's Bsn and the start or stop lines with their paths.
fn lines(ctx: &HistoryCtx<'_>) -> Option<(Bsn, Vec<(String, Levering)>)> {
    let client = ctx.top("Client")?;
    let bsn = read::bsn(client)?;
    let (list, item) = if ctx.header.nummer == 305 {
        ("StartProducten", "StartProduct")
    } else {
        ("StopProducten", "StopProduct")
    };
    let l = client.child(list)?;
    let loc = Loc::top("Client");
    let list_loc = loc.child(l, 1);
    let out = items(client, list, item)
        .filter_map(|(i, e)| Some((list_loc.child(e, i).path(), Levering::of(e)?)))
        .collect();
    Some((bsn, out))
}

fn first(l: &Levering) -> bool {
    matches!(l.status.as_str(), "1" | "2")
}

fn removal(l: &Levering) -> bool {
    l.status == "3"
}

fn same_stop(s: &StopRecord, l: &Levering) -> bool {
    s.toewijzingnummer == l.toewijzingnummer
        && s.product == l.product
        && s.begindatum == l.begindatum
        && Some(s.einddatum) == l.einddatum
        && Some(&s.reden_beeindiging) == l.reden.as_ref()
}

fn same_start(s: &StartRecord, l: &Levering) -> bool {
    l.same_start(&s.toewijzingnummer, &s.product, s.begindatum)
}

/// Starts of the history on this line's toewijzing, minus those removed in this message.
fn current_starts(
    ctx: &HistoryCtx<'_>,
    bsn: &Bsn,
    l: &Levering,
    all: &[(String, Levering)],
) -> Vec<StartRecord> {
    ctx.history
        .starts(&ctx.header.parties, bsn, &l.toewijzingnummer)
        .into_iter()
        .filter(|s| {
            ctx.header.nummer != 305 || !all.iter().any(|(_, o)| removal(o) && same_start(s, o))
        })
        .collect()
}

/// Stops of the history on this line's toewijzing, minus those removed in this message.
fn current_stops(
    ctx: &HistoryCtx<'_>,
    bsn: &Bsn,
    l: &Levering,
    all: &[(String, Levering)],
) -> Vec<StopRecord> {
    ctx.history
        .stops(&ctx.header.parties, bsn, &l.toewijzingnummer)
        .into_iter()
        .filter(|s| {
            ctx.header.nummer != 307 || !all.iter().any(|(_, o)| removal(o) && same_stop(s, o))
        })
        .collect()
}

fn what(ctx: &HistoryCtx<'_>) -> &'static str {
    if ctx.header.nummer == 305 {
        "start"
    } else {
        "stop"
    }
}

pub fn tr019(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some((bsn, lines)) = lines(ctx) else {
        return;
    };
    for (path, l) in lines.iter().filter(|(_, l)| first(l)) {
        let nummer = &l.toewijzingnummer;
        let why = match relate(ctx, nummer, &bsn) {
            Relation::Found(_) => continue,
            Relation::Unknown => "is geen toewijzing aan deze aanbieder",
            Relation::Removed => "is een verwijderde toewijzing (RedenWijziging 13)",
            Relation::OtherClient => "is een toewijzing van een andere cliënt",
        };
        out.push(
            path.clone(),
            format!("ToewijzingNummer {nummer} van de {} {why}", what(ctx)),
        );
    }
}

pub fn tr063(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some((bsn, lines)) = lines(ctx) else {
        return;
    };
    let p = &ctx.header.parties;
    for (path, l) in lines.iter().filter(|(_, l)| removal(l)) {
        let known = if ctx.header.nummer == 305 {
            ctx.history
                .starts(p, &bsn, &l.toewijzingnummer)
                .iter()
                .any(|s| same_start(s, l))
        } else {
            ctx.history
                .stops(p, &bsn, &l.toewijzingnummer)
                .iter()
                .any(|s| same_stop(s, l))
        };
        if !known {
            out.push(
                path.clone(),
                format!(
                    "Er is geen eerder aangeleverde {} met ToewijzingNummer {} en Begindatum {} (met dezelfde sleutel) om te verwijderen",
                    what(ctx),
                    l.toewijzingnummer,
                    l.begindatum
                ),
            );
        }
    }
}

pub fn tr069(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some((bsn, lines)) = lines(ctx) else {
        return;
    };
    for (path, l) in lines.iter().filter(|(_, l)| first(l)) {
        let started = ctx
            .history
            .starts(&ctx.header.parties, &bsn, &l.toewijzingnummer)
            .iter()
            .any(|s| same_start(s, l));
        if !started {
            out.push(
                path.clone(),
                format!(
                    "Er is geen actuele start met ToewijzingNummer {}, hetzelfde product en Begindatum {}",
                    l.toewijzingnummer, l.begindatum
                ),
            );
        }
    }
}

pub fn tr071(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some((bsn, lines)) = lines(ctx) else {
        return;
    };
    for (path, l) in lines.iter().filter(|(_, l)| removal(l)) {
        let stopped = ctx
            .history
            .stops(&ctx.header.parties, &bsn, &l.toewijzingnummer)
            .iter()
            .any(|s| l.same_start(&s.toewijzingnummer, &s.product, s.begindatum));
        if stopped {
            out.push(
                path.clone(),
                format!(
                    "De start met ToewijzingNummer {} en Begindatum {} is al gestopt en kan niet meer verwijderd worden",
                    l.toewijzingnummer, l.begindatum
                ),
            );
        }
    }
}

pub fn tr074(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some((bsn, lines)) = lines(ctx) else {
        return;
    };
    for (path, l) in lines.iter().filter(|(_, l)| first(l)) {
        let seen = if ctx.header.nummer == 305 {
            current_starts(ctx, &bsn, l, &lines)
                .iter()
                .any(|s| same_start(s, l))
        } else {
            current_stops(ctx, &bsn, l, &lines)
                .iter()
                .any(|s| same_stop(s, l))
        };
        if seen {
            out.push(
                path.clone(),
                format!(
                    "Een {} met ToewijzingNummer {} en Begindatum {} en dezelfde sleutel is al eerder ontvangen",
                    what(ctx),
                    l.toewijzingnummer,
                    l.begindatum
                ),
            );
        }
    }
}

pub fn tr326(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some((bsn, lines)) = lines(ctx) else {
        return;
    };
    for (path, l) in lines.iter().filter(|(_, l)| first(l)) {
        let stops = ctx
            .history
            .stops(&ctx.header.parties, &bsn, &l.toewijzingnummer);
        let running = current_starts(ctx, &bsn, l, &lines).into_iter().find(|s| {
            !stops
                .iter()
                .any(|st| st.product == s.product && st.begindatum == s.begindatum)
        });
        if let Some(s) = running {
            out.push(
                path.clone(),
                format!(
                    "Op toewijzing {} loopt nog een start van {} waarop geen stop is gemeld",
                    l.toewijzingnummer, s.begindatum
                ),
            );
        }
    }
}

/// The earlier stops on the same start (Bsn, ToewijzingNummer, Begindatum) for TR413–TR415.
fn stops_on_start(
    ctx: &HistoryCtx<'_>,
    bsn: &Bsn,
    l: &Levering,
    all: &[(String, Levering)],
) -> Vec<StopRecord> {
    current_stops(ctx, bsn, l, all)
        .into_iter()
        .filter(|s| s.begindatum == l.begindatum)
        .collect()
}

pub fn tr413(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some((bsn, lines)) = lines(ctx) else {
        return;
    };
    for (path, l) in lines.iter().filter(|(_, l)| first(l)) {
        if l.reden.as_deref() != Some("20") {
            continue;
        }
        let earlier = stops_on_start(ctx, &bsn, l, &lines);
        if let Some(s) = earlier.iter().find(|s| s.reden_beeindiging == "20") {
            out.push(
                path.clone(),
                format!(
                    "Op de start van {} van toewijzing {} is al een tijdelijke stop (reden 20) gemeld, tot {}",
                    l.begindatum, l.toewijzingnummer, s.einddatum
                ),
            );
        }
    }
}

pub fn tr414(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some((bsn, lines)) = lines(ctx) else {
        return;
    };
    for (path, l) in lines.iter().filter(|(_, l)| first(l)) {
        let Some(eind) = l.einddatum else {
            continue;
        };
        let latest = stops_on_start(ctx, &bsn, l, &lines)
            .iter()
            .map(|s| s.einddatum)
            .max();
        if let Some(latest) = latest.filter(|&d| eind < d) {
            out.push(
                path.clone(),
                format!(
                    "Einddatum {eind} ligt voor de einddatum {latest} van de eerdere stop op dezelfde start"
                ),
            );
        }
    }
}

pub fn tr415(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some((bsn, lines)) = lines(ctx) else {
        return;
    };
    for (path, l) in lines.iter().filter(|(_, l)| first(l)) {
        let earlier = stops_on_start(ctx, &bsn, l, &lines);
        if let Some(s) = earlier.iter().find(|s| s.reden_beeindiging != "20") {
            out.push(
                path.clone(),
                format!(
                    "Op de start van {} van toewijzing {} is al een definitieve stop (reden {}) gemeld",
                    l.begindatum, l.toewijzingnummer, s.reden_beeindiging
                ),
            );
        }
    }
}
