//! Rules of the declaratie (323) and the declaratie-antwoord (325).

use super::{
    date, date2, has, int, more_than_years_before, text, text2, ymd, Loc, MessageCtx, MessageSink,
};
use crate::standard::types::Datum;
use crate::standard::Element;
use std::collections::{HashMap, HashSet};

/// Calls `f` for every Prestatie of every client, in document order.
pub(super) fn prestaties<'d>(ctx: &MessageCtx<'d>, mut f: impl FnMut(&'d Element, &Loc<'_>)) {
    each_client(ctx, |c, cloc| {
        if let Some(list) = c.child("Prestaties") {
            let list_loc = cloc.child(list, 1);
            for (i, p) in list.children_named("Prestatie").enumerate() {
                f(p, &list_loc.child(p, i + 1));
            }
        }
    });
}

/// Calls `f` for every Client of the declaratie (antwoord).
fn each_client<'d>(ctx: &MessageCtx<'d>, mut f: impl FnMut(&'d Element, &Loc<'_>)) {
    for top in ["Declaratie", "DeclaratieAntwoord"] {
        let Some((decl, loc)) = ctx.top(top) else {
            continue;
        };
        if let Some(list) = decl.child("Clienten") {
            let list_loc = loc.child(list, 1);
            for (i, c) in list.children_named("Client").enumerate() {
                f(c, &list_loc.child(c, i + 1));
            }
        }
    }
}

/// An amount with debet/credit as a signed number (credit negative).
fn signed(e: &Element, amount: &str) -> Option<i64> {
    let v = int(e, amount)?;
    match text(e, "DebetCredit")? {
        "D" => Some(v),
        "C" => Some(-v),
        _ => None,
    }
}

fn euro(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{},{:02}", c / 100, c % 100)
}

pub fn cd060(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    prestaties(ctx, |p, loc| {
        let Some(dc) = text2(p, "IngediendBedrag", "DebetCredit") else {
            return;
        };
        let vorig = p
            .child("ProductReferentie")
            .is_some_and(|r| has(r, "VorigReferentieNummer"));
        if dc == "C" && !vorig {
            out.push(
                loc.at2("ProductReferentie", "VorigReferentieNummer"),
                "VorigReferentieNummer ontbreekt bij een creditprestatie".to_string(),
            );
        } else if dc != "C" && vorig {
            out.push(
                loc.at2("ProductReferentie", "VorigReferentieNummer"),
                format!("VorigReferentieNummer is gevuld bij een prestatie met DebetCredit {dc} (alleen bij C)"),
            );
        }
    });
}

pub fn cd087(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    prestaties(ctx, |p, loc| {
        let Some(eenheid) = text(p, "Eenheid") else {
            return;
        };
        let tarief = has(p, "ProductTarief");
        if eenheid != "83" && !tarief {
            out.push(
                loc.at("ProductTarief"),
                format!("ProductTarief ontbreekt bij Eenheid {eenheid}"),
            );
        } else if eenheid == "83" && tarief {
            out.push(
                loc.at("ProductTarief"),
                "ProductTarief is gevuld bij Eenheid 83 (euro's)".to_string(),
            );
        }
    });
}

/// CS100 for one period: report the first of its dates that lies before 2021.
fn from_2021(period: &Element, loc: &Loc<'_>, name: &str, out: &mut MessageSink) {
    for field in ["Begindatum", "Einddatum"] {
        if let Some(d) = date(period, field) {
            if ymd(d) < (2021, 1, 1) {
                out.push(
                    loc.at2(name, field),
                    format!("{field} van de {name} {d} ligt voor 2021-01-01"),
                );
                return;
            }
        }
    }
}

pub fn cs100(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    if let Some((decl, loc)) = ctx.top("Declaratie") {
        if let Some(period) = decl.child("DeclaratiePeriode") {
            from_2021(period, &loc, "DeclaratiePeriode", out);
        }
    }
    prestaties(ctx, |p, loc| {
        if let Some(period) = p.child("ProductPeriode") {
            from_2021(period, loc, "ProductPeriode", out);
        }
    });
}

/// CS325 for one amount: 0 must be debet.
fn zero_is_debet(e: &Element, path: impl Fn() -> String, amount: &str, out: &mut MessageSink) {
    if int(e, amount) == Some(0) && text(e, "DebetCredit") == Some("C") {
        out.push(
            path(),
            format!("DebetCredit is C bij {amount} 0 (een bedrag 0 is altijd D)"),
        );
    }
}

pub fn cs325(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    for top in ["Declaratie", "DeclaratieAntwoord"] {
        let Some((decl, loc)) = ctx.top(top) else {
            continue;
        };
        for total in ["TotaalIngediendBedrag", "TotaalToegekendBedrag"] {
            if let Some(t) = decl.child(total) {
                zero_is_debet(t, || loc.at2(total, "DebetCredit"), "TotaalBedrag", out);
            }
        }
    }
    prestaties(ctx, |p, loc| {
        if let Some(b) = p.child("IngediendBedrag") {
            zero_is_debet(
                b,
                || loc.at2("IngediendBedrag", "DebetCredit"),
                "Bedrag",
                out,
            );
        }
    });
}

