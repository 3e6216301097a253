//! Fake party endpoints for push delivery: a small actix server per party on a loopback port
//! that logs every offer and answers as its [`Mode`] says.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How a fake party answers.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    /// 200 at once.
    Up,
    /// 200 after this long.
    Slow(Duration),
    /// 500 for about this percentage of offers (seeded, so a run repeats).
    Flaky(u64),
    /// 429 with `Retry-After: 1` on the first offer of every delivery, then 200.
    RateLimited,
}

/// One offer as the party saw it.
#[derive(Debug, Clone)]
pub struct Offer {
    pub delivery_id: String,
    pub bericht_id: u64,
    pub soort: String,
    pub bericht: String,
    pub identificatie: String,
    pub content_type: String,
    pub body: String,
    pub at: Instant,
    /// The status the party answered.
    pub status: u16,
}

struct State {
    mode: Mode,
    log: Mutex<Vec<Offer>>,
    seen: Mutex<HashSet<String>>,
    rng: Mutex<u64>,
}

pub struct FakeParty {
    pub url: String,
    state: Arc<State>,
    handle: actix_web::dev::ServerHandle,
}

/// A free loopback port, for a party that is down now and comes up later.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn header(req: &HttpRequest, name: &str) -> String {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn receive(req: HttpRequest, body: web::Bytes, state: web::Data<State>) -> HttpResponse {
    let id = header(&req, "Sluis-Delivery-Id");
    let first = state.seen.lock().expect("lock").insert(id.clone());
    let status = match state.mode {
        Mode::Up => 200,
        Mode::Slow(d) => {
            actix_web::rt::time::sleep(d).await;
            200
        }
        Mode::Flaky(pct) => {
            let mut r = state.rng.lock().expect("lock");
            // xorshift64
            *r ^= *r << 13;
            *r ^= *r >> 7;
            *r ^= *r << 17;
            if *r % 100 < pct {
                500
            } else {
                200
            }
        }
        Mode::RateLimited if first => 429,
        Mode::RateLimited => 200,
    };
    state.log.lock().expect("lock").push(Offer {
        bericht_id: header(&req, "Sluis-Bericht-Id").parse().unwrap_or(0),
        delivery_id: id,
        soort: header(&req, "Sluis-Soort"),
        bericht: header(&req, "Sluis-Bericht"),
        identificatie: header(&req, "Sluis-Identificatie"),
        content_type: header(&req, "Content-Type"),
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
        status,
    });
    let mut r = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("status"));
    if status == 429 {
        r.insert_header(("Retry-After", "1"));
    }
    r.finish()
}

impl FakeParty {
    /// A party on a free port.
    pub fn start(mode: Mode) -> FakeParty {
        FakeParty::start_on(mode, 0)
    }

    /// A party on `port` (0: any free one).
    pub fn start_on(mode: Mode, port: u16) -> FakeParty {
        FakeParty::serve(mode, port, None)
    }

    /// A party speaking TLS with this configuration (mutual TLS when it verifies clients).
    pub fn start_tls(mode: Mode, tls: rustls::ServerConfig) -> FakeParty {
        FakeParty::serve(mode, 0, Some(tls))
    }

    fn serve(mode: Mode, port: u16, tls: Option<rustls::ServerConfig>) -> FakeParty {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(State {
            mode,
            log: Mutex::new(Vec::new()),
            seen: Mutex::new(HashSet::new()),
            rng: Mutex::new(0x9E37_79B9_7F4A_7C15),
        });
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(16 * 1024 * 1024))
                .route("/in", web::post().to(receive))
        })
        .workers(2);
        let scheme = if tls.is_some() { "https" } else { "http" };
        let server = match tls {
            Some(config) => server.listen_rustls_0_23(listener, config),
            None => server.listen(listener),
        }
        .expect("listen")
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        FakeParty {
            url: if scheme == "https" {
                format!("https://localhost:{}/in", addr.port())
            } else {
                format!("http://{addr}/in")
            },
            state,
            handle,
        }
    }

    /// Every offer so far, in the order they arrived.
    pub fn offers(&self) -> Vec<Offer> {
        self.state.log.lock().expect("lock").clone()
    }

    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}
