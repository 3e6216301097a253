//! Sluis's own messages (behandelplan, resultaatmelding, beoordeling) through the same path as
//! the standard's: read, judge against both histories under the judging lock, store durably in
//! one transaction with the inbox entries, then answer. A rejected message is kept for the
//! audit but changes nothing; an accepted one is identified by its natural key, so posting it
//! again gives the same answer.

use super::{now_rfc3339, Gateway, Ingested};
use crate::store::{Inserted, StoreError, StoredBericht, StoredFinding, Writes};
use sha2::{Digest, Sha256};
use sluis_core::doelbereik::{self, Bericht, Kind};
use sluis_core::validate::Finding;
use sluis_core::Format;
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

/// Who sends the message, who receives it, and the key that identifies it (one plan version,
/// one melding per toewijzing, one beoordeling version).
struct Envelope {
    afzender: String,
    ontvanger: String,
    identificatie: String,
    /// The toewijzingen whose trajectories it touches.
    toewijzingnummers: Vec<String>,
    gemeente: String,
}

fn envelope(b: &Bericht) -> Envelope {
    match b {
        Bericht::Behandelplan(p) => Envelope {
            afzender: p.aanbieder.clone(),
            ontvanger: p.gemeente.clone(),
            identificatie: format!(
                "{}/{}/{}/v{}",
                p.domein.as_str(),
                p.gemeente,
                p.plan_id,
                p.versie
            ),
            toewijzingnummers: p.toewijzingnummers.clone(),
            gemeente: p.gemeente.clone(),
        },
        Bericht::Resultaatmelding(r) => Envelope {
            afzender: r.aanbieder.clone(),
            ontvanger: r.gemeente.clone(),
            identificatie: format!(
                "{}/{}/{}",
                r.domein.as_str(),
                r.gemeente,
                r.toewijzingnummer
            ),
            toewijzingnummers: vec![r.toewijzingnummer.clone()],
            gemeente: r.gemeente.clone(),
        },
        // The gebiedsteam speaks for the gemeente; the aanbieder hears its judgement.
        Bericht::Beoordeling(o) => Envelope {
            afzender: o.gemeente.clone(),
            ontvanger: o.aanbieder.clone(),
            identificatie: format!(
                "{}/{}/{}/v{}",
                o.domein.as_str(),
                o.gemeente,
                o.toewijzingnummer,
                o.versie
            ),
            toewijzingnummers: vec![o.toewijzingnummer.clone()],
            gemeente: o.gemeente.clone(),
        },
    }
}

impl Gateway {
    /// Take in a doelbereik message of `kind` in `format`. Returns once it is durably stored:
    /// accepted (no findings) or rejected with its findings; `Unreadable` stores nothing.
    /// `allowed` says whether the caller may send this message (its aanbieder, its team).
    pub async fn ingest_doelbereik(
        &self,
        kind: Kind,
        format: Format,
        bytes: &[u8],
        allowed: &(dyn Fn(&Bericht) -> bool + Sync),
    ) -> Result<Ingested, DoelbereikError> {
        let started = Instant::now();
        let result = self
            .ingest_doelbereik_inner(kind, format, bytes, allowed)
            .await;
        let outcome = match &result {
            Ok(i) if i.record.accepted => "geaccepteerd",
            Ok(_) => "afgekeurd",
            Err(DoelbereikError::Unreadable { .. }) => "400",
            Err(DoelbereikError::Forbidden) => "403",
            Err(DoelbereikError::Store(_)) => "500",
        };
        if let Ok(i) = &result {
            for f in &i.record.findings {
                self.metrics.retourcode(kind.as_str(), &f.code);
            }
        }
        self.metrics
            .message(kind.as_str(), outcome, started.elapsed().as_secs_f64());
        result
    }

    async fn ingest_doelbereik_inner(
        &self,
        kind: Kind,
        format: Format,
        bytes: &[u8],
        allowed: &(dyn Fn(&Bericht) -> bool + Sync),
    ) -> Result<Ingested, DoelbereikError> {
        let (bericht, in_message) =
            doelbereik::read::read_judged(kind, bytes, format == Format::Xml).map_err(
                |findings| DoelbereikError::Unreadable {
                    kind: kind.as_str(),
                    findings,
                },
            )?;
        if !allowed(&bericht) {
            return Err(DoelbereikError::Forbidden);
        }
        let env = envelope(&bericht);
        let hash = hex::encode(Sha256::digest(bytes));
        let id = self.store.next_id()?;
        let record = {
            let _judge = self
                .judge
                .lock()
                .map_err(|_| StoreError::Durability("judge lock poisoned".into()))?;
            // The same message again: its first answer, nothing changes.
            if let Some(earlier) =
                self.store
                    .by_identificatie(&env.afzender, kind.as_str(), &env.identificatie)?
            {
                let earlier = self
                    .store
                    .get(earlier)?
                    .ok_or_else(|| StoreError::Corrupt(earlier, "index without record".into()))?;
                if earlier.content_hash == hash {
                    return Ok(Ingested {
                        record: earlier,
                        replay: true,
                    });
                }
            }
            let findings = if in_message.is_empty() {
                doelbereik::check(&bericht, &self.store.history(), &self.store.plans())
            } else {
                in_message
            };
            let accepted = findings.is_empty();
            let record = StoredBericht {
                id,
                received_at: now_rfc3339(),
                format: match format {
                    Format::Xml => "xml".into(),
                    Format::Json => "json".into(),
                },
                bericht: kind.as_str().to_string(),
                afzender: env.afzender.clone(),
                ontvanger: env.ontvanger.clone(),
                identificatie: env.identificatie.clone(),
                dagtekening: match &bericht {
                    Bericht::Behandelplan(p) => p.datum.to_string(),
                    Bericht::Resultaatmelding(r) => r.datum.to_string(),
                    Bericht::Beoordeling(o) => o.datum.to_string(),
                },
                content_hash: hash,
                body: String::from_utf8_lossy(bytes).into_owned(),
                accepted,
                findings: findings.iter().map(StoredFinding::from).collect(),
                retour: None,
                conflicts_with: None,
            };
            let writes = Writes {
                inbox: if accepted {
                    vec![(env.ontvanger.clone(), "bericht")]
                } else {
                    Vec::new()
                },
                plans: doelbereik::accepted_effects(&bericht, &findings),
                ..Writes::default()
            };
            // Only an accepted message claims its key: a rejected one may be corrected.
            match self.store.insert(&record, accepted, None, &writes)? {
                Inserted::New(_) => {}
                Inserted::Exists(other) => {
                    // Checked above under the same lock; only a corrupt index gets here.
                    return Err(
                        StoreError::Corrupt(other, "identificatie claimed twice".into()).into(),
                    );
                }
            }
            if accepted {
                self.refresh(bericht.domein(), &env.gemeente, &env.toewijzingnummers);
            }
            record
        };
        self.store.durable().await?;
        tracing::info!(
            id,
            bericht = kind.as_str(),
            afzender = %env.afzender,
            accepted = record.accepted,
            "stored"
        );
        Ok(Ingested {
            record,
            replay: false,
        })
    }
}
