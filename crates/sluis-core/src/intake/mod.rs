//! One message in: [`read`] it (form and in-message rules, and whether the caller may send
//! it), then [`decide`] over the history what becomes of it. Both are pure: the gateway around
//! them takes its lock, asks `decide`, writes the [`Decision`] in one transaction, waits until
//! it is durable and answers. Every fact a decision needs comes in as an argument (the views
//! of the history, the [`Policy`], the date, the id the store will give the message), so the
//! same sequence of messages decided over the in-memory [`Model`] and through the real gateway
//! gives the same findings, effects and retourberichten (`tests/api/model.rs` checks this).

mod deliver;
mod model;

pub use deliver::{deliveries, signal_deliveries, Delivery, DeliveryKind, Routing};
pub use model::{MemoryIdentificaties, Model};

use crate::codec::{self, Format, Limits, ReadError};
use crate::codes::{Berichtsoort, Retourcode};
use crate::doelbereik::{self, Bericht, Kind, PlanEffects, PlanHistory};
use crate::policy::{DeclaratieMode, Policy};
use crate::retour::{self, answer_to, RetourContext};
use crate::standard::types::{Bsn, Datum};
use crate::standard::Element;
use crate::validate::history::{self, Domein, Effect, Effects, History, ReadFault, Record};
use crate::validate::{self, Finding, Verdict, XSD};
use crate::Document;
use sha2::{Digest, Sha256};

/// A message that could be read, judged on its own (levels 1–2), and that the caller may send.
#[derive(Debug, Clone)]
pub struct Read {
    pub format: Format,
    /// SHA-256 of the bytes as received, hex: the same message posted again is known by it.
    pub content_hash: String,
    pub envelope: Envelope,
    pub message: Message,
    /// Sluis's own serialisation of what it judged, in the form the message came in: what a
    /// receiver gets. Never the bytes as received, so comments, processing instructions and
    /// whatever else Sluis did not judge stop here (the bytes stay in the record, for the audit).
    pub canonical: String,
}

/// The standard's message with its level 1–2 verdict, or one of Sluis's own.
#[derive(Debug, Clone)]
pub enum Message {
    Standard(Verdict),
    Doelbereik {
        bericht: Bericht,
        /// Findings of its own checks on the message alone (empty: go on to the history).
        findings: Vec<Finding>,
    },
}

/// Who sends a message to whom, under which identificatie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `JW301` … or `behandelplan` …
    pub bericht: String,
    pub soort: Option<Berichtsoort>,
    pub afzender: String,
    pub ontvanger: String,
    pub identificatie: String,
    pub dagtekening: String,
    /// For Sluis's own messages: the domain, gemeente and toewijzingen whose trajectories the
    /// message touches.
    pub trajectories: Option<(Domein, String, Vec<String>)>,
}

/// Why a message is refused before anything is judged against the history or stored.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Refusal {
    /// Not a readable message (not well-formed, too large, DOCTYPE, unknown message …).
    #[error("{0}")]
    Unreadable(#[from] ReadError),
    /// Not valid by its XSD: the standard gives no retourbericht, the sender gets the errors.
    #[error("het bericht voldoet niet aan het XSD ({} fout(en))", .0.len())]
    Structure(Vec<Finding>),
    /// Not a readable message of Sluis's own kind (JSON or XML, schema).
    #[error("het bericht is geen geldig {kind} ({} fout(en))", .findings.len())]
    Schema {
        kind: &'static str,
        findings: Vec<Finding>,
    },
    /// The caller may not send this message (another Afzender, another aanbieder or team).
    #[error("de afzender van het bericht is niet de aangemelde partij")]
    Forbidden,
    /// The Ontvanger is an aanbieder this gateway does not serve: nobody would read it.
    #[error("de ontvanger van het bericht is geen aanbieder van deze gemeente")]
    UnknownOntvanger,
}

