//! Building and running the server: open the store, bind the listener, serve until stopped.
//! actix-web stops on SIGINT/SIGTERM gracefully: it stops accepting, lets requests in flight
//! finish (up to the shutdown timeout), then the store is flushed and synced once more.

use crate::config::Settings;
use crate::gateway::Gateway;
use crate::store::Store;
use actix_web::dev::Server;
use actix_web::{web, App, HttpResponse, HttpServer};
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

pub struct Application {
    server: Server,
    addr: SocketAddr,
    gateway: web::Data<Gateway>,
}

impl Application {
    /// Open the store and bind the listener (port 0 picks a free one, for tests).
    pub fn build(settings: Settings) -> std::io::Result<Application> {
        let store = Store::open(
            &settings.server.data_dir,
            Duration::from_millis(settings.server.commit_wait_ms),
        )
        .map_err(std::io::Error::other)?;
        let listener = TcpListener::bind(settings.server.listen)?;
        let addr = listener.local_addr()?;
        let gateway = web::Data::new(Gateway::new(settings, store).map_err(std::io::Error::other)?);
        let data = gateway.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::JsonConfig::default().error_handler(|err, _| {
                    let detail = err.to_string();
                    actix_web::error::InternalError::from_response(
                        err,
                        crate::http::problem::bad_request(detail),
                    )
                    .into()
                }))
                .configure(crate::http::routes)
                .default_service(web::to(|| async {
                    HttpResponse::NotFound()
                        .content_type("application/problem+json")
                        .body(r#"{"type":"https://sluis.example/problems/not-found","title":"Niet gevonden","status":404,"detail":"onbekend pad"}"#)
                }))
        })
        .shutdown_timeout(30)
        .listen(listener)?
        .run();
        Ok(Application {
            server,
            addr,
            gateway,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle to stop the server from elsewhere (tests).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serve until stopped; then make sure everything acknowledged is on disk.
    pub async fn run(self) -> std::io::Result<()> {
        let result = self.server.await;
        if let Err(e) = self.gateway.store.durable().await {
            tracing::error!(error = %e, "final sync failed");
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
