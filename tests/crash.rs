//! Crash safety: many clients post while the server process is killed with SIGKILL at a random
//! moment; after a restart every message that got a 200 is there exactly once with its effects
//! (its inbox entries), and no message is there half. A damaged store (truncated, bytes
//! flipped) refuses to start with one line that says what to do; never a panic.

#[path = "api/auth.rs"]
mod auth;
use auth::DemoAuth;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const TEMPLATE: &str = include_str!("../fixtures/ijw-3.2/JW305/valid/volledig.xml");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The server process; killed when dropped, so a failing test leaves no server behind.
struct Server(Child);

impl Server {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn start(dir: &Path, port: u16) -> Server {
    start_with(dir, port, Path::new("config/sluis.toml"))
}

fn start_with(dir: &Path, port: u16, config: &Path) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_sluis"))
        .args(["serve", "--config"])
        .arg(config)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(dir)
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("server starts");
    let child = Server(child);
    let until = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "server did not come up");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn with_identificatie(id: &str) -> String {
    let at = TEMPLATE.find(":Identificatie>").expect("identificatie") + ":Identificatie>".len();
    let len = TEMPLATE[at..].find('<').expect("end");
    format!("{}{id}{}", &TEMPLATE[..at], &TEMPLATE[at + len..])
}

/// A pseudo-random number from the clock: the kill moment should differ between runs.
fn jitter(max_ms: u64) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    nanos % max_ms
}

#[derive(Clone)]
struct Acked {
    body: String,
    location: String,
}

/// Post unique messages from `clients` threads until `stop`; remember every 200.
fn hammer(
    port: u16,
    round: usize,
    clients: usize,
    stop: Arc<Mutex<bool>>,
    acked: Arc<Mutex<Vec<Acked>>>,
) -> Vec<std::thread::JoinHandle<()>> {
    (0..clients)
        .map(|c| {
            let stop = stop.clone();
            let acked = acked.clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    let client = sluis::client::client().expect("client");
                    let url = format!("http://127.0.0.1:{port}/api/v1/berichten");
                    for n in 0.. {
                        if *stop.lock().expect("lock") {
                            return;
                        }
                        let body = with_identificatie(&format!("K{round}{c:02}{n:06}"));
                        let r = client
                            .post(&url)
                            .header("Content-Type", "application/xml")
                            .body(body.clone())
                            .demo_auth()
                            .send()
                            .await;
                        let Ok(r) = r else { continue };
                        if r.status() != 200 {
                            continue;
                        }
                        let location = r
                            .headers()
                            .get("location")
                            .and_then(|l| l.to_str().ok())
                            .unwrap_or_default()
                            .to_string();
                        // Acknowledged only when the whole answer arrived.
                        if r.bytes().await.is_ok() {
                            acked.lock().expect("lock").push(Acked { body, location });
                        }
                    }
                });
            })
        })
        .collect()
}

fn get(rt: &tokio::runtime::Runtime, client: &reqwest::Client, url: String) -> Value {
    rt.block_on(async {
        client
            .get(url)
            .demo_auth()
            .send()
            .await
            .expect("request")
            .json::<Value>()
            .await
            .expect("json")
    })
}

