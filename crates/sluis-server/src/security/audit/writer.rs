//! The background writer: one thread appends queued events to the chain in batches, so a
//! request does not pay a transaction of its own for its audit entry.

use super::*;

/// Hands events to a background thread that appends them in order, many per sled batch
/// (appending one entry in its own transaction cost a third of the gateway's throughput).
/// A request waits for its entry ([`AuditSender::append`]) and then for the store's group
/// commit, so its entry is on disk before it is answered; concurrent requests share both.
#[derive(Clone)]
pub struct AuditSender(std::sync::mpsc::SyncSender<Queued>);

/// Told whether an entry made it into the log.
type Written = tokio::sync::oneshot::Sender<Result<(), String>>;

/// What the writer's queue holds: an event stamped when it happened (with whoever waits for
/// it), or a reader waiting until everything queued before it is written.
pub enum Queued {
    Event(Box<Event>, OffsetDateTime, Option<Written>),
    Flush(tokio::sync::oneshot::Sender<()>),
}

fn stopped() -> AuditError {
    AuditError::Corrupt {
        seq: 0,
        message: "the audit writer has stopped".into(),
    }
}

impl AuditSender {
    /// Queue an event, stamped now. Blocks only when the writer is far behind (back pressure).
    pub fn send(&self, event: Event) -> Result<(), AuditError> {
        self.0
            .send(Queued::Event(
                Box::new(event),
                OffsetDateTime::now_utc(),
                None,
            ))
            .map_err(|_| stopped())
    }

    /// Queue an event and wait until it is in the log (in sled; the caller then waits for the
    /// store's commit). `Err`: it was not written, and the request must not be served.
    pub async fn append(&self, event: Event) -> Result<(), AuditError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.0
            .send(Queued::Event(
                Box::new(event),
                OffsetDateTime::now_utc(),
                Some(tx),
            ))
            .map_err(|_| stopped())?;
        rx.await
            .map_err(|_| stopped())?
            .map_err(|message| AuditError::Corrupt { seq: 0, message })
    }

    /// Wait until everything queued so far is in the log (before reading it).
    pub async fn flush(&self) -> Result<(), AuditError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.0.send(Queued::Flush(tx)).map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())
    }
}

/// Start the writer of `log`; it ends (after writing what was queued) when every sender is
/// dropped. Join the handle at shutdown.
pub fn spawn_writer(log: AuditLog) -> std::io::Result<(AuditSender, std::thread::JoinHandle<()>)> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Queued>(65_536);
    let handle = std::thread::Builder::new()
        .name("sluis-audit".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut events = Vec::new();
                let mut writers = Vec::new();
                let mut waiting = Vec::new();
                let mut next = Some(first);
                while let Some(q) = next.take() {
                    match q {
                        Queued::Event(e, at, w) => {
                            events.push((*e, at));
                            writers.extend(w);
                        }
                        Queued::Flush(w) => waiting.push(w),
                    }
                    if events.len() < 4096 {
                        next = rx.try_recv().ok();
                    }
                }
                let result = log.append_batch(events).map(|_| ()).map_err(|e| {
                    tracing::error!(error = %e, "audit entries not written");
                    e.to_string()
                });
                // A request that gave up waiting is no reason to stop.
                for w in writers {
                    let _ = w.send(result.clone());
                }
                for w in waiting {
                    let _ = w.send(());
                }
            }
        })?;
    Ok((AuditSender(tx), handle))
}