fn hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Read one of the standard's messages and judge it on its own. `sender`: the party the caller
/// is; a message with another readable Afzender is refused whatever else is wrong with it
/// (`None`: no such restriction).
pub fn read(bytes: &[u8], sender: Option<&str>, limits: &Limits) -> Result<Read, Refusal> {
    let verdict = validate::message(bytes, limits)?;
    if let Some(sender) = sender {
        if verdict
            .document
            .text("Header/Afzender")
            .is_some_and(|a| a != sender)
        {
            return Err(Refusal::Forbidden);
        }
    }
    let structure: Vec<Finding> = verdict
        .findings
        .iter()
        .filter(|f| f.code == XSD)
        .cloned()
        .collect();
    if !structure.is_empty() {
        return Err(Refusal::Structure(structure));
    }
    let text = |p: &str| {
        verdict
            .document
            .text(p)
            .map(|c| c.into_owned())
            .unwrap_or_default()
    };
    let envelope = Envelope {
        bericht: verdict.document.code().to_string(),
        soort: Berichtsoort::parse(verdict.document.code()),
        afzender: text("Header/Afzender"),
        ontvanger: text("Header/Ontvanger"),
        identificatie: text("Header/BerichtIdentificatie/Identificatie"),
        dagtekening: text("Header/BerichtIdentificatie/Dagtekening"),
        trajectories: None,
    };
    Ok(Read {
        format: verdict.format,
        content_hash: hash(bytes),
        envelope,
        canonical: canonical_standard(&verdict.document, verdict.format),
        message: Message::Standard(verdict),
    })
}

/// Read one of Sluis's own messages (behandelplan, resultaatmelding, beoordeling). `allowed`
/// says whether the caller may send it (its aanbieder, its team): the caller's scope is the
/// server's business, the question is asked here so that nothing is judged before it.
pub fn read_doelbereik(
    kind: Kind,
    format: Format,
    bytes: &[u8],
    allowed: impl FnOnce(&Bericht) -> bool,
) -> Result<Read, Refusal> {
    let (bericht, findings) =
        doelbereik::read_judged(kind, bytes, format == Format::Xml).map_err(|findings| {
            Refusal::Schema {
                kind: kind.as_str(),
                findings,
            }
        })?;
    if !allowed(&bericht) {
        return Err(Refusal::Forbidden);
    }
    Ok(Read {
        format,
        content_hash: hash(bytes),
        envelope: envelope_of(&bericht),
        canonical: canonical_doelbereik(&bericht, format),
        message: Message::Doelbereik { bericht, findings },
    })
}

/// The form a receiver gets of one of the standard's messages (see [`Read::canonical`]).
pub fn canonical_standard(doc: &crate::Document, format: Format) -> String {
    match format {
        Format::Xml => crate::codec::xml::write(doc),
        Format::Json => crate::codec::json::to_string(doc),
    }
}

/// The form a receiver gets of one of Sluis's own messages (see [`Read::canonical`]).
pub fn canonical_doelbereik(bericht: &Bericht, format: Format) -> String {
    match format {
        Format::Xml => doelbereik::xml::write(bericht),
        // The typed message serialises to its JSON form; it cannot fail (no maps with
        // non-string keys), an empty text would only mean nothing is delivered.
        Format::Json => match bericht {
            Bericht::Behandelplan(m) => serde_json::to_string(m),
            Bericht::Resultaatmelding(m) => serde_json::to_string(m),
            Bericht::Beoordeling(m) => serde_json::to_string(m),
        }
        .unwrap_or_default(),
    }
}

/// Who sends Sluis's own message, who receives it, and the key that identifies it (one plan
/// version, one melding per toewijzing, one beoordeling version).
fn envelope_of(b: &Bericht) -> Envelope {
    let (afzender, ontvanger, identificatie, nummers, gemeente, dag) = match b {
        Bericht::Behandelplan(p) => (
            &p.aanbieder,
            &p.gemeente,
            format!(
                "{}/{}/{}/v{}",
                p.domein.as_str(),
                p.gemeente,
                p.plan_id,
                p.versie
            ),
            p.toewijzingnummers.clone(),
            &p.gemeente,
            p.datum.to_string(),
        ),
        Bericht::Resultaatmelding(r) => (
            &r.aanbieder,
            &r.gemeente,
            format!(
                "{}/{}/{}",
                r.domein.as_str(),
                r.gemeente,
                r.toewijzingnummer
            ),
            vec![r.toewijzingnummer.clone()],
            &r.gemeente,
            r.datum.to_string(),
        ),
        // The gebiedsteam speaks for the gemeente; the aanbieder hears its judgement.
        Bericht::Beoordeling(o) => (
            &o.gemeente,
            &o.aanbieder,
            format!(
                "{}/{}/{}/v{}",
                o.domein.as_str(),
                o.gemeente,
                o.toewijzingnummer,
                o.versie
            ),
            vec![o.toewijzingnummer.clone()],
            &o.gemeente,
            o.datum.to_string(),
        ),
    };
    Envelope {
        bericht: b.kind().as_str().to_string(),
        soort: None,
        afzender: afzender.clone(),
        ontvanger: ontvanger.clone(),
        identificatie,
        dagtekening: dag,
        trajectories: Some((b.domein(), gemeente.clone(), nummers)),
    }
}

