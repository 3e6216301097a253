//! The HTTP API (actix-web). The served routes are generated from the access table
//! ([`routes::configure`]); handlers live per resource in `routes/<resource>.rs`, take what
//! they need through extractors ([`extract`]), call the gateway and nothing else, and answer
//! errors as one [`error::ApiError`]. The middleware ([`auth`]) decides who may call what.

pub mod auth;
pub mod error;
pub mod export;
pub mod extract;
pub mod limits;
pub mod openapi;
pub mod routes;
pub mod trace;

pub use error::ApiError;
pub use routes::configure;
