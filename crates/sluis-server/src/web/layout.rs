//! The frame of every page (landmarks, skip link, navigation per role, sign-out form) and the
//! small formatting helpers: dates as people write them, euros, shares.

use super::session::Session;
use crate::security::access::Role;
use maud::{html, Markup, DOCTYPE};
use sluis_core::doelbereik::omschrijving::ProductOmschreven;
use sluis_core::doelbereik::Figure;
use sluis_core::standard::types::Datum;
use sluis_core::stuurinformatie::{Richting, Stap, Uitkomst};
use sluis_core::validate::history::{Domein, Product};

/// The navigation of a role: (path, label).
fn nav(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::Gebiedsteam => &[
            ("/caseload", "Caseload"),
            ("/validatie", "Bericht controleren"),
        ],
        Role::Contractmanager => &[
            ("/aanbieders", "Aanbieders"),
            ("/berichten", "Berichten"),
            ("/validatie", "Bericht controleren"),
        ],
        Role::Gemeente | Role::Aanbieder | Role::Operator => &[
            ("/berichten", "Berichten"),
            ("/validatie", "Bericht controleren"),
        ],
    }
}

/// Who is signed in, in words.
pub fn wie(s: &Session) -> String {
    let p = &s.principal;
    match p.role {
        Role::Gebiedsteam => format!("Gebiedsteam {}", p.team.as_deref().unwrap_or("?")),
        Role::Contractmanager => format!(
            "Contractmanager gemeente {}",
            p.gemeente.as_deref().unwrap_or("?")
        ),
        Role::Gemeente => format!("Backoffice gemeente {}", p.party.as_deref().unwrap_or("?")),
        Role::Aanbieder => format!("Aanbieder {}", p.party.as_deref().unwrap_or("?")),
        Role::Operator => "Beheerder (operator)".to_string(),
    }
}

/// A whole page: `lang="nl"`, a skip link, header with navigation, main, footer.
pub fn page(title: &str, session: Option<&Session>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="nl" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – Sluis" }
                link rel="stylesheet" href="/static/sluis.css";
            }
            body {
                a class="skip" href="#inhoud" { "Naar de inhoud" }
                header class="top" {
                    a class="merk" href="/" { "Sluis" }
                    @if let Some(s) = session {
                        nav aria-label="Hoofdmenu" {
                            ul {
                                @for (href, label) in nav(s.principal.role) {
                                    li { a href=(href) { (label) } }
                                }
                            }
                        }
                        div class="wie" {
                            span { (wie(s)) }
                            form method="post" action="/afmelden" {
                                input type="hidden" name="csrf" value=(s.csrf);
                                button type="submit" class="link" { "Afmelden" }
                            }
                        }
                    }
                }
                main id="inhoud" tabindex="-1" { (body) }
                footer {
                    p { "Sluis – berichtenverkeer jeugd en Wmo. Gegevens van cliënten zijn vertrouwelijk; elke inzage wordt vastgelegd." }
                }
            }
        }
    }
}

/// `2026-03-04` as `04-03-2026`.
pub fn datum(d: &Datum) -> String {
    let s = d.to_string();
    match (s.get(0..4), s.get(5..7), s.get(8..10)) {
        (Some(y), Some(m), Some(d)) => format!("{d}-{m}-{y}"),
        _ => s,
    }
}

pub fn datum_of(d: Option<&Datum>) -> String {
    d.map(datum).unwrap_or_else(|| "–".to_string())
}

/// A month `2025-01` as people say it: `jan 2025` (anything else as it is).
pub fn maand(ym: &str) -> String {
    const NAMEN: [&str; 12] = [
        "jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
    ];
    let naam = ym
        .get(5..7)
        .and_then(|m| m.parse::<usize>().ok())
        .and_then(|m| NAMEN.get(m.wrapping_sub(1)));
    match (ym.get(..4), naam, ym.len()) {
        (Some(y), Some(n), 7) => format!("{n} {y}"),
        _ => ym.to_string(),
    }
}

/// A stored moment (RFC 3339, UTC) as the Dutch clock showed it: `05-12-2026 01:53`.
pub fn tijdstip(rfc3339: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    match time::OffsetDateTime::parse(rfc3339, &Rfc3339) {
        Ok(t) => {
            let nl = Datum::dutch_time(t);
            format!(
                "{} {:02}:{:02}",
                datum(&Datum::dutch_day(t)),
                nl.hour(),
                nl.minute()
            )
        }
        Err(_) => rfc3339.to_string(),
    }
}

