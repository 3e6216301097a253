//! The control socket `sluis.sock` in the data directory, for `sluis backup` and `sluis
//! bewaren` while the gateway runs. A unix socket, not an HTTP endpoint: whoever may use it can read the data directory
//! already (mode 0600, owned by the gateway's user), it is never on the network, and it needs
//! no token. One command a connection: the client writes `backup\n`, the gateway answers with
//! the backup file ([`crate::store::backup`]) and closes; or `bewaren\n` (`bewaren droog\n`:
//! a dry run), answered with one JSON line, the run's report or `{"fout": …}`
//! (`docs/retention.md`). Connections are served one at a time.

use crate::gateway::Gateway;
use crate::security::audit::{Action, AuditLog, Event, Object, Outcome};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// The socket's name in the data directory.
pub const SOCKET: &str = "sluis.sock";

/// The running control socket; [`Control::stop`] closes it and removes the file.
pub struct Control {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Control {
    /// Listen in `dir`. `None` (with a warning) when the socket cannot be made, e.g. a path
    /// longer than a unix socket takes: then `sluis backup` needs the gateway stopped.
    pub fn start(dir: &Path, gateway: Weak<Gateway>, audit: AuditLog) -> Option<Control> {
        let path = dir.join(SOCKET);
        // Left by a server that was killed: this process holds the store's lock, so no other
        // server is using it.
        let _ = std::fs::remove_file(&path);
        let listener = match UnixListener::bind(&path) {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "no control socket: `sluis backup` needs the gateway stopped");
                return None;
            }
        };
        {
            use std::os::unix::fs::PermissionsExt;
            if let Err(e) = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            {
                tracing::warn!(error = %e, "control socket: mode 0600 not set");
            }
        }
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("sluis-control".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    match conn {
                        Ok(stream) => serve(stream, &gateway, &audit),
                        Err(e) => tracing::warn!(error = %e, "control socket: accept failed"),
                    }
                }
            })
            .map_err(|e| tracing::warn!(error = %e, "no control socket thread"))
            .ok()?;
        Some(Control {
            path,
            stop,
            thread: Some(thread),
        })
    }

    /// Stop listening and remove the socket file.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept.
        let _ = UnixStream::connect(&self.path);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The audit entry of a backup (NEN 7513: the whole store left the gateway), written after
/// it: by the control socket of a running gateway, or by `sluis backup` on a stopped one.
pub fn backup_event(via: &str, summary: &crate::store::backup::Summary) -> Event {
    Event {
        actor: via.to_string(),
        role: Some(crate::security::access::Role::Operator),
        on_behalf_of: None,
        action: Action::Export,
        object: Object::new("backup", None),
        client: None,
        outcome: Outcome::Success,
        source: Some("local".into()),
        detail: Some(format!(
            "back-up: {} bomen, {} sleutels, {} bytes",
            summary.trees, summary.entries, summary.bytes
        )),
    }
}

/// The audit entry of `sluis comprimeer`: counts and sizes, nothing about a client.
pub fn compact_event(via: &str, entries: u64, before: u64, after: u64) -> Event {
    Event {
        actor: via.to_string(),
        role: Some(crate::security::access::Role::Operator),
        on_behalf_of: None,
        action: Action::Update,
        object: Object::new("comprimeer", None),
        client: None,
        outcome: Outcome::Success,
        source: Some("local".into()),
        detail: Some(format!(
            "opslag gecomprimeerd: {entries} sleutels, {before} → {after} bytes"
        )),
    }
}

fn serve(stream: UnixStream, gateway: &Weak<Gateway>, audit: &AuditLog) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    // The gateway's writers wait while the backup is written: a reader that stops reading
    // must not hold them up for long.
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    let mut line = String::new();
    let read = BufReader::new((&stream).take(64)).read_line(&mut line);
    let mut out = BufWriter::with_capacity(1 << 20, &stream);
    if read.is_ok() && matches!(line.trim(), "bewaren" | "bewaren droog") {
        let answer = match gateway.upgrade() {
            None => serde_json::json!({"fout": "de gateway stopt"}),
            Some(gw) => {
                let droog = line.trim().ends_with("droog");
                let never = AtomicBool::new(false);
                match gw.bewaren(audit, "control-socket", droog, &never) {
                    Ok(v) => serde_json::to_value(v).unwrap_or_default(),
                    Err(e) => {
                        tracing::error!(error = %e, "retention run failed");
                        serde_json::json!({"fout": e.to_string()})
                    }
                }
            }
        };
        let _ = writeln!(out, "{answer}");
        let _ = out.flush();
        return;
    }
    if read.is_err() || line.trim() != "backup" {
        let _ = crate::store::backup::fail(
            &mut out,
            "unknown command; the socket knows: backup, bewaren, bewaren droog",
        );
        return;
    }
    let Some(gw) = gateway.upgrade() else {
        let _ = crate::store::backup::fail(&mut out, "the gateway is stopping");
        return;
    };
    let started = Instant::now();
    match gw.backup(audit, &mut out) {
        Ok(s) => {
            tracing::info!(
                trees = s.trees,
                entries = s.entries,
                bytes = s.bytes,
                pause_ms = started.elapsed().as_millis() as u64,
                "backup written to the control socket"
            );
            if let Err(e) = audit.append(backup_event("control-socket", &s)) {
                tracing::error!(error = %e, "the backup's audit entry was not written");
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "backup failed");
            let _ = crate::store::backup::fail(&mut out, &e.to_string());
        }
    }
    let _ = out.flush();
}

/// Ask the gateway on `dir` to run the retention policy (`droog`: a dry run) and wait for its
/// report; `Ok(None)` when no gateway listens there.
pub fn request_bewaren(
    dir: &Path,
    droog: bool,
) -> std::io::Result<Option<Result<crate::gateway::retention::Verslag, String>>> {
    let Some(mut s) = connect(dir)? else {
        return Ok(None);
    };
    // A long run is batches; the answer comes when it is done.
    s.set_read_timeout(None)?;
    s.write_all(if droog {
        b"bewaren droog\n"
    } else {
        b"bewaren\n"
    })?;
    let mut line = String::new();
    BufReader::new(s).read_line(&mut line)?;
    let v: serde_json::Value = serde_json::from_str(&line).map_err(std::io::Error::other)?;
    if let Some(f) = v.get("fout").and_then(|f| f.as_str()) {
        return Ok(Some(Err(f.to_string())));
    }
    let verslag = serde_json::from_value::<crate::gateway::retention::Verslag>(v)
        .map_err(std::io::Error::other)?;
    Ok(Some(Ok(verslag)))
}

fn connect(dir: &Path) -> std::io::Result<Option<UnixStream>> {
    match UnixStream::connect(dir.join(SOCKET)) {
        Ok(s) => Ok(Some(s)),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Ask the gateway on `dir` for a backup; `Ok(None)` when no gateway listens there.
pub fn request_backup(dir: &Path) -> std::io::Result<Option<UnixStream>> {
    let path = dir.join(SOCKET);
    match UnixStream::connect(&path) {
        Ok(mut s) => {
            s.write_all(b"backup\n")?;
            Ok(Some(s))
        }
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
