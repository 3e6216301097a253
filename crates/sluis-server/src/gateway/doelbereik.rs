//! Sluis's own messages (behandelplan, resultaatmelding, beoordeling) through the same shell as
//! the standard's: read, decide against both histories under the judging lock, store durably
//! in one transaction with the inbox entries, then answer. A rejected message is kept for the
//! audit but changes nothing; an accepted one is identified by its natural key, so posting it
//! again gives the same answer.

use super::{Gateway, Ingested};
use crate::store::StoreError;
use sluis_core::doelbereik::{Bericht, Kind};
use sluis_core::intake::{self, Message, Refusal};
use sluis_core::validate::Finding;
use sluis_core::Format;
use std::sync::Arc;
use std::time::Instant;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum DoelbereikError {
    /// Not a readable message of its kind (JSON or XML, schema): nothing stored.
    #[error("het bericht is geen geldig {kind} ({} fout(en))", .findings.len())]
    Unreadable {
        kind: &'static str,
        findings: Vec<Finding>,
    },
    /// The caller may not send this message (another aanbieder, another team).
    #[error("dit bericht mag de aangemelde partij niet sturen")]
    Forbidden,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Gateway {
    /// Take in a doelbereik message of `kind` in `format`. Returns once it is durably stored:
    /// accepted (no findings) or rejected with its findings; `Unreadable` stores nothing.
    /// `allowed` says whether the caller may send this message (its aanbieder, its team).
    pub async fn ingest_doelbereik(
        self: &Arc<Self>,
        kind: Kind,
        format: Format,
        bytes: &[u8],
        allowed: &(dyn Fn(&Bericht) -> bool + Sync),
    ) -> Result<Ingested, DoelbereikError> {
        let started = Instant::now();
        // Reading and judging run on the blocking pool (see `Gateway::off_worker`); whether
        // the caller may send it is asked in between, here, before anything is judged.
        let body: Arc<[u8]> = Arc::from(bytes);
        let read = {
            let body = Arc::clone(&body);
            self.off_worker(move |_| intake::read_doelbereik(kind, format, &body, |_| true))
                .await?
        };
        let read = read.and_then(|read| match &read.message {
            Message::Doelbereik { bericht, .. } if !allowed(bericht) => Err(Refusal::Forbidden),
            _ => Ok(read),
        });
        let result = match read {
            Ok(read) => {
                let judged = self
                    .off_worker(move |gw| gw.judge_and_store(&read, &body, super::Route::Deliver))
                    .await?;
                match judged {
                    Ok(step) => self.finish(step, super::Durability::Here).await,
                    Err(e) => Err(e),
                }
                .map_err(|e| match e {
                    super::IngestError::Store(e) => DoelbereikError::Store(e),
                    // An own message names its parties by its content; one this gateway does
                    // not serve is refused like a message the caller may not send.
                    _ => DoelbereikError::Forbidden,
                })
            }
            Err(Refusal::Forbidden) => Err(DoelbereikError::Forbidden),
            Err(Refusal::Schema { kind, findings }) => {
                Err(DoelbereikError::Unreadable { kind, findings })
            }
            // read_doelbereik refuses only with the two above.
            Err(other) => Err(DoelbereikError::Unreadable {
                kind: kind.as_str(),
                findings: vec![Finding::xsd("/", other.to_string())],
            }),
        };
        use crate::telemetry::{Uitkomst, Weigering};
        match &result {
            Ok(i) => {
                for f in &i.record.findings {
                    self.metrics.retourcode(kind.as_str(), &f.code);
                }
                let uitkomst = if i.record.accepted {
                    Uitkomst::Geaccepteerd
                } else {
                    Uitkomst::Afgekeurd
                };
                self.metrics
                    .message(kind.as_str(), uitkomst, started.elapsed().as_secs_f64());
            }
            Err(e) => self.metrics.refused(match e {
                DoelbereikError::Unreadable { .. } => Weigering::Schema,
                DoelbereikError::Forbidden => Weigering::Geweigerd,
                DoelbereikError::Store(_) => Weigering::Opslagfout,
            }),
        }
        result
    }
}
