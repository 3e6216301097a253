//! The rustls configurations of Sluis's outgoing connections for delivery and alerts: the
//! server's one rustls (ring), only the configured CA as trust anchor, and for mutual TLS
//! Sluis's certificate and key. Takes paths, so the settings can check them without this
//! module knowing the settings.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};
use std::path::Path;

fn read(what: &str, path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{what} {}: {e}", path.display()))
}

/// The certificates of a CA file (PEM) as the only roots. The error names the file.
pub fn roots(what: &str, ca: &Path) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    let pem = read(what, ca)?;
    for c in CertificateDer::pem_slice_iter(&pem) {
        let c = c.map_err(|err| format!("{what} {}: {err}", ca.display()))?;
        roots
            .add(c)
            .map_err(|err| format!("{what} {}: {err}", ca.display()))?;
    }
    if roots.is_empty() {
        return Err(format!("{what} {}: geen CERTIFICATE erin", ca.display()));
    }
    Ok(roots)
}

/// Sluis's client identity for mutual TLS: certificate (PEM, with chain) and key.
pub struct Identity<'a> {
    pub cert: &'a Path,
    pub key: &'a Path,
}

/// A client configuration: `ca` the only trust anchor (none: an empty store, which refuses
/// every https server; for plain http to loopback), with `identity` for mutual TLS.
pub fn client_config(
    ca: Option<&Path>,
    identity: Option<Identity<'_>>,
) -> Result<ClientConfig, String> {
    let builder = ClientConfig::builder_with_provider(crate::security::tls::provider())
        .with_safe_default_protocol_versions()
        .map_err(|err| err.to_string())?;
    let roots = match ca {
        Some(ca) => roots("ca", ca)?,
        None => RootCertStore::empty(),
    };
    let builder = builder.with_root_certificates(roots);
    let Some(Identity { cert, key }) = identity else {
        return Ok(builder.with_no_client_auth());
    };
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
        .with_client_auth_cert(chain, key_der)
        .map_err(|err| format!("client_cert/client_key: {err}"))
}
