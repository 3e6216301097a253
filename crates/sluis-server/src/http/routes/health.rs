//! `/healthz`, `/readyz` and `/metrics`: for the platform and the operator.

use crate::gateway::Gateway;
use actix_web::http::header::ContentType;
use actix_web::{web, HttpResponse};

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::plaintext())
        .body("ok\n")
}

/// Not ready while the message database cannot be read.
pub async fn readyz(gw: web::Data<Gateway>) -> HttpResponse {
    if gw.ready() {
        HttpResponse::Ok()
            .content_type(ContentType::plaintext())
            .body("ready\n")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type(ContentType::plaintext())
            .body("database not ready\n")
    }
}

pub async fn metrics(gw: web::Data<Gateway>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(crate::telemetry::METRICS_CONTENT_TYPE)
        .body(gw.metrics_text())
}
