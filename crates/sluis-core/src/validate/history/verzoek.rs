//! Verzoek om toewijzing (315), verzoek om wijziging (317) and antwoord (319) against earlier
//! verzoeken, antwoorden and toewijzingen; and TR304 (the client of a referenced toewijzing).

use super::read;
use super::toewijzing::{relate, Relation};
use super::{HistoryCtx, HistorySink};
use crate::standard::types::{Bsn, Datum};
use crate::standard::Element;
use crate::validate::rules::{date, has, items, Loc};

const VERZOEK: &str = "/Bericht/Client/Verzoek";

/// The Ongewijzigd- or TeWijzigenProducten of a 317: path, ToewijzingNummer, element.
fn products<'a>(
    ctx: &HistoryCtx<'a>,
    list: &'a str,
    item: &'a str,
) -> Vec<(String, String, &'a Element)> {
    let Some(v) = ctx.top("Client").and_then(|c| c.child("Verzoek")) else {
        return Vec::new();
    };
    let Some(l) = v.child(list) else {
        return Vec::new();
    };
    let top = Loc::top("Client");
    let vloc = top.child(v, 1);
    let list_loc = vloc.child(l, 1);
    items(v, list, item)
        .filter_map(|(i, e)| {
            Some((
                list_loc.child(e, i).path(),
                read::owned(e, "ToewijzingNummer")?,
                e,
            ))
        })
        .collect()
}

fn client_bsn(ctx: &HistoryCtx<'_>) -> Option<Bsn> {
    read::bsn(ctx.top("Client")?)
}

pub fn tr304(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    if ctx.header.nummer == 323 {
        super::declaratie::each_prestatie(ctx, |e, loc, bsn| {
            let (Some(bsn), Some(nummer)) = (bsn, read::owned(e, "ToewijzingNummer")) else {
                return;
            };
            if let Relation::OtherClient = relate(ctx, &nummer, bsn) {
                out.push(
                    loc.path(),
                    format!("Toewijzing {nummer} van deze prestatie hoort bij een andere cliënt"),
                );
            }
        });
        return;
    }
    let Some(bsn) = client_bsn(ctx) else {
        return;
    };
    for (list, item) in [
        ("OngewijzigdeProducten", "OngewijzigdProduct"),
        ("TeWijzigenProducten", "TeWijzigenProduct"),
    ] {
        for (path, nummer, _) in products(ctx, list, item) {
            if let Relation::OtherClient = relate(ctx, &nummer, &bsn) {
                out.push(
                    path,
                    format!("Toewijzing {nummer} hoort bij een andere cliënt"),
                );
            }
        }
    }
}

pub fn tr347(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let p = &ctx.header.parties;
    let mut check = |referentie: &str, path: String| {
        if ctx
            .history
            .verzoek(p.domein, &p.aanbieder, referentie)
            .is_some()
        {
            out.push(
                path,
                format!("ReferentieAanbieder {referentie} is al eerder gebruikt voor een verzoek"),
            );
        }
    };
    let Some(client) = ctx.top("Client") else {
        return;
    };
    if ctx.header.nummer == 315 {
        let Some(l) = client.child("AangevraagdeProducten") else {
            return;
        };
        let top = Loc::top("Client");
        let list_loc = top.child(l, 1);
        for (i, e) in items(client, "AangevraagdeProducten", "AangevraagdProduct") {
            if let Some(r) = read::owned(e, "ReferentieAanbieder") {
                check(&r, list_loc.child(e, i).path());
            }
        }
    } else if let Some(r) = client
        .child("Verzoek")
        .and_then(|v| read::owned(v, "ReferentieAanbieder"))
    {
        check(&r, VERZOEK.to_string());
    }
}

/// Whether `t` is an actual toewijzing on the message's Dagtekening (TR349–TR351).
fn actueel(ctx: &HistoryCtx<'_>, t: &super::state::ToewijzingVersie) -> bool {
    match ctx.header.dagtekening {
        Some(d) => t.actueel_op(d),
        None => !t.vervallen(),
    }
}

