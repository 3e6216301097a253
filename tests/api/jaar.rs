//! A slice of the generated year (issue #12) through the real server: every clean message
//! accepted (a declaratie fully granted), every fault answered with its one rule code.

use crate::helpers::spawn_app;
use reqwest::Method;
use sluis_testkit::jaar::{self, Opties};
use std::collections::BTreeMap;

/// The rule codes of a stored message's findings.
fn codes(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["code"].as_str().map(str::to_string))
        .collect()
}

#[actix_web::test]
async fn jaar_slice_is_answered_as_the_standard_prescribes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    let opties = Opties {
        seed: 12,
        clienten: 40,
        jaar: 2026,
        tot_maand: 6,
    };
    let berichten = jaar::genereer(&opties);
    assert!(
        berichten.len() > 150,
        "a slice of some size: {}",
        berichten.len()
    );
    let mut per_code: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut wrong = Vec::new();
    for (i, b) in berichten.iter().enumerate() {
        let reply = app
            .send(
                Method::POST,
                "/api/v1/berichten",
                "application/xml",
                b.xml.clone(),
            )
            .await;
        let (accepted, got) = match (&reply.location, reply.status.is_success()) {
            (Some(loc), true) => {
                let (_, stored) = app.get_json(loc).await;
                (stored["accepted"] == true, codes(&stored["findings"]))
            }
            _ => (false, reply.codes()),
        };
        let verwacht = b.verwacht.as_str();
        let ok = jaar::klopt(verwacht, accepted, &got);
        let e = per_code.entry(verwacht).or_default();
        e.0 += 1;
        if ok {
            e.1 += 1;
        } else {
            wrong.push(format!(
                "{}: verwacht {verwacht}, kreeg {:?} ({})",
                jaar::bestandsnaam(i, b),
                got,
                reply.status
            ));
        }
    }
    app.stop().await;
    assert!(per_code.len() > 5, "faults of several kinds: {per_code:?}");
    assert!(wrong.is_empty(), "{per_code:?}\n{}", wrong.join("\n"));
}
