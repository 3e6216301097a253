//! Stuurinformatie through the real server (issue #14, points 1 and 2): a constructed small
//! year of aanbieder 12345678 (iJw, product 45A07 at € 25,00 an hour) posted message by
//! message, every figure of `GET /api/v1/stromen` checked against the count by hand below, the
//! filters, per kwartaal, who may ask, and the flow of one toewijzing as a timeline.
//!
//! The year, by the dates in the messages (docs/stuurinformatie.md defines each figure):
//!
//! | client | what | date |
//! |---|---|---|
//! | C1 999990019 (postcode 8011: team noord) | 315 ref R1 | 2025-01-06 |
//! | C2 999990020 (postcode 8111: team midden) | 315 ref R2 | 2025-01-06 |
//! | C1 | 301 nr 7001, Toewijzingsdatum 01-10, 10 h/week 01-01..06-30 | 2025-01-10 |
//! | C2 | 301 nr 7002, Toewijzingsdatum 01-16, same | 2025-01-16 |
//! | C1 | 305 Begindatum 2025-01-20 | 2025-01-24 |
//! | — | 323 over january: C1 20 h (€ 500,00) | 2025-02-04 |
//! | C1 | behandelplan versie 1 | 2025-02-10 |
//! | C2 | 305 Begindatum 2025-02-17 | 2025-02-18 |
//! | C2 | the same start again, other identificatie: rejected 9074 and 9326 | 2025-02-19 |
//! | C3 999990032 | 315 ref R3 | 2025-03-03 |
//! | — | 323 over february: C1 30 h (€ 750,00), C2 8 h (€ 200,00) | 2025-03-07 |
//! | C3 | 319 on R3: afgewezen | 2025-03-10 |
//! | C1 | 307 Einddatum 2025-03-31 | 2025-04-02 |
//! | — | 323 over march: C1 10 h (€ 250,00), C2 100 h (€ 2.500,00, beyond the toewijzing) | 2025-04-04 |
//! | C1 | resultaatmelding | 2025-04-14 |
//!
//! Counted by hand:
//! - verzoek → antwoord (dated by the antwoord): R1 01-06→01-10 = 4, R2 01-06→01-16 = 10
//!   (january: median 7, p90 10); R3 03-03→03-10 = 7 (march). Kwartaal 1: [4, 7, 10]: median 7,
//!   p90 (rank ⌈2.7⌉ = 3) 10.
//! - toewijzing → start (dated by the start): C1 01-10→01-20 = 10 (january), C2 01-16→02-17 = 32
//!   (february). Kwartaal 1: median 21, p90 32.
//! - month end → declaratie (dated by the declaratie): 01-31→02-04 = 4 (february), 02-28→03-07 =
//!   7 (march), 03-31→04-04 = 4 (april). Kwartaal 1: [4, 7]: median 5.5, p90 7.
//! - declaratie → antwoord: Sluis answers each in the same exchange: 0 (february, march, april).
//! - stop → resultaatmelding: 03-31→04-14 = 14 (april).
//! - plans within 42 days: C1 started 01-20, plan 02-10 (21 days): met plan (january); C2
//!   started 02-17, no plan: zonder plan (february).
//! - amounts by month of care: january 50000 declared and granted, 20 h; february 95000 both,
//!   38 h; march 275000 declared, 25000 granted (C2's 100 h refused), 110 h. Allocated: each
//!   toewijzing 10 h × 26 started weeks (181 days) = 260 h, both in january (Ingangsdatum): 520.
//! - messages: january 315 ×2, 301 ×2, 305 ×1; february 323 ×1, behandelplan ×1, 305 ×2 (one
//!   rejected, 9074 and 9326); march 315, 319, 323 ×1 each; april 307, 323 (deels), resultaatmelding.

