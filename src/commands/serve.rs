//! `sluis serve`: run the gateway.

use super::{Failure, Outcome};
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

pub fn run(args: Args) -> Outcome {
    let overrides = sluis::config::Overrides {
        listen: args.listen,
        data_dir: args.data_dir,
    };
    let settings = sluis::config::Settings::load(&args.config, &overrides)
        .map_err(|e| Failure::new(2, e.to_string()))?;
    let data_dir = settings.server.data_dir.clone();
    actix_web::rt::System::new()
        .block_on(async move {
            let app = sluis::startup::Application::build(settings)?;
            tracing::info!(addr = %app.addr(), data_dir = %data_dir.display(), "Sluis listening");
            app.run().await
        })
        .map_err(|e| Failure::new(1, format!("sluis serve: {e}")))?;
    Ok(ExitCode::SUCCESS)
}
