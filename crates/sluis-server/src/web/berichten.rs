//! The back office's and operator's pages: the message browser (`/berichten`), one message
//! with its retourbericht, XML and JSON views and findings (`/berichten/{id}`), and the flow
//! of one toewijzing (`/toewijzingen/{nummer}`). Who sees which message is the API's rule:
//! aanbieder and back office the messages that concern their party, the contractmanager those
//! of its gemeente (list only), the operator every message's envelope but no content.

use super::layout::encode;
use super::layout::product;
use super::layout::{datum, datum_of, euro, page, soort, stroom, tijdstip};
use super::{html, respond, session};
use crate::delivery::{DeliveryState, DeliveryStatus};
use crate::gateway::reads::StoredBericht;
use crate::gateway::{gemeente_of, retour_in, BerichtFilter, Gateway};
use crate::http::auth::{audit_client, Caller};
use crate::http::error::ApiError;
use crate::security::access::{Facts, Role};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;
use sluis_core::standard::types::{Bsn, Datum};
use sluis_core::stuurinformatie::{Stap, Stroom};
use sluis_core::validate::history::Domein;
use sluis_core::Format;

const PER_PAGINA: usize = 50;

#[derive(Debug, Default, Deserialize)]
pub struct Zoek {
    #[serde(default)]
    identificatie: Option<String>,
    #[serde(default)]
    aanbieder: Option<String>,
    #[serde(default)]
    soort: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    van: Option<String>,
    #[serde(default)]
    tot: Option<String>,
    #[serde(default)]
    retourcode: Option<String>,
    #[serde(default)]
    na: Option<u64>,
    /// Jump to a toewijzing's flow.
    #[serde(default)]
    toewijzing: Option<String>,
}