pub fn tr349(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some(bsn) = client_bsn(ctx) else {
        return;
    };
    let named: Vec<String> = products(ctx, "OngewijzigdeProducten", "OngewijzigdProduct")
        .into_iter()
        .chain(products(ctx, "TeWijzigenProducten", "TeWijzigenProduct"))
        .map(|(_, n, _)| n)
        .collect();
    let missing: Vec<String> = ctx
        .history
        .toewijzingen_van_client(&ctx.header.parties, &bsn)
        .iter()
        .filter_map(|s| s.current())
        .filter(|c| c.bsn == bsn && c.parties.aanbieder == ctx.header.parties.aanbieder)
        .filter(|c| actueel(ctx, c) && !named.contains(&c.toewijzingnummer))
        .map(|c| c.toewijzingnummer.clone())
        .collect();
    if !missing.is_empty() {
        out.push(
            VERZOEK.to_string(),
            format!(
                "Het verzoek noemt de actuele toewijzing(en) {} niet als ongewijzigd of te wijzigen product",
                missing.join(", ")
            ),
        );
    }
}

fn not_actual(ctx: &HistoryCtx<'_>, list: &'static str, item: &'static str, out: &mut HistorySink) {
    let Some(bsn) = client_bsn(ctx) else {
        return;
    };
    for (path, nummer, _) in products(ctx, list, item) {
        let why = match relate(ctx, &nummer, &bsn) {
            Relation::Found(t) if actueel(ctx, &t) => continue,
            Relation::OtherClient => continue, // TR304
            Relation::Found(_) => "is geen actuele toewijzing meer",
            Relation::Removed => "is verwijderd (RedenWijziging 13)",
            Relation::Unknown => "is geen toewijzing aan deze aanbieder",
        };
        out.push(path, format!("Toewijzing {nummer} {why}"));
    }
}

pub fn tr350(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    not_actual(ctx, "OngewijzigdeProducten", "OngewijzigdProduct", out);
}

pub fn tr351(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    not_actual(ctx, "TeWijzigenProducten", "TeWijzigenProduct", out);
}

/// TeWijzigenProducten whose toewijzing is found, with their wished start.
fn te_wijzigen<'a>(
    ctx: &HistoryCtx<'a>,
) -> Vec<(
    String,
    Box<super::state::ToewijzingVersie>,
    Datum,
    &'a Element,
)> {
    let Some(bsn) = client_bsn(ctx) else {
        return Vec::new();
    };
    products(ctx, "TeWijzigenProducten", "TeWijzigenProduct")
        .into_iter()
        .filter_map(|(path, nummer, e)| match relate(ctx, &nummer, &bsn) {
            Relation::Found(t) => Some((path, t, date(e, "GewensteIngangsdatum")?, e)),
            _ => None,
        })
        .collect()
}

pub fn tr357(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some(dag) = ctx.header.dagtekening else {
        return;
    };
    for (path, t, gewenst, _) in te_wijzigen(ctx) {
        if gewenst <= dag && gewenst != t.ingangsdatum {
            out.push(
                path,
                format!(
                    "GewensteIngangsdatum {gewenst} ligt niet na de dagtekening en is niet de ingangsdatum {} van toewijzing {}",
                    t.ingangsdatum, t.toewijzingnummer
                ),
            );
        }
    }
}

pub fn tr373(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    for (path, t, gewenst, e) in te_wijzigen(ctx) {
        let budget_changed =
            crate::validate::rules::int(e, "Budget").is_some_and(|b| t.budget != Some(b));
        let total_changed =
            read::omvang(e).is_some_and(|o| o.frequentie == "6" && t.omvang.as_ref() != Some(&o));
        if (budget_changed || total_changed) && gewenst != t.ingangsdatum {
            out.push(
                path,
                format!(
                    "Het {} wijzigt, maar GewensteIngangsdatum {gewenst} is niet de ingangsdatum {} van de toewijzing",
                    if budget_changed { "budget" } else { "totaal over de looptijd" },
                    t.ingangsdatum
                ),
            );
        }
    }
}

