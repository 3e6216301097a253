//! The OpenAPI 3.1 document of the whole API (`GET /api/v1/openapi.json`) and its readable
//! reference page (`GET /api/v1/referentie`), both generated from the code:
//!
//! - the paths, methods and roles come from the access table (`security::access::TABLE`): every
//!   served row is in the document, with its cell per role in `x-sluis-rollen` and the
//!   description, and nothing else is;
//! - what the table cannot say (summary, parameters, body, answers, examples) comes from
//!   [`operation`], an exhaustive match over [`Endpoint`]: a new endpoint does not compile until
//!   it is described here;
//! - the schemas of the request and answer types are derived from those types (utoipa's
//!   `ToSchema`) or are the committed JSON Schemas of Sluis's own messages; the few answers that
//!   are built in place are described here, and `tests/api/openapi.rs` checks real answers
//!   against every documented schema.

use crate::gateway::reads::InboxItem;
use crate::http::error::Problem;
use crate::http::routes::berichten::{Summary, Uitkomst};
use crate::http::routes::clienten::TeamBody;
use crate::http::routes::inbox::Ack;
use crate::http::routes::tokens::NewToken;
use crate::http::routes::validatie::{Formaat, Retourbericht, Validatie};
use crate::security::access::{Endpoint, Grant, Role, TABLE};
use crate::store::StoredFinding;
use actix_web::http::header::ContentType;
use actix_web::HttpResponse;
use serde_json::{json, Map, Value};
use sluis_core::policy::Policy;
use sluis_core::standard::types::Datum;
use sluis_core::{Limits, ReadError};
use std::sync::OnceLock;
use utoipa::openapi::{RefOr, Schema};
use utoipa::ToSchema;

/// The example message of the document and the docs: a real fixture, so it works as written.
/// The fixture of [`EXAMPLE_JW301`], for the curl examples (run from the repository's root).
pub const EXAMPLE_JW301_FILE: &str = "fixtures/ijw-3.2/JW301/valid/minimaal.xml";

/// A JW301 with a rule finding (TR101), the validation's example.
pub const EXAMPLE_TR101: &str =
    include_str!("../../../../fixtures/rules/TR101/fail-dubbel-toegewezen-product-jw301.xml");
pub const EXAMPLE_TR101_FILE: &str =
    "fixtures/rules/TR101/fail-dubbel-toegewezen-product-jw301.xml";

pub const EXAMPLE_JW301: &str =
    include_str!("../../../../fixtures/ijw-3.2/JW301/valid/minimaal.xml");

/// Where a parameter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    Path,
    Query,
}

/// One parameter of an operation, with an example that works against the demo.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: &'static str,
    pub place: In,
    pub description: &'static str,
    pub schema: Value,
    pub example: Value,
}

/// One form of a request or answer body.
#[derive(Debug, Clone)]
pub struct Content {
    pub media: &'static str,
    pub schema: Value,
    pub example: Option<Value>,
    /// The file in the repository that holds the example (`x-sluis-bestand`), for curl.
    pub file: Option<&'static str>,
}

/// One documented answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub description: &'static str,
    pub content: Vec<Content>,
}

/// What the document says of one endpoint besides its route and roles.
#[derive(Debug, Clone)]
pub struct Operation {
    pub summary: &'static str,
    pub description: &'static str,
    pub tag: &'static str,
    pub params: Vec<Param>,
    pub body: Vec<Content>,
    /// The answers of the endpoint itself; the refusals every protected row can give (401,
    /// 403, 429) and 503 are added from the table.
    pub answers: Vec<Answer>,
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn string() -> Value {
    json!({ "type": "string" })
}

fn path(name: &'static str, description: &'static str, example: &'static str) -> Param {
    Param {
        name,
        place: In::Path,
        description,
        schema: string(),
        example: json!(example),
    }
}

fn query(name: &'static str, description: &'static str, schema: Value, example: Value) -> Param {
    Param {
        name,
        place: In::Query,
        description,
        schema,
        example,
    }
}

fn paging() -> Vec<Param> {
    vec![
        query(
            "after",
            "Het `next` van de vorige pagina.",
            json!({ "type": "integer", "minimum": 0 }),
            json!(0),
        ),
        query(
            "limit",
            "Hoogstens zoveel items (standaard 100, hoogstens 1000).",
            json!({ "type": "integer", "minimum": 1, "maximum": 1000 }),
            json!(10),
        ),
    ]
}

fn json_content(schema: Value, example: Option<Value>) -> Vec<Content> {
    vec![Content {
        media: "application/json",
        schema,
        example,
        file: None,
    }]
}

fn ok(description: &'static str, content: Vec<Content>) -> Answer {
    Answer {
        status: 200,
        description,
        content,
    }
}

fn problem(status: u16, description: &'static str) -> Answer {
    Answer {
        status,
        description,
        content: vec![Content {
            media: "application/problem+json",
            schema: reference("Problem"),
            example: None,
            file: None,
        }],
    }
}

fn items(of: Value) -> Value {
    json!({
        "type": "object",
        "required": ["items"],
        "properties": { "items": { "type": "array", "items": of } }
    })
}

fn page(of: Value) -> Value {
    json!({
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": { "type": "array", "items": of },
            "next": { "type": "integer", "description": "Geef mee als `after` voor de volgende pagina; ontbreekt op de laatste." }
        }
    })
}

fn text(description: &'static str, media: &'static str, example: &'static str) -> Answer {
    ok(
        description,
        vec![Content {
            media,
            schema: string(),
            example: Some(json!(example)),
            file: None,
        }],
    )
}

