//! The contractmanager's pages: aanbieders and teams side by side (`/aanbieders`), one
//! aanbieder's dashboard (`/aanbieders/{agb}`) and the tables as CSV, Dutch CSV or XLSX
//! (`/downloads/{tabel}`).
//! Figures come from the gateway's reads (`indicatoren`, `financiering`, `stromen` for lead
//! times and amounts per month) and, for the monthly message volumes and rejections per
//! retourcode, a scan of the stored messages.

use super::chart::{bars, Bar};
use super::layout::{self, breuk, euro, page, procent};
use super::{html, respond, session};
use crate::gateway::{gemeente_of, Gateway};
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::export::{col, Cell, Column, Form, Kind, Table};
use crate::security::access::Facts;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;
use sluis_core::doelbereik::{Filter, Groep, Indicatoren, Uitbetaling};
use sluis_core::standard::types::Datum;
use sluis_core::stuurinformatie::{Doorlooptijd, Stromen, Vraag, PLAN_BINNEN};
use sluis_core::validate::history::Periode;
use std::collections::BTreeMap;

/// At most this many messages are scanned for the monthly figures of one aanbieder.
const SCAN_LIMIT: usize = 200_000;

#[derive(Debug, Default, Deserialize)]
pub struct Periodekeuze {
    #[serde(default)]
    van: Option<String>,
    #[serde(default)]
    tot: Option<String>,
}

fn datum_veld(naam: &str, v: &Option<String>) -> Result<Option<Datum>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Datum::parse(s)
            .map(Some)
            .ok_or_else(|| ApiError::BadRequest(format!("{naam}: geen datum (JJJJ-MM-DD)"))),
    }
}

impl Periodekeuze {
    fn filter(&self, gw: &Gateway, aanbieder: Option<&str>) -> Result<Filter, ApiError> {
        let van = datum_veld("van", &self.van)?;
        let tot = datum_veld("tot", &self.tot)?;
        let periode = match (van, tot) {
            (None, None) => None,
            (v, t) => Some(Periode {
                begin: v.or(Datum::from_ymd(1, 1, 1)).ok_or(ApiError::Internal)?,
                eind: t
                    .or(Datum::from_ymd(9999, 12, 31))
                    .ok_or(ApiError::Internal)?,
            }),
        };
        Ok(Filter {
            aanbieder: aanbieder.map(str::to_string),
            periode,
            venster_maanden: gw.settings.indicatoren.venster_maanden,
            ..Filter::default()
        })
    }

    fn query(&self) -> String {
        let mut q = Vec::new();
        for (k, v) in [("van", &self.van), ("tot", &self.tot)] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                q.push(format!("{k}={}", super::layout::encode(v)));
            }
        }
        q.join("&")
    }

    fn form(&self, action: &str) -> Markup {
        html! {
            form method="get" action=(action) class="filters" aria-label="Periode" {
                div {
                    label for="p-van" { "Gestopt vanaf" }
                    input type="date" id="p-van" name="van" value=(self.van.as_deref().unwrap_or(""));
                }
                div {
                    label for="p-tot" { "tot en met" }
                    input type="date" id="p-tot" name="tot" value=(self.tot.as_deref().unwrap_or(""));
                }
                div { button type="submit" class="knop" { "Toon" } }
            }
        }
    }
}

fn own_gemeente(who: &Caller, gw: &Gateway) -> Result<(), ApiError> {
    who.permits(&Facts {
        gemeente: Some(gw.settings.gemeente.code.as_str()),
        ..Facts::default()
    })
    .then_some(())
    .ok_or(ApiError::Forbidden)
}

fn naam(gw: &Gateway, agb: &str) -> String {
    gw.aanbieder_naam(agb).unwrap_or(agb).to_string()
}