pub fn tr374(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some(bsn) = client_bsn(ctx) else {
        return;
    };
    let p = &ctx.header.parties;
    let open = ctx
        .history
        .verzoeken_van_client(p, &bsn)
        .into_iter()
        .find(|v| {
            let r = &v.referentie_aanbieder;
            let afgewezen = ctx
                .history
                .antwoorden(p.domein, &p.aanbieder, r)
                .iter()
                .any(|a| a.verzoek_antwoord == "1");
            let toegewezen = !ctx
                .history
                .toewijzingen_met_referentie(p.domein, &p.aanbieder, r)
                .is_empty();
            !afgewezen && !toegewezen
        });
    if let Some(v) = open {
        out.push(
            "/Bericht/Client".to_string(),
            format!(
                "Het verzoek met ReferentieAanbieder {} voor deze cliënt is nog in behandeling",
                v.referentie_aanbieder
            ),
        );
    }
}

/// TR375 and TR411/TR412: Omvang in a TeWijzigenProduct against the toewijzing's product code.
fn omvang_vs_code(ctx: &HistoryCtx<'_>, out: &mut HistorySink, want_omvang_with_code: bool) {
    for (path, t, _, e) in te_wijzigen(ctx) {
        let coded = t.product.code.is_some();
        let omvang = has(e, "Omvang");
        if want_omvang_with_code {
            if coded && !omvang {
                out.push(
                    path,
                    format!(
                        "Omvang ontbreekt terwijl toewijzing {} een productcode heeft",
                        t.toewijzingnummer
                    ),
                );
            }
        } else if !coded
            && omvang
            && crate::validate::rules::after_2020_or_open(date(e, "Einddatum"))
        {
            out.push(
                path,
                format!(
                    "Omvang is gevuld terwijl toewijzing {} geen productcode heeft en de einddatum na 2020 ligt of open is",
                    t.toewijzingnummer
                ),
            );
        }
    }
}

pub fn tr375(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    omvang_vs_code(ctx, out, false);
}

pub fn tr411(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    omvang_vs_code(ctx, out, true);
}

pub fn tr412(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    omvang_vs_code(ctx, out, false);
}

/// The Antwoord of a 319 with its ReferentieAanbieder.
fn antwoord<'a>(ctx: &HistoryCtx<'a>) -> Option<(&'a Element, String)> {
    let a = ctx.top("Antwoord")?;
    Some((a, read::owned(a, "ReferentieAanbieder")?))
}

const ANTWOORD: &str = "/Bericht/Antwoord";

pub fn tr355(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some((_, r)) = antwoord(ctx) else {
        return;
    };
    let p = &ctx.header.parties;
    let known = ctx
        .history
        .verzoek(p.domein, &p.aanbieder, &r)
        .is_some_and(|v| v.parties.gemeente == p.gemeente);
    if !known {
        out.push(
            ANTWOORD.to_string(),
            format!(
                "ReferentieAanbieder {r} verwijst niet naar een eerder verzoek van de aanbieder"
            ),
        );
    }
}

pub fn tr359(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some((_, r)) = antwoord(ctx) else {
        return;
    };
    let p = &ctx.header.parties;
    if !ctx
        .history
        .toewijzingen_met_referentie(p.domein, &p.aanbieder, &r)
        .is_empty()
    {
        out.push(
            ANTWOORD.to_string(),
            format!("Op het verzoek met ReferentieAanbieder {r} is al een toewijzing gestuurd"),
        );
    }
}

pub fn tr360(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some((a, r)) = antwoord(ctx) else {
        return;
    };
    if read::owned(a, "VerzoekAntwoord").as_deref() != Some("2") {
        return;
    }
    let p = &ctx.header.parties;
    if !ctx
        .history
        .antwoorden(p.domein, &p.aanbieder, &r)
        .is_empty()
    {
        out.push(
            ANTWOORD.to_string(),
            format!("Op het verzoek met ReferentieAanbieder {r} is al eerder geantwoord; 'aanvraag in onderzoek' kan alleen als eerste antwoord"),
        );
    }
}

