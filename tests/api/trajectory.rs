//! Whole trajectories through the real server (issue #4): verzoek → toewijzing → start → stop →
//! declaratie, with and without faults, in both standards. The server runs on a loopback port
//! with a real sled store in a temporary directory and is restarted between steps: the state the
//! cross-message rules keep survives. Every rejection is pinned to its RetourCode on the
//! berichtklasse the standard puts it on (IV028, IV087), and followed by a message showing that
//! the rejected one changed nothing.
//!
//! Where the rule texts leave room, the readings of `docs/history.md` are pinned: a rejected
//! prestatie's ReferentieNummer may be used again (TR314: only granted prestaties count); a
//! prestatie rejected by another rule is not judged by TR322; a duplicate start gets both 9074
//! and 9326; a declaratie rejected on its Header or Declaratie counts as not sent (IV087).
//! Declaraties follow each other month by month, as TR318 asks.

use crate::auth::DemoAuth;
use crate::helpers::{spawn_app, TestApp};
use crate::scenario::trajectory::*;
use reqwest::StatusCode;
use serde_json::Value;
use sluis::standard::{Document, Element};
use std::collections::BTreeMap;

// ----- the server -----

/// The answer to a posted message, its retourbericht read back.
struct Answer {
    location: String,
    replay: bool,
    body: String,
    doc: Document,
}

impl Answer {
    fn code(&self) -> String {
        self.doc.code().to_string()
    }

    /// RetourCodes per berichtklasse, as (path, codes) in document order.
    fn codes(&self) -> Vec<(String, Vec<String>)> {
        retour_codes(&self.doc)
    }

    fn text(&self, path: &str) -> Option<String> {
        self.doc
            .get(path)
            .and_then(|e| e.value().map(|v| v.lexical().into_owned()))
    }

    /// TotaalToegekendBedrag of a declaratie-antwoord, signed.
    fn toegekend(&self) -> i64 {
        self.signed("DeclaratieAntwoord/TotaalToegekendBedrag")
    }

    fn ingediend(&self) -> i64 {
        self.signed("DeclaratieAntwoord/TotaalIngediendBedrag")
    }

    fn signed(&self, path: &str) -> i64 {
        let v: i64 = self
            .text(&format!("{path}/TotaalBedrag"))
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("no {path} in\n{}", self.body));
        match self.text(&format!("{path}/DebetCredit")).as_deref() {
            Some("C") => -v,
            _ => v,
        }
    }

    fn id(&self) -> u64 {
        self.location
            .rsplit('/')
            .next()
            .and_then(|i| i.parse().ok())
            .expect("an id in Location")
    }
}

/// One entry of an inbox: (kind, bericht, bericht_id).
type Entry = (String, String, u64);

impl TestApp {
    /// Post a message as XML; it must be answered with 200 and a valid retourbericht.
    async fn answer(&self, xml: &str) -> Answer {
        self.answer_as(xml.to_string(), "application/xml").await
    }

    /// Post a message in Sluis's JSON form; the answer comes as JSON.
    async fn answer_json(&self, xml: &str) -> Answer {
        let doc = sluis::validate(xml.as_bytes(), &sluis::Limits::default())
            .expect("readable")
            .document;
        let a = self
            .answer_as(sluis::write(&doc, sluis::Format::Json), "application/json")
            .await;
        assert!(a.body.trim_start().starts_with('{'), "{}", a.body);
        a
    }

