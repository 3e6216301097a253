//! The HTTP client of one party's endpoint: reqwest over the server's one rustls (ring), with
//! Sluis's client certificate for mutual TLS and only the party's CA as trust anchor.

use super::settings::DeliveryEndpoint;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};

fn read(what: &str, path: &std::path::Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{what} {}: {e}", path.display()))
}

/// The rustls configuration of an `https` endpoint: the party's CA as the only root, Sluis's
/// certificate and key as client identity. The error names the file and what is wrong.
pub fn tls_config(e: &DeliveryEndpoint) -> Result<ClientConfig, String> {
    let builder = ClientConfig::builder_with_provider(crate::security::tls::provider())
        .with_safe_default_protocol_versions()
        .map_err(|err| err.to_string())?;
    let (Some(cert), Some(key), Some(ca)) = (&e.client_cert, &e.client_key, &e.ca) else {
        // Plain HTTP to loopback: no TLS is used, an empty trust store refuses any https.
        return Ok(builder
            .with_root_certificates(RootCertStore::empty())
            .with_no_client_auth());
    };
    let mut roots = RootCertStore::empty();
    let ca_pem = read("ca", ca)?;
    for c in CertificateDer::pem_slice_iter(&ca_pem) {
        let c = c.map_err(|err| format!("ca {}: {err}", ca.display()))?;
        roots
            .add(c)
            .map_err(|err| format!("ca {}: {err}", ca.display()))?;
    }
    if roots.is_empty() {
        return Err(format!("ca {}: geen CERTIFICATE erin", ca.display()));
    }
    let cert_pem = read("client_cert", cert)?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| format!("client_cert {}: {err}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!(
            "client_cert {}: geen CERTIFICATE erin",
            cert.display()
        ));
    }
    let key_pem = read("client_key", key)?;
    let key_der = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|_| format!("client_key {}: geen private key (PEM)", key.display()))?;
    builder
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key_der)
        .map_err(|err| format!("client_cert/client_key: {err}"))
}

/// The client for one endpoint (its timeout, its TLS).
pub fn client(e: &DeliveryEndpoint) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config(e)?)
        .timeout(e.timeout())
        .connect_timeout(e.timeout())
        .pool_max_idle_per_host(16)
        .build()
        .map_err(|err| format!("delivery client for {}: {err}", e.party))
}