/// A message of the standard as a request body: XML (the example: `text`, from `file`), or
/// Sluis's JSON form.
fn message_body(text: &'static str, file: &'static str) -> Vec<Content> {
    vec![
        Content {
            media: "application/xml",
            schema: json!({ "type": "string", "description": "Een bericht van iJw 3.2 of iWmo 3.2 (XML)." }),
            example: Some(json!(text)),
            file: Some(file),
        },
        Content {
            media: "application/json",
            schema: json!({
                "type": "object",
                "required": ["bericht"],
                "description": "Hetzelfde bericht in Sluis's JSON-vorm (`sluis convert --to json`); het lid `bericht` noemt het (`JW301` …). De JSON Schemas staan in `schemas/ijw-3.2/` en `schemas/iwmo-3.2/`.",
                "properties": { "bericht": { "type": "string", "examples": ["JW301"] } }
            }),
            example: None,
            file: None,
        },
    ]
}

/// The validation's answer to [`EXAMPLE_TR101`], as the core gives it (on 4 May 2026).
fn example_validatie() -> Value {
    let checked = Datum::parse("2026-05-04")
        .ok_or(ReadError::Empty)
        .and_then(|day| {
            sluis_core::intake::check(
                EXAMPLE_TR101.as_bytes(),
                &Limits::default(),
                &Policy::default(),
                day,
            )
        });
    serde_json::to_value(Validatie::of(checked)).unwrap_or_default()
}

/// A behandelplan for the toewijzing of the example JW301 (`fixtures/…/JW301/valid/minimaal.xml`).
pub fn example_behandelplan() -> Value {
    json!({
        "domein": "ijw",
        "gemeente": "0599",
        "aanbieder": "12345678",
        "bsn": "999990019",
        "plan_id": "PLAN-1",
        "versie": 1,
        "datum": "2026-01-10",
        "toewijzingnummers": ["7001"],
        "doelen": [{
            "id": "D1",
            "omschrijving": "Weer elke dag naar school",
            "levensdomein": "onderwijs",
            "meting": "Aanwezig op schooldagen per maand",
            "streefdatum": "2026-07-01"
        }]
    })
}

fn doelbereik_body(schema: &'static str, example: Option<Value>) -> Vec<Content> {
    vec![
        Content {
            media: "application/json",
            schema: reference(schema),
            example,
            file: None,
        },
        Content {
            media: "application/xml",
            schema: json!({ "type": "string", "description": "De XML-vorm (namespace `urn:sluis:doelbereik:1`)." }),
            example: None,
            file: None,
        },
    ]
}

fn doelbereik_answers() -> Vec<Answer> {
    vec![
        Answer {
            status: 201,
            description: "Aanvaard en bewaard; `Location` noemt het bericht.",
            content: json_content(reference("Summary"), None),
        },
        ok(
            "Hetzelfde bericht nog eens (`Sluis-Replay: true`): het eerste antwoord.",
            json_content(reference("Summary"), None),
        ),
        problem(
            400,
            "Geen geldig bericht van deze soort (`schema`); niets bewaard.",
        ),
        problem(413, "Groter dan 1 MiB."),
        problem(415, "Een ander `Content-Type` dan JSON of XML."),
        problem(
            422,
            "Afgekeurd op de controles (`afgekeurd`); bewaard voor de audit (`Location`).",
        ),
    ]
}

fn filter_params() -> Vec<Param> {
    let s = string();
    vec![
        query("aanbieder", "AGB-code.", s.clone(), json!("12345678")),
        query("team", "Gebiedsteam.", s.clone(), json!("noord")),
        query(
            "domein",
            "`ijw` of `iwmo`.",
            json!({ "enum": ["ijw", "iwmo"] }),
            json!("ijw"),
        ),
        query(
            "van",
            "Beëindigd op of na deze dag (JJJJ-MM-DD).",
            s.clone(),
            json!("2026-01-01"),
        ),
        query(
            "tot",
            "Beëindigd op of voor deze dag (JJJJ-MM-DD).",
            s.clone(),
            json!("2026-12-31"),
        ),
    ]
}

const BSN: (&str, &str, &str) = (
    "bsn",
    "Het BSN van de cliënt (9 cijfers); komt nooit in een antwoord of log.",
    "999990019",
);

