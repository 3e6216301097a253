//! Every fixture in `fixtures/`: valid ones pass the structure and every in-message rule and
//! convert losslessly, invalid ones fail at the path `expected.json` names. Needs nothing outside
//! the repository.

use sluis::{parse, validate, write, Format, Limits};
use std::path::{Path, PathBuf};

fn dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for std in ["ijw-3.2", "iwmo-3.2"] {
        for entry in std::fs::read_dir(root.join(std)).expect("fixtures folder") {
            out.push(entry.expect("entry").path());
        }
    }
    out.sort();
    out
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == ext));
    v.sort();
    v
}

fn load(p: &Path) -> sluis::Parsed {
    let bytes = std::fs::read(p).expect("reads");
    parse(&bytes, &Limits::default()).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn every_message_type_has_enough_fixtures() {
    let all = dirs();
    assert_eq!(all.len(), 28, "one folder per message type");
    for d in all {
        assert!(files(&d.join("valid"), "xml").len() >= 3, "{}", d.display());
        assert!(
            files(&d.join("invalid"), "xml").len() >= 5,
            "{}",
            d.display()
        );
    }
}

#[test]
fn valid_fixtures_pass_and_round_trip() {
    let mut failures = Vec::new();
    for d in dirs() {
        for xml in files(&d.join("valid"), "xml") {
            let p = load(&xml);
            let doc = &p.structured.document;
            if !p.structured.findings.is_empty() {
                failures.push(format!("{}: {:?}", xml.display(), p.structured.findings));
                continue;
            }
            let code = d.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if doc.code() != code {
                failures.push(format!("{}: read as {}", xml.display(), doc.code()));
            }
            let json_path = xml.with_extension("json");
            if json_path.exists() && &load(&json_path).structured.document != doc {
                failures.push(format!("{}: XML and JSON forms differ", xml.display()));
            }
            let json = write(doc, Format::Json);
            let via_json = load_str(&json);
            let xml_again = write(&via_json, Format::Xml);
            if &via_json != doc || &load_str(&xml_again) != doc {
                failures.push(format!("{}: XML -> JSON -> XML changed it", xml.display()));
            }
            if write(&load_str(&xml_again), Format::Json) != json {
                failures.push(format!("{}: JSON -> XML -> JSON changed it", xml.display()));
            }
            let schema_says =
                sluis::codec::json::schema_findings(doc.schema, &sluis::codec::json::to_value(doc));
            if !schema_says.is_empty() {
                failures.push(format!(
                    "{}: JSON Schema disagrees: {schema_says:?}",
                    xml.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// "Valid" means valid as a whole: no XSD finding and no finding of any rule (TR/CD/CS), in
/// both forms. A failure names the file and the codes, then every finding.
#[test]
fn valid_fixtures_break_no_rule() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for d in dirs() {
        let valid = d.join("valid");
        for file in files(&valid, "xml")
            .into_iter()
            .chain(files(&valid, "json"))
        {
            let bytes = std::fs::read(&file).expect("reads");
            let verdict = validate(&bytes, &Limits::default())
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            checked += 1;
            if verdict.is_valid() {
                continue;
            }
            let mut codes: Vec<&str> = verdict.findings.iter().map(|f| f.code).collect();
            codes.sort_unstable();
            codes.dedup();
            let details: Vec<String> = verdict
                .findings
                .iter()
                .map(|f| format!("{} {}: {}", f.code, f.path, f.message))
                .collect();
            failures.push(format!(
                "{} breaks {}\n    {}",
                file.display(),
                codes.join(", "),
                details.join("\n    ")
            ));
        }
    }
    assert!(checked >= 28 * 6, "only {checked} valid fixtures found");
    assert!(
        failures.is_empty(),
        "{} valid fixture(s) with findings:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn load_str(s: &str) -> sluis::Document {
    let p = parse(s.as_bytes(), &Limits::default()).expect("readable");
    assert!(
        p.structured.findings.is_empty(),
        "{:?}",
        p.structured.findings
    );
    p.structured.document
}

#[test]
fn invalid_fixtures_fail_where_expected() {
    let mut failures = Vec::new();
    for d in dirs() {
        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(d.join("invalid/expected.json")).expect("expected.json"),
        )
        .expect("JSON");
        for xml in files(&d.join("invalid"), "xml") {
            let name = xml.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let Some(path) = expected[name].as_str() else {
                failures.push(format!("{}: not in expected.json", xml.display()));
                continue;
            };
            let p = load(&xml);
            let hit = p
                .structured
                .findings
                .iter()
                .any(|f| f.code == "XSD" && f.path == path);
            if !hit {
                failures.push(format!(
                    "{}: no XSD finding at {path}: {:?}",
                    xml.display(),
                    p.structured.findings
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