/// Indicators of groups side by side, with numerator and denominator.
fn vergelijk(caption: &str, kop: &str, rows: &[(String, Indicatoren)]) -> Markup {
    html! {
        table {
            caption { (caption) }
            thead { tr {
                th scope="col" { (kop) }
                th scope="col" class="getal" { "Beëindigd" }
                th scope="col" class="getal" { "Zonder resultaat" }
                th scope="col" { "Doelrealisatie" }
                th scope="col" { "Uitval" }
                th scope="col" { "Tevredenheid" }
                th scope="col" { "Herhaald beroep" }
            } }
            tbody {
                @for (wie, i) in rows {
                    tr {
                        th scope="row" { (wie) }
                        td class="getal" { (i.beeindigd) }
                        td class="getal" { (i.zonder_resultaat) }
                        td { (breuk(i.doelrealisatie)) }
                        td { (breuk(i.uitval)) }
                        td { (breuk(i.clienttevredenheid)) }
                        td { (breuk(i.herhaald_beroep)) }
                    }
                }
            }
        }
    }
}

fn financiering_tabel(rows: &[(String, Uitbetaling)]) -> Markup {
    html! {
        table {
            caption { "Resultaatfinanciering per aanbieder" }
            thead { tr {
                th scope="col" { "Aanbieder" }
                th scope="col" class="getal" { "Bereikt (100\u{a0}%)" }
                th scope="col" class="getal" { "Niet bereikt (verlaagd)" }
                th scope="col" class="getal" { "Zonder resultaat" }
                th scope="col" class="getal" { "Ingehouden" }
                th scope="col" class="getal" { "Aangehouden" }
                th scope="col" class="getal" { "Terug te vorderen" }
            } }
            tbody {
                @for (wie, u) in rows {
                    tr {
                        th scope="row" { (wie) }
                        td class="getal" { (euro(u.bereikt)) br; span class="stil" { (u.trajecten_bereikt) " trajecten" } }
                        td class="getal" { (euro(u.niet_bereikt)) br; span class="stil" { (u.trajecten_niet_bereikt) " trajecten" } }
                        td class="getal" { (euro(u.onbekend)) br; span class="stil" { (u.trajecten_onbekend) " trajecten" } }
                        td class="getal" { (euro(u.ingehouden)) }
                        td class="getal" { (euro(u.aangehouden)) }
                        td class="getal terug" { (euro(u.terug_te_vorderen)) br; span class="stil" { (u.trajecten_terug_te_vorderen) " trajecten" } }
                    }
                }
            }
        }
    }
}

/// The links to a table as CSV, Dutch CSV (Excel in Dutch) and XLSX; `query` without `?`.
fn downloads(tabel: &str, query: &str) -> Markup {
    let q = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    html! {
        p class="downloads" {
            "Download deze tabel: "
            a href={"/downloads/" (tabel) ".csv" (q)} download { "CSV" } ", "
            a href={"/downloads/" (tabel) "-nl.csv" (q)} download { "CSV (Nederlandse Excel)" } ", "
            a href={"/downloads/" (tabel) ".xlsx" (q)} download { "Excel (XLSX)" }
        }
    }
}

fn doelrealisatie_bars(rows: &[(String, Indicatoren)]) -> Vec<Bar> {
    rows.iter()
        .map(|(wie, i)| Bar {
            label: wie.clone(),
            value: i.doelrealisatie.aandeel().unwrap_or(0.0) * 100.0,
            text: procent(i.doelrealisatie),
        })
        .collect()
}

