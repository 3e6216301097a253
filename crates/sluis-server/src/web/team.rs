//! The gebiedsteam's pages: the caseload of its own team (filters, sorting, pages), a client's
//! page (toewijzingen, start and stop, plans with their goals, the result per goal, financing,
//! a timeline) and the form that records the team's beoordeling — posted through the same
//! gateway path as `POST /api/v1/beoordelingen` (`Gateway::ingest_doelbereik`).

use super::berichten::stroom_of;
use super::clients::{self, ClientIds};
use super::layout::encode;
use super::layout::{datum, datum_of, euro, page, product, product_kort, stroom};
use super::{check_csrf, html, respond, session, Session};
use crate::gateway::views::ClientGegevens;
use crate::gateway::Gateway;
use crate::http::auth::{audit_client, Caller, Security};
use crate::http::error::ApiError;
use crate::http::extract;
use crate::security::access::Facts;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;
use sluis_core::doelbereik::omschrijving;
use sluis_core::doelbereik::{
    Beoordeling, Bericht, Filter, Grond, Kind, Oordeel, PlanSamenvatting, PlanStatus, PlanVersie,
    ResultaatSamenvatting, Selectie, Status, Tevredenheid, Trajectory, Uitkomst,
};
use sluis_core::standard::types::Bsn;
use sluis_core::stuurinformatie::Stap;
use sluis_core::validate::history::Domein;
use sluis_core::Format;

/// Rows per page of the caseload.
pub const PER_PAGINA: usize = 50;

/// The caseload's query: filters, sort, page. Checkboxes arrive as `1` (or `on`).
#[derive(Debug, Default, Deserialize)]
pub struct CaseloadQuery {
    #[serde(default)]
    pub aanbieder: Option<String>,
    #[serde(default)]
    pub lopend: Option<String>,
    #[serde(default)]
    pub zonder_plan_na_dagen: Option<String>,
    #[serde(default)]
    pub zonder_resultaatmelding: Option<String>,
    #[serde(default)]
    pub betwist: Option<String>,
    #[serde(default)]
    pub sorteer: Option<String>,
    #[serde(default)]
    pub richting: Option<String>,
    #[serde(default)]
    pub pagina: Option<usize>,
}

fn checked(v: &Option<String>) -> bool {
    matches!(v.as_deref(), Some("1" | "on" | "true" | "ja"))
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl CaseloadQuery {
    pub fn selectie(&self) -> Result<Selectie, ApiError> {
        let dagen = match nonempty(&self.zonder_plan_na_dagen) {
            None => None,
            Some(d) => Some(d.parse::<u32>().map_err(|_| {
                ApiError::BadRequest("'geen plan na … dagen' is een aantal dagen".into())
            })?),
        };
        Ok(Selectie {
            filter: Some(Filter {
                aanbieder: nonempty(&self.aanbieder).map(str::to_string),
                ..Filter::default()
            }),
            lopend: checked(&self.lopend).then_some(true),
            zonder_resultaatmelding: checked(&self.zonder_resultaatmelding),
            zonder_plan_na_dagen: dagen,
            betwist: checked(&self.betwist),
        })
    }

    /// This query with another sort or page, as a URL query string.
    fn link(&self, sorteer: Option<&str>, richting: Option<&str>, pagina: Option<usize>) -> String {
        let mut parts: Vec<(String, String)> = Vec::new();
        let mut put = |k: &str, v: Option<&str>| {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                parts.push((k.to_string(), v.to_string()));
            }
        };
        put("aanbieder", nonempty(&self.aanbieder));
        put("lopend", checked(&self.lopend).then_some("1"));
        put("zonder_plan_na_dagen", nonempty(&self.zonder_plan_na_dagen));
        put(
            "zonder_resultaatmelding",
            checked(&self.zonder_resultaatmelding).then_some("1"),
        );
        put("betwist", checked(&self.betwist).then_some("1"));
        put("sorteer", sorteer.or(self.sorteer.as_deref()));
        put("richting", richting.or(self.richting.as_deref()));
        let p = pagina.map(|p| p.to_string());
        put("pagina", p.as_deref());
        let q: Vec<String> = parts
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        format!("/caseload?{}", q.join("&"))
    }
}

pub fn uitkomst(t: &Trajectory) -> Markup {
    let (class, text) = match t.status {
        Status::Bereikt => ("goed", "Bereikt"),
        Status::NietBereikt => ("fout", "Niet bereikt"),
        Status::Onbekend if t.stop.is_some() => ("let", "Geen resultaat"),
        Status::Onbekend => ("", "Loopt"),
    };
    html! {
        @if class.is_empty() { (text) } @else { span class={"label " (class)} { (text) } }
        @if t.betwist() { " " span class="label fout" { "Betwist" } }
    }
}