    async fn answer_as(&self, body: String, content_type: &str) -> Answer {
        let r = self
            .client
            .post(format!("{}/api/v1/berichten", self.base))
            .header("Content-Type", content_type)
            .body(body)
            .demo_auth()
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), StatusCode::OK);
        let location = r
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(location.starts_with("/api/v1/berichten/"), "{location}");
        let replay = r
            .headers()
            .get("sluis-replay")
            .is_some_and(|v| v.as_bytes() == b"true");
        let body = r.text().await.expect("body");
        let v = sluis::validate(body.as_bytes(), &sluis::Limits::default())
            .unwrap_or_else(|e| panic!("unreadable answer {e}: {body}"));
        assert!(
            v.findings.is_empty(),
            "the answer is itself valid: {:#?}\n{body}",
            v.findings
        );
        Answer {
            location,
            replay,
            body,
            doc: v.document,
        }
    }

    /// Everything ever put in a party's inbox, in order.
    async fn inbox(&self, party: &str) -> Vec<Entry> {
        let (status, v) = self
            .get_json(&format!("/api/v1/inbox/{party}?after=0&limit=1000"))
            .await;
        assert_eq!(status, StatusCode::OK);
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| {
                (
                    i["kind"].as_str().unwrap_or_default().to_string(),
                    i["bericht"].as_str().unwrap_or_default().to_string(),
                    i["bericht_id"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    }

    /// The xml of a party's inbox entry of `kind` for message `id`.
    async fn inbox_xml(&self, party: &str, kind: &str, id: u64) -> Option<String> {
        let (_, v) = self
            .get_json(&format!("/api/v1/inbox/{party}?after=0&limit=1000"))
            .await;
        v["items"].as_array()?.iter().find_map(|i| {
            (i["kind"] == kind && i["bericht_id"] == id)
                .then(|| i["xml"].as_str().map(str::to_string))
                .flatten()
        })
    }

    /// The stored messages (summaries).
    async fn berichten(&self) -> Vec<Value> {
        let (_, v) = self.get_json("/api/v1/berichten?limit=1000").await;
        v["items"].as_array().cloned().unwrap_or_default()
    }
}

/// RetourCodes per berichtklasse of an answer, as (path, codes), in document order.
fn retour_codes(doc: &Document) -> Vec<(String, Vec<String>)> {
    fn walk(e: &Element, path: &str, out: &mut Vec<(String, Vec<String>)>) {
        if let Some(rc) = e.child("RetourCodes") {
            let codes = rc
                .children()
                .iter()
                .filter_map(|r| r.value().map(|v| v.lexical().into_owned()))
                .collect();
            out.push((path.to_string(), codes));
        }
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for c in e.children() {
            let n = counts.entry(c.name()).or_default();
            *n += 1;
            let p = if c.field.repeats() {
                format!("{path}/{}[{}]", c.name(), n)
            } else {
                format!("{path}/{}", c.name())
            };
            if c.name() != "RetourCodes" {
                walk(c, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    for c in &doc.children {
        walk(c, &format!("/Bericht/{}", c.name()), &mut out);
    }
    out
}

/// Expected RetourCodes per berichtklasse.
fn want(pairs: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    pairs
        .iter()
        .map(|(p, cs)| (p.to_string(), cs.iter().map(|c| c.to_string()).collect()))
        .collect()
}

const HEADER: &str = "/Bericht/Header";
const CLIENT: &str = "/Bericht/Client";
const CONTACT1: &str = "/Bericht/Client/Contactgegevens/Contact[1]";
const TOEGEWEZEN1: &str = "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[1]";
const START1: &str = "/Bericht/Client/StartProducten/StartProduct[1]";
const STOP1: &str = "/Bericht/Client/StopProducten/StopProduct[1]";
const ANTWOORD: &str = "/Bericht/DeclaratieAntwoord";
const A_CLIENT1: &str = "/Bericht/DeclaratieAntwoord/Clienten/Client[1]";
const A_PRESTATIE1: &str = "/Bericht/DeclaratieAntwoord/Clienten/Client[1]/Prestaties/Prestatie[1]";

/// A retourbericht (302 … 316) without any rejection: the Header without RetourCodes.
fn assert_clean(a: &Answer) {
    assert!(a.codes().is_empty(), "no RetourCodes expected:\n{}", a.body);
}

/// A declaratie-antwoord granting everything: Header 0200, DeclaratieAntwoord 8001, no clients,
/// TotaalToegekendBedrag = TotaalIngediendBedrag = `bedrag`.
fn assert_granted(a: &Answer, bedrag: i64) {
    assert_eq!(
        a.codes(),
        want(&[(HEADER, &["0200"]), (ANTWOORD, &["8001"])]),
        "{}",
        a.body
    );
    assert_eq!(a.ingediend(), bedrag);
    assert_eq!(a.toegekend(), bedrag);
}

/// A declaratie-antwoord that rejects prestaties of one client: `codes` per returned prestatie.
fn assert_rejected_prestaties(a: &Answer, codes: &[&[&str]], toegekend: i64) {
    let mut w = vec![
        (HEADER.to_string(), vec!["0200".to_string()]),
        (ANTWOORD.to_string(), vec!["0200".to_string()]),
        (A_CLIENT1.to_string(), vec!["0200".to_string()]),
    ];
    for (i, cs) in codes.iter().enumerate() {
        w.push((
            format!("{A_CLIENT1}/Prestaties/Prestatie[{}]", i + 1),
            cs.iter().map(|c| c.to_string()).collect(),
        ));
    }
    assert_eq!(a.codes(), w, "{}", a.body);
    assert_eq!(a.toegekend(), toegekend, "{}", a.body);
}

fn has(inbox: &[Entry], kind: &str, id: u64) -> bool {
    inbox.iter().any(|(k, _, i)| k == kind && *i == id)
}

fn kinds(inbox: &[Entry], kind: &str) -> Vec<String> {
    inbox
        .iter()
        .filter(|(k, _, _)| k == kind)
        .map(|(_, b, _)| b.clone())
        .collect()
}

// ----- the happy path -----

async fn happy_path(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let c = CLIENT1;
    let april = Pr::new("R-0001", c, "2025-04");
    let bedrag = april.bedrag();
    assert_eq!(bedrag, 12 * TARIEF);
    let steps: Vec<(String, u16)> = vec![
        (verzoek(std, &ids.next("V"), c), 315),
        (toewijzing(std, &ids.next("T"), c, &Tw::default()), 301),
        (start(std, &ids.next("S"), c, BEGIN), 305),
        (stop(std, &ids.next("P"), c, BEGIN), 307),
        (
            declaratie(std, &ids.next("D"), "DECL1", "2025-04", &[(c, vec![april])]),
            323,
        ),
    ];
    let mut app = spawn_app(dir.path()).await;
    let mut seen: Vec<(String, String)> = Vec::new();
    for (xml, nr) in steps {
        let a = app.answer(&xml).await;
        assert!(!a.replay);
        if nr == 323 {
            assert_eq!(a.code(), std.code(325));
            assert_granted(&a, bedrag);
        } else {
            assert_eq!(a.code(), std.code(nr + 1));
            assert_clean(&a);
        }
        let ontvanger = if nr == 301 { AANBIEDER } else { GEMEENTE };
        let afzender = if nr == 301 { GEMEENTE } else { AANBIEDER };
        assert!(
            has(&app.inbox(ontvanger).await, "bericht", a.id()),
            "{nr} in the inbox of {ontvanger}"
        );
        assert_eq!(
            app.inbox_xml(ontvanger, "bericht", a.id()).await.as_deref(),
            Some(xml.as_str()),
            "the message as received"
        );
        assert_eq!(
            app.inbox_xml(afzender, "retour", a.id()).await.as_deref(),
            Some(a.body.as_str()),
            "the answer as given"
        );
        assert!(
            has(&app.inbox(afzender).await, "retour", a.id()),
            "the answer to {nr} in the inbox of {afzender}"
        );
        seen.push((a.location.clone(), xml));

        // Restart: every message so far is still there, as received and accepted.
        app = app.restart().await;
        for (loc, xml) in &seen {
            let (status, record) = app.get_json(loc).await;
            assert_eq!(status, StatusCode::OK, "{loc} after a restart");
            assert_eq!(record["body"], xml.as_str());
            assert_eq!(record["accepted"], true);
        }
    }
    let gemeente = app.inbox(GEMEENTE).await;
    assert_eq!(
        kinds(&gemeente, "bericht"),
        [315, 305, 307, 323].map(|n| std.code(n))
    );
    assert_eq!(kinds(&gemeente, "retour"), [std.code(302)]);
    let aanbieder = app.inbox(AANBIEDER).await;
    assert_eq!(kinds(&aanbieder, "bericht"), [std.code(301)]);
    assert_eq!(
        kinds(&aanbieder, "retour"),
        [316, 306, 308, 325].map(|n| std.code(n))
    );
    app.stop().await;
}

#[actix_web::test]
async fn happy_path_ijw_with_a_restart_between_every_step() {
    happy_path(Std::Ijw).await;
}

#[actix_web::test]
async fn happy_path_iwmo_with_a_restart_between_every_step() {
    happy_path(Std::Iwmo).await;
}

// ----- start and stop faults, identificaties, replays, product codes -----

async fn start_stop_faults(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let c = CLIENT1;
    let mut app = spawn_app(dir.path()).await;
    assert_clean(&app.answer(&verzoek(std, &ids.next("V"), c)).await);

    // A start before its toewijzing: 9019 on the StartProduct, not recorded.
    let early_start = start(std, &ids.next("S"), c, BEGIN);
    let a = app.answer(&early_start).await;
    assert_eq!(a.code(), std.code(306));
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["0200"]),
            (START1, &["9019"])
        ]),
        "{}",
        a.body
    );
    let early_start_answer = a;

    let t = toewijzing(std, &ids.next("T"), c, &Tw::default());
    let toewijzing_answer = app.answer(&t).await;
    assert_clean(&toewijzing_answer);

    // The rejected start left nothing: a stop on it has no start (9069).
    let early_stop = stop(std, &ids.next("P"), c, BEGIN);
    let a = app.answer(&early_stop).await;
    assert_eq!(a.code(), std.code(308));
    assert_eq!(
        a.codes(),
        want(&[(HEADER, &["0200"]), (CLIENT, &["0200"]), (STOP1, &["9069"])]),
        "{}",
        a.body
    );

    app = app.restart().await;

    // Now the start passes.
    let start_id = ids.next("S");
    let the_start = start(std, &start_id, c, BEGIN);
    let start_answer = app.answer(&the_start).await;
    assert_clean(&start_answer);

    // The same start again (another identificatie): TR074 and TR326, both 9074 and 9326.
    let a = app.answer(&start(std, &ids.next("S"), c, BEGIN)).await;
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["0200"]),
            (START1, &["9074", "9326"])
        ]),
        "{}",
        a.body
    );

    // The stop passes: the stop rejected above was not recorded (else 9074), and the start
    // is there once.
    let stop_answer = app.answer(&stop(std, &ids.next("P"), c, BEGIN)).await;
    assert_clean(&stop_answer);

    app = app.restart().await;

    // The start's identificatie again with other content: 9056 on the Header only; the first
    // is untouched and the other one recorded nothing (its stop has no start: 9069).
    let (_, original) = app.get_json(&start_answer.location).await;
    let later = "2025-01-08";
    let conflicting = start(std, &start_id, c, later);
    let a = app.answer(&conflicting).await;
    assert!(!a.replay);
    assert_ne!(a.location, start_answer.location);
    assert_eq!(a.codes(), want(&[(HEADER, &["9056"])]), "{}", a.body);
    assert_eq!(app.get_json(&start_answer.location).await.1, original);
    let (_, record) = app.get_json(&a.location).await;
    assert_eq!(record["accepted"], false);
    let a = app.answer(&stop(std, &ids.next("P"), c, later)).await;
    assert_eq!(
        a.codes(),
        want(&[(HEADER, &["0200"]), (CLIENT, &["0200"]), (STOP1, &["9069"])]),
        "{}",
        a.body
    );

    // Only what was accepted reached the gemeente.
    let gemeente = app.inbox(GEMEENTE).await;
    assert_eq!(
        kinds(&gemeente, "bericht"),
        [315, 305, 307].map(|n| std.code(n))
    );
    assert!(has(&gemeente, "bericht", start_answer.id()));
    assert!(has(&gemeente, "bericht", stop_answer.id()));

    // The same messages posted again: the same answers, nothing new anywhere. Also a rejected
    // one, although its toewijzing exists by now.
    let before = (
        app.berichten().await.len(),
        app.inbox(GEMEENTE).await,
        app.inbox(AANBIEDER).await,
    );
    for (xml, first) in [
        (&early_start, &early_start_answer),
        (&t, &toewijzing_answer),
        (&the_start, &start_answer),
    ] {
        let a = app.answer(xml).await;
        assert!(a.replay, "Sluis-Replay: true");
        assert_eq!(a.location, first.location);
        assert_eq!(a.body, first.body);
    }
    let after = (
        app.berichten().await.len(),
        app.inbox(GEMEENTE).await,
        app.inbox(AANBIEDER).await,
    );
    assert_eq!(after, before, "a replay changes nothing");

    // An unknown product code in a toewijzing: S329 on the ToegewezenProduct; the toewijzing
    // does not exist afterwards (a start on it: 9019).
    let c2 = CLIENT2;
    assert_clean(&app.answer(&verzoek(std, &ids.next("V"), c2)).await);
    let a = app
        .answer(&toewijzing(
            std,
            &ids.next("T"),
            c2,
            &Tw::default().code(UNKNOWN_CODE),
        ))
        .await;
    assert_eq!(a.code(), std.code(302));
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["0200"]),
            (CONTACT1, &["0200"]),
            (TOEGEWEZEN1, &["S329"])
        ]),
        "{}",
        a.body
    );
    app = app.restart().await;
    let a = app.answer(&start(std, &ids.next("S"), c2, BEGIN)).await;
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["0200"]),
            (START1, &["9019"])
        ]),
        "{}",
        a.body
    );
    assert!(
        !kinds(&app.inbox(AANBIEDER).await, "bericht")
            .iter()
            .skip(1)
            .any(|b| b.ends_with("301")),
        "the rejected toewijzing is not forwarded"
    );
    app.stop().await;
}