#[test]
fn sigkill_under_load_loses_nothing_acknowledged_and_leaves_nothing_half() {
    let dir = tempfile::tempdir().expect("tempdir");
    let acked = Arc::new(Mutex::new(Vec::new()));
    for round in 0..3 {
        let port = free_port();
        let mut server = start(dir.path(), port);
        let stop = Arc::new(Mutex::new(false));
        let before = acked.lock().expect("lock").len();
        let threads = hammer(port, round, 8, stop.clone(), acked.clone());
        // Kill once the load has really reached the server (a loaded CI machine starts slowly),
        // then at a random moment within the next second.
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        while acked.lock().expect("lock").len() < before + 20
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(jitter(1000)));
        // Child::kill is SIGKILL on Unix.
        server.kill();
        *stop.lock().expect("lock") = true;
        for t in threads {
            t.join().expect("client thread");
        }
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(
        acked.len() > 50,
        "the load reached the server: {} acknowledged",
        acked.len()
    );
    eprintln!("{} messages acknowledged over three SIGKILLs", acked.len());

    let port = free_port();
    let mut server = start(dir.path(), port);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = sluis::client::client().expect("client");
    let base = format!("http://127.0.0.1:{port}");

    // Every acknowledged message is there, as it was sent.
    for a in &acked {
        let record = get(&rt, &client, format!("{base}{}", a.location));
        assert_eq!(
            record["body"].as_str(),
            Some(a.body.as_str()),
            "{} lost or changed",
            a.location
        );
    }
    // Exactly once: the store holds each identificatie once, and all records are whole.
    let mut records = Vec::new();
    let mut after = 0u64;
    loop {
        let page = get(
            &rt,
            &client,
            format!("{base}/api/v1/berichten?limit=1000&after={after}"),
        );
        let items = page["items"].as_array().cloned().unwrap_or_default();
        records.extend(items);
        match page["next"].as_u64() {
            Some(n) => after = n,
            None => break,
        }
    }
    // Every answered post has its audit entry (issue #13: the entry is durable before the
    // answer), also across the SIGKILLs: the entry names the message it stored.
    let mut audited = HashSet::new();
    let mut after = 0u64;
    loop {
        let page = get(
            &rt,
            &client,
            format!("{base}/api/v1/audit?limit=1000&after={after}"),
        );
        for e in page["items"].as_array().cloned().unwrap_or_default() {
            if e["object"]["kind"] == "bericht" {
                if let Some(id) = e["object"]["id"].as_str() {
                    audited.insert(id.to_string());
                }
            }
        }
        match page["next"].as_u64() {
            Some(n) => after = n,
            None => break,
        }
    }
    for a in &acked {
        let id = a.location.rsplit('/').next().unwrap_or_default();
        assert!(
            audited.contains(id),
            "answered without its audit entry: {}",
            a.location
        );
    }
    let mut seen = HashSet::new();
    for r in &records {
        assert!(
            seen.insert(r["identificatie"].as_str().unwrap_or("").to_string()),
            "stored twice: {r}"
        );
    }
    assert!(records.len() >= acked.len());
    // Every stored message has its inbox entries: forwarded to the gemeente, answered to the
    // aanbieder (the transaction wrote all three or nothing).
    let inbox = |party: &str| -> HashMap<u64, usize> {
        let mut m = HashMap::new();
        let mut after = 0u64;
        loop {
            let page = get(
                &rt,
                &client,
                format!("{base}/api/v1/inbox/{party}?after={after}&limit=1000"),
            );
            for i in page["items"].as_array().cloned().unwrap_or_default() {
                *m.entry(i["bericht_id"].as_u64().unwrap_or(0)).or_insert(0) += 1;
            }
            match page["next"].as_u64() {
                Some(n) => after = n,
                None => return m,
            }
        }
    };
    let gemeente = inbox("0599");
    let aanbieder = inbox("12345678");
    let mut forwarded = 0;
    for r in &records {
        let id = r["id"].as_u64().unwrap_or(0);
        let full = get(&rt, &client, format!("{base}/api/v1/berichten/{id}"));
        // A JW305 goes from the aanbieder to the gemeente; its answer back.
        let want_forward = usize::from(full["accepted"] == true);
        let want_answer = usize::from(full["retour"].is_object());
        assert_eq!(
            gemeente.get(&id).copied().unwrap_or(0),
            want_forward,
            "message {id} forwarded exactly as judged"
        );
        assert_eq!(
            aanbieder.get(&id).copied().unwrap_or(0),
            want_answer,
            "answer to {id} delivered exactly once"
        );
        forwarded += want_forward;
    }
    assert_eq!(
        gemeente.values().sum::<usize>(),
        forwarded,
        "no inbox entry without its message"
    );
    assert!(aanbieder
        .keys()
        .all(|id| records.iter().any(|r| r["id"].as_u64() == Some(*id))));
    // Posting an acknowledged message again changes nothing.
    if let Some(a) = acked.first() {
        let r = rt.block_on(async {
            client
                .post(format!("{base}/api/v1/berichten"))
                .header("Content-Type", "application/xml")
                .body(a.body.clone())
                .demo_auth()
                .send()
                .await
                .expect("request")
        });
        assert_eq!(
            r.headers().get("sluis-replay").map(|v| v.as_bytes()),
            Some(&b"true"[..])
        );
        assert_eq!(
            r.headers().get("location").and_then(|l| l.to_str().ok()),
            Some(a.location.as_str())
        );
    }
    server.kill();
}