/// The columns one may sort by: (key, heading).
const KOLOMMEN: [(&str, &str); 7] = [
    ("client", "Cliënt (BSN)"),
    ("aanbieder", "Aanbieder"),
    ("toewijzing", "Toewijzing"),
    ("start", "Start"),
    ("plan", "Eerste plan"),
    ("stop", "Stop"),
    ("uitkomst", "Uitkomst"),
];

fn sort(rows: &mut [Trajectory], key: &str, af: bool) {
    let status = |t: &Trajectory| match t.status {
        Status::Bereikt => 0,
        Status::NietBereikt => 1,
        Status::Onbekend => 2,
    };
    match key {
        "client" => rows.sort_by_key(|t| t.bsn),
        "toewijzing" => rows.sort_by(|a, b| a.toewijzingnummer.cmp(&b.toewijzingnummer)),
        "start" => rows.sort_by_key(|t| t.start),
        "plan" => rows.sort_by_key(|t| t.plan),
        "stop" => rows.sort_by_key(|t| t.stop.as_ref().map(|s| s.einddatum)),
        "uitkomst" => rows.sort_by_key(status),
        // The view's own order: aanbieder, toewijzingnummer.
        _ => {}
    }
    if af {
        rows.reverse();
    }
}

/// What the caseload looks up for the rows it shows (never for the whole selection).
pub struct Opzoeken<'a> {
    /// The client's opaque id for its link.
    pub client_id: &'a dyn Fn(&Bsn) -> String,
    /// Name and birth date.
    pub gegevens: &'a dyn Fn(&Bsn) -> Option<ClientGegevens>,
    /// The toewijzing's product, with the official descriptions ([`product_kort`]).
    pub product: &'a dyn Fn(&Trajectory) -> Option<String>,
}

/// The caseload page over a team's selected trajectories (also what the benchmark renders).
pub fn caseload_page(
    s: &Session,
    team: &str,
    mut rows: Vec<Trajectory>,
    q: &CaseloadQuery,
    aanbieders: &[(String, String)],
    zoek: &Opzoeken<'_>,
) -> Markup {
    let (client_id, gegevens) = (zoek.client_id, zoek.gegevens);
    let key = q.sorteer.as_deref().unwrap_or("aanbieder");
    let af = q.richting.as_deref() == Some("af");
    sort(&mut rows, key, af);
    let aantal = rows.len();
    let paginas = aantal.div_ceil(PER_PAGINA).max(1);
    let pagina = q.pagina.unwrap_or(1).clamp(1, paginas);
    let shown = rows.iter().skip((pagina - 1) * PER_PAGINA).take(PER_PAGINA);
    let naam = |agb: &str| {
        aanbieders
            .iter()
            .find(|(a, _)| a == agb)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| agb.to_string())
    };
    let body = html! {
        h1 { "Caseload gebiedsteam " (team) }
        form method="get" action="/caseload" class="filters" aria-label="Filters" {
            div {
                label for="f-aanbieder" { "Aanbieder" }
                select id="f-aanbieder" name="aanbieder" {
                    option value="" { "Alle aanbieders" }
                    @for (agb, n) in aanbieders {
                        option value=(agb) selected[nonempty(&q.aanbieder) == Some(agb.as_str())] { (n) " (" (agb) ")" }
                    }
                }
            }
            div {
                label for="f-plan" { "Zonder behandelplan na (dagen)" }
                input type="number" id="f-plan" name="zonder_plan_na_dagen" min="0" max="3650"
                    aria-describedby="f-plan-uitleg"
                    value=(nonempty(&q.zonder_plan_na_dagen).unwrap_or(""));
                div id="f-plan-uitleg" class="stil hint" { "Bijv. 42: gestart, 42 dagen of langer zonder plan" }
            }
            fieldset {
                legend class="stil" { "Toon alleen" }
                input type="checkbox" id="f-lopend" name="lopend" value="1" checked[checked(&q.lopend)];
                label class="keuze" for="f-lopend" { "Lopend" }
                input type="checkbox" id="f-zonder" name="zonder_resultaatmelding" value="1" checked[checked(&q.zonder_resultaatmelding)];
                label class="keuze" for="f-zonder" { "Gestopt zonder resultaatmelding" }
                input type="checkbox" id="f-betwist" name="betwist" value="1" checked[checked(&q.betwist)];
                label class="keuze" for="f-betwist" { "Betwist" }
            }
            input type="hidden" name="sorteer" value=(key);
            @if af { input type="hidden" name="richting" value="af"; }
            div { button type="submit" class="knop" { "Toon" } }
        }
        p role="status" { strong { (aantal) } " trajecten" @if paginas > 1 { ", pagina " (pagina) " van " (paginas) } "." }
        table {
            caption class="stil" { "Trajecten van team " (team) "; klik op een kolomkop om te sorteren." }
            thead { tr {
                @for (k, label) in KOLOMMEN {
                    @let active = k == key;
                    @let next_af = active && !af;
                    th scope="col" aria-sort=(if active { if af { "descending" } else { "ascending" } } else { "none" }) {
                        a href=(q.link(Some(k), Some(if next_af { "af" } else { "op" }), None)) {
                            (label) @if active { (if af { " ↓" } else { " ↑" }) }
                        }
                    }
                }
            } }
            tbody {
                @for t in shown {
                    tr {
                        td {
                            a href={"/clienten/" (client_id(&t.bsn))} { (t.bsn.as_str()) }
                            // Only the shown rows are looked up.
                            @if let Some(g) = gegevens(&t.bsn) {
                                br;
                                span class="stil naam" {
                                    (g.naam.as_deref().unwrap_or("–"))
                                    @if let Some(d) = &g.geboortedatum { " (" (datum(d)) ")" }
                                }
                            }
                        }
                        td { (naam(&t.aanbieder)) }
                        td {
                            (t.toewijzingnummer.as_str()) " " span class="stil" { "vanaf " (datum(&t.ingangsdatum)) }
                            @if let Some(p) = (zoek.product)(t) { br; span class="stil" { (p) } }
                        }
                        td class="datum" { (datum_of(t.start.as_ref())) }
                        td class="datum" { (datum_of(t.plan.as_ref())) }
                        td class="datum" { (datum_of(t.stop.as_ref().map(|s| &s.einddatum))) }
                        td { (uitkomst(t)) }
                    }
                }
            }
        }
        @if paginas > 1 {
            nav class="pagina" aria-label="Pagina's" { ul {
                @if pagina > 1 { li { a href=(q.link(None, None, Some(pagina - 1))) { "← Vorige" } } }
                @if pagina < paginas { li { a href=(q.link(None, None, Some(pagina + 1))) { "Volgende →" } } }
            } }
        }
    };
    page(&format!("Caseload {team}"), Some(s), body)
}