/// `GET /aanbieders`: aanbieders and teams side by side.
pub async fn overzicht(
    req: HttpRequest,
    who: Caller,
    q: web::Query<Periodekeuze>,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    respond(
        &req,
        (|| {
            let s = session(&req).ok_or(ApiError::Unauthenticated)?;
            own_gemeente(&who, &gw)?;
            let filter = q.filter(&gw, None)?;
            let (totaal, per_aanbieder) = gw.indicatoren(&filter, Some(Groep::Aanbieder));
            let (_, per_team) = gw.indicatoren(&filter, Some(Groep::Team));
            let mut aanbieders: Vec<(String, Indicatoren)> = Vec::new();
            let mut chart: Vec<(String, Indicatoren)> = Vec::new();
            for a in &gw.settings.aanbieders {
                let i = per_aanbieder.get(&a.agb).copied().unwrap_or_default();
                aanbieders.push((format!("{} ({})", a.naam, a.agb), i));
                chart.push((a.naam.clone(), i));
            }
            let teams: Vec<(String, Indicatoren)> = per_team
                .into_iter()
                .map(|(t, i)| (format!("Team {t}"), i))
                .collect();
            let fin: Vec<(String, Uitbetaling)> = gw
                .financiering(&filter)
                .into_iter()
                .map(|(a, u)| (format!("{} ({a})", naam(&gw, &a)), u))
                .collect();
            let query = q.query();
            let body = html! {
                h1 { "Aanbieders en teams vergelijken" }
                (q.form("/aanbieders"))
                div class="kaarten" {
                    div class="kaart" { div class="stil" { "Beëindigde trajecten" } div class="waarde" { (totaal.beeindigd) } }
                    div class="kaart" { div class="stil" { "Doelrealisatie" } div class="waarde" { (procent(totaal.doelrealisatie)) } div { (breuk(totaal.doelrealisatie)) } }
                    div class="kaart" { div class="stil" { "Uitval" } div class="waarde" { (procent(totaal.uitval)) } div { (breuk(totaal.uitval)) } }
                    div class="kaart" { div class="stil" { "Herhaald beroep" } div class="waarde" { (procent(totaal.herhaald_beroep)) } div { (breuk(totaal.herhaald_beroep)) } }
                }
                h2 { "Per aanbieder" }
                ul { @for a in &gw.settings.aanbieders {
                    li { a href={"/aanbieders/" (a.agb) @if !query.is_empty() { "?" (query) }} { (a.naam) } " – dashboard" }
                } }
                (vergelijk("Uitkomsten per aanbieder (aantal van het totaal)", "Aanbieder", &aanbieders))
                (bars("Doelrealisatie per aanbieder", &doelrealisatie_bars(&chart), Some(100.0)))
                (downloads("indicatoren-aanbieders", &query))
                h2 { "Per gebiedsteam" }
                (vergelijk("Uitkomsten per gebiedsteam (aantal van het totaal)", "Team", &teams))
                (bars("Doelrealisatie per gebiedsteam", &doelrealisatie_bars(&teams), Some(100.0)))
                (downloads("indicatoren-teams", &query))
                h2 { "Financiering" }
                (financiering_tabel(&fin))
                (downloads("financiering", &query))
            };
            Ok(html(StatusCode::OK, page("Aanbieders", Some(&s), body)))
        })(),
    )
}

/// Messages of one aanbieder per month: (received, accepted, rejected) and per retourcode.
#[derive(Default)]
struct Maandcijfers {
    per_maand: BTreeMap<String, (u64, u64, u64)>,
    per_soort: BTreeMap<String, u64>,
    per_retourcode: BTreeMap<String, (u64, String)>,
}

fn maandcijfers(gw: &Gateway, agb: &str) -> Result<Maandcijfers, ApiError> {
    let gemeente = gw.settings.gemeente.code.clone();
    let found = gw.scan_berichten(SCAN_LIMIT, |b| {
        (b.afzender == agb || b.ontvanger == agb) && gemeente_of(b) == Some(gemeente.as_str())
    })?;
    let mut m = Maandcijfers::default();
    for b in &found {
        // The month the message is dated (its Dagtekening), else the month it arrived.
        let maand = b
            .dagtekening
            .get(..7)
            .or_else(|| b.received_at.get(..7))
            .unwrap_or("?")
            .to_string();
        let e = m.per_maand.entry(maand).or_default();
        e.0 += 1;
        if b.accepted {
            e.1 += 1;
        } else {
            e.2 += 1;
        }
        *m.per_soort.entry(b.bericht.clone()).or_default() += 1;
        for f in &b.findings {
            let code = f.retourcode.clone().unwrap_or_else(|| f.code.clone());
            let e = m
                .per_retourcode
                .entry(code)
                .or_insert_with(|| (0, format!("{} – {}", f.code, f.message)));
            e.0 += 1;
        }
    }
    Ok(m)
}

