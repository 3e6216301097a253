//! `sluis import DIR`: an archive loaded as history into a stopped gateway's store, in order of
//! Dagtekening, without retourberichten or inbox entries; a report of what was not placed.

use crate::helpers::{settings, spawn_app_with};
use crate::scenario::history::{
    declaratie, start, toewijzing_with, Head, Lev, Pr, Std, Tw, AANBIEDER, BSN1, BSN2, GEMEENTE,
};
use reqwest::StatusCode;
use std::process::Command;

#[actix_web::test]
async fn an_archive_is_loaded_as_history_without_deliveries() {
    let archive = tempfile::tempdir().expect("tempdir");
    let data = tempfile::tempdir().expect("tempdir");
    let put = |name: &str, body: &[u8]| {
        let path = archive.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(path, body).expect("writes");
    };
    // The toewijzing's file name sorts last, its Dagtekening first: the order is the header's.
    let head = Head::new("T1", "2026-05-01", GEMEENTE, AANBIEDER);
    put(
        "z-toewijzing.xml",
        toewijzing_with(Std::Ijw, &head, BSN1, &[Tw::new(Std::Ijw, "7001")]).as_bytes(),
    );
    put(
        "2026/a-start.xml",
        start(Std::Ijw, "S1", BSN1, &[Lev::new("7001")]).as_bytes(),
    );
    put(
        "2026/b-declaratie.xml",
        declaratie(
            Std::Ijw,
            "D1",
            "D1",
            "2026-04",
            &[(
                BSN1,
                vec![Pr::new(Std::Ijw, "R1", "7001").with_bedrag(2500, 12 * 2500)],
            )],
        )
        .as_bytes(),
    );
    put("kapot.xml", b"<a><b></a>");
    put(
        "onbekend.xml",
        start(Std::Ijw, "S2", BSN2, &[Lev::new("7999")]).as_bytes(),
    );
    put("leesmij.txt", b"not a message, not imported");
    let rapport = archive.path().join("rapport.csv");

    let out = Command::new(env!("CARGO_BIN_EXE_sluis"))
        .args([
            "import",
            archive.path().to_str().expect("utf-8"),
            "--config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/config/sluis.toml"),
            "--data-dir",
            data.path().to_str().expect("utf-8"),
            "--rapport",
            rapport.to_str().expect("utf-8"),
        ])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report = std::fs::read_to_string(&rapport).unwrap_or_default();
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("gelezen 5, geplaatst 3, afgekeurd 1, onleesbaar 1"),
        "{stdout}\n{stderr}\n{report}"
    );
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 3, "{report}");
    assert_eq!(lines[0], "file,bericht,identificatie,outcome,codes");
    assert_eq!(lines[1], "kapot.xml,,,onleesbaar,READ");
    assert!(
        lines[2].starts_with("onbekend.xml,JW305,S2,afgekeurd,TR"),
        "{report}"
    );
    assert!(!report.contains(BSN1) && !report.contains(BSN2), "no BSN");

    let app = spawn_app_with(settings(data.path())).await;
    // The run is in the audit: who imported, and what came of it (no file names, no BSN).
    let entries = app
        .audit
        .query(&Default::default(), 0, 1000)
        .expect("audit reads");
    let import: Vec<_> = entries
        .iter()
        .filter(|e| e.object.kind == "import")
        .collect();
    assert_eq!(import.len(), 1, "{entries:?}");
    assert_eq!(
        import[0].detail.as_deref(),
        Some("gelezen 5, geplaatst 3, afgekeurd 1, onleesbaar 1")
    );
    assert!(app.audit.verify().is_ok(), "the chain holds");
    let (status, v) = app.get_json("/api/v1/toewijzingen/7001").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["items"][0]["aanbieder"], AANBIEDER);
    assert_eq!(v["items"][0]["gestart"], true, "{v}");
    assert_eq!(
        app.get_json("/api/v1/toewijzingen/7999").await.0,
        StatusCode::NOT_FOUND
    );
    for party in [GEMEENTE, AANBIEDER] {
        let (_, inbox) = app.get_json(&format!("/api/v1/inbox/{party}")).await;
        assert_eq!(
            inbox["items"].as_array().map(Vec::len),
            Some(0),
            "nothing delivered to {party}: {inbox}"
        );
    }
    app.stop().await;
}