fn aanbieders(gw: &Gateway) -> Vec<(String, String)> {
    gw.settings
        .aanbieders
        .iter()
        .map(|a| (a.agb.clone(), a.naam.clone()))
        .collect()
}

/// `GET /caseload`: the caseload of the signed-in team.
pub async fn caseload(
    req: HttpRequest,
    who: Caller,
    q: web::Query<CaseloadQuery>,
    gw: web::Data<Gateway>,
    sec: web::Data<Security>,
) -> HttpResponse {
    respond(
        &req,
        (|| {
            let s = session(&req).ok_or(ApiError::Unauthenticated)?;
            let team = who.principal.team.clone().ok_or(ApiError::Forbidden)?;
            let mine = who.permits(&Facts {
                team: Some(team.as_str()),
                gemeente: Some(gw.settings.gemeente.code.as_str()),
                ..Facts::default()
            });
            if !mine {
                return Err(ApiError::Forbidden);
            }
            let rows = gw.team_trajectories(&team, &q.selectie()?);
            let keys = &sec.keys;
            let id = |b: &Bsn| clients::id(keys, b);
            let gegevens = |b: &Bsn| {
                gw.client_gegevens(b).unwrap_or_else(|e| {
                    // The page still shows the BSN; the name is an aid.
                    tracing::warn!(error = %e, "client name not read for the caseload");
                    None
                })
            };
            let product = |t: &Trajectory| {
                gw.trajectory_details(t)
                    .and_then(|d| d.product)
                    .map(|p| product_kort(t.domein, &p))
            };
            let zoek = Opzoeken {
                client_id: &id,
                gegevens: &gegevens,
                product: &product,
            };
            Ok(html(
                StatusCode::OK,
                caseload_page(&s, &team, rows, &q, &aanbieders(&gw), &zoek),
            ))
        })(),
    )
}

/// The client of a page's `{client}`, checked to be of the caller's team. Names the client
/// for the audit before the check, so a refusal names it too.
fn own_client(
    req: &HttpRequest,
    who: &Caller,
    gw: &Gateway,
    sec: &Security,
    ids: &ClientIds,
    id: &str,
) -> Result<(Bsn, String), ApiError> {
    let bsn = ids
        .resolve(&sec.keys, gw, id)
        .ok_or(ApiError::NotFound("onbekende cliënt"))?;
    audit_client(req, &bsn);
    let team = gw.client_team(&bsn)?;
    let mine = who.permits(&Facts {
        team: team.as_deref(),
        gemeente: Some(gw.settings.gemeente.code.as_str()),
        ..Facts::default()
    });
    match team {
        Some(t) if mine => Ok((bsn, t)),
        _ => Err(ApiError::Forbidden),
    }
}

fn uitkomst_doel(u: &Uitkomst) -> Markup {
    match u {
        Uitkomst::Behaald => html! { span class="label goed" { "Behaald" } },
        Uitkomst::DeelsBehaald => html! { span class="label let" { "Deels behaald" } },
        Uitkomst::NietBehaald => html! { span class="label fout" { "Niet behaald" } },
    }
}

