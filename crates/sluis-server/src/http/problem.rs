//! Errors as RFC 9457 problem details (`application/problem+json`).

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Findings, for a message that is not valid by its XSD.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<crate::store::StoredFinding>,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, title: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("https://sluis.example/problems/{kind}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn response(&self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        HttpResponse::build(status)
            .content_type("application/problem+json")
            .json(self)
    }
}

pub fn not_found(what: &str) -> HttpResponse {
    Problem::new(StatusCode::NOT_FOUND, "not-found", "Niet gevonden", what).response()
}

pub fn bad_request(detail: impl Into<String>) -> HttpResponse {
    Problem::new(
        StatusCode::BAD_REQUEST,
        "bad-request",
        "Ongeldig verzoek",
        detail,
    )
    .response()
}

pub fn internal(detail: impl std::fmt::Display) -> HttpResponse {
    // The detail goes to the log; the caller learns only that it failed.
    tracing::error!(error = %detail, "request failed");
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Interne fout",
        "het verzoek kon niet worden verwerkt; er is niets opgeslagen dat niet bevestigd is",
    )
    .response()
}
