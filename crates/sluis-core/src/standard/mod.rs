//! The two standards (iJw 3.2, iWmo 3.2) as one model: structure tables, data types, documents.

pub mod codelijsten;
pub mod document;
pub mod gemeenten;
pub mod schema;
pub mod types;

pub use document::{Content, Document, Element, Value};
pub use schema::MessageSchema;
