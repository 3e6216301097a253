//! The served routes, generated from the one access table (`security::access::TABLE`): every
//! row is served by the handler its [`Endpoint`] names in [`handler`] — an exhaustive match, so
//! a row without a handler does not compile — and nothing else is served. A handler lives in
//! the file of its resource and only translates between HTTP and the gateway.

mod audit;
pub mod berichten;
mod bezorging;
pub mod clienten;
mod doelbereik;
mod health;
pub mod inbox;
pub(crate) mod indicatoren;
mod stromen;
mod toewijzingen;
pub mod tokens;
pub mod validatie;

use super::auth::Caller;
use super::error::ApiError;
use super::export::{self, Form, TABLE_FORMS};
use crate::gateway::Gateway;
use crate::security::access::{Endpoint, Facts, TABLE};
use crate::web as pages;
use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::{guard, web, HttpMessage, ResponseError, Route};
use std::future::{ready, Future};
use std::pin::Pin;

/// Register one resource per path of the table, with one route per row. A path's other
/// methods answer 405 (the middleware already refused them; this is the second lock).
pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut paths: Vec<&'static str> = Vec::new();
    for row in TABLE {
        if !paths.contains(&row.endpoint.path()) {
            paths.push(row.endpoint.path());
        }
    }
    for path in paths {
        let mut resource = web::resource(path).default_service(web::to(move || async move {
            Err::<actix_web::HttpResponse, _>(ApiError::MethodNotAllowed {
                allow: Endpoint::methods_of(path).join(", "),
            })
        }));
        for row in TABLE.iter().filter(|r| r.endpoint.path() == path) {
            resource = resource.route(route(row.endpoint));
        }
        cfg.service(resource.wrap_fn(move |req, srv| negotiated(path, req, srv)));
    }
}

type Answer = Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error>;

/// Decide the answer's form before the handler runs: `format=` or `Accept` against what the
/// endpoint [`produces`]; 406 (or 400 for an unknown `format`) without calling it. The handler
/// reads the outcome as its [`Form`] extractor.
fn negotiated<S>(
    path: &'static str,
    req: ServiceRequest,
    srv: &S,
) -> Pin<Box<dyn Future<Output = Answer>>>
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = actix_web::Error>,
    S::Future: 'static,
{
    let endpoint = TABLE
        .iter()
        .map(|r| r.endpoint)
        .find(|e| e.path() == path && e.method() == req.method().as_str());
    if let Some(offered) = endpoint.and_then(produces) {
        let format = export::format_param(req.request());
        let accept = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .map(str::to_string);
        match export::negotiate(format.as_deref(), accept.as_deref(), offered) {
            Ok(form) => {
                req.extensions_mut().insert(form);
            }
            Err(e) => {
                let resp = req.into_response(e.error_response()).map_into_right_body();
                return Box::pin(ready(Ok(resp)));
            }
        }
    }
    let fut = srv.call(req);
    Box::pin(async move { fut.await.map(ServiceResponse::map_into_left_body) })
}

/// The forms an endpoint answers in, the default first; `None` where the answer's form is not
/// negotiated (a POST answers in the form of what was sent; the probes and metrics are for
/// machines that expect exactly their form). Exhaustive: a new row says what it produces.
pub fn produces(e: Endpoint) -> Option<&'static [Form]> {
    use Endpoint::*;
    const JSON: &[Form] = &[Form::Json];
    match e {
        Healthz | Readyz | Metrics => None,
        // The web pages answer HTML (and their downloads CSV); a browser's Accept is not refused.
        PageStart | PageStyle | PageSignIn | PageSignOut | PageCaseload | PageClient
        | PageBeoordeling | PageAanbieders | PageAanbieder | PageDownload | PageBerichten
        | PageBericht | PageToewijzing | PageValidatie | PageValideer => None,
        // The published API description and its page: one form each, like any published spec.
        OpenApi | Referentie => None,
        Validatie | DeliveryRedrive | PostBericht | ReplayBericht | AckInbox | PostBehandelplan
        | PostResultaatmelding | PostBeoordeling | PutClientTeam | CreateToken | RevokeToken => {
            None
        }
        ListBerichten | TeamDoelbereik | Financiering | Indicatoren | ListTokens | Stromen => {
            Some(TABLE_FORMS)
        }
        Audit => Some(&[Form::Json, Form::Csv, Form::CsvNl, Form::Xlsx, Form::Jsonl]),
        GetBericht => Some(&[Form::Json, Form::Xml]),
        GetToewijzing | ClientToewijzingen | GetInbox | ClientPlanstatus | GetClientTeam
        | DeliveryBacklog | ToewijzingStroom => Some(JSON),
    }
}

