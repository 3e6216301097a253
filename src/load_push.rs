//! `sluis bench-load --push`: the load of `bench-load` with push delivery on (`docs/delivery.md`,
//! `docs/performance.md`): six parties with an endpoint — the gemeente and five aanbieders, one
//! of them down — each up party a small HTTP endpoint in this process that answers 200. After
//! the posts it measures how long the gateway needs to deliver the rest: delivery keeps up
//! when that tail is short and no up party falls behind during the load.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// The aanbieders of the push load, trajectories spread over them in turn; the last is down.
pub const AANBIEDERS: [&str; 5] = ["12345678", "23456789", "34567890", "45678901", "56789012"];
pub const DOWN: &str = "56789012";

/// What the fake parties received: distinct delivery ids, offers, the moment of the last.
#[derive(Default)]
pub struct Received {
    pub ids: HashSet<String>,
    pub offers: u64,
    pub last: Option<Instant>,
}

/// An endpoint answering every POST with 200 (HTTP/1.1, keep-alive). Returns its port.
pub async fn endpoint(log: Arc<Mutex<Received>>) -> std::io::Result<u16> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let (read, mut write) = conn.into_split();
                let mut reader = BufReader::new(read);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let (mut len, mut id) = (0usize, String::new());
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let l = line.trim_end();
                        if l.is_empty() {
                            break;
                        }
                        if let Some((k, v)) = l.split_once(':') {
                            match k.trim().to_ascii_lowercase().as_str() {
                                "content-length" => len = v.trim().parse().unwrap_or(0),
                                "sluis-delivery-id" => id = v.trim().to_string(),
                                _ => {}
                            }
                        }
                    }
                    let mut body = vec![0; len];
                    if reader.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    if let Ok(mut r) = log.lock() {
                        r.ids.insert(id);
                        r.offers += 1;
                        r.last = Some(Instant::now());
                    }
                    if write
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    Ok(port)
}

/// The configuration of the push load: `base` with two more aanbieders (contracts and demo
/// tokens like 12345678's), product 45A07 for every aanbieder, and an endpoint per party:
/// `(party, port)`, the down party on a port where nobody listens.
pub fn config(base: &str, endpoints: &[(String, u16)]) -> String {
    let mut s = base.to_string();
    for (i, agb) in AANBIEDERS.iter().enumerate() {
        if !base.contains(&format!("agb = \"{agb}\"")) {
            s.push_str(&format!(
                "\n[[aanbieders]]\nagb = \"{agb}\"\nnaam = \"Aanbieder {agb} (bench)\"\n\n[[security.tokens]]\nid = \"demo-aanbieder-{agb}\"\nrole = \"aanbieder\"\nparty = \"{agb}\"\nlabel = \"DEMO: bench {agb}\"\ndemo_secret = \"sluis_demo-aanbieder-{agb}_d{:063x}\"\n",
                0xb0 + i
            ));
        }
        if *agb != "12345678" {
            for cat in ["31", "01"] {
                s.push_str(&format!(
                    "\n[[contracten]]\naanbieder = \"{agb}\"\ncategorie = \"{cat}\"\ncode = \"45A07\"\ntarief = 2500\neenheid = \"04\"\nuitvoeringsvariant = \"inspanning\"\n"
                ));
            }
        }
    }
    s.push_str("\n[delivery]\nbackoff_ms = 200\nmax_backoff_ms = 5000\n");
    for (party, port) in endpoints {
        s.push_str(&format!(
            "\n[[delivery.endpoints]]\nparty = \"{party}\"\nurl = \"http://127.0.0.1:{port}/in\"\n"
        ));
    }
    s
}

/// Poll the gateway's metrics until the backlog of every up party is 0; how long that took.
pub async fn drain(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    up: &[String],
    within: Duration,
) -> Result<Duration, String> {
    let started = Instant::now();
    loop {
        let text = crate::demo::with_token(client.get(format!("{url}/metrics")), token)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        let backlog = |party: &str| {
            let name = format!("sluis_delivery_backlog{{party=\"{party}\"}} ");
            text.lines()
                .find_map(|l| l.strip_prefix(name.as_str()))
                .and_then(|v| v.trim().parse::<f64>().ok())
        };
        if up.iter().all(|p| backlog(p) == Some(0.0)) {
            return Ok(started.elapsed());
        }
        if started.elapsed() > within {
            return Err(format!("delivery did not catch up within {within:?}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_push_configuration_is_valid() {
        let endpoints: Vec<(String, u16)> = std::iter::once("0599")
            .chain(AANBIEDERS)
            .enumerate()
            .map(|(i, p)| (p.to_string(), 20_000 + i as u16))
            .collect();
        let text = config(include_str!("../config/sluis.toml"), &endpoints);
        let s = crate::config::Settings::parse(&text).expect("valid");
        assert_eq!(s.delivery.endpoints.len(), 6);
        assert_eq!(s.aanbieders.len(), 5);
        let tokens = crate::demo::Tokens::from_settings(&s);
        assert!(AANBIEDERS.iter().all(|a| tokens.party(a).is_some()));
    }
}