/// One message judged on its own, without a history: what `POST /api/v1/validatie` answers and
/// `sluis validate` prints. The integrator's dry run of [`read`] and the answer of [`decide`].
#[derive(Debug, Clone)]
pub struct Checked {
    /// Structure and in-message rules, exactly as [`validate::message`] gives them.
    pub verdict: Verdict,
    /// The retourbericht Sluis would send when the history adds no finding, or why it sends
    /// none (XSD errors, a retourbericht itself, a declaratie answered by the gemeente).
    pub retour: Result<Document, GeenRetour>,
}

/// Why a message judged on its own gets no retourbericht from Sluis.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GeenRetour {
    #[error(transparent)]
    Retour(#[from] retour::RetourError),
    #[error(
        "de gemeente beantwoordt declaraties zelf (declaratie = \"advies\"); Sluis stuurt haar \
         bevindingen als advies mee"
    )]
    Advies,
}

/// The identificatie of a retourbericht that is only shown, never sent (at most 12 characters).
pub const VALIDATIE_IDENTIFICATIE: &str = "VALIDATIE";

/// Judge one of the standard's messages on its own (levels 1–2) and build the retourbericht
/// the gateway would send for it, with the same [`Policy`]. Stores nothing, reads no history:
/// the cross-message rules (levels 3–4) are not applied. `Err` when it cannot be read at all.
pub fn check(
    bytes: &[u8],
    limits: &Limits,
    policy: &Policy,
    today: Datum,
) -> Result<Checked, ReadError> {
    let verdict = validate::message(bytes, limits)?;
    let advies = policy.declaratie == DeclaratieMode::Advies
        && Berichtsoort::parse(verdict.document.code()).is_some_and(Berichtsoort::is_declaratie)
        && !verdict.findings.iter().any(Finding::is_technisch);
    let retour = if advies {
        Err(GeenRetour::Advies)
    } else {
        let ctx = RetourContext::new(VALIDATIE_IDENTIFICATIE, today);
        retour::retour(&verdict, &ctx).map_err(GeenRetour::from)
    };
    Ok(Checked { verdict, retour })
}

/// What is known of an earlier message under the same sender, message and identificatie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earlier {
    pub id: u64,
    pub content_hash: String,
    /// The standard counts it as never sent (rejected on levels 1–2): its identificatie may be
    /// used again.
    pub never_sent: bool,
}

/// The identificaties claimed so far (idempotency and TR056).
pub trait Identificaties {
    fn earlier(
        &self,
        afzender: &str,
        bericht: &str,
        identificatie: &str,
    ) -> Result<Option<Earlier>, ReadFault>;
}

/// The views a decision reads.
pub struct Views<'a, H, P, I> {
    pub history: &'a H,
    pub plans: &'a P,
    pub identificaties: &'a I,
}

/// The retourbericht Sluis sends back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retour {
    /// `JW302` …
    pub bericht: String,
    pub identificatie: String,
    /// In the standard's XML.
    pub xml: String,
}

/// What a toewijzing gives of a client: the postcode (the gebiedsteam follows from it), the
/// name and the birth date (for the gebiedsteam's view).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientPostcode {
    pub gemeente: String,
    pub bsn: Bsn,
    pub postcode: Option<String>,
    pub naam: Option<ClientNaam>,
    pub geboortedatum: Option<Datum>,
}