/// `GET /aanbieders/{agb}`: one aanbieder's dashboard.
pub async fn aanbieder(
    req: HttpRequest,
    who: Caller,
    path: web::Path<String>,
    q: web::Query<Periodekeuze>,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    respond(
        &req,
        (|| {
            let s = session(&req).ok_or(ApiError::Unauthenticated)?;
            own_gemeente(&who, &gw)?;
            let agb = path.as_str();
            if !gw.settings.aanbieders.iter().any(|a| a.agb == agb) {
                return Err(ApiError::NotFound("onbekende aanbieder"));
            }
            let filter = q.filter(&gw, Some(agb))?;
            let (i, _) = gw.indicatoren(&filter, None);
            let u = gw.financiering(&filter).remove(agb).unwrap_or_default();
            let m = maandcijfers(&gw, agb)?;
            let vraag = Vraag {
                gemeente: gw.settings.gemeente.code.parse().ok(),
                aanbieder: agb.parse().ok(),
                van: datum_veld("van", &q.van)?,
                tot: datum_veld("tot", &q.tot)?,
                plan_binnen: PLAN_BINNEN,
                ..Vraag::default()
            };
            let stromen = gw.stromen(&vraag, None);
            let naam = naam(&gw, agb);
            let query = q.query();
            let maand_bars: Vec<Bar> = m
                .per_maand
                .iter()
                .map(|(maand, (n, _, afg))| Bar {
                    label: layout::maand(maand),
                    value: *n as f64,
                    text: format!("{n} ({afg} afgekeurd)"),
                })
                .collect();
            let kaart = |titel: &str, f: sluis_core::doelbereik::Figure| {
                html! { div class="kaart" { div class="stil" { (titel) } div class="waarde" { (procent(f)) } div { (breuk(f)) } } }
            };
            let body = html! {
                p { a href="/aanbieders" { "← Alle aanbieders" } }
                h1 { (naam) " " span class="stil" { "(" (agb) ")" } }
                (q.form(&format!("/aanbieders/{agb}")))
                h2 { "Uitkomsten" }
                div class="kaarten" {
                    div class="kaart" { div class="stil" { "Beëindigde trajecten" } div class="waarde" { (i.beeindigd) } div { (i.zonder_resultaat) " zonder resultaat" } }
                    (kaart("Doelrealisatie", i.doelrealisatie))
                    (kaart("Uitval", i.uitval))
                    (kaart("Cliënttevredenheid", i.clienttevredenheid))
                    (kaart("Herhaald beroep", i.herhaald_beroep))
                }
                h2 { "Financiering" }
                (financiering_tabel(&[(naam.clone(), u)]))
                h2 { "Berichten per maand" }
                (bars(&format!("Berichten van en aan {naam} per maand"), &maand_bars, None))
                table {
                    caption { "Berichten per maand van de dagtekening (ontvangen, geaccepteerd, afgekeurd)" }
                    thead { tr { th scope="col" { "Maand" } th scope="col" class="getal" { "Berichten" } th scope="col" class="getal" { "Geaccepteerd" } th scope="col" class="getal" { "Afgekeurd" } } }
                    tbody { @for (maand, (n, ok, afg)) in &m.per_maand {
                        tr { th scope="row" { (layout::maand(maand)) } td class="getal" { (n) } td class="getal" { (ok) } td class="getal" { (afg) } }
                    } }
                }
                (downloads("berichten-per-maand", &format!("aanbieder={agb}")))
                h3 { "Per berichtsoort" }
                table {
                    caption class="stil" { "Aantal berichten per soort" }
                    thead { tr { th scope="col" { "Soort" } th scope="col" class="getal" { "Aantal" } } }
                    tbody { @for (soort, n) in &m.per_soort { tr { th scope="row" { (soort) } td class="getal" { (n) } } } }
                }
                h2 { "Afkeuringen per retourcode" }
                @if m.per_retourcode.is_empty() {
                    p { "Geen afkeuringen." }
                } @else {
                    table {
                        caption class="stil" { "Bevindingen per retourcode, met de regel en wat er mis was" }
                        thead { tr { th scope="col" { "Retourcode" } th scope="col" class="getal" { "Aantal" } th scope="col" { "Bijvoorbeeld" } } }
                        tbody { @for (code, (n, vb)) in &m.per_retourcode {
                            tr { th scope="row" { (code) } td class="getal" { (n) } td { (vb) } }
                        } }
                    }
                }
                h2 { "Doorlooptijden en bedragen" }
                (doorlooptijden(&stromen))
                h3 { "Bedragen per maand" }
                (bedragen(&stromen))
                p class="stil" { @if !query.is_empty() { "Periode: " (query.replace('&', ", ")) } }
            };
            Ok(html(StatusCode::OK, page(&naam, Some(&s), body)))
        })(),
    )
}