/// Why the financing is what it is, as a sentence.
fn grond(g: &Grond, st: Status) -> String {
    let uitleg = g.uitleg(st);
    let mut c = uitleg.chars();
    match c.next() {
        Some(first) => format!(
            "{}{}.",
            first.to_uppercase(),
            c.as_str().trim_end_matches('.')
        ),
        None => uitleg,
    }
}

fn tevredenheid(t: Tevredenheid) -> &'static str {
    match t {
        Tevredenheid::Tevreden => "tevreden",
        Tevredenheid::Neutraal => "neutraal",
        Tevredenheid::Ontevreden => "ontevreden",
    }
}

/// Every version of one plan, newest first, each with its goals; the version the
/// resultaatmelding belongs to carries the result and the aanbieder's toelichting per goal.
fn plan_versies(plan: &PlanSamenvatting, res: Option<&ResultaatSamenvatting>) -> Markup {
    // The versions as the plan status lists them (oldest first); without them, the current one.
    let mut versies: Vec<PlanVersie> = if plan.versies.is_empty() {
        vec![PlanVersie {
            versie: plan.versie,
            datum: plan.datum,
            doelen: plan.doelen.clone(),
            resultaat: false,
        }]
    } else {
        plan.versies.clone()
    };
    versies.reverse();
    let melding = res.filter(|r| r.plan_id == plan.plan_id);
    // A melding stored before Sluis kept its version: shown with the current version.
    let zonder_versie = melding.is_some_and(|r| r.plan_versie.is_none());
    let hoort_bij = |v: &PlanVersie| v.resultaat || (zonder_versie && v.versie == plan.versie);
    let melding_versie = versies.iter().find(|v| hoort_bij(v)).map(|v| v.versie);
    html! {
        @if versies.len() > 1 {
            p { "Dit plan heeft " (versies.len()) " versies. De nieuwste staat bovenaan."
                @if let Some(v) = melding_versie { " De resultaatmelding hoort bij versie " (v) "." } }
        }
        @for v in &versies {
            @let met_resultaat = melding.is_some() && hoort_bij(v);
            // An id for aria-labelledby: the aanbieder's own plan id may hold anything.
            @let id = format!("plan-{}-{}-v{}", plan.aanbieder, plan.plan_id, v.versie)
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' })
                .collect::<String>();
            div class={"planversie" @if met_resultaat { " met-resultaat" }} {
                h4 id=(id) {
                    "Plan " (plan.plan_id) ", versie " (v.versie) " van " (datum(&v.datum))
                    @if v.versie == plan.versie && versies.len() > 1 { " " span class="label" { "Nieuwste versie" } }
                    @if met_resultaat { " " span class="label goed" { "Hierover gaat de resultaatmelding" } }
                }
                table aria-labelledby=(id) {
                    thead { tr {
                        th scope="col" { "Doel" } th scope="col" { "Levensdomein" } th scope="col" { "Hoe gemeten" }
                        th scope="col" { "Streefdatum" }
                        @if met_resultaat { th scope="col" { "Resultaat" } th scope="col" { "Toelichting van de aanbieder" } }
                    } }
                    tbody {
                        @for d in &v.doelen {
                            tr {
                                td { (d.omschrijving) }
                                td { (d.levensdomein.replace('_', " ")) }
                                td { (d.meting) }
                                td { (datum(&d.streefdatum)) }
                                @if met_resultaat {
                                    @match melding.and_then(|r| r.doelen.iter().find(|g| g.id == d.id)) {
                                        Some(g) => { td { (uitkomst_doel(&g.uitkomst)) } td { (g.toelichting) } }
                                        None => { td { span class="stil" { "niet gemeld" } } td { "–" } }
                                    }
                                }
                            }
                        }
                    }
                }
                @if let (Some(_), false, Some(mv)) = (melding, met_resultaat, melding_versie) {
                    p class="stil" { "Het resultaat is gemeld over versie " (mv) " van dit plan, niet over deze." }
                }
            }
        }
    }
}

/// A beoordeling form sent back: for which toewijzing, what was wrong, what was filled in.
pub struct Teruggestuurd<'a> {
    pub nummer: &'a str,
    pub fouten: &'a [String],
    pub oordeel: Option<&'a str>,
    pub bereikt: Option<&'a str>,
    pub reden: &'a str,
}

