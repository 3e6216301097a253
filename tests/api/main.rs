//! All integration tests in one binary (one link of actix, sled and rustls instead of one per
//! file): a module per area, [`helpers::spawn_app`] the one way to start a gateway, the
//! messages from the test kit (`sluis_testkit::bericht`) with the scenario defaults in
//! [`scenario`]. The crash test (`tests/crash.rs`) kills processes and stays apart.

mod auth;
mod helpers;
mod samples;
mod scenario;

mod berichten;
mod cli;
mod delivery;
mod demo;
mod doelbereik;
mod doelbereik_api;
mod durability;
mod exports;
mod fixtures;
mod history;
mod hostile;
mod hostile_input;
mod import;
mod jaar;
mod openapi;
mod operations;
mod pages;
mod retention;
mod retour;
mod routes;
mod rules;
mod security;
mod stromen;
mod structure;
mod trajectory;
mod validatie;