pub fn cs337(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    prestaties(ctx, |p, loc| {
        let (Some(b), Some(e)) = (
            date2(p, "ProductPeriode", "Begindatum"),
            date2(p, "ProductPeriode", "Einddatum"),
        ) else {
            return;
        };
        let (by, bm, _) = ymd(b);
        let (ey, em, _) = ymd(e);
        if (by, bm) != (ey, em) {
            out.push(
                loc.at2("ProductPeriode", "Einddatum"),
                format!("Einddatum {e} valt niet in dezelfde kalendermaand als Begindatum {b}"),
            );
        }
    });
}

pub fn cs339(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    prestaties(ctx, |p, loc| {
        if text(p, "Eenheid") != Some("83") {
            return;
        }
        let (Some(volume), Some(bedrag)) = (
            int(p, "GeleverdVolume"),
            p.child("IngediendBedrag").and_then(|b| int(b, "Bedrag")),
        ) else {
            return;
        };
        if volume != bedrag {
            out.push(
                loc.at2("IngediendBedrag", "Bedrag"),
                format!("Bedrag {bedrag} is niet gelijk aan GeleverdVolume {volume} bij Eenheid 83 (euro's)"),
            );
        }
    });
}

fn last_day_of_month(d: Datum) -> u8 {
    let t = d.date();
    t.month().length(t.year())
}

pub fn cs340(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let Some((decl, loc)) = ctx.top("Declaratie") else {
        return;
    };
    let Some(period) = decl.child("DeclaratiePeriode") else {
        return;
    };
    let (Some(b), Some(e)) = (date(period, "Begindatum"), date(period, "Einddatum")) else {
        return;
    };
    let (by, bm, bd) = ymd(b);
    let (ey, em, ed) = ymd(e);
    if !(bd == 1 && (by, bm) == (ey, em) && ed == last_day_of_month(e)) {
        out.push(
            loc.at("DeclaratiePeriode"),
            format!("DeclaratiePeriode {b} tot en met {e} is niet precies één kalendermaand"),
        );
    }
}

/// TR137 on a period (the stylesheet checks the DeclaratiePeriode as well as every
/// ProductPeriode): Einddatum not before Begindatum, and not after the Dagtekening.
fn period_137(
    ctx: &MessageCtx<'_>,
    period: &Element,
    path: &dyn Fn() -> String,
    out: &mut MessageSink,
) {
    let Some(e) = date(period, "Einddatum") else {
        return;
    };
    if let Some(b) = date(period, "Begindatum") {
        if e < b {
            out.push(path(), format!("Einddatum {e} ligt voor Begindatum {b}"));
            return;
        }
    }
    if ctx.after_dagtekening(e) {
        let dag = ctx
            .dagtekening
            .map_or_else(String::new, |d| format!(" {d}"));
        out.push(path(), format!("Einddatum {e} ligt na Dagtekening{dag}"));
    }
}

pub fn tr137(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    if let Some((decl, loc)) = ctx.top("Declaratie") {
        if let Some(p) = decl.child("DeclaratiePeriode") {
            period_137(ctx, p, &|| loc.at2("DeclaratiePeriode", "Einddatum"), out);
        }
    }
    prestaties(ctx, |p, loc| {
        if let Some(period) = p.child("ProductPeriode") {
            period_137(ctx, period, &|| loc.at2("ProductPeriode", "Einddatum"), out);
        }
    });
}

/// TR319 as the official stylesheet checks it inside the message: the ProductPeriode of a
/// prestatie neither begins nor ends after the end of the DeclaratiePeriode.
pub fn tr319(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let Some((decl, _)) = ctx.top("Declaratie") else {
        return;
    };
    let Some(eind) = date2(decl, "DeclaratiePeriode", "Einddatum") else {
        return;
    };
    prestaties(ctx, |p, loc| {
        for field in ["Begindatum", "Einddatum"] {
            if let Some(d) = date2(p, "ProductPeriode", field) {
                if d > eind {
                    out.push(
                        loc.path(),
                        format!(
                            "{field} {d} van de ProductPeriode ligt na het einde van de declaratieperiode {eind}"
                        ),
                    );
                    return;
                }
            }
        }
    });
}

/// The VorigReferentieNummer of a prestatie, if readable.
fn vorig(p: &Element) -> Option<&str> {
    text2(p, "ProductReferentie", "VorigReferentieNummer")
}

pub fn tr315(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let mut seen: HashSet<&str> = HashSet::new();
    prestaties(ctx, |p, loc| {
        if let Some(v) = vorig(p) {
            if !seen.insert(v) {
                out.push(
                    loc.at2("ProductReferentie", "VorigReferentieNummer"),
                    format!("VorigReferentieNummer '{v}' komt meer dan eens voor in het bericht"),
                );
            }
        }
    });
}