/// Post `n` messages one by one; every 200 with its location.
fn post_all(port: u16, prefix: &str, n: usize) -> Vec<Acked> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = sluis::client::client().expect("client");
    let url = format!("http://127.0.0.1:{port}/api/v1/berichten");
    let mut acked = Vec::new();
    for i in 0..n {
        let body = with_identificatie(&format!("{prefix}{i:06}"));
        let r = rt.block_on(async {
            client
                .post(&url)
                .header("Content-Type", "application/xml")
                .body(body.clone())
                .demo_auth()
                .send()
                .await
                .expect("request")
        });
        assert_eq!(r.status(), 200, "message {i} taken");
        let location = r
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_string();
        acked.push(Acked { body, location });
    }
    acked
}

/// Stop like the platform does (SIGTERM) and wait for a clean exit.
fn terminate(mut server: Server) {
    let pid = server.0.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(exit) = server.0.try_wait().expect("wait") {
            assert!(exit.success(), "clean stop: {exit}");
            return;
        }
        assert!(Instant::now() < until, "no stop within 20 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A data directory with 150 acknowledged messages of a server stopped cleanly.
fn stopped_store() -> (tempfile::TempDir, Vec<Acked>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let server = start(dir.path(), port);
    let acked = post_all(port, "D", 150);
    terminate(server);
    (dir, acked)
}

/// Start on `dir` and expect a refusal: a non-zero exit within 30 s; its standard error.
fn refused(dir: &Path) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sluis"))
        .args(["serve", "--config", "config/sluis.toml", "--listen"])
        .arg(format!("127.0.0.1:{}", free_port()))
        .arg("--data-dir")
        .arg(dir)
        .env("RUST_LOG", "warn")
        .env("RUST_BACKTRACE", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("server starts");
    let until = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("a damaged store was served");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    assert!(!status.success(), "refused with a non-zero exit: {err}");
    assert!(
        err.contains("is damaged")
            && err.contains("restore the data directory from the last backup"),
        "says what to do: {err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "no panic: {err}"
    );
    err
}

/// Every acknowledged message is there, as it was sent.
fn all_there(port: u16, acked: &[Acked]) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = sluis::client::client().expect("client");
    for a in acked {
        let record = get(
            &rt,
            &client,
            format!("http://127.0.0.1:{port}{}", a.location),
        );
        assert_eq!(
            record["body"].as_str(),
            Some(a.body.as_str()),
            "{} lost",
            a.location
        );
    }
}

#[test]
fn a_truncated_store_refuses_to_start_and_says_restore_from_backup() {
    let (dir, _) = stopped_store();
    let db = dir.path().join("db");
    let len = std::fs::metadata(&db).expect("sled file").len();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&db)
        .expect("open");
    f.set_len(len / 2).expect("truncate");
    drop(f);
    let err = refused(dir.path());
    eprintln!("truncated to {} of {len} bytes: {err}", len / 2);
}

