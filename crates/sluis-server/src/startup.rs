//! Building and running the server: open the store, bind the listener, serve until stopped.
//! actix-web stops on SIGINT/SIGTERM gracefully: it stops accepting, lets requests in flight
//! finish (up to the shutdown timeout), then the store is flushed and synced once more.

use crate::config::Settings;
use crate::gateway::{Clock, Gateway};
use crate::http::auth::{authorize, Security};
use crate::http::ApiError;
use crate::security::audit::AuditLog;
use crate::security::crypto::Keys;
use crate::security::settings::Listener;
use crate::security::tls::{self, ClientCertificates};
use crate::security::tokens::TokenStore;
use crate::store::{Store, StoreError};
use actix_web::dev::Server;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, App, HttpResponse, HttpServer};
use sluis_core::validate::history::ReadFault;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The master key: `security.key_file`, else `sluis.key` in the data directory. A missing file
/// is created only when the configuration says so (the demo); otherwise the server refuses to
/// start, since a new key cannot read what the old one wrote.
fn keys(settings: &Settings) -> std::io::Result<Keys> {
    let path: PathBuf = settings
        .security
        .key_file
        .clone()
        .unwrap_or_else(|| settings.server.data_dir.join("sluis.key"));
    crate::security::settings::check_key_place(
        &path,
        &settings.server.data_dir,
        settings.server.listen,
    )
    .map_err(std::io::Error::other)?;
    if !path.exists() {
        if !settings.security.create_key_if_missing {
            return Err(std::io::Error::other(format!(
                "key file {} is missing (set security.create_key_if_missing for a demo, or restore the key)",
                path.display()
            )));
        }
        tracing::warn!(path = %path.display(), "creating a new key file (demo)");
        Keys::create_file(&path).map_err(std::io::Error::other)?;
    }
    let keys = Keys::load(&path).map_err(std::io::Error::other)?;
    tracing::info!(key_id = keys.current_id(), "keys loaded");
    Ok(keys)
}

/// Tokens, client certificates, the audit log (and its writer thread) and the keys, for the
/// middleware.
fn security(
    settings: &Settings,
    gateway: &Gateway,
    keys: Arc<Keys>,
) -> std::io::Result<(Security, std::thread::JoinHandle<()>)> {
    use std::io::Error as E;
    let tokens = TokenStore::new(
        gateway.open_tree("tokens").map_err(E::other)?,
        &settings.security.tokens,
    )
    .map_err(E::other)?;
    if tokens.has_demo_tokens() {
        tracing::warn!("DEMO TOKENS are configured: their secrets are public; never use this configuration with real data");
    }
    let audit = AuditLog::new(gateway.open_tree("audit").map_err(E::other)?).map_err(E::other)?;
    let (audit_tx, writer) = crate::security::audit::spawn_writer(audit.clone())?;
    let rate = settings.security.rate_limit;
    let security = Security {
        sources: crate::http::limits::RateLimiter::checked(rate.per_second, rate.burst),
        in_flight: crate::http::limits::InFlight::new(settings.security.max_in_flight_per_source),
        refusals: crate::http::limits::Refusals::new(Duration::from_secs(60), audit_tx.clone())?,
        tokens,
        certs: ClientCertificates::new(&settings.security.clients).map_err(E::other)?,
        audit,
        audit_tx,
        keys,
        limiter: crate::http::limits::RateLimiter::new(
            settings.security.rate_limit.per_second,
            settings.security.rate_limit.burst,
        ),
        validatie: crate::http::limits::RateLimiter::new(
            settings.security.validatie_rate_limit.per_second,
            settings.security.validatie_rate_limit.burst,
        ),
        request_timeout: Duration::from_millis(settings.security.request_timeout_ms),
    };
    Ok((security, writer))
}

