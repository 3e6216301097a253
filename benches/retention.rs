//! The store's size over simulated months, with and without the retention policy
//! (docs/retention.md, docs/performance.md "Retention"). A gateway on a clock that moves one
//! month at a time takes MONTHS × PER_MONTH trajectories (toewijzing, start, stop: three
//! messages each, with their retourberichten), the parties acknowledge their inboxes at each
//! month's end, and with retention on `bewaren` runs then (payloads after 1 month, records
//! after 12, audit after 60). Prints, per month, sled's `size_on_disk` and the bytes of the
//! data directory's files. `cargo bench --bench retention` (release; a few minutes).

use sluis::config::Settings;
use sluis::gateway::{Clock, Gateway};
use sluis::security::crypto::Keys;
use sluis::store::Store;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

const MONTHS: u64 = 24;
const PER_MONTH: u64 = 1_000;
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
    s.bewaren.audit_jaren = 5;
    s
}

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

async fn run(on: bool) -> (Vec<(u64, u64, u64, u64)>, u64) {
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
    for month in 0..MONTHS {
        let started = Instant::now();
        for chunk in 0..PER_MONTH / AT_ONCE {
            let mut tasks = Vec::new();
            for i in 0..AT_ONCE {
                let t = month * PER_MONTH + chunk * AT_ONCE + i;
                let gw = gw.clone();
                tasks.push(tokio::spawn(async move {
                    for step in 0..3 {
                        let body =
                            sluis::load::trajectory_message(t, step, &format!("R{t}-{step}"));
                        gw.ingest(body.as_bytes(), None).await.expect("stored");
                    }
                }));
            }
            for task in tasks {
                task.await.expect("task");
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
        let mut removed = 0;
        if on {
            let g = gw.clone();
            let v = tokio::task::spawn_blocking(move || g.bewaren_offline("bench", false))
                .await
                .expect("joined")
                .expect("run");
            removed = v.payloads + v.berichten;
            eprintln!(
                "  month {month:2}: ingest {ingest_s:.1} s, retention {} ms: {} payloads, {} records, {} audit",
                v.ms, v.payloads, v.berichten, v.audit
            );
        }
        let metrics = gw.metrics_text();
        let sled_bytes = metrics
            .lines()
            .find_map(|l| l.strip_prefix("sluis_store_bytes ")?.trim().parse().ok())
            .unwrap_or(0);
        out.push((month + 1, sled_bytes, dir_bytes(dir.path()), removed));
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
    let (off, off_compact) = rt.block_on(run(false));
    let (on, on_compact) = rt.block_on(run(true));
    println!(
        "{} trajectories a month (3 messages each), {MONTHS} months; sizes in MB",
        PER_MONTH
    );
    println!("| month | messages | without: size_on_disk | without: files | with: size_on_disk | with: files |");
    println!("|---|---|---|---|---|---|");
    for (a, b) in off.iter().zip(&on) {
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            a.0,
            a.0 * PER_MONTH * 3,
            a.1 as f64 / 1e6,
            a.2 as f64 / 1e6,
            b.1 as f64 / 1e6,
            b.2 as f64 / 1e6
        );
    }
    println!(
        "after month {MONTHS}, written anew by a backup and a restore (`sluis comprimeer`): without {:.1} MB, with {:.1} MB",
        off_compact as f64 / 1e6,
        on_compact as f64 / 1e6
    );
}