/// A client's name as a JW301/WMO301 gives it (`Naam`: Geslachtsnaam with its Voorvoegsel,
/// Voornamen, Voorletters). Special personal data: the store keeps it sealed with the client's
/// other facts, and its `Debug` shows no name, so it cannot reach a log.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClientNaam {
    pub geslachtsnaam: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voorvoegsel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voornamen: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voorletters: Option<String>,
}

impl std::fmt::Debug for ClientNaam {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientNaam(..)")
    }
}

impl ClientNaam {
    /// The name as a person reads it: voorletters with points (else voornamen), voorvoegsel,
    /// geslachtsnaam: `J.P. de Vries`.
    pub fn volledig(&self) -> String {
        let letters = self
            .voorletters
            .as_deref()
            .map(|v| v.chars().flat_map(|c| [c, '.']).collect::<String>());
        [
            letters.as_deref().or(self.voornamen.as_deref()),
            self.voorvoegsel.as_deref(),
            Some(self.geslachtsnaam.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
    }
}

/// The name of a client in a JW301/WMO301.
pub fn client_naam(client: &Element) -> Option<ClientNaam> {
    let naam = client.child("Naam")?;
    let text = |e: Option<&Element>| {
        e.and_then(|e| e.value())
            .map(|v| v.lexical().trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let geslachtsnaam = naam.child("Geslachtsnaam")?;
    Some(ClientNaam {
        geslachtsnaam: text(geslachtsnaam.child("Achternaam"))?,
        voorvoegsel: text(geslachtsnaam.child("Voorvoegsel")),
        voornamen: text(naam.child("Voornamen")),
        voorletters: text(naam.child("Voorletters")),
    })
}

/// The birth date of a client in a JW301/WMO301 (as given; DatumGebruik may say part of it is
/// unknown).
pub fn geboortedatum(client: &Element) -> Option<Datum> {
    let v = client.child("Geboortedatum")?.child("Datum")?.value()?;
    Datum::parse(&v.lexical())
}

/// What becomes of a message.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Refused before it is judged against the history: nothing is stored.
    Refuse(Refusal),
    /// The same message was received before: nothing changes, its first answer is given again.
    Replay { earlier: u64 },
    /// Store it, with everything it changes, in one transaction.
    Store(Box<Judged>),
}

/// A judged message: its verdict, answer, effects and deliveries.
#[derive(Debug, Clone)]
pub struct Judged {
    pub envelope: Envelope,
    pub format: Format,
    /// Every finding of every level, in the order the answer reports them.
    pub findings: Vec<Finding>,
    /// No finding at all.
    pub accepted: bool,
    /// A declaratie of which at least one prestatie was granted.
    pub granted: bool,
    pub retour: Option<Retour>,
    /// Why no retourbericht could be made where the standard wants one (logged by the server).
    pub retour_error: Option<String>,
    /// Whether the message claims its identificatie (a conflicting duplicate or a rejected own
    /// message is kept for the audit without claiming it).
    pub claim: bool,
    /// It takes over the identificatie of this earlier message (one never sent).
    pub replaces: Option<u64>,
    /// Another message under an identificatie the sender already used (TR056, `9056`).
    pub conflicts_with: Option<u64>,
    pub effects: Effects,
    pub plans: PlanEffects,
    pub postcodes: Vec<ClientPostcode>,
    pub deliveries: Vec<Delivery>,
}

impl Judged {
    /// The facts the routing rule reads (kept with the stored message for a replay).
    pub fn routing(&self) -> Routing<'_> {
        routing(
            &self.envelope,
            self.accepted,
            &self.findings,
            self.retour.is_some(),
            self.granted,
        )
        .conflicting(self.conflicts_with.is_some())
    }
}

fn routing<'a>(
    e: &'a Envelope,
    accepted: bool,
    findings: &[Finding],
    has_retour: bool,
    granted: bool,
) -> Routing<'a> {
    Routing {
        soort: e.soort,
        afzender: &e.afzender,
        ontvanger: &e.ontvanger,
        accepted,
        technisch: findings.iter().any(Finding::is_technisch),
        has_retour,
        granted,
        conflict: false,
    }
}

