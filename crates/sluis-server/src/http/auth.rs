//! Who is calling, and may they: the middleware in front of every route. It identifies the
//! caller (a client certificate presented over TLS, else a bearer token), looks the route up in
//! the endpoint × role table (`security::access::TABLE`), refuses with 401 or 403, and records
//! every request in the audit log — refusals too. A request that maps to no row (unknown path,
//! or a method the path's rows do not name) is refused here with 404 or 405, never passed on.
//!
//! Before the credentials are looked at, a source address with too many requests in flight, or
//! that spent its budget on refused requests, gets 429 ([`super::limits`]); anonymous refusals
//! are written to the audit aggregated per source per minute. Every other request waits until
//! its audit entry is on disk (group commit), and is answered 503 when it cannot be written:
//! the audit fails closed.
//! A route whose rule depends on the object (`AllowIf`) leaves the check to its handler, which
//! takes the [`Caller`] as an extractor and calls [`Caller::permits`] before it answers.

use super::error::ApiError;
use crate::gateway::Gateway;
use crate::security::access::{decide, Decision, Endpoint, Facts, Principal, ScopeCheck};
use crate::security::audit::{Action, AuditLog, AuditSender, Event, Object, Outcome};
use crate::security::crypto::{ClientPseudonym, Keys};
use crate::security::tls::{ClientCertificates, PeerCertificate};
use crate::security::tokens::TokenStore;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest, ResponseError};
use sluis_core::standard::types::Bsn;
use std::sync::Arc;

/// What the middleware needs, shared by all workers.
pub struct Security {
    pub tokens: TokenStore,
    pub certs: ClientCertificates,
    /// For queries; entries are written through `audit_tx`.
    pub audit: AuditLog,
    /// The background writer of the audit chain.
    pub audit_tx: AuditSender,
    /// For the keyed pseudonyms of clients in the audit.
    pub keys: Arc<Keys>,
    pub limiter: super::limits::RateLimiter,
    /// The stricter budget of `POST /api/v1/validatie`, per caller, after `limiter`.
    pub validatie: super::limits::RateLimiter,
    /// The budget of refused requests per source address, spent before authentication.
    pub sources: super::limits::RateLimiter,
    /// Requests in flight per source address.
    pub in_flight: Arc<super::limits::InFlight>,
    /// Anonymous refusals, aggregated per source per minute in the audit.
    pub refusals: Arc<super::limits::Refusals>,
    /// Longest time a handler may take before the caller gets 503.
    pub request_timeout: std::time::Duration,
}

/// The authenticated caller of a request, and the check its handler still owes.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    /// `Some`: allowed only if the object passes this check.
    pub check: Option<ScopeCheck>,
}

impl Caller {
    /// Whether the object described by `facts` is the caller's to see or change.
    pub fn permits(&self, facts: &Facts<'_>) -> bool {
        self.check
            .is_none_or(|c| c.check(&self.principal, facts) == Decision::Allow)
    }

    /// Whom a rate limit counts: the party (all its tokens and certificates together), else
    /// the token or certificate.
    pub fn rate_key(&self) -> &str {
        self.principal
            .party
            .as_deref()
            .unwrap_or(&self.principal.actor)
    }

    /// The caller's party (AGB-code or gemeentecode), if its role has one.
    pub fn party(&self) -> Option<&str> {
        self.principal.party.as_deref()
    }
}

/// A handler names the client a request concerned, for the audit (as a keyed pseudonym).
pub fn audit_client(req: &HttpRequest, bsn: &Bsn) {
    req.extensions_mut().insert(AuditClient(*bsn));
}

#[derive(Clone, Copy)]
struct AuditClient(Bsn);

/// A handler adds words to the audit entry of its request (the role and scope of a created
/// token). Never a secret or a BSN.
pub fn audit_detail(req: &HttpRequest, detail: String) {
    req.extensions_mut().insert(AuditDetail(detail));
}

#[derive(Clone)]
struct AuditDetail(String);

/// The row of a request: its method and matched route pattern. Default deny: a path no row
/// names is 404 and a method its rows do not name 405 — also when a handler is registered
/// for it, so nothing is ever served without a row.
pub fn endpoint_of(method: &str, pattern: Option<&str>) -> Result<Endpoint, ApiError> {
    let Some(pattern) = pattern else {
        return Err(ApiError::NotFound("onbekend pad"));
    };
    if let Some(e) = Endpoint::from_route(method, pattern) {
        return Ok(e);
    }
    let allow = Endpoint::methods_of(pattern);
    if allow.is_empty() {
        Err(ApiError::NotFound("onbekend pad"))
    } else {
        Err(ApiError::MethodNotAllowed {
            allow: allow.join(", "),
        })
    }
}