/// THE description of every endpoint: exhaustive, so a new [`Endpoint`] does not compile
/// until it is documented (and its route is then in the document from the table). `None` for
/// the web pages: HTML for people with a session, not part of the API (`docs/pages.md`).
pub fn operation(e: Endpoint) -> Option<Operation> {
    use Endpoint::*;
    let op = |summary, description, tag, params, body, answers| Operation {
        summary,
        description,
        tag,
        params,
        body,
        answers,
    };
    let any = json!({});
    Some(match e {
        PageStart | PageStyle | PageSignIn | PageSignOut | PageCaseload | PageClient
        | PageBeoordeling | PageAanbieders | PageAanbieder | PageDownload | PageBerichten
        | PageBericht | PageToewijzing | PageValidatie | PageValideer => return None,
        Healthz => op(
            "Leeft de gateway?",
            "Altijd `ok` zolang het proces antwoordt; nooit beperkt.",
            "status",
            vec![],
            vec![],
            vec![text("Het proces leeft.", "text/plain", "ok\n")],
        ),
        Readyz => op(
            "Kan de gateway berichten aannemen?",
            "Niet klaar (503) zolang de berichtendatabase niet te lezen is.",
            "status",
            vec![],
            vec![],
            vec![
                text("Klaar.", "text/plain", "ready\n"),
                Answer {
                    status: 503,
                    description: "De berichtendatabase is niet te lezen.",
                    content: vec![Content {
                        media: "text/plain",
                        schema: string(),
                        example: Some(json!("database not ready\n")),
                        file: None,
                    }],
                },
            ],
        ),
        Metrics => op(
            "Metrieken (OpenMetrics-tekstformaat)",
            "Tellers en histogrammen van de gateway voor de beheerder.",
            "status",
            vec![],
            vec![],
            vec![ok(
                "De metrieken.",
                vec![Content {
                    media: "application/openmetrics-text",
                    schema: string(),
                    example: None,
                    file: None,
                }],
            )],
        ),
        PostBericht => op(
            "Een bericht van iJw/iWmo aanbieden",
            "Het bericht wordt beoordeeld (structuur, regels in het bericht en over de historie), duurzaam bewaard en beantwoord met het retourbericht (XML, of JSON als `Accept` dat vraagt; anders in de vorm van het bericht). Een ontvangen retourbericht krijgt een JSON-samenvatting. `Location` noemt het bewaarde bericht; `Sluis-Replay: true` als het al eens ontvangen was.",
            "berichten",
            vec![],
            message_body(EXAMPLE_JW301, EXAMPLE_JW301_FILE),
            vec![
                ok(
                    "Het retourbericht (ook bij afkeuring: die staat in de RetourCodes), of de samenvatting van een ontvangen retourbericht.",
                    vec![
                        Content {
                            media: "application/xml",
                            schema: string(),
                            example: None,
                            file: None,
                        },
                        Content {
                            media: "application/json",
                            schema: json!({ "type": "object" }),
                            example: None,
                            file: None,
                        },
                    ],
                ),
                problem(400, "Niet te lezen (`unreadable`) of niet geldig volgens het XSD (`xsd`, met `errors`); niets bewaard."),
                problem(413, "Groter dan `server.max_body_bytes`."),
                problem(415, "Een ander `Content-Type` dan XML of JSON."),
                problem(422, "De Ontvanger is geen aanbieder van deze gemeente; niets bewaard."),
            ],
        ),
        ListBerichten => op(
            "Bewaarde berichten zoeken",
            "Samenvattingen, oudste eerst, per pagina; alleen wat de beller mag zien (gefilterd, niet geweigerd).",
            "berichten",
            [
                vec![
                    query("type", "Berichtsoort, bv. `JW301`.", string(), json!("JW301")),
                    query("afzender", "AGB-code of gemeentecode.", string(), json!("0599")),
                    query("ontvanger", "AGB-code of gemeentecode.", string(), json!("12345678")),
                    query("van", "Ontvangen op of na (JJJJ-MM-DD).", string(), json!("2026-01-01")),
                    query("tot", "Ontvangen op of voor (JJJJ-MM-DD).", string(), json!("2030-12-31")),
                ],
                paging(),
            ]
            .concat(),
            vec![],
            vec![
                ok("Een pagina samenvattingen.", json_content(page(reference("Summary")), None)),
                problem(400, "Een onjuiste parameter."),
            ],
        ),
        GetBericht => op(
            "Eén bewaard bericht",
            "Het bericht zoals ontvangen, met bevindingen en retourbericht. Een bericht van een ander wordt beantwoord als onbekend (404).",
            "berichten",
            vec![path("id", "Het id uit `Location`.", "1")],
            vec![],
            vec![
                ok("Het bewaarde bericht.", json_content(json!({ "type": "object", "required": ["id", "bericht"] }), None)),
                problem(404, "Geen bericht met dit id (of niet van de beller)."),
                problem(410, "De XML-vorm van een bericht waarvan de inhoud na de bewaartermijn is verwijderd (`docs/retention.md`); de JSON-vorm blijft, met `payload_verwijderd`."),
            ],
        ),
        ReplayBericht => op(
            "Een bericht opnieuw afleveren",
            "Zet het bericht opnieuw in de inboxen volgens de routeringsregel (beheerder).",
            "berichten",
            vec![path("id", "Het id van het bericht.", "1")],
            vec![],
            vec![
                ok(
                    "Wat opnieuw klaarstaat.",
                    json_content(
                        json!({ "type": "object", "required": ["bericht_id", "items"], "properties": { "bericht_id": { "type": "integer" }, "items": { "type": "array" } } }),
                        None,
                    ),
                ),
                problem(404, "Geen bericht met dit id."),
                problem(410, "De inhoud van het bericht is na de bewaartermijn verwijderd: er is niets meer af te leveren."),
            ],
        ),
        GetToewijzing => op(
            "De stand van een toewijzing",
            "Per aanbieder van deze gemeente; een toewijzing van een ander wordt beantwoord als onbekend (404).",
            "toewijzingen",
            vec![path("nummer", "Het ToewijzingNummer.", "7001")],
            vec![],
            vec![
                ok("De toewijzing.", json_content(items(any.clone()), None)),
                problem(404, "Geen toewijzing met dit nummer."),
            ],
        ),
        ClientToewijzingen => op(
            "De toewijzingen van een cliënt",
            "Alle toewijzingen van de cliënt die de beller mag zien.",
            "clienten",
            vec![path(BSN.0, BSN.1, BSN.2)],
            vec![],
            vec![
                ok("De toewijzingen.", json_content(items(any.clone()), None)),
                problem(400, "Geen BSN van 9 cijfers (de waarde wordt niet herhaald)."),
            ],
        ),
        GetInbox => op(
            "De inbox van een partij",
            "Wat voor de partij klaarstaat, vanaf `after` (de laatste cursor).",
            "inbox",
            [vec![path("party", "AGB-code of gemeentecode van de beller.", "12345678")], paging()].concat(),
            vec![],
            vec![
                ok("Een pagina van de inbox.", json_content(page(reference("InboxItem")), None)),
                problem(404, "Onbekende partij."),
            ],
        ),
        AckInbox => op(
            "Ontvangst bevestigen",
            "Bevestigt alles tot en met `cursor`; 0 bevestigt niets.",
            "inbox",
            vec![path("party", "AGB-code of gemeentecode van de beller.", "12345678")],
            json_content(reference("Ack"), Some(json!({ "cursor": 0 }))),
            vec![
                ok(
                    "Bevestigd.",
                    json_content(
                        json!({ "type": "object", "required": ["acked"], "properties": { "acked": { "type": "integer" } } }),
                        Some(json!({ "acked": 0 })),
                    ),
                ),
                problem(404, "Onbekende partij."),
                problem(409, "Een cursor die deze partij nooit kreeg."),
            ],
        ),
        PostBehandelplan => op(
            "Een behandelplan aanbieden",
            "Sluis's eigen bericht (`docs/doelbereik.md`), als JSON of XML, hoogstens 1 MiB.",
            "doelbereik",
            vec![],
            doelbereik_body("Behandelplan", Some(example_behandelplan())),
            doelbereik_answers(),
        ),
        PostResultaatmelding => op(
            "Een resultaatmelding aanbieden",
            "Sluis's eigen bericht (`docs/doelbereik.md`), als JSON of XML, hoogstens 1 MiB.",
            "doelbereik",
            vec![],
            doelbereik_body("Resultaatmelding", None),
            doelbereik_answers(),
        ),
        PostBeoordeling => op(
            "Een beoordeling aanbieden",
            "Het oordeel van het gebiedsteam over een resultaatmelding (`docs/doelbereik.md`).",
            "doelbereik",
            vec![],
            doelbereik_body("Beoordeling", None),
            doelbereik_answers(),
        ),
        ClientPlanstatus => op(
            "De plannen van een cliënt",
            "De stand van de behandelplannen per domein, voor het eigen gebiedsteam of de aanbieder zelf.",
            "clienten",
            vec![path(BSN.0, BSN.1, BSN.2)],
            vec![],
            vec![
                ok(
                    "De plannen.",
                    json_content(
                        json!({ "type": "object", "required": ["items"], "properties": { "team": { "type": ["string", "null"] }, "items": { "type": "array" } } }),
                        None,
                    ),
                ),
                problem(400, "Geen BSN van 9 cijfers."),
                problem(404, "Geen toewijzingen van deze cliënt (voor deze beller)."),
            ],
        ),
        TeamDoelbereik => op(
            "Het doelbereik van een gebiedsteam",
            "De trajecten van de cliënten van het team, met de selectie van de parameters.",
            "doelbereik",
            [
                vec![path("team", "Het eigen team.", "noord")],
                vec![
                    query("lopend", "Alleen lopende trajecten.", json!({ "type": "boolean" }), json!(true)),
                    query("zonder_resultaatmelding", "Alleen beëindigde trajecten zonder resultaatmelding.", json!({ "type": "boolean" }), json!(false)),
                    query("betwist", "Alleen betwiste resultaten.", json!({ "type": "boolean" }), json!(false)),
                    query("limit", "Hoogstens zoveel (standaard 500, hoogstens 5000).", json!({ "type": "integer", "minimum": 1 }), json!(50)),
                    query("offset", "Vanaf deze positie.", json!({ "type": "integer", "minimum": 0 }), json!(0)),
                ],
            ]
            .concat(),
            vec![],
            vec![
                ok("Het doelbereik.", json_content(json!({ "type": "object" }), None)),
                problem(400, "Een onjuiste parameter."),
            ],
        ),
        GetClientTeam => op(
            "Het gebiedsteam van een cliënt",
            "Het team dat de cliënt volgt (`null`: geen).",
            "clienten",
            vec![path(BSN.0, BSN.1, BSN.2)],
            vec![],
            vec![
                ok(
                    "Het team.",
                    json_content(
                        json!({ "type": "object", "required": ["team"], "properties": { "team": { "type": ["string", "null"] } } }),
                        None,
                    ),
                ),
                problem(400, "Geen BSN van 9 cijfers."),
            ],
        ),
        PutClientTeam => op(
            "Het gebiedsteam van een cliënt zetten",
            "Een geconfigureerd team, of `null` om de postcodegebieden weer te volgen.",
            "clienten",
            vec![path(BSN.0, BSN.1, BSN.2)],
            json_content(reference("TeamBody"), Some(json!({ "team": "noord" }))),
            vec![
                ok("Gezet.", json_content(json!({ "type": "object" }), None)),
                problem(400, "Geen BSN van 9 cijfers, of een onbekend team."),
            ],
        ),
        Financiering => op(
            "Resultaatfinanciering per aanbieder",
            "Bedragen in eurocent, voor de contractmanager van deze gemeente.",
            "indicatoren",
            filter_params(),
            vec![],
            vec![
                ok(
                    "De bedragen.",
                    json_content(
                        json!({ "type": "object", "required": ["bedragen_in", "items"], "properties": { "bedragen_in": { "const": "eurocent" }, "items": { "type": "array" } } }),
                        None,
                    ),
                ),
                problem(400, "Een onjuiste parameter."),
            ],
        ),
        Indicatoren => op(
            "Uitkomstindicatoren",
            "Doelrealisatie, uitval, cliënttevredenheid en herhaald beroep, als JSON of CSV (`format=csv` of `Accept: text/csv`).",
            "indicatoren",
            [
                filter_params(),
                vec![
                    query("per", "Ook per groep: `aanbieder`, `gemeente` of `team`.", json!({ "enum": ["aanbieder", "gemeente", "team"] }), json!("aanbieder")),
                    query("format", "`json` (standaard) of `csv`.", json!({ "enum": ["json", "csv"] }), json!("json")),
                ],
            ]
            .concat(),
            vec![],
            vec![
                ok(
                    "De indicatoren.",
                    vec![
                        Content {
                            media: "application/json",
                            schema: json!({ "type": "object", "required": ["totaal"], "properties": { "totaal": { "type": "object" }, "groepen": { "type": "object" } } }),
                            example: None,
                            file: None,
                        },
                        Content {
                            media: "text/csv",
                            schema: string(),
                            example: None,
                            file: None,
                        },
                    ],
                ),
                problem(400, "Een onjuiste parameter."),
            ],
        ),
        Stromen => op(
            "Stromen per aanbieder",
            "Berichten (geaccepteerd, deels, afgekeurd), retourcodes met hun officiële betekenis, bedragen en volumes per product, doorlooptijden (mediaan en p90 in dagen) en behandelplannen binnen N dagen, per maand of kwartaal (`docs/stuurinformatie.md`). Als download (`format=csv|csv-nl|xlsx`) één tabel, gekozen met `tabel`.",
            "stuurinformatie",
            vec![
                query("aanbieder", "AGB-code.", string(), json!("12345678")),
                query("team", "Gebiedsteam.", string(), json!("noord")),
                query("standaard", "`ijw` of `iwmo`.", json!({ "enum": ["ijw", "iwmo"] }), json!("ijw")),
                query("domein", "Hetzelfde als `standaard`.", json!({ "enum": ["ijw", "iwmo"] }), json!("ijw")),
                query("berichtsoort", "`JW323`, `323` (beide standaarden) of `behandelplan`.", string(), json!("323")),
                query("van", "Vanaf deze dag (JJJJ-MM-DD).", string(), json!("2026-01-01")),
                query("tot", "Tot en met deze dag (JJJJ-MM-DD).", string(), json!("2026-12-31")),
                query("per", "`maand` (standaard) of `kwartaal`.", json!({ "enum": ["maand", "kwartaal"] }), json!("kwartaal")),
                query("plan_binnen", "Dagen na de start waarbinnen een behandelplan op tijd is (standaard 42).", json!({ "type": "integer", "minimum": 0, "maximum": 3650 }), json!(42)),
                query("tabel", "Voor een download: `berichten` (standaard), `retourcodes`, `bedragen`, `doorlooptijden` of `plannen`.", json!({ "enum": ["berichten", "retourcodes", "bedragen", "doorlooptijden", "plannen"] }), json!("berichten")),
                query("format", "`json` (standaard), `csv`, `csv-nl` of `xlsx`.", json!({ "enum": ["json", "csv", "csv-nl", "xlsx"] }), json!("json")),
            ],
            vec![],
            vec![
                ok(
                    "De vijf tabellen.",
                    json_content(
                        json!({ "type": "object", "required": ["berichten", "retourcodes", "bedragen", "doorlooptijden", "plannen"], "properties": { "berichten": { "type": "array" }, "retourcodes": { "type": "array" }, "bedragen": { "type": "array" }, "doorlooptijden": { "type": "array" }, "plannen": { "type": "array" } } }),
                        None,
                    ),
                ),
                problem(400, "Een onjuiste parameter."),
            ],
        ),
        ToewijzingStroom => op(
            "De stroom van één toewijzing",
            "Elk bericht van de toewijzing per cliënt (als pseudoniem, nooit een BSN) in volgorde, met retourcodes en hun betekenis.",
            "toewijzingen",
            vec![
                path("nummer", "Het ToewijzingNummer.", "7001"),
                // No example: a pseudonym depends on the installation's key.
                query("client", "Alleen deze cliënt: het pseudoniem uit het antwoord (32 hexadecimale tekens).", string(), Value::Null),
                query("standaard", "`ijw` of `iwmo`.", json!({ "enum": ["ijw", "iwmo"] }), json!("ijw")),
            ],
            vec![],
            vec![
                ok(
                    "De tijdlijn.",
                    json_content(
                        json!({ "type": "object", "required": ["toewijzingnummer", "items"], "properties": { "toewijzingnummer": { "type": "string" }, "items": { "type": "array" } } }),
                        None,
                    ),
                ),
                problem(404, "Geen toewijzing met dit nummer."),
            ],
        ),
        Audit => op(
            "Het auditlog",
            "De vastgelegde verzoeken van deze gemeente, als JSON-pagina, CSV of JSON Lines (`format`).",
            "audit",
            [
                vec![
                    query("van", "Vanaf dit tijdstip (RFC 3339) of deze dag.", string(), json!("2026-01-01")),
                    query("tot", "Tot dit tijdstip, of tot en met deze dag.", string(), json!("2030-12-31")),
                    query("actor", "Wie (`token:<id>`, `cert:<vingerafdruk>`).", string(), json!("token:demo-gemeente-0599")),
                    query("action", "Wat (`create`, `read`, `search` …).", string(), json!("create")),
                    query("object", "Soort object (`bericht`, `inbox` …).", string(), json!("bericht")),
                    query("object_id", "Id van het object.", string(), json!("1")),
                    query("client", "Pseudoniem van een cliënt (32 hexadecimale tekens), nooit een BSN.", string(), json!("00000000000000000000000000000000")),
                    query("format", "`json` (standaard), `csv` of `jsonl`.", json!({ "enum": ["json", "csv", "jsonl"] }), json!("json")),
                ],
                paging(),
            ]
            .concat(),
            vec![],
            vec![
                ok(
                    "De selectie.",
                    vec![
                        Content {
                            media: "application/json",
                            schema: json!({ "type": "object", "required": ["items", "head"], "properties": { "items": { "type": "array" }, "next": { "type": ["integer", "null"] }, "head": {} } }),
                            example: None,
                            file: None,
                        },
                        Content {
                            media: "text/csv",
                            schema: string(),
                            example: None,
                            file: None,
                        },
                        Content {
                            media: "application/jsonl",
                            schema: string(),
                            example: None,
                            file: None,
                        },
                    ],
                ),
                problem(400, "Een onjuiste parameter."),
            ],
        ),
        CreateToken => op(
            "Een token maken",
            "Via de API alleen voor de rol operator; tokens van zorgrollen alleen met `sluis token create`. Het geheim wordt één keer getoond.",
            "tokens",
            vec![],
            json_content(
                reference("NewToken"),
                Some(json!({ "role": "operator", "label": "tweede beheerder" })),
            ),
            vec![
                Answer {
                    status: 201,
                    description: "Gemaakt; `Location` noemt het token.",
                    content: json_content(
                        json!({ "type": "object", "required": ["id", "token"], "properties": { "id": { "type": "string" }, "token": { "type": "string" }, "let_op": { "type": "string" } } }),
                        None,
                    ),
                },
                problem(400, "Een onjuiste rol, scope of vervaldatum."),
            ],
        ),
        DeliveryBacklog => op(
            "De bezorgachterstand per partij",
            "Per partij met een bezorgadres: hoeveel berichten nog niet bezorgd zijn, hoeveel mislukt (dode brieven) en hoe oud het oudste onbezorgde bericht is (beheerder; `docs/delivery.md`).",
            "bezorging",
            vec![],
            vec![],
            vec![ok(
                "De partijen.",
                json_content(
                    json!({ "type": "object", "required": ["partijen"], "properties": { "partijen": { "type": "array" } } }),
                    None,
                ),
            )],
        ),
        DeliveryRedrive => op(
            "Dode brieven opnieuw aanbieden",
            "Precies één van `bericht` (id), `partij` (AGB-code of gemeentecode) of `alles: true`; de mislukte bezorgingen gaan terug in hun wachtrij met nieuwe pogingen (beheerder).",
            "bezorging",
            vec![],
            json_content(
                json!({ "type": "object", "properties": { "bericht": { "type": "integer" }, "partij": { "type": "string" }, "alles": { "type": "boolean" } }, "additionalProperties": false }),
                Some(json!({ "alles": true })),
            ),
            vec![
                ok(
                    "Wat opnieuw wordt aangeboden.",
                    json_content(
                        json!({ "type": "object", "required": ["opnieuw", "items"], "properties": { "opnieuw": { "type": "integer" }, "items": { "type": "array" } } }),
                        None,
                    ),
                ),
                problem(400, "Niet precies één keuze, of een partij zonder bezorgadres."),
            ],
        ),
        ListTokens => op(
            "De tokens",
            "Zonder geheimen.",
            "tokens",
            vec![],
            vec![],
            vec![ok("De tokens.", json_content(items(any.clone()), None))],
        ),
        RevokeToken => op(
            "Een token intrekken",
            "Een token uit de configuratie kan niet via de API worden ingetrokken (409).",
            "tokens",
            vec![path("id", "Het id van het token.", "0123456789abcdef")],
            vec![],
            vec![
                ok(
                    "Ingetrokken.",
                    json_content(json!({ "type": "object", "required": ["revoked"] }), None),
                ),
                problem(404, "Geen token met dit id."),
                problem(409, "Een token uit de configuratie."),
            ],
        ),
        Validatie => op(
            "Een bericht valideren zonder het aan te bieden",
            "Beoordeelt een bericht van iJw/iWmo (XML of JSON) op zichzelf — structuur (XSD) en de regels binnen het bericht — en geeft de bevindingen (code, pad, Nederlandse omschrijving; dezelfde als `sluis validate`) en het retourbericht dat Sluis zou sturen als de historie niets toevoegt. Er wordt niets bewaard of afgeleverd en geen historie gelezen: regels over meerdere berichten (niveau 3–4) vallen erbuiten. Een eigen, strengere snelheidsgrens per beller (`security.validatie_rate_limit`).",
            "berichten",
            vec![],
            message_body(EXAMPLE_TR101, EXAMPLE_TR101_FILE),
            vec![
                ok(
                    "De bevindingen en het retourbericht.",
                    json_content(reference("Validatie"), Some(example_validatie())),
                ),
                problem(413, "Groter dan `server.max_body_bytes`."),
                problem(415, "Een ander `Content-Type` dan XML of JSON."),
            ],
        ),
        OpenApi => op(
            "Dit OpenAPI-document",
            "OpenAPI 3.1, gegenereerd uit de code: de paden en rollen uit de toegangstabel.",
            "status",
            vec![],
            vec![],
            vec![ok("Het document.", json_content(json!({ "type": "object", "required": ["openapi", "paths"] }), None))],
        ),
        Referentie => op(
            "De leesbare naslag van de API",
            "Een HTML-pagina met elke operatie, haar rollen, parameters en voorbeelden; uit hetzelfde document.",
            "status",
            vec![],
            vec![],
            vec![ok(
                "De pagina.",
                vec![Content {
                    media: "text/html",
                    schema: string(),
                    example: None,
                    file: None,
                }],
            )],
        ),
    })
}

