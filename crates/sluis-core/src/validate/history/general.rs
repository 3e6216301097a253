//! Rules for every message: unique identificatie (TR056) and the external code lists (TR378
//! gemeentecodes, TR381 productcodes).

use super::read;
use super::{Ctx, Sink};
use crate::standard::Element;
use crate::validate::rules::{items, Loc};

pub fn tr056(ctx: &Ctx<'_>, out: &mut Sink) {
    let h = &ctx.header;
    if ctx
        .history
        .identificatie_bekend(h.berichtsoort, &h.afzender, &h.identificatie)
    {
        out.push(
            "/Bericht/Header/BerichtIdentificatie/Identificatie".to_string(),
            format!(
                "Identificatie {} is al eerder door deze afzender gebruikt in een {}",
                h.identificatie, h.berichtsoort
            ),
        );
    }
}

pub fn tr135(ctx: &Ctx<'_>, out: &mut Sink) {
    let (Some(vandaag), Some(dag)) = (ctx.vandaag, ctx.header.dagtekening) else {
        return;
    };
    if dag > vandaag {
        out.push(
            "/Bericht/Header/BerichtIdentificatie/Dagtekening".to_string(),
            format!("Dagtekening {dag} ligt na de systeemdatum {vandaag}"),
        );
    }
}

pub fn tr378(ctx: &Ctx<'_>, out: &mut Sink) {
    let Some(codes) = &ctx.ext.gemeentecodes else {
        return;
    };
    let h = &ctx.header;
    let element = if h.afzender == h.parties.gemeente {
        "Afzender"
    } else {
        "Ontvanger"
    };
    let mut check = |code: &str, path: String| {
        if !codes.contains(code) {
            out.push(
                path,
                format!("Gemeentecode {code} komt niet voor in de gemeentelijke indeling"),
            );
        }
    };
    check(&h.parties.gemeente, format!("/Bericht/Header/{element}"));
    if let Some(w) = ctx
        .top("Antwoord")
        .and_then(|a| a.child("Woonplaatsbeginsel"))
    {
        if let Some(code) = read::owned(w, "Gemeente") {
            check(
                &code,
                "/Bericht/Antwoord/Woonplaatsbeginsel/Gemeente".to_string(),
            );
        }
    }
}

/// Calls `f` for every product line of the message with its location and (category, code).
fn product_lines(ctx: &Ctx<'_>, mut f: impl FnMut(String, Option<String>, Option<String>)) {
    fn product(e: &Element) -> (Option<String>, Option<String>) {
        let p = e.child("Product");
        (
            p.and_then(|p| read::owned(p, "Categorie")),
            p.and_then(|p| read::owned(p, "Code")),
        )
    }
    if let Some(client) = ctx.top("Client") {
        let loc = Loc::top("Client");
        let lists: &[(&str, &str)] = match ctx.header.nummer {
            301 => &[("ToegewezenProducten", "ToegewezenProduct")],
            305 => &[("StartProducten", "StartProduct")],
            307 => &[("StopProducten", "StopProduct")],
            315 => &[("AangevraagdeProducten", "AangevraagdProduct")],
            _ => &[],
        };
        for &(list, item) in lists {
            let Some(l) = client.child(list) else {
                continue;
            };
            let list_loc = loc.child(l, 1);
            for (i, e) in items(client, list, item) {
                let (cat, code) = product(e);
                f(list_loc.child(e, i).path(), cat, code);
            }
        }
        if let Some(v) = client.child("Verzoek") {
            let vloc = loc.child(v, 1);
            if let Some(l) = v.child("NieuweProducten") {
                let list_loc = vloc.child(l, 1);
                for (i, e) in items(v, "NieuweProducten", "NieuwProduct") {
                    let (cat, code) = product(e);
                    f(list_loc.child(e, i).path(), cat, code);
                }
            }
        }
    }
    if ctx.header.nummer == 323 {
        super::declaratie::each_prestatie(ctx, |e, loc, _| {
            f(
                loc.path(),
                read::owned(e, "ProductCategorie"),
                read::owned(e, "ProductCode"),
            );
        });
    }
}

pub fn tr381(ctx: &Ctx<'_>, out: &mut Sink) {
    let Some(lists) = &ctx.ext.productcodes else {
        return;
    };
    product_lines(ctx, |path, cat, code| {
        let Some(code) = code else {
            return;
        };
        let fits = cat
            .as_ref()
            .and_then(|c| lists.get(c.as_str()))
            .is_some_and(|s| s.contains(code.as_str()));
        if !fits {
            out.push(
                path,
                match cat {
                    Some(c) => format!(
                        "ProductCode {code} hoort volgens de productcodelijst niet bij categorie {c}"
                    ),
                    None => format!("ProductCode {code} staat niet in de productcodelijst"),
                },
            );
        }
    });
}
