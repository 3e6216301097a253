//! Opaque client ids for URLs: the keyed pseudonym of the BSN (`Keys::pseudonym`, HMAC with
//! the gateway's key), the one the audit names clients by. A URL never holds a BSN; the page
//! finds the client again through a map from pseudonym to BSN over the gemeente's clients,
//! built from the trajectory index and kept in memory (rebuilt on a miss, at most once every
//! two seconds, so an unknown id cannot make the server hash every client on every request).

use crate::gateway::Gateway;
use crate::security::crypto::Keys;
use sluis_core::standard::types::Bsn;
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

const REBUILD_AFTER: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct ClientIds {
    map: RwLock<Option<(Instant, HashMap<String, Bsn>)>>,
}

/// The opaque id of a client.
pub fn id(keys: &Keys, bsn: &Bsn) -> String {
    keys.pseudonym(bsn).as_str().to_string()
}

impl ClientIds {
    /// The client of an opaque id, if it is a client of this gemeente.
    pub fn resolve(&self, keys: &Keys, gw: &Gateway, id: &str) -> Option<Bsn> {
        {
            let map = self.map.read().unwrap_or_else(|e| e.into_inner());
            if let Some((built, m)) = map.as_ref() {
                if let Some(b) = m.get(id) {
                    return Some(*b);
                }
                if built.elapsed() < REBUILD_AFTER {
                    return None;
                }
            }
        }
        let fresh: HashMap<String, Bsn> = gw
            .client_bsns()
            .into_iter()
            .map(|b| (self::id(keys, &b), b))
            .collect();
        let found = fresh.get(id).copied();
        *self.map.write().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), fresh));
        found
    }
}