#[actix_web::test]
async fn start_and_stop_faults_ijw() {
    start_stop_faults(Std::Ijw).await;
}

#[actix_web::test]
async fn start_and_stop_faults_iwmo() {
    start_stop_faults(Std::Iwmo).await;
}

// ----- declaratie faults -----

/// Verzoek, toewijzing (first half of 2025, 10 hours a week) and start for `clients`.
async fn assigned_and_started(app: &TestApp, std: Std, ids: &Ids, clients: &[Client]) {
    for &c in clients {
        assert_clean(&app.answer(&verzoek(std, &ids.next("V"), c)).await);
        assert_clean(
            &app.answer(&toewijzing(std, &ids.next("T"), c, &Tw::default()))
                .await,
        );
        assert_clean(&app.answer(&start(std, &ids.next("S"), c, BEGIN)).await);
    }
}

async fn declaratie_faults(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let c = CLIENT1;
    let mut app = spawn_app(dir.path()).await;
    assigned_and_started(&app, std, &ids, &[c]).await;
    let mut granted_ids = Vec::new();

    // D1 (January): a prestatie in December 2024, before the toewijzing: 9307 on the Prestatie.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL1",
            "2025-01",
            &[(c, vec![Pr::new("R-A", c, "2024-12")])],
        ))
        .await;
    assert_eq!(a.code(), std.code(325));
    assert_rejected_prestaties(&a, &[&["9307"]], 0);

    // D2 (February): the rejected prestatie's ReferentieNummer is free; January is granted.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL2",
            "2025-02",
            &[(c, vec![Pr::new("R-A", c, "2025-01")])],
        ))
        .await;
    assert_granted(&a, 12 * TARIEF);
    granted_ids.push(a.id());

    // D3 (March): 100 hours in February, more than 10 hours a week: 9321.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL3",
            "2025-03",
            &[(c, vec![Pr::new("R-B", c, "2025-02").volume(100)])],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["9321"]], 0);

    app = app.restart().await;

    // D4 (April): February again within the omvang, and March: both granted.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL4",
            "2025-04",
            &[(
                c,
                vec![Pr::new("R-B", c, "2025-02"), Pr::new("R-C", c, "2025-03")],
            )],
        ))
        .await;
    assert_granted(&a, 24 * TARIEF);
    granted_ids.push(a.id());

    // D5 (May): R-A a second time (8021) and a credit of a debet never granted (8017).
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL5",
            "2025-05",
            &[(
                c,
                vec![
                    Pr::new("R-A", c, "2025-04"),
                    Pr::new("R-Y", c, "2025-03").credit_of("R-Z"),
                ],
            )],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["8021"], &["8017"]], 0);

    // D6 (June): a tariff other than the contract's: 0611.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL6",
            "2025-06",
            &[(c, vec![Pr::new("R-E", c, "2025-04").tarief(TARIEF + 500)])],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["0611"]], 0);

    app = app.restart().await;

    // D7 (July): April again at the contract tariff is granted; July is after the toewijzing
    // (9308).
    let good = Pr::new("R-E", c, "2025-04");
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL7",
            "2025-07",
            &[(c, vec![good.clone(), Pr::new("R-F", c, "2025-07")])],
        ))
        .await;
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (ANTWOORD, &["0200"]),
            (A_CLIENT1, &["0200"]),
            (A_PRESTATIE1, &["9308"]),
        ]),
        "{}",
        a.body
    );
    assert_eq!(a.toegekend(), good.bedrag());
    granted_ids.push(a.id());
    assert_eq!(a.ingediend(), 2 * good.bedrag());
    assert_eq!(
        a.text("DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie/ProductReferentie/ReferentieNummer")
            .as_deref(),
        Some("R-F")
    );

    // D8 (August): the granted January debet R-A is still the one granted (the second R-A was
    // not recorded): its credit is granted; R-Y (its credit rejected) is free again.
    let credit = Pr::new("R-G", c, "2025-01").credit_of("R-A");
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL8",
            "2025-08",
            &[(c, vec![credit.clone(), Pr::new("R-Y", c, "2025-05")])],
        ))
        .await;
    assert_granted(&a, credit.signed() + 12 * TARIEF);
    granted_ids.push(a.id());
    assert_eq!(a.toegekend(), 0);

    // The declaraties with granted prestaties reached the gemeente.
    let inbox = app.inbox(GEMEENTE).await;
    for id in &granted_ids {
        assert!(has(&inbox, "bericht", *id), "declaratie {id} forwarded");
    }
    assert_eq!(
        kinds(&app.inbox(AANBIEDER).await, "retour")
            .iter()
            .filter(|b| b.ends_with("325"))
            .count(),
        8
    );
    app.stop().await;
}

