//! The `sluis` command line, run as a real process.

mod common;
use common::{jw305_with, JW305};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sluis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sluis"))
        .args(args)
        .output()
        .expect("runs")
}

fn write(dir: &Path, name: &str, body: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).expect("writes");
    p
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn validate_reports_per_file_and_sets_the_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = write(dir.path(), "good.xml", JW305.as_bytes());
    let bad = write(
        dir.path(),
        "bad.xml",
        jw305_with("<s:Geslacht>2</s:Geslacht>", "<s:Geslacht>9</s:Geslacht>").as_bytes(),
    );
    let junk = write(dir.path(), "junk.xml", b"<a><b></a>");

    let out = sluis(&["validate", "--format", "json", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["bericht"], "JW305");
    assert_eq!(v["valid"], true);
    assert_eq!(v["errors"], serde_json::json!([]));
    assert_eq!(v["file"], good.to_str().unwrap());

    let out = sluis(&["validate", "--format", "json", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["valid"], false);
    assert_eq!(v["errors"][0]["code"], "XSD");
    assert_eq!(v["errors"][0]["path"], "/Bericht/Client/Geslacht");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("'9'"));

    let out = sluis(&[
        "validate",
        "--format",
        "json",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
        junk.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "an unreadable file wins");
    let v = json(&out);
    let arr = v.as_array().expect("array for several files");
    assert_eq!(arr.len(), 3);
    assert_eq!(arr[2]["bericht"], serde_json::Value::Null);
    assert_eq!(arr[2]["errors"][0]["code"], "READ");

    let out = sluis(&["validate", good.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("JW305 geldig") && text.contains("XSD /Bericht/Client/Geslacht"),
        "{text}"
    );

    let out = sluis(&["validate", dir.path().join("missing.xml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn convert_goes_both_ways_and_refuses_invalid_messages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let xml = write(dir.path(), "m.xml", JW305.as_bytes());
    let out = sluis(&["convert", "--to", "json", xml.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["bericht"], "JW305");
    assert_eq!(v["Client"]["StartProducten"][1]["ToewijzingNummer"], 7002);
    let js = write(dir.path(), "m.json", &out.stdout);
    let out = sluis(&["convert", "--to", "xml", js.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let back = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        back.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<jw305:Bericht xmlns:jw305=")
    );
    assert!(back.contains("<ijw:Achternaam>Jansen &amp; Zn</ijw:Achternaam>"));

    let bad = write(
        dir.path(),
        "bad.xml",
        jw305_with("<s:Geslacht>2</s:Geslacht>", "").as_bytes(),
    );
    let out = sluis(&["convert", "--to", "json", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/Bericht/Client/Geslacht"));
}

#[test]
fn a_huge_file_is_refused_without_reading_it_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("huge.xml");
    let f = std::fs::File::create(&path).expect("creates");
    f.set_len(100 * 1024 * 1024).expect("sparse 100 MB");
    let out = sluis(&["validate", "--format", "json", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("more than the limit"));
    let out = sluis(&["--max-bytes", "100", "validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn validate_reports_rule_errors_with_code_and_retourcode() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The second product starts after the Dagtekening: TR134.
    let late_text = jw305_with(
        "<s:Begindatum>2026-03-09</s:Begindatum>",
        "<s:Begindatum>2026-03-11</s:Begindatum>",
    );
    let late = write(dir.path(), "late.xml", late_text.as_bytes());
    let out = sluis(&["validate", "--format", "json", late.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["valid"], false);
    assert_eq!(v["errors"][0]["code"], "TR134");
    assert_eq!(v["errors"][0]["retourcode"], "0001");
    assert_eq!(
        v["errors"][0]["path"],
        "/Bericht/Client/StartProducten/StartProduct[2]/Begindatum"
    );
    assert_eq!(
        v["errors"][0]["message"],
        "Begindatum 2026-03-11 ligt na Dagtekening 2026-03-10"
    );
    // Structure errors first, then rule errors; neither hides the other.
    let both = write(
        dir.path(),
        "both.xml",
        late_text
            .replacen(
                "<s:Geslacht>2</s:Geslacht>",
                "<s:Geslacht>9</s:Geslacht>",
                1,
            )
            .as_bytes(),
    );
    let out = sluis(&["validate", "--format", "json", both.to_str().unwrap()]);
    let v = json(&out);
    let codes: Vec<&str> = v["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["code"].as_str())
        .collect();
    assert_eq!(codes, ["XSD", "TR134"]);
    assert!(v["errors"][0].get("retourcode").is_none());
}

#[test]
fn rules_lists_the_registry() {
    let out = sluis(&["rules", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let rules = v.as_array().expect("array");
    assert_eq!(rules.len(), sluis::validate::rules::RULES.len());
    let tr302 = rules
        .iter()
        .find(|r| r["code"] == "TR302")
        .expect("TR302 listed");
    assert_eq!(tr302["retourcode"], "0001");
    assert_eq!(
        tr302["messages"],
        serde_json::json!(["JW301", "JW302", "WMO301", "WMO302"])
    );
    assert!(tr302["description"].as_str().is_some_and(|d| !d.is_empty()));

    let out = sluis(&["rules"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("TR377  0001  JW319,JW320  ")),
        "{text}"
    );
    let out = sluis(&["rules", "--format", "markdown"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        sluis::validate::rules::markdown_table()
    );
}

#[test]
fn retour_writes_the_answer_or_says_why_there_is_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    // StatusAanlevering 2 breaks an in-message rule (CS058): rejected with 0001.
    let rejected = JW305.replacen(
        "<s:StatusAanlevering>1</s:StatusAanlevering>",
        "<s:StatusAanlevering>2</s:StatusAanlevering>",
        1,
    );
    let heen = write(dir.path(), "start.xml", rejected.as_bytes());
    let args = |extra: &[&str]| {
        let mut a = vec![
            "retour",
            "--identificatie",
            "RET-7",
            "--dagtekening",
            "2026-03-03",
        ];
        a.extend_from_slice(extra);
        a.push(heen.to_str().unwrap());
        sluis(&a)
    };
    let out = args(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let xml = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        xml.contains("<jw306:BerichtCode>439</jw306:BerichtCode>"),
        "{xml}"
    );
    assert!(xml.contains("<jw306:IdentificatieRetour>RET-7</jw306:IdentificatieRetour>"));
    assert!(xml.contains("<jw306:DagtekeningRetour>2026-03-03</jw306:DagtekeningRetour>"));
    assert!(xml.contains("<jw306:RetourCode>0001</jw306:RetourCode>"));
    let out = args(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["bericht"], "JW306");
    assert_eq!(v["Header"]["RetourCodes"], serde_json::json!(["0001"]));
    // Without options the identificatie is derived from the message: the same on a rerun.
    let once = sluis(&["retour", heen.to_str().unwrap()]);
    let again = sluis(&["retour", heen.to_str().unwrap()]);
    assert_eq!(once.stdout, again.stdout);

    // An XSD-invalid message gets no retourbericht: exit 1 and the reason.
    let bad = write(
        dir.path(),
        "bad.xml",
        jw305_with("<s:Geslacht>2</s:Geslacht>", "").as_bytes(),
    );
    let out = sluis(&["retour", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("XSD") && err.contains("/Bericht/Client/Geslacht"),
        "{err}"
    );
    let out = sluis(&[
        "retour",
        "--dagtekening",
        "2026-02-30",
        heen.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an impossible date is a usage error"
    );
}

#[test]
fn a_closed_pipe_ends_output_without_a_panic() {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_sluis"))
        .args(["rules"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    // Close our end before anything is read, as `| head -0` would.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("ends");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn rules_lists_the_cross_message_rules_on_request() {
    let out = sluis(&["rules", "--set", "historie", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let rows = v.as_array().expect("array");
    assert!(rows.iter().all(|r| r["niveau"] == "historie"));
    assert!(rows
        .iter()
        .any(|r| r["code"] == "TR019" && r["retourcode"] == "9019"));
    let all = json(&sluis(&["rules", "--set", "all", "--format", "json"]));
    let bericht = json(&sluis(&["rules", "--format", "json"]));
    assert_eq!(
        all.as_array().map(Vec::len),
        Some(rows.len() + bericht.as_array().map_or(0, Vec::len))
    );
}