use crate::auth;
use crate::helpers::{settings, spawn_app, spawn_app_with, TestApp};
use crate::scenario::trajectory::{month_bounds, valid, Cat, Pr, AANBIEDER, GEMEENTE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sluis_testkit::bericht::{self as kit, Contact, Head, Levering, Omvang, Person, Product, Std};

const STD: Std = Std::Ijw;
const CODE: &str = "45A07";

pub(crate) struct C {
    pub(crate) bsn: &'static str,
    pub(crate) nummer: &'static str,
    pub(crate) postcode: &'static str,
}

pub(crate) const C1: C = C {
    bsn: "999990019",
    nummer: "7001",
    postcode: "8011AB",
};
pub(crate) const C2: C = C {
    bsn: "999990020",
    nummer: "7002",
    postcode: "8111AB",
};
pub(crate) const C3: &str = "999990032";

fn from_aanbieder(id: &str, dag: &str) -> Head {
    Head::new(id, dag, AANBIEDER, GEMEENTE)
}

fn from_gemeente(id: &str, dag: &str) -> Head {
    Head::new(id, dag, GEMEENTE, AANBIEDER)
}

pub(crate) fn verzoek(id: &str, dag: &str, bsn: &str, referentie: &str) -> String {
    let line = kit::Aangevraagd {
        referentie: referentie.into(),
        cat: STD.cat().into(),
        ingang: "2025-01-01".into(),
    };
    valid(kit::verzoek(
        STD,
        &from_aanbieder(id, dag),
        &Person::new(bsn),
        &[line],
    ))
}

pub(crate) fn toewijzing(id: &str, dag: &str, c: &C, referentie: &str) -> String {
    let line = kit::Toegewezen {
        nummer: c.nummer.into(),
        referentie: Some(referentie.into()),
        product: Product::new(STD.cat(), Some(CODE)),
        datum: dag.into(),
        tijd: "09:30:00".into(),
        ingang: "2025-01-01".into(),
        eind: Some("2025-06-30".into()),
        reden: None,
        omvang: Some(Omvang::new(10, "04", "2")),
        budget: None,
    };
    let contact = Contact::Adres {
        huisnummer: 12,
        postcode: c.postcode.into(),
        straat: "Lindelaan".into(),
        plaats: "Zwolle".into(),
    };
    valid(kit::toewijzing(
        STD,
        &from_gemeente(id, dag),
        &Person::new(c.bsn).naamgebruik(true),
        &contact,
        &[line],
    ))
}

fn levering(c: &C, begin: &str, eind: &str) -> Levering {
    Levering {
        nummer: c.nummer.into(),
        product: Some(Product::new(STD.cat(), Some(CODE))),
        toewijzing_ingang: Some("2025-01-01".into()),
        begin: begin.into(),
        status: "1".into(),
        reden: "31".into(),
        eind: eind.into(),
    }
}

pub(crate) fn start(id: &str, dag: &str, c: &C, begin: &str) -> String {
    valid(kit::start(
        STD,
        &from_aanbieder(id, dag),
        &Person::new(c.bsn),
        &[levering(c, begin, "")],
    ))
}

fn stop(id: &str, dag: &str, c: &C, begin: &str, eind: &str) -> String {
    valid(kit::stop(
        STD,
        &from_aanbieder(id, dag),
        &Person::new(c.bsn),
        &[levering(c, begin, eind)],
    ))
}

pub(crate) fn prestatie(referentie: &str, c: &C, month: &str, uren: i64) -> kit::Prestatie {
    let (begin, eind) = month_bounds(month);
    let p = Pr::new(referentie, crate::scenario::trajectory::CLIENT1, month).volume(uren);
    kit::Prestatie {
        referentie: referentie.into(),
        vorig: None,
        nummer: c.nummer.into(),
        cat: STD.cat().into(),
        code: Some(CODE.into()),
        begin,
        eind,
        volume: uren,
        eenheid: "04".into(),
        tarief: Some(p.tarief),
        bedrag: p.bedrag(),
        credit: false,
    }
}

pub(crate) fn declaratie(
    id: &str,
    dag: &str,
    month: &str,
    clients: &[(&str, Vec<kit::Prestatie>)],
) -> String {
    let (begin, eind) = month_bounds(month);
    valid(kit::declaratie(
        STD,
        &from_aanbieder(id, dag),
        &format!("D{id}"),
        (&begin, &eind),
        clients,
    ))
}

impl TestApp {
    /// Post a message of the standard; its stored uitkomst.
    pub(crate) async fn post_stroom(&self, xml: String) -> Value {
        let r = self
            .send(
                reqwest::Method::POST,
                "/api/v1/berichten",
                "application/xml",
                xml,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        self.get_json(r.location.as_deref().expect("location"))
            .await
            .1
    }

    pub(crate) async fn post_ok(&self, xml: String) {
        let stored = self.post_stroom(xml).await;
        assert_eq!(stored["accepted"], true, "{}", stored["findings"]);
    }

    async fn post_eigen(&self, path: &str, body: Value) {
        let r = self
            .send(
                reqwest::Method::POST,
                path,
                "application/json",
                body.to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }

    pub(crate) async fn get_stromen(&self, query: &str) -> Value {
        let (status, v) = self.get_json(&format!("/api/v1/stromen{query}")).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v
    }

    async fn get_with(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

/// The constructed year of the module's documentation.
pub(crate) async fn year(app: &TestApp) {
    app.post_ok(verzoek("V1", "2025-01-06", C1.bsn, "R1")).await;
    app.post_ok(verzoek("V2", "2025-01-06", C2.bsn, "R2")).await;
    app.post_ok(toewijzing("T1", "2025-01-10", &C1, "R1")).await;
    app.post_ok(toewijzing("T2", "2025-01-16", &C2, "R2")).await;
    app.post_ok(start("S1", "2025-01-24", &C1, "2025-01-20"))
        .await;
    app.post_ok(declaratie(
        "D1",
        "2025-02-04",
        "2025-01",
        &[(C1.bsn, vec![prestatie("P1", &C1, "2025-01", 20)])],
    ))
    .await;
    app.post_eigen(
        "/api/v1/behandelplannen",
        json!({
            "domein": "ijw", "gemeente": GEMEENTE, "aanbieder": AANBIEDER, "bsn": C1.bsn,
            "plan_id": "PLAN-1", "versie": 1, "datum": "2025-02-10",
            "toewijzingnummers": [C1.nummer],
            "doelen": [{"id": "D1", "omschrijving": "Dagritme", "levensdomein": "onderwijs",
                        "meting": "schoolverzuim", "streefdatum": "2025-03-31"}]
        }),
    )
    .await;
    app.post_ok(start("S2", "2025-02-18", &C2, "2025-02-17"))
        .await;
    let again = app
        .post_stroom(start("S3", "2025-02-19", &C2, "2025-02-17"))
        .await;
    assert_eq!(again["accepted"], false);
    let codes = again["findings"].to_string();
    assert!(codes.contains("9074") && codes.contains("9326"), "{codes}");
    app.post_ok(verzoek("V3", "2025-03-03", C3, "R3")).await;
    app.post_ok(declaratie(
        "D2",
        "2025-03-07",
        "2025-02",
        &[
            (C1.bsn, vec![prestatie("P2", &C1, "2025-02", 30)]),
            (C2.bsn, vec![prestatie("P3", &C2, "2025-02", 8)]),
        ],
    ))
    .await;
    app.post_ok(kit::antwoord(
        STD,
        &from_gemeente("A3", "2025-03-10"),
        "R3",
        "1",
    ))
    .await;
    app.post_ok(stop("E1", "2025-04-02", &C1, "2025-01-20", "2025-03-31"))
        .await;
    let deels = app
        .post_stroom(declaratie(
            "D3",
            "2025-04-04",
            "2025-03",
            &[
                (C1.bsn, vec![prestatie("P4", &C1, "2025-03", 10)]),
                (C2.bsn, vec![prestatie("P5", &C2, "2025-03", 100)]),
            ],
        ))
        .await;
    assert_eq!(
        (deels["accepted"].as_bool(), deels["granted"].as_bool()),
        (Some(false), Some(true)),
        "{}",
        deels["findings"]
    );
    app.post_eigen(
        "/api/v1/resultaatmeldingen",
        json!({
            "domein": "ijw", "gemeente": GEMEENTE, "aanbieder": AANBIEDER, "bsn": C1.bsn,
            "toewijzingnummer": C1.nummer, "plan_id": "PLAN-1",
            "einddatum": "2025-03-31", "datum": "2025-04-14",
            "doelen": [{"id": "D1", "uitkomst": "behaald", "toelichting": "eindevaluatie"}]
        }),
    )
    .await;
}

/// The rows of table `t` whose fields match every pair of `keys`.
fn rows<'a>(v: &'a Value, t: &str, keys: &[(&str, &str)]) -> Vec<&'a Value> {
    v[t].as_array()
        .expect("a table")
        .iter()
        .filter(|r| keys.iter().all(|(k, want)| r[*k].as_str() == Some(*want)))
        .collect()
}

fn one<'a>(v: &'a Value, t: &str, keys: &[(&str, &str)]) -> &'a Value {
    let found = rows(v, t, keys);
    assert_eq!(found.len(), 1, "{t} {keys:?}: {}", v[t]);
    found[0]
}

/// (aantal, mediaan, p90) of a lead time.
fn tijd(v: &Value, periode: &str, d: &str) -> (u64, f64, i64) {
    let r = one(
        v,
        "doorlooptijden",
        &[("periode", periode), ("doorlooptijd", d)],
    );
    (
        r["aantal"].as_u64().expect("aantal"),
        r["mediaan_dagen"].as_f64().expect("mediaan"),
        r["p90_dagen"].as_i64().expect("p90"),
    )
}

fn berichten(v: &Value, periode: &str, soort: &str) -> (u64, u64, u64, u64) {
    let r = one(
        v,
        "berichten",
        &[("periode", periode), ("berichtsoort", soort)],
    );
    let n = |k: &str| r[k].as_u64().expect("count");
    (n("aantal"), n("geaccepteerd"), n("deels"), n("afgekeurd"))
}

#[actix_web::test]
async fn every_figure_of_a_constructed_year() {
    let dir = tempfile::tempdir().expect("tmp");
    let app = spawn_app(dir.path()).await;
    year(&app).await;
    let v = app.get_stromen("").await;
    assert_eq!(v["per"], "maand");
    assert_eq!(v["plan_binnen"], 42);

    // Messages per month and berichtsoort (and nothing else).
    assert_eq!(berichten(&v, "2025-01", "JW315"), (2, 2, 0, 0));
    assert_eq!(berichten(&v, "2025-01", "JW301"), (2, 2, 0, 0));
    assert_eq!(berichten(&v, "2025-01", "JW305"), (1, 1, 0, 0));
    assert_eq!(berichten(&v, "2025-02", "JW323"), (1, 1, 0, 0));
    assert_eq!(berichten(&v, "2025-02", "behandelplan"), (1, 1, 0, 0));
    assert_eq!(berichten(&v, "2025-02", "JW305"), (2, 1, 0, 1));
    assert_eq!(berichten(&v, "2025-03", "JW315"), (1, 1, 0, 0));
    assert_eq!(berichten(&v, "2025-03", "JW319"), (1, 1, 0, 0));
    assert_eq!(berichten(&v, "2025-03", "JW323"), (1, 1, 0, 0));
    assert_eq!(berichten(&v, "2025-04", "JW307"), (1, 1, 0, 0));
    assert_eq!(berichten(&v, "2025-04", "JW323"), (1, 0, 1, 0));
    assert_eq!(berichten(&v, "2025-04", "resultaatmelding"), (1, 1, 0, 0));
    assert_eq!(v["berichten"].as_array().map(Vec::len), Some(12));
    let r = one(
        &v,
        "berichten",
        &[("periode", "2025-01"), ("berichtsoort", "JW301")],
    );
    assert_eq!(
        (r["richting"].as_str(), r["aanbieder"].as_str()),
        (Some("verzonden"), Some(AANBIEDER))
    );
    let r = one(
        &v,
        "berichten",
        &[("periode", "2025-01"), ("berichtsoort", "JW315")],
    );
    assert_eq!(r["richting"], "ontvangen");

    // Retourcodes with their official meaning.
    let codes = v["retourcodes"].as_array().expect("retourcodes");
    assert_eq!(codes.len(), 3, "{}", v["retourcodes"]);
    let c = one(
        &v,
        "retourcodes",
        &[("periode", "2025-02"), ("retourcode", "9074")],
    );
    assert_eq!(c["berichtsoort"], "JW305");
    assert_eq!(c["aantal"], 1);
    assert_eq!(
        c["omschrijving"],
        "Er is al een eerder bericht ontvangen met dezelfde sleutel."
    );
    let c = one(
        &v,
        "retourcodes",
        &[("periode", "2025-02"), ("retourcode", "9326")],
    );
    assert_eq!(
        (c["berichtsoort"].as_str(), c["aantal"].as_u64()),
        (Some("JW305"), Some(1))
    );
    assert_eq!(
        c["omschrijving"],
        "De actuele levering is nog niet gestopt met een Stopbericht."
    );
    let c = one(
        &v,
        "retourcodes",
        &[("periode", "2025-04"), ("berichtsoort", "JW323")],
    );
    assert_eq!(c["retourcode"], "9321", "{c}");
    assert_eq!(
        c["omschrijving"],
        "Het ingediende volume overschrijdt het toegewezen volume."
    );

    // Amounts and volumes per product, by month of care.
    let b = |m: &str| one(&v, "bedragen", &[("periode", m), ("product", CODE)]).clone();
    let jan = b("2025-01");
    assert_eq!(
        (
            jan["ingediend_cent"].as_i64(),
            jan["toegekend_cent"].as_i64()
        ),
        (Some(50000), Some(50000))
    );
    assert_eq!(
        (
            jan["ingediend_euro"].as_str(),
            jan["toegekend_euro"].as_str()
        ),
        (Some("500.00"), Some("500.00"))
    );
    assert_eq!(
        (
            jan["volume_gedeclareerd"].as_i64(),
            jan["volume_toegewezen"].as_i64()
        ),
        (Some(20), Some(520))
    );
    let feb = b("2025-02");
    assert_eq!(
        (
            feb["ingediend_cent"].as_i64(),
            feb["toegekend_cent"].as_i64()
        ),
        (Some(95000), Some(95000))
    );
    assert_eq!(
        (
            feb["volume_gedeclareerd"].as_i64(),
            feb["volume_toegewezen"].as_i64()
        ),
        (Some(38), Some(0))
    );
    let mar = b("2025-03");
    assert_eq!(
        (
            mar["ingediend_cent"].as_i64(),
            mar["toegekend_cent"].as_i64()
        ),
        (Some(275000), Some(25000))
    );
    assert_eq!(
        (
            mar["ingediend_euro"].as_str(),
            mar["toegekend_euro"].as_str()
        ),
        (Some("2750.00"), Some("250.00"))
    );
    assert_eq!(mar["volume_gedeclareerd"].as_i64(), Some(110));
    assert_eq!(v["bedragen"].as_array().map(Vec::len), Some(3));

    // Lead times.
    assert_eq!(tijd(&v, "2025-01", "verzoek_antwoord"), (2, 7.0, 10));
    assert_eq!(tijd(&v, "2025-03", "verzoek_antwoord"), (1, 7.0, 7));
    assert_eq!(tijd(&v, "2025-01", "toewijzing_start"), (1, 10.0, 10));
    assert_eq!(tijd(&v, "2025-02", "toewijzing_start"), (1, 32.0, 32));
    assert_eq!(tijd(&v, "2025-02", "maandeinde_declaratie"), (1, 4.0, 4));
    assert_eq!(tijd(&v, "2025-03", "maandeinde_declaratie"), (1, 7.0, 7));
    assert_eq!(tijd(&v, "2025-04", "maandeinde_declaratie"), (1, 4.0, 4));
    for m in ["2025-02", "2025-03", "2025-04"] {
        assert_eq!(tijd(&v, m, "declaratie_antwoord"), (1, 0.0, 0));
    }
    assert_eq!(tijd(&v, "2025-04", "stop_resultaatmelding"), (1, 14.0, 14));
    assert_eq!(v["doorlooptijden"].as_array().map(Vec::len), Some(11));

    // Plans within 42 days of the start.
    let p = one(&v, "plannen", &[("periode", "2025-01")]);
    assert_eq!(
        (
            p["gestart"].as_u64(),
            p["met_plan"].as_u64(),
            p["zonder_plan"].as_u64()
        ),
        (Some(1), Some(1), Some(0))
    );
    let p = one(&v, "plannen", &[("periode", "2025-02")]);
    assert_eq!(
        (
            p["gestart"].as_u64(),
            p["met_plan"].as_u64(),
            p["zonder_plan"].as_u64()
        ),
        (Some(1), Some(0), Some(1))
    );

    // The same after a restart: the records come back from the store.
    let app = app.restart().await;
    assert_eq!(app.get_stromen("").await, v);

    // Per kwartaal.
    let k = app.get_stromen("?per=kwartaal").await;
    assert_eq!(tijd(&k, "2025-K1", "verzoek_antwoord"), (3, 7.0, 10));
    assert_eq!(tijd(&k, "2025-K1", "toewijzing_start"), (2, 21.0, 32));
    assert_eq!(tijd(&k, "2025-K1", "maandeinde_declaratie"), (2, 5.5, 7));
    assert_eq!(tijd(&k, "2025-K2", "maandeinde_declaratie"), (1, 4.0, 4));
    assert_eq!(berichten(&k, "2025-K1", "JW305"), (3, 2, 0, 1));
    let q1 = one(&k, "bedragen", &[("periode", "2025-K1")]);
    assert_eq!(
        (q1["ingediend_cent"].as_i64(), q1["toegekend_cent"].as_i64()),
        (Some(420000), Some(170000))
    );
    let p = one(&k, "plannen", &[("periode", "2025-K1")]);
    assert_eq!(
        (
            p["gestart"].as_u64(),
            p["met_plan"].as_u64(),
            p["zonder_plan"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );

    // The same tables as downloads: the Dutch CSV of the lead times, the amounts in euros.
    let (status, csv) = app
        .get_text("/api/v1/stromen?per=kwartaal&format=csv-nl&tabel=doorlooptijden")
        .await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert!(csv.starts_with('\u{feff}'), "a BOM");
    assert!(
        csv.lines()
            .any(|l| l.starts_with("2025-K1;") && l.ends_with(";toewijzing_start;2;21;32")),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.ends_with(";maandeinde_declaratie;2;5,5;7")),
        "a decimal comma: {csv}"
    );
    let (_, bedragen) = app
        .get_text("/api/v1/stromen?per=kwartaal&format=csv&tabel=bedragen")
        .await;
    assert!(
        bedragen
            .lines()
            .any(|l| l.starts_with("2025-K1,") && l.contains(",4200.00,1700.00,")),
        "{bedragen}"
    );
    let (status, _) = app.get_text("/api/v1/stromen?format=csv&tabel=onzin").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Filters: team noord is C1 only.
    let n = app.get_stromen("?team=noord").await;
    assert_eq!(tijd(&n, "2025-01", "toewijzing_start"), (1, 10.0, 10));
    assert!(rows(
        &n,
        "doorlooptijden",
        &[("periode", "2025-02"), ("doorlooptijd", "toewijzing_start")]
    )
    .is_empty());
    assert_eq!(tijd(&n, "2025-01", "verzoek_antwoord"), (1, 4.0, 4));
    let mar = one(&n, "bedragen", &[("periode", "2025-03")]);
    assert_eq!(
        (
            mar["ingediend_cent"].as_i64(),
            mar["toegekend_cent"].as_i64()
        ),
        (Some(25000), Some(25000))
    );
    assert_eq!(berichten(&n, "2025-01", "JW301"), (1, 1, 0, 0));
    // A month's end → its first declaratie with care for the team's clients: C1 is in all
    // three; C2 (team midden) only from the declaratie over february.
    assert_eq!(tijd(&n, "2025-02", "maandeinde_declaratie"), (1, 4.0, 4));
    assert_eq!(tijd(&n, "2025-04", "maandeinde_declaratie"), (1, 4.0, 4));
    let m = app.get_stromen("?team=midden").await;
    assert!(rows(
        &m,
        "doorlooptijden",
        &[
            ("periode", "2025-02"),
            ("doorlooptijd", "maandeinde_declaratie")
        ]
    )
    .is_empty());
    assert_eq!(tijd(&m, "2025-03", "maandeinde_declaratie"), (1, 7.0, 7));
    assert!(rows(&n, "retourcodes", &[("retourcode", "9074")]).is_empty());
    // A period, one berichtsoort (both standards) and one standard.
    let feb = app
        .get_stromen("?van=2025-02-01&tot=2025-02-28&berichtsoort=305&standaard=ijw")
        .await;
    assert_eq!(feb["berichten"].as_array().map(Vec::len), Some(1));
    assert_eq!(berichten(&feb, "2025-02", "JW305"), (2, 1, 0, 1));
    assert_eq!(tijd(&feb, "2025-02", "toewijzing_start"), (1, 32.0, 32));
    assert!(rows(&feb, "doorlooptijden", &[("periode", "2025-01")]).is_empty());
    // Another aanbieder, the other standard: nothing.
    for q in ["?aanbieder=23456789", "?standaard=iwmo"] {
        let e = app.get_stromen(q).await;
        for t in [
            "berichten",
            "retourcodes",
            "bedragen",
            "doorlooptijden",
            "plannen",
        ] {
            assert_eq!(e[t], json!([]), "{q} {t}");
        }
    }
    // A stricter plan term: C1's plan on day 21 is late at 14.
    let strict = app.get_stromen("?plan_binnen=14").await;
    let p = one(&strict, "plannen", &[("periode", "2025-01")]);
    assert_eq!(
        (p["met_plan"].as_u64(), p["zonder_plan"].as_u64()),
        (Some(0), Some(1))
    );
    // Bad questions: 400.
    for q in [
        "?per=week",
        "?van=2025-13-01",
        "?aanbieder=123",
        "?standaard=wlz",
        "?berichtsoort=JW999x",
        "?van=2025-03-01&tot=2025-02-01",
        "?onbekend=1",
    ] {
        let (status, body) = app.get_json(&format!("/api/v1/stromen{q}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}: {body}");
    }
    app.stop().await;
}

#[actix_web::test]
async fn only_the_contractmanager_sees_the_flows() {
    let dir = tempfile::tempdir().expect("tmp");
    let app = spawn_app(dir.path()).await;
    for id in [
        "demo-gemeente-0599",
        "demo-aanbieder-12345678",
        "demo-team-noord",
        "demo-operator",
    ] {
        let (status, _) = app.get_with(&auth::token(id), "/api/v1/stromen").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{id}");
    }
    let (status, _) = app
        .get_with(&auth::token("demo-contractmanager-0599"), "/api/v1/stromen")
        .await;
    assert_eq!(status, StatusCode::OK);
    let r = app
        .client
        .get(format!("{}/api/v1/stromen", app.base))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

fn stappen(item: &Value) -> Vec<(String, String, String)> {
    item["stappen"]
        .as_array()
        .expect("stappen")
        .iter()
        .map(|s| {
            (
                s["berichtsoort"].as_str().unwrap_or("").to_string(),
                s["datum"].as_str().unwrap_or("").to_string(),
                s["uitkomst"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn the_flow_of_one_toewijzing_in_order() {
    let dir = tempfile::tempdir().expect("tmp");
    let app = spawn_app(dir.path()).await;
    year(&app).await;

    let (status, v) = app.get_json("/api/v1/toewijzingen/7002/stroom").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["toewijzingnummer"], "7002");
    let items = v["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(
        (item["domein"].as_str(), item["aanbieder"].as_str()),
        (Some("ijw"), Some(AANBIEDER))
    );
    let client = item["client"].as_str().expect("client").to_string();
    assert_eq!(client.len(), 32, "a pseudonym");
    assert!(!v.to_string().contains(C2.bsn), "no BSN in the answer");
    let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        stappen(item),
        vec![
            s("JW315", "2025-01-06", "geaccepteerd"),
            s("JW301", "2025-01-16", "geaccepteerd"),
            s("JW305", "2025-02-18", "geaccepteerd"),
            s("JW305", "2025-02-19", "afgekeurd"),
            s("JW323", "2025-03-07", "geaccepteerd"),
            s("JW325", "2025-03-07", "geaccepteerd"),
            s("JW323", "2025-04-04", "deels"),
            s("JW325", "2025-04-04", "deels"),
        ]
    );
    let st = item["stappen"].as_array().expect("stappen");
    assert_eq!(st[3]["retourcodes"][0]["code"], "9074");
    assert_eq!(st[3]["retourcodes"][1]["code"], "9326");
    assert_eq!(
        st[3]["retourcodes"][0]["omschrijving"],
        "Er is al een eerder bericht ontvangen met dezelfde sleutel."
    );
    assert_eq!(st[6]["retourcodes"][0]["code"], "9321");
    assert_eq!(
        (st[0]["richting"].as_str(), st[1]["richting"].as_str()),
        (Some("ontvangen"), Some("verzonden"))
    );
    assert_eq!(st[7]["door_sluis"], true);
    assert!(st[0]["id"].as_u64().is_some());

    // C1's flow has the plan, the stop and the resultaatmelding in their places.
    let (_, v1) = app.get_json("/api/v1/toewijzingen/7001/stroom").await;
    let soorten: Vec<String> = stappen(&v1["items"][0]).into_iter().map(|s| s.0).collect();
    assert_eq!(
        soorten,
        [
            "JW315",
            "JW301",
            "JW305",
            "JW323",
            "JW325",
            "behandelplan",
            "JW323",
            "JW325",
            "JW307",
            "JW323",
            "JW325",
            "resultaatmelding"
        ]
    );

    // The client filter, by pseudonym; a BSN is refused.
    let (status, one) = app
        .get_json(&format!("/api/v1/toewijzingen/7002/stroom?client={client}"))
        .await;
    assert_eq!(
        (status, one["items"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(1))
    );
    let other = "0".repeat(32);
    let (status, _) = app
        .get_json(&format!("/api/v1/toewijzingen/7002/stroom?client={other}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .get_json(&format!(
            "/api/v1/toewijzingen/7002/stroom?client={}",
            C2.bsn
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Unknown, or not a number: 404.
    for n in ["9999", "abc", "99999999999"] {
        let (status, _) = app
            .get_json(&format!("/api/v1/toewijzingen/{n}/stroom"))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{n}");
    }
    // Roles: the aanbieder concerned and the contractmanager see it; another aanbieder gets the
    // answer of a toewijzing that does not exist; gebiedsteam and operator 403.
    let path = "/api/v1/toewijzingen/7002/stroom";
    for (id, want) in [
        ("demo-aanbieder-12345678", StatusCode::OK),
        ("demo-contractmanager-0599", StatusCode::OK),
        ("demo-aanbieder-23456789", StatusCode::NOT_FOUND),
        ("demo-team-noord", StatusCode::FORBIDDEN),
        ("demo-operator", StatusCode::FORBIDDEN),
    ] {
        let (status, _) = app.get_with(&auth::token(id), path).await;
        assert_eq!(status, want, "{id}");
    }
    app.stop().await;
}

#[actix_web::test]
async fn rapport_stromen_prints_the_same_figures() {
    let dir = tempfile::tempdir().expect("tmp");
    let app = spawn_app(dir.path()).await;
    year(&app).await;
    let args = vec![
        "rapport".to_string(),
        "stromen".into(),
        "--per".into(),
        "kwartaal".into(),
        "--url".into(),
        app.base.clone(),
        "--token".into(),
        auth::token("demo-contractmanager-0599"),
    ];
    let out = actix_web::rt::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_sluis"))
            .args(&args)
            .env_remove("SLUIS_TOKEN")
            .output()
            .expect("runs")
    })
    .await
    .expect("joined");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = |needle: &[&str]| {
        text.lines()
            .find(|l| needle.iter().all(|n| l.contains(n)))
            .unwrap_or_else(|| panic!("no line with {needle:?} in\n{text}"))
            .split(|c: char| c.is_whitespace() || c == '|')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(text.starts_with("Stromen, per kwartaal"), "{text}");
    assert_eq!(
        line(&["2025-K1", "toewijzing_start"]),
        "2025-K1 12345678 toewijzing_start 2 21,0 32"
    );
    assert_eq!(
        line(&["2025-K1", "maandeinde_declaratie"]),
        "2025-K1 12345678 maandeinde_declaratie 2 5,5 7"
    );
    assert_eq!(
        line(&["2025-K1", "45A07"]),
        "2025-K1 12345678 45A07 € 4.200,00 € 1.700,00 168 520"
    );
    assert_eq!(
        line(&["2025-K1", "JW305", "ontvangen"]),
        "2025-K1 12345678 JW305 ontvangen 3 2 0 1"
    );
    assert!(text.contains("9326") && text.contains("De actuele levering is nog niet gestopt"));
    assert!(text.contains("Behandelplan binnen 42 dagen na de start"));
    // The wrong role: the command fails with the gateway's refusal.
    let args = vec![
        "rapport".to_string(),
        "stromen".into(),
        "--url".into(),
        app.base.clone(),
        "--token".into(),
        auth::token("demo-gemeente-0599"),
    ];
    let out = actix_web::rt::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_sluis"))
            .args(&args)
            .env_remove("SLUIS_TOKEN")
            .output()
            .expect("runs")
    })
    .await
    .expect("joined");
    assert!(!out.status.success());
    app.stop().await;
}

/// The stopped server's store, with its keys (the demo keeps them in the data directory).
fn open_store(dir: &std::path::Path) -> sluis::store::Store {
    let keys = sluis::security::crypto::Keys::load(&dir.join("sluis.key")).expect("demo key");
    sluis::store::Store::open_with(
        dir,
        std::time::Duration::from_millis(2),
        Some(std::sync::Arc::new(keys)),
    )
    .expect("store opens")
}

/// Everything the flows answer for the constructed year.
async fn every_answer(app: &TestApp) -> Vec<Value> {
    let mut out = Vec::new();
    for q in ["", "?per=kwartaal", "?team=noord", "?berichtsoort=323"] {
        out.push(app.get_stromen(q).await);
    }
    for n in ["7001", "7002"] {
        let (status, v) = app
            .get_json(&format!("/api/v1/toewijzingen/{n}/stroom"))
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        out.push(v);
    }
    out
}

/// The records are kept on disk with their messages: after a restart the book is loaded from
/// them, and a store without them (one from before) gets them made again from the messages,
/// with the same figures.
#[actix_web::test]
async fn the_records_survive_a_restart_and_are_made_again_from_the_messages() {
    let dir = tempfile::tempdir().expect("tmp");
    let app = spawn_app(dir.path()).await;
    year(&app).await;
    let before = every_answer(&app).await;
    assert!(before[0]["bedragen"]
        .as_array()
        .is_some_and(|b| b.len() == 3));

    let app = app.restart().await;
    assert_eq!(every_answer(&app).await, before, "loaded from the records");

    // A store from before the records: the tree is emptied, the start makes them again.
    app.stop().await;
    {
        let store = open_store(dir.path());
        let stored = store.count();
        assert!(stored >= 15, "{stored}");
        assert_eq!(
            store.stroom_records(0).count() as u64,
            stored,
            "one per message"
        );
        store.clear_stroom().expect("cleared");
        assert_eq!(store.stroom_records(0).count(), 0);
    }
    let app = spawn_app(dir.path()).await;
    assert_eq!(every_answer(&app).await, before, "made from the messages");
    // … and written: the next start loads them again, and new messages go on from there.
    let app = app.restart().await;
    assert_eq!(
        every_answer(&app).await,
        before,
        "loaded after the migration"
    );
    app.stop().await;
    let store = open_store(dir.path());
    let ids: Vec<u64> = store
        .stroom_records(0)
        .map(|r| r.expect("record").0)
        .collect();
    assert_eq!(ids.len() as u64, store.count(), "one per message");
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
}

/// In `declaratie.mode = "advies"` the back office answers a declaratie with its own JW325:
/// what it grants is what `toegekend` counts (until then, Sluis's advice). Its 325 is the one
/// Sluis itself writes in `auto` mode where client C2 has no toewijzing (so C2's prestatie is
/// refused), posted where Sluis's advice grants both.
#[actix_web::test]
async fn in_advies_mode_the_back_office_answer_decides_what_was_granted() {
    let decl = || {
        declaratie(
            "D1",
            "2025-02-04",
            "2025-01",
            &[
                (C1.bsn, vec![prestatie("P1", &C1, "2025-01", 20)]),
                (C2.bsn, vec![prestatie("P2", &C2, "2025-01", 8)]),
            ],
        )
    };
    let auto_dir = tempfile::tempdir().expect("tmp");
    let auto = spawn_app(auto_dir.path()).await;
    auto.post_ok(verzoek("V1", "2025-01-06", C1.bsn, "R1"))
        .await;
    auto.post_ok(toewijzing("T1", "2025-01-10", &C1, "R1"))
        .await;
    auto.post_ok(start("S1", "2025-01-24", &C1, "2025-01-20"))
        .await;
    let judged = auto.post_stroom(decl()).await;
    assert_eq!(
        (judged["accepted"].as_bool(), judged["granted"].as_bool()),
        (Some(false), Some(true)),
        "{}",
        judged["findings"]
    );
    let jw325 = judged["retour"]["xml"]
        .as_str()
        .expect("Sluis's declaratie-antwoord")
        .to_string();
    auto.stop().await;

    let dir = tempfile::tempdir().expect("tmp");
    let mut s = settings(dir.path());
    s.declaratie.mode = sluis::config::DeclaratieMode::Advies;
    let app = spawn_app_with(s).await;
    app.post_ok(verzoek("V1", "2025-01-06", C1.bsn, "R1")).await;
    app.post_ok(verzoek("V2", "2025-01-06", C2.bsn, "R2")).await;
    app.post_ok(toewijzing("T1", "2025-01-10", &C1, "R1")).await;
    app.post_ok(toewijzing("T2", "2025-01-16", &C2, "R2")).await;
    app.post_ok(start("S1", "2025-01-24", &C1, "2025-01-20"))
        .await;
    app.post_ok(start("S2", "2025-01-24", &C2, "2025-01-20"))
        .await;
    let advised = app.post_stroom(decl()).await;
    assert!(advised["retour"].is_null(), "the gemeente answers");
    let bedrag = |v: &Value| {
        let r = one(v, "bedragen", &[("periode", "2025-01")]);
        (r["ingediend_cent"].as_i64(), r["toegekend_cent"].as_i64())
    };
    // P1 20 h and P2 8 h at € 25,00: Sluis's advice grants both.
    let v = app.get_stromen("").await;
    assert_eq!(bedrag(&v), (Some(70000), Some(70000)), "{}", v["bedragen"]);

    let answered = app.post_stroom(jw325).await;
    assert_eq!(answered["accepted"], true, "{}", answered["findings"]);
    let v = app.get_stromen("").await;
    assert_eq!(bedrag(&v), (Some(70000), Some(50000)), "{}", v["bedragen"]);
    assert_eq!(
        rows(
            &v,
            "doorlooptijden",
            &[("doorlooptijd", "declaratie_antwoord")]
        )
        .len(),
        1,
        "the answer's lead time"
    );
    // The same after a restart (the answer's lines are in the stored records).
    let app = app.restart().await;
    let again = app.get_stromen("").await;
    assert_eq!(again, v);
    app.stop().await;
}
