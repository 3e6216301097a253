//! `sluis serve`: run the gateway.

use super::{Failure, Outcome};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Configuration file (TOML); `config/sluis.toml` is the demo.
    #[arg(long, default_value = "config/sluis.toml")]
    config: PathBuf,
    /// Data directory (overrides the file and SLUIS_DATA_DIR).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:8080 (overrides the file and SLUIS_LISTEN).
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
}

pub fn run(args: Args, log_format: sluis::telemetry::LogFormat) -> Outcome {
    let overrides = sluis::config::Overrides {
        listen: args.listen,
        data_dir: args.data_dir,
    };
    let settings = sluis::config::Settings::load(&args.config, &overrides)
        .map_err(|e| Failure::new(2, e.to_string()))?;
    let data_dir = settings.server.data_dir.clone();
    let first_start = !sluis::store::Store::exists(&data_dir);
    let demo_tokens = settings
        .security
        .tokens
        .iter()
        .any(|t| t.demo_secret.is_some());
    let tls = settings.security.tls.cert.is_some();
    let config = args.config.clone();
    sluis::memory::limit_arenas();
    sluis::memory::trim_every(std::time::Duration::from_secs(30));
    actix_web::rt::System::new()
        .block_on(async move {
            let app = sluis::startup::Application::build(settings)?;
            let addr = app.addr();
            tracing::info!(addr = %addr, data_dir = %data_dir.display(), "Sluis listening");
            // Quiet when the logs are (RUST_LOG=warn: bench-load, soak, tests).
            if first_start && tracing::enabled!(tracing::Level::INFO) {
                guide(addr, tls, demo_tokens, &config, log_format);
            }
            // Ready for systemd (Type=notify): bound, store open.
            if let Err(e) = sluis::notify::notify(&format!("READY=1\nSTATUS=listening on {addr}")) {
                tracing::warn!(error = %e, "readiness not sent to the service manager");
            }
            let result = app.run().await;
            let _ = sluis::notify::notify("STOPPING=1");
            result
        })
        .map_err(|e| Failure::new(1, format!("sluis serve: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

/// Where to go next, on the first start in a data directory: the address, how to get a token,
/// the docs. On standard error, as text; one log line in the JSON log format.
fn guide(
    addr: SocketAddr,
    tls: bool,
    demo_tokens: bool,
    config: &std::path::Path,
    log_format: sluis::telemetry::LogFormat,
) {
    let scheme = if tls { "https" } else { "http" };
    let url = format!("{scheme}://{addr}");
    let sluis = how_invoked();
    let token = if demo_tokens {
        let with_config = if config == std::path::Path::new("config/sluis.toml") {
            String::new()
        } else {
            format!(" --config {}", config.display())
        };
        format!("export TOKEN=$({sluis} token demo gemeente{with_config})")
    } else {
        "sluis token create --role … --label … (bij een gestopte gateway; docs/security.md)".into()
    };
    if log_format == sluis::telemetry::LogFormat::Json {
        tracing::info!(url = %url, token = %token, docs = "README.md, docs/api.md, docs/cli.md, docs/operations.md", "first start: where to go next");
        return;
    }
    eprintln!(
        "\nSluis draait op {url} (eerste start in deze datamap).\n\
         \n  Een token:      {token}\
         \n  Proberen:       curl -H \"Authorization: Bearer $TOKEN\" {url}/api/v1/berichten\
         \n  Gezondheid:     curl {url}/readyz\
         \n  Pagina's:       {url}/ (aanmelden met een token; docs/pages.md)\
         \n  API-referentie: {url}/api/v1/referentie\
         \n  Demodata:       {sluis} demo --url {url}\
         \n  Documentatie:   README.md, docs/api.md (de API), docs/cli.md (de commando's),\
         \n                  docs/operations.md (logs, metrics, back-up)\n"
    );
}

/// How to run this same binary from a shell: through cargo when it is a build in `target/`
/// (the README's way), else by name.
fn how_invoked() -> String {
    let exe = std::env::current_exe().unwrap_or_default();
    let path = exe.to_string_lossy();
    if path.contains("/target/release/") {
        "cargo run -q --release --".into()
    } else if path.contains("/target/debug/") {
        "cargo run -q --".into()
    } else {
        "sluis".into()
    }
}
