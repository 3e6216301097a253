//! The Sluis gateway around the pure core (`sluis-core`): settings, the store (sled), the
//! judging shell that stores and answers each message, the HTTP API and its security.

pub mod config;
pub mod control;
pub mod delivery;
pub mod gateway;
pub mod http;
pub mod memory;
pub mod notify;
pub mod security;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;
