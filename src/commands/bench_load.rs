//! `sluis bench-load`: many clients posting a realistic mix to a gateway on loopback.

use super::{load_settings, Failure, Outcome};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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

pub fn run(args: Args) -> Outcome {
    let fail = |e: String| Failure::new(2, format!("bench-load: {e}"));
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
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let result = runtime.block_on(sluis::load::run(opts));
    let url = target.url.clone();
    // Stop the server before printing, as before.
    drop(target);
    let report = result.map_err(|e| fail(e.to_string()))?;
    println!("{} clients, {}", args.clients, url);
    print!("{report}");
    Ok(if report.failures > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
