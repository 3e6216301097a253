//! The one way the tests start a gateway: [`spawn_app`] runs the real server on a loopback port
//! with a real sled store in a directory of the test, and gives a [`TestApp`] with its address,
//! an HTTP client and helpers. As in Zero To Production, every test gets its own server.

use crate::auth::DemoAuth;
use reqwest::StatusCode;
use serde_json::Value;
use sluis::config::Settings;
use sluis::startup::Application;
use std::path::Path;

/// The demo configuration of `config/sluis.toml` on a free loopback port, storing in `dir`.
pub fn settings(dir: &Path) -> Settings {
    let mut s = Settings::parse(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/sluis.toml"
    )))
    .expect("demo config");
    s.server.listen = "127.0.0.1:0".parse().expect("addr");
    s.server.data_dir = dir.to_path_buf();
    s
}

/// A running gateway.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`, or `https://localhost:PORT` with TLS.
    pub base: String,
    pub client: reqwest::Client,
    /// The server's audit log, read directly (is an entry there right after its answer?).
    pub audit: sluis::security::audit::AuditLog,
    settings: Settings,
    /// The gateway's clock (the system's unless [`spawn_app_clocked`]); kept over a restart.
    clock: Option<sluis::gateway::Clock>,
    handle: actix_web::dev::ServerHandle,
    running: actix_web::rt::task::JoinHandle<std::io::Result<()>>,
}

/// The gateway of the demo configuration, storing in `dir`.
pub async fn spawn_app(dir: &Path) -> TestApp {
    spawn_app_with(settings(dir)).await
}

/// The gateway of `settings`.
///
/// Retries a locked data directory ("another Sluis is running on it") for at most two seconds, for a start right after a stop on
/// the same directory: `Application::run` can return while an actix worker thread still holds
/// its `Data<Gateway>` (the workers report "stopped" before they drop their apps), so the sled
/// store and its file lock outlive the stop for a moment.
pub async fn spawn_app_with(settings: Settings) -> TestApp {
    spawn(settings, None).await
}

/// The gateway of `settings` on `clock` (a test that moves time on by months).
pub async fn spawn_app_clocked(settings: Settings, clock: sluis::gateway::Clock) -> TestApp {
    spawn(settings, Some(clock)).await
}

async fn spawn(settings: Settings, clock: Option<sluis::gateway::Clock>) -> TestApp {
    for _ in 0..200 {
        let built = match &clock {
            Some(c) => Application::build_with_clock(settings.clone(), c.clone()),
            None => Application::build(settings.clone()),
        };
        match built {
            Ok(app) => return serve(app, settings, clock),
            Err(e) if e.to_string().contains("another Sluis is running") => {
                actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            Err(e) => panic!("server starts: {e}"),
        }
    }
    panic!("the store of the stopped server was never closed");
}

fn serve(app: Application, settings: Settings, clock: Option<sluis::gateway::Clock>) -> TestApp {
    let base = if settings.security.tls.cert.is_some() {
        format!("https://localhost:{}", app.addr().port())
    } else {
        format!("http://{}", app.addr())
    };
    let handle = app.handle();
    let audit = app.audit();
    let running = actix_web::rt::spawn(app.run());
    TestApp {
        base,
        client: sluis::client::client().expect("client"),
        audit,
        settings,
        clock,
        handle,
        running,
    }
}

/// A reply: status, Location, body.
pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// The Sluis codes of the errors of a problem reply.
    pub fn codes(&self) -> Vec<String> {
        self.json()["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["code"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl TestApp {
    /// Stop gracefully and wait until the store is closed.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        let stopped = self.running.await;
        assert!(matches!(stopped, Ok(Ok(()))), "clean stop");
    }

    /// Stop, and start again with the same settings (the same data directory).
    pub async fn restart(self) -> TestApp {
        let (settings, clock) = (self.settings.clone(), self.clock.clone());
        self.stop().await;
        spawn(settings, clock).await
    }

    /// A request with the token of the demo party that would make it (`auth::for_request`).
    pub async fn send(&self, method: reqwest::Method, path: &str, ct: &str, body: String) -> Reply {
        let r = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("Content-Type", ct)
            .body(body)
            .demo_auth()
            .send()
            .await
            .expect("request");
        Reply {
            status: r.status(),
            location: r
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .map(str::to_string),
            body: r.text().await.expect("body"),
        }
    }

    /// GET `path` as JSON (`Null` for a body that is not).
    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .demo_auth()
            .send()
            .await
            .expect("request");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get_text(&self, path: &str) -> (StatusCode, String) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .demo_auth()
            .send()
            .await
            .expect("request");
        (r.status(), r.text().await.expect("text"))
    }
}