pub fn tr365(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some((_, r)) = antwoord(ctx) else {
        return;
    };
    let p = &ctx.header.parties;
    if let Some(earlier) = ctx
        .history
        .antwoorden(p.domein, &p.aanbieder, &r)
        .into_iter()
        .find(|a| a.verzoek_antwoord != "2")
    {
        out.push(
            ANTWOORD.to_string(),
            format!(
                "Op het verzoek met ReferentieAanbieder {r} is al geantwoord met VerzoekAntwoord {}",
                earlier.verzoek_antwoord
            ),
        );
    }
}

/// A product line of a 317 with the period it asks for.
struct Span {
    path: String,
    product: super::state::Product,
    begin: Datum,
    end: Option<Datum>,
    nieuw: bool,
}

/// TR361: like TR410, but OngewijzigdProduct and TeWijzigenProduct take part too, with the
/// product of their toewijzing (Ongewijzigd: its whole period; TeWijzigen: from the
/// GewensteIngangsdatum to its Einddatum, or the toewijzing's).
pub fn tr361(ctx: &HistoryCtx<'_>, out: &mut HistorySink) {
    let Some(bsn) = client_bsn(ctx) else {
        return;
    };
    let mut spans = Vec::new();
    for (path, nummer, _) in products(ctx, "OngewijzigdeProducten", "OngewijzigdProduct") {
        if let Relation::Found(t) = relate(ctx, &nummer, &bsn) {
            spans.push(Span {
                path,
                product: t.product.clone(),
                begin: t.ingangsdatum,
                end: t.einddatum,
                nieuw: false,
            });
        }
    }
    for (path, t, gewenst, e) in te_wijzigen(ctx) {
        spans.push(Span {
            path,
            product: t.product.clone(),
            begin: gewenst,
            end: date(e, "Einddatum").or(t.einddatum),
            nieuw: false,
        });
    }
    if let Some(v) = ctx.top("Client").and_then(|c| c.child("Verzoek")) {
        if let Some(l) = v.child("NieuweProducten") {
            let top = Loc::top("Client");
            let vloc = top.child(v, 1);
            let list_loc = vloc.child(l, 1);
            for (i, e) in items(v, "NieuweProducten", "NieuwProduct") {
                if let Some(begin) = date(e, "GewensteIngangsdatum") {
                    spans.push(Span {
                        path: list_loc.child(e, i).path(),
                        product: read::product(e),
                        begin,
                        end: date(e, "Einddatum"),
                        nieuw: true,
                    });
                }
            }
        }
    }
    let ijw = ctx.ijw();
    let free = |c: &Option<String>| !ijw && matches!(c.as_deref(), Some("11" | "12" | "13" | "14"));
    for j in 1..spans.len() {
        let b = &spans[j];
        for a in &spans[..j] {
            if (a.nieuw && b.nieuw) || free(&a.product.categorie) || free(&b.product.categorie) {
                continue; // two new products: TR410, in the message itself
            }
            let same = match (&a.product.categorie, &b.product.categorie) {
                (Some(x), Some(y)) if x != y => false,
                (Some(_), Some(_)) => match (&a.product.code, &b.product.code) {
                    (Some(x), Some(y)) => x == y,
                    _ => true,
                },
                _ => true,
            };
            let overlaps =
                a.end.is_none_or(|ae| b.begin <= ae) && b.end.is_none_or(|be| a.begin <= be);
            if same && overlaps {
                out.push(
                    b.path.clone(),
                    format!(
                        "Dit product overlapt van {} met een ander product in het verzoek ({} tot en met {})",
                        b.begin,
                        a.begin,
                        a.end.map_or_else(|| "open einde".to_string(), |d| d.to_string())
                    ),
                );
                break;
            }
        }
    }
}