/// Who presented what: a known client certificate wins; else a bearer token. `Err` carries
/// the actor to record when credentials were presented but not accepted. A web page is
/// identified by its session cookie only (`crate::web::session`): a page never takes a bearer
/// token or a certificate as such, those are turned into a session at sign-in.
fn identify(
    req: &ServiceRequest,
    sec: &Security,
    endpoint: Endpoint,
) -> Result<Option<Principal>, String> {
    if endpoint.is_page() {
        return Ok(crate::web::session_of(req));
    }
    if let Some(peer) = req.conn_data::<PeerCertificate>() {
        if let Some(p) = sec.certs.identify(peer) {
            return Ok(Some(p));
        }
    }
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| "bearer:malformed".to_string())?;
    sec.tokens.authenticate(token).map(Some).map_err(|e| {
        // The reason (unknown, revoked, expired) goes to the audit, never the secret.
        tracing::info!(reason = %e, "token refused");
        format!("bearer:refused ({e})")
    })
}

/// What an endpoint does, for the audit.
fn action(endpoint: Endpoint, method: &Method) -> Action {
    match endpoint {
        Endpoint::ListBerichten
        | Endpoint::PageBerichten
        | Endpoint::PageCaseload
        | Endpoint::PageAanbieders
        | Endpoint::PageAanbieder
        | Endpoint::TeamDoelbereik
        | Endpoint::ClientToewijzingen
        | Endpoint::Financiering
        | Endpoint::Indicatoren
        | Endpoint::Stromen => Action::Search,
        Endpoint::Audit | Endpoint::PageDownload => Action::Export,
        // A dry run: nothing is created.
        Endpoint::Validatie => Action::Read,
        Endpoint::ReplayBericht => Action::Replay,
        Endpoint::DeliveryRedrive => Action::Replay,
        Endpoint::CreateToken => Action::TokenCreate,
        Endpoint::RevokeToken => Action::TokenRevoke,
        _ if method == Method::GET => Action::Read,
        _ if method == Method::PUT => Action::Update,
        _ => Action::Create,
    }
}

/// The object of a request: its kind from the endpoint, its id from the path (or from the
/// `Location` of what was created).
fn object(endpoint: Endpoint, req: &HttpRequest, location: Option<&str>) -> Object {
    let params = PathParams(req);
    let info = &params;
    let (kind, id) = match endpoint {
        Endpoint::PostBericht
        | Endpoint::PostBehandelplan
        | Endpoint::PostResultaatmelding
        | Endpoint::PostBeoordeling => (
            "bericht",
            location
                .and_then(|l| l.rsplit('/').next())
                .map(str::to_string),
        ),
        Endpoint::GetBericht | Endpoint::ReplayBericht => ("bericht", info.get("id")),
        Endpoint::ListBerichten => ("berichten", None),
        Endpoint::GetToewijzing => ("toewijzing", info.get("nummer")),
        Endpoint::ToewijzingStroom => ("stroom", info.get("nummer")),
        Endpoint::ClientToewijzingen => ("toewijzingen", None),
        Endpoint::GetInbox | Endpoint::AckInbox => ("inbox", info.get("party")),
        Endpoint::ClientPlanstatus => ("planstatus", None),
        Endpoint::GetClientTeam | Endpoint::PutClientTeam => ("client_team", None),
        Endpoint::TeamDoelbereik => ("doelbereik", info.get("team")),
        Endpoint::Financiering => ("financiering", None),
        Endpoint::Indicatoren => ("indicatoren", None),
        Endpoint::Stromen => ("stromen", None),
        Endpoint::Audit => ("audit", None),
        Endpoint::CreateToken => (
            "token",
            location
                .and_then(|l| l.rsplit('/').next())
                .map(str::to_string),
        ),
        Endpoint::ListTokens => ("token", None),
        Endpoint::RevokeToken => ("token", info.get("id")),
        Endpoint::Validatie => ("validatie", None),
        Endpoint::Healthz | Endpoint::Readyz | Endpoint::Metrics => ("status", None),
        Endpoint::OpenApi | Endpoint::Referentie => ("openapi", None),
        Endpoint::DeliveryBacklog | Endpoint::DeliveryRedrive => ("bezorging", None),
        // The pages name their object as the API does; a client by its opaque id.
        Endpoint::PageStart | Endpoint::PageStyle | Endpoint::PageValidatie => ("pagina", None),
        Endpoint::PageSignIn | Endpoint::PageSignOut => ("sessie", None),
        Endpoint::PageValideer => ("validatie", None),
        Endpoint::PageCaseload => ("caseload", None),
        Endpoint::PageClient => ("client", info.get("client")),
        Endpoint::PageBeoordeling => ("beoordeling", info.get("client")),
        Endpoint::PageAanbieders => ("aanbieders", None),
        Endpoint::PageAanbieder => ("aanbieder", info.get("agb")),
        Endpoint::PageDownload => ("download", info.get("tabel")),
        Endpoint::PageBerichten => ("berichten", None),
        Endpoint::PageBericht => ("bericht", info.get("id")),
        Endpoint::PageToewijzing => ("toewijzing", info.get("nummer")),
    };
    Object::new(kind, id.as_deref())
}