impl Routing<'_> {
    fn conflicting(self, conflict: bool) -> Self {
        Routing { conflict, ..self }
    }
}

/// TR056: the identificatie of a message is unique per sender and message type.
fn duplicate_finding() -> Finding {
    Finding {
        code: "TR056",
        retourcode: Some(Retourcode::IDENTIFICATIE_GEBRUIKT),
        path: "/Bericht/Header/BerichtIdentificatie/Identificatie".into(),
        message: "deze Identificatie is voor dit berichttype al gebruikt door deze afzender, \
                  met een andere inhoud"
            .into(),
    }
}

/// Decide what becomes of a message that was [`read`]: against the history (levels 3–4, only
/// for a message that passed levels 1–2, IV032), the idempotency of its identificatie, the
/// policy and `today` (the Dutch calendar day). `id` is the number the store gives it; its
/// retourbericht is identified by it. `Err` when a view could not be read: the judgement is
/// void and nothing may be stored.
pub fn decide<H: History, P: PlanHistory, I: Identificaties>(
    read: &Read,
    views: &Views<'_, H, P, I>,
    policy: &Policy,
    today: Datum,
    id: u64,
) -> Result<Decision, ReadFault> {
    let env = &read.envelope;
    if !policy.delivers_to(&env.ontvanger) {
        return Ok(Decision::Refuse(Refusal::UnknownOntvanger));
    }
    let earlier = views
        .identificaties
        .earlier(&env.afzender, &env.bericht, &env.identificatie)?;
    if let Some(e) = &earlier {
        if e.content_hash == read.content_hash {
            return Ok(Decision::Replay { earlier: e.id });
        }
    }
    let judged = match &read.message {
        Message::Standard(verdict) => {
            let mut replaces = None;
            if let Some(e) = earlier {
                if !e.never_sent {
                    return Ok(Decision::Store(Box::new(conflicting(
                        read, verdict, e.id, policy, today, id,
                    ))));
                }
                replaces = Some(e.id);
            }
            standard(read, verdict, views, policy, today, id, replaces)
        }
        Message::Doelbereik { bericht, findings } => own(read, bericht, findings, views, policy),
    };
    // A view that failed anywhere voids the judgement: it may rest on a record read as absent.
    if let Some(fault) = views.history.fault().or_else(|| views.plans.fault()) {
        return Err(fault);
    }
    Ok(Decision::Store(Box::new(judged)))
}

fn standard<H: History, P: PlanHistory, I>(
    read: &Read,
    verdict: &Verdict,
    views: &Views<'_, H, P, I>,
    policy: &Policy,
    today: Datum,
    id: u64,
    replaces: Option<u64>,
) -> Judged {
    let doc = &verdict.document;
    let findings = if verdict.findings.is_empty() {
        let mut findings = history::check_on(doc, views.history, &policy.external, today);
        // Resultaatfinanciering: a declaratie beyond the entitlement (9322).
        let beyond = doelbereik::check_declaratie(
            doc,
            views.history,
            views.plans,
            &policy.resultaat,
            &findings,
        );
        findings.extend(beyond);
        findings
    } else {
        verdict.findings.clone()
    };
    let effects = history::accepted_effects(doc, &findings);
    let granted = effects.0.iter().any(
        |e| matches!(e, Effect::Put { record, .. } if matches!(**record, Record::Prestatie(_))),
    );
    let postcodes = if effects.is_empty() {
        Vec::new()
    } else {
        postcodes(read, verdict)
    };
    let (retour, retour_error) = answer(read, verdict, &findings, policy, today, id);
    let accepted = findings.is_empty();
    let deliveries = deliveries(&routing(
        &read.envelope,
        accepted,
        &findings,
        retour.is_some(),
        granted,
    ));
    Judged {
        envelope: read.envelope.clone(),
        format: read.format,
        findings,
        accepted,
        granted,
        retour,
        retour_error,
        claim: true,
        replaces,
        conflicts_with: None,
        effects,
        plans: PlanEffects::default(),
        postcodes,
        deliveries,
    }
}

