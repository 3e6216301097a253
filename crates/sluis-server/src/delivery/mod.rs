//! Push delivery to the parties' own endpoints (`docs/delivery.md`): the configuration
//! ([`settings`]), the HTTP client ([`client`]) over its TLS ([`tls`]) and the states a delivery goes through. The
//! outbox lives in the store (`store/outbox.rs`, written in the message's own transaction); the
//! worker that empties it is in `gateway/delivery.rs`.

pub mod client;
pub mod settings;
pub mod tls;

use serde::{Deserialize, Serialize};

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    /// Accepted and waiting: not offered yet, or waiting for its next attempt.
    Ontvangen,
    /// An attempt is in flight: recorded (and counted) before it is made. A stop gives it
    /// back; after a crash the next start counts it as failed (`onderbroken`), so nothing
    /// stays in this state.
    Aangeboden,
    /// The party's endpoint answered 2xx.
    Bezorgd,
    /// A dead letter: the attempts or the time ran out; an operator re-drives it.
    Mislukt,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 4] = [
        DeliveryState::Ontvangen,
        DeliveryState::Aangeboden,
        DeliveryState::Bezorgd,
        DeliveryState::Mislukt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Ontvangen => "ontvangen",
            DeliveryState::Aangeboden => "aangeboden",
            DeliveryState::Bezorgd => "bezorgd",
            DeliveryState::Mislukt => "mislukt",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        DeliveryState::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// One delivery of one message to one party, as kept in the store and shown in the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryStatus {
    pub bericht_id: u64,
    pub party: String,
    /// `bericht` (the message, to its Ontvanger), `retour` (Sluis's answer, to its Afzender) or
    /// `terugvordering` (Sluis's signal, to the aanbieder and the gemeente).
    pub kind: String,
    pub state: DeliveryState,
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When it was accepted, ms since the epoch (the age of the backlog).
    pub created_ms: i64,
    /// Not before this moment (ms since the epoch): the backoff or `Retry-After`; while
    /// `aangeboden`, when the attempt began.
    pub next_ms: i64,
    /// Start of the current window of attempts (acceptance, or the last re-drive): the
    /// `max_hours` limit counts from here.
    pub window_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_ms: Option<i64>,
    /// Its place in the outbox: the lane (party and client, pseudonymised) and sequence, as
    /// stored; empty once delivered.
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "hex_bytes")]
    pub outbox_key: Vec<u8>,
    /// A `terugvordering` delivery: its signal, sealed (hex), until it is delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signaal: Option<String>,
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        hex::decode(s).map_err(serde::de::Error::custom)
    }
}

/// The API's view of a delivery (no store internals).
#[derive(Debug, Clone, Serialize)]
pub struct Bezorging {
    pub partij: String,
    pub soort: String,
    pub status: DeliveryState,
    pub pogingen: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub laatste_fout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volgende_poging: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bezorgd_op: Option<String>,
}

fn rfc3339_ms(ms: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()?
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

impl From<&DeliveryStatus> for Bezorging {
    fn from(d: &DeliveryStatus) -> Self {
        Bezorging {
            partij: d.party.clone(),
            soort: d.kind.clone(),
            status: d.state,
            pogingen: d.attempts,
            laatste_fout: d.last_error.clone(),
            volgende_poging: (d.state == DeliveryState::Ontvangen && d.attempts > 0)
                .then(|| rfc3339_ms(d.next_ms))
                .flatten(),
            bezorgd_op: d.delivered_ms.and_then(rfc3339_ms),
        }
    }
}

/// ms since the epoch.
pub fn epoch_ms(t: time::OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}