fn leeg(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Zoek {
    fn query(&self, na: Option<u64>) -> String {
        let mut q = Vec::new();
        for (k, v) in [
            ("identificatie", &self.identificatie),
            ("aanbieder", &self.aanbieder),
            ("soort", &self.soort),
            ("status", &self.status),
            ("van", &self.van),
            ("tot", &self.tot),
            ("retourcode", &self.retourcode),
        ] {
            if let Some(v) = leeg(v) {
                q.push(format!("{k}={}", encode(v)));
            }
        }
        if let Some(n) = na {
            q.push(format!("na={n}"));
        }
        format!("/berichten?{}", q.join("&"))
    }
}

/// Whether the caller may see this message in a list.
fn zichtbaar(who: &Caller, b: &StoredBericht) -> bool {
    match who.principal.role {
        Role::Contractmanager => who.permits(&Facts {
            gemeente: gemeente_of(b),
            ..Facts::default()
        }),
        _ => who.permits(&Facts {
            parties: &[b.afzender.as_str(), b.ontvanger.as_str()],
            ..Facts::default()
        }),
    }
}

/// Whether the caller's role may open a message (the API's `GET /berichten/{id}`).
fn mag_openen(who: &Caller) -> bool {
    matches!(who.principal.role, Role::Aanbieder | Role::Gemeente)
}

fn status_label(b: &StoredBericht) -> Markup {
    html! {
        @if b.accepted { span class="label goed" { "Geaccepteerd" } }
        @else if b.technisch() { span class="label fout" { "Technisch afgekeurd" } }
        @else { span class="label fout" { "Afgekeurd" } }
    }
}

fn datum_veld(naam: &str, v: &Option<String>) -> Result<Option<Datum>, ApiError> {
    match leeg(v) {
        None => Ok(None),
        Some(s) => Datum::parse(s)
            .map(Some)
            .ok_or_else(|| ApiError::BadRequest(format!("{naam}: geen datum (JJJJ-MM-DD)"))),
    }
}

/// `GET /berichten`: search messages.
pub async fn lijst(
    req: HttpRequest,
    who: Caller,
    q: web::Query<Zoek>,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    respond(
        &req,
        (|| {
            let s = session(&req).ok_or(ApiError::Unauthenticated)?;
            if let Some(nr) = leeg(&q.toewijzing) {
                return Ok(HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, format!("/toewijzingen/{}", encode(nr))))
                    .finish());
            }
            let filter = BerichtFilter {
                bericht: leeg(&q.soort).map(str::to_string),
                van: datum_veld("van", &q.van)?,
                tot: datum_veld("tot", &q.tot)?,
                ..BerichtFilter::default()
            };
            let ident = leeg(&q.identificatie);
            let aanbieder = leeg(&q.aanbieder);
            let retourcode = leeg(&q.retourcode);
            let status = leeg(&q.status);
            let page_ = gw.berichten(&filter, q.na.unwrap_or(0), PER_PAGINA, |b| {
                zichtbaar(&who, b)
                    && ident.is_none_or(|i| b.identificatie == i)
                    && aanbieder.is_none_or(|a| b.afzender == a || b.ontvanger == a)
                    && status.is_none_or(|st| match st {
                        "geaccepteerd" => b.accepted,
                        "afgekeurd" => !b.accepted,
                        _ => true,
                    })
                    && retourcode.is_none_or(|r| {
                        b.findings
                            .iter()
                            .any(|f| f.retourcode.as_deref() == Some(r) || f.code == r)
                    })
            })?;
            let open = mag_openen(&who);
            let body = html! {
                h1 { "Berichten" }
                form method="get" action="/berichten" class="filters" aria-label="Berichten zoeken" {
                    div { label for="z-id" { "Identificatie" } input type="text" id="z-id" name="identificatie" size="12" value=(leeg(&q.identificatie).unwrap_or("")); }
                    div { label for="z-aanbieder" { "Aanbieder (AGB-code)" }
                        select id="z-aanbieder" name="aanbieder" {
                            option value="" { "Alle" }
                            @for a in &gw.settings.aanbieders {
                                option value=(a.agb) selected[aanbieder == Some(a.agb.as_str())] { (a.naam) " (" (a.agb) ")" }
                            }
                        }
                    }
                    div { label for="z-soort" { "Berichtsoort" } input type="text" id="z-soort" name="soort" size="10" placeholder="JW301" value=(leeg(&q.soort).unwrap_or("")); }
                    div { label for="z-status" { "Status" }
                        select id="z-status" name="status" {
                            option value="" { "Alle" }
                            option value="geaccepteerd" selected[status == Some("geaccepteerd")] { "Geaccepteerd" }
                            option value="afgekeurd" selected[status == Some("afgekeurd")] { "Afgekeurd" }
                        }
                    }
                    div { label for="z-van" { "Ontvangen vanaf" } input type="date" id="z-van" name="van" value=(leeg(&q.van).unwrap_or("")); }
                    div { label for="z-tot" { "tot en met" } input type="date" id="z-tot" name="tot" value=(leeg(&q.tot).unwrap_or("")); }
                    div { label for="z-rc" { "Retourcode of regel" } input type="text" id="z-rc" name="retourcode" size="8" placeholder="8001" value=(leeg(&q.retourcode).unwrap_or("")); }
                    div { button type="submit" class="knop" { "Zoeken" } }
                }
                @if matches!(who.principal.role, Role::Aanbieder | Role::Gemeente) {
                    form method="get" action="/berichten" class="filters" aria-label="Toewijzing opzoeken" {
                        div { label for="z-tw" { "Toewijzingnummer" } input type="text" id="z-tw" name="toewijzing" size="12"; }
                        div { button type="submit" class="knop" { "Toon het verloop" } }
                    }
                }
                p role="status" { (page_.items.len()) " bericht(en) op deze pagina." }
                table {
                    caption class="stil" { "Gevonden berichten, oudste eerst" }
                    thead { tr {
                        th scope="col" { "Nr" } th scope="col" { "Ontvangen" } th scope="col" { "Soort" }
                        th scope="col" { "Identificatie" } th scope="col" { "Van" } th scope="col" { "Aan" }
                        th scope="col" { "Status" } th scope="col" { "Retourcodes" }
                    } }
                    tbody { @for b in &page_.items {
                        tr {
                            td { @if open { a href={"/berichten/" (b.id)} { (b.id) } } @else { (b.id) } }
                            td class="datum" { (tijdstip(&b.received_at)) }
                            td { (soort(&b.bericht)) }
                            td { (b.identificatie) }
                            td { (partij(&gw, &b.afzender)) }
                            td { (partij(&gw, &b.ontvanger)) }
                            td { (status_label(b)) }
                            td { @for c in retourcodes(b) {
                                @match sluis_core::stuurinformatie::omschrijving(&c) {
                                    Some(o) => { abbr title=(o) { (c) } " " }
                                    None => { (c) " " }
                                }
                            } }
                        }
                    } }
                }
                @if let Some(n) = page_.next {
                    nav class="pagina" aria-label="Pagina's" { ul { li { a href=(q.query(Some(n))) { "Volgende →" } } } }
                }
                @if !open {
                    p class="stil" { "Uw rol ziet welke berichten er zijn, niet wat erin staat." }
                }
            };
            Ok(html(StatusCode::OK, page("Berichten", Some(&s), body)))
        })(),
    )
}