/// One toewijzing of the client: its facts, plans, result, financing, message flow and the form.
fn toewijzing(
    s: &Session,
    domein: Domein,
    p: &PlanStatus,
    naam: &str,
    stappen: &[Stap],
    action: &str,
    terug: Option<&Teruggestuurd<'_>>,
) -> Markup {
    let res = p.resultaat.as_ref();
    // The form as it was sent, when it comes back with what was wrong.
    let terug = terug.filter(|t| t.nummer == p.toewijzingnummer);
    let (oordeel, bereikt) = (terug.and_then(|t| t.oordeel), terug.and_then(|t| t.bereikt));
    let next_versie = p.beoordeling.as_ref().map_or(1, |b| b.versie + 1);
    html! {
        section aria-labelledby={"t-" (p.toewijzingnummer)} {
            h2 id={"t-" (p.toewijzingnummer)} { "Toewijzing " (p.toewijzingnummer) " – " (naam) }
            dl class="feiten" {
                dt { "Aanbieder" } dd { (naam) " " span class="stil" { "(AGB " (p.aanbieder) ")" } }
                dt { "Product" } dd { (product(domein, &p.product)) }
                dt { "Periode" } dd { (datum(&p.ingangsdatum)) " tot " (datum_of(p.einddatum.as_ref())) }
                dt { "Gestart" } dd { @if let Some(d) = &p.gestart { (datum(d)) } @else { "nog niet gemeld" } }
                dt { "Gestopt" } dd {
                    @match &p.gestopt {
                        Some(st) => {
                            (datum(&st.einddatum))
                            @match omschrijving::reden_beeindiging(domein, &st.reden) {
                                Some(r) => { " – " (r) " " span class="stil" { "(reden " (st.reden) ")" } }
                                None => { " " span class="stil" { "(reden " (st.reden) ")" } }
                            }
                        }
                        None => { "nog niet gestopt" }
                    }
                }
                dt { "Uitkomst" } dd {
                    @match p.uitkomst { Status::Bereikt => "Bereikt", Status::NietBereikt => "Niet bereikt", Status::Onbekend => "Nog onbekend" }
                }
            }
            h3 { "Behandelplan" }
            @if p.plannen.is_empty() {
                p { span class="label let" { "Geen behandelplan ontvangen" } }
            }
            @for plan in &p.plannen {
                (plan_versies(plan, res))
            }
            h3 { "Resultaat en beoordeling" }
            @match res {
                Some(r) => {
                    p { "De aanbieder meldde het resultaat op " (datum(&r.datum)) " (einde traject " (datum(&r.einddatum)) ")"
                        @if let Some(t) = r.tevredenheid { "; de cliënt is " (tevredenheid(t)) } "."
                        @if !p.plannen.iter().any(|pl| pl.plan_id == r.plan_id) {
                            " Het gaat over plan " (r.plan_id) @if let Some(v) = r.plan_versie { ", versie " (v) } "."
                        } @else {
                            " Het resultaat per doel staat hierboven bij het plan."
                        }
                    }
                    @if !p.plannen.iter().any(|pl| pl.plan_id == r.plan_id) {
                        table {
                            caption class="stil" { "Resultaat per doel" }
                            thead { tr { th scope="col" { "Doel" } th scope="col" { "Resultaat" } th scope="col" { "Toelichting van de aanbieder" } } }
                            tbody { @for g in &r.doelen {
                                tr { td { (g.id.as_str()) } td { (uitkomst_doel(&g.uitkomst)) } td { (g.toelichting) } }
                            } }
                        }
                    }
                }
                None => { p { "Nog geen resultaatmelding." } }
            }
            @if let Some(b) = &p.beoordeling {
                p { "Beoordeling " (b.versie) " van team " (b.team) " op " (datum(&b.datum)) ": "
                    strong { @if b.oordeel == Oordeel::Eens { "eens" } @else { "oneens" } }
                    ", resultaat " @if b.resultaat_bereikt { "bereikt" } @else { "niet bereikt" } "." }
            }
            h3 { "Financiering" }
            @match &p.financiering {
                Some(f) => {
                    table class="smal" {
                        caption class="stil" { (grond(&f.grond, f.status)) }
                        tbody {
                            tr { th scope="row" { "Trajectprijs" } td class="getal" { (euro(f.trajectprijs)) } }
                            tr { th scope="row" { "Nu te declareren" } td class="getal" {
                                (euro(f.aanspraak)) " "
                                span class="stil" { @if f.status == Status::Bereikt { "(100\u{a0}%)" } @else { "(" (f.percentage) "\u{a0}%)" } } } }
                            tr { th scope="row" { "Gedeclareerd" } td class="getal" { (euro(f.gedeclareerd)) } }
                            tr { th scope="row" { @if f.status == Status::NietBereikt { "Ingehouden" } @else { "Aangehouden tot het resultaat bekend is" } }
                                 td class="getal" { (euro(f.ingehouden)) } }
                            @if f.terug_te_vorderen > 0 {
                                tr { th scope="row" { "Terug te vorderen" } td class="getal terug" { strong { (euro(f.terug_te_vorderen)) } } }
                            }
                        }
                    }
                }
                None => { p { "Geen resultaatfinanciering op deze toewijzing." } }
            }
            h3 { "Berichtenstroom" }
            (stroom(stappen, false))
            @if res.is_some() {
                h3 { "Uw beoordeling vastleggen" }
                @if let Some(t) = terug {
                    div class="fouten" id={"fouten-" (p.toewijzingnummer)} {
                        p { "De beoordeling is niet vastgelegd:" }
                        ul { @for f in t.fouten { li { (f) } } }
                    }
                }
                form method="post" action=(action) id={"beoordeling-" (p.toewijzingnummer)} {
                    input type="hidden" name="csrf" value=(s.csrf);
                    input type="hidden" name="toewijzing" value=(p.toewijzingnummer);
                    input type="hidden" name="domein" value=(domein.as_str());
                    input type="hidden" name="versie" value=(next_versie);
                    fieldset {
                        legend { "Bent u het eens met de resultaatmelding?" }
                        input type="radio" id={"eens-" (p.toewijzingnummer)} name="oordeel" value="eens" required
                            checked[oordeel == Some("eens")];
                        label class="keuze" for={"eens-" (p.toewijzingnummer)} { "Eens" }
                        input type="radio" id={"oneens-" (p.toewijzingnummer)} name="oordeel" value="oneens"
                            checked[oordeel == Some("oneens")];
                        label class="keuze" for={"oneens-" (p.toewijzingnummer)} { "Oneens" }
                    }
                    fieldset {
                        legend { "Alleen bij oneens: is het resultaat volgens het team bereikt?" }
                        input type="radio" id={"ja-" (p.toewijzingnummer)} name="bereikt" value="ja"
                            checked[bereikt == Some("ja")];
                        label class="keuze" for={"ja-" (p.toewijzingnummer)} { "Ja" }
                        input type="radio" id={"nee-" (p.toewijzingnummer)} name="bereikt" value="nee"
                            checked[bereikt == Some("nee")];
                        label class="keuze" for={"nee-" (p.toewijzingnummer)} { "Nee" }
                    }
                    p {
                        label for={"reden-" (p.toewijzingnummer)} { "Reden (verplicht bij oneens)" }
                        textarea id={"reden-" (p.toewijzingnummer)} name="reden" rows="3" maxlength="1000" { (terug.map_or("", |t| t.reden)) }
                    }
                    p { button type="submit" class="knop" { "Beoordeling vastleggen" } }
                }
            }
        }
    }
}