#[actix_web::test]
async fn declaratie_faults_ijw() {
    declaratie_faults(Std::Ijw).await;
}

#[actix_web::test]
async fn declaratie_faults_iwmo() {
    declaratie_faults(Std::Iwmo).await;
}

// ----- a partial declaratie -----

async fn partial_declaratie(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let mut app = spawn_app(dir.path()).await;
    assigned_and_started(&app, std, &ids, &[CLIENT1, CLIENT2]).await;
    app = app.restart().await;

    // 2 clients × 2 prestaties; the second prestatie of the second client has a wrong tariff.
    let c1 = vec![
        Pr::new("R-11", CLIENT1, "2025-03"),
        Pr::new("R-12", CLIENT1, "2025-04"),
    ];
    let wrong = Pr::new("R-22", CLIENT2, "2025-04").tarief(TARIEF * 2);
    let c2 = vec![Pr::new("R-21", CLIENT2, "2025-03"), wrong.clone()];
    let all: Vec<&Pr> = c1.iter().chain(c2.iter()).collect();
    let ingediend = total(&all);
    let xml = declaratie(
        std,
        &ids.next("D"),
        "DECL1",
        "2025-04",
        &[(CLIENT1, c1.clone()), (CLIENT2, c2.clone())],
    );
    let a = app.answer(&xml).await;
    assert_eq!(a.code(), std.code(325));
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (ANTWOORD, &["0200"]),
            (A_CLIENT1, &["0200"]),
            (A_PRESTATIE1, &["0611"]),
        ]),
        "{}",
        a.body
    );
    assert_eq!(
        a.text("DeclaratieAntwoord/Clienten/Client/Bsn").as_deref(),
        Some(CLIENT2.bsn),
        "only the client of the rejected prestatie"
    );
    assert_eq!(
        a.text("DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie/ProductReferentie/ReferentieNummer")
            .as_deref(),
        Some("R-22")
    );
    assert_eq!(a.ingediend(), ingediend);
    assert_eq!(a.toegekend(), ingediend - wrong.bedrag());
    assert!(
        has(&app.inbox(GEMEENTE).await, "bericht", a.id()),
        "the declaratie goes to the gemeente"
    );
    assert!(has(&app.inbox(AANBIEDER).await, "retour", a.id()));

    app = app.restart().await;

    // What was granted is recorded, what was rejected is not: R-12 again is 8021, R-22 at the
    // contract tariff is granted.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL2",
            "2025-05",
            &[
                (CLIENT1, vec![Pr::new("R-12", CLIENT1, "2025-05")]),
                (CLIENT2, vec![Pr::new("R-22", CLIENT2, "2025-04")]),
            ],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["8021"]], 12 * TARIEF);
    assert_eq!(
        a.text("DeclaratieAntwoord/Clienten/Client/Bsn").as_deref(),
        Some(CLIENT1.bsn)
    );
    app.stop().await;
}