/// Flipped bytes land where they land: in records sled still uses (then the start is refused
/// with one line, no panic), or in space of its log it no longer reads (then the store starts,
/// and every acknowledged message must be there). Never a panic, never a start with data gone.
/// Two regions are damaged, in two stores, so both outcomes are met over the runs.
#[test]
fn a_store_with_flipped_bytes_never_starts_with_data_missing() {
    for at in [2, 4] {
        let (dir, acked) = stopped_store();
        let db = dir.path().join("db");
        let mut bytes = std::fs::read(&db).expect("sled file");
        let from = bytes.len() * (at - 1) / at;
        let end = (from + 4096).min(bytes.len());
        for b in &mut bytes[from..end] {
            *b ^= 0x5a;
        }
        std::fs::write(&db, &bytes).expect("write");
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_sluis"))
            .args(["serve", "--config", "config/sluis.toml", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(dir.path())
            .env("RUST_LOG", "warn")
            .env("RUST_BACKTRACE", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("server starts");
        let until = Instant::now() + Duration::from_secs(30);
        let refused = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break Some(status);
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break None;
            }
            assert!(Instant::now() < until, "neither refused nor serving");
            std::thread::sleep(Duration::from_millis(20));
        };
        match refused {
            Some(status) => {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                assert!(!status.success(), "refused with a non-zero exit: {err}");
                assert!(
                    err.contains("is damaged")
                        && err.contains("restore the data directory from the last backup"),
                    "says what to do: {err}"
                );
                assert!(
                    !err.contains("panicked") && !err.contains("backtrace"),
                    "{err}"
                );
                eprintln!("flipped 4 KiB at {from}: refused: {err}");
            }
            None => {
                let server = Server(child);
                all_there(port, &acked);
                terminate(server);
                eprintln!(
                    "flipped 4 KiB at {from}: unused space, started with all {} there",
                    acked.len()
                );
            }
        }
    }
}

#[test]
fn an_untouched_store_and_a_fresh_directory_start() {
    let (dir, acked) = stopped_store();
    assert!(dir.path().join("sluis.hwm").exists(), "the mark is kept");
    let port = free_port();
    let server = start(dir.path(), port);
    all_there(port, &acked);
    terminate(server);
    let fresh = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let server = start(fresh.path(), port);
    assert_eq!(post_all(port, "F", 1).len(), 1);
    terminate(server);
}

/// One push offer as a fake party saw it: delivery id, message id, body, attempt
/// (`Sluis-Poging`).
type Offer = (String, u64, String, u32);

/// A fake party endpoint on plain std threads (it must outlive the killed servers): HTTP/1.1
/// with keep-alive, every offer logged, answered 200 after a few milliseconds (so offers are
/// in flight when the server is killed), or with `hang` never answered.
fn fake_party(hang: bool) -> (u16, Arc<Mutex<Vec<Offer>>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let log = Arc::new(Mutex::new(Vec::new()));
    let shared = log.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let log = shared.clone();
            std::thread::spawn(move || {
                let mut out = conn.try_clone().expect("clone");
                let mut reader = BufReader::new(conn);
                loop {
                    let mut headers: HashMap<String, String> = HashMap::new();
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let l = line.trim_end();
                        if l.is_empty() {
                            break;
                        }
                        if let Some((k, v)) = l.split_once(':') {
                            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                        }
                    }
                    let len: usize = headers
                        .get("content-length")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    let mut body = vec![0; len];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    if !hang {
                        std::thread::sleep(Duration::from_millis(3));
                    }
                    log.lock().expect("lock").push((
                        headers
                            .get("sluis-delivery-id")
                            .cloned()
                            .unwrap_or_default(),
                        headers
                            .get("sluis-bericht-id")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0),
                        String::from_utf8_lossy(&body).into_owned(),
                        headers
                            .get("sluis-poging")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0),
                    ));
                    if hang {
                        // Hold the connection until the server is gone.
                        let _ = reader.read(&mut [0; 1]);
                        return;
                    }
                    if out
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (port, log)
}

/// The demo configuration with this `[delivery]` section, written in `dir`; its path.
fn with_delivery(dir: &Path, delivery: &str) -> std::path::PathBuf {
    let config = dir.join("sluis.toml");
    std::fs::write(
        &config,
        format!(
            "{}\n[delivery]\n{delivery}\n",
            include_str!("../config/sluis.toml")
        ),
    )
    .expect("config");
    config
}

#[test]
fn sigkill_during_push_delivery_loses_nothing_and_leaves_nothing_offered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (party_port, offers) = fake_party(false);
    // The demo configuration with push delivery of the answers to the aanbieder and of the
    // forwarded messages to the gemeente.
    let config = with_delivery(
        dir.path(),
        &format!("backoff_ms = 50\nmax_backoff_ms = 500\n\n[[delivery.endpoints]]\nparty = \"12345678\"\nurl = \"http://127.0.0.1:{party_port}/in\"\n\n[[delivery.endpoints]]\nparty = \"0599\"\nurl = \"http://127.0.0.1:{party_port}/in\""),
    );
    let data = dir.path().join("data");
    let acked = Arc::new(Mutex::new(Vec::new()));
    let mut offered_before_last_kill = 0;
    for round in 0..3 {
        let port = free_port();
        let mut server = start_with(&data, port, &config);
        let stop = Arc::new(Mutex::new(false));
        let threads = hammer(port, round, 8, stop.clone(), acked.clone());
        std::thread::sleep(Duration::from_millis(400 + jitter(800)));
        server.kill();
        *stop.lock().expect("lock") = true;
        for t in threads {
            t.join().expect("client thread");
        }
        offered_before_last_kill = offers.lock().expect("lock").len();
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(acked.len() > 30, "load reached the server: {}", acked.len());
    assert!(
        offered_before_last_kill > 0,
        "deliveries were under way when the server was killed"
    );

    let port = free_port();
    let mut server = start_with(&data, port, &config);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = sluis::client::client().expect("client");
    let base = format!("http://127.0.0.1:{port}");
    // Every acknowledged message's deliveries end delivered: none lost, none left offered.
    let until = Instant::now() + Duration::from_secs(120);
    let mut expected: HashMap<String, String> = HashMap::new();
    for a in &acked {
        loop {
            let record = get(&rt, &client, format!("{base}{}", a.location));
            let ds = record["bezorging"].as_array().cloned().unwrap_or_default();
            assert!(
                record["retour"].is_null() || !ds.is_empty(),
                "{}: its answer has a delivery",
                a.location
            );
            if ds.iter().all(|d| d["status"] == "bezorgd") {
                for d in &ds {
                    let id = record["id"].as_u64().unwrap_or(0);
                    let body = if d["soort"] == "retour" {
                        record["retour"]["xml"].as_str()
                    } else {
                        record["canonical"].as_str()
                    };
                    expected.insert(
                        format!("{id}-{}", d["soort"].as_str().unwrap_or("")),
                        body.unwrap_or_default().to_string(),
                    );
                }
                break;
            }
            assert!(
                Instant::now() < until,
                "{} not delivered after the restart: {ds:?}",
                a.location
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let offers = offers.lock().expect("lock").clone();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (id, _, body, _) in &offers {
        *seen.entry(id.as_str()).or_default() += 1;
        // An offer of a message the store no longer holds would be a delivery of something a
        // crash took back: every offered message is stored, and the offer is it exactly.
        if let Some(want) = expected.get(id) {
            assert_eq!(body, want, "{id}: a re-send is the same message");
        } else {
            let bericht = id.split('-').next().unwrap_or_default();
            let record = get(&rt, &client, format!("{base}/api/v1/berichten/{bericht}"));
            assert!(record["id"].is_u64(), "offered {id}, which is not stored");
        }
    }
    for id in expected.keys() {
        assert!(seen.contains_key(id.as_str()), "{id} never offered");
    }
    let resent = seen.values().filter(|n| **n > 1).count();
    eprintln!(
        "{} acknowledged, {} deliveries, {} offers, {} offered more than once (idempotent re-sends)",
        acked.len(),
        expected.len(),
        offers.len(),
        resent
    );
    server.kill();
}

/// Wait until the fake party has logged `n` offers.
fn offered(offers: &Arc<Mutex<Vec<Offer>>>, n: usize) {
    let until = Instant::now() + Duration::from_secs(20);
    while offers.lock().expect("lock").len() < n {
        assert!(Instant::now() < until, "offer {n} did not come");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A receiver that never answers, and Sluis killed during every attempt (the shape of a
/// message that brings Sluis or the receiver down): every interrupted attempt counts, so
/// after `max_attempts` the delivery is a dead letter (`onderbroken`) and no longer offered;
/// an attempt cut off by a clean stop (SIGTERM) is given back, not counted.
#[test]
fn attempts_interrupted_by_a_crash_count_and_end_in_a_dead_letter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (party_port, offers) = fake_party(true);
    let config = with_delivery(
        dir.path(),
        &format!("max_attempts = 3\nbackoff_ms = 50\nmax_backoff_ms = 100\n\n[[delivery.endpoints]]\nparty = \"12345678\"\nurl = \"http://127.0.0.1:{party_port}/in\"\ntimeout_ms = 600000"),
    );
    let data = dir.path().join("data");
    let port = free_port();
    let mut server = start_with(&data, port, &config);
    let acked = post_all(port, "H", 1);
    offered(&offers, 1);
    server.kill();
    let server = start_with(&data, free_port(), &config);
    offered(&offers, 2);
    terminate(server);
    let mut server = start_with(&data, free_port(), &config);
    offered(&offers, 3);
    server.kill();
    let mut server = start_with(&data, free_port(), &config);
    offered(&offers, 4);
    server.kill();
    let port = free_port();
    let mut server = start_with(&data, port, &config);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = sluis::client::client().expect("client");
    let record = get(
        &rt,
        &client,
        format!("http://127.0.0.1:{port}{}", acked[0].location),
    );
    let d = record["bezorging"]
        .as_array()
        .and_then(|ds| ds.iter().find(|d| d["partij"] == "12345678"))
        .cloned()
        .expect("the answer's delivery");
    assert_eq!(d["status"], "mislukt", "{d}");
    assert_eq!(d["pogingen"], 3, "{d}");
    assert!(
        d["laatste_fout"]
            .as_str()
            .is_some_and(|e| e.starts_with("onderbroken")),
        "{d}"
    );
    std::thread::sleep(Duration::from_millis(1_500));
    let pogingen: Vec<u32> = offers.lock().expect("lock").iter().map(|o| o.3).collect();
    // Killed at 1 and 2 (counted), stopped cleanly at the second 2 (given back), killed at 3.
    assert_eq!(pogingen, [1, 2, 2, 3], "no offer after the limit");
    server.kill();
}