/// Cents as `€ 1.234,56` (with a no-break space: the sign stays with the amount).
pub fn euro(cents: i64) -> String {
    let neg = cents < 0;
    let c = cents.unsigned_abs();
    let whole = (c / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    format!(
        "{}€\u{a0}{grouped},{:02}",
        if neg { "-" } else { "" },
        c % 100
    )
}

/// A share as `42,5 %`, or `–` without a denominator.
pub fn procent(f: Figure) -> String {
    match f.aandeel() {
        Some(a) => format!("{:.1}\u{a0}%", a * 100.0).replace('.', ","),
        None => "–".to_string(),
    }
}

/// A figure as `12 van 40 (30,0 %)`: numerator, denominator and share.
pub fn breuk(f: Figure) -> Markup {
    html! { (f.teller) " van " (f.noemer) " " span class="stil" { "(" (procent(f)) ")" } }
}

/// The message flow of one toewijzing (`Gateway::stroom`): every message in order, its
/// outcome and its retourcodes with their meaning. `link`: whether the messages link to
/// their page (only for roles that may open them).
pub fn stroom(stappen: &[Stap], link: bool) -> Markup {
    html! {
        @if stappen.is_empty() {
            p class="stil" { "Nog geen berichten bij deze toewijzing." }
        } @else {
            ol class="tijdlijn stroom" {
                @for st in stappen {
                    li {
                        time datetime=(st.datum.to_string()) { (datum(&st.datum)) } " – "
                        @if link && !st.door_sluis {
                            a href={"/berichten/" (st.id)} { (soort(&st.berichtsoort)) }
                        } @else {
                            (soort(&st.berichtsoort))
                        }
                        " "
                        span class="stil" {
                            @match st.richting { Richting::Ontvangen => "(ontvangen", Richting::Verzonden => "(verzonden" }
                            @if st.door_sluis { " door Sluis" }
                            " " (datum(&st.ontvangen)) ")"
                        }
                        " "
                        @match st.uitkomst {
                            Uitkomst::Geaccepteerd => span class="label goed" { "Geaccepteerd" },
                            Uitkomst::Deels => span class="label let" { "Deels toegekend" },
                            Uitkomst::Afgekeurd => span class="label fout" { "Afgekeurd" },
                        }
                        @if !st.retourcodes.is_empty() {
                            ul class="retourcodes" {
                                @for r in &st.retourcodes {
                                    li { code { (r.code) } @if !r.omschrijving.is_empty() { " – " (r.omschrijving) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What a berichtsoort is, in a few plain words (`JW301`: "Toewijzing"), for people who do
/// not know the numbers; `None` for what is not one of the standard's message codes.
pub fn soort_naam(code: &str) -> Option<&'static str> {
    let soort = sluis_core::codes::Berichtsoort::parse(code)?;
    Some(match soort.nummer {
        301 => "Toewijzing",
        305 => "Start zorg",
        307 => "Stop zorg",
        315 => "Aanvraag toewijzing",
        317 => "Verzoek om wijziging",
        319 => "Antwoord op verzoek",
        323 => "Declaratie",
        325 => "Antwoord op declaratie",
        302 | 306 | 308 | 316 | 318 | 320 => "Retourbericht",
        _ => return None,
    })
}

/// A berichtsoort as people read it: "Toewijzing (JW301)"; Sluis's own messages
/// (`behandelplan` …) as they are named.
pub fn soort(code: &str) -> Markup {
    html! {
        @match soort_naam(code) {
            Some(n) => { (n) " " span class="stil" { "(" (code) ")" } }
            None => { (code.get(..1).unwrap_or("").to_uppercase()) (code.get(1..).unwrap_or("")) }
        }
    }
}

/// Percent-encoding for a query value (letters, digits and `-_.` stay).
pub fn encode(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The product of a toewijzing with the official descriptions of its codes (as the team view
/// of the API gives them): "Jeugdhulp ambulant (categorie 45), product 45A53".
pub fn product(domein: Domein, p: &Product) -> String {
    let o = ProductOmschreven::of(domein, p.categorie.as_deref(), p.code.as_deref());
    let categorie = match (&o.categorie, &o.categorie_omschrijving) {
        (Some(c), Some(om)) => Some(format!("{om} (categorie {c})")),
        (Some(c), None) => Some(format!("categorie {c}")),
        _ => None,
    };
    let code = match (&o.code, &o.code_omschrijving) {
        (Some(c), Some(om)) => Some(format!("{om} (productcode {c})")),
        (Some(c), None) => Some(format!("productcode {c}")),
        _ => None,
    };
    match (categorie, code) {
        (Some(a), Some(b)) => format!("{a}, {b}"),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => "–".to_string(),
    }
}

/// The product in a few words for a table cell: the productcode's official description where
/// there is one, else the categorie's (without the list's "(2015)" mark of the first
/// categories); the bare code without either.
pub fn product_kort(domein: Domein, p: &Product) -> String {
    let o = ProductOmschreven::of(domein, p.categorie.as_deref(), p.code.as_deref());
    o.code_omschrijving
        .or(o.categorie_omschrijving)
        .map(|t| t.strip_prefix("(2015) ").map(str::to_string).unwrap_or(t))
        .or_else(|| o.code.map(|c| format!("productcode {c}")))
        .or_else(|| o.categorie.map(|c| format!("categorie {c}")))
        .unwrap_or_else(|| "–".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_dates_as_people_write_them() {
        assert_eq!(euro(123_456), "€\u{a0}1.234,56");
        assert_eq!(euro(5), "€\u{a0}0,05");
        assert_eq!(euro(-240_000), "-€\u{a0}2.400,00");
        assert_eq!(euro(100_000_000), "€\u{a0}1.000.000,00");
        assert_eq!(maand("2025-01"), "jan 2025");
        assert_eq!(maand("2024-12"), "dec 2024");
        assert_eq!(maand("2024-13"), "2024-13");
        // Winter: UTC+1; summer: UTC+2.
        assert_eq!(tijdstip("2026-12-05T00:53:22.179Z"), "05-12-2026 01:53");
        assert_eq!(tijdstip("2026-07-01T22:30:00Z"), "02-07-2026 00:30");
        assert_eq!(tijdstip("gisteren"), "gisteren");
        let d = Datum::from_ymd(2026, 3, 4).expect("date");
        assert_eq!(datum(&d), "04-03-2026");
        assert_eq!(
            procent(Figure {
                teller: 1,
                noemer: 8
            }),
            "12,5\u{a0}%"
        );
        assert_eq!(
            procent(Figure {
                teller: 0,
                noemer: 0
            }),
            "–"
        );
    }
}