fn outcome(status: StatusCode) -> Outcome {
    match status.as_u16() {
        401 => Outcome::Unauthenticated,
        403 | 429 => Outcome::Denied,
        s if s < 400 => Outcome::Success,
        _ => Outcome::Failed,
    }
}

/// Write a request's audit entry and wait until it is on disk (in one group commit with the
/// requests around it). `Err`: it is not written, and the request must not be served.
async fn record(sec: &Security, gw: &Gateway, event: Event) -> Result<(), ApiError> {
    if let Err(e) = sec.audit_tx.append(event).await {
        tracing::error!(error = %e, "audit entry not written: request refused");
        return Err(ApiError::Unavailable);
    }
    gw.durable().await.map_err(|e| {
        tracing::error!(error = %e, "audit entry not durable: request refused");
        ApiError::Unavailable
    })
}

/// A refusal before any handler ran.
fn refuse<B>(req: ServiceRequest, refusal: &ApiError) -> ServiceResponse<EitherBody<B>> {
    let (http, _) = req.into_parts();
    ServiceResponse::new(http, refusal.error_response()).map_into_right_body()
}

/// The parameters of a request's path. Before routing (a refusal in this middleware) actix
/// has not filled `match_info` yet, so they are read off the matched pattern: a refusal names
/// its object as well as an answered request does.
struct PathParams<'a>(&'a HttpRequest);

impl PathParams<'_> {
    fn get(&self, name: &str) -> Option<String> {
        if let Some(v) = self.0.match_info().get(name) {
            return Some(v.to_string());
        }
        let pattern = self.0.match_pattern()?;
        let wanted = format!("{{{name}}}");
        let at = pattern.split('/').position(|seg| seg == wanted)?;
        let seg = self.0.path().split('/').nth(at)?;
        // Percent-encoded ids are not ours: leave them out rather than guess.
        (!seg.is_empty() && !seg.contains('%')).then(|| seg.to_string())
    }
}

/// A BSN in the path, as the keyed pseudonym the audit names a client by.
fn path_client(sec: &Security, req: &HttpRequest) -> Option<ClientPseudonym> {
    PathParams(req)
        .get("bsn")
        .and_then(|b| Bsn::parse(&b))
        .map(|b| sec.keys.pseudonym(&b))
}

/// A declared `Content-Length` above the largest body: refused before a byte is read.
fn too_large(req: &ServiceRequest, max: usize) -> Option<ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        // Not a number: actix refuses it as a bad request before we see it.
        .ok()?;
    (declared > max as u64).then(|| {
        ApiError::TooLarge(format!(
            "het bericht is {declared} bytes; de grens is {max} bytes"
        ))
    })
}

