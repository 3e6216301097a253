//! Sluis's test kit: the one builder of real iJw/iWmo 3.2 messages ([`bericht`]), used by the
//! tests, the demo data set and the benches, and the one helper for test certificates
//! ([`pki`]). Pure: no I/O, no server.

pub mod bericht;
pub mod jaar;
pub mod pki;