#[derive(Deserialize)]
pub struct Weergave {
    #[serde(default)]
    weergave: Option<String>,
}

fn als_json(b: &StoredBericht, gw: &Gateway) -> String {
    if b.format == "json" {
        return serde_json::from_str::<serde_json::Value>(&b.body)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| b.body.clone());
    }
    let _ = gw;
    match sluis_core::parse(b.body.as_bytes(), &sluis_core::Limits::default()) {
        Ok(p) => sluis_core::codec::json::to_string_pretty(&p.structured.document),
        Err(e) => format!("(niet om te zetten: {e})"),
    }
}

/// The codes of a message's findings, each once, in order: the retourcode, or the rule's code
/// for a finding without one.
fn retourcodes(b: &StoredBericht) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in &b.findings {
        let c = f.retourcode.as_deref().unwrap_or(&f.code);
        if !out.iter().any(|o| o == c) {
            out.push(c.to_string());
        }
    }
    out
}

/// A party by its code, with its name where the configuration has one (an aanbieder's) or it
/// is this gemeente: "12345678 – Jeugdhulp De Brug".
fn partij(gw: &Gateway, code: &str) -> Markup {
    let naam = gw.aanbieder_naam(code).or_else(|| {
        (code == gw.settings.gemeente.code).then_some(gw.settings.gemeente.naam.as_str())
    });
    html! { (code) @if let Some(n) = naam.filter(|n| !n.is_empty()) { " " span class="stil" { "– " (n) } } }
}