/// Another message under an identificatie the sender already used: answered with 9056, kept
/// for the audit, and nothing of the earlier message changes.
fn conflicting(
    read: &Read,
    verdict: &Verdict,
    earlier: u64,
    policy: &Policy,
    today: Datum,
    id: u64,
) -> Judged {
    let findings = vec![duplicate_finding()];
    let (retour, retour_error) = answer(read, verdict, &findings, policy, today, id);
    let deliveries = deliveries(
        &routing(&read.envelope, false, &findings, retour.is_some(), false).conflicting(true),
    );
    Judged {
        envelope: read.envelope.clone(),
        format: read.format,
        findings,
        accepted: false,
        granted: false,
        retour,
        retour_error,
        claim: false,
        replaces: None,
        conflicts_with: Some(earlier),
        effects: Effects::default(),
        plans: PlanEffects::default(),
        postcodes: Vec::new(),
        deliveries,
    }
}

/// Sluis's own message: its own checks against both histories; only an accepted one claims
/// its key (a rejected one may be corrected) and changes the plans. An accepted beoordeling
/// (or melding) that changes what is to be recovered on a result-financed trajectory also
/// signals it to the aanbieder and the gemeente, in the same transaction.
fn own<H: History, P: PlanHistory, I>(
    read: &Read,
    bericht: &Bericht,
    in_message: &[Finding],
    views: &Views<'_, H, P, I>,
    policy: &Policy,
) -> Judged {
    let findings = if in_message.is_empty() {
        doelbereik::check(bericht, views.history, views.plans)
    } else {
        in_message.to_vec()
    };
    let accepted = findings.is_empty();
    let mut deliveries = deliveries(&routing(&read.envelope, accepted, &findings, false, false));
    if accepted {
        for t in
            doelbereik::terugvorderingen(bericht, views.history, views.plans, &policy.resultaat)
        {
            deliveries.extend(signal_deliveries(&t));
        }
    }
    Judged {
        envelope: read.envelope.clone(),
        format: read.format,
        plans: doelbereik::accepted_effects(&doelbereik::stamp(bericht, views.plans), &findings),
        findings,
        accepted,
        granted: false,
        retour: None,
        retour_error: None,
        claim: accepted,
        replaces: None,
        conflicts_with: None,
        effects: Effects::default(),
        postcodes: Vec::new(),
        deliveries,
    }
}

/// The retourbericht for a message with these findings. In `advies` mode the gemeente answers
/// a declaratie itself, with Sluis's findings as advice; Sluis still answers a technical
/// rejection (levels 1–2) at once.
fn answer(
    read: &Read,
    verdict: &Verdict,
    findings: &[Finding],
    policy: &Policy,
    today: Datum,
    id: u64,
) -> (Option<Retour>, Option<String>) {
    let advies = policy.declaratie == DeclaratieMode::Advies
        && read.envelope.soort.is_some_and(Berichtsoort::is_declaratie)
        && !findings.iter().any(Finding::is_technisch);
    let Some(answer) = answer_to(verdict.document.schema).filter(|_| !advies) else {
        return (None, None);
    };
    let judged = Verdict {
        format: verdict.format,
        document: verdict.document.clone(),
        findings: findings.to_vec(),
    };
    let ctx = RetourContext::new(format!("S{id:011}"), today);
    match retour::retour(&judged, &ctx) {
        Ok(doc) => (
            Some(Retour {
                bericht: answer.code.to_string(),
                identificatie: ctx.identificatie,
                xml: codec::write(&doc, Format::Xml),
            }),
            None,
        ),
        Err(e) => (None, Some(e.to_string())),
    }
}

/// The postcode, name and birth date of each client of a toewijzing (JW301/WMO301).
fn postcodes(read: &Read, verdict: &Verdict) -> Vec<ClientPostcode> {
    if !read.envelope.soort.is_some_and(Berichtsoort::is_toewijzing) {
        return Vec::new();
    }
    let doc = &verdict.document;
    let Some(header) = history::read::Header::of(doc) else {
        return Vec::new();
    };
    doc.children
        .iter()
        .filter(|e| e.name() == "Client")
        .filter_map(|client| {
            Some(ClientPostcode {
                gemeente: header.parties.gemeente.clone(),
                bsn: history::read::bsn(client)?,
                postcode: postcode(client),
                naam: client_naam(client),
                geboortedatum: geboortedatum(client),
            })
        })
        .collect()
}

