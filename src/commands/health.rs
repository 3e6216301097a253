//! `sluis health`: is a running gateway ready (`GET /readyz`)? For a container's HEALTHCHECK,
//! whose image has no curl.

use super::{current_thread, Failure, Outcome};
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// The gateway, e.g. http://127.0.0.1:8080 or https://127.0.0.1:8443.
    #[arg(
        long,
        env = "SLUIS_HEALTH_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    url: String,
    /// Do not check the server's certificate: allowed only for a loopback address, where the
    /// certificate names another host.
    #[arg(long)]
    insecure: bool,
    /// Longest wait for the answer, in seconds.
    #[arg(long, default_value_t = 5)]
    timeout: u64,
}

pub fn run(args: Args) -> Outcome {
    let fail = |code: u8, e: String| Failure::new(code, format!("health: {e}"));
    let url = reqwest::Url::parse(&args.url).map_err(|e| fail(2, format!("{}: {e}", args.url)))?;
    let host = url.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if args.insecure && !loopback {
        return Err(fail(2, "--insecure only for a loopback address".into()));
    }
    let client = sluis::client::builder()
        .timeout(Duration::from_secs(args.timeout))
        .danger_accept_invalid_certs(args.insecure)
        .build()
        .map_err(|e| fail(2, e.to_string()))?;
    let ready = format!("{}/readyz", args.url.trim_end_matches('/'));
    let runtime = current_thread("health")?;
    let status = runtime
        .block_on(async { client.get(&ready).send().await.map(|r| r.status()) })
        .map_err(|e| fail(1, format!("{ready}: {e}")))?;
    if status.is_success() {
        println!("ready");
        Ok(ExitCode::SUCCESS)
    } else {
        Err(fail(1, format!("{ready}: {status}")))
    }
}
