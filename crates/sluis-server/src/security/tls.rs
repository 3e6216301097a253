//! TLS for the listener with rustls (ring provider only: one crypto stack, no C build of
//! aws-lc), optionally with client certificates (mutual TLS) checked against a configured CA.
//! Client certificates are optional in the handshake, so callers with a bearer token still
//! connect; a certificate that is presented must chain to the CA, or the handshake fails.
//!
//! A verified client certificate is mapped to a party by the SHA-256 fingerprint of its DER
//! form, listed in the configuration ([`ClientCertificates`]). Fingerprints, not subjects:
//! they pin one certificate exactly and need no X.509 parser; a renewed certificate is a new
//! line in the configuration.

use crate::security::access::{Principal, Role, Scope, ScopeError};
use crate::security::settings::{ClientCertificate, Listener, SecuritySettings, TlsSettings};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("TLS: {what} {path}: {message}")]
    Pem {
        what: &'static str,
        path: String,
        message: String,
    },
    #[error("TLS: {0}")]
    Config(String),
}

/// The one crypto provider: ring.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// SHA-256 of a certificate's DER form, lowercase hex: the fingerprint `openssl x509
/// -fingerprint -sha256` prints (without colons, in lower case).
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

/// A fingerprint from the configuration: hex, colons and case ignored.
pub fn normalize_fingerprint(s: &str) -> Option<String> {
    let hex: String = s
        .chars()
        .filter(|c| *c != ':')
        .collect::<String>()
        .to_ascii_lowercase();
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

fn pem_err(what: &'static str, path: &Path, e: impl std::fmt::Display) -> TlsError {
    TlsError::Pem {
        what,
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn read(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|e| pem_err(what, path, e))
}

/// The server configuration from the `[security.tls]` files.
pub fn server_config(tls: &TlsSettings) -> Result<ServerConfig, TlsError> {
    let (Some(cert), Some(key)) = (&tls.cert, &tls.key) else {
        return Err(TlsError::Config("cert and key are both needed".into()));
    };
    let ca = match &tls.client_ca {
        Some(p) => Some((read("client CA", p)?, p.as_path())),
        None => None,
    };
    server_config_from_pem(
        (&read("certificate", cert)?, cert),
        (&read("key", key)?, key),
        ca.as_ref().map(|(pem, p)| (pem.as_slice(), *p)),
    )
}

/// The same from PEM bytes (the paths only name them in errors).
pub fn server_config_from_pem(
    (cert_pem, cert_path): (&[u8], &Path),
    (key_pem, key_path): (&[u8], &Path),
    client_ca: Option<(&[u8], &Path)>,
) -> Result<ServerConfig, TlsError> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_err("certificate", cert_path, e))?;
    if chain.is_empty() {
        return Err(pem_err("certificate", cert_path, "no CERTIFICATE in it"));
    }
    // The key's own parse error could quote nothing secret, but say only what failed.
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|_| {
        pem_err(
            "key",
            key_path,
            "no readable private key (PKCS#8, PKCS#1 or SEC1 PEM)",
        )
    })?;
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?;
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some((pem, path)) => {
            let mut roots = RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(pem) {
                let c = c.map_err(|e| pem_err("client CA", path, e))?;
                roots.add(c).map_err(|e| pem_err("client CA", path, e))?;
            }
            if roots.is_empty() {
                return Err(pem_err("client CA", path, "no CERTIFICATE in it"));
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                .allow_unauthenticated()
                .build()
                .map_err(|e| TlsError::Config(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    builder
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Config(format!("certificate and key: {e}")))
}

/// The verified client certificate of a connection, put into the connection's extensions by
/// [`on_connect`]; a handler reads it with `req.conn_data::<PeerCertificate>()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCertificate {
    pub fingerprint: String,
}

/// For `HttpServer::on_connect`: records the client certificate of a TLS connection (rustls
/// has verified it against the CA during the handshake).
pub fn on_connect(conn: &dyn std::any::Any, ext: &mut actix_web::dev::Extensions) {
    type Tls = actix_tls::accept::rustls_0_23::TlsStream<actix_web::rt::net::TcpStream>;
    if let Some(tls) = conn.downcast_ref::<Tls>() {
        let (_, session) = tls.get_ref();
        if let Some(leaf) = session.peer_certificates().and_then(|c| c.first()) {
            ext.insert(PeerCertificate {
                fingerprint: fingerprint(leaf.as_ref()),
            });
        }
    }
}

impl SecuritySettings {
    /// Check the section against the listen address; the error is for the operator.
    pub fn check(&self, listen: SocketAddr) -> Result<Listener, String> {
        let v = self.validatie_rate_limit;
        if v.per_second == 0 || v.burst == 0 {
            return Err(
                "security.validatie_rate_limit: per_second and burst must be above 0".into(),
            );
        }
        if self.rate_limit.per_second == 0 || self.rate_limit.burst == 0 {
            return Err("security.rate_limit: per_second and burst must be above 0".into());
        }
        if self.request_timeout_ms < 100 {
            return Err("security.request_timeout_ms: at least 100".into());
        }
        if self.max_in_flight_per_source == 0 {
            return Err("security.max_in_flight_per_source: at least 1".into());
        }
        let t = &self.tls;
        let listener = match (&t.cert, &t.key) {
            (Some(_), Some(_)) => Listener::Tls(t.clone()),
            (None, None) if t.plain_http_allowed => {
                if !listen.ip().is_loopback() {
                    return Err(format!(
                        "security.tls.plain_http_allowed: plain HTTP only on a loopback address, not {listen}"
                    ));
                }
                Listener::Plain
            }
            (None, None) => {
                return Err(
                    "security.tls: cert and key are needed (plain_http_allowed = true only for a loopback demo)"
                        .into(),
                )
            }
            _ => return Err("security.tls: give both cert and key".into()),
        };
        if t.client_ca.is_some() && listener == Listener::Plain {
            return Err("security.tls.client_ca needs TLS (cert and key)".into());
        }
        if !self.clients.is_empty() && t.client_ca.is_none() {
            return Err("security.clients needs security.tls.client_ca".into());
        }
        ClientCertificates::new(&self.clients).map_err(|e| e.to_string())?;
        // A demo token's secret is public: only where nobody else can reach it.
        if let Some(demo) = self.tokens.iter().find(|t| t.id.starts_with("demo-")) {
            if listener != Listener::Plain || !listen.ip().is_loopback() {
                return Err(format!(
                    "security.tokens: demo token {} has a public secret; demo tokens only with plain HTTP on a loopback address, not on {listen} with TLS: remove the demo tokens",
                    demo.id
                ));
            }
        }
        Ok(listener)
    }
}

/// The configured client certificates, by fingerprint.
#[derive(Debug, Clone, Default)]
pub struct ClientCertificates {
    by_fingerprint: HashMap<String, Principal>,
}

impl ClientCertificates {
    /// From `[[security.clients]]`; each entry's scope must fit its role.
    pub fn new(clients: &[ClientCertificate]) -> Result<ClientCertificates, TlsError> {
        let mut by_fingerprint = HashMap::new();
        for c in clients {
            let fp = normalize_fingerprint(&c.fingerprint).ok_or_else(|| {
                TlsError::Config(format!(
                    "client {:?}: fingerprint must be 64 hex digits (SHA-256)",
                    c.label
                ))
            })?;
            let p = principal(&fp, c.role, &c.scope())
                .map_err(|e| TlsError::Config(format!("client {:?}: {e}", c.label)))?;
            if by_fingerprint.insert(fp, p).is_some() {
                return Err(TlsError::Config(format!(
                    "client {:?}: fingerprint listed twice",
                    c.label
                )));
            }
        }
        Ok(ClientCertificates { by_fingerprint })
    }

    /// The principal of a verified client certificate; `None` for one not configured (the
    /// caller is then unauthenticated unless it brings a token).
    pub fn identify(&self, peer: &PeerCertificate) -> Option<Principal> {
        self.by_fingerprint.get(&peer.fingerprint).cloned()
    }
}

fn principal(fp: &str, role: Role, scope: &Scope) -> Result<Principal, ScopeError> {
    Principal::new(format!("cert:{}", &fp[..16]), role, scope)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    use rustls::pki_types::ServerName;
    use std::path::PathBuf;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    struct Ca {
        issuer: Issuer<'static, KeyPair>,
        pem: String,
    }

    fn ca(name: &str) -> Ca {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let cert = params.self_signed(&key).expect("ca");
        Ca {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf signed by `ca`: (certificate PEM, key PEM, DER).
    fn leaf(ca: &Ca, names: &[&str]) -> (String, String, Vec<u8>) {
        let key = KeyPair::generate().expect("key");
        let params =
            CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .expect("params");
        let cert = params.signed_by(&key, &ca.issuer).expect("leaf");
        (cert.pem(), key.serialize_pem(), cert.der().to_vec())
    }

    async fn whoami(req: HttpRequest, clients: web::Data<ClientCertificates>) -> HttpResponse {
        let party = req
            .conn_data::<PeerCertificate>()
            .and_then(|p| clients.identify(p))
            .and_then(|p| p.party)
            .unwrap_or_else(|| "none".into());
        HttpResponse::Ok().body(party)
    }

    /// GET /whoami over TLS, with an optional client certificate: the body, or the error.
    async fn call(
        addr: std::net::SocketAddr,
        server_ca: &str,
        client: Option<&(String, String, Vec<u8>)>,
    ) -> Result<String, String> {
        let mut roots = RootCertStore::empty();
        for c in CertificateDer::pem_slice_iter(server_ca.as_bytes()) {
            roots
                .add(c.map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
        }
        let b = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots);
        let config = match client {
            None => b.with_no_client_auth(),
            Some((cert, key, _)) => b
                .with_client_auth_cert(
                    vec![CertificateDer::from_pem_slice(cert.as_bytes())
                        .map_err(|e| e.to_string())?],
                    PrivateKeyDer::from_pem_slice(key.as_bytes()).map_err(|e| e.to_string())?,
                )
                .map_err(|e| e.to_string())?,
        };
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| e.to_string())?;
        let name = ServerName::try_from("localhost").map_err(|e| e.to_string())?;
        let mut tls = connector
            .connect(name, tcp)
            .await
            .map_err(|e| e.to_string())?;
        tls.write_all(b"GET /whoami HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        // With TLS 1.3 the server's verdict on the client certificate arrives after the
        // client's handshake has finished: a refusal shows up here.
        tls.read_to_end(&mut out).await.map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&out).into_owned();
        if !text.starts_with("HTTP/1.1 200") {
            return Err(format!("no 200: {text}"));
        }
        Ok(text.rsplit("\r\n\r\n").next().unwrap_or("").to_string())
    }

    #[actix_web::test]
    async fn mutual_tls_maps_client_certificates_to_parties() {
        let dir = tempfile::tempdir().expect("dir");
        let server_ca = ca("Sluis test server CA");
        let client_ca = ca("Sluis test client CA");
        let other_ca = ca("Somebody else's CA");
        let (srv_cert, srv_key, _) = leaf(&server_ca, &["localhost"]);
        let known = leaf(&client_ca, &["brug.example"]);
        let unknown = leaf(&client_ca, &["anker.example"]);
        let foreign = leaf(&other_ca, &["brug.example"]);

        let write = |name: &str, text: &str| -> PathBuf {
            let p = dir.path().join(name);
            std::fs::write(&p, text).expect("write");
            p
        };
        let settings = TlsSettings {
            cert: Some(write("server.pem", &srv_cert)),
            key: Some(write("server.key", &srv_key)),
            client_ca: Some(write("clients-ca.pem", &client_ca.pem)),
            plain_http_allowed: false,
        };
        let config = server_config(&settings).expect("server config");
        // The configuration lists the fingerprint with colons and in capitals, as openssl shows it.
        let fp = fingerprint(&known.2).to_uppercase();
        let colons: Vec<String> = fp
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        let clients = ClientCertificates::new(&[ClientCertificate {
            fingerprint: colons.join(":"),
            role: Role::Aanbieder,
            party: Some("12345678".into()),
            gemeente: None,
            team: None,
            label: "De Brug".into(),
        }])
        .expect("clients");
        let data = web::Data::new(clients);

        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/whoami", web::get().to(whoami))
        })
        .workers(1)
        .on_connect(on_connect)
        .listen_rustls_0_23(listener, config)
        .expect("listen")
        .run();
        let handle = server.handle();
        let running = actix_web::rt::spawn(server);

        assert_eq!(
            call(addr, &server_ca.pem, Some(&known)).await,
            Ok("12345678".into())
        );
        assert_eq!(
            call(addr, &server_ca.pem, Some(&unknown)).await,
            Ok("none".into())
        );
        assert_eq!(
            call(addr, &server_ca.pem, None).await,
            Ok("none".into()),
            "no certificate: tokens still work"
        );
        let refused = call(addr, &server_ca.pem, Some(&foreign)).await;
        assert!(
            refused.is_err(),
            "a certificate of another CA got in: {refused:?}"
        );
        // And the client refuses a server it cannot verify.
        assert!(call(addr, &other_ca.pem, None).await.is_err());

        handle.stop(true).await;
        let _ = running.await;
    }

    #[test]
    fn configuration_errors() {
        let dir = tempfile::tempdir().expect("dir");
        let missing = TlsSettings {
            cert: Some(dir.path().join("nope.pem")),
            key: Some(dir.path().join("nope.key")),
            client_ca: None,
            plain_http_allowed: false,
        };
        let e = server_config(&missing)
            .expect_err("missing files")
            .to_string();
        assert!(e.contains("nope.pem"), "{e}");
        let ca = ca("x");
        let (cert, _, _) = leaf(&ca, &["localhost"]);
        let p = Path::new("k.pem");
        // A certificate where the key should be.
        let e = server_config_from_pem((cert.as_bytes(), p), (cert.as_bytes(), p), None)
            .expect_err("no key")
            .to_string();
        assert!(e.contains("private key") && !e.contains("BEGIN"), "{e}");
        assert!(normalize_fingerprint("AB:cd").is_none());
        let bad = ClientCertificate {
            fingerprint: "00".repeat(32),
            role: Role::Aanbieder,
            party: None,
            gemeente: None,
            team: None,
            label: "x".into(),
        };
        assert!(
            ClientCertificates::new(&[bad]).is_err(),
            "aanbieder without AGB-code"
        );
    }
}
