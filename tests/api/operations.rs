//! The operator's side (docs/operations.md), through the real `sluis` binary where it matters:
//! logs (format, colour, request id, no BSN), metrics, readiness, startup errors that say what
//! to do, demo tokens, and backup under load with restore.

use crate::auth::{self, DemoAuth};
use crate::helpers::{settings, spawn_app, spawn_app_with};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BSN: &str = "999990019";
const JW305: &str = include_str!("../../fixtures/ijw-3.2/JW305/valid/volledig.xml");

fn sluis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sluis"))
        .args(args)
        .output()
        .expect("runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn with_identificatie(id: &str) -> String {
    let at = JW305.find(":Identificatie>").expect("identificatie") + ":Identificatie>".len();
    let len = JW305[at..].find('<').expect("end");
    format!("{}{id}{}", &JW305[..at], &JW305[at + len..])
}

/// `sluis serve` as a process, its standard error collected line by line.
struct Served {
    child: Child,
    base: String,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Served {
    fn start(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Served {
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sluis"));
        cmd.args(["serve", "--config", "config/sluis.toml", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(dir)
            .args(extra)
            .env_remove("SLUIS_LOG_FORMAT")
            .env_remove("RUST_LOG")
            .stderr(Stdio::piped())
            .stdout(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("server starts");
        let stderr = child.stderr.take().expect("stderr");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                sink.lock().expect("lock").push(line);
            }
        });
        let until = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("server ended: {status}: {:?}", lines.lock().expect("lock"));
            }
            assert!(Instant::now() < until, "server did not come up");
            std::thread::sleep(Duration::from_millis(20));
        }
        Served {
            child,
            base: format!("http://127.0.0.1:{port}"),
            lines,
            reader: Some(reader),
        }
    }

    /// Stop with SIGTERM (a graceful stop) and return every line it wrote.
    fn stop(mut self) -> Vec<String> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let until = Instant::now() + Duration::from_secs(30);
        while self.child.try_wait().ok().flatten().is_none() {
            if Instant::now() > until {
                let _ = self.child.kill();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        let lines = self.lines.lock().expect("lock").clone();
        lines
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[actix_web::test]
async fn json_logs_name_the_route_never_the_bsn_and_carry_the_request_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notify_path = dir.path().join("notify.sock");
    let notify = std::os::unix::net::UnixDatagram::bind(&notify_path).expect("notify socket");
    notify
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let data = dir.path().join("data");
    let server = Served::start(
        &data,
        &["--log-format", "json"],
        &[("NOTIFY_SOCKET", notify_path.to_str().expect("utf-8"))],
    );
    let mut buf = [0u8; 256];
    let n = notify.recv(&mut buf).expect("readiness");
    assert!(
        text(&buf[..n]).starts_with("READY=1\n"),
        "{}",
        text(&buf[..n])
    );

    let client = sluis::client::client().expect("client");
    let path = format!("/api/v1/clienten/{BSN}/toewijzingen");
    let r = client
        .get(format!("{}{path}", server.base))
        .header("X-Request-Id", "test-abc-123")
        .bearer_auth(auth::token("demo-gemeente-0599"))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "x-request-id"), "test-abc-123", "echoed");

