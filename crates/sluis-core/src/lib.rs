//! The pure core of Sluis: the iJw 3.2 / iWmo 3.2 standards and every judgement over them.
//!
//! [`codec`] reads XML or JSON → [`validate`](mod@validate) judges it against the standard
//! (in-message rules, and the cross-message rules over a history view) → [`retour`](mod@retour)
//! writes the answer → [`codec`] writes it in either form. [`standard`] is the model both sides
//! share; [`doelbereik`] holds Sluis's own messages and the financing rule. Nothing here does
//! I/O: this crate's manifest has no async runtime, web framework, database or HTTP client, so
//! Cargo itself keeps it that way.

pub mod codec;
pub mod codes;
pub mod doelbereik;
pub mod dossier;
pub mod finding;
pub mod intake;
pub mod policy;
pub mod retour;
pub mod standard;
pub mod status;
pub mod stuurinformatie;
pub mod validate;

pub use codec::{write, Format, Limits, ReadError};
pub use finding::Finding;
pub use retour::{retour, RetourContext, RetourError};
pub use standard::Document;
pub use validate::message as validate;
pub use validate::structure::Structured;
pub use validate::{parse, Parsed, Verdict};