/// The middleware (`actix_web::middleware::from_fn(authorize)`).
pub async fn authorize(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    // Refused here, not passed on: a request without a row never reaches a handler.
    let endpoint = match endpoint_of(req.method().as_str(), req.match_pattern().as_deref()) {
        Ok(e) => e,
        Err(refusal) => return Ok(refuse(req, &refusal)),
    };
    let (Some(sec), Some(gw)) = (
        req.app_data::<web::Data<Security>>().cloned(),
        req.app_data::<web::Data<Gateway>>().cloned(),
    ) else {
        // Without its security data nothing can be decided: fail closed.
        return Ok(refuse(
            req,
            &ApiError::internal("no security data in the app"),
        ));
    };
    let peer = req.peer_addr().map(|a| a.ip());
    let source = peer.map(|ip| ip.to_string());
    let source_key = source.clone().unwrap_or_default();
    // The health checks keep answering whatever a source does.
    let public = matches!(endpoint, Endpoint::Healthz | Endpoint::Readyz);
    // Before the credentials: a source with too many requests at once, or that spent its
    // budget on refused requests, gets 429 (counted with the anonymous refusals).
    let mut _place = None;
    if !public {
        let early = match peer.map(|ip| sec.in_flight.enter(ip)) {
            Some(None) => Some(ApiError::TooManyRequests {
                retry_after_secs: 1,
            }),
            Some(Some(place)) => {
                _place = Some(place);
                None
            }
            None => None,
        }
        .or_else(|| {
            sec.sources
                .check(&source_key)
                .err()
                .map(|wait| ApiError::TooManyRequests {
                    retry_after_secs: wait.as_secs(),
                })
        });
        if let Some(refusal) = early {
            let resp = refusal.error_response();
            let (http, _) = req.into_parts();
            if sec.refusals.note(&source_key, Outcome::Denied) {
                let e = Event {
                    actor: "anonymous".into(),
                    role: None,
                    on_behalf_of: None,
                    action: Action::Deny,
                    object: object(endpoint, &http, None),
                    client: None,
                    outcome: Outcome::Denied,
                    source: source.clone(),
                    detail: Some("te veel verzoeken van deze bron".into()),
                };
                if let Err(e) = record(&sec, &gw, e).await {
                    return Ok(ServiceResponse::new(http, e.error_response()).map_into_right_body());
                }
            }
            return Ok(ServiceResponse::new(http, resp).map_into_right_body());
        }
    }
    let identified = identify(&req, &sec, endpoint);
    let principal = identified.as_ref().ok().cloned().flatten();
    // Credentials presented but refused: not authenticated (public routes stay public).
    let decision = if identified.is_err() && decide(endpoint, None) != Decision::Allow {
        Decision::Unauthenticated
    } else {
        decide(endpoint, principal.as_ref())
    };
    let actor = match (&principal, &identified) {
        (Some(p), _) => p.actor.clone(),
        (None, Err(a)) => a.clone(),
        (None, Ok(_)) => "anonymous".to_string(),
    };
    let role = principal.as_ref().map(|p| p.role);
    // A system acting for a person names that person (free text, recorded only for an
    // authenticated caller; at most 64 printable characters).
    let on_behalf_of = principal
        .as_ref()
        .and_then(|_| req.headers().get("Sluis-Namens"))
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.chars()
                .filter(|c| !c.is_control())
                .take(64)
                .collect::<String>()
        })
        .filter(|v| !v.is_empty());
    let event = |action, object, client, outcome, detail| Event {
        actor: actor.clone(),
        role,
        on_behalf_of: on_behalf_of.clone(),
        action,
        object,
        client,
        outcome,
        source: source.clone(),
        detail,
    };
    let refusal = match decision {
        Decision::Unauthenticated => Some(ApiError::Unauthenticated),
        Decision::Forbidden => Some(ApiError::Forbidden),
        Decision::Allow | Decision::AllowIf(_) => None,
    };
    // A body too large to take is refused before it is read, not after the time limit. The
    // validation page's form carries a file and a pasted text, each up to the limit.
    let max = gw.settings.server.max_body_bytes;
    let max = match endpoint {
        Endpoint::PageValideer => validation_request_limit(max),
        _ => max,
    };
    let refusal = refusal.or_else(|| too_large(&req, max));
    // The rate per caller: its party (all its tokens and certificates together), else the
    // token or certificate, else the address.
    let limit_key = principal
        .as_ref()
        .map(|p| p.party.clone().unwrap_or_else(|| p.actor.clone()))
        .or_else(|| source.clone())
        .unwrap_or_default();
    // Refusals spend the source's budget instead; the health checks are never limited.
    let refusal = match refusal {
        Some(r) => Some(r),
        None if public => None,
        None => sec
            .limiter
            .take(&limit_key)
            .err()
            .map(|wait| ApiError::TooManyRequests {
                retry_after_secs: wait.as_secs(),
            }),
    };
    if let Some(refusal) = refusal {
        let outcome = outcome(refusal.status_code());
        // A page is refused with a page (sign-in, or "not yours"), not problem+json.
        let resp = if endpoint.is_page() {
            let session = req.extensions().get::<crate::web::Session>().cloned();
            crate::web::refusal(&refusal, session.as_ref())
        } else {
            refusal.error_response()
        };
        let (http, _) = req.into_parts();
        let entry = event(
            Action::Deny,
            object(endpoint, &http, None),
            // A refusal names its object, a client too (by pseudonym).
            path_client(&sec, &http),
            outcome,
            None,
        );
        let written = if principal.is_none() {
            // Anonymous: spends the source's budget; in full once a minute, else counted.
            let _ = sec.sources.take(&source_key);
            if sec.refusals.note(&source_key, outcome) {
                record(&sec, &gw, entry).await
            } else {
                Ok(())
            }
        } else {
            record(&sec, &gw, entry).await
        };
        let resp = match written {
            Ok(()) => resp,
            Err(e) => e.error_response(),
        };
        return Ok(ServiceResponse::new(http, resp).map_into_right_body());
    }
    if let Some(p) = &principal {
        req.extensions_mut().insert(Caller {
            principal: p.clone(),
            check: match decision {
                Decision::AllowIf(c) => Some(c),
                _ => None,
            },
        });
    }
    let method = req.method().clone();
    // Known before the call, for the audit of a timeout (the request is gone by then).
    let pending = object(endpoint, req.request(), None);
    let pending_client = path_client(&sec, req.request());
    let res = match actix_web::rt::time::timeout(sec.request_timeout, next.call(req)).await {
        Ok(r) => r?,
        Err(_) => {
            // Answered 503 either way; the entry is still written before the answer.
            let _ = record(
                &sec,
                &gw,
                event(
                    action(endpoint, &method),
                    pending,
                    pending_client,
                    Outcome::Failed,
                    None,
                ),
            )
            .await;
            // What was kept stays kept; the caller may post again (it is recognised).
            let resp = ApiError::Timeout.error_response();
            return Err(actix_web::error::InternalError::from_response("timeout", resp).into());
        }
    };
    if public {
        return Ok(res.map_into_left_body());
    }
    let location = res
        .headers()
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .map(str::to_string);
    let client: Option<ClientPseudonym> = res
        .request()
        .extensions()
        .get::<AuditClient>()
        .map(|c| sec.keys.pseudonym(&c.0));
    let detail = res
        .request()
        .extensions()
        .get::<AuditDetail>()
        .map(|d| d.0.clone());
    let entry = event(
        action(endpoint, &method),
        object(endpoint, res.request(), location.as_deref()),
        client,
        outcome(res.status()),
        detail,
    );
    match record(&sec, &gw, entry).await {
        Ok(()) => Ok(res.map_into_left_body()),
        // Not audited, not served: what the handler answered is withheld.
        Err(e) => {
            let (http, _) = res.into_parts();
            Ok(ServiceResponse::new(http, e.error_response()).map_into_right_body())
        }
    }
}