/// `GET /berichten/{id}`: one message.
pub async fn bericht(
    req: HttpRequest,
    who: Caller,
    path: web::Path<u64>,
    q: web::Query<Weergave>,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    respond(
        &req,
        (|| {
            let s = session(&req).ok_or(ApiError::Unauthenticated)?;
            let b = gw
                .bericht(*path)?
                .ok_or(ApiError::NotFound("onbekend bericht"))?;
            if !who.permits(&Facts {
                parties: &[b.afzender.as_str(), b.ontvanger.as_str()],
                ..Facts::default()
            }) {
                // Another party's message is answered as one that does not exist.
                return Err(ApiError::NotFound("onbekend bericht"));
            }
            let bezorging = gw.bezorging(b.id)?;
            let weergave = q.weergave.as_deref().unwrap_or("samenvatting");
            let inhoud = match weergave {
                "xml" if b.format == "xml" => Some(b.body.clone()),
                "json" => Some(als_json(&b, &gw)),
                "retour" => b.retour.as_ref().map(|r| r.xml.clone()),
                "retour-json" => b.retour.as_ref().map(|r| {
                    retour_in(r, Format::Json)
                        .unwrap_or_else(|e| format!("(niet om te zetten: {e})"))
                }),
                _ => None,
            };
            let tab = |key: &str, label: &str| {
                html! {
                    li { @if key == weergave { strong aria-current="page" { (label) } } @else { a href={"/berichten/" (b.id) "?weergave=" (key)} { (label) } } }
                }
            };
            let body = html! {
                p { a href="/berichten" { "← Berichten" } }
                h1 { "Bericht " (b.id) ": " (soort(&b.bericht)) " " (status_label(&b)) }
                dl class="feiten" {
                    dt { "Identificatie" } dd { (b.identificatie) }
                    dt { "Van" } dd { (partij(&gw, &b.afzender)) }
                    dt { "Aan" } dd { (partij(&gw, &b.ontvanger)) }
                    dt { "Dagtekening" } dd { (Datum::parse(&b.dagtekening).map(|d| datum(&d)).unwrap_or_else(|| b.dagtekening.clone())) }
                    dt { "Ontvangen" } dd { (tijdstip(&b.received_at)) }
                    dt { "Vorm" } dd { (b.format.to_uppercase()) }
                    @if let Some(c) = b.conflicts_with {
                        dt { "Zelfde identificatie als" } dd { a href={"/berichten/" (c)} { "bericht " (c) } }
                    }
                    dt { "Retourbericht" } dd {
                        @match &b.retour {
                            Some(r) => { (r.bericht) " " (r.identificatie) " – " a href={"/berichten/" (b.id) "?weergave=retour"} { "bekijk" } }
                            None => { "geen (dit bericht krijgt geen retourbericht)" }
                        }
                    }
                }
                h2 { "Bevindingen" }
                @if b.findings.is_empty() {
                    p { "Geen bevindingen: het bericht voldoet aan de regels." }
                } @else {
                    table {
                        caption class="stil" { "Wat Sluis vond, met de code van de regel" }
                        thead { tr { th scope="col" { "Regel" } th scope="col" { "Retourcode" } th scope="col" { "Wat er mis is" } th scope="col" { "Waar" } } }
                        tbody { @for f in &b.findings {
                            tr { td { (f.code) } td { (f.retourcode.as_deref().unwrap_or("–")) } td { (f.message) } td { code { (f.path) } } }
                        } }
                    }
                }
                h2 { "Aflevering" }
                (aflevering(&bezorging))
                h2 { "Inhoud" }
                @if let Some(op) = &b.payload_verwijderd {
                    p class="verwijderd" { "De inhoud van dit bericht en van het retourbericht is op " (dag(op)) " verwijderd: de bewaartermijn was voorbij. Wat hierboven staat, blijft bewaard tot ook die termijn voorbij is." }
                } @else {
                    nav aria-label="Weergave" class="pagina" { ul {
                        (tab("samenvatting", "Samenvatting"))
                        @if b.format == "xml" { (tab("xml", "XML")) }
                        (tab("json", "JSON"))
                        @if b.retour.is_some() { (tab("retour", "Retourbericht (XML)")) (tab("retour-json", "Retourbericht (JSON)")) }
                    } }
                    @if let Some(text) = &inhoud { pre { code { (text) } } }
                }
            };
            Ok(html(
                StatusCode::OK,
                page(&format!("Bericht {}", b.id), Some(&s), body),
            ))
        })(),
    )
}

