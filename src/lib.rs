//! Sluis: the municipality's gateway for iJw 3.2 and iWmo 3.2 messages.
//!
//! This package is the `sluis` command and its tools. The pure core (model, codec, rules,
//! retourberichten, doelbereik) is the crate `sluis-core`, the gateway (store, HTTP, security)
//! the crate `sluis-server`; both are re-exported here under their old paths, so
//! `sluis::validate`, `sluis::gateway::Gateway` … name the same things as before.

pub use sluis_core::*;
pub use sluis_server::{
    config, control, delivery, gateway, http, memory, notify, security, startup, store, telemetry,
    web,
};

pub mod client;
pub mod demo;
pub mod load;
pub mod load_push;
pub mod rapport;