/// The most a validation request may carry, all parts together: a file and a pasted text each
/// up to the gateway's limit, and room for the form's own fields and boundaries (the middleware
/// uses the same figure for the declared Content-Length).
pub fn validation_request_limit(max_body_bytes: usize) -> usize {
    max_body_bytes.saturating_mul(3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::middleware::from_fn;
    use actix_web::test::{call_service, init_service, TestRequest};
    use actix_web::{App, HttpResponse};

    #[test]
    fn a_request_without_a_row_has_no_endpoint() {
        assert_eq!(
            endpoint_of("GET", Some("/healthz")).ok(),
            Some(Endpoint::Healthz)
        );
        assert!(matches!(
            endpoint_of("GET", None),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            endpoint_of("GET", Some("/api/v1/debug")),
            Err(ApiError::NotFound(_))
        ));
        match endpoint_of("PATCH", Some("/api/v1/berichten")) {
            Err(ApiError::MethodNotAllowed { allow }) => assert_eq!(allow, "POST, GET"),
            other => panic!("{other:?}"),
        }
    }

    /// A handler registered beside the table is never reached: the middleware refuses what it
    /// cannot map to a row, and fails closed without its security data.
    #[actix_web::test]
    async fn the_middleware_refuses_what_has_no_row() {
        let app = init_service(
            App::new()
                .wrap(from_fn(authorize))
                .route("/extra", web::get().to(HttpResponse::Ok))
                .route("/healthz", web::get().to(HttpResponse::Ok))
                .route("/healthz", web::delete().to(HttpResponse::Ok)),
        )
        .await;
        let r = call_service(&app, TestRequest::get().uri("/extra").to_request()).await;
        assert_eq!(r.status().as_u16(), 404);
        assert_eq!(
            r.headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some("application/problem+json")
        );
        let r = call_service(&app, TestRequest::delete().uri("/healthz").to_request()).await;
        assert_eq!(r.status().as_u16(), 405);
        assert_eq!(
            r.headers().get(header::ALLOW).and_then(|v| v.to_str().ok()),
            Some("GET")
        );
        let r = call_service(&app, TestRequest::get().uri("/healthz").to_request()).await;
        assert_eq!(r.status().as_u16(), 500, "no security data: closed");
    }
}