/// What a client page request brings along.
struct Ctx<'a> {
    req: &'a HttpRequest,
    gw: &'a Gateway,
    sec: &'a Security,
    ids: &'a ClientIds,
    who: &'a Caller,
    id: &'a str,
}

fn client_page(
    c: &Ctx<'_>,
    status: StatusCode,
    terug: Option<&Teruggestuurd<'_>>,
    opgeslagen: bool,
) -> Result<HttpResponse, ApiError> {
    let (req, gw, sec, ids, who, id) = (c.req, c.gw, c.sec, c.ids, c.who, c.id);
    let s = session(req).ok_or(ApiError::Unauthenticated)?;
    let (bsn, team) = own_client(req, who, gw, sec, ids, id)?;
    let statuses = gw.plan_status(&bsn);
    let gegevens = gw.client_gegevens(&bsn)?;
    let action = format!("/clienten/{id}/beoordeling");
    let body = html! {
        p { a href="/caseload" { "← Caseload" } }
        h1 { "Cliënt " (bsn.as_str()) }
        @if let Some(g) = &gegevens {
            dl class="feiten client" {
                @if let Some(n) = &g.naam { dt { "Naam" } dd { (n) } }
                @if let Some(d) = &g.geboortedatum { dt { "Geboortedatum" } dd { (datum(d)) } }
            }
        }
        p class="stil" { "Gebiedsteam " (team) ". "
            @match statuses.len() { 1 => "Eén toewijzing", n => { (n) " toewijzingen" } } " in deze gemeente." }
        @if opgeslagen {
            div class="melding" role="status" { p { "Uw beoordeling is vastgelegd en naar de aanbieder gestuurd." } }
        }
        // Said at the top, where the page opens, with the way to the form.
        @if let Some(t) = terug {
            div class="fouten" role="alert" {
                p { "Uw beoordeling van toewijzing " (t.nummer) " is niet vastgelegd. "
                    a href={"#fouten-" (t.nummer)} { "Naar het formulier" } }
            }
        }
        @if statuses.is_empty() { p { "Geen toewijzingen." } }
        @for (domein, p) in &statuses {
            @let stromen = p.toewijzingnummer.parse().map(|n| gw.stroom(n)).unwrap_or_default();
            (toewijzing(&s, *domein, p, gw.aanbieder_naam(&p.aanbieder).unwrap_or(&p.aanbieder),
                stroom_of(&stromen, domein.as_str(), &p.aanbieder, bsn.as_str()), &action, terug))
        }
    };
    Ok(html(
        status,
        page(
            &format!("Cliënt {}", &id[..8.min(id.len())]),
            Some(&s),
            body,
        ),
    ))
}

#[derive(Deserialize)]
pub struct ClientQuery {
    #[serde(default)]
    opgeslagen: Option<String>,
}

