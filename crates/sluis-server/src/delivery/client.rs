//! The HTTP client of one party's endpoint: reqwest over the server's one rustls (ring), with
//! Sluis's client certificate for mutual TLS and only the party's CA as trust anchor.

use super::settings::DeliveryEndpoint;

/// The client for one endpoint (its timeout, its TLS).
pub fn client(e: &DeliveryEndpoint) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .tls_backend_preconfigured(e.tls()?)
        .timeout(e.timeout())
        .connect_timeout(e.timeout())
        .pool_max_idle_per_host(16)
        .build()
        .map_err(|err| format!("delivery client for {}: {err}", e.party))
}
