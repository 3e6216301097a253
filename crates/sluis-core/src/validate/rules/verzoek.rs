//! Rules of the requests: verzoek om toewijzing (315), verzoek om wijziging (317) and the
//! answer to a request (319).

use super::toewijzing::{each_of, overlap, AANGEVRAAGD, NIEUW};
use super::{date, has, text, MessageCtx, MessageSink};
use std::collections::HashSet;

pub fn cd043(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    each_of(ctx, &AANGEVRAAGD, |e, loc, _| {
        let nummer = has(e, "BeschikkingNummer");
        let datum = has(e, "BeschikkingIngangsdatum");
        if nummer && !datum {
            out.push(
                loc.at("BeschikkingIngangsdatum"),
                "BeschikkingIngangsdatum ontbreekt terwijl BeschikkingNummer gevuld is".to_string(),
            );
        } else if !nummer && datum {
            out.push(
                loc.at("BeschikkingIngangsdatum"),
                "BeschikkingIngangsdatum is gevuld terwijl BeschikkingNummer leeg is".to_string(),
            );
        }
    });
}

/// Verwijzer types that name a care provider (02–05).
fn zorgverlener_type(t: &str) -> bool {
    matches!(t, "02" | "03" | "04" | "05")
}

/// Calls `f` with each Verwijzer whose Type is readable.
fn verwijzers(
    ctx: &MessageCtx<'_>,
    mut f: impl FnMut(&crate::standard::Element, &str, &super::Loc<'_>),
) {
    each_of(ctx, &AANGEVRAAGD, |e, loc, _| {
        if let Some(v) = e.child("Verwijzer") {
            if let Some(t) = text(v, "Type") {
                f(v, t, &loc.child(v, 1));
            }
        }
    });
}

pub fn cd066(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    verwijzers(ctx, |v, t, loc| {
        if zorgverlener_type(t) && has(v, "ZorgverlenerCode") && has(v, "Naam") {
            out.push(
                loc.at("Naam"),
                format!("Naam van de verwijzer is gevuld terwijl Type {t} is en ZorgverlenerCode gevuld is"),
            );
        }
    });
}

pub fn cd067(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    verwijzers(ctx, |v, t, loc| {
        if zorgverlener_type(t) && !has(v, "ZorgverlenerCode") && !has(v, "Naam") {
            out.push(
                loc.at("Naam"),
                format!("Naam van de verwijzer ontbreekt terwijl Type {t} is en ZorgverlenerCode leeg is"),
            );
        }
    });
}

pub fn cd068(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    verwijzers(ctx, |v, t, loc| {
        if !zorgverlener_type(t) && has(v, "ZorgverlenerCode") {
            out.push(
                loc.at("ZorgverlenerCode"),
                format!(
                    "ZorgverlenerCode is gevuld terwijl Type {t} is (alleen bij 02, 03, 04 of 05)"
                ),
            );
        }
    });
}

pub fn tr383(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let mut seen: HashSet<&str> = HashSet::new();
    each_of(ctx, &AANGEVRAAGD, |e, loc, _| {
        if let Some(r) = text(e, "ReferentieAanbieder") {
            if !seen.insert(r) {
                out.push(
                    loc.at("ReferentieAanbieder"),
                    format!(
                        "ReferentieAanbieder '{r}' komt bij meer dan één AangevraagdProduct voor"
                    ),
                );
            }
        }
    });
}

pub fn tr386(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    overlap(ctx, &AANGEVRAAGD, false, out);
}

pub fn tr410(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    overlap(ctx, &NIEUW, false, out);
}

/// Whether the Verzoek has at least one item in `list`.
fn any_in(verzoek: &crate::standard::Element, list: &str) -> bool {
    verzoek
        .child(list)
        .is_some_and(|l| !l.children().is_empty())
}

pub fn tr352(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let Some((client, loc)) = ctx.top("Client") else {
        return;
    };
    let Some(v) = client.child("Verzoek") else {
        return;
    };
    if !any_in(v, "OngewijzigdeProducten") && !any_in(v, "TeWijzigenProducten") {
        out.push(
            loc.child(v, 1).path(),
            "Verzoek bevat geen OngewijzigdProduct en geen TeWijzigenProduct".to_string(),
        );
    }
}

pub fn tr353(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let Some((client, loc)) = ctx.top("Client") else {
        return;
    };
    let Some(v) = client.child("Verzoek") else {
        return;
    };
    if !any_in(v, "TeWijzigenProducten") && !any_in(v, "NieuweProducten") {
        out.push(
            loc.child(v, 1).path(),
            "Verzoek bevat geen TeWijzigenProduct en geen NieuwProduct".to_string(),
        );
    }
}

pub fn tr380(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let Some(dag) = ctx.dagtekening else {
        return;
    };
    // Only a new product must start after the Dagtekening. A TeWijzigenProduct may start on or
    // before it when it keeps the original Ingangsdatum (a change over the whole period); that
    // needs the original assignment and is the cross-message rule TR357.
    each_of(ctx, &NIEUW, |e, loc, _| {
        if let Some(d) = date(e, "GewensteIngangsdatum") {
            if d <= dag {
                out.push(
                    loc.at("GewensteIngangsdatum"),
                    format!("GewensteIngangsdatum {d} ligt niet na Dagtekening {dag}"),
                );
            }
        }
    });
}

pub fn cd085(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let Some((a, loc)) = ctx.top("Antwoord") else {
        return;
    };
    if text(a, "VerzoekAntwoord") == Some("1") && !has(a, "RedenAfwijzingVerzoek") {
        out.push(
            loc.at("RedenAfwijzingVerzoek"),
            "RedenAfwijzingVerzoek ontbreekt terwijl het verzoek is afgewezen (VerzoekAntwoord 1)"
                .to_string(),
        );
    }
}

pub fn cd086(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let Some((a, loc)) = ctx.top("Antwoord") else {
        return;
    };
    if text(a, "VerzoekAntwoord") == Some("2") && has(a, "RedenAfwijzingVerzoek") {
        out.push(
            loc.at("RedenAfwijzingVerzoek"),
            "RedenAfwijzingVerzoek is gevuld terwijl de aanvraag in onderzoek is (VerzoekAntwoord 2)"
                .to_string(),
        );
    }
}

pub fn tr377(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let Some((a, loc)) = ctx.top("Antwoord") else {
        return;
    };
    if text(a, "RedenAfwijzingVerzoek") == Some("8") && !has(a, "Woonplaatsbeginsel") {
        out.push(
            loc.at("Woonplaatsbeginsel"),
            "Woonplaatsbeginsel ontbreekt terwijl RedenAfwijzingVerzoek 8 (woonplaatsbeginsel) is"
                .to_string(),
        );
    }
}

pub fn tr409(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let Some((a, loc)) = ctx.top("Antwoord") else {
        return;
    };
    // Like the stylesheet's `!=`, an absent reason is not "other than 8".
    if let Some(r) = text(a, "RedenAfwijzingVerzoek") {
        if r != "8" && has(a, "Woonplaatsbeginsel") {
            out.push(
                loc.at("Woonplaatsbeginsel"),
                format!("Woonplaatsbeginsel is gevuld terwijl RedenAfwijzingVerzoek {r} is (alleen bij 8)"),
            );
        }
    }
}