/// Who may call a row, in Dutch words, for the description and the reference page.
fn roles_text(rules: &[Grant; 5]) -> String {
    if rules.iter().all(|g| *g == Grant::Public) {
        return "Rollen: openbaar (zonder inloggegevens).".into();
    }
    let allowed: Vec<String> = Role::ALL
        .iter()
        .zip(rules)
        .filter(|(_, g)| **g != Grant::Deny)
        .map(|(r, g)| match g {
            Grant::Scoped(c) => format!("{r} ({})", c.label()),
            _ => r.to_string(),
        })
        .collect();
    format!("Rollen: {}.", allowed.join(", "))
}

fn content_json(content: &[Content]) -> Value {
    let mut out = Map::new();
    for c in content {
        let mut media = Map::new();
        media.insert("schema".into(), c.schema.clone());
        if let Some(ex) = &c.example {
            media.insert("example".into(), ex.clone());
        }
        if let Some(file) = c.file {
            media.insert("x-sluis-bestand".into(), json!(file));
        }
        out.insert(c.media.into(), Value::Object(media));
    }
    Value::Object(out)
}

fn answer_json(a: &Answer) -> Value {
    let mut out = json!({ "description": a.description });
    if !a.content.is_empty() {
        out["content"] = content_json(&a.content);
    }
    out
}

