//! Volumes of a declaratie against the toegewezen omvang (TR321 per product period, TR322 over
//! the whole toewijzing, TR369 against a budget), with the standard's arithmetic of units and
//! frequencies (IV077: weeks for inspanning, Sundays for output …).

use super::declaratie::{debets_with_toewijzing, eenheid_past, lines, Line};
use super::state::{Periode, ToewijzingVersie};
use super::{HistoryCtx, HistorySink};
use crate::standard::types::Datum;
use std::collections::BTreeMap;

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

pub fn tr321(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
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
    ctx: &HistoryCtx<'_>,
    out: &mut HistorySink,
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

pub fn tr322(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    totals(
        ctx,
        out,
        max_total,
        |t, eenheid, volume| in_base(&t.omvang.as_ref()?.eenheid, eenheid, volume),
        "volume",
    );
}

pub fn tr369(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
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
    fn minutes_on_hours() {
        assert_eq!(in_base("04", "01", 90), Some(90));
        assert_eq!(in_base("04", "04", 2), Some(120));
        assert_eq!(in_base("01", "04", 2), None);
        assert!(eenheid_past("04", "01") && !eenheid_past("01", "04"));
    }
}