/// A listener that cannot be bound, said with its address and what to do.
fn bind_error(addr: SocketAddr, e: std::io::Error) -> std::io::Error {
    let what = match e.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "address {addr} is already in use: another Sluis (or another program) listens there; \
             stop it, or choose another address with --listen or SLUIS_LISTEN"
        ),
        std::io::ErrorKind::PermissionDenied => format!(
            "address {addr}: permission denied (a port below 1024 needs privileges; choose a \
             higher port with --listen or SLUIS_LISTEN)"
        ),
        std::io::ErrorKind::AddrNotAvailable => format!(
            "address {addr} is not an address of this machine; choose another with --listen \
             or SLUIS_LISTEN"
        ),
        _ => format!("cannot listen on {addr}: {e}"),
    };
    std::io::Error::new(e.kind(), what)
}

pub struct Application {
    server: Server,
    addr: SocketAddr,
    gateway: web::Data<Gateway>,
    /// Push delivery, started with the server (`docs/delivery.md`).
    delivery: crate::gateway::delivery::Worker,
    audit: AuditLog,
    /// Ends once the workers have dropped the middleware's data (the audit senders).
    audit_writer: std::thread::JoinHandle<()>,
    /// `sluis backup` while running (`None` when the socket could not be made).
    control: Option<crate::control::Control>,
}

/// The store of the data directory, opened with the master key (the data directory is created).
fn open_store(settings: &Settings) -> std::io::Result<(Store, Arc<Keys>)> {
    std::fs::create_dir_all(&settings.server.data_dir)?;
    let keys = Arc::new(keys(settings)?);
    let store = Store::open_with(
        &settings.server.data_dir,
        Duration::from_millis(settings.server.commit_wait_ms),
        Some(keys.clone()),
    )
    .map_err(std::io::Error::other)?;
    store
        .space()
        .set_min_free(settings.server.min_free_mb.saturating_mul(1024 * 1024));
    Ok((store, keys))
}

/// The gateway over an opened store. Building the index reads every trajectory: a damaged
/// page may make sled panic, and a record that does not read is damage too.
fn gateway_over(settings: Settings, store: Store, clock: Clock) -> std::io::Result<Gateway> {
    let dir = settings.server.data_dir.display().to_string();
    crate::store::guard::quietly(|| Gateway::starting(settings, store, clock))
        .unwrap_or_else(|panic| Err(StoreError::Read(ReadFault(panic))))
        .map_err(|e| match e {
            StoreError::Io(e) => e,
            e => std::io::Error::other(StoreError::Damaged {
                dir,
                what: format!("it cannot be read ({e})"),
            }),
        })
}

/// The gateway of a stopped server's data directory, without a listener: for commands that
/// take messages in directly (`sluis import`). Fails while the server runs (the store's lock).
pub fn offline_gateway(settings: Settings) -> std::io::Result<Gateway> {
    let (store, _keys) = open_store(&settings)?;
    gateway_over(settings, store, Clock::system())
}

impl Application {
    /// Open the store and bind the listener (port 0 picks a free one, for tests).
    pub fn build(settings: Settings) -> std::io::Result<Application> {
        Application::build_with_clock(settings, Clock::system())
    }