/// The schemas of the request and answer types, derived from them.
fn components() -> Map<String, Value> {
    fn add<T: ToSchema>(into: &mut Vec<(String, RefOr<Schema>)>) {
        into.push((T::name().into_owned(), T::schema()));
        T::schemas(into);
    }
    let mut derived = Vec::new();
    add::<StoredFinding>(&mut derived);
    add::<Problem<'static>>(&mut derived);
    add::<Validatie>(&mut derived);
    add::<Retourbericht>(&mut derived);
    add::<Formaat>(&mut derived);
    add::<Summary>(&mut derived);
    add::<Uitkomst>(&mut derived);
    add::<InboxItem>(&mut derived);
    add::<Ack>(&mut derived);
    add::<TeamBody>(&mut derived);
    add::<NewToken>(&mut derived);
    let mut out = Map::new();
    for (name, schema) in derived {
        let mut schema = serde_json::to_value(schema).unwrap_or_else(|_| json!({}));
        // A field's description is its doc comment, written for the code in English; the
        // document speaks Dutch, so the type's own (Dutch) description explains its fields.
        if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
            for p in props.values_mut().filter_map(Value::as_object_mut) {
                p.remove("description");
            }
        }
        out.insert(name, schema);
    }
    // Sluis's own messages: the committed JSON Schemas themselves.
    for (name, text) in [
        (
            "Behandelplan",
            include_str!("../../../../schemas/sluis/behandelplan.schema.json"),
        ),
        (
            "Resultaatmelding",
            include_str!("../../../../schemas/sluis/resultaatmelding.schema.json"),
        ),
        (
            "Beoordeling",
            include_str!("../../../../schemas/sluis/beoordeling.schema.json"),
        ),
    ] {
        out.insert(
            name.into(),
            serde_json::from_str(text).unwrap_or_else(|_| json!({})),
        );
    }
    out
}

