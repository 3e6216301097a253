//! The `sluis` command line, run as a real process.

use crate::samples::{jw305_with, JW305};
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
        // The stylesheet checks TR302 on JW301's own elements only, not in the JW302 retour.
        serde_json::json!(["JW301", "WMO301"])
    );
    assert!(tr302["description"].as_str().is_some_and(|d| !d.is_empty()));

    let out = sluis(&["rules"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l.starts_with("TR377  0001  JW319  ")),
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

// ----- tokens and the audit, on the store of a stopped gateway -----

/// `sluis <args> --data-dir <dir>` with the demo configuration; stdout and the exit code.
fn offline(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all: Vec<&str> = args.to_vec();
    let d = dir.to_str().expect("utf-8 path");
    all.extend(["--config", "config/sluis.toml", "--data-dir", d]);
    let out = sluis(&all);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn open_store(dir: &Path) -> sluis::store::Store {
    sluis::store::Store::open(dir, std::time::Duration::from_millis(2)).expect("store opens")
}

/// Append `n` events through the library, then close the store (and its lock).
fn append_events(dir: &Path, n: usize) {
    use sluis::security::audit::{Action, AuditLog, Event, Object, Outcome};
    let store = open_store(dir);
    let log = AuditLog::new(store.open_tree("audit").expect("tree")).expect("log");
    for i in 0..n {
        log.append(Event {
            actor: format!("token:demo-team-noord-{i}"),
            role: Some(sluis::security::access::Role::Gebiedsteam),
            on_behalf_of: None,
            action: Action::Read,
            object: Object::new("doelbereik", Some("noord")),
            client: None,
            outcome: Outcome::Success,
            source: Some("127.0.0.1".into()),
            detail: None,
        })
        .expect("appended");
    }
    store
        .open_tree("audit")
        .expect("tree")
        .flush()
        .expect("flushed");
}

/// The raw audit tree, to tamper with as someone with access to the files could.
fn with_audit_tree(dir: &Path, f: impl FnOnce(&sled::Tree)) {
    let store = open_store(dir);
    let tree = store.open_tree("audit").expect("tree");
    f(&tree);
    tree.flush().expect("flushed");
}

fn entry_key(seq: u64) -> Vec<u8> {
    [&b"e"[..], &seq.to_be_bytes()].concat()
}

#[test]
fn token_create_list_revoke_and_hash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, secret, err) = offline(
        dir.path(),
        &[
            "token",
            "create",
            "--role",
            "aanbieder",
            "--party",
            "12345678",
            "--label",
            "De Brug, koppeling",
            "--expires",
            "2099-01-01T00:00:00Z",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    let secret = secret.trim().to_string();
    assert!(secret.starts_with("sluis_"), "{secret}");
    let id = secret
        .strip_prefix("sluis_")
        .and_then(|r| r.split('_').next())
        .expect("an id")
        .to_string();
    assert!(err.contains("only once"), "{err}");

    // Listed (configured demo tokens first), without secret or hash.
    let (code, listed, _) = offline(dir.path(), &["token", "list", "--format", "json"]);
    assert_eq!(code, Some(0));
    assert!(!listed.contains(&secret[secret.len() - 64..]), "no secret");
    let v: serde_json::Value = serde_json::from_str(&listed).expect("json");
    let mine = v
        .as_array()
        .expect("array")
        .iter()
        .find(|t| t["id"] == id.as_str())
        .cloned()
        .expect("the new token is listed");
    assert_eq!(mine["role"], "aanbieder");
    assert_eq!(mine["scope"]["party"], "12345678");
    assert_eq!(mine["label"], "De Brug, koppeling");
    assert_eq!(mine["source"], "store");
    assert!(mine["revoked"].is_null());
    assert!(v
        .as_array()
        .expect("array")
        .iter()
        .any(|t| t["id"] == "demo-operator"));
    let (_, text, _) = offline(dir.path(), &["token", "list"]);
    assert!(
        text.contains(&id) && text.contains("party=12345678"),
        "{text}"
    );

    // Valid as stored on disk, until revoked.
    {
        let store = open_store(dir.path());
        let tokens =
            sluis::security::tokens::TokenStore::new(store.open_tree("tokens").expect("tree"), &[])
                .expect("tokens");
        let p = tokens.authenticate(&secret).expect("valid");
        assert_eq!(p.party.as_deref(), Some("12345678"));
    }
    let (code, out, err) = offline(dir.path(), &["token", "revoke", &id]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("revoked"), "{out}");
    let (_, listed, _) = offline(dir.path(), &["token", "list", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&listed).expect("json");
    assert!(v
        .as_array()
        .expect("array")
        .iter()
        .any(|t| t["id"] == id.as_str() && t["revoked"].is_string()));
    {
        let store = open_store(dir.path());
        let tokens =
            sluis::security::tokens::TokenStore::new(store.open_tree("tokens").expect("tree"), &[])
                .expect("tokens");
        assert!(matches!(
            tokens.authenticate(&secret),
            Err(sluis::security::tokens::TokenError::Revoked(_))
        ));
    }
    // Unknown ids, configured tokens and scopes that do not fit the role are refused.
    assert_eq!(
        offline(dir.path(), &["token", "revoke", "ffffffffffffffff"]).0,
        Some(1)
    );
    assert_eq!(
        offline(dir.path(), &["token", "revoke", "demo-operator"]).0,
        Some(2)
    );
    let (code, _, err) = offline(
        dir.path(),
        &["token", "create", "--role", "aanbieder", "--label", "x"],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("AGB"), "{err}");
    assert_eq!(
        offline(
            dir.path(),
            &["token", "create", "--role", "koning", "--label", "x"]
        )
        .0,
        Some(2)
    );

    // The hash for the configuration, as the library computes it; from stdin as well.
    let out = sluis(&["token", "hash", &secret]);
    assert_eq!(out.status.code(), Some(0));
    let hash = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(
        Some(hash.clone()),
        sluis::security::tokens::token_hash(&secret)
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_sluis"))
        .args(["token", "hash"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        writeln!(stdin, "{secret}").expect("written");
    }
    let out = child.wait_with_output().expect("ends");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), hash);
    assert_eq!(
        sluis(&["token", "hash", "geen-token"]).status.code(),
        Some(1)
    );

    // Creating and revoking is in the audit.
    let (code, csv, _) = offline(dir.path(), &["audit", "export", "--format", "csv"]);
    assert_eq!(code, Some(0));
    assert!(csv.contains(&format!("token_create,token,{id}")), "{csv}");
    assert!(csv.contains(&format!("token_revoke,token,{id}")), "{csv}");
}

#[test]
fn audit_verify_head_and_export_on_an_empty_and_a_small_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A directory without a store is refused (operations.rs); an empty store is not.
    let (code, _, err) = offline(dir.path(), &["audit", "verify"]);
    assert_eq!(code, Some(2), "{err}");
    drop(open_store(dir.path()));
    let (code, out, err) = offline(dir.path(), &["audit", "verify"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("intact: 0 entries"), "{out}");

    // The verification itself is entry 1; three reads follow.
    append_events(dir.path(), 3);
    let (code, out, err) = offline(dir.path(), &["audit", "verify"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("intact: 4 entries, head seq 4"), "{out}");

    let (code, head, _) = offline(dir.path(), &["audit", "head"]);
    assert_eq!(code, Some(0));
    let h: serde_json::Value = serde_json::from_str(head.trim()).expect("head json");
    assert_eq!(h["seq"], 5, "the second verification is entry 5");
    assert_eq!(h["hash"].as_str().map(str::len), Some(64));
    let (code, out, err) = offline(dir.path(), &["audit", "verify", "--anchor", head.trim()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("intact: 5 entries"), "{out}");
    // A made-up anchor: the log was "rewritten".
    let forged = format!(r#"{{"seq":2,"hash":"{}"}}"#, "ab".repeat(32));
    let (code, out, _) = offline(dir.path(), &["audit", "verify", "--anchor", &forged]);
    assert_eq!(code, Some(1));
    assert!(out.contains("seq 2") && out.contains("anchor"), "{out}");
    let forged = format!("2:{}", "ab".repeat(32));
    let (code, out, _) = offline(dir.path(), &["audit", "verify", "--anchor", &forged]);
    assert_eq!(code, Some(1), "SEQ:HASH as well");
    assert!(out.contains("seq 2"), "{out}");

    let (code, lines, _) = offline(dir.path(), &["audit", "export", "--format", "jsonl"]);
    assert_eq!(code, Some(0));
    let entries: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(entries.len(), 8);
    assert_eq!(entries[0]["action"], "verify");
    assert_eq!(entries[1]["actor"], "token:demo-team-noord-0");
    let (_, csv, _) = offline(dir.path(), &["audit", "export", "--format", "csv"]);
    assert!(csv.starts_with("seq,timestamp,actor,"), "{csv}");
    assert_eq!(csv.lines().count(), 1 + 9, "header and every entry so far");
    // Nothing before 2000.
    let (code, none, _) = offline(
        dir.path(),
        &[
            "audit",
            "export",
            "--format",
            "jsonl",
            "--tot",
            "1999-12-31",
        ],
    );
    assert_eq!(code, Some(0));
    assert!(none.is_empty(), "{none}");
}

#[test]
fn audit_verify_names_the_entry_changed_or_removed_in_the_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    append_events(dir.path(), 5);
    assert_eq!(offline(dir.path(), &["audit", "verify"]).0, Some(0));

    // Someone with access to the files changes who read entry 3.
    with_audit_tree(dir.path(), |tree| {
        let old = tree.get(entry_key(3)).expect("read").expect("entry 3");
        let text = String::from_utf8(old.to_vec()).expect("json");
        let changed = text.replace("demo-team-noord-2", "demo-team-noord-9");
        assert_ne!(text, changed);
        tree.insert(entry_key(3), changed.as_bytes())
            .expect("written");
    });
    let (code, out, err) = offline(dir.path(), &["audit", "verify"]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("broken at seq 3"), "{out}");
    assert!(err.contains("seq 3"), "{err}");

    // And in another log an entry removed.
    let other = tempfile::tempdir().expect("tempdir");
    append_events(other.path(), 5);
    with_audit_tree(other.path(), |tree| {
        tree.remove(entry_key(2))
            .expect("removed")
            .expect("was there");
    });
    let (code, out, _) = offline(other.path(), &["audit", "verify"]);
    assert_eq!(code, Some(1));
    assert!(out.contains("broken at seq 2"), "{out}");
}

#[test]
fn key_create_writes_a_private_key_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sluis.key");
    let p = path.to_str().expect("path");
    let out = sluis(&["key-create", p]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let keys = sluis::security::crypto::Keys::load(&path).expect("a loadable key");
    assert_eq!(keys.current_id(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let before = std::fs::read(&path).expect("key");
    let again = sluis(&["key-create", p]);
    assert_eq!(again.status.code(), Some(1), "never overwrites");
    assert_eq!(std::fs::read(&path).expect("key"), before);
    let text = String::from_utf8_lossy(&again.stderr);
    assert!(
        !text.contains(std::str::from_utf8(&before).expect("text").trim()),
        "no key material in the error"
    );
}