/// The postcode of a client in a JW301/WMO301: of its BRP address (Contact Soort 01) when
/// given, else of the first address.
pub fn postcode(client: &Element) -> Option<String> {
    let contacts = client
        .child("Contactgegevens")?
        .children_named("Contact")
        .filter_map(|c| {
            let soort = c
                .child("Soort")
                .and_then(|s| s.value())
                .map(|v| v.lexical());
            let postcode = c
                .child("Adres")?
                .child("Postcode")?
                .value()?
                .lexical()
                .into_owned();
            Some((soort.as_deref() == Some("01"), postcode))
        })
        .collect::<Vec<_>>();
    contacts
        .iter()
        .find(|(brp, _)| *brp)
        .or(contacts.first())
        .map(|(_, p)| p.clone())
}

#[cfg(test)]
mod check_tests {
    use super::*;

    const JW301: &str = include_str!("../../../../fixtures/ijw-3.2/JW301/valid/minimaal.xml");
    const JW323: &str = include_str!("../../../../fixtures/ijw-3.2/JW323/valid/minimaal.xml");
    const JW302: &str = include_str!("../../../../fixtures/ijw-3.2/JW302/valid/minimaal.xml");
    const XSD_FOUT: &str =
        include_str!("../../../../fixtures/ijw-3.2/JW301/invalid/dagtekening-bestaat-niet.xml");
    const TR101: &str =
        include_str!("../../../../fixtures/rules/TR101/fail-dubbel-toegewezen-product-jw301.xml");

    fn day() -> Datum {
        Datum::parse("2026-05-04").expect("a date")
    }

    fn checked(text: &str, policy: &Policy) -> Checked {
        check(text.as_bytes(), &Limits::default(), policy, day()).expect("readable")
    }

    #[test]
    fn the_findings_are_validate_s_and_the_answer_is_retour_s() {
        let policy = Policy::default();
        for text in [JW301, TR101, XSD_FOUT, JW323] {
            let c = checked(text, &policy);
            let verdict = validate::message(text.as_bytes(), &Limits::default()).expect("reads");
            assert_eq!(c.verdict.findings, verdict.findings);
            let ctx = RetourContext::new(VALIDATIE_IDENTIFICATIE, day());
            match (&c.retour, retour::retour(&verdict, &ctx)) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(codec::write(a, Format::Xml), codec::write(&b, Format::Xml))
                }
                (Err(GeenRetour::Retour(a)), Err(b)) => assert_eq!(*a, b),
                (a, b) => panic!("{a:?} against {b:?}"),
            }
        }
        // A rule finding: a JW302 with 0001; an XSD finding: none; a retourbericht: none.
        let rule = checked(TR101, &policy);
        assert!(
            codec::write(rule.retour.as_ref().expect("a JW302"), Format::Xml).contains(">0001<")
        );
        assert!(matches!(
            checked(XSD_FOUT, &policy).retour,
            Err(GeenRetour::Retour(retour::RetourError::StructureInvalid(1)))
        ));
        assert!(matches!(
            checked(JW302, &policy).retour,
            Err(GeenRetour::Retour(retour::RetourError::NotAHeenbericht(_)))
        ));
    }

    /// In `advies` mode the gemeente answers a clean declaratie itself: no retourbericht from
    /// Sluis; other messages are answered as ever.
    #[test]
    fn a_declaratie_in_advies_mode_gets_none() {
        let advies = Policy {
            declaratie: DeclaratieMode::Advies,
            ..Policy::default()
        };
        let declaratie = checked(JW323, &advies);
        assert!(
            declaratie.verdict.findings.is_empty(),
            "{:?}",
            declaratie.verdict.findings
        );
        assert!(matches!(declaratie.retour, Err(GeenRetour::Advies)));
        assert!(checked(JW323, &Policy::default()).retour.is_ok());
        assert!(checked(JW301, &advies).retour.is_ok());
        // Unreadable: an error, not a verdict.
        assert!(check(b"<niet", &Limits::default(), &advies, day()).is_err());
    }
}