    // Without a token: a problem that names the request id the header gives.
    let r = client
        .get(format!("{}{path}", server.base))
        .header("X-Request-Id", "x".repeat(65))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 401);
    let made = header(&r, "x-request-id");
    assert_eq!(made.len(), 32, "a long id is replaced, not echoed");
    let problem: serde_json::Value = r.json().await.expect("problem");
    assert_eq!(problem["request_id"], made.as_str());

    // A message: the gateway's own log lines of the request carry its id too.
    let r = client
        .post(format!("{}/api/v1/berichten", server.base))
        .header("Content-Type", "application/xml")
        .header("X-Request-Id", "post-1")
        .body(with_identificatie("LOG-0001"))
        .demo_auth()
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200);

    let r = client
        .get(format!("{}/metrics", server.base))
        .demo_auth()
        .send()
        .await
        .expect("request");
    assert_eq!(
        header(&r, "content-type"),
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let metrics = r.text().await.expect("body");
    assert!(
        metrics.contains(r#"sluis_http_requests_total{method="GET",route="/api/v1/clienten/{bsn}/toewijzingen",status="200"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"sluis_messages_total{bericht="JW305",uitkomst=""#));
    assert!(metrics.contains("sluis_build_info{version=\""));
    assert!(metrics.contains("process_resident_memory_bytes "));
    assert!(!metrics.contains(BSN));

    let lines = server.stop();
    assert!(!lines.is_empty());
    let mut parsed = Vec::new();
    for line in &lines {
        assert!(!line.contains(BSN), "a BSN in the log: {line}");
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        parsed.push(v);
    }
    let request = |id: &str| {
        parsed
            .iter()
            .find(|v| v["fields"]["message"] == "request" && v["span"]["request_id"] == id)
            .cloned()
    };
    let get = request("test-abc-123").expect("the GET's request line");
    assert_eq!(
        get["fields"]["route"],
        "/api/v1/clienten/{bsn}/toewijzingen"
    );
    assert_eq!(get["fields"]["method"], "GET");
    assert_eq!(get["fields"]["status"], 200);
    assert!(get["fields"]["duration_ms"].as_f64().is_some());
    assert_eq!(request(&made).expect("the 401")["fields"]["status"], 401);
    assert!(
        parsed
            .iter()
            .any(|v| v["fields"]["message"] == "stored" && v["span"]["request_id"] == "post-1"),
        "the store's line carries the request id: {lines:?}"
    );
}

#[actix_web::test]
async fn text_logs_have_no_colour_off_a_terminal_and_the_first_start_says_where_to_go() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let first = Served::start(&data, &[], &[]);
    let out = sluis(&["token", "demo", "gemeente"]);
    let token = text(&out.stdout).trim().to_string();
    let r = sluis::client::client()
        .expect("client")
        .get(format!("{}/api/v1/clienten/{BSN}/toewijzingen", first.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200);
    let lines = first.stop().join("\n");
    assert!(!lines.contains('\u{1b}'), "colour codes in a pipe: {lines}");
    assert!(
        lines.contains("Sluis draait op http://127.0.0.1:"),
        "{lines}"
    );
    assert!(
        lines.contains("export TOKEN=$(cargo run -q -- token demo gemeente)"),
        "{lines}"
    );
    assert!(lines.contains("docs/operations.md"), "{lines}");
    assert!(
        lines.contains(r#"route="/api/v1/clienten/{bsn}/toewijzingen" status=200"#),
        "{lines}"
    );
    assert!(lines.contains("request_id="), "{lines}");
    assert!(!lines.contains(BSN), "{lines}");
    let again = Served::start(&data, &[], &[("SLUIS_LOG_FORMAT", "text")]);
    let lines = again.stop().join("\n");
    assert!(
        !lines.contains("Sluis draait op"),
        "only on the first start"
    );
}

#[test]
fn a_port_in_use_is_named_with_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let d = dir.path().to_str().expect("utf-8");
    let out = sluis(&[
        "serve",
        "--config",
        "config/sluis.toml",
        "--data-dir",
        d,
        "--listen",
        &addr,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("address {addr} is already in use")) && err.contains("--listen"),
        "{err}"
    );
}

#[actix_web::test]
async fn a_data_directory_in_use_says_another_sluis_runs_on_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    let d = dir.path().to_str().expect("utf-8").to_string();
    let out = actix_web::rt::task::spawn_blocking(move || {
        let serve = sluis(&[
            "serve",
            "--config",
            "config/sluis.toml",
            "--data-dir",
            &d,
            "--listen",
            "127.0.0.1:0",
        ]);
        let tokens = sluis(&[
            "token",
            "list",
            "--config",
            "config/sluis.toml",
            "--data-dir",
            &d,
        ]);
        (serve, tokens)
    })
    .await
    .expect("ran");
    let (serve, tokens) = out;
    assert_eq!(serve.status.code(), Some(1));
    let err = text(&serve.stderr);
    assert!(err.contains("another Sluis is running on it"), "{err}");
    assert!(err.contains(dir.path().to_str().expect("utf-8")), "{err}");
    assert_eq!(tokens.status.code(), Some(2));
    assert!(
        text(&tokens.stderr).contains("another Sluis is running on it"),
        "{}",
        text(&tokens.stderr)
    );
    app.stop().await;
}

#[test]
fn read_commands_on_a_missing_data_directory_fail_and_create_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nergens");
    let m = missing.to_str().expect("utf-8");
    let file = dir.path().join("b.sluisbak");
    let f = file.to_str().expect("utf-8");
    for args in [
        vec!["audit", "verify"],
        vec!["audit", "head"],
        vec!["audit", "export"],
        vec!["token", "list"],
        vec!["token", "revoke", "abc"],
        vec!["backup", f],
    ] {
        let mut all = args.clone();
        all.extend(["--config", "config/sluis.toml", "--data-dir", m]);
        let out = sluis(&all);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains("there is no Sluis store in"),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(!missing.exists(), "{args:?} created the directory");
        assert!(!file.exists());
    }
}