/// `GET /clienten/{client}`.
pub async fn client(
    req: HttpRequest,
    who: Caller,
    path: web::Path<String>,
    q: web::Query<ClientQuery>,
    gw: web::Data<Gateway>,
    sec: web::Data<Security>,
    ids: web::Data<ClientIds>,
) -> HttpResponse {
    let c = Ctx {
        req: &req,
        gw: &gw,
        sec: &sec,
        ids: &ids,
        who: &who,
        id: &path,
    };
    respond(
        &req,
        client_page(&c, StatusCode::OK, None, q.opgeslagen.is_some()),
    )
}

#[derive(Deserialize)]
struct BeoordelingForm {
    csrf: String,
    toewijzing: String,
    domein: String,
    versie: u32,
    #[serde(default)]
    oordeel: Option<String>,
    #[serde(default)]
    bereikt: Option<String>,
    #[serde(default)]
    reden: String,
}

impl BeoordelingForm {
    /// This form sent back with `fouten`.
    fn terug<'a>(&'a self, fouten: &'a [String]) -> Teruggestuurd<'a> {
        Teruggestuurd {
            nummer: &self.toewijzing,
            fouten,
            oordeel: self.oordeel.as_deref(),
            bereikt: self.bereikt.as_deref(),
            reden: &self.reden,
        }
    }
}

