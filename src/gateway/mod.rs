//! The path of one message through the gateway: read and judge it, check it against what was
//! received before, store it durably with its answer, and put it in the inboxes of the parties
//! concerned. Handlers call [`Gateway::ingest`] (the standard's messages) or
//! [`Gateway::ingest_doelbereik`] (Sluis's own) and translate the result to HTTP; the views of
//! the trajectories are in [`views`].

mod doelbereik;
pub mod views;

pub use doelbereik::DoelbereikError;

use crate::config::{DeclaratieMode, Settings};
use crate::doelbereik::{ResultaatContract, TrajectoryIndex};
use crate::retour::{answer_to, RetourContext};
use crate::standard::types::Datum;
use crate::store::{
    client_key, ClientInfo, Inserted, Store, StoreError, StoredBericht, StoredFinding,
    StoredRetour, Writes,
};
use crate::telemetry::Metrics;
use crate::validate::history::{self, External};
use crate::validate::{Finding, XSD};
use crate::{Format, Limits, ReadError, Verdict};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, RwLock};
use std::time::Instant;
use thiserror::Error;

pub struct Gateway {
    pub settings: Settings,
    pub store: Store,
    pub metrics: Metrics,
    limits: Limits,
    /// Judging against the history and writing the result happen under this lock, so no two
    /// messages are judged against the same old state. It holds the external facts (the
    /// configured gemeente, product codes and tariffs; today's date is set per message).
    judge: Mutex<External>,
    /// The result-financed contract lines.
    resultaat: Vec<ResultaatContract>,
    /// Every trajectory, kept current under the judging lock (see [`views`]).
    index: RwLock<TrajectoryIndex>,
}

/// The external facts of controleniveau 4 from the configuration.
fn external(settings: &Settings) -> External {
    let mut productcodes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut tarieven: BTreeMap<(String, String), BTreeMap<String, i64>> = BTreeMap::new();
    for c in &settings.contracten {
        productcodes
            .entry(c.categorie.clone())
            .or_default()
            .insert(c.code.clone());
        tarieven
            .entry((c.aanbieder.clone(), c.code.clone()))
            .or_default()
            .insert(c.eenheid.clone(), c.tarief);
    }
    External {
        gemeentecodes: Some(BTreeSet::from([settings.gemeente.code.clone()])),
        gemeentelijst: Some(crate::standard::gemeenten::Gemeentelijst::embedded()),
        productcodes: Some(productcodes),
        vandaag: None,
        tarieven: Some(tarieven),
    }
}

/// Whether the standard counts a stored message as never sent: rejected on its form or on the
/// in-message rules (levels 1–2). Its identificatie may be used again.
fn never_sent(b: &StoredBericht) -> bool {
    !b.accepted
        && b.conflicts_with.is_none()
        && b.findings
            .iter()
            .any(|f| f.retourcode.as_deref().is_none_or(|c| c == "0001"))
}

