//! The store's size over simulated months, with and without the retention policy
//! (docs/retention.md, docs/performance.md "Retention"). A gateway on a clock that moves one
//! month at a time takes MONTHS × PER_MONTH trajectories of new clients (toewijzing, start,
//! stop: three messages each, with their retourberichten, dated within the month before the
//! clock, so each month's trajectories have ended by the month's end), the parties acknowledge
//! their inboxes at each month's end, and with retention on `bewaren` runs then: payloads after
//! 1 month; message records, dossiers and flow records after 1 year; the audit after 1 year —
//! shorter than the 5 years the configuration check allows (NEN 7513): the bench sets the terms
//! on the settings after they were checked, only here, so that every term has passed within the
//! run. Prints, per month, sled's `size_on_disk`, the bytes of the data directory's files and
//! the live bytes (every key and value of every tree). `cargo bench --bench retention`
//! (release; some six minutes on two shared cores; `RETENTION_IDLE_S=10` gives sled's garbage
//! collector 10 s a month and takes some sixteen, docs/performance.md).

use sluis::config::Settings;
use sluis::gateway::{Clock, Gateway};
use sluis::security::crypto::Keys;
use sluis::store::Store;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

const MONTHS: u64 = 30;
const PER_MONTH: u64 = 1_000;

/// `name` from the environment (a short smoke run: `RETENTION_MONTHS=3`), else `default`.
fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
const AT_ONCE: u64 = 32;

fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            match e.metadata() {
                Ok(m) if m.is_dir() => total += dir_bytes(&p),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

fn settings(dir: &Path, on: bool) -> Settings {
    let mut s = Settings::parse(include_str!("../config/sluis.toml")).expect("demo config");
    s.server.data_dir = dir.to_path_buf();
    s.bewaren.aan = on;
    s.bewaren.payload_maanden = 1;
    s.bewaren.gegevens_jaren = 1;
    s.bewaren.dossier_jaren = 1;
    // Below the NEN 7513 minimum that `BewaarSettings::check` enforces: the bench only.
    s.bewaren.audit_jaren = 1;
    s
}

/// The trajectory's message with its dates moved into the month before `now`: toewijzing 28
/// days before, ingang and start 27, stop 5, dagtekening 1.
fn dated(body: String, now: OffsetDateTime) -> String {
    let day = |n: i64| (now - time::Duration::days(n)).date().to_string();
    body.replace("2025-12-15", &day(28))
        .replace("2026-01-01", &day(27))
        .replace("2026-04-30", &day(5))
        .replace("2026-05-04", &day(1))
}

/// One month's row: month, sled's size, the files' bytes, the live bytes, what retention
/// removed (payloads + records, dossiers), accepted messages so far.
type Row = (u64, u64, u64, u64, u64, u64);

fn parties(s: &Settings) -> Vec<String> {
    let mut p = vec![s.gemeente.code.clone()];
    p.extend(s.aanbieders.iter().map(|a| a.agb.clone()));
    p
}

/// The store in `dir` written anew with only its live data (`sluis comprimeer`): the bytes of
/// its files after.
fn compacted(dir: &Path) -> u64 {
    sluis::store::compact::compact(dir, false)
        .expect("compacted")
        .after
}

async fn run(on: bool) -> (Vec<Row>, u64) {
    let dir = tempfile::tempdir().expect("dir");
    let keys = Arc::new(Keys::generate().expect("keys"));
    let store = Store::open_with(dir.path(), Duration::from_millis(2), Some(keys)).expect("store");
    let s = settings(dir.path(), on);
    let who = parties(&s);
    let now = Arc::new(Mutex::new(OffsetDateTime::now_utc()));
    let t = now.clone();
    let clock = Clock::from_fn(move || *t.lock().expect("clock"));
    let gw = Arc::new(Gateway::with_clock(s, store, clock).expect("gateway"));
    let mut out = Vec::new();
    let mut accepted = 0u64;
    for month in 0..env_or("RETENTION_MONTHS", MONTHS) {
        let started = Instant::now();
        let today = *now.lock().expect("clock");
        for chunk in 0..env_or("RETENTION_PER_MONTH", PER_MONTH) / AT_ONCE {
            let mut tasks = Vec::new();
            for i in 0..AT_ONCE {
                let t = month * PER_MONTH + chunk * AT_ONCE + i;
                let gw = gw.clone();
                tasks.push(tokio::spawn(async move {
                    let mut accepted = 0u64;
                    for step in 0..3 {
                        let body = dated(
                            sluis::load::trajectory_message(t, step, &format!("R{t}-{step}")),
                            today,
                        );
                        let i = gw.ingest(body.as_bytes(), None).await.expect("stored");
                        accepted += u64::from(i.record.accepted);
                    }
                    accepted
                }));
            }
            for task in tasks {
                accepted += task.await.expect("task");
            }
        }
        let ingest_s = started.elapsed().as_secs_f64();
        // Every party reads and acknowledges its inbox.
        for p in &who {
            let mut last = None;
            loop {
                let page = gw.inbox(p, last, 1000).expect("inbox");
                match page.items.last() {
                    Some(i) => last = Some(i.cursor),
                    None => break,
                }
                if page.next.is_none() {
                    break;
                }
            }
            if let Some(c) = last {
                gw.ack(p, c).await.expect("ack");
            }
        }
        let (mut removed, mut dossiers) = (0, 0);
        if on {
            let g = gw.clone();
            let v = tokio::task::spawn_blocking(move || g.bewaren_offline("bench", false))
                .await
                .expect("joined")
                .expect("run");
            removed = v.payloads + v.berichten;
            dossiers = v.dossiers;
            eprintln!(
                "  month {month:2}: ingest {ingest_s:.1} s, retention {} ms: {} payloads, {} records, {} dossiers ({} keys, {} open, {} recent), {} flow chunks, {} audit",
                v.ms, v.payloads, v.berichten, v.dossiers, v.dossier_sleutels, v.dossier_open, v.dossier_recent, v.stroom_blokken, v.audit
            );
        } else {
            eprintln!("  month {month:2}: ingest {ingest_s:.1} s");
        }
        let metrics = gw.metrics_text();
        let sled_bytes = metrics
            .lines()
            .find_map(|l| l.strip_prefix("sluis_store_bytes ")?.trim().parse().ok())
            .unwrap_or(0);
        // sled's flusher rewrites (garbage-collects) pages for at most half of each 500 ms
        // cycle: a simulated month here takes seconds, a real one weeks. Give it time to keep
        // up (`RETENTION_IDLE_S`, seconds a month; 0 measures the compressed pace).
        tokio::time::sleep(Duration::from_secs(env_or("RETENTION_IDLE_S", 0))).await;
        let live = gw.store_live_bytes().expect("live bytes");
        let _ = removed;
        out.push((
            month + 1,
            sled_bytes,
            dir_bytes(dir.path()),
            live,
            dossiers,
            accepted,
        ));
        *now.lock().expect("clock") += time::Duration::days(30);
    }
    drop(gw);
    let compact = compacted(dir.path());
    (out, compact)
}

fn main() {
    // `cargo bench` passes --bench; nothing else to read.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // `RETENTION_ONLY_WITH=1`: only the run with retention (the one without is linear).
    let (off, off_compact) = if env_or("RETENTION_ONLY_WITH", 0) == 1 {
        (Vec::new(), 0)
    } else {
        rt.block_on(run(false))
    };
    let (on, on_compact) = rt.block_on(run(true));
    let (months, per_month) = (
        env_or("RETENTION_MONTHS", MONTHS),
        env_or("RETENTION_PER_MONTH", PER_MONTH),
    );
    println!("{per_month} trajectories a month (3 messages each), {months} months; sizes in MB");
    println!(
        "idle after each month: {} s (RETENTION_IDLE_S)",
        env_or("RETENTION_IDLE_S", 0)
    );
    println!("| month | messages (accepted) | without: size_on_disk | without: files | without: live | with: size_on_disk | with: files | with: live | with: size_on_disk/live | with: dossiers removed |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mb = |b: u64| b as f64 / 1e6;
    let none = (0, 0, 0, 0, 0, 0);
    for (i, b) in on.iter().enumerate() {
        let a = off.get(i).unwrap_or(&none);
        println!(
            "| {} | {} ({}) | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} | {} |",
            b.0,
            b.0 * per_month / AT_ONCE * AT_ONCE * 3,
            b.5,
            mb(a.1),
            mb(a.2),
            mb(a.3),
            mb(b.1),
            mb(b.2),
            mb(b.3),
            b.1 as f64 / b.3.max(1) as f64,
            b.4
        );
    }
    println!(
        "after month {months}, written anew by a backup and a restore (`sluis comprimeer`): without {:.1} MB, with {:.1} MB",
        off_compact as f64 / 1e6,
        on_compact as f64 / 1e6
    );
}
