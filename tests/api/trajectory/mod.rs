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
        // Receivers get Sluis's own serialisation of what it judged, not the bytes as received.
        let canonical = sluis_core::intake::read(xml.as_bytes(), None, &sluis::Limits::default())
            .expect("reads")
            .canonical;
        assert_eq!(
            app.inbox_xml(ontvanger, "bericht", a.id()).await.as_deref(),
            Some(canonical.as_str()),
            "the message as Sluis writes it"
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

mod declaraties;
mod versions;
#[allow(unused_imports)]
use declaraties::*;
#[allow(unused_imports)]
use versions::*;
