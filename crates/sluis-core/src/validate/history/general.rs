//! Rules for every message: unique identificatie (TR056) and the external code lists (TR378
//! gemeentecodes, TR381 productcodes).

use super::read;
use super::{HistoryCtx, HistorySink};
use crate::standard::types::Datum;
use crate::standard::Element;
use crate::validate::rules::{items, Loc};

pub fn tr056(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
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

pub fn tr135(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
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

pub fn tr378(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let (codes, lijst) = (&ctx.ext.gemeentecodes, &ctx.ext.gemeentelijst);
    if codes.is_none() && lijst.is_none() {
        return;
    }
    // The list current on the Ingangsdatum (or ToewijzingIngangsdatum) counts, so a code
    // merged away since is still right for an older toewijzing; otherwise the Dagtekening.
    let mut dates: Vec<Datum> = ctx.header.dagtekening.into_iter().collect();
    for e in &ctx.doc.children {
        ingangsdata(e, &mut dates);
    }
    let accepted = |code: &str| {
        codes.as_ref().is_some_and(|c| c.contains(code))
            || lijst
                .as_ref()
                .is_some_and(|l| dates.iter().any(|&d| l.geldig_op(code, d)))
    };
    let h = &ctx.header;
    let element = if h.afzender == h.parties.gemeente {
        "Afzender"
    } else {
        "Ontvanger"
    };
    let mut check = |code: &str, path: String| {
        if !accepted(code) {
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

/// Every valid Ingangsdatum and ToewijzingIngangsdatum below `e`.
fn ingangsdata(e: &Element, out: &mut Vec<Datum>) {
    for c in e.children() {
        if matches!(c.name(), "Ingangsdatum" | "ToewijzingIngangsdatum") {
            if let Some(crate::standard::Value::Date(d)) = c.value() {
                out.push(*d);
            }
        } else {
            ingangsdata(c, out);
        }
    }
}

/// Calls `f` for every product line of the message with its location and (category, code).
fn product_lines(ctx: &HistoryCtx<'_>, mut f: impl FnMut(String, Option<String>, Option<String>)) {
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

pub fn tr381(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
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

#[cfg(test)]
mod tests {
    use super::super::{check, External, MemoryHistory};
    use crate::standard::gemeenten::Gemeentelijst;
    use std::collections::BTreeSet;

    const JW319: &str = include_str!("../../../../../fixtures/ijw-3.2/JW319/valid/volledig.xml");

    fn tr378(xml: &str, ext: &External) -> Vec<String> {
        let v = crate::validate(xml.as_bytes(), &crate::Limits::default()).expect("reads");
        assert!(v.findings.is_empty(), "{:?}", v.findings);
        check(&v.document, &MemoryHistory::new(), ext)
            .into_iter()
            .filter(|f| f.code == "TR378")
            .map(|f| f.path)
            .collect()
    }

    fn gateway_like() -> External {
        // As the gateway configures it: its own gemeente plus the CBS list.
        External {
            gemeentecodes: Some(BTreeSet::from(["0599".to_string()])),
            gemeentelijst: Some(Gemeentelijst::embedded()),
            ..External::default()
        }
    }

    #[test]
    fn woonplaatsbeginsel_names_another_real_gemeente() {
        // Refused with reden 8, the responsible gemeente is Leidschendam-Voorburg (1916).
        let other = JW319.replace(
            "<jw319:Gemeente>0599</jw319:Gemeente>",
            "<jw319:Gemeente>1916</jw319:Gemeente>",
        );
        assert!(tr378(&other, &gateway_like()).is_empty());
        // With only the configured gemeente (the old reading) it would be rejected.
        let own_only = External {
            gemeentecodes: Some(BTreeSet::from(["0599".to_string()])),
            ..External::default()
        };
        assert_eq!(
            tr378(&other, &own_only),
            ["/Bericht/Antwoord/Woonplaatsbeginsel/Gemeente"]
        );
    }

    #[test]
    fn codes_not_in_the_list_on_the_date_are_rejected() {
        let unknown = JW319.replace(
            "<jw319:Gemeente>0599</jw319:Gemeente>",
            "<jw319:Gemeente>0999</jw319:Gemeente>",
        );
        assert_eq!(
            tr378(&unknown, &gateway_like()),
            ["/Bericht/Antwoord/Woonplaatsbeginsel/Gemeente"]
        );
        // Brielle was merged into Voorne aan Zee on 2023-01-01: not a gemeente in 2026.
        let merged = JW319.replace(
            "<jw319:Gemeente>0599</jw319:Gemeente>",
            "<jw319:Gemeente>0501</jw319:Gemeente>",
        );
        assert_eq!(tr378(&merged, &gateway_like()).len(), 1);
    }
}