#[actix_web::test]
async fn partial_declaratie_ijw() {
    partial_declaratie(Std::Ijw).await;
}

#[actix_web::test]
async fn partial_declaratie_iwmo() {
    partial_declaratie(Std::Iwmo).await;
}

// ----- a declaratie rejected as a whole -----

async fn declaratie_rejected_as_a_whole(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let c = CLIENT1;
    let mut app = spawn_app(dir.path()).await;
    assigned_and_started(&app, std, &ids, &[c]).await;
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL1",
            "2025-04",
            &[(c, vec![Pr::new("R-1", c, "2025-04")])],
        ))
        .await;
    assert_granted(&a, 12 * TARIEF);
    let forwarded = kinds(&app.inbox(GEMEENTE).await, "bericht").len();

    // The DeclaratieNummer again (May): 9333 on the DeclaratieAntwoord, nothing granted, no
    // clients; the declaratie counts as not sent and does not reach the gemeente.
    let may = vec![Pr::new("R-2", c, "2025-05")];
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL1",
            "2025-05",
            &[(c, may.clone())],
        ))
        .await;
    assert_eq!(a.code(), std.code(325));
    assert_eq!(
        a.codes(),
        want(&[(HEADER, &["0200"]), (ANTWOORD, &["9333"])]),
        "{}",
        a.body
    );
    assert_eq!(a.toegekend(), 0);
    assert!(!has(&app.inbox(GEMEENTE).await, "bericht", a.id()));

    // A period before the previous one (March after April): 8214 on the DeclaratieAntwoord.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL2",
            "2025-03",
            &[(c, vec![Pr::new("R-3", c, "2025-03")])],
        ))
        .await;
    assert_eq!(
        a.codes(),
        want(&[(HEADER, &["0200"]), (ANTWOORD, &["8214"])]),
        "{}",
        a.body
    );
    assert_eq!(a.toegekend(), 0);

    app = app.restart().await;

    // Neither counted: May with the same ReferentieNummer is granted (not 8021, not 8214).
    let id = ids.next("D");
    let xml = declaratie(std, &id, "DECL3", "2025-05", &[(c, may.clone())]);
    let granted = app.answer(&xml).await;
    assert_granted(&granted, 12 * TARIEF);
    let inbox = app.inbox(GEMEENTE).await;
    assert_eq!(kinds(&inbox, "bericht").len(), forwarded + 1);
    assert!(has(&inbox, "bericht", granted.id()));

    // Its identificatie again with other content: 9056 on the Header only, nothing granted.
    let other = declaratie(
        std,
        &id,
        "DECL4",
        "2025-06",
        &[(c, vec![Pr::new("R-4", c, "2025-06")])],
    );
    let a = app.answer(&other).await;
    assert_eq!(a.code(), std.code(325));
    assert_eq!(a.codes(), want(&[(HEADER, &["9056"])]), "{}", a.body);
    assert!(!has(&app.inbox(GEMEENTE).await, "bericht", a.id()));
    // … and R-4 and June are still free.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL4",
            "2025-06",
            &[(c, vec![Pr::new("R-4", c, "2025-06")])],
        ))
        .await;
    assert_granted(&a, 12 * TARIEF);
    app.stop().await;
}

#[actix_web::test]
async fn declaratie_rejected_as_a_whole_ijw() {
    declaratie_rejected_as_a_whole(Std::Ijw).await;
}

#[actix_web::test]
async fn declaratie_rejected_as_a_whole_iwmo() {
    declaratie_rejected_as_a_whole(Std::Iwmo).await;
}

// ----- corrections: credit and debet, the total over the looptijd -----