pub fn tr316(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let mut refs: HashSet<&str> = HashSet::new();
    prestaties(ctx, |p, _| {
        if let Some(r) = text2(p, "ProductReferentie", "ReferentieNummer") {
            refs.insert(r);
        }
    });
    prestaties(ctx, |p, loc| {
        if let Some(v) = vorig(p) {
            if refs.contains(v) {
                out.push(
                    loc.at2("ProductReferentie", "VorigReferentieNummer"),
                    format!("VorigReferentieNummer '{v}' crediteert een prestatie uit hetzelfde bericht"),
                );
            }
        }
    });
}

pub fn tr335(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let Some((decl, _)) = ctx.top("Declaratie") else {
        return;
    };
    let Some(dag) = date(decl, "DeclaratieDagtekening") else {
        return;
    };
    prestaties(ctx, |p, loc| {
        if let Some(e) = date2(p, "ProductPeriode", "Einddatum") {
            if more_than_years_before(e, dag, 5) {
                out.push(
                    loc.at2("ProductPeriode", "Einddatum"),
                    format!("Einddatum {e} ligt meer dan 5 jaar voor DeclaratieDagtekening {dag}"),
                );
            }
        }
    });
}

pub fn tr358(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let Some((decl, loc)) = ctx.top("Declaratie") else {
        return;
    };
    let Some(totaal) = decl
        .child("TotaalIngediendBedrag")
        .and_then(|t| signed(t, "TotaalBedrag"))
    else {
        return;
    };
    let mut sum: i64 = 0;
    let mut seen_all = true;
    prestaties(ctx, |p, _| {
        match p.child("IngediendBedrag").and_then(|b| signed(b, "Bedrag")) {
            Some(v) => sum = sum.saturating_add(v),
            None => seen_all = false,
        }
    });
    if seen_all && sum != totaal {
        out.push(
            loc.at("TotaalIngediendBedrag"),
            format!(
                "TotaalIngediendBedrag {} is niet gelijk aan de som van de prestaties {}",
                euro(totaal),
                euro(sum)
            ),
        );
    }
}

/// Retourcodes on the DeclaratieAntwoord that do not reject it: 0200 (geen opmerking),
/// 8001 (volledig toegewezen).
fn rejects(code: &str) -> bool {
    !matches!(code, "0200" | "8001")
}

pub fn tr342(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let Some((da, loc)) = ctx.top("DeclaratieAntwoord") else {
        return;
    };
    let Some(toegekend) = da
        .child("TotaalToegekendBedrag")
        .and_then(|t| signed(t, "TotaalBedrag"))
    else {
        return;
    };
    let afkeur = da.child("RetourCodes").is_some_and(|rc| {
        rc.children()
            .iter()
            .any(|c| super::value(c).is_some_and(|v| rejects(&v.lexical())))
    });
    if afkeur {
        if toegekend != 0 {
            out.push(
                loc.at("TotaalToegekendBedrag"),
                format!(
                    "TotaalToegekendBedrag is {} terwijl de declaratie als geheel is afgekeurd (moet 0 zijn)",
                    euro(toegekend)
                ),
            );
        }
        return;
    }
    let Some(ingediend) = da
        .child("TotaalIngediendBedrag")
        .and_then(|t| signed(t, "TotaalBedrag"))
    else {
        return;
    };
    let mut sum: i64 = 0;
    let mut seen_all = true;
    prestaties(ctx, |p, _| {
        match p.child("IngediendBedrag").and_then(|b| signed(b, "Bedrag")) {
            Some(v) => sum = sum.saturating_add(v),
            None => seen_all = false,
        }
    });
    let verschil = ingediend.saturating_sub(toegekend);
    if seen_all && sum != verschil {
        out.push(
            loc.at("TotaalToegekendBedrag"),
            format!(
                "De afgewezen prestaties ({}) verklaren het verschil tussen ingediend ({}) en toegekend ({}) niet",
                euro(sum),
                euro(ingediend),
                euro(toegekend)
            ),
        );
    }
}

/// What identifies a debet prestatie for TR416: ToewijzingNummer, ProductCategorie,
/// ProductCode and the ProductPeriode.
type DebetKey<'d> = (
    Option<i64>,
    Option<&'d str>,
    Option<&'d str>,
    Option<Datum>,
    Option<Datum>,
);

pub fn tr416(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    each_client(ctx, |c, cloc| {
        let Some(list) = c.child("Prestaties") else {
            return;
        };
        let list_loc = cloc.child(list, 1);
        let mut seen: HashMap<DebetKey<'_>, usize> = HashMap::new();
        for (i, p) in list.children_named("Prestatie").enumerate() {
            if text2(p, "IngediendBedrag", "DebetCredit") != Some("D") {
                continue;
            }
            let key = (
                int(p, "ToewijzingNummer"),
                text(p, "ProductCategorie"),
                text(p, "ProductCode"),
                date2(p, "ProductPeriode", "Begindatum"),
                date2(p, "ProductPeriode", "Einddatum"),
            );
            if let Some(first) = seen.get(&key) {
                out.push(
                    list_loc.child(p, i + 1).path(),
                    format!(
                        "Er is al een debetprestatie (Prestatie[{first}]) voor dezelfde toewijzing, hetzelfde product en dezelfde ProductPeriode"
                    ),
                );
            } else {
                seen.insert(key, i + 1);
            }
        }
    });
}
