//! Rules that cut across message parts: duplicate lines (TR101), dates that must not lie after
//! the Dagtekening (TR134) and end dates not before start dates (CS003).

use super::client::{contacts, persons};
use super::toewijzing::{each_product, Kind};
use super::{date, date2, Loc, MessageCtx, MessageSink};
use crate::standard::types::Datum;
use crate::standard::Element;
use std::collections::HashSet;

/// A logical key: child paths (one or two steps) whose values together identify a line.
type Key = &'static [&'static str];

/// The text of a key part (absent = empty, as the stylesheet's string value would be).
fn key_part<'e>(e: &'e Element, path: &str) -> std::borrow::Cow<'e, str> {
    let mut cur = Some(e);
    for step in path.split('/') {
        cur = cur.and_then(|c| c.child(step));
    }
    cur.and_then(|c| c.value())
        .map(|v| v.lexical())
        .unwrap_or_default()
}

/// Reports every item of `list/item` below `parent` whose key equals an earlier sibling's.
fn duplicates(
    parent: &Element,
    loc: &Loc<'_>,
    list: &'static str,
    item: &'static str,
    key: Key,
    sensitive: bool,
    out: &mut MessageSink,
) {
    let Some(l) = parent.child(list) else {
        return;
    };
    let list_loc = loc.child(l, 1);
    let mut seen: HashSet<String> = HashSet::new();
    for (i, e) in l.children_named(item).enumerate() {
        let mut k = String::new();
        for part in key {
            k.push_str(&key_part(e, part));
            k.push('\u{1}');
        }
        if !seen.insert(k) {
            let what = if sensitive {
                // The key is the BSN: name it, never show it.
                format!("{item} komt meer dan eens voor met dezelfde Bsn")
            } else {
                let shown: Vec<String> = key
                    .iter()
                    .map(|p| {
                        let v = key_part(e, p);
                        let name = p.rsplit('/').next().unwrap_or(p);
                        if v.is_empty() {
                            format!("{name} leeg")
                        } else {
                            format!("{name} {v}")
                        }
                    })
                    .collect();
                format!(
                    "{item} komt meer dan eens voor met dezelfde sleutel ({})",
                    shown.join(", ")
                )
            };
            out.push(list_loc.child(e, i + 1).path(), what);
        }
    }
}

pub fn tr101(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    if let Some((client, loc)) = ctx.top("Client") {
        duplicates(client, &loc, "Relaties", "Relatie", &["Nummer"], false, out);
        duplicates(
            client,
            &loc,
            "Contactgegevens",
            "Contact",
            &["Soort"],
            false,
            out,
        );
        duplicates(
            client,
            &loc,
            "ToegewezenProducten",
            "ToegewezenProduct",
            &["ToewijzingNummer"],
            false,
            out,
        );
        duplicates(
            client,
            &loc,
            "StartProducten",
            "StartProduct",
            &[
                "ToewijzingNummer",
                "Product/Categorie",
                "Product/Code",
                "Begindatum",
            ],
            false,
            out,
        );
        duplicates(
            client,
            &loc,
            "StopProducten",
            "StopProduct",
            &[
                "ToewijzingNummer",
                "Product/Categorie",
                "Product/Code",
                "Begindatum",
                "Einddatum",
                "RedenBeeindiging",
            ],
            false,
            out,
        );
        duplicates(
            client,
            &loc,
            "AangevraagdeProducten",
            "AangevraagdProduct",
            &["ReferentieAanbieder"],
            false,
            out,
        );
        if let Some(verzoek) = client.child("Verzoek") {
            let vloc = loc.child(verzoek, 1);
            duplicates(
                verzoek,
                &vloc,
                "OngewijzigdeProducten",
                "OngewijzigdProduct",
                &["ToewijzingNummer"],
                false,
                out,
            );
            duplicates(
                verzoek,
                &vloc,
                "TeWijzigenProducten",
                "TeWijzigenProduct",
                &["ToewijzingNummer"],
                false,
                out,
            );
            duplicates(
                verzoek,
                &vloc,
                "NieuweProducten",
                "NieuwProduct",
                &["Product/Categorie", "Product/Code", "GewensteIngangsdatum"],
                false,
                out,
            );
        }
    }
    for top in ["Declaratie", "DeclaratieAntwoord"] {
        let Some((decl, loc)) = ctx.top(top) else {
            continue;
        };
        duplicates(decl, &loc, "Clienten", "Client", &["Bsn"], true, out);
        if let Some(list) = decl.child("Clienten") {
            let list_loc = loc.child(list, 1);
            for (i, c) in list.children_named("Client").enumerate() {
                duplicates(
                    c,
                    &list_loc.child(c, i + 1),
                    "Prestaties",
                    "Prestatie",
                    &[
                        "ProductReferentie/ReferentieNummer",
                        "ProductReferentie/VorigReferentieNummer",
                    ],
                    false,
                    out,
                );
            }
        }
    }
}

