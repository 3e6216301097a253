//! Declaratie (323) against the toewijzingen it declares on and earlier declaraties.
//!
//! Findings on a Prestatie reject that prestatie only; findings on the Declaratie (TR318,
//! TR333) reject the declaratie as a whole (IV087). Rules about what the toewijzing allows
//! (period, product, unit, volume) judge debet prestaties only: a credit undoes an earlier,
//! granted debet and is judged by TR323/TR390.

use super::read::{self, Prestatie};
use super::state::{Periode, ToewijzingVersie};
use super::toewijzing::{relate, Relation};
use super::{HistoryCtx, HistorySink};
use crate::standard::types::{Bsn, Datum};
use crate::standard::Element;
use crate::validate::rules::Loc;

const DECLARATIE: &str = "/Bericht/Declaratie";

/// Calls `f` for every Prestatie with its location and its client's Bsn.
pub fn each_prestatie<'d>(
    ctx: &HistoryCtx<'d>,
    mut f: impl FnMut(&'d Element, &Loc<'_>, Option<&Bsn>),
) {
    let Some(decl) = ctx.top("Declaratie") else {
        return;
    };
    let Some(list) = decl.child("Clienten") else {
        return;
    };
    let loc = Loc::top("Declaratie");
    let list_loc = loc.child(list, 1);
    for (ci, client) in list.children_named("Client").enumerate() {
        let client_loc = list_loc.child(client, ci + 1);
        let bsn = read::bsn(client);
        let Some(ps) = client.child("Prestaties") else {
            continue;
        };
        let ps_loc = client_loc.child(ps, 1);
        for (pi, p) in ps.children_named("Prestatie").enumerate() {
            f(p, &ps_loc.child(p, pi + 1), bsn.as_ref());
        }
    }
}

/// A readable prestatie with its path and client.
pub(super) struct Line {
    pub(super) path: String,
    pub(super) bsn: Option<Bsn>,
    pub(super) p: Prestatie,
}

pub(super) fn lines(ctx: &HistoryCtx<'_>) -> Vec<Line> {
    let mut out = Vec::new();
    each_prestatie(ctx, |e, loc, bsn| {
        if let Some(p) = Prestatie::of(e) {
            out.push(Line {
                path: loc.path(),
                bsn: bsn.copied(),
                p,
            });
        }
    });
    out
}

/// Debet prestaties with the toewijzing they declare on.
pub(super) fn debets_with_toewijzing(ctx: &HistoryCtx<'_>) -> Vec<(Line, Box<ToewijzingVersie>)> {
    lines(ctx)
        .into_iter()
        .filter(|l| !l.p.credit)
        .filter_map(
            |l| match relate(ctx, &l.p.toewijzingnummer, l.bsn.as_ref()?) {
                Relation::Found(t) => Some((l, t)),
                _ => None,
            },
        )
        .collect()
}

fn relation_rule(
    ctx: &HistoryCtx<'_>,
    out: &mut HistorySink,
    want: fn(&Relation) -> bool,
    why: &str,
) {
    for l in lines(ctx) {
        let Some(bsn) = l.bsn else {
            continue;
        };
        if want(&relate(ctx, &l.p.toewijzingnummer, &bsn)) {
            out.push(l.path, format!("Toewijzing {} {why}", l.p.toewijzingnummer));
        }
    }
}

pub fn tr338(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    relation_rule(
        ctx,
        out,
        |r| matches!(r, Relation::Unknown),
        "van deze prestatie is geen toewijzing aan deze aanbieder",
    );
}

pub fn tr384(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    relation_rule(
        ctx,
        out,
        |r| matches!(r, Relation::Removed),
        "van deze prestatie is verwijderd (RedenWijziging 13)",
    );
}

pub fn tr307(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    for (l, t) in debets_with_toewijzing(ctx) {
        if l.p.periode.begin < t.ingangsdatum {
            out.push(
                l.path,
                format!(
                    "Begindatum {} van de productperiode ligt voor de ingangsdatum {} van toewijzing {}",
                    l.p.periode.begin, t.ingangsdatum, t.toewijzingnummer
                ),
            );
        }
    }
}

pub fn tr308(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    for (l, t) in debets_with_toewijzing(ctx) {
        if let Some(eind) = t.einddatum.filter(|&e| l.p.periode.eind > e) {
            out.push(
                l.path,
                format!(
                    "Einddatum {} van de productperiode ligt na de einddatum {eind} van toewijzing {}",
                    l.p.periode.eind, t.toewijzingnummer
                ),
            );
        }
    }
}