async fn corrections(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let c = CLIENT1;
    let mut app = spawn_app(dir.path()).await;
    assigned_and_started(&app, std, &ids, &[c]).await;
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL1",
            "2025-03",
            &[(c, vec![Pr::new("R-1", c, "2025-03")])],
        ))
        .await;
    assert_granted(&a, 12 * TARIEF);

    // March a second time without crediting the first: 9389.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL2",
            "2025-04",
            &[(c, vec![Pr::new("R-2", c, "2025-03").volume(8)])],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["9389"]], 0);

    app = app.restart().await;

    // The credit of R-1 with the corrected debet in one declaratie: both granted (credits
    // first), the granted total is the difference.
    let credit = Pr::new("R-3", c, "2025-03").credit_of("R-1");
    let debet = Pr::new("R-4", c, "2025-03").volume(8);
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL3",
            "2025-05",
            &[(c, vec![credit.clone(), debet.clone()])],
        ))
        .await;
    assert_granted(&a, total(&[&credit, &debet]));
    assert_eq!(a.toegekend(), -4 * TARIEF);
    assert_eq!(
        a.text("DeclaratieAntwoord/TotaalToegekendBedrag/DebetCredit")
            .as_deref(),
        Some("C")
    );

    // R-1 cannot be credited twice (9390); a credit granted beside a rejected debet leaves a
    // negative granted total.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL4",
            "2025-06",
            &[(
                c,
                vec![
                    Pr::new("R-5", c, "2025-03").credit_of("R-1"),
                    Pr::new("R-6", c, "2025-03").credit_of("R-4").volume(8),
                    Pr::new("R-7", c, "2025-04").tarief(TARIEF - 1),
                ],
            )],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["9390"], &["0611"]], -8 * TARIEF);
    app.stop().await;
}

#[actix_web::test]
async fn corrections_ijw() {
    corrections(Std::Ijw).await;
}

#[actix_web::test]
async fn corrections_iwmo() {
    corrections(Std::Iwmo).await;
}

/// A toewijzing of 100 hours in total (Frequentie 6): 60 hours fit in any month, but not twice.
async fn total_over_the_looptijd(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let c = CLIENT2;
    let mut app = spawn_app(dir.path()).await;
    assert_clean(&app.answer(&verzoek(std, &ids.next("V"), c)).await);
    assert_clean(
        &app.answer(&toewijzing(
            std,
            &ids.next("T"),
            c,
            &Tw::default().totaal(100),
        ))
        .await,
    );
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL1",
            "2025-02",
            &[(
                c,
                vec![
                    Pr::new("R-1", c, "2025-01").volume(60),
                    Pr::new("R-2", c, "2025-02").volume(60),
                ],
            )],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["9322"]], 60 * TARIEF);
    assert_eq!(
        a.text("DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie/ProductReferentie/ReferentieNummer")
            .as_deref(),
        Some("R-2")
    );
    app = app.restart().await;
    // More than the whole omvang in one month: 9321. Not also 9322: a prestatie another rule
    // rejects does not count towards the total (docs/history.md, TR322).
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL2",
            "2025-03",
            &[(c, vec![Pr::new("R-3", c, "2025-03").volume(101)])],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["9321"]], 0);
    // What is left (40 hours) is granted.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL3",
            "2025-04",
            &[(c, vec![Pr::new("R-2", c, "2025-02").volume(40)])],
        ))
        .await;
    assert_granted(&a, 40 * TARIEF);
    app.stop().await;
}

#[actix_web::test]
async fn total_over_the_looptijd_ijw() {
    total_over_the_looptijd(Std::Ijw).await;
}

#[actix_web::test]
async fn total_over_the_looptijd_iwmo() {
    total_over_the_looptijd(Std::Iwmo).await;
}

// ----- verzoeken and identificaties -----

async fn verzoeken_and_identificaties(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let c = CLIENT1;
    let mut app = spawn_app(dir.path()).await;
    let first = app.answer(&verzoek(std, &ids.next("V"), c)).await;
    assert_clean(&first);

    // A second verzoek for the client while the first is open: 9374 on the Client. Its
    // ReferentieAanbieder again: 9347 on the AangevraagdProduct.
    let other = Client {
        referentie: "VOT-9",
        ..c
    };
    let a = app.answer(&verzoek(std, &ids.next("V"), other)).await;
    assert_eq!(a.code(), std.code(316));
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["9374"]),
            (
                "/Bericht/Client/AangevraagdeProducten/AangevraagdProduct[1]",
                &["0233"]
            ),
        ]),
        "{}",
        a.body
    );
    let a = app.answer(&verzoek(std, &ids.next("V"), c)).await;
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["9374"]),
            (
                "/Bericht/Client/AangevraagdeProducten/AangevraagdProduct[1]",
                &["9347"]
            ),
        ]),
        "{}",
        a.body
    );

    // A toewijzing naming a verzoek that was never sent: 9379 on the ToegewezenProduct.
    let a = app
        .answer(&toewijzing(std, &ids.next("T"), other, &Tw::default()))
        .await;
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["0200"]),
            (CONTACT1, &["0200"]),
            (TOEGEWEZEN1, &["9379"])
        ]),
        "{}",
        a.body
    );
    // The toewijzing that honours the verzoek closes it: a new verzoek is fine.
    assert_clean(
        &app.answer(&toewijzing(std, &ids.next("T"), c, &Tw::default()))
            .await,
    );
    app = app.restart().await;
    assert_clean(&app.answer(&verzoek(std, &ids.next("V"), other)).await);

    // A start rejected on an in-message rule (Begindatum after the Dagtekening: 0001) counts
    // as never sent: its identificatie may be used again for the corrected start.
    let id = ids.next("S");
    let good = start(std, &id, c, BEGIN);
    let bad = good.replace(
        &format!("<m:Begindatum>{BEGIN}</m:Begindatum>"),
        "<m:Begindatum>2025-01-20</m:Begindatum>",
    );
    assert_ne!(bad, good);
    let a = app.answer(&bad).await;
    assert_eq!(a.code(), std.code(306));
    assert_eq!(a.codes(), want(&[(HEADER, &["0001"])]), "{}", a.body);
    assert!(!has(&app.inbox(GEMEENTE).await, "bericht", a.id()));
    app = app.restart().await;
    let a = app.answer(&good).await;
    assert!(!a.replay);
    assert_clean(&a);
    assert!(has(&app.inbox(GEMEENTE).await, "bericht", a.id()));

    // External rules on the Header: a gemeente not configured (S300), a Dagtekening in the
    // future (8848). The Header only, nothing forwarded, nothing recorded.
    let stop_xml = stop(std, &ids.next("P"), c, BEGIN);
    let elsewhere = stop_xml.replace(
        "<m:Ontvanger>0599</m:Ontvanger>",
        "<m:Ontvanger>0600</m:Ontvanger>",
    );
    assert_ne!(elsewhere, stop_xml);
    let a = app.answer(&valid(elsewhere)).await;
    assert_eq!(a.code(), std.code(308));
    assert_eq!(a.codes(), want(&[(HEADER, &["S300"])]), "{}", a.body);
    let future = stop(std, &ids.next("P"), c, BEGIN).replace(
        &format!("<b:Dagtekening>{DAG_STOP}</b:Dagtekening>"),
        "<b:Dagtekening>2100-01-04</b:Dagtekening>",
    );
    let a = app.answer(&valid(future)).await;
    assert_eq!(a.codes(), want(&[(HEADER, &["8848"])]), "{}", a.body);
    let gemeente = app.inbox(GEMEENTE).await;
    assert!(!kinds(&gemeente, "bericht").contains(&std.code(307)));
    // Neither stop was recorded: the stop is accepted now.
    assert_clean(&app.answer(&stop(std, &ids.next("P"), c, BEGIN)).await);
    app.stop().await;
}

