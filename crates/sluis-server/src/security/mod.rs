//! Security building blocks of issue #6 (docs/security.md): who may do what ([`access`]),
//! bearer tokens ([`tokens`]), the NEN 7513 audit log ([`audit`]), encryption at rest and
//! pseudonyms ([`crypto`]), TLS and mutual TLS ([`tls`]), and the `[security]` settings
//! ([`settings`]). Self-contained: the HTTP layer, the store and the CLI use them.

pub mod access;
pub mod audit;
pub mod crypto;
pub mod settings;
pub mod tls;
pub mod tokens;