#[actix_web::test]
async fn token_demo_prints_a_token_the_demo_gateway_takes() {
    let out = sluis(&["token", "demo", "gemeente"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let gemeente = text(&out.stdout).trim().to_string();
    assert_eq!(gemeente, auth::token("demo-gemeente-0599"));
    let out = sluis(&["token", "demo", "aanbieder", "23456789"]);
    assert_eq!(
        text(&out.stdout).trim(),
        auth::token("demo-aanbieder-23456789")
    );
    let out = sluis(&["token", "demo", "gebiedsteam", "zuid"]);
    assert_eq!(text(&out.stdout).trim(), auth::token("demo-team-zuid"));
    let out = sluis(&["token", "demo", "beheerder"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no role"),
        "{}",
        text(&out.stderr)
    );
    let out = sluis(&["token", "demo", "aanbieder", "99999999"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("12345678"),
        "names the ones there are"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    let r = app
        .client
        .get(format!("{}/api/v1/berichten", app.base))
        .header("Authorization", format!("Bearer {gemeente}"))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200);
    app.stop().await;
}

struct Acked {
    location: String,
    identificatie: String,
    at: Instant,
}

#[actix_web::test]
async fn a_backup_under_load_holds_everything_acknowledged_and_restores_with_its_audit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let app = spawn_app_with(settings(&data)).await;
    let acked = Arc::new(Mutex::new(Vec::<Acked>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut posters = Vec::new();
    for c in 0..6 {
        let (client, base, acked, stop) = (
            app.client.clone(),
            app.base.clone(),
            acked.clone(),
            stop.clone(),
        );
        posters.push(actix_web::rt::spawn(async move {
            for n in 0.. {
                if stop.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                let identificatie = format!("BAK{c}{n:05}");
                let Ok(r) = client
                    .post(format!("{base}/api/v1/berichten"))
                    .header("Content-Type", "application/xml")
                    .body(with_identificatie(&identificatie))
                    .demo_auth()
                    .send()
                    .await
                else {
                    continue;
                };
                if r.status() != 200 {
                    continue;
                }
                let location = header(&r, "location");
                if r.bytes().await.is_ok() {
                    acked.lock().expect("lock").push(Acked {
                        location,
                        identificatie,
                        at: Instant::now(),
                    });
                }
            }
        }));
    }
    actix_web::rt::time::sleep(Duration::from_millis(800)).await;
    let file = dir.path().join("sluis.sluisbak");
    let begun = Instant::now();
    let (d, f) = (
        data.to_str().expect("utf-8").to_string(),
        file.to_str().expect("utf-8").to_string(),
    );
    let backup = actix_web::rt::task::spawn_blocking(move || {
        sluis(&[
            "backup",
            "--config",
            "config/sluis.toml",
            "--data-dir",
            &d,
            &f,
        ])
    })
    .await
    .expect("ran");
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for p in posters {
        p.await.expect("poster");
    }
    app.stop().await;
    assert_eq!(backup.status.code(), Some(0), "{}", text(&backup.stderr));
    assert!(
        text(&backup.stdout).contains("van een draaiende gateway"),
        "taken from the running gateway: {}",
        text(&backup.stdout)
    );
    let acked = std::mem::take(&mut *acked.lock().expect("lock"));
    let before: Vec<&Acked> = acked.iter().filter(|a| a.at < begun).collect();
    assert!(
        before.len() >= 20,
        "load before the backup: {}",
        before.len()
    );
    assert!(
        acked.iter().any(|a| a.at > begun),
        "posting went on during and after the backup"
    );

    // A stopped gateway is backed up from its store; both backups are in its audit log.
    let (d, f2) = (
        data.to_str().expect("utf-8").to_string(),
        dir.path().join("stopped.sluisbak"),
    );
    let f2s = f2.to_str().expect("utf-8").to_string();
    let (stopped, exported) = actix_web::rt::task::spawn_blocking(move || {
        let b = sluis(&[
            "backup",
            "--config",
            "config/sluis.toml",
            "--data-dir",
            &d,
            &f2s,
        ]);
        let e = sluis(&[
            "audit",
            "export",
            "--format",
            "jsonl",
            "--config",
            "config/sluis.toml",
            "--data-dir",
            &d,
        ]);
        (b, e)
    })
    .await
    .expect("ran");
    assert_eq!(stopped.status.code(), Some(0), "{}", text(&stopped.stderr));
    assert!(text(&stopped.stdout).contains("van een gestopte gateway"));
    let backups = text(&exported.stdout)
        .lines()
        .filter(|l| l.contains(r#""object_type":"backup""#) || l.contains("back-up:"))
        .count();
    assert_eq!(backups, 2, "{}", text(&exported.stdout));

    let restored = dir.path().join("restored");
    let key = data.join("sluis.key");
    let (r, f, k) = (
        restored.to_str().expect("utf-8").to_string(),
        file.to_str().expect("utf-8").to_string(),
        key.to_str().expect("utf-8").to_string(),
    );
    let out = actix_web::rt::task::spawn_blocking(move || {
        sluis(&[
            "restore",
            "--config",
            "config/sluis.toml",
            "--data-dir",
            &r,
            "--key",
            &k,
            &f,
        ])
    })
    .await
    .expect("ran");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("auditlog intact"), "{said}");
    assert!(said.contains("trajecten leesbaar"), "{said}");

    let app = spawn_app_with(settings(&restored)).await;
    for a in &before {
        let r = app
            .client
            .get(format!("{}{}", app.base, a.location))
            .demo_auth()
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), 200, "{} lost", a.location);
        let body = r.text().await.expect("body");
        assert!(
            body.contains(&a.identificatie),
            "{} is another message",
            a.location
        );
    }
    // New ids continue after the restored ones: nothing is overwritten.
    let highest = before
        .iter()
        .filter_map(|a| a.location.rsplit('/').next()?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    let r = app
        .client
        .post(format!("{}/api/v1/berichten", app.base))
        .header("Content-Type", "application/xml")
        .body(with_identificatie("NA-HERSTEL-1"))
        .demo_auth()
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200);
    let id: u64 = header(&r, "location")
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("an id");
    assert!(id > highest, "a new id {id} after {highest} restored");
    app.stop().await;

    let r = restored.to_str().expect("utf-8").to_string();
    let verify = actix_web::rt::task::spawn_blocking(move || {
        sluis(&[
            "audit",
            "verify",
            "--config",
            "config/sluis.toml",
            "--data-dir",
            &r,
        ])
    })
    .await
    .expect("ran");
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify.stderr));

    // A damaged backup is refused before anything is written.
    let mut bytes = std::fs::read(&file).expect("read");
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    let damaged = dir.path().join("damaged.sluisbak");
    std::fs::write(&damaged, bytes).expect("write");
    let elsewhere = dir.path().join("elsewhere");
    let out = sluis(&[
        "restore",
        "--config",
        "config/sluis.toml",
        "--data-dir",
        elsewhere.to_str().expect("utf-8"),
        damaged.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!elsewhere.exists(), "nothing written for a damaged backup");
}

#[actix_web::test]
async fn health_says_whether_a_gateway_is_ready() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    let base = app.base.clone();
    let (ready, insecure_far, nobody) = actix_web::rt::task::spawn_blocking(move || {
        (
            sluis(&["health", "--url", &base]),
            sluis(&["health", "--url", "https://example.org", "--insecure"]),
            sluis(&["health", "--url", "http://127.0.0.1:1", "--timeout", "2"]),
        )
    })
    .await
    .expect("ran");
    assert_eq!(ready.status.code(), Some(0), "{}", text(&ready.stderr));
    assert_eq!(insecure_far.status.code(), Some(2));
    assert_eq!(nobody.status.code(), Some(1));
    app.stop().await;
}

/// The tools wait out a 429 with Retry-After instead of counting it as a rejection.
#[actix_web::test]
async fn the_tools_wait_out_retry_after() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = settings(dir.path());
    s.security.rate_limit = sluis::security::settings::RateLimitSettings {
        per_second: 2,
        burst: 2,
    };
    let app = spawn_app_with(s).await;
    let url = format!("{}/api/v1/berichten", app.base);
    let token = auth::token("demo-gemeente-0599");
    let mut plain = Vec::new();
    for _ in 0..4 {
        let r = app
            .client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("request");
        plain.push(r.status().as_u16());
    }
    assert!(plain.contains(&429), "the limit bites: {plain:?}");
    for _ in 0..4 {
        let r = sluis::client::send_patiently(app.client.get(&url).bearer_auth(&token))
            .await
            .expect("request");
        assert_eq!(r.status(), 200, "waited until it was allowed");
    }
    app.stop().await;
}

/// `sluis comprimeer`: refused while the gateway runs; on the stopped store it writes the live
/// data anew, every message still reads the same, the audit verifies and records it.
#[actix_web::test]
async fn compaction_keeps_every_message_and_its_audit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let app = spawn_app_with(settings(&data)).await;
    let mut stored = Vec::new();
    for n in 0..12 {
        let r = app
            .client
            .post(format!("{}/api/v1/berichten", app.base))
            .header("Content-Type", "application/xml")
            .body(with_identificatie(&format!("COMP{n:04}")))
            .demo_auth()
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), 200);
        let location = header(&r, "location");
        let body = app
            .client
            .get(format!("{}{location}", app.base))
            .demo_auth()
            .send()
            .await
            .expect("request")
            .text()
            .await
            .expect("body");
        stored.push((location, body));
    }
    let d = data.to_str().expect("utf-8").to_string();
    let running = actix_web::rt::task::spawn_blocking(move || {
        sluis(&[
            "comprimeer",
            "--config",
            "config/sluis.toml",
            "--data-dir",
            &d,
        ])
    })
    .await
    .expect("ran");
    assert_eq!(running.status.code(), Some(2), "{}", text(&running.stdout));
    assert!(
        text(&running.stderr).contains("stop the gateway"),
        "{}",
        text(&running.stderr)
    );
    app.stop().await;

    let d = data.to_str().expect("utf-8").to_string();
    let (out, verify, exported) = actix_web::rt::task::spawn_blocking(move || {
        let args = |cmd: &[&'static str]| {
            let mut v: Vec<String> = cmd.iter().map(|s| s.to_string()).collect();
            v.extend([
                "--config".into(),
                "config/sluis.toml".into(),
                "--data-dir".into(),
                d.clone(),
            ]);
            v
        };
        let run = |cmd: &[&'static str]| {
            let a = args(cmd);
            sluis(&a.iter().map(String::as_str).collect::<Vec<_>>())
        };
        (
            run(&["comprimeer"]),
            run(&["audit", "verify"]),
            run(&["audit", "export", "--format", "jsonl"]),
        )
    })
    .await
    .expect("ran");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("opslag gecomprimeerd"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify.stderr));
    assert!(
        text(&exported.stdout).contains("comprimeer"),
        "the compaction is in the audit"
    );
    assert!(!dir.path().join("data.voor-comprimeren").exists());
    assert!(!dir.path().join("data.comprimeren").exists());

    // The gateway starts on the compacted store (its key and high-water mark came along) and
    // answers every message as before; new ids follow the old ones.
    let app = spawn_app_with(settings(&data)).await;
    for (location, body) in &stored {
        let r = app
            .client
            .get(format!("{}{location}", app.base))
            .demo_auth()
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), 200, "{location}");
        assert_eq!(&r.text().await.expect("body"), body, "{location} unchanged");
    }
    let r = app
        .client
        .post(format!("{}/api/v1/berichten", app.base))
        .header("Content-Type", "application/xml")
        .body(with_identificatie("COMP-NA"))
        .demo_auth()
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200);
    let new: u64 = header(&r, "location")
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("an id");
    let highest = stored
        .iter()
        .filter_map(|(l, _)| l.rsplit('/').next()?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    assert!(new > highest, "{new} after {highest}");
    app.stop().await;
}