    /// [`Application::build`] on a given clock (tests: time moved on by months or years).
    pub fn build_with_clock(settings: Settings, clock: Clock) -> std::io::Result<Application> {
        let (store, keys) = open_store(&settings)?;
        let mode = settings.listener().map_err(std::io::Error::other)?;
        let listener = TcpListener::bind(settings.server.listen)
            .map_err(|e| bind_error(settings.server.listen, e))?;
        let addr = listener.local_addr()?;
        let data_dir = settings.server.data_dir.clone();
        // The gateway first: it reopens the store after its start-up reads, which needs the
        // only handle on it; the security layer's trees come from the reopened store.
        let gateway = web::Data::new(gateway_over(settings, store, clock)?);
        let (security, audit_writer) = security(&gateway.settings, &gateway, keys)?;
        let audit = security.audit.clone();
        let security = web::Data::new(security);
        let delivery =
            crate::gateway::delivery::Worker::build(&gateway).map_err(std::io::Error::other)?;
        let control = crate::control::Control::start(
            &data_dir,
            std::sync::Arc::downgrade(&gateway.clone().into_inner()),
            audit.clone(),
        );
        let data = gateway.clone();
        // The web pages' sessions (in memory) and opaque client ids; cookies are `Secure`
        // except on plain HTTP, which the configuration allows on loopback only (the demo).
        let sessions = web::Data::new(crate::web::Sessions::new(
            data.settings.security.sessions,
            !matches!(mode, Listener::Plain),
        ));
        let client_ids = web::Data::new(crate::web::clients::ClientIds::default());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(sessions.clone())
                .app_data(client_ids.clone())
                .app_data(security.clone())
                .wrap(from_fn(authorize))
                // Personal data: never cached, never framed, never sniffed.
                .wrap(
                    DefaultHeaders::new()
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("Cache-Control", "no-store"))
                        .add(("X-Frame-Options", "DENY"))
                        .add((
                            "Content-Security-Policy",
                            "default-src 'none'; frame-ancestors 'none'",
                        ))
                        .add(("Referrer-Policy", "no-referrer"))
                        .add(("Strict-Transport-Security", "max-age=31536000")),
                )
                // A body or query that does not parse is a problem like every other error.
                .app_data(
                    web::JsonConfig::default()
                        .error_handler(|err, _| ApiError::BadRequest(err.to_string()).into()),
                )
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(|err, _| ApiError::BadRequest(err.to_string()).into()),
                )
                .configure(crate::http::configure)
                // Outermost: the request id and the one log line per request.
                .wrap(from_fn(crate::http::trace::trace))
                // The middleware refuses what has no row first; this is the second lock.
                .default_service(web::to(|| async {
                    Err::<HttpResponse, _>(ApiError::NotFound("onbekend pad"))
                }))
        })
        .shutdown_timeout(30)
        // A client that does not send its request head within this time gets 408.
        .client_request_timeout(Duration::from_secs(10))
        .on_connect(tls::on_connect);
        let server = match mode {
            Listener::Tls(t) => {
                let config = tls::server_config(&t).map_err(std::io::Error::other)?;
                server.listen_rustls_0_23(listener, config)?
            }
            Listener::Plain => server.listen(listener)?,
        }
        .run();
        Ok(Application {
            server,
            addr,
            gateway,
            delivery,
            audit,
            audit_writer,
            control,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The audit log, to read (tests: is an entry there right after its answer).
    pub fn audit(&self) -> AuditLog {
        self.audit.clone()
    }

    /// A handle to stop the server from elsewhere (tests).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serve until stopped; then make sure everything acknowledged is on disk.
    pub async fn run(self) -> std::io::Result<()> {
        let delivery = self.delivery.start(self.gateway.clone().into_inner());
        let retention =
            crate::gateway::retention::start(self.gateway.clone().into_inner(), self.audit.clone());
        let result = self.server.await;
        if let Some(r) = retention {
            r.stop().await;
        }
        delivery.stop().await;
        if let Some(control) = self.control {
            control.stop();
        }
        // The audit writer ends when the workers' copies of its sender are gone; its last
        // entries then go into the final sync below (at most 5 s wait).
        for _ in 0..500 {
            if self.audit_writer.is_finished() {
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(10)).await;
        }
        // Bounded: a failing disk must not keep the process from stopping.
        match actix_web::rt::time::timeout(Duration::from_secs(10), self.gateway.durable()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "final sync failed"),
            Err(_) => tracing::error!("final sync did not finish within 10 s"),
        }
        // Workers report "stopped" a moment before they drop their copy of the gateway; wait
        // for them (at most 5 s), so the store is closed and its lock released when this
        // returns and a new server may open the same directory at once.
        let mut gateway = self.gateway.into_inner();
        for _ in 0..500 {
            match std::sync::Arc::try_unwrap(gateway) {
                Ok(last) => {
                    drop(last);
                    tracing::info!("stopped");
                    return result;
                }
                Err(shared) => gateway = shared,
            }
            actix_web::rt::time::sleep(Duration::from_millis(10)).await;
        }
        tracing::warn!("stopped; the store is still held elsewhere");
        result
    }
}