/// The day of an RFC 3339 moment as `04-03-2026` (the text itself when it does not read).
fn dag(rfc3339: &str) -> String {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map(|t| format!("{:02}-{:02}-{}", t.day(), u8::from(t.month()), t.year()))
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// A moment in ms since the epoch as `04-03-2026 14:05 UTC`.
fn moment(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(|t| {
            format!(
                "{:02}-{:02}-{} {:02}:{:02} UTC",
                t.day(),
                u8::from(t.month()),
                t.year(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_else(|_| "–".to_string())
}

/// The push deliveries of a message (`Gateway::bezorging`), per receiver.
fn aflevering(bezorging: &[DeliveryStatus]) -> Markup {
    html! {
        @if bezorging.is_empty() {
            p { "Geen push-aflevering: de ontvangers halen dit bericht op uit hun inbox." }
        } @else {
            table {
                caption class="stil" { "Push-aflevering per ontvanger" }
                thead { tr { th scope="col" { "Ontvanger" } th scope="col" { "Wat" } th scope="col" { "Status" } th scope="col" class="getal" { "Pogingen" } th scope="col" { "Toelichting" } } }
                tbody { @for d in bezorging {
                    tr {
                        th scope="row" { (d.party) }
                        td { @if d.kind == "retour" { "retourbericht" } @else { "bericht" } }
                        td { @match d.state {
                            DeliveryState::Bezorgd => span class="label goed" { "Bezorgd" },
                            DeliveryState::Mislukt => span class="label fout" { "Mislukt" },
                            DeliveryState::Aangeboden => span class="label let" { "Wordt aangeboden" },
                            DeliveryState::Ontvangen => span class="label let" { "Wacht op aflevering" },
                        } }
                        td class="getal" { (d.attempts) }
                        td {
                            @if let Some(ms) = d.delivered_ms { "bezorgd " (moment(ms)) }
                            @else if let Some(e) = &d.last_error { "laatste fout: " (e) }
                            @else if d.state == DeliveryState::Ontvangen { "volgende poging vanaf " (moment(d.next_ms)) }
                        }
                    }
                } }
            }
        }
    }
}

/// `GET /toewijzingen/{nummer}`: what is known of one toewijzing.
pub async fn toewijzing(
    req: HttpRequest,
    who: Caller,
    path: web::Path<String>,
    gw: web::Data<Gateway>,
) -> HttpResponse {
    respond(
        &req,
        (|| {
            let s = session(&req).ok_or(ApiError::Unauthenticated)?;
            let gemeente = gw.settings.gemeente.code.clone();
            let found: Vec<_> = gw
                .toewijzing(&path)?
                .into_iter()
                .filter(|t| {
                    who.permits(&Facts {
                        parties: &[t.aanbieder.as_str()],
                        gemeente: Some(gemeente.as_str()),
                        ..Facts::default()
                    })
                })
                .collect();
            if found.is_empty() {
                return Err(ApiError::NotFound("geen toewijzing met dit nummer"));
            }
            if let Some(bsn) = found.first().and_then(|t| Bsn::parse(&t.bsn)) {
                audit_client(&req, &bsn);
            }
            let stromen = path.parse().map(|n| gw.stroom(n)).unwrap_or_default();
            let body = html! {
                p { a href="/berichten" { "← Berichten" } }
                h1 { "Toewijzing " (path.as_str()) }
                @for t in &found {
                    h2 { (t.domein.to_uppercase()) " – aanbieder " (gw.aanbieder_naam(&t.aanbieder).unwrap_or(&t.aanbieder)) }
                    dl class="feiten" {
                        dt { "Cliënt (BSN)" } dd { (t.bsn) }
                        dt { "Product" } dd { ([Domein::Ijw, Domein::Iwmo].into_iter().find(|d| d.as_str() == t.domein).map(|d| product(d, &t.product)).unwrap_or_else(|| "–".to_string())) }
                        dt { "Periode" } dd { (datum(&t.ingangsdatum)) " tot " (datum_of(t.einddatum.as_ref())) }
                        dt { "Toewijzingsdatum" } dd { (datum(&t.toewijzingsdatum)) }
                        dt { "Versies" } dd { (t.versies) @if t.verwijderd { " " span class="label fout" { "Verwijderd" } } }
                        @if let Some(b) = t.budget { dt { "Budget" } dd { (euro(b)) } }
                        dt { "Gedeclareerd" } dd { (t.gedeclareerd.prestaties) " prestaties, " (euro(t.gedeclareerd.bedrag)) }
                    }
                    h3 { "Berichtenstroom" }
                    (stroom(stroom_of(&stromen, t.domein, &t.aanbieder, &t.bsn), true))
                }
            };
            Ok(html(
                StatusCode::OK,
                page(&format!("Toewijzing {}", path.as_str()), Some(&s), body),
            ))
        })(),
    )
}

/// The steps of the flow of one trajectory (domein, aanbieder, client) among a toewijzing's flows.
pub(super) fn stroom_of<'a>(
    stromen: &'a [Stroom],
    domein: &str,
    aanbieder: &str,
    bsn: &str,
) -> &'a [Stap] {
    stromen
        .iter()
        .find(|s| {
            s.domein.as_str() == domein
                && s.aanbieder == aanbieder
                && format!("{:09}", s.bsn) == bsn
        })
        .map(|s| s.stappen.as_slice())
        .unwrap_or(&[])
}