#[actix_web::test]
async fn verzoeken_and_identificaties_ijw() {
    verzoeken_and_identificaties(Std::Ijw).await;
}

#[actix_web::test]
async fn verzoeken_and_identificaties_iwmo() {
    verzoeken_and_identificaties(Std::Iwmo).await;
}

// ----- versions of a toewijzing, removals -----

async fn versions_and_removals(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let c = CLIENT1;
    let mut app = spawn_app(dir.path()).await;
    assigned_and_started(&app, std, &ids, &[c]).await;

    // A start removed (StatusAanlevering 3) is gone: its stop has no start (9069); sent anew it
    // is accepted (not 9074).
    assert_clean(
        &app.answer(&start_with(std, &ids.next("S"), c, BEGIN, "3"))
            .await,
    );
    app = app.restart().await;
    let a = app.answer(&stop(std, &ids.next("P"), c, BEGIN)).await;
    assert_eq!(
        a.codes(),
        want(&[(HEADER, &["0200"]), (CLIENT, &["0200"]), (STOP1, &["9069"])]),
        "{}",
        a.body
    );
    let a = app
        .answer(&start_with(std, &ids.next("S"), c, BEGIN, "3"))
        .await;
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["0200"]),
            (START1, &["9063"])
        ]),
        "{}",
        a.body
    );
    assert_clean(&app.answer(&start(std, &ids.next("S"), c, BEGIN)).await);

    // A stopped start cannot be removed (9071) until its stop is removed; then both go, and
    // a stop has no start again (9069).
    assert_clean(&app.answer(&stop(std, &ids.next("P"), c, BEGIN)).await);
    let a = app
        .answer(&start_with(std, &ids.next("S"), c, BEGIN, "3"))
        .await;
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["0200"]),
            (START1, &["9071"])
        ]),
        "{}",
        a.body
    );
    assert_clean(
        &app.answer(&stop_with(std, &ids.next("P"), c, BEGIN, "3"))
            .await,
    );
    app = app.restart().await;
    let a = app
        .answer(&stop_with(std, &ids.next("P"), c, BEGIN, "3"))
        .await;
    assert_eq!(
        a.codes(),
        want(&[(HEADER, &["0200"]), (CLIENT, &["0200"]), (STOP1, &["9063"])]),
        "{}",
        a.body
    );
    assert_clean(
        &app.answer(&start_with(std, &ids.next("S"), c, BEGIN, "3"))
            .await,
    );
    let a = app.answer(&stop(std, &ids.next("P"), c, BEGIN)).await;
    assert_eq!(
        a.codes(),
        want(&[(HEADER, &["0200"]), (CLIENT, &["0200"]), (STOP1, &["9069"])]),
        "{}",
        a.body
    );
    assert_clean(&app.answer(&start(std, &ids.next("S"), c, BEGIN)).await);

    // Two later versions, arriving in the wrong order: the latest Toewijzingsdatum leads
    // (Einddatum 31 May), not the last to arrive (31 March).
    let newest = Tw::default().versie("2025-03-10", "04").eind("2025-05-31");
    let older = Tw::default().versie("2025-03-03", "04").eind("2025-03-31");
    assert_clean(
        &app.answer(&toewijzing(std, &ids.next("T"), c, &newest))
            .await,
    );
    assert_clean(
        &app.answer(&toewijzing(std, &ids.next("T"), c, &older))
            .await,
    );
    app = app.restart().await;
    let may = Pr::new("R-1", c, "2025-05");
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL1",
            "2025-05",
            &[(c, vec![may.clone()])],
        ))
        .await;
    assert_granted(&a, may.bedrag());
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL2",
            "2025-06",
            &[(c, vec![Pr::new("R-2", c, "2025-06")])],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["9308"]], 0);

    // No removal while a granted prestatie is not credited (9385); after the credit it is
    // accepted, and the removed toewijzing cannot be declared on (9384).
    let removal = Tw::default().removed("2025-07-01");
    let a = app
        .answer(&toewijzing(std, &ids.next("T"), c, &removal))
        .await;
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["0200"]),
            (CONTACT1, &["0200"]),
            (TOEGEWEZEN1, &["9385"])
        ]),
        "{}",
        a.body
    );
    let credit = Pr::new("R-3", c, "2025-05").credit_of("R-1");
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL3",
            "2025-07",
            &[(c, vec![credit.clone()])],
        ))
        .await;
    assert_granted(&a, credit.signed());
    app = app.restart().await;
    assert_clean(
        &app.answer(&toewijzing(std, &ids.next("T"), c, &removal))
            .await,
    );
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL4",
            "2025-08",
            &[(c, vec![Pr::new("R-4", c, "2025-04")])],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["9384"]], 0);
    app.stop().await;
}

#[actix_web::test]
async fn versions_and_removals_ijw() {
    versions_and_removals(Std::Ijw).await;
}

#[actix_web::test]
async fn versions_and_removals_iwmo() {
    versions_and_removals(Std::Iwmo).await;
}

