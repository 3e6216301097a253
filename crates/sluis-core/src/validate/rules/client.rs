//! Rules about the client and related persons: BSN, birth date, name, communication, contacts.

use super::{date, date_number, has, items, text, text2, Loc, MessageCtx, MessageSink};
use crate::standard::types::Bsn;
use crate::standard::Element;

/// Calls `f` for the client and (JW301/WMO301) every related person, with their location.
pub(super) fn persons(ctx: &MessageCtx<'_>, mut f: impl FnMut(&Element, &Loc<'_>, bool)) {
    let Some((client, loc)) = ctx.top("Client") else {
        return;
    };
    f(client, &loc, true);
    if let Some(list) = client.child("Relaties") {
        let list_loc = loc.child(list, 1);
        for (i, r) in list.children_named("Relatie").enumerate() {
            f(r, &list_loc.child(r, i + 1), false);
        }
    }
}

/// Calls `f` for every `Contact` (of the client and of related persons) with its location.
pub(super) fn contacts(ctx: &MessageCtx<'_>, mut f: impl FnMut(&Element, &Loc<'_>)) {
    persons(ctx, |p, loc, is_client| {
        if is_client {
            if let Some(list) = p.child("Contactgegevens") {
                let list_loc = loc.child(list, 1);
                for (i, c) in list.children_named("Contact").enumerate() {
                    f(c, &list_loc.child(c, i + 1));
                }
            }
        } else if let Some(c) = p.child("Contact") {
            f(c, &loc.child(c, 1));
        }
    });
}

/// The elfproef: 9·d1 + 8·d2 + … + 2·d8 − d9 is a multiple of 11.
pub fn elfproef(bsn: &Bsn) -> bool {
    let d = bsn.digits();
    let mut sum: i32 = 0;
    for (i, &digit) in d.iter().enumerate().take(8) {
        sum += (9 - i as i32) * i32::from(digit);
    }
    sum -= i32::from(d[8]);
    sum % 11 == 0
}

pub fn cs002(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let mut check = |client: &Element, loc: &Loc<'_>| {
        if let Some(bsn) = text(client, "Bsn").and_then(Bsn::parse) {
            if !elfproef(&bsn) {
                // Never the number itself: it identifies a person.
                out.push(
                    loc.at("Bsn"),
                    "Bsn voldoet niet aan de elfproef".to_string(),
                );
            }
        }
    };
    if let Some((client, loc)) = ctx.top("Client") {
        check(client, &loc);
    }
    for top in ["Declaratie", "DeclaratieAntwoord"] {
        if let Some((decl, loc)) = ctx.top(top) {
            if let Some(list) = decl.child("Clienten") {
                let list_loc = loc.child(list, 1);
                for (i, c) in list.children_named("Client").enumerate() {
                    check(c, &list_loc.child(c, i + 1));
                }
            }
        }
    }
}

pub fn tr002(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let Some(dag) = ctx.dag_getal else {
        return;
    };
    persons(ctx, |p, loc, _| {
        let Some(g) = p.child("Geboortedatum") else {
            return;
        };
        let Some(datum) = date(g, "Datum") else {
            return;
        };
        // An unknown birth date is written 1900-01-01 with DatumGebruik 3; like the official
        // stylesheet, only that combination is exempt (1900-01-01 with another DatumGebruik,
        // or none, is judged).
        if datum.to_string() == "1900-01-01" && text(g, "DatumGebruik") == Some("3") {
            return;
        }
        // The stylesheet's arithmetic: JJJJMMDD + 120·10000 before the Dagtekening's number.
        if date_number(datum) + 120 * 10_000 < dag {
            let shown = ctx
                .dagtekening
                .map_or_else(String::new, |d| format!(" {d}"));
            out.push(
                loc.at2("Geboortedatum", "Datum"),
                format!("Geboortedatum {datum} ligt meer dan 120 jaar voor Dagtekening{shown}"),
            );
        }
    });
}

pub fn cs139(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    persons(ctx, |p, loc, _| {
        let Some(g) = p.child("Geboortedatum") else {
            return;
        };
        let (Some(datum), Some(gebruik)) = (date(g, "Datum"), text(g, "DatumGebruik")) else {
            return;
        };
        let t = datum.date();
        let (day, month) = (t.day(), t.month() as u8);
        let ok = match gebruik {
            "1" => day == 1,
            "2" => day == 1 && month == 1,
            "3" => t.year() == 1900 && day == 1 && month == 1,
            _ => true,
        };
        if !ok {
            let what = match gebruik {
                "1" => "dag onbekend: de dag moet 01 zijn",
                "2" => "dag en maand onbekend: de datum moet op 1 januari vallen",
                _ => "datum onbekend: de datum moet 1900-01-01 zijn",
            };
            out.push(
                loc.at2("Geboortedatum", "DatumGebruik"),
                format!("Geboortedatum {datum} past niet bij DatumGebruik {gebruik} ({what})"),
            );
        }
    });
}

pub fn cs050(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    persons(ctx, |p, loc, _| {
        let Some(naam) = p.child("Naam") else {
            return;
        };
        let partner = has(naam, "Partnernaam");
        // NaamGebruik is required by the XSD: when it is missing, that is the finding.
        let Some(gebruik) = text(naam, "NaamGebruik") else {
            return;
        };
        // The iWmo stylesheet allows only 1 without a Partnernaam (its rule text also names 6;
        // the official module is followed, see docs/rules.md).
        let allowed: &[&str] = match (partner, ctx.ijw) {
            (true, _) => &["1", "2", "3", "4"],
            (false, true) => &["1", "6"],
            (false, false) => &["1"],
        };
        if !allowed.contains(&gebruik) {
            let msg = if partner {
                format!(
                    "NaamGebruik {gebruik} is niet toegestaan bij een Partnernaam (1, 2, 3 of 4)"
                )
            } else {
                format!(
                    "NaamGebruik {gebruik} is zonder Partnernaam niet toegestaan ({})",
                    allowed.join(" of ")
                )
            };
            out.push(loc.at2("Naam", "NaamGebruik"), msg);
        }
    });
}

