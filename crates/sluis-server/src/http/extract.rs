//! What handlers take from a request besides path and body: the caller, the page asked for,
//! the form a posted message comes in and the form the caller wants back.

use super::auth::Caller;
use super::error::ApiError;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use serde::Deserialize;
use sluis_core::Format;
use std::future::{ready, Ready};

/// The authenticated caller, set by the middleware. Every route that is not public has one;
/// its absence is refused (401), never read as "no restriction".
impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Caller>()
                .cloned()
                .ok_or(ApiError::Unauthenticated),
        )
    }
}

/// `?after=&limit=` of a list: the cursor (the last id or cursor of the previous page) and at
/// most 1,000 items (100 when not asked). Other query fields are the handler's.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub after: Option<u64>,
    pub limit: usize,
}

#[derive(Deserialize)]
struct RawPaging {
    after: Option<u64>,
    limit: Option<usize>,
}

impl Paging {
    pub const DEFAULT: usize = 100;
    pub const MAX: usize = 1000;
}

impl FromRequest for Paging {
    type Error = ApiError;
    type Future = Ready<Result<Paging, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            web::Query::<RawPaging>::from_query(req.query_string())
                .map(|q| Paging {
                    after: q.after,
                    limit: q.limit.unwrap_or(Paging::DEFAULT).clamp(1, Paging::MAX),
                })
                .map_err(|e| ApiError::BadRequest(e.to_string())),
        )
    }
}

/// The declared form of a posted message (`Content-Type`): XML or JSON; anything else 415.
#[derive(Debug, Clone, Copy)]
pub struct Sent(pub Format);

impl FromRequest for Sent {
    type Error = ApiError;
    type Future = Ready<Result<Sent, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let mime = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|ct| ct.to_str().ok())
            .and_then(|ct| ct.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase());
        ready(match mime.as_deref() {
            Some("application/xml" | "text/xml") => Ok(Sent(Format::Xml)),
            Some("application/json") => Ok(Sent(Format::Json)),
            _ => Err(ApiError::UnsupportedMediaType),
        })
    }
}

/// What the caller accepts back (`Accept`), for the handlers that answer in more than one form.
#[derive(Debug, Clone, Default)]
pub struct Accepts(String);

impl Accepts {
    /// JSON when the caller asks for it (and not for XML), XML when it asks for XML, else the
    /// form it sent.
    pub fn format_or(&self, sent: Format) -> Format {
        if self.0.contains("application/json") && !self.0.contains("xml") {
            Format::Json
        } else if self.0.contains("xml") {
            Format::Xml
        } else {
            sent
        }
    }

    pub fn csv(&self) -> bool {
        self.0.contains("text/csv")
    }
}

impl FromRequest for Accepts {
    type Error = ApiError;
    type Future = Ready<Result<Accepts, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let accept = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .unwrap_or("");
        ready(Ok(Accepts(accept.to_string())))
    }
}

/// A posted body, read up to `limit` bytes: a larger one is refused (413) without being held
/// in memory whole.
pub async fn body(payload: web::Payload, limit: usize) -> Result<web::Bytes, ApiError> {
    match payload.to_bytes_limited(limit).await {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(e)) => Err(ApiError::BadRequest(format!(
            "de body kon niet gelezen worden: {e}"
        ))),
        Err(_) => Err(ApiError::TooLarge(format!(
            "het bericht is groter dan {limit} bytes"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[actix_web::test]
    async fn paging_defaults_and_bounds() {
        let req = TestRequest::with_uri("/x?limit=5000&after=7&type=JW301").to_http_request();
        let p = Paging::extract(&req).await.expect("paging");
        assert_eq!((p.after, p.limit), (Some(7), Paging::MAX));
        let req = TestRequest::with_uri("/x").to_http_request();
        let p = Paging::extract(&req).await.expect("paging");
        assert_eq!((p.after, p.limit), (None, Paging::DEFAULT));
        let req = TestRequest::with_uri("/x?after=gisteren").to_http_request();
        assert!(matches!(
            Paging::extract(&req).await,
            Err(ApiError::BadRequest(_))
        ));
    }

    #[actix_web::test]
    async fn formats_from_the_headers() {
        let req = TestRequest::default()
            .insert_header((header::CONTENT_TYPE, "Text/XML; charset=utf-8"))
            .to_http_request();
        assert!(matches!(Sent::extract(&req).await, Ok(Sent(Format::Xml))));
        let req = TestRequest::default()
            .insert_header((header::CONTENT_TYPE, "text/plain"))
            .to_http_request();
        assert!(matches!(
            Sent::extract(&req).await,
            Err(ApiError::UnsupportedMediaType)
        ));
        let req = TestRequest::default()
            .insert_header((header::ACCEPT, "application/json"))
            .to_http_request();
        let a = Accepts::extract(&req).await.expect("accepts");
        assert_eq!(a.format_or(Format::Xml), Format::Json);
        assert_eq!(Accepts::default().format_or(Format::Json), Format::Json);
    }

    #[actix_web::test]
    async fn no_caller_is_refused() {
        let req = TestRequest::default().to_http_request();
        assert!(matches!(
            Caller::extract(&req).await,
            Err(ApiError::Unauthenticated)
        ));
    }
}
