//! `sluis bench-load`: many clients posting a realistic mix to a gateway on loopback.

use super::{load_settings, Failure, Outcome};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

#[derive(clap::Args)]
pub struct Args {
    /// A running gateway (loopback only), e.g. http://127.0.0.1:8080.
    #[arg(long)]
    url: Option<String>,
    /// Its process id, to read its memory.
    #[arg(long)]
    pid: Option<u32>,
    #[arg(long, default_value_t = 32)]
    clients: usize,
    #[arg(long, default_value_t = 20_000)]
    messages: u64,
    /// Data directory of the server it starts (default: a new temporary one).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Configuration of the server it starts, and whose demo tokens the senders post with.
    #[arg(long, default_value = "config/sluis.toml")]
    config: PathBuf,
    /// CA certificate (PEM) to trust for an https:// --url (a gateway on TLS).
    #[arg(long)]
    ca_cert: Option<PathBuf>,
    /// With push delivery (docs/delivery.md): six parties with an endpoint (the gemeente and
    /// five aanbieders, one of them down), served by this command; reports how long delivery
    /// needs after the last post. Starts its own server (not with --url).
    #[arg(long, conflicts_with = "url")]
    push: bool,
}

/// The gateway `bench-load` measures: the given one, or one it starts and stops itself.
struct LoadTarget {
    url: String,
    pid: Option<u32>,
    child: Option<std::process::Child>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for LoadTarget {
    // The server it started goes with it, also when the run failed.
    fn drop(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn start_server(config: &Path, data_dir: Option<PathBuf>) -> Result<LoadTarget, String> {
    let (dir, temp) = match data_dir {
        Some(d) => (d, None),
        None => {
            let t = tempfile::tempdir().map_err(|e| e.to_string())?;
            (t.path().to_path_buf(), Some(t))
        }
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let child = std::process::Command::new(exe)
        .arg("serve")
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(&dir)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .spawn()
        .map_err(|e| e.to_string())?;
    let url = format!("http://127.0.0.1:{port}");
    let target = LoadTarget {
        url: url.clone(),
        pid: Some(child.id()),
        child: Some(child),
        _dir: temp,
    };
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(target);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Err(format!("the server did not start on {url}"))
}

pub fn run(mut args: Args) -> Outcome {
    let fail = |e: String| Failure::new(2, format!("bench-load: {e}"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(e.to_string()))?;
    // Push: the parties' endpoints in this process, and a configuration naming them.
    let received = Arc::new(Mutex::new(sluis::load_push::Received::default()));
    let mut up: Vec<String> = Vec::new();
    let _config_dir = if args.push {
        let mut endpoints = Vec::new();
        for party in std::iter::once("0599").chain(sluis::load_push::AANBIEDERS) {
            let port = if party == sluis::load_push::DOWN {
                std::net::TcpListener::bind("127.0.0.1:0")
                    .and_then(|l| l.local_addr())
                    .map_err(|e| fail(e.to_string()))?
                    .port()
            } else {
                up.push(party.to_string());
                runtime
                    .block_on(sluis::load_push::endpoint(received.clone()))
                    .map_err(|e| fail(e.to_string()))?
            };
            endpoints.push((party.to_string(), port));
        }
        let base = std::fs::read_to_string(&args.config)
            .map_err(|e| fail(format!("{}: {e}", args.config.display())))?;
        let dir = tempfile::tempdir().map_err(|e| fail(e.to_string()))?;
        let path = dir.path().join("push.toml");
        std::fs::write(&path, sluis::load_push::config(&base, &endpoints))
            .map_err(|e| fail(e.to_string()))?;
        args.config = path;
        Some(dir)
    } else {
        None
    };
    let settings = load_settings(&args.config, None).map_err(fail)?;
    let tokens = sluis::demo::Tokens::from_settings(&settings);
    let target = match args.url {
        Some(url) => LoadTarget {
            url,
            pid: args.pid,
            child: None,
            _dir: None,
        },
        None => start_server(&args.config, args.data_dir).map_err(fail)?,
    };
    let run_id = format!(
        "L{:03}",
        time::OffsetDateTime::now_utc().unix_timestamp() % 1000
    );
    let opts = sluis::load::LoadOptions {
        url: target.url.clone(),
        clients: args.clients,
        messages: args.messages,
        server_pid: target.pid,
        run_id,
        tokens,
        ca_cert: args.ca_cert,
        aanbieders: if args.push {
            sluis::load_push::AANBIEDERS
                .iter()
                .map(|a| a.to_string())
                .collect()
        } else {
            Vec::new()
        },
    };
    let operator = opts.tokens.operator().map(str::to_string);
    let started = std::time::Instant::now();
    let result = runtime.block_on(sluis::load::run(opts));
    let ingest_done = std::time::Instant::now();
    let push = if args.push && result.is_ok() {
        let client = sluis::client::client().map_err(|e| fail(e.to_string()))?;
        let drained = runtime.block_on(sluis::load_push::drain(
            &client,
            &target.url,
            operator.as_deref(),
            &up,
            std::time::Duration::from_secs(600),
        ));
        let r = received.lock().map_err(|_| fail("lock".into()))?;
        let last = r.last.unwrap_or(ingest_done);
        Some((
            drained,
            r.ids.len(),
            r.offers,
            last.saturating_duration_since(ingest_done),
            last.duration_since(started),
        ))
    } else {
        None
    };
    let url = target.url.clone();
    // Stop the server before printing, as before.
    drop(target);
    let report = result.map_err(|e| fail(e.to_string()))?;
    println!("{} clients, {}", args.clients, url);
    print!("{report}");
    if let Some((drained, delivered, offers, tail, span)) = push {
        println!(
            "push       {delivered} deliveries to {} parties up ({offers} offers), 1 party down",
            up.len()
        );
        println!(
            "           last delivery {:.2} s after the last post; {:.0} deliveries/s over the run ({:.0} messages/s posted)",
            tail.as_secs_f64(),
            delivered as f64 / span.as_secs_f64().max(1e-9),
            report.per_second
        );
        if let Err(e) = drained {
            println!("           {e}");
            return Ok(ExitCode::from(1));
        }
    }
    Ok(if report.failures > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
