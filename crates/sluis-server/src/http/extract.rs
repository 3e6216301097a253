//! What handlers take from a request besides path and body: the caller, the page asked for,
//! the form a posted message comes in and the form the caller wants back.

use super::auth::Caller;
use super::error::ApiError;
use super::export::Form;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;
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

/// `?after=&limit=` of a list: the cursor (opaque: the `next` of the previous page) and at
/// most 1,000 items (100 when not asked). Read by [`Listed`] with the list's own parameters.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub after: Option<u64>,
    pub limit: usize,
    /// The `limit` as asked, for an export that is the whole selection without one.
    pub asked: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPaging {
    after: Option<u64>,
    limit: Option<usize>,
}

impl Paging {
    pub const DEFAULT: usize = 100;
    pub const MAX: usize = 1000;
    /// The parameters every list takes besides its own.
    pub const PARAMS: [&'static str; 2] = ["after", "limit"];

    fn from_pairs(pairs: &[(String, String)]) -> Result<Paging, ApiError> {
        let raw: RawPaging = from_pairs(pairs, &[])?;
        if raw.limit == Some(0) {
            return Err(ApiError::Parameter {
                parameter: "limit".into(),
                detail: "ten minste 1".into(),
            });
        }
        Ok(Paging {
            after: raw.after,
            limit: raw.limit.unwrap_or(Paging::DEFAULT).clamp(1, Paging::MAX),
            asked: raw.limit,
        })
    }
}

impl FromRequest for Paging {
    type Error = ApiError;
    type Future = Ready<Result<Paging, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(pairs(req.query_string()).and_then(|all| {
            let paging: Vec<_> = all
                .into_iter()
                .filter(|(k, _)| Paging::PARAMS.contains(&k.as_str()))
                .collect();
            Paging::from_pairs(&paging)
        }))
    }
}

/// The query parameters of an endpoint, read into `T` (which denies unknown fields): a
/// parameter `T` does not know is refused (400 naming it), a value that does not read too.
/// `format` is left out where the answer's form was negotiated ([`Form`]): the negotiation
/// read it.
#[derive(Debug)]
pub struct Query<T>(pub T);

/// [`Query`] of a list: its own parameters and the [`Paging`] (`after`, `limit`).
#[derive(Debug)]
pub struct Listed<T>(pub T, pub Paging);

/// An endpoint without query parameters: every parameter but `format` is refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// A query as name–value pairs, in order.
type Pairs = Vec<(String, String)>;

/// The parameters the negotiation reads, never the handler's.
const NEGOTIATED: [&str; 1] = ["format"];

fn pairs(q: &str) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(q)
        .map_err(|e| ApiError::BadRequest(format!("de querystring is niet te lezen: {e}")))
}

/// Read `pairs` into `T`, naming the parameter at fault; `also` are the parameters read
/// elsewhere (named in the answer to an unknown one).
fn from_pairs<T: DeserializeOwned>(
    pairs: &[(String, String)],
    also: &[&str],
) -> Result<T, ApiError> {
    let encoded = serde_urlencoded::to_string(pairs).map_err(ApiError::internal)?;
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        parameter_error(&path, &message, also)
    })
}

/// serde's message in Dutch, with the parameter it is about.
fn parameter_error(path: &str, message: &str, also: &[&str]) -> ApiError {
    let quoted = |m: &str, prefix: &str| {
        m.strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_string)
    };
    if let Some(name) = quoted(message, "unknown field `") {
        let mut known: Vec<&str> = message
            .split_once("expected")
            .map(|(_, list)| list.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        known.extend_from_slice(also);
        let detail = if known.is_empty() {
            "onbekende parameter; dit pad kent geen parameters".to_string()
        } else {
            format!("onbekende parameter; dit pad kent {}", known.join(", "))
        };
        return ApiError::Parameter {
            parameter: plain_name(&name),
            detail,
        };
    }
    if let Some(name) = quoted(message, "duplicate field `") {
        return ApiError::Parameter {
            parameter: name,
            detail: "meer dan één keer gegeven".into(),
        };
    }
    // The value is never echoed: a caller may have put a BSN where a number belongs.
    let what = if message.contains("digit") || message.contains("number") {
        "geen geheel getal (of te groot)"
    } else if message.contains("true") {
        "geen true of false"
    } else if message.contains("unknown variant") {
        "geen van de toegestane waarden"
    } else {
        "niet leesbaar"
    };
    ApiError::Parameter {
        parameter: plain_name(path),
        detail: format!("de waarde is {what}"),
    }
}

/// A parameter's name as an answer may show it: names are short words; anything else (a
/// caller may have put a BSN in the name) is not echoed.
fn plain_name(name: &str) -> String {
    let word = !name.is_empty()
        && name.len() <= 40
        && name.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    if word {
        name.to_string()
    } else {
        "(naam niet getoond)".to_string()
    }
}