pub fn tr339(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    for (l, t) in debets_with_toewijzing(ctx) {
        if let Some(cat) = &t.product.categorie {
            if l.p.categorie.as_ref() != Some(cat) {
                out.push(
                    l.path,
                    format!(
                        "ProductCategorie {} is niet de categorie {cat} van toewijzing {}",
                        l.p.categorie.as_deref().unwrap_or("(leeg)"),
                        t.toewijzingnummer
                    ),
                );
            }
        }
    }
}

pub fn tr340(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    for (l, t) in debets_with_toewijzing(ctx) {
        if let Some(code) = &t.product.code {
            if l.p.code.as_ref() != Some(code) {
                out.push(
                    l.path,
                    format!(
                        "ProductCode {} is niet de productcode {code} van toewijzing {}",
                        l.p.code.as_deref().unwrap_or("(leeg)"),
                        t.toewijzingnummer
                    ),
                );
            }
        }
    }
}

/// Minutes may be declared on a toewijzing in hours (TR341).
pub(super) fn eenheid_past(toegewezen: &str, gedeclareerd: &str) -> bool {
    toegewezen == gedeclareerd || (toegewezen == "04" && gedeclareerd == "01")
}

pub fn tr341(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    for (l, t) in debets_with_toewijzing(ctx) {
        if let Some(o) = &t.omvang {
            if !eenheid_past(&o.eenheid, &l.p.eenheid) {
                out.push(
                    l.path,
                    format!(
                        "Eenheid {} past niet bij eenheid {} van toewijzing {}",
                        l.p.eenheid, o.eenheid, t.toewijzingnummer
                    ),
                );
            }
        }
    }
}

/// Whether some whole-cent hourly rate rounds to `per_minute` and gives `bedrag` for `minutes`
/// (IV081: the amount is hourly rate × minutes / 60, rounded half up to the cent).
fn fits_hourly(per_minute: i64, minutes: i64, bedrag: i64) -> bool {
    let round60 = |x: i64| (x + 30).div_euclid(60);
    (per_minute * 60 - 30..per_minute * 60 + 30)
        .filter(|&h| round60(h) == per_minute)
        .any(|h| h.checked_mul(minutes).is_some_and(|x| round60(x) == bedrag))
}

pub fn tr346(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    for l in lines(ctx) {
        let p = &l.p;
        let Some(tarief) = p.tarief.filter(|_| p.eenheid != "83") else {
            continue;
        };
        let exact = p.volume.checked_mul(tarief);
        if exact == Some(p.bedrag) || (p.eenheid == "01" && fits_hourly(tarief, p.volume, p.bedrag))
        {
            continue;
        }
        out.push(
            l.path,
            format!(
                "IngediendBedrag {} is niet GeleverdVolume {} maal ProductTarief {}",
                euro(p.bedrag),
                p.volume,
                euro(tarief)
            ),
        );
    }
}

pub fn tr418(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some(tarieven) = &ctx.ext.tarieven else {
        return;
    };
    let aanbieder = &ctx.header.parties.aanbieder;
    for l in lines(ctx).into_iter().filter(|l| !l.p.credit) {
        let p = &l.p;
        let (Some(tarief), Some(code)) = (p.tarief, &p.code) else {
            continue;
        };
        let contract = tarieven.get(&(aanbieder.clone(), code.clone()));
        // Minutes on an hourly contract: the hourly tariff / 60, rounded half up (IV081).
        let expected = contract.and_then(|c| match c.get(&p.eenheid) {
            Some(t) => Some(*t),
            None if p.eenheid == "01" => c.get("04").map(|h| (h + 30).div_euclid(60)),
            None => None,
        });
        match expected {
            Some(t) if t == tarief => {}
            Some(t) => out.push(
                l.path,
                format!(
                    "ProductTarief {} is niet het contracttarief {} voor productcode {code}",
                    euro(tarief),
                    euro(t)
                ),
            ),
            None => out.push(
                l.path,
                format!(
                    "Er is geen contracttarief voor productcode {code} in eenheid {}",
                    p.eenheid
                ),
            ),
        }
    }
}

pub(super) fn euro(cents: i64) -> String {
    format!("{},{:02}", cents / 100, (cents % 100).abs())
}

pub fn tr314(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let p = &ctx.header.parties;
    for l in lines(ctx) {
        if ctx
            .history
            .prestatie(p.domein, &p.aanbieder, &l.p.referentienummer)
            .is_some()
        {
            out.push(
                l.path,
                format!(
                    "ReferentieNummer {} is al eerder door de aanbieder gebruikt",
                    l.p.referentienummer
                ),
            );
        }
    }
}

