//! Declaratie (323) against the toewijzingen it declares on and earlier declaraties.
//!
//! Findings on a Prestatie reject that prestatie only; findings on the Declaratie (TR318,
//! TR333) reject the declaratie as a whole (IV087). Rules about what the toewijzing allows
//! (period, product, unit, volume) judge debet prestaties only: a credit undoes an earlier,
//! granted debet and is judged by TR323/TR390.

use super::read::{self, Prestatie};
use super::state::{Periode, ToewijzingVersie};
use super::toewijzing::{relate, Relation};
use super::{Ctx, Sink};
use crate::standard::types::{Bsn, Datum};
use crate::standard::Element;
use crate::validate::rules::Loc;
use std::collections::BTreeMap;

const DECLARATIE: &str = "/Bericht/Declaratie";

/// Calls `f` for every Prestatie with its location and its client's Bsn.
pub fn each_prestatie<'d>(ctx: &Ctx<'d>, mut f: impl FnMut(&'d Element, &Loc<'_>, Option<&Bsn>)) {
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
struct Line {
    path: String,
    bsn: Option<Bsn>,
    p: Prestatie,
}

fn lines(ctx: &Ctx<'_>) -> Vec<Line> {
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
fn debets_with_toewijzing(ctx: &Ctx<'_>) -> Vec<(Line, Box<ToewijzingVersie>)> {
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

fn relation_rule(ctx: &Ctx<'_>, out: &mut Sink, want: fn(&Relation) -> bool, why: &str) {
    for l in lines(ctx) {
        let Some(bsn) = l.bsn else {
            continue;
        };
        if want(&relate(ctx, &l.p.toewijzingnummer, &bsn)) {
            out.push(l.path, format!("Toewijzing {} {why}", l.p.toewijzingnummer));
        }
    }
}

pub fn tr338(ctx: &Ctx<'_>, out: &mut Sink) {
    relation_rule(
        ctx,
        out,
        |r| matches!(r, Relation::Unknown),
        "van deze prestatie is geen toewijzing aan deze aanbieder",
    );
}

pub fn tr384(ctx: &Ctx<'_>, out: &mut Sink) {
    relation_rule(
        ctx,
        out,
        |r| matches!(r, Relation::Removed),
        "van deze prestatie is verwijderd (RedenWijziging 13)",
    );
}

pub fn tr307(ctx: &Ctx<'_>, out: &mut Sink) {
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

pub fn tr308(ctx: &Ctx<'_>, out: &mut Sink) {
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

pub fn tr339(ctx: &Ctx<'_>, out: &mut Sink) {
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

pub fn tr340(ctx: &Ctx<'_>, out: &mut Sink) {
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
fn eenheid_past(toegewezen: &str, gedeclareerd: &str) -> bool {
    toegewezen == gedeclareerd || (toegewezen == "04" && gedeclareerd == "01")
}

pub fn tr341(ctx: &Ctx<'_>, out: &mut Sink) {
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

pub fn tr346(ctx: &Ctx<'_>, out: &mut Sink) {
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

pub fn tr418(ctx: &Ctx<'_>, out: &mut Sink) {
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

fn euro(cents: i64) -> String {
    format!("{},{:02}", cents / 100, (cents % 100).abs())
}

pub fn tr314(ctx: &Ctx<'_>, out: &mut Sink) {
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

pub fn tr323(ctx: &Ctx<'_>, out: &mut Sink) {
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

pub fn tr390(ctx: &Ctx<'_>, out: &mut Sink) {
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

pub fn tr389(ctx: &Ctx<'_>, out: &mut Sink) {
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

pub fn tr319(ctx: &Ctx<'_>, out: &mut Sink) {
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
pub fn tr318(ctx: &Ctx<'_>, out: &mut Sink) {
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

pub fn tr333(ctx: &Ctx<'_>, out: &mut Sink) {
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

pub fn tr387(ctx: &Ctx<'_>, out: &mut Sink) {
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

pub fn tr388(ctx: &Ctx<'_>, out: &mut Sink) {
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

// ----- volumes (TR321, TR322, TR369) -----

/// At most this many days are counted; a longer period is not judged on volume.
const MAX_DAYS: i64 = 40_000;

/// Every day from `a` to `b` inclusive.
fn days(a: Datum, b: Datum) -> Option<Vec<time::Date>> {
    let (mut d, end) = (a.date(), b.date());
    if (end - d).whole_days() > MAX_DAYS {
        return None;
    }
    let mut out = Vec::new();
    while d <= end {
        out.push(d);
        d = d.next_day()?;
    }
    Some(out)
}

fn sundays(a: Datum, b: Datum) -> Option<i64> {
    Some(
        days(a, b)?
            .iter()
            .filter(|d| d.weekday() == time::Weekday::Sunday)
            .count() as i64,
    )
}

/// Calendar weeks (ISO week numbers) that the period touches, whole or in part (IV077).
fn weeks(a: Datum, b: Datum) -> Option<i64> {
    let mut w: Vec<(i32, u8)> = days(a, b)?
        .iter()
        .map(|d| {
            let (y, n, _) = d.to_iso_week_date();
            (y, n)
        })
        .collect();
    w.dedup();
    Some(w.len() as i64)
}

fn months(a: Datum, b: Datum) -> i64 {
    let (a, b) = (a.date(), b.date());
    i64::from(b.year() - a.year()) * 12 + i64::from(b.month() as u8) - i64::from(a.month() as u8)
        + 1
}

/// Output-based units (Toewijzingsvarianten): stuks (output) and euro's.
fn output(eenheid: &str) -> bool {
    matches!(eenheid, "82" | "83")
}

/// How many base units one toegewezen unit is: minutes per hour, else 1.
fn scale(eenheid: &str) -> i64 {
    if eenheid == "04" {
        60
    } else {
        1
    }
}

/// A declared volume in the toewijzing's base unit; `None` when the units do not fit (TR341).
fn in_base(toegewezen: &str, eenheid: &str, volume: i64) -> Option<i64> {
    if toegewezen == eenheid {
        volume.checked_mul(scale(eenheid))
    } else if eenheid_past(toegewezen, eenheid) {
        Some(volume)
    } else {
        None
    }
}

/// The most that may be declared in one product period on `t` (TR321, IV077), in base units.
fn max_per_period(t: &ToewijzingVersie, periode: Periode, ijw: bool) -> Option<i64> {
    let o = t.omvang.as_ref()?;
    let begin = periode.begin.max(t.ingangsdatum);
    let end = t.einddatum.map_or(periode.eind, |e| periode.eind.min(e));
    if end < begin {
        return None; // outside the toewijzing: TR307/TR308
    }
    let vol = o.volume.checked_mul(scale(&o.eenheid))?;
    let times = match o.frequentie.as_str() {
        "1" => days(begin, end)?.len() as i64,
        "2" if !ijw && t.product.categorie.as_deref() == Some("01") => 6,
        "2" if output(&o.eenheid) => {
            let mut n = sundays(begin, end)?;
            // The week after the last Sunday of the toewijzing counts in the period holding
            // that Sunday (or the end, when the toewijzing has no Sunday).
            if let Some(e) = t
                .einddatum
                .filter(|e| e.date().weekday() != time::Weekday::Sunday)
            {
                let last_sunday = days(t.ingangsdatum, e)?
                    .into_iter()
                    .rev()
                    .find(|d| d.weekday() == time::Weekday::Sunday)
                    .unwrap_or(e.date());
                if (begin.date()..=end.date()).contains(&last_sunday) {
                    n += 1;
                }
            }
            n
        }
        "2" => weeks(begin, end)?,
        "4" | "6" => 1,
        _ => return None,
    };
    vol.checked_mul(times)
}

/// The most that may be declared over the whole toewijzing (TR322, IV077), in base units.
fn max_total(t: &ToewijzingVersie) -> Option<i64> {
    let o = t.omvang.as_ref()?;
    let vol = o.volume.checked_mul(scale(&o.eenheid))?;
    if o.frequentie == "6" {
        return Some(vol);
    }
    let (a, b) = (t.ingangsdatum, t.einddatum?);
    let times = match o.frequentie.as_str() {
        "1" => days(a, b)?.len() as i64,
        "2" if output(&o.eenheid) => {
            sundays(a, b)? + i64::from(b.date().weekday() != time::Weekday::Sunday)
        }
        "2" => weeks(a, b)?,
        "4" => months(a, b),
        _ => return None,
    };
    vol.checked_mul(times)
}

pub fn tr321(ctx: &Ctx<'_>, out: &mut Sink) {
    for (l, t) in debets_with_toewijzing(ctx) {
        let Some(o) = &t.omvang else {
            continue;
        };
        let (Some(v), Some(max)) = (
            in_base(&o.eenheid, &l.p.eenheid, l.p.volume),
            max_per_period(&t, l.p.periode, ctx.ijw()),
        ) else {
            continue;
        };
        if v > max {
            out.push(
                l.path,
                format!(
                    "Geleverd volume {} (eenheid {}) is meer dan de {} {} die toewijzing {} voor deze productperiode toestaat",
                    l.p.volume,
                    l.p.eenheid,
                    max / scale(base_eenheid(&o.eenheid, &l.p.eenheid)),
                    l.p.eenheid,
                    t.toewijzingnummer
                ),
            );
        }
    }
}

/// The unit maxima are reported in: the declared one (minutes on a toewijzing in hours).
fn base_eenheid<'a>(toegewezen: &'a str, eenheid: &'a str) -> &'a str {
    if toegewezen == eenheid {
        eenheid
    } else {
        "01"
    }
}

/// Running totals per toewijzing: granted history plus this message's credits, then its
/// debets in document order; a debet that would pass `max` is reported and not counted, and
/// prestaties other rules reject do not count at all.
fn totals(
    ctx: &Ctx<'_>,
    out: &mut Sink,
    max: fn(&ToewijzingVersie) -> Option<i64>,
    amount: fn(&ToewijzingVersie, &str, i64) -> Option<i64>,
    what: &str,
) {
    let p = &ctx.header.parties;
    let all: Vec<Line> = lines(ctx)
        .into_iter()
        .filter(|l| !ctx.is_rejected(&l.path))
        .collect();
    let mut sums: BTreeMap<String, i64> = BTreeMap::new();
    for (l, t) in debets_with_toewijzing(ctx) {
        if ctx.is_rejected(&l.path) {
            continue;
        }
        let Some(max) = max(&t) else {
            continue;
        };
        let Some(v) = amount(&t, &l.p.eenheid, l.p.volume) else {
            continue;
        };
        let nummer = &l.p.toewijzingnummer;
        let sum = match sums.get(nummer) {
            Some(s) => *s,
            None => {
                let history: i64 = ctx
                    .history
                    .prestaties_op_toewijzing(p.domein, &p.gemeente, nummer)
                    .iter()
                    .filter(|d| d.parties.aanbieder == p.aanbieder)
                    .filter_map(|d| {
                        let v = amount(&t, &d.eenheid, d.geleverd_volume)?;
                        Some(if d.credit { -v } else { v })
                    })
                    .sum();
                let credits: i64 = all
                    .iter()
                    .filter(|c| c.p.credit && &c.p.toewijzingnummer == nummer)
                    .filter_map(|c| amount(&t, &c.p.eenheid, c.p.volume))
                    .sum();
                history - credits
            }
        };
        if sum.saturating_add(v) > max {
            out.push(
                l.path,
                format!(
                    "Met deze prestatie komt het gedeclareerde {what} op toewijzing {nummer} boven het toegewezen maximum"
                ),
            );
            sums.insert(nummer.clone(), sum);
        } else {
            sums.insert(nummer.clone(), sum + v);
        }
    }
}

pub fn tr322(ctx: &Ctx<'_>, out: &mut Sink) {
    totals(
        ctx,
        out,
        max_total,
        |t, eenheid, volume| in_base(&t.omvang.as_ref()?.eenheid, eenheid, volume),
        "volume",
    );
}

pub fn tr369(ctx: &Ctx<'_>, out: &mut Sink) {
    // As written: the sum of GeleverdVolume against the Budget (euro cents).
    totals(
        ctx,
        out,
        |t| t.budget,
        |_, _, volume| Some(volume),
        "volume (budget)",
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standard::types::{Bsn, Tijd};

    fn d(s: &str) -> Datum {
        Datum::parse(s).expect("date")
    }

    fn toewijzing(
        begin: &str,
        end: Option<&str>,
        volume: i64,
        eenheid: &str,
        freq: &str,
    ) -> ToewijzingVersie {
        ToewijzingVersie {
            parties: super::super::Parties {
                domein: super::super::Domein::Ijw,
                gemeente: "0599".into(),
                aanbieder: "12345678".into(),
            },
            bsn: Bsn::parse("999990019").expect("bsn"),
            toewijzingnummer: "1".into(),
            referentie_aanbieder: None,
            product: Default::default(),
            toewijzingsdatum: d("2025-01-01"),
            toewijzingstijd: Tijd::parse("09:00:00").expect("tijd"),
            ingangsdatum: d(begin),
            einddatum: end.map(d),
            reden_wijziging: None,
            omvang: Some(super::super::Omvang {
                volume,
                eenheid: eenheid.into(),
                frequentie: freq.into(),
            }),
            budget: None,
            identificatie: "X".into(),
        }
    }

    fn period(a: &str, b: &str) -> Periode {
        Periode {
            begin: d(a),
            eind: d(b),
        }
    }

    #[test]
    fn iv077_inspanning_weeks() {
        // 3 hours a week from 2025-10-07 to 2025-12-30: 4, 5 and 5 weeks; 13 in total.
        let t = toewijzing("2025-10-07", Some("2025-12-30"), 3, "04", "2");
        let per = |a, b| max_per_period(&t, period(a, b), true).map(|m| m / 60);
        assert_eq!(per("2025-10-01", "2025-10-31"), Some(12));
        assert_eq!(per("2025-11-01", "2025-11-30"), Some(15));
        assert_eq!(per("2025-12-01", "2025-12-31"), Some(15));
        assert_eq!(max_total(&t).map(|m| m / 60), Some(39));
    }

    #[test]
    fn iv077_output_sundays() {
        // 300 euro a week from 2025-10-01 to 2025-12-31 (a Wednesday): 3, 5, 4+1 weeks.
        let t = toewijzing("2025-10-07", Some("2025-12-31"), 30000, "83", "2");
        let per = |a, b| max_per_period(&t, period(a, b), true).map(|m| m / 30000);
        assert_eq!(per("2025-10-01", "2025-10-31"), Some(3));
        assert_eq!(per("2025-11-01", "2025-11-30"), Some(5));
        assert_eq!(per("2025-12-01", "2025-12-31"), Some(5));
        // 2025-07-07 to 2025-09-05: the last Sunday is 31 August, so August gets 5 + 1.
        let t = toewijzing("2025-07-07", Some("2025-09-05"), 30000, "83", "2");
        let per = |a, b| max_per_period(&t, period(a, b), true).map(|m| m / 30000);
        assert_eq!(per("2025-07-01", "2025-07-31"), Some(3));
        assert_eq!(per("2025-08-01", "2025-08-31"), Some(6));
    }

    #[test]
    fn per_day_month_and_total() {
        let t = toewijzing("2026-01-10", Some("2026-03-31"), 2, "01", "1");
        assert_eq!(
            max_per_period(&t, period("2026-01-01", "2026-01-31"), true),
            Some(44)
        );
        assert_eq!(max_total(&t), Some(2 * 81));
        let t = toewijzing("2026-01-10", Some("2026-03-31"), 5, "84", "4");
        assert_eq!(
            max_per_period(&t, period("2026-01-01", "2026-01-31"), true),
            Some(5)
        );
        assert_eq!(max_total(&t), Some(15));
        let t = toewijzing("2026-01-10", None, 5, "84", "4");
        assert_eq!(max_total(&t), None, "open end: no total");
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

    #[test]
    fn minutes_on_hours() {
        assert_eq!(in_base("04", "01", 90), Some(90));
        assert_eq!(in_base("04", "04", 2), Some(120));
        assert_eq!(in_base("01", "04", 2), None);
        assert!(eenheid_past("04", "01") && !eenheid_past("01", "04"));
    }
}
