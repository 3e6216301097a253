//! The served routes, generated from the one access table (`security::access::TABLE`): every
//! row is served by the handler its [`Endpoint`] names in [`handler`] — an exhaustive match, so
//! a row without a handler does not compile — and nothing else is served. A handler lives in
//! the file of its resource and only translates between HTTP and the gateway.

mod audit;
mod berichten;
mod clienten;
mod doelbereik;
mod health;
mod inbox;
mod indicatoren;
mod stromen;
mod toewijzingen;
mod tokens;

pub use indicatoren::indicatoren_csv;

use super::auth::Caller;
use super::error::ApiError;
use crate::gateway::Gateway;
use crate::security::access::{Endpoint, Facts, TABLE};
use actix_web::http::Method;
use actix_web::{guard, web, Route};

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
        cfg.service(resource);
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
                .replace("{team}", "noord");
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