/// The caller belongs to this gateway's gemeente (back office, contractmanager); else 403.
fn own_gemeente(who: &Caller, gw: &Gateway) -> Result<(), ApiError> {
    let mine = who.permits(&Facts {
        gemeente: Some(gw.settings.gemeente.code.as_str()),
        ..Facts::default()
    });
    mine.then_some(()).ok_or(ApiError::Forbidden)
}

/// An endpoint's route: its handler, guarded by its method.
fn route(e: Endpoint) -> Route {
    match Method::from_bytes(e.method().as_bytes()) {
        Ok(m) => handler(e).method(m),
        // A method actix cannot name is served to nobody (a test checks every row is served).
        Err(_) => handler(e).guard(guard::fn_guard(|_| false)),
    }
}

/// THE map from endpoint to handler.
fn handler(e: Endpoint) -> Route {
    use Endpoint::*;
    let r = web::route();
    match e {
        Healthz => r.to(health::healthz),
        Readyz => r.to(health::readyz),
        Metrics => r.to(health::metrics),
        PostBericht => r.to(berichten::post),
        ListBerichten => r.to(berichten::list),
        GetBericht => r.to(berichten::get),
        ReplayBericht => r.to(berichten::replay),
        GetToewijzing => r.to(toewijzingen::get),
        ToewijzingStroom => r.to(stromen::stroom),
        ClientToewijzingen => r.to(clienten::toewijzingen),
        GetInbox => r.to(inbox::get),
        AckInbox => r.to(inbox::ack),
        PostBehandelplan => r.to(doelbereik::post_behandelplan),
        PostResultaatmelding => r.to(doelbereik::post_resultaatmelding),
        PostBeoordeling => r.to(doelbereik::post_beoordeling),
        ClientPlanstatus => r.to(clienten::planstatus),
        TeamDoelbereik => r.to(doelbereik::team),
        GetClientTeam => r.to(clienten::get_team),
        PutClientTeam => r.to(clienten::put_team),
        Financiering => r.to(indicatoren::financiering),
        Indicatoren => r.to(indicatoren::indicatoren),
        Stromen => r.to(stromen::stromen),
        Audit => r.to(audit::audit),
        CreateToken => r.to(tokens::create),
        ListTokens => r.to(tokens::list),
        RevokeToken => r.to(tokens::revoke),
        Validatie => r.to(validatie::post),
        OpenApi => r.to(super::openapi::openapi_json),
        Referentie => r.to(super::openapi::reference_page),
        DeliveryBacklog => r.to(bezorging::overzicht),
        DeliveryRedrive => r.to(bezorging::opnieuw),
        PageStart => r.to(pages::start::start),
        PageStyle => r.to(pages::start::style),
        PageSignIn => r.to(pages::start::sign_in),
        PageSignOut => r.to(pages::start::sign_out),
        PageCaseload => r.to(pages::team::caseload),
        PageClient => r.to(pages::team::client),
        PageBeoordeling => r.to(pages::team::beoordeling),
        PageAanbieders => r.to(pages::contract::overzicht),
        PageAanbieder => r.to(pages::contract::aanbieder),
        PageDownload => r.to(pages::contract::download),
        PageBerichten => r.to(pages::berichten::lijst),
        PageBericht => r.to(pages::berichten::bericht),
        PageToewijzing => r.to(pages::berichten::toewijzing),
        PageValidatie => r.to(pages::validatie::form),
        PageValideer => r.to(pages::validatie::check),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::{call_service, init_service, TestRequest};
    use actix_web::App;

    /// Every row reaches its handler: without the app's data the handler's extractors fail
    /// (500, 401 or 415), which a missing route (404) or method (405) cannot give.
    #[actix_web::test]
    async fn every_row_is_served_and_nothing_else() {
        let app = init_service(App::new().configure(configure)).await;
        for row in TABLE {
            let e = row.endpoint;
            let method = Method::from_bytes(e.method().as_bytes()).expect("a method");
            let uri = e
                .path()
                .replace("{id}", "1")
                .replace("{nummer}", "7001")
                .replace("{bsn}", "999990019")
                .replace("{party}", "12345678")
                .replace("{team}", "noord")
                .replace("{client}", "00112233445566778899aabbccddeeff")
                .replace("{agb}", "12345678")
                .replace("{tabel}", "financiering.csv");
            let r = call_service(
                &app,
                TestRequest::default().method(method).uri(&uri).to_request(),
            )
            .await;
            let s = r.status().as_u16();
            assert!(s != 404 && s != 405, "{e:?} not served: {s}");
        }
        let r = call_service(
            &app,
            TestRequest::patch().uri("/api/v1/berichten").to_request(),
        )
        .await;
        assert_eq!(r.status().as_u16(), 405);
        let r = call_service(&app, TestRequest::get().uri("/api/v1/debug").to_request()).await;
        assert_eq!(r.status().as_u16(), 404);
    }
}