/// The whole document. Built once per process: it depends only on the code.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(build)
}

fn build() -> Value {
    let mut paths = Map::new();
    for row in TABLE {
        let e = row.endpoint;
        let Some(o) = operation(e) else {
            continue;
        };
        let public = row.rules.iter().all(|g| *g == Grant::Public);
        let mut roles = Map::new();
        for (r, g) in Role::ALL.iter().zip(row.rules) {
            if g != Grant::Deny {
                roles.insert(r.to_string(), json!(g.label()));
            }
        }
        let parameters: Vec<Value> = o
            .params
            .iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "in": if p.place == In::Path { "path" } else { "query" },
                    "required": p.place == In::Path,
                    "description": p.description,
                    "schema": p.schema,
                    "example": p.example,
                })
            })
            .collect();
        let mut responses = Map::new();
        for a in &o.answers {
            responses.insert(a.status.to_string(), answer_json(a));
        }
        let mut refusals = vec![];
        if !public {
            refusals.push(problem(
                401,
                "Geen (geldige) inloggegevens; `WWW-Authenticate: Bearer`.",
            ));
            if row
                .rules
                .iter()
                .any(|g| matches!(g, Grant::Deny | Grant::Scoped(_)))
            {
                refusals.push(problem(403, "Deze rol of scope mag dit niet."));
            }
            refusals.push(problem(
                429,
                "Boven de snelheidsgrens; `Retry-After` zegt wanneer weer.",
            ));
            refusals.push(problem(
                503,
                "De berichtendatabase of het auditlog is even niet beschikbaar; `Retry-After`.",
            ));
        }
        for a in refusals {
            responses
                .entry(a.status.to_string())
                .or_insert_with(|| answer_json(&a));
        }
        let mut op = json!({
            "operationId": format!("{e:?}"),
            "summary": o.summary,
            "description": format!("{}\n\n{}", o.description, roles_text(&row.rules)),
            "tags": [o.tag],
            "responses": responses,
            "x-sluis-rollen": roles,
            "security": if public { json!([]) } else { json!([{ "bearer": [] }, { "clientCertificate": [] }]) },
        });
        if !parameters.is_empty() {
            op["parameters"] = Value::Array(parameters);
        }
        if !o.body.is_empty() {
            op["requestBody"] = json!({ "required": true, "content": content_json(&o.body) });
        }
        let item = paths
            .entry(e.path())
            .or_insert_with(|| Value::Object(Map::new()));
        item[e.method().to_ascii_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Sluis",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "Berichtengateway voor iJw 3.2 / iWmo 3.2 tussen gemeente en zorgaanbieders",
            "description": "Elke operatie noemt in `x-sluis-rollen` de rollen die haar mogen aanroepen, met hun regel uit de toegangstabel (`docs/security.md`): `public`, `allow` of `scoped: …` (alleen eigen objecten). Fouten zijn RFC 9457 problem details.",
            "license": { "name": "EUPL-1.2", "identifier": "EUPL-1.2" }
        },
        "servers": [
            { "url": "/", "description": "Deze gateway" },
            { "url": "http://127.0.0.1:8080", "description": "De demo (`config/sluis.toml`)" }
        ],
        "paths": paths,
        "components": {
            "schemas": components(),
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "`sluis_<id>_<geheim>`; de demotokens staan in `config/sluis.toml`." },
                "clientCertificate": { "type": "mutualTLS", "description": "Een geconfigureerd clientcertificaat (`[[security.clients]]`)." }
            }
        }
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .json(document())
}

