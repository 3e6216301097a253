//! Taking in an archive of messages as history (`sluis import`): each message is read and
//! judged exactly as a posted one (no sender restriction) and stored with its effects, but
//! nothing is delivered: no retourbericht, no inbox entries. The parties already had them.

use super::{Gateway, IngestError, Ingested, Route};
use sluis_core::intake;

impl Gateway {
    /// Judge and store one archived message as history. The store is written but not yet
    /// durable: call [`Gateway::durable`] once after the last one.
    pub fn import(&self, bytes: &[u8]) -> Result<Ingested, IngestError> {
        let read = intake::read(bytes, None, &self.limits)?;
        self.judge_and_store(&read, bytes, Route::History)
    }
}