/// `POST /clienten/{client}/beoordeling`: the team's judgement, through the gateway.
pub async fn beoordeling(
    req: HttpRequest,
    who: Caller,
    path: web::Path<String>,
    payload: web::Payload,
    gw: web::Data<Gateway>,
    sec: web::Data<Security>,
    ids: web::Data<ClientIds>,
) -> HttpResponse {
    let r = async {
        let body = extract::body(payload, 16 * 1024).await?;
        let form = super::form::<BeoordelingForm>(&body)?;
        check_csrf(&req, &form.csrf)?;
        let c = Ctx {
            req: &req,
            gw: &gw,
            sec: &sec,
            ids: &ids,
            who: &who,
            id: &path,
        };
        let (bsn, team) = own_client(&req, &who, &gw, &sec, &ids, &path)?;
        let mut fouten = Vec::new();
        let oordeel = match form.oordeel.as_deref() {
            Some("eens") => Some(Oordeel::Eens),
            Some("oneens") => Some(Oordeel::Oneens),
            _ => {
                fouten.push("Kies eens of oneens.".to_string());
                None
            }
        };
        let domein = match form.domein.as_str() {
            "ijw" => Domein::Ijw,
            "iwmo" => Domein::Iwmo,
            _ => return Err(ApiError::BadRequest("onbekend domein".into())),
        };
        // The toewijzing must be one of this client's: the form cannot name another's.
        let status = gw
            .plan_status(&bsn)
            .into_iter()
            .find(|(d, p)| *d == domein && p.toewijzingnummer == form.toewijzing)
            .map(|(_, p)| p)
            .ok_or(ApiError::NotFound("onbekende toewijzing"))?;
        // Eens: the result is what the melding says (every goal behaald or not); oneens: the
        // team says which.
        let volgens_melding = status
            .resultaat
            .as_ref()
            .map(|r| r.doelen.iter().all(|g| g.uitkomst == Uitkomst::Behaald));
        let bereikt = match (oordeel, form.bereikt.as_deref()) {
            (Some(Oordeel::Eens), _) => volgens_melding,
            (_, Some("ja")) => Some(true),
            (_, Some("nee")) => Some(false),
            (Some(Oordeel::Oneens), _) => {
                fouten.push(
                    "Kies bij oneens of het resultaat volgens het team bereikt is.".to_string(),
                );
                None
            }
            (None, _) => None,
        };
        if volgens_melding.is_none() {
            fouten.push("Er is nog geen resultaatmelding om te beoordelen.".to_string());
        }
        let reden = form.reden.trim().to_string();
        if oordeel == Some(Oordeel::Oneens) && reden.is_empty() {
            fouten.push("Geef bij oneens de reden.".to_string());
        }
        let (Some(oordeel), Some(bereikt), true) = (oordeel, bereikt, fouten.is_empty()) else {
            return client_page(
                &c,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&form.terug(&fouten)),
                false,
            );
        };
        let b = Beoordeling {
            domein,
            gemeente: gw.settings.gemeente.code.clone(),
            team: team.clone(),
            aanbieder: status.aanbieder.clone(),
            bsn,
            toewijzingnummer: status.toewijzingnummer.clone(),
            versie: form.versie,
            datum: gw.today(),
            oordeel,
            reden: (!reden.is_empty()).then_some(reden),
            resultaat_bereikt: bereikt,
        };
        let json = serde_json::to_vec(&b).map_err(|_| ApiError::Internal)?;
        // The same check as `POST /api/v1/beoordelingen`: the team is the caller's.
        let allowed = |m: &Bericht| match m {
            Bericht::Beoordeling(o) => who.permits(&Facts {
                team: (o.team == team).then_some(o.team.as_str()),
                gemeente: Some(o.gemeente.as_str()),
                ..Facts::default()
            }),
            _ => false,
        };
        let arc = gw.clone().into_inner();
        let ingested = arc
            .ingest_doelbereik(Kind::Beoordeling, Format::Json, &json, &allowed)
            .await;
        let ingested = match ingested {
            Ok(i) => i,
            Err(crate::gateway::DoelbereikError::Forbidden) => return Err(ApiError::Forbidden),
            Err(crate::gateway::DoelbereikError::Store(e)) => return Err(e.into()),
            Err(crate::gateway::DoelbereikError::Unreadable { findings, .. }) => {
                let fouten: Vec<String> = findings
                    .iter()
                    .map(|f| format!("{}: {}", f.code, f.message))
                    .collect();
                return client_page(
                    &c,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(&form.terug(&fouten)),
                    false,
                );
            }
        };
        if !ingested.record.accepted {
            let fouten: Vec<String> = ingested
                .record
                .findings
                .iter()
                .map(|f| format!("{} ({}): {}", f.message, f.code, f.path))
                .collect();
            return client_page(
                &c,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&form.terug(&fouten)),
                false,
            );
        }
        crate::http::auth::audit_detail(
            &req,
            format!("beoordeling bewaard als bericht {}", ingested.record.id),
        );
        Ok(HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("/clienten/{}?opgeslagen=1", path.as_str()),
            ))
            .finish())
    };
    respond(&req, r.await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluis_core::doelbereik::{Doel, DoelId, DoelResultaat};
    use sluis_core::standard::types::Datum;

    fn doel(id: &str, wat: &str) -> Doel {
        Doel {
            id: DoelId::parse(id).expect("id"),
            omschrijving: wat.into(),
            levensdomein: "vrije_tijd".into(),
            meting: "gesprek".into(),
            streefdatum: Datum::from_ymd(2026, 6, 30).expect("date"),
        }
    }

    fn plan(resultaat_bij_1: bool) -> PlanSamenvatting {
        let v = |versie, doelen: Vec<Doel>, resultaat| PlanVersie {
            versie,
            datum: Datum::from_ymd(2026, versie as u8, 1).expect("date"),
            doelen,
            resultaat,
        };
        PlanSamenvatting {
            aanbieder: "12345678".into(),
            plan_id: "PLAN 1/a".into(),
            versie: 2,
            datum: Datum::from_ymd(2026, 2, 1).expect("date"),
            doelen: vec![doel("D1", "Naar school"), doel("D2", "Sporten")],
            versies: vec![
                v(1, vec![doel("D1", "Naar school")], resultaat_bij_1),
                v(
                    2,
                    vec![doel("D1", "Naar school"), doel("D2", "Sporten")],
                    false,
                ),
            ],
        }
    }

    fn melding(versie: Option<u32>) -> ResultaatSamenvatting {
        ResultaatSamenvatting {
            plan_id: "PLAN 1/a".into(),
            plan_versie: versie,
            datum: Datum::from_ymd(2026, 3, 1).expect("date"),
            einddatum: Datum::from_ymd(2026, 2, 28).expect("date"),
            doelen: vec![DoelResultaat {
                id: DoelId::parse("D1").expect("id"),
                uitkomst: Uitkomst::DeelsBehaald,
                toelichting: "Gaat drie dagen per week".into(),
            }],
            tevredenheid: None,
        }
    }

    #[test]
    fn every_plan_version_newest_first_with_the_result_at_its_own_version() {
        let html = plan_versies(&plan(true), Some(&melding(Some(1)))).into_string();
        let (v2, v1) = (
            html.find("versie 2 van 01-02-2026").expect("v2"),
            html.find("versie 1 van 01-01-2026").expect("v1"),
        );
        assert!(v2 < v1, "newest first: {html}");
        let marker = html
            .find("Hierover gaat de resultaatmelding")
            .expect("marked");
        assert!(marker > v1, "at version 1");
        assert!(html[v1..].contains("<td>Gaat drie dagen per week</td>"));
        assert!(!html[..v1].contains("Gaat drie dagen"), "not at version 2");
        assert!(html.contains("gemeld over versie 1 van dit plan"));
        // An id fit for aria-labelledby, whatever the plan id holds.
        assert!(html.contains(r#"id="plan-12345678-PLAN-1-a-v2""#), "{html}");
        // A melding stored before its version was kept: shown with the current version.
        let html = plan_versies(&plan(false), Some(&melding(None))).into_string();
        let v1 = html.find("versie 1 van 01-01-2026").expect("v1");
        assert!(html[..v1].contains("Hierover gaat de resultaatmelding"));
        // No melding: no result columns.
        let html = plan_versies(&plan(false), None).into_string();
        assert!(!html.contains("Toelichting van de aanbieder"));
    }
}