/// `GET /api/v1/referentie`: the document as a plain HTML page (no script, no style: the
/// strict Content-Security-Policy holds).
pub async fn reference_page() -> HttpResponse {
    static PAGE: OnceLock<String> = OnceLock::new();
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(PAGE.get_or_init(|| render(document())).clone())
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escaped text with its `code` spans as `<code>`.
fn prose(s: &str) -> String {
    esc(s)
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_string()
            }
        })
        .collect()
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    }
}

/// The reference page, from the document (so it says exactly what the document says).
pub fn render(doc: &Value) -> String {
    let mut h = String::from(
        "<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\"><title>Sluis API — naslag</title></head><body>\n<h1>Sluis API — naslag</h1>\n<p>Uit het OpenAPI-document <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a> (OpenAPI 3.1). Elke aanroep behalve de openbare heeft <code>Authorization: Bearer $TOKEN</code> nodig (of een clientcertificaat); de demotokens staan in <code>config/sluis.toml</code>.</p>\n<ul>\n",
    );
    let empty = Map::new();
    let paths = doc["paths"].as_object().unwrap_or(&empty);
    let mut ops = Vec::new();
    for (p, item) in paths {
        for (m, op) in item.as_object().unwrap_or(&empty) {
            ops.push((p.as_str(), m.to_ascii_uppercase(), op));
        }
    }
    for (p, m, op) in &ops {
        let id = op["operationId"].as_str().unwrap_or_default();
        h.push_str(&format!(
            "<li><a href=\"#{id}\"><code>{m} {}</code></a> — {}</li>\n",
            esc(p),
            esc(op["summary"].as_str().unwrap_or_default())
        ));
    }
    h.push_str("</ul>\n");
    for (p, m, op) in &ops {
        let id = op["operationId"].as_str().unwrap_or_default();
        h.push_str(&format!(
            "<section id=\"{id}\">\n<h2><code>{m} {}</code></h2>\n<p><strong>{}</strong></p>\n<p>{}</p>\n",
            esc(p),
            esc(op["summary"].as_str().unwrap_or_default()),
            prose(op["description"].as_str().unwrap_or_default()).replace("\n\n", "</p>\n<p>")
        ));
        h.push_str("<table><thead><tr><th>rol</th><th>regel</th></tr></thead><tbody>\n");
        // In the table's order of roles.
        for r in Role::ALL {
            if let Some(g) = op["x-sluis-rollen"].get(r.as_str()) {
                h.push_str(&format!(
                    "<tr><td>{r}</td><td>{}</td></tr>\n",
                    esc(g.as_str().unwrap_or_default())
                ));
            }
        }
        h.push_str("</tbody></table>\n");
        let mut url = format!("http://127.0.0.1:8080{p}");
        let mut query = Vec::new();
        if let Some(params) = op["parameters"].as_array() {
            h.push_str("<h3>Parameters</h3>\n<table><thead><tr><th>naam</th><th>in</th><th>omschrijving</th><th>voorbeeld</th></tr></thead><tbody>\n");
            for prm in params {
                let name = prm["name"].as_str().unwrap_or_default();
                let example = shown(&prm["example"]);
                if prm["in"] == "path" {
                    url = url.replace(&format!("{{{name}}}"), &example);
                }
                h.push_str(&format!(
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>\n",
                    esc(name),
                    esc(prm["in"].as_str().unwrap_or_default()),
                    prose(prm["description"].as_str().unwrap_or_default()),
                    esc(&example)
                ));
                if prm["in"] == "query" && query.is_empty() {
                    query.push(format!("{name}={example}"));
                }
            }
            h.push_str("</tbody></table>\n");
        }
        if !query.is_empty() {
            url = format!("{url}?{}", query.join("&"));
        }
        let mut curl = String::from("curl -i");
        if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
            curl.push_str(" -H \"Authorization: Bearer $TOKEN\"");
        }
        if m != "GET" {
            curl.push_str(&format!(" -X {m}"));
        }
        if let Some(body) = op["requestBody"]["content"].as_object() {
            h.push_str("<h3>Verzoek</h3>\n");
            for (media, c) in body {
                h.push_str(&format!("<p><code>{}</code></p>\n", esc(media)));
                if let Some(ex) = c.get("example") {
                    h.push_str(&format!("<pre>{}</pre>\n", esc(&shown(ex))));
                }
            }
            if let Some((media, c)) = body.iter().find(|(_, c)| c.get("example").is_some()) {
                let data = if let Some(file) = c["x-sluis-bestand"].as_str() {
                    format!("--data-binary @{file}")
                } else {
                    format!("-d '{}'", shown(&c["example"]))
                };
                curl.push_str(&format!(" -H 'Content-Type: {media}' {data}"));
            }
        }
        h.push_str(&format!(
            "<h3>Voorbeeld</h3>\n<pre>{}</pre>\n",
            esc(&format!("{curl} '{url}'"))
        ));
        h.push_str("<h3>Antwoorden</h3>\n<dl>\n");
        for (status, a) in op["responses"].as_object().unwrap_or(&empty) {
            let media: Vec<&str> = a["content"]
                .as_object()
                .map(|c| c.keys().map(String::as_str).collect())
                .unwrap_or_default();
            h.push_str(&format!(
                "<dt><code>{}</code> {}</dt><dd>{}",
                esc(status),
                esc(&media.join(", ")),
                prose(a["description"].as_str().unwrap_or_default())
            ));
            for c in a["content"]
                .as_object()
                .into_iter()
                .flat_map(|c| c.values())
            {
                if let Some(ex) = c.get("example") {
                    h.push_str(&format!("<pre>{}</pre>", esc(&shown(ex))));
                }
            }
            h.push_str("</dd>\n");
        }
        h.push_str("</dl>\n</section>\n");
    }
    h.push_str("</body></html>\n");
    h
}