pub fn cs318(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let Some((client, loc)) = ctx.top("Client") else {
        return;
    };
    if text2(client, "Naam", "NaamGebruik") == Some("6") {
        out.push(
            loc.at2("Naam", "NaamGebruik"),
            "NaamGebruik 6 (niet-natuurlijk persoon) is niet toegestaan voor de cliënt".to_string(),
        );
    }
}

pub fn cd007(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let Some((client, loc)) = ctx.top("Client") else {
        return;
    };
    let Some(comm) = client.child("Communicatie") else {
        return;
    };
    let Some(vorm) = text(comm, "Vorm") else {
        return;
    };
    let taal = has(comm, "Taal");
    if vorm == "1" && !taal {
        out.push(
            loc.at2("Communicatie", "Taal"),
            "Taal ontbreekt terwijl Vorm 1 (tolk taal) is".to_string(),
        );
    } else if vorm != "1" && taal {
        out.push(
            loc.at2("Communicatie", "Taal"),
            format!("Taal is gevuld terwijl Vorm {vorm} is (alleen bij 1, tolk taal)"),
        );
    }
}

pub fn tr006(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    contacts(ctx, |c, loc| {
        if has(c, "Telefoon") {
            return;
        }
        let adres = c.child("Adres");
        let huis = adres.is_some_and(|a| has(a, "Huis"));
        let postcode = adres.is_some_and(|a| has(a, "Postcode"));
        if !(huis && postcode) {
            out.push(
                loc.path(),
                "Contact heeft geen Telefoon en ook niet zowel Huis als Postcode".to_string(),
            );
        }
    });
}

pub fn cd009(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    contacts(ctx, |c, loc| {
        if let Some(soort) = text(c, "Soort") {
            if soort != "04" && has(c, "Periode") {
                out.push(
                    loc.at("Periode"),
                    format!("Periode is gevuld bij adressoort {soort} (alleen toegestaan bij 04, tijdelijk adres)"),
                );
            }
        }
    });
}

pub fn cd005(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    contacts(ctx, |c, loc| {
        let Some(adres) = c.child("Adres") else {
            return;
        };
        let postcode = has(adres, "Postcode");
        let land = has(adres, "LandCode");
        if postcode && !land {
            out.push(
                loc.at2("Adres", "LandCode"),
                "LandCode ontbreekt terwijl Postcode gevuld is".to_string(),
            );
        } else if !postcode && land {
            out.push(
                loc.at2("Adres", "LandCode"),
                "LandCode is gevuld terwijl Postcode leeg is".to_string(),
            );
        }
    });
}

pub fn cd025(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    contacts(ctx, |c, loc| {
        let Some(adres) = c.child("Adres") else {
            return;
        };
        if text(adres, "LandCode") == Some("NL") && !has(adres, "Huis") {
            out.push(
                loc.at2("Adres", "Huis"),
                "Huis ontbreekt bij een adres met LandCode NL".to_string(),
            );
        }
    });
}

pub fn cd034(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    contacts(ctx, |c, loc| {
        let Some(soort) = text(c, "Soort") else {
            return;
        };
        // A contact of soort 01 or 03 without any Adres has no Postcode either (stylesheet).
        let postcode = c.child("Adres").is_some_and(|a| has(a, "Postcode"));
        if (soort == "01" || soort == "03") && !postcode {
            out.push(
                loc.at2("Adres", "Postcode"),
                format!("Postcode ontbreekt bij adressoort {soort}"),
            );
        }
    });
}

/// A Dutch postcode: `[1-9][0-9]{3}[a-zA-Z]{2}`.
pub fn dutch_postcode(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 6
        && (b'1'..=b'9').contains(&b[0])
        && b[1..4].iter().all(u8::is_ascii_digit)
        && b[4..].iter().all(u8::is_ascii_alphabetic)
}

pub fn cs089(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    contacts(ctx, |c, loc| {
        let Some(adres) = c.child("Adres") else {
            return;
        };
        if text(adres, "LandCode") != Some("NL") {
            return;
        }
        // A missing Postcode does not have the Dutch form either (as the stylesheet judges).
        match text(adres, "Postcode") {
            Some(pc) if dutch_postcode(pc) => {}
            Some(pc) => out.push(
                loc.at2("Adres", "Postcode"),
                format!("Postcode '{pc}' is geen Nederlandse postcode (1234AB) bij LandCode NL"),
            ),
            None if !has(adres, "Postcode") => out.push(
                loc.at2("Adres", "Postcode"),
                "Postcode ontbreekt bij LandCode NL".to_string(),
            ),
            None => {}
        }
    });
}

pub fn tr061(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let Some((client, loc)) = ctx.top("Client") else {
        return;
    };
    let Some(list) = client.child("Contactgegevens") else {
        return;
    };
    let mut found = false;
    for (_, c) in items(client, "Contactgegevens", "Contact") {
        if let Some(s) = c.child("Soort") {
            match super::value(s) {
                Some(v) if matches!(&*v.lexical(), "01" | "02" | "03") => found = true,
                Some(_) => {}
                // An unreadable Soort might have been one of them: do not judge.
                None => return,
            }
        }
    }
    if !found {
        out.push(
            loc.child(list, 1).path(),
            "Contactgegevens bevat geen adres van soort 01 (BRP), 02 (correspondentie) of 03 (verblijf)"
                .to_string(),
        );
    }
}