// ----- both forms in one trajectory -----

/// XML and JSON mixed: the history does not depend on the form a message came in.
async fn mixed_forms(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let c = CLIENT1;
    let mut app = spawn_app(dir.path()).await;
    assert_clean(&app.answer_json(&verzoek(std, &ids.next("V"), c)).await);
    assert_clean(
        &app.answer(&toewijzing(std, &ids.next("T"), c, &Tw::default()))
            .await,
    );
    let start_json = start(std, &ids.next("S"), c, BEGIN);
    let a = app.answer_json(&start_json).await;
    assert_eq!(a.code(), std.code(306));
    assert_clean(&a);
    app = app.restart().await;
    // The same start again as XML: the same content, other identificatie: 9074 and 9326.
    let a = app.answer(&start(std, &ids.next("S"), c, BEGIN)).await;
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["0200"]),
            (START1, &["9074", "9326"])
        ]),
        "{}",
        a.body
    );
    // The JSON start posted again: a replay.
    let again = app.answer_json(&start_json).await;
    assert!(again.replay);
    assert_clean(&app.answer_json(&stop(std, &ids.next("P"), c, BEGIN)).await);
    let pr = Pr::new("R-1", c, "2025-04");
    let xml = declaratie(
        std,
        &ids.next("D"),
        "DECL1",
        "2025-04",
        &[(c, vec![pr.clone()])],
    );
    assert_granted(&app.answer_json(&xml).await, pr.bedrag());
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL2",
            "2025-05",
            &[(c, vec![Pr::new("R-1", c, "2025-05")])],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["8021"]], 0);
    app.stop().await;
}

#[actix_web::test]
async fn mixed_forms_ijw() {
    mixed_forms(Std::Ijw).await;
}

#[actix_web::test]
async fn mixed_forms_iwmo() {
    mixed_forms(Std::Iwmo).await;
}

// ----- both standards in one store -----

/// The same client, numbers and identificaties in iJw and iWmo: each domain has its own.
#[actix_web::test]
async fn both_standards_share_a_store_but_not_their_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = CLIENT1;
    let mut app = spawn_app(dir.path()).await;
    for std in BOTH {
        // Identificaties are unique per berichtsoort: the same ids in both standards.
        let ids = Ids::default();
        assert_clean(&app.answer(&verzoek(std, &ids.next("V"), c)).await);
        assert_clean(
            &app.answer(&toewijzing(std, &ids.next("T"), c, &Tw::default()))
                .await,
        );
    }
    // Started in iJw only: an iWmo stop has no start.
    assert_clean(&app.answer(&start(Std::Ijw, "S-0001", c, BEGIN)).await);
    app = app.restart().await;
    let a = app.answer(&stop(Std::Iwmo, "P-0001", c, BEGIN)).await;
    assert_eq!(a.code(), "WMO308");
    assert_eq!(
        a.codes(),
        want(&[(HEADER, &["0200"]), (CLIENT, &["0200"]), (STOP1, &["9069"])]),
        "{}",
        a.body
    );
    assert_clean(&app.answer(&start(Std::Iwmo, "S-0001", c, BEGIN)).await);
    // DeclaratieNummer, ReferentieNummer and period: per domain.
    for std in BOTH {
        let pr = Pr::new("R-1", c, "2025-04");
        let a = app
            .answer(&declaratie(
                std,
                "D-0001",
                "DECL1",
                "2025-04",
                &[(c, vec![pr.clone()])],
            ))
            .await;
        assert_eq!(a.code(), std.code(325));
        assert_granted(&a, pr.bedrag());
    }
    app = app.restart().await;
    let a = app
        .answer(&declaratie(
            Std::Iwmo,
            "D-0002",
            "DECL2",
            "2025-05",
            &[(c, vec![Pr::new("R-1", c, "2025-05")])],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["8021"]], 0);
    // A declaratie of which nothing was granted is answered, not forwarded.
    let gemeente = app.inbox(GEMEENTE).await;
    assert_eq!(
        kinds(&gemeente, "bericht"),
        ["JW315", "WMO315", "JW305", "WMO305", "JW323", "WMO323"]
    );
    app.stop().await;
}

// ----- product codes -----

/// A product code outside the product code list (TR381, S329) in a start and a declaratie.
async fn unknown_product_codes(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let c = CLIENT1;
    let mut app = spawn_app(dir.path()).await;
    assert_clean(&app.answer(&verzoek(std, &ids.next("V"), c)).await);
    assert_clean(
        &app.answer(&toewijzing(std, &ids.next("T"), c, &Tw::default()))
            .await,
    );

    // A start of an unknown product: S329 on the StartProduct, and not recorded: the start of
    // the toegewezen product is accepted next (not 9326).
    let xml = start(std, &ids.next("S"), c, BEGIN).replace(
        &format!("<b:Code>{CODE}</b:Code>"),
        &format!("<b:Code>{UNKNOWN_CODE}</b:Code>"),
    );
    let a = app.answer(&valid(xml)).await;
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["0200"]),
            (START1, &["S329"])
        ]),
        "{}",
        a.body
    );
    app = app.restart().await;
    assert_clean(&app.answer(&start(std, &ids.next("S"), c, BEGIN)).await);

    // In a declaratie: not the toewijzing's code (9340), not in the list (S329), no contract
    // tariff (0611); the other prestatie is granted.
    let good = Pr::new("R-1", c, "2025-03");
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL1",
            "2025-04",
            &[(
                c,
                vec![
                    good.clone(),
                    Pr::new("R-2", c, "2025-04").code(UNKNOWN_CODE),
                ],
            )],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["9340", "S329", "0611"]], good.bedrag());
    app.stop().await;
}

#[actix_web::test]
async fn unknown_product_codes_ijw() {
    unknown_product_codes(Std::Ijw).await;
}

#[actix_web::test]
async fn unknown_product_codes_iwmo() {
    unknown_product_codes(Std::Iwmo).await;
}