/// The query without the parameters read elsewhere: `format` where the answer's form was
/// negotiated (elsewhere it is as unknown as any other).
fn own_pairs(req: &HttpRequest) -> Result<(Pairs, &'static [&'static str]), ApiError> {
    let negotiated = req.extensions().get::<Form>().is_some();
    let own = pairs(req.query_string())?
        .into_iter()
        .filter(|(k, _)| !(negotiated && NEGOTIATED.contains(&k.as_str())))
        .collect();
    Ok((own, if negotiated { &NEGOTIATED } else { &[] }))
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Query<T>, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(own_pairs(req).and_then(|(p, also)| from_pairs(&p, also).map(Query)))
    }
}

impl<T: DeserializeOwned> FromRequest for Listed<T> {
    type Error = ApiError;
    type Future = Ready<Result<Listed<T>, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready((|| {
            let (all, negotiated) = own_pairs(req)?;
            let (paging, own): (Vec<_>, Vec<_>) = all
                .into_iter()
                .partition(|(k, _)| Paging::PARAMS.contains(&k.as_str()));
            let also: Vec<&str> = Paging::PARAMS.iter().chain(negotiated).copied().collect();
            let q = from_pairs(&own, &also)?;
            Ok(Listed(q, Paging::from_pairs(&paging)?))
        })())
    }
}

/// The form the answer takes, negotiated from `format=` and `Accept` before the handler runs
/// (`routes::configure`); JSON where nothing was negotiated.
impl FromRequest for Form {
    type Error = ApiError;
    type Future = Ready<Result<Form, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(req
            .extensions()
            .get::<Form>()
            .copied()
            .unwrap_or(Form::Json)))
    }
}

/// `Link: <…>; rel="next"` on a page that has a next one (also for CSV and XLSX, whose body
/// has no room for the cursor).
pub fn link_next(req: &HttpRequest, resp: &mut actix_web::HttpResponse, next: Option<u64>) {
    let Some(next) = next else { return };
    if let Ok(v) =
        header::HeaderValue::from_str(&format!("<{}>; rel=\"next\"", next_link(req, next)))
    {
        resp.headers_mut().insert(header::LINK, v);
    }
}

/// A link to the next page of a list: this request with `after` set to `next`.
pub fn next_link(req: &HttpRequest, next: u64) -> String {
    let mut rest: Vec<(String, String)> = pairs(req.query_string())
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k != "after")
        .collect();
    rest.push(("after".into(), next.to_string()));
    let q = serde_urlencoded::to_string(&rest).unwrap_or_default();
    format!("{}?{q}", req.path())
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
        assert_eq!(p.asked, Some(5000));
        let req = TestRequest::with_uri("/x").to_http_request();
        let p = Paging::extract(&req).await.expect("paging");
        assert_eq!((p.after, p.limit), (None, Paging::DEFAULT));
        let req = TestRequest::with_uri("/x?after=gisteren").to_http_request();
        assert!(matches!(
            Paging::extract(&req).await,
            Err(ApiError::Parameter { parameter, .. }) if parameter == "after"
        ));
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Q {
        #[allow(dead_code)]
        dagen: Option<u32>,
        #[allow(dead_code)]
        lopend: Option<bool>,
    }

    async fn fault(uri: &str) -> (String, String) {
        let req = TestRequest::with_uri(uri).to_http_request();
        match Listed::<Q>::extract(&req).await {
            Err(ApiError::Parameter { parameter, detail }) => (parameter, detail),
            other => panic!("{uri}: {other:?}"),
        }
    }

    #[actix_web::test]
    async fn a_query_error_names_its_parameter() {
        assert_eq!(fault("/x?dagen=veel").await.0, "dagen");
        assert_eq!(fault("/x?lopend=ja").await.0, "lopend");
        let (p, d) = fault("/x?dagen=1&pagina=2").await;
        assert_eq!(p, "pagina");
        assert!(d.contains("dagen, lopend, after, limit"), "{d}");
        assert_eq!(fault("/x?999990019=1").await.0, "(naam niet getoond)");
        assert_eq!(fault("/x?limit=-1").await.0, "limit");
        assert_eq!(fault("/x?dagen=1&dagen=2").await.0, "dagen");
        let req = TestRequest::with_uri("/x?dagen=3&format=csv&after=9").to_http_request();
        req.extensions_mut().insert(Form::Csv);
        let Listed(_, page) = Listed::<Q>::extract(&req).await.expect("listed");
        assert_eq!(page.after, Some(9));
        let req = TestRequest::with_uri("/x?after=9").to_http_request();
        assert!(matches!(
            Query::<NoParams>::extract(&req).await,
            Err(ApiError::Parameter { parameter, .. }) if parameter == "after"
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
