//! Rules about products with a period and a size: toegewezen (301), aangevraagd (315), nieuw and
//! te wijzigen (317). The four share the shape Product / start / end / Omvang / Budget, so each
//! rule is written once over a [`Kind`].

use super::{after_2020_or_open, date, has, opt_date, text, text2, Loc, MessageCtx, MessageSink};
use crate::standard::types::Datum;
use crate::standard::Element;

/// One kind of product line and the names of its fields.
pub struct Kind {
    /// Below `Client`: `None`, or `Some("Verzoek")` for the 317 lists.
    pub under: Option<&'static str>,
    pub list: &'static str,
    pub item: &'static str,
    pub start: &'static str,
    pub end: &'static str,
    /// Whether the line has a `Product` (a TeWijzigenProduct has not).
    pub has_product: bool,
}

pub const TOEGEWEZEN: Kind = Kind {
    under: None,
    list: "ToegewezenProducten",
    item: "ToegewezenProduct",
    start: "Ingangsdatum",
    end: "Einddatum",
    has_product: true,
};
pub const AANGEVRAAGD: Kind = Kind {
    under: None,
    list: "AangevraagdeProducten",
    item: "AangevraagdProduct",
    start: "ToewijzingIngangsdatum",
    end: "ToewijzingEinddatum",
    has_product: true,
};
pub const NIEUW: Kind = Kind {
    under: Some("Verzoek"),
    list: "NieuweProducten",
    item: "NieuwProduct",
    start: "GewensteIngangsdatum",
    end: "Einddatum",
    has_product: true,
};
pub const TE_WIJZIGEN: Kind = Kind {
    under: Some("Verzoek"),
    list: "TeWijzigenProducten",
    item: "TeWijzigenProduct",
    start: "GewensteIngangsdatum",
    end: "Einddatum",
    has_product: false,
};

const KINDS: [&Kind; 4] = [&TOEGEWEZEN, &AANGEVRAAGD, &NIEUW, &TE_WIJZIGEN];

/// Calls `f` for every line of one kind.
pub fn each_of<'d>(
    ctx: &MessageCtx<'d>,
    kind: &Kind,
    mut f: impl FnMut(&'d Element, &Loc<'_>, usize),
) {
    let Some((client, loc)) = ctx.top("Client") else {
        return;
    };
    let (parent, ploc) = match kind.under {
        None => (client, loc),
        Some(name) => match client.child(name) {
            Some(p) => (p, loc.child(p, 1)),
            None => return,
        },
    };
    let Some(l) = parent.child(kind.list) else {
        return;
    };
    let list_loc = ploc.child(l, 1);
    for (i, e) in l.children_named(kind.item).enumerate() {
        f(e, &list_loc.child(e, i + 1), i + 1);
    }
}