fn doorlooptijd_naam(d: Doorlooptijd) -> &'static str {
    match d {
        Doorlooptijd::VerzoekAntwoord => "Verzoek → antwoord",
        Doorlooptijd::ToewijzingStart => "Toewijzing → start zorg",
        Doorlooptijd::StopResultaatmelding => "Stop zorg → resultaatmelding",
        Doorlooptijd::MaandeindeDeclaratie => "Einde maand → declaratie",
        Doorlooptijd::DeclaratieAntwoord => "Declaratie → antwoord",
    }
}

/// Median and 90th percentile lead times per month (`Gateway::stromen`).
fn doorlooptijden(st: &Stromen) -> Markup {
    html! {
        @if st.doorlooptijden.is_empty() {
            p { "Nog geen doorlooptijden in deze periode." }
        } @else {
            table {
                caption { "Doorlooptijden in dagen per maand: mediaan en 90e percentiel" }
                thead { tr { th scope="col" { "Maand" } th scope="col" { "Doorlooptijd" } th scope="col" class="getal" { "Aantal" } th scope="col" class="getal" { "Mediaan" } th scope="col" class="getal" { "P90" } } }
                tbody { @for r in &st.doorlooptijden {
                    tr { th scope="row" { (layout::maand(&r.periode)) } td { (doorlooptijd_naam(r.doorlooptijd)) } td class="getal" { (r.aantal) }
                         td class="getal" { (format!("{:.1}", r.mediaan_dagen).replace('.', ",")) } td class="getal" { (r.p90_dagen) } }
                } }
            }
        }
    }
}

/// Declared and granted amounts per month, over the products (`Gateway::stromen`).
fn bedragen(st: &Stromen) -> Markup {
    let mut per: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for r in &st.bedragen {
        let e = per.entry(r.periode.as_str()).or_default();
        e.0 += r.ingediend_cent;
        e.1 += r.toegekend_cent;
    }
    html! {
        @if per.is_empty() {
            p { "Nog geen declaraties in deze periode." }
        } @else {
            table {
                caption { "Gedeclareerd en toegekend per maand van de prestatie" }
                thead { tr { th scope="col" { "Maand" } th scope="col" class="getal" { "Gedeclareerd" } th scope="col" class="getal" { "Toegekend" } } }
                tbody { @for (maand, (ingediend, toegekend)) in &per {
                    tr { th scope="row" { (layout::maand(maand)) } td class="getal" { (euro(*ingediend)) } td class="getal" { (euro(*toegekend)) } }
                } }
            }
        }
    }
}

const INDICATOREN: &[Column] = &[
    col("groep", Kind::Text),
    col("beeindigd", Kind::Count),
    col("zonder_resultaat", Kind::Count),
    col("doelrealisatie_teller", Kind::Count),
    col("doelrealisatie_noemer", Kind::Count),
    col("uitval_teller", Kind::Count),
    col("uitval_noemer", Kind::Count),
    col("tevredenheid_teller", Kind::Count),
    col("tevredenheid_noemer", Kind::Count),
    col("herhaald_beroep_teller", Kind::Count),
    col("herhaald_beroep_noemer", Kind::Count),
];

const FINANCIERING: &[Column] = &[
    col("aanbieder", Kind::Text),
    col("bereikt_euro", Kind::Amount),
    col("trajecten_bereikt", Kind::Count),
    col("niet_bereikt_euro", Kind::Amount),
    col("trajecten_niet_bereikt", Kind::Count),
    col("zonder_resultaat_euro", Kind::Amount),
    col("trajecten_zonder_resultaat", Kind::Count),
    col("ingehouden_euro", Kind::Amount),
    col("aangehouden_euro", Kind::Amount),
    col("terug_te_vorderen_euro", Kind::Amount),
    col("trajecten_terug_te_vorderen", Kind::Count),
];

const PER_MAAND: &[Column] = &[
    col("maand", Kind::Text),
    col("berichten", Kind::Count),
    col("geaccepteerd", Kind::Count),
    col("afgekeurd", Kind::Count),
];