/// TR134 on the dates the official stylesheet names: birth dates, Toewijzingsdatum,
/// StartProduct Begindatum, StopProduct Einddatum, and the Begindatum of the DeclaratiePeriode
/// and of every ProductPeriode (not the DeclaratieDagtekening: TR335 is about that one).
pub fn tr134(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let shown = ctx
        .dagtekening
        .map_or_else(String::new, |d| format!(" {d}"));
    let mut late = |d: Option<Datum>, path: &dyn Fn() -> String, name: &str| {
        if let Some(d) = d.filter(|&d| ctx.after_dagtekening(d)) {
            out.push(path(), format!("{name} {d} ligt na Dagtekening{shown}"));
        }
    };
    persons(ctx, |p, loc, _| {
        if let Some(g) = p.child("Geboortedatum") {
            late(
                date(g, "Datum"),
                &|| loc.at2("Geboortedatum", "Datum"),
                "Geboortedatum",
            );
        }
    });
    if let Some((client, loc)) = ctx.top("Client") {
        for (list, item, field) in [
            (
                "ToegewezenProducten",
                "ToegewezenProduct",
                "Toewijzingsdatum",
            ),
            ("StartProducten", "StartProduct", "Begindatum"),
            ("StopProducten", "StopProduct", "Einddatum"),
        ] {
            if let Some(l) = client.child(list) {
                let list_loc = loc.child(l, 1);
                for (i, e) in l.children_named(item).enumerate() {
                    late(
                        date(e, field),
                        &|| list_loc.child(e, i + 1).at(field),
                        field,
                    );
                }
            }
        }
    }
    if let Some((decl, loc)) = ctx.top("Declaratie") {
        late(
            date2(decl, "DeclaratiePeriode", "Begindatum"),
            &|| loc.at2("DeclaratiePeriode", "Begindatum"),
            "Begindatum van de DeclaratiePeriode",
        );
    }
    super::declaratie::prestaties(ctx, |p, loc| {
        late(
            date2(p, "ProductPeriode", "Begindatum"),
            &|| loc.at2("ProductPeriode", "Begindatum"),
            "Begindatum van de ProductPeriode",
        );
    });
}

pub fn cs003(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let mut before = |start: Option<crate::standard::types::Datum>,
                      end: Option<crate::standard::types::Datum>,
                      path: &dyn Fn() -> String,
                      start_name: &str,
                      end_name: &str| {
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                out.push(path(), format!("{end_name} {e} ligt voor {start_name} {s}"));
            }
        }
    };
    contacts(ctx, |c, loc| {
        if let Some(p) = c.child("Periode") {
            before(
                date(p, "Begindatum"),
                date(p, "Einddatum"),
                &|| loc.at2("Periode", "Einddatum"),
                "Begindatum",
                "Einddatum",
            );
        }
    });
    each_product(ctx, true, |e, loc, kind: &Kind| {
        before(
            date(e, kind.start),
            date(e, kind.end),
            &|| loc.at(kind.end),
            kind.start,
            kind.end,
        );
    });
}