/// Calls `f` for every product line of the message (te wijzigen ones only if asked).
pub fn each_product(
    ctx: &MessageCtx<'_>,
    with_te_wijzigen: bool,
    mut f: impl FnMut(&Element, &Loc<'_>, &Kind),
) {
    for kind in KINDS {
        if !with_te_wijzigen && !kind.has_product {
            continue;
        }
        each_of(ctx, kind, |e, loc, _| f(e, loc, kind));
    }
}

pub fn cd041(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    each_product(ctx, false, |e, loc, _| {
        if e.child("Product").is_some_and(|p| has(p, "Code")) && !has(e, "Omvang") {
            out.push(
                loc.at("Omvang"),
                "Omvang ontbreekt terwijl het product een productcode heeft".to_string(),
            );
        }
    });
}

pub fn cd075(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    each_product(ctx, true, |e, loc, kind| {
        if has(e, "Budget") && !has(e, kind.end) {
            out.push(
                loc.at(kind.end),
                format!("{} ontbreekt terwijl Budget gevuld is", kind.end),
            );
        }
    });
}

pub fn cd076(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    each_product(ctx, true, |e, loc, kind| {
        if text2(e, "Omvang", "Frequentie") == Some("2") && !has(e, kind.end) {
            out.push(
                loc.at(kind.end),
                format!(
                    "{} ontbreekt terwijl de Frequentie 2 (per week) is",
                    kind.end
                ),
            );
        }
    });
}

pub fn cd077(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    each_product(ctx, true, |e, loc, _| {
        if has(e, "Budget") && has(e, "Omvang") {
            out.push(
                loc.at("Omvang"),
                "Omvang is gevuld terwijl Budget gevuld is".to_string(),
            );
        }
    });
}

pub fn cd078(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    each_product(ctx, true, |e, loc, _| {
        if has(e, "Omvang") && has(e, "Budget") {
            out.push(
                loc.at("Budget"),
                "Budget is gevuld terwijl Omvang gevuld is".to_string(),
            );
        }
    });
}

pub fn cd079(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    each_product(ctx, false, |e, loc, _| {
        if !has(e, "Budget") && !has(e, "Product") {
            out.push(
                loc.at("Product"),
                "Product ontbreekt terwijl Budget leeg is".to_string(),
            );
        }
    });
}

/// CD080/CD095/CD096: no Omvang for a line without product code that ends after 2020 or is open.
fn omvang_without_code(ctx: &MessageCtx<'_>, kind: &Kind, out: &mut MessageSink) {
    each_of(ctx, kind, |e, loc, _| {
        if e.child("Product").is_some_and(|p| has(p, "Code")) || !has(e, "Omvang") {
            return;
        }
        let Some(end) = opt_date(e, kind.end) else {
            return;
        };
        if after_2020_or_open(end) {
            let when = match end {
                Some(d) => format!("{} {d} ligt na 2020", kind.end),
                None => format!("{} is leeg", kind.end),
            };
            out.push(
                loc.at("Omvang"),
                format!("Omvang is gevuld bij een product zonder productcode ({when})"),
            );
        }
    });
}

pub fn cd080(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    omvang_without_code(ctx, &TOEGEWEZEN, out);
}

pub fn cd095(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    omvang_without_code(ctx, &AANGEVRAAGD, out);
}

pub fn cd096(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    omvang_without_code(ctx, &NIEUW, out);
}

/// CS338/CS343: units 14, 16, 83, 84 after 2020 (or open) need frequency 2, 4 or 6.
fn frequentie(ctx: &MessageCtx<'_>, kinds: &[&Kind], out: &mut MessageSink) {
    for kind in kinds {
        each_of(ctx, kind, |e, loc, _| {
            let Some(omvang) = e.child("Omvang") else {
                return;
            };
            let Some(eenheid) = text(omvang, "Eenheid") else {
                return;
            };
            if !matches!(eenheid, "14" | "16" | "83" | "84") {
                return;
            }
            let Some(end) = opt_date(e, kind.end) else {
                return;
            };
            if !after_2020_or_open(end) {
                return;
            }
            if let Some(f) = text(omvang, "Frequentie") {
                if !matches!(f, "2" | "4" | "6") {
                    out.push(
                        loc.at2("Omvang", "Frequentie"),
                        format!("Frequentie {f} is niet toegestaan bij Eenheid {eenheid} (alleen 2, 4 of 6)"),
                    );
                }
            }
        });
    }
}

pub fn cs338(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    frequentie(ctx, &[&TOEGEWEZEN, &NIEUW, &TE_WIJZIGEN], out);
}

pub fn cs343(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    frequentie(ctx, &[&AANGEVRAAGD], out);
}

pub fn cs335(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    each_of(ctx, &TOEGEWEZEN, |e, loc, _| {
        if text(e, "RedenWijziging") != Some("13") {
            return;
        }
        let Some(start) = date(e, "Ingangsdatum") else {
            return;
        };
        let Some(end) = opt_date(e, "Einddatum") else {
            return;
        };
        if end != Some(start) {
            let eind = end.map_or_else(|| "leeg".to_string(), |d| d.to_string());
            out.push(
                loc.at("RedenWijziging"),
                format!("RedenWijziging 13 (verwijderd) terwijl Einddatum {eind} niet gelijk is aan Ingangsdatum {start}"),
            );
        }
    });
}

pub fn cs336(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    each_of(ctx, &TOEGEWEZEN, |e, loc, _| {
        if text(e, "RedenWijziging") == Some("01") {
            out.push(
                loc.at("RedenWijziging"),
                "RedenWijziging 01 (administratieve correctie, vervallen) mag niet meer gebruikt worden"
                    .to_string(),
            );
        }
    });
}

/// One line as the overlap rules see it.
struct Line<'d> {
    index: usize,
    categorie: Option<&'d str>,
    code: Option<&'d str>,
    start: Datum,
    end: Option<Datum>,
}

