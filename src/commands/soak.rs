//! `sluis soak`: the real gateway for N minutes under mixed load with faults injected (SIGKILL
//! and restart, SIGTERM and restart, a file system that fills up), then the check that every
//! acknowledged message is in the store exactly once and the audit chain verifies.

use super::{Failure, Outcome};
use sluis::demo::{with_token, Tokens};
use sluis::load::{afzender, trajectory_message};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// How long to run, in minutes (fractions allowed: 0.5).
    #[arg(long, default_value_t = 2.0)]
    minuten: f64,
    /// Clients posting at once.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Configuration of the gateway it runs, and whose demo tokens the clients use.
    #[arg(long, default_value = "config/sluis.toml")]
    config: PathBuf,
    /// Size of the file system the data directory is on (a tmpfs; only as root, else the
    /// disk-full fault is left out). Room for the store besides the reserve (64 MiB) and the
    /// ballast (32 MiB) the gateway keeps free.
    #[arg(long, default_value_t = 256)]
    schijf_mb: u32,
    /// Seconds between faults.
    #[arg(long, default_value_t = 10)]
    interval: u64,
}

/// The gateway process; killed when dropped.
struct Gateway {
    child: Option<Child>,
    exe: PathBuf,
    config: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl Gateway {
    fn start(&mut self) -> Result<(), String> {
        let child = Command::new(&self.exe)
            .arg("serve")
            .arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(&self.dir)
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("serve: {e}"))?;
        self.child = Some(child);
        let until = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(Ok(Some(exit))) = self.child.as_mut().map(Child::try_wait) {
                return Err(format!("the gateway stopped at start ({exit})"));
            }
            if Instant::now() > until {
                return Err("the gateway did not come up within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM; the time it took to stop (a kill after 30 s).
    fn terminate(&mut self) -> Result<Duration, String> {
        let Some(mut c) = self.child.take() else {
            return Ok(Duration::ZERO);
        };
        let started = Instant::now();
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        loop {
            match c.try_wait() {
                Ok(Some(exit)) if exit.success() => return Ok(started.elapsed()),
                Ok(Some(exit)) => return Err(format!("unclean stop after SIGTERM: {exit}")),
                _ if started.elapsed() > Duration::from_secs(30) => {
                    let _ = c.kill();
                    let _ = c.wait();
                    return Err("no stop within 30 s of SIGTERM".into());
                }
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A tmpfs for the data directory, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, mb: u32) -> Option<Tmpfs> {
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"])
            .arg(at)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Fill the file system of `dir` to the last byte.
fn fill(path: &Path) {
    use std::io::Write;
    if let Ok(mut f) = std::fs::File::create(path) {
        for size in [1 << 20, 4096, 1] {
            let chunk = vec![0u8; size];
            while f.write_all(&chunk).is_ok() {}
        }
    }
}

#[derive(Default)]
struct Counts {
    posted: AtomicU64,
    acknowledged: AtomicU64,
    refused_503: AtomicU64,
    failed: AtomicU64,
}

/// One client: its own trajectories, a fresh identificatie per post; every 200 is remembered.
async fn client(
    nr: usize,
    url: String,
    tokens: Tokens,
    stop: Arc<AtomicBool>,
    counts: Arc<Counts>,
    acked: Arc<Mutex<Vec<String>>>,
) {
    let Ok(http) = sluis::client::builder()
        .timeout(Duration::from_secs(20))
        .build()
    else {
        return;
    };
    let mut n = 0u64;
    let mut t = nr as u64;
    while !stop.load(Ordering::Relaxed) {
        for step in 0..3 {
            // At most 12 characters: the standard's limit.
            let id = format!("S{nr:02}{n:08}");
            n += 1;
            let body = trajectory_message(t, step, &id);
            let token = afzender(&body).and_then(|a| tokens.party(a));
            counts.posted.fetch_add(1, Ordering::Relaxed);
            let answer = with_token(http.post(&url), token)
                .header("Content-Type", "application/xml")
                .body(body)
                .send()
                .await;
            match answer {
                Ok(r) if r.status() == 200 => {
                    // Acknowledged only when the whole answer arrived.
                    if r.bytes().await.is_ok() {
                        counts.acknowledged.fetch_add(1, Ordering::Relaxed);
                        if let Ok(mut a) = acked.lock() {
                            a.push(id);
                        }
                    }
                }
                Ok(r) if r.status() == 503 => {
                    counts.refused_503.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                _ => {
                    counts.failed.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        t += 1000;
    }
}

/// Every stored message's identificatie, with how often it is there.
async fn stored(base: &str, token: Option<&str>) -> Result<HashMap<String, u32>, String> {
    let http = sluis::client::client().map_err(|e| e.to_string())?;
    let mut seen = HashMap::new();
    let mut after = 0u64;
    loop {
        let page: serde_json::Value = with_token(
            http.get(format!("{base}/api/v1/berichten?limit=1000&after={after}")),
            token,
        )
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
        for item in page["items"].as_array().into_iter().flatten() {
            let id = item["identificatie"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            *seen.entry(id).or_insert(0) += 1;
        }
        match page["next"].as_u64() {
            Some(n) => after = n,
            None => return Ok(seen),
        }
    }
}

pub fn run(args: Args) -> Outcome {
    let fail = |e: String| Failure::new(2, format!("soak: {e}"));
    let settings = super::load_settings(&args.config, None).map_err(fail)?;
    let tokens = Tokens::from_settings(&settings);
    let gemeente = afzender(&trajectory_message(0, 0, "x"))
        .unwrap_or_default()
        .to_string();
    let work = tempfile::tempdir().map_err(|e| fail(e.to_string()))?;
    let dir = work.path().join("data");
    std::fs::create_dir_all(&dir).map_err(|e| fail(e.to_string()))?;
    let tmpfs = Tmpfs::mount(&dir, args.schijf_mb);
    if tmpfs.is_none() {
        println!("no tmpfs (not root?): the disk-full fault is left out");
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| fail(e.to_string()))?
        .port();
    let mut gw = Gateway {
        child: None,
        exe: std::env::current_exe().map_err(|e| fail(e.to_string()))?,
        config: args.config.clone(),
        dir: dir.clone(),
        port,
    };
    gw.start().map_err(fail)?;
    let base = format!("http://127.0.0.1:{port}");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let stop = Arc::new(AtomicBool::new(false));
    let counts = Arc::new(Counts::default());
    let acked = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..args.clients.max(1))
        .map(|nr| {
            runtime.spawn(client(
                nr,
                format!("{base}/api/v1/berichten"),
                tokens.clone(),
                stop.clone(),
                counts.clone(),
                acked.clone(),
            ))
        })
        .collect();

    // The faults, in turn, until the time is up.
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(args.minuten.max(0.0) * 60.0);
    let mut faults: HashMap<&str, u32> = HashMap::new();
    let mut problems = Vec::new();
    let mut slowest_stop = Duration::ZERO;
    let mut turn = 0usize;
    while Instant::now() + Duration::from_secs(args.interval) < until {
        std::thread::sleep(Duration::from_secs(args.interval));
        let kind = match turn % 3 {
            0 => "sigkill",
            1 if tmpfs.is_some() => "disk-full",
            _ => "sigterm",
        };
        turn += 1;
        *faults.entry(kind).or_insert(0) += 1;
        match kind {
            "sigkill" => gw.kill(),
            "sigterm" => match gw.terminate() {
                Ok(took) => slowest_stop = slowest_stop.max(took),
                Err(e) => problems.push(e),
            },
            _ => {
                let filler = work.path().join("data").join("soak-filler");
                fill(&filler);
                std::thread::sleep(Duration::from_secs(3));
                let _ = std::fs::remove_file(&filler);
                continue;
            }
        }
        gw.start().map_err(fail)?;
    }
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = runtime.block_on(t);
    }

    // The check, on a clean restart.
    if let Err(e) = gw.terminate() {
        problems.push(e);
    }
    gw.start().map_err(fail)?;
    let store = runtime
        .block_on(stored(&base, tokens.party(&gemeente)))
        .map_err(fail)?;
    if let Err(e) = gw.terminate() {
        problems.push(e);
    }
    let acked = acked.lock().map(|a| a.clone()).unwrap_or_default();
    let missing = acked.iter().filter(|id| !store.contains_key(*id)).count();
    let twice = store.values().filter(|n| **n > 1).count();
    let verify = Command::new(&gw.exe)
        .args(["audit", "--config"])
        .arg(&args.config)
        .arg("--data-dir")
        .arg(&dir)
        .arg("verify")
        .output()
        .map_err(|e| fail(e.to_string()))?;
    let verified = verify.status.success();

    let c = &counts;
    println!(
        "soak {:.1} min, {} clients{}",
        started.elapsed().as_secs_f64() / 60.0,
        args.clients,
        if tmpfs.is_some() {
            ", data on a tmpfs"
        } else {
            ""
        }
    );
    let mut fault_list: Vec<_> = faults.into_iter().collect();
    fault_list.sort();
    println!(
        "faults        {}",
        fault_list
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "posted        {} ({} acknowledged, {} refused 503, {} without answer)",
        c.posted.load(Ordering::Relaxed),
        c.acknowledged.load(Ordering::Relaxed),
        c.refused_503.load(Ordering::Relaxed),
        c.failed.load(Ordering::Relaxed)
    );
    println!("stored        {} messages", store.values().sum::<u32>());
    println!("lost          {missing} of {} acknowledged", acked.len());
    println!("twice         {twice}");
    println!(
        "slowest stop  {:.1} s (SIGTERM)",
        slowest_stop.as_secs_f64()
    );
    println!(
        "audit verify  {}",
        if verified {
            String::from_utf8_lossy(&verify.stdout).trim().to_string()
        } else {
            format!("FAILED: {}", String::from_utf8_lossy(&verify.stderr).trim())
        }
    );
    for p in &problems {
        println!("problem       {p}");
    }
    drop(gw);
    drop(tmpfs);
    Ok(
        if missing == 0 && twice == 0 && verified && problems.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        },
    )
}