#[derive(Debug, Error)]
pub enum IngestError {
    /// Not a readable message (not well-formed, too large, DOCTYPE, unknown message …).
    #[error("{0}")]
    Unreadable(#[from] ReadError),
    /// Not valid by its XSD: the standard gives no retourbericht, the sender gets the errors.
    #[error("het bericht voldoet niet aan het XSD ({} fout(en))", .0.len())]
    Structure(Vec<Finding>),
    /// The caller may not send as the message's Afzender.
    #[error("de afzender van het bericht is niet de aangemelde partij")]
    Forbidden,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What became of a message.
#[derive(Debug)]
pub struct Ingested {
    pub record: StoredBericht,
    /// The same message had been received before: nothing changed, its original answer is
    /// given again.
    pub replay: bool,
}

/// The header facts every stage needs.
struct Header {
    afzender: String,
    ontvanger: String,
    identificatie: String,
    dagtekening: String,
}

fn header(v: &Verdict) -> Header {
    let t = |p: &str| {
        v.document
            .text(p)
            .map(|c| c.into_owned())
            .unwrap_or_default()
    };
    Header {
        afzender: t("Header/Afzender"),
        ontvanger: t("Header/Ontvanger"),
        identificatie: t("Header/BerichtIdentificatie/Identificatie"),
        dagtekening: t("Header/BerichtIdentificatie/Dagtekening"),
    }
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// TR056: the identificatie of a message is unique per sender and message type.
fn duplicate_finding() -> Finding {
    Finding {
        code: "TR056",
        retourcode: Some("9056"),
        path: "/Bericht/Header/BerichtIdentificatie/Identificatie".into(),
        message: "deze Identificatie is voor dit berichttype al gebruikt door deze afzender, \
                  met een andere inhoud"
            .into(),
    }
}

impl Gateway {
    /// The gateway over an opened store; builds the index of trajectories from it.
    pub fn new(settings: Settings, store: Store) -> Result<Gateway, StoreError> {
        let limits = Limits {
            max_bytes: settings.server.max_body_bytes,
            ..Limits::default()
        };
        let judge = Mutex::new(external(&settings));
        let started = Instant::now();
        let index = views::build_index(&settings, &store)?;
        tracing::info!(
            trajectories = index.len(),
            ms = started.elapsed().as_millis() as u64,
            "trajectory index built"
        );
        Ok(Gateway {
            resultaat: settings.resultaat_contracten(),
            settings,
            store,
            metrics: Metrics::default(),
            limits,
            judge,
            index: RwLock::new(index),
        })
    }

    /// Take in one message. Returns once it is durably stored (or known from before).
    /// `sender`: the party the caller is; a message with another Afzender is refused before
    /// anything is judged or stored (`None`: no such restriction).
    pub async fn ingest(
        &self,
        bytes: &[u8],
        sender: Option<&str>,
    ) -> Result<Ingested, IngestError> {
        let started = Instant::now();
        let result = self.ingest_inner(bytes, sender).await;
        let (bericht, outcome) = match &result {
            Ok(i) => (
                i.record.bericht.clone(),
                i.record
                    .retour
                    .as_ref()
                    .map_or("geen", |_| {
                        if i.record.accepted {
                            "0200"
                        } else {
                            "afgekeurd"
                        }
                    })
                    .to_string(),
            ),
            Err(IngestError::Unreadable(_)) => ("onleesbaar".into(), "400".into()),
            Err(IngestError::Structure(_)) => ("xsd".into(), "400".into()),
            Err(IngestError::Forbidden) => ("geweigerd".into(), "403".into()),
            Err(IngestError::Store(_)) => ("fout".into(), "500".into()),
        };
        if let Ok(i) = &result {
            for f in &i.record.findings {
                self.metrics
                    .retourcode(&i.record.bericht, f.retourcode.as_deref().unwrap_or("XSD"));
            }
        }
        self.metrics
            .message(&bericht, &outcome, started.elapsed().as_secs_f64());
        result
    }

    async fn ingest_inner(
        &self,
        bytes: &[u8],
        sender: Option<&str>,
    ) -> Result<Ingested, IngestError> {
        let verdict = crate::validate(bytes, &self.limits)?;
        if let Some(sender) = sender {
            // A readable Afzender that is not the caller: refused whatever else is wrong.
            if verdict
                .document
                .text("Header/Afzender")
                .is_some_and(|a| a != sender)
            {
                return Err(IngestError::Forbidden);
            }
        }
        let structure: Vec<Finding> = verdict
            .findings
            .iter()
            .filter(|f| f.code == XSD)
            .cloned()
            .collect();
        if !structure.is_empty() {
            return Err(IngestError::Structure(structure));
        }
        let h = header(&verdict);
        let code = verdict.document.code();
        let hash = hex::encode(Sha256::digest(bytes));
        // A race between two posts of one identificatie ends in the store's transaction: the
        // loser sees the winner's record on its next round.
        loop {
            let mut replaces = None;
            if let Some(id) = self
                .store
                .by_identificatie(&h.afzender, code, &h.identificatie)?
            {
                let earlier = self
                    .store
                    .get(id)?
                    .ok_or_else(|| StoreError::Corrupt(id, "index without record".into()))?;
                if earlier.content_hash == hash {
                    return Ok(Ingested {
                        record: earlier,
                        replay: true,
                    });
                }
                if !never_sent(&earlier) {
                    return self.conflicting(verdict, &h, hash, bytes, id).await;
                }
                replaces = Some(id);
            }
            let id = self.store.next_id()?;
            let (inserted, record) = {
                let mut ext = self
                    .judge
                    .lock()
                    .map_err(|_| StoreError::Durability("judge lock poisoned".into()))?;
                // Levels 3–4 only for a message that passed levels 1–2 (IV032).
                let findings = if verdict.findings.is_empty() {
                    ext.vandaag = Some(Datum::today());
                    let history = self.store.history();
                    let mut findings = history::check(&verdict.document, &history, &ext);
                    // Resultaatfinanciering: a declaratie beyond the entitlement (9322).
                    let beyond = crate::doelbereik::check_declaratie(
                        &verdict.document,
                        &history,
                        &self.store.plans(),
                        &self.resultaat,
                        &findings,
                    );
                    findings.extend(beyond);
                    findings
                } else {
                    verdict.findings.clone()
                };
                let effects = history::accepted_effects(&verdict.document, &findings);
                let granted = effects.0.iter().any(|e| {
                    matches!(e, history::Effect::Put { record, .. }
                        if matches!(**record, history::Record::Prestatie(_)))
                });
                let record = self.judge(&verdict, &h, &hash, bytes, id, findings);
                let clienten = if effects.is_empty() {
                    Vec::new()
                } else {
                    self.client_facts(&verdict)?
                };
                let writes = Writes {
                    inbox: self.inbox_of(&record, granted),
                    effects,
                    clienten,
                    ..Writes::default()
                };
                let inserted = self.store.insert(&record, true, replaces, &writes)?;
                if matches!(inserted, Inserted::New(_)) && !writes.effects.is_empty() {
                    self.refresh_standard(&verdict, &writes)?;
                }
                (inserted, record)
            };
            match inserted {
                Inserted::New(_) => {
                    self.store.durable().await?;
                    tracing::info!(id, bericht = code, afzender = %h.afzender, accepted = record.accepted, "stored");
                    return Ok(Ingested {
                        record,
                        replay: false,
                    });
                }
                Inserted::Exists(_) => continue,
            }
        }
    }

    /// Another message under an identificatie the sender already used: answered with 9056,
    /// kept for the audit, and nothing of the earlier message changes.
    async fn conflicting(
        &self,
        mut verdict: Verdict,
        h: &Header,
        hash: String,
        bytes: &[u8],
        earlier: u64,
    ) -> Result<Ingested, IngestError> {
        let id = self.store.next_id()?;
        verdict.findings = vec![duplicate_finding()];
        let findings = verdict.findings.clone();
        let mut record = self.judge(&verdict, h, &hash, bytes, id, findings);
        record.conflicts_with = Some(earlier);
        let writes = Writes {
            inbox: record
                .retour
                .as_ref()
                .map(|_| vec![(h.afzender.clone(), "retour")])
                .unwrap_or_default(),
            ..Writes::default()
        };
        self.store.insert(&record, false, None, &writes)?;
        self.store.durable().await?;
        tracing::info!(id, earlier, afzender = %h.afzender, "identificatie reused with other content");
        Ok(Ingested {
            record,
            replay: false,
        })
    }

    /// The record of a message with its findings and answer.
    fn judge(
        &self,
        verdict: &Verdict,
        h: &Header,
        hash: &str,
        bytes: &[u8],
        id: u64,
        findings: Vec<Finding>,
    ) -> StoredBericht {
        let judged = Verdict {
            format: verdict.format,
            document: verdict.document.clone(),
            findings,
        };
        // In `advies` mode the gemeente answers a declaratie itself, with Sluis's findings as
        // advice; Sluis still answers a technical rejection (levels 1–2) at once.
        let advies = self.settings.declaratie.mode == DeclaratieMode::Advies
            && judged.document.code().ends_with("323")
            && !judged
                .findings
                .iter()
                .any(|f| f.retourcode.is_none_or(|c| c == "0001"));
        let retour = answer_to(judged.document.schema)
            .filter(|_| !advies)
            .and_then(|answer| {
                let ctx = RetourContext::new(format!("S{id:011}"), Datum::today());
                match crate::retour(&judged, &ctx) {
                    Ok(doc) => Some(StoredRetour {
                        bericht: answer.code.to_string(),
                        identificatie: ctx.identificatie,
                        xml: crate::write(&doc, Format::Xml),
                    }),
                    Err(e) => {
                        tracing::error!(id, error = %e, "no retourbericht could be made");
                        None
                    }
                }
            });
        StoredBericht {
            id,
            received_at: now_rfc3339(),
            format: match verdict.format {
                Format::Xml => "xml".into(),
                Format::Json => "json".into(),
            },
            bericht: judged.document.code().to_string(),
            afzender: h.afzender.clone(),
            ontvanger: h.ontvanger.clone(),
            identificatie: h.identificatie.clone(),
            dagtekening: h.dagtekening.clone(),
            content_hash: hash.to_string(),
            // The body is UTF-8: it was read as a message.
            body: String::from_utf8_lossy(bytes).into_owned(),
            accepted: judged.findings.is_empty(),
            findings: judged.findings.iter().map(StoredFinding::from).collect(),
            retour,
            conflicts_with: None,
        }
    }
}

impl Gateway {
    /// Who gets what: an accepted message goes to its Ontvanger, the answer to its Afzender. A
    /// declaratie goes to the gemeente also when some of its prestaties were granted and others
    /// rejected, and in `advies` mode whenever it passed levels 1–2: the back office then
    /// decides, with Sluis's findings as advice.
    /// The postcode of each client of an accepted toewijzing (JW301/WMO301), kept with what else
    /// is known of the client (the team the back office set stays).
    fn client_facts(&self, verdict: &Verdict) -> Result<Vec<(Vec<u8>, ClientInfo)>, StoreError> {
        let doc = &verdict.document;
        if !doc.code().ends_with("301") {
            return Ok(Vec::new());
        }
        let Some(header) = history::read::Header::of(doc) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for client in doc.children.iter().filter(|e| e.name() == "Client") {
            let Some(bsn) = history::read::bsn(client) else {
                continue;
            };
            let gemeente = &header.parties.gemeente;
            let mut info = self
                .store
                .client(gemeente, bsn.as_str())?
                .unwrap_or_default();
            let postcode = views::postcode(client);
            if postcode.is_none() || postcode == info.postcode {
                continue;
            }
            info.postcode = postcode;
            info.bsn = Some(bsn.as_str().to_string());
            out.push((client_key(gemeente, bsn.as_str()), info));
        }
        Ok(out)
    }

    fn inbox_of(&self, record: &StoredBericht, granted: bool) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        let declaratie = record.bericht.ends_with("323");
        let technical = record
            .findings
            .iter()
            .any(|f| f.retourcode.as_deref().is_none_or(|c| c == "0001"));
        let forward = record.accepted
            || (declaratie && granted)
            || (declaratie && !technical && record.retour.is_none());
        if forward {
            out.push((record.ontvanger.clone(), "bericht"));
        }
        if record.retour.is_some() {
            out.push((record.afzender.clone(), "retour"));
        }
        out
    }
}