fn tabel_indicatoren(name: &'static str, rows: BTreeMap<String, Indicatoren>) -> Table {
    let mut t = Table::new(name, INDICATOREN);
    for (g, i) in rows {
        let mut row = vec![Cell::Text(g)];
        row.extend(
            [
                i.beeindigd,
                i.zonder_resultaat,
                i.doelrealisatie.teller,
                i.doelrealisatie.noemer,
                i.uitval.teller,
                i.uitval.noemer,
                i.clienttevredenheid.teller,
                i.clienttevredenheid.noemer,
                i.herhaald_beroep.teller,
                i.herhaald_beroep.noemer,
            ]
            .map(Cell::count),
        );
        t.push(row);
    }
    t
}

/// The form of a download by its name: `x.csv` (comma, point), `x-nl.csv` (semicolon,
/// decimal comma, as a Dutch spreadsheet reads it) or `x.xlsx`; and the table's name `x`.
fn vorm(bestand: &str) -> Option<(&str, Form)> {
    if let Some(t) = bestand.strip_suffix(".xlsx") {
        Some((t, Form::Xlsx))
    } else if let Some(t) = bestand.strip_suffix("-nl.csv") {
        Some((t, Form::CsvNl))
    } else {
        bestand.strip_suffix(".csv").map(|t| (t, Form::Csv))
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DownloadQuery {
    #[serde(default)]
    van: Option<String>,
    #[serde(default)]
    tot: Option<String>,
    #[serde(default)]
    aanbieder: Option<String>,
}

/// `GET /downloads/{tabel}`: a table of these pages as CSV (`.csv`), Dutch CSV (`-nl.csv`) or
/// XLSX (`.xlsx`), through `http/export.rs`; amounts in euros.
pub async fn download(
    req: HttpRequest,
    who: Caller,
    path: web::Path<String>,
    q: web::Query<DownloadQuery>,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    respond(
        &req,
        (|| {
            own_gemeente(&who, &gw)?;
            let periode = Periodekeuze {
                van: q.van.clone(),
                tot: q.tot.clone(),
            };
            let filter = periode.filter(&gw, None)?;
            const ONBEKEND: ApiError = ApiError::NotFound("onbekende tabel");
            let (naam, form) = vorm(path.as_str()).ok_or(ONBEKEND)?;
            let tabel = match naam {
                "indicatoren-aanbieders" => {
                    let (_, per) = gw.indicatoren(&filter, Some(Groep::Aanbieder));
                    tabel_indicatoren("indicatoren-aanbieders", per)
                }
                "indicatoren-teams" => {
                    let (_, per) = gw.indicatoren(&filter, Some(Groep::Team));
                    tabel_indicatoren("indicatoren-teams", per)
                }
                "financiering" => {
                    let mut t = Table::new("financiering", FINANCIERING);
                    for (a, u) in gw.financiering(&filter) {
                        t.push(vec![
                            Cell::Text(a),
                            Cell::Amount(u.bereikt),
                            Cell::count(u.trajecten_bereikt),
                            Cell::Amount(u.niet_bereikt),
                            Cell::count(u.trajecten_niet_bereikt),
                            Cell::Amount(u.onbekend),
                            Cell::count(u.trajecten_onbekend),
                            Cell::Amount(u.ingehouden),
                            Cell::Amount(u.aangehouden),
                            Cell::Amount(u.terug_te_vorderen),
                            Cell::count(u.trajecten_terug_te_vorderen),
                        ]);
                    }
                    t
                }
                "berichten-per-maand" => {
                    let agb = q
                        .aanbieder
                        .as_deref()
                        .filter(|a| gw.settings.aanbieders.iter().any(|x| x.agb == *a))
                        .ok_or_else(|| ApiError::BadRequest("kies een bekende aanbieder".into()))?;
                    let mut t = Table::new("berichten-per-maand", PER_MAAND);
                    for (maand, (n, ok, afg)) in maandcijfers(&gw, agb)?.per_maand {
                        t.push(vec![
                            Cell::Text(maand),
                            Cell::count(n),
                            Cell::count(ok),
                            Cell::count(afg),
                        ]);
                    }
                    t
                }
                _ => return Err(ONBEKEND),
            };
            tabel.respond(form)
        })(),
    )
}
