//! The standard's in-message rules against `fixtures/rules/<RULE>/`: every fail file gives the
//! rule's finding at the path `expected.json` names, every pass file is valid, every rule of
//! the registry has both, and `docs/rules.md` lists exactly the registry.

use sluis::validate::rules::{markdown_table, rule, RULES};
use sluis::{validate, Limits, Verdict};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("rules")
}

fn verdict(p: &Path) -> Verdict {
    let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    validate(&bytes, &Limits::default()).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn xml_files(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| {
        p.extension().is_some_and(|e| e == "xml")
            && p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix))
    });
    v.sort();
    v
}

fn expected(dir: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(dir.join("expected.json"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let v: serde_json::Value = serde_json::from_str(&text).expect("expected.json is JSON");
    v["fail"]
        .as_object()
        .expect("fail map")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("path").to_string()))
        .collect()
}

fn summary(v: &Verdict) -> String {
    v.findings
        .iter()
        .map(|f| format!("{} {} {}", f.code, f.path, f.message))
        .collect::<Vec<_>>()
        .join("\n    ")
}

#[test]
fn fail_fixtures_give_their_rule_at_the_expected_path() {
    let mut failures = Vec::new();
    for r in RULES {
        let dir = root().join(r.code);
        let exp = expected(&dir);
        for file in xml_files(&dir, "fail-") {
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let Some(path) = exp.get(name) else {
                failures.push(format!("{}: {name} is not in expected.json", r.code));
                continue;
            };
            let v = verdict(&file);
            if v.findings.iter().any(|f| f.code == "XSD") {
                failures.push(format!(
                    "{}: {name} has XSD errors:\n    {}",
                    r.code,
                    summary(&v)
                ));
            }
            if !v
                .findings
                .iter()
                .any(|f| f.code == r.code && &f.path == path)
            {
                failures.push(format!(
                    "{}: {name} should violate {} at {path}; found:\n    {}",
                    r.code,
                    r.code,
                    summary(&v)
                ));
            }
            if v.is_valid() {
                failures.push(format!("{}: {name} is judged valid", r.code));
            }
        }
        for name in exp.keys() {
            if !dir.join(name).exists() {
                failures.push(format!("{}: expected.json names missing {name}", r.code));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn pass_fixtures_are_valid() {
    let mut failures = Vec::new();
    for r in RULES {
        for file in xml_files(&root().join(r.code), "pass-") {
            let v = verdict(&file);
            if v.findings.iter().any(|f| f.code == r.code) {
                failures.push(format!(
                    "{}: {} must not violate {}:\n    {}",
                    r.code,
                    file.display(),
                    r.code,
                    summary(&v)
                ));
            } else if !v.is_valid() {
                failures.push(format!(
                    "{}: {} has other findings:\n    {}",
                    r.code,
                    file.display(),
                    summary(&v)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_fixtures_and_every_fixture_folder_a_rule() {
    let mut failures = Vec::new();
    for r in RULES {
        let dir = root().join(r.code);
        if xml_files(&dir, "fail-").is_empty() {
            failures.push(format!("{}: no fail fixture in {}", r.code, dir.display()));
        }
        if xml_files(&dir, "pass-").is_empty() {
            failures.push(format!("{}: no pass fixture in {}", r.code, dir.display()));
        }
    }
    for entry in std::fs::read_dir(root()).expect("fixtures/rules") {
        let p = entry.expect("entry").path();
        if p.is_dir() {
            let code = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if rule(code).is_none() {
                failures.push(format!(
                    "{code}: fixtures for a rule that is not in the registry"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn registry_is_sorted_unique_and_complete() {
    let codes: Vec<&str> = RULES.iter().map(|r| r.code).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(codes, sorted, "registry sorted by code, each code once");
    for r in RULES {
        assert_eq!(r.code.len(), 5, "{}", r.code);
        assert!(!r.description.is_empty(), "{}", r.code);
        assert!(!r.message_codes().is_empty(), "{}", r.code);
        assert_eq!(r.retourcode, Some("0001"), "{}", r.code);
    }
    assert_eq!(
        rule("TR377").map(|r| r.message_codes()),
        Some(vec!["JW319".to_string()])
    );
    assert_eq!(
        rule("TR302").map(|r| r.message_codes()),
        Some(vec!["JW301".to_string(), "WMO301".to_string()])
    );
}

#[test]
fn docs_rule_table_is_the_registry() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md"))
        .expect("docs/rules.md");
    let table = markdown_table();
    assert!(
        doc.contains(&table),
        "docs/rules.md is out of date; regenerate its table with `sluis rules --format markdown`:\n{table}"
    );
}

#[test]
fn no_finding_shows_a_bsn() {
    let mut failures = Vec::new();
    for r in RULES {
        for file in xml_files(&root().join(r.code), "") {
            let text = std::fs::read_to_string(&file).expect("reads");
            let bsns: Vec<&str> = text
                .split("Bsn>")
                .skip(1)
                .filter_map(|s| s.get(..9))
                .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
                .collect();
            for f in verdict(&file).findings {
                if bsns
                    .iter()
                    .any(|b| f.message.contains(b) || f.path.contains(b))
                {
                    failures.push(format!("{}: {} shows a BSN", file.display(), f.code));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn base(name: &str) -> String {
    std::fs::read_to_string(root().join(name)).expect("fixture")
}

#[test]
fn a_structural_error_stops_only_the_rules_that_need_that_element() {
    // CS336's fixture, with an impossible Einddatum: the XSD finding comes first, RedenWijziging
    // 01 is still reported, and the invalid date does not make CS003 or TR302 guess.
    let text = base("CS336/fail-administratieve-correctie-wmo301.xml").replacen(
        "<wmo301:Einddatum>2026-06-30</wmo301:Einddatum>",
        "<wmo301:Einddatum>2026-02-30</wmo301:Einddatum>",
        1,
    );
    let v = validate(text.as_bytes(), &Limits::default()).expect("readable");
    let codes: Vec<&str> = v.findings.iter().map(|f| f.code).collect();
    assert_eq!(codes, ["XSD", "CS336"], "{}", summary(&v));
    assert!(!v.is_valid());
}

#[test]
fn a_missing_input_does_not_fire_a_rule() {
    // Without Dagtekening (an XSD error) no rule compares against it.
    let text = base("TR134/fail-toewijzingsdatum-na-dagtekening-jw301.xml").replacen(
        "<ijw:Dagtekening>2026-05-04</ijw:Dagtekening>",
        "",
        1,
    );
    let v = validate(text.as_bytes(), &Limits::default()).expect("readable");
    assert!(
        v.findings.iter().all(|f| f.code == "XSD"),
        "{}",
        summary(&v)
    );
}

#[test]
fn messages_say_what_was_found() {
    let v = verdict(&root().join("CS003/fail-einde-voor-ingang-jw301.xml"));
    let f = v
        .findings
        .iter()
        .find(|f| f.code == "CS003")
        .expect("CS003 finding");
    assert_eq!(
        f.message,
        "Einddatum 2025-12-31 ligt voor Ingangsdatum 2026-01-01"
    );
    assert_eq!(f.retourcode, Some("0001"));
    let json = serde_json::to_value(f).expect("serializes");
    assert_eq!(json["code"], "CS003");
    assert_eq!(json["retourcode"], "0001");
}

#[test]
fn the_json_form_gets_the_same_rule_findings() {
    let mut failures = Vec::new();
    for r in RULES {
        for file in xml_files(&root().join(r.code), "") {
            let v = verdict(&file);
            let json = sluis::write(&v.document, sluis::Format::Json);
            let from_json = validate(json.as_bytes(), &Limits::default())
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            if from_json.findings != v.findings {
                failures.push(format!(
                    "{}: {} as JSON:\n    {}\nas XML:\n    {}",
                    r.code,
                    file.display(),
                    summary(&from_json),
                    summary(&v)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn constraints_left_to_the_xsd_are_reported_as_xsd() {
    // CS015 (BerichtSubversie 2), CS025 (BerichtVersie 3) and CS319 (DeclaratieNummer only
    // letters and digits) are not registered: the XSD enforces them completely.
    let mut failures = Vec::new();
    for (file, p) in [
        ("CS100/pass-januari-2021-jw323.xml", "jw323"),
        ("CS100/pass-januari-2021-wmo323.xml", "wmo323"),
    ] {
        let text = base(file);
        assert!(validate(text.as_bytes(), &Limits::default())
            .expect("readable")
            .is_valid());
        for (element, from, to) in [
            ("BerichtSubversie", "2", "1"),
            ("BerichtVersie", "3", "03"),
            ("DeclaratieNummer", "DECL0001", "DECL-0001"),
        ] {
            let changed = text.replacen(
                &format!("<{p}:{element}>{from}</{p}:{element}>"),
                &format!("<{p}:{element}>{to}</{p}:{element}>"),
                1,
            );
            assert_ne!(changed, text, "{file}: {element} not found");
            let v = validate(changed.as_bytes(), &Limits::default()).expect("readable");
            if !v
                .findings
                .iter()
                .any(|f| f.code == "XSD" && f.path.ends_with(element))
            {
                failures.push(format!("{file}: {element} {to}: {}", summary(&v)));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