/// Text of an optional child of an optional parent: `Some(None)` when absent, `None` when
/// present but invalid.
fn opt_text<'d>(parent: Option<&'d Element>, name: &str) -> Option<Option<&'d str>> {
    match parent.and_then(|p| p.child(name)) {
        None => Some(None),
        Some(c) => match super::value(c)? {
            crate::standard::Value::Text(s) => Some(Some(s)),
            _ => None,
        },
    }
}

/// The path of the `index`-th line of a kind.
fn item_path(kind: &Kind, index: usize) -> String {
    match kind.under {
        None => format!("/Bericht/Client/{}/{}[{index}]", kind.list, kind.item),
        Some(u) => format!("/Bericht/Client/{u}/{}/{}[{index}]", kind.list, kind.item),
    }
}

fn open_end(d: Option<Datum>) -> String {
    d.map_or_else(|| "open einde".to_string(), |d| d.to_string())
}

/// TR302/TR386/TR410: lines of the same product (same category when a code is missing; any
/// line when the category is missing) must not overlap in time. In iWmo, lines in categories
/// 11–14 may overlap. Removed assignments (TR302 only) do not count.
pub(super) fn overlap(
    ctx: &MessageCtx<'_>,
    kind: &Kind,
    skip_removed: bool,
    out: &mut MessageSink,
) {
    let mut lines: Vec<Line<'_>> = Vec::new();
    each_of(ctx, kind, |e, _, index| {
        let Some(start) = date(e, kind.start) else {
            return;
        };
        let Some(end) = opt_date(e, kind.end) else {
            return;
        };
        let product = e.child("Product");
        // An unreadable category or code might have been anything: leave the line out.
        let Some(categorie) = opt_text(product, "Categorie") else {
            return;
        };
        let Some(code) = opt_text(product, "Code") else {
            return;
        };
        if skip_removed
            && end == Some(start)
            && matches!(text(e, "RedenWijziging"), Some("13" | "01"))
        {
            return;
        }
        lines.push(Line {
            index,
            categorie,
            code,
            start,
            end,
        });
    });
    let ijw = ctx.ijw;
    let free = |c: Option<&str>| !ijw && matches!(c, Some("11" | "12" | "13" | "14"));
    for j in 1..lines.len() {
        let b = &lines[j];
        for a in &lines[..j] {
            if free(a.categorie) || free(b.categorie) {
                continue;
            }
            let same = match (a.categorie, b.categorie) {
                (Some(x), Some(y)) if x != y => false,
                (Some(_), Some(_)) => match (a.code, b.code) {
                    (Some(x), Some(y)) => x == y,
                    _ => true,
                },
                _ => true,
            };
            let overlaps =
                a.end.is_none_or(|ae| b.start <= ae) && b.end.is_none_or(|be| a.start <= be);
            if same && overlaps {
                out.push(
                    item_path(kind, b.index),
                    format!(
                        "{} van {} tot en met {} overlapt met {}[{}] van {} tot en met {}",
                        kind.item,
                        b.start,
                        open_end(b.end),
                        kind.item,
                        a.index,
                        a.start,
                        open_end(a.end)
                    ),
                );
                break;
            }
        }
    }
}

pub fn tr302(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    overlap(ctx, &TOEGEWEZEN, true, out);
}