pub fn tr323(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let p = &ctx.header.parties;
    for l in lines(ctx).into_iter().filter(|l| l.p.credit) {
        let Some(vorig) = &l.p.vorig else {
            continue; // CD060
        };
        let debet = ctx
            .history
            .prestatie(p.domein, &p.aanbieder, vorig)
            .filter(|d| !d.credit);
        if debet.is_none() {
            out.push(
                l.path,
                format!("Er is geen eerder toegekende debetprestatie met ReferentieNummer {vorig}"),
            );
        }
    }
}

pub fn tr390(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let p = &ctx.header.parties;
    for l in lines(ctx).into_iter().filter(|l| l.p.credit) {
        let Some(vorig) = &l.p.vorig else {
            continue;
        };
        if !ctx
            .history
            .credits_van(p.domein, &p.aanbieder, vorig)
            .is_empty()
        {
            out.push(
                l.path,
                format!("De prestatie met ReferentieNummer {vorig} is al eerder gecrediteerd"),
            );
        }
    }
}

pub fn tr389(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let p = &ctx.header.parties;
    let all = lines(ctx);
    // Only credits that are granted themselves make room (OP366).
    let credits: Vec<&Line> = all
        .iter()
        .filter(|c| c.p.credit && !ctx.is_rejected(&c.path))
        .collect();
    for l in all.iter().filter(|l| !l.p.credit) {
        let earlier =
            ctx.history
                .prestaties_op_toewijzing(p.domein, &p.gemeente, &l.p.toewijzingnummer);
        let open = earlier.iter().find(|d| {
            !d.credit
                && d.parties.aanbieder == p.aanbieder
                && d.product.categorie == l.p.categorie
                && d.product.code == l.p.code
                && d.periode == l.p.periode
                && !earlier
                    .iter()
                    .any(|c| c.credit && c.vorig_referentienummer.as_ref() == Some(&d.referentienummer))
                && ctx
                    .history
                    .credits_van(p.domein, &p.aanbieder, &d.referentienummer)
                    .is_empty()
                // Credits come first (OP366): one in this message clears the way.
                && !credits
                    .iter()
                    .any(|c| c.p.vorig.as_ref() == Some(&d.referentienummer))
        });
        if let Some(d) = open {
            out.push(
                l.path.clone(),
                format!(
                    "Voor toewijzing {}, dit product en productperiode {} t/m {} is al debetprestatie {} toegekend die niet gecrediteerd is",
                    l.p.toewijzingnummer, l.p.periode.begin, l.p.periode.eind, d.referentienummer
                ),
            );
        }
    }
}

pub fn tr319(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some(decl) = ctx
        .top("Declaratie")
        .and_then(|d| read::periode(d, "DeclaratiePeriode"))
    else {
        return;
    };
    for l in lines(ctx) {
        if l.p.periode.eind > decl.eind {
            out.push(
                l.path,
                format!(
                    "Productperiode {} t/m {} ligt na de declaratieperiode {} t/m {}",
                    l.p.periode.begin, l.p.periode.eind, decl.begin, decl.eind
                ),
            );
        }
    }
}

/// TR318 (OP284, IV090): a declaratie may repeat the latest DeclaratiePeriode already declared
/// (a second declaratie for the same month, a correction batch) or skip months (no care
/// delivered), but its period may not start before that latest period.
pub fn tr318(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some(periode) = ctx
        .top("Declaratie")
        .and_then(|d| read::periode(d, "DeclaratiePeriode"))
    else {
        return;
    };
    let declared = ctx
        .history
        .declaraties_van(&ctx.header.parties)
        .into_iter()
        .map(|d| d.periode);
    if let Some(latest) = before_latest(periode, declared) {
        out.push(
            DECLARATIE.to_string(),
            format!(
                "Declaratieperiode {} t/m {} begint voor de laatst gedeclareerde periode {} t/m {}",
                periode.begin, periode.eind, latest.begin, latest.eind
            ),
        );
    }
}

/// The latest period already declared, when `periode` starts before it (TR318's violation).
fn before_latest(periode: Periode, declared: impl IntoIterator<Item = Periode>) -> Option<Periode> {
    declared
        .into_iter()
        .max_by_key(|p| p.begin)
        .filter(|latest| periode.begin < latest.begin)
}

pub fn tr333(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some(nummer) = ctx
        .top("Declaratie")
        .and_then(|d| read::owned(d, "DeclaratieNummer"))
    else {
        return;
    };
    let p = &ctx.header.parties;
    if ctx
        .history
        .declaratie(p.domein, &p.aanbieder, &nummer)
        .is_some()
    {
        out.push(
            DECLARATIE.to_string(),
            format!("DeclaratieNummer {nummer} is al eerder door de aanbieder gebruikt"),
        );
    }
}

fn first_of_month(d: Datum) -> Datum {
    let t = d.date();
    Datum::from_ymd(t.year(), t.month() as u8, 1).unwrap_or(d)
}

fn last_of_month(d: Datum) -> Datum {
    let t = d.date();
    let last = t.month().length(t.year());
    Datum::from_ymd(t.year(), t.month() as u8, last).unwrap_or(d)
}

fn same_month(a: Datum, b: Datum) -> bool {
    let (a, b) = (a.date(), b.date());
    (a.year(), a.month()) == (b.year(), b.month())
}

pub fn tr387(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    for (l, t) in debets_with_toewijzing(ctx) {
        let begin = l.p.periode.begin;
        let first = first_of_month(begin);
        let expected = if same_month(t.ingangsdatum, begin) && t.ingangsdatum > first {
            t.ingangsdatum
        } else {
            first
        };
        if begin != expected {
            out.push(
                l.path,
                format!("Begindatum {begin} van de productperiode had {expected} moeten zijn (begin van de maand, of de latere ingangsdatum van de toewijzing)"),
            );
        }
    }
}

pub fn tr388(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    for (l, t) in debets_with_toewijzing(ctx) {
        let eind = l.p.periode.eind;
        let last = last_of_month(eind);
        let expected = match t.einddatum {
            Some(e) if same_month(e, eind) && e < last => e,
            _ => last,
        };
        if eind != expected {
            out.push(
                l.path,
                format!("Einddatum {eind} van de productperiode had {expected} moeten zijn (einde van de maand, of de eerdere einddatum van de toewijzing)"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Datum {
        Datum::parse(s).expect("date")
    }

    #[test]
    fn minute_amounts_from_an_hourly_rate() {
        // 50,00 an hour is 0,83 a minute (rounded); 90 minutes cost 75,00, not 74,70.
        assert!(fits_hourly(83, 90, 7500));
        assert!(!fits_hourly(83, 90, 7470 + 1));
        // 1,455 rounds to 1,46 (IV081): an hourly rate of 87,30 gives 1,455 a minute.
        assert!(fits_hourly(146, 10, 1455));
    }

    /// Replays DeclaratiePeriodes (as `YYYY-MM`) in order and returns the ones TR318 rejects;
    /// an accepted declaratie counts as declared for the ones after it.
    fn tr318_rejects(months: &[&str]) -> Vec<String> {
        let mut declared = Vec::new();
        let mut rejected = Vec::new();
        for m in months {
            let begin = d(&format!("{m}-01"));
            // Only the begin matters to TR318.
            let eind = d(&format!("{m}-28"));
            let p = Periode { begin, eind };
            if before_latest(p, declared.iter().copied()).is_some() {
                rejected.push(m.to_string());
            } else {
                declared.push(p);
            }
        }
        rejected
    }

    #[test]
    fn tr318_one_declaratie_per_client_per_month() {
        // An aanbieder sending one JW323 per client: many declaraties for the same month.
        let mut months = vec!["2026-01"; 40];
        months.extend(vec!["2026-02"; 40]);
        assert!(tr318_rejects(&months).is_empty());
    }

    #[test]
    fn tr318_correction_batch_late_prestatie_and_gap() {
        // March, then a correction batch for March in the same month, then May (nothing to
        // declare in April), then a late March prestatie as a 2nd declaratie of May (IV090),
        // then June with another late prestatie, then a gap to September.
        let months = [
            "2026-01", "2026-02", "2026-03", "2026-03", "2026-05", "2026-05", "2026-06", "2026-09",
        ];
        assert!(tr318_rejects(&months).is_empty());
    }

    #[test]
    fn tr318_only_a_period_before_the_latest_is_rejected() {
        // IV090: with May declared, April (or March) can no longer be a DeclaratiePeriode.
        let months = [
            "2026-03", "2026-05", "2026-04", "2026-05", "2026-03", "2026-06",
        ];
        assert_eq!(tr318_rejects(&months), ["2026-04", "2026-03"]);
        // A year boundary: December after January of the next year is before the latest.
        assert_eq!(tr318_rejects(&["2026-01", "2025-12"]), ["2025-12"]);
        assert!(tr318_rejects(&["2025-12", "2026-01"]).is_empty());
    }
}
