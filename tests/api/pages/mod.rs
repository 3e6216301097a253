//! The web pages (issue #15) against the real server with the demo data set: sign-in and
//! sessions, CSRF, expiry, each role's pages, the team boundary, the beoordeling form, the CSV
//! download, the message search, the audit of a client page, and an HTML check of what WCAG
//! asks that a parser can see (lang, landmarks, labels, table headers, no inline style or
//! script, no BSN in a URL). `browser.rs` drives headless Chromium through the same flows.

mod browser;

use crate::auth;
use crate::helpers::{settings, spawn_app, spawn_app_with, TestApp};
use reqwest::StatusCode;
use std::collections::BTreeMap;

/// A browser without a browser: keeps cookies, follows no redirects.
pub struct Visitor {
    base: String,
    http: reqwest::Client,
    cookies: BTreeMap<String, String>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Visitor {
    pub fn new(base: &str) -> Visitor {
        Visitor {
            base: base.to_string(),
            http: sluis::client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn take(&mut self, r: reqwest::Response) -> Page {
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().expect("ascii");
            let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = pair.split_once('=').expect("name=value");
            if val.is_empty() || attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), val.to_string());
            }
        }
        Page {
            status: r.status(),
            location: r
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .map(str::to_string),
            headers: r.headers().clone(),
            body: r.text().await.expect("body"),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header())
            .send()
            .await
            .expect("get");
        self.take(r).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body: Vec<String> = form
            .iter()
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect();
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.join("&"))
            .send()
            .await
            .expect("post");
        self.take(r).await
    }

    /// A `multipart/form-data` post, as a browser sends a form with a file: parts of
    /// (name, file name, bytes); a file name (even empty) makes the part a file.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        parts: &[(&str, Option<&str>, &[u8])],
    ) -> Page {
        let boundary = "----SluisTestGrens7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, file, bytes) in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match file {
                Some(f) => body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
                ),
                None => body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                ),
            }
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header())
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .expect("post");
        self.take(r).await
    }

    /// Sign in with a demo token; the start page of the role.
    pub async fn sign_in(&mut self, token_id: &str) -> Page {
        let form = self.get("/").await;
        let csrf = value_of(&form.body, "csrf").expect("csrf field");
        let r = self
            .post(
                "/aanmelden",
                &[("csrf", &csrf), ("token", &auth::token(token_id))],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let home = r.location.clone().expect("location");
        self.get(&home).await
    }
}

fn enc(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The value of the first `name="…" value="…"` input.
pub fn value_of(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_string())
}

/// Every `href="…"` of a page.
pub fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|s| s.replace("&amp;", "&"))
        .collect()
}

/// What WCAG 2.1 AA asks that can be read off the HTML: the language, landmarks, a title, a
/// label for every field, headers with a scope, no inline style or script (also the CSP), and
/// no BSN (nine digits) in any link.
pub fn check_page(html: &str, what: &str) {
    // A browser's page source is the serialised DOM, without the doctype.
    assert!(
        html.starts_with("<!DOCTYPE html>") || html.starts_with("<html"),
        "{what}: doctype: {}",
        html.chars().take(120).collect::<String>()
    );
    assert!(html.contains(r#"<html lang="nl">"#), "{what}: lang=nl");
    assert!(!html.contains("<th>"), "{what}: a th without scope");
    for landmark in ["<header", "<main", "<footer", "<title>", "<h1"] {
        assert!(html.contains(landmark), "{what}: {landmark}");
    }
    assert!(!html.contains("<script"), "{what}: no script");
    assert!(!html.contains(" style="), "{what}: no inline style");
    assert!(
        html.contains(r##"class="skip" href="#inhoud""##),
        "{what}: skip link"
    );
    // Every visible field has a label that names it.
    for tag in ["<input ", "<select ", "<textarea "] {
        for part in html.split(tag).skip(1) {
            let head = &part[..part.find('>').unwrap_or(part.len())];
            if head.contains(r#"type="hidden""#) || head.contains(r#"type="submit""#) {
                continue;
            }
            let id = head
                .split("id=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or_else(|| panic!("{what}: a field without id: {head}"));
            assert!(
                html.contains(&format!(r#"<label for="{id}""#))
                    || html.contains(&format!(r#"for="{id}""#)),
                "{what}: no label for {id}"
            );
        }
    }
    for part in html.split("<th ").skip(1) {
        let head = &part[..part.find('>').unwrap_or(0)];
        assert!(head.contains("scope="), "{what}: a th without scope");
    }
    for h in hrefs(html) {
        // A BSN would stand as a whole path segment or query value of nine digits.
        let digits_run = h
            .split(['/', '?', '&', '='])
            .any(|part| part.len() == 9 && part.bytes().all(|b| b.is_ascii_digit()));
        assert!(!digits_run, "{what}: a BSN-like number in a link: {h}");
    }
}

/// A gateway with the demo municipality (120 clients) posted through the API.
pub async fn demo_app(dir: &std::path::Path) -> TestApp {
    let app = spawn_app(dir).await;
    let set = sluis::demo::generate(sluis::demo::DEFAULT_SEED, 120);
    let tokens = sluis::demo::Tokens::from_settings(&settings(dir));
    let posted = sluis::demo::post_all(&app.base, &set, &tokens)
        .await
        .expect("posted");
    assert!(posted.rejected.is_empty(), "{:?}", posted.rejected);
    app
}

/// The client links of a caseload page: (opaque id, BSN shown).
pub fn client_links(html: &str) -> Vec<(String, String)> {
    html.split(r#"<a href="/clienten/"#)
        .skip(1)
        .filter_map(|s| {
            let (id, rest) = s.split_once('"')?;
            let bsn = rest.strip_prefix('>')?.split('<').next()?;
            Some((id.to_string(), bsn.to_string()))
        })
        .collect()
}

#[actix_web::test]
async fn each_role_signs_in_and_sees_its_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = demo_app(dir.path()).await;

    // Anonymous: the sign-in form, the stylesheet; a page asks to sign in (401, a page).
    let mut anon = Visitor::new(&app.base);
    let start = anon.get("/").await;
    assert_eq!(start.status, StatusCode::OK);
    check_page(&start.body, "sign-in");
    let csp = start.headers["content-security-policy"]
        .to_str()
        .expect("csp");
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(start.headers["set-cookie"]
        .to_str()
        .expect("cookie")
        .contains("HttpOnly; SameSite=Strict"));
    let css = anon.get("/static/sluis.css").await;
    assert_eq!(css.status, StatusCode::OK);
    let r = anon.get("/caseload").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("Aanmelden nodig"));
    // A wrong token: 401 and no session.
    let csrf = value_of(&anon.get("/").await.body, "csrf").expect("csrf");
    let r = anon
        .post(
            "/aanmelden",
            &[("csrf", &csrf), ("token", "sluis_nope_123")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(!anon.cookies.contains_key("sluis_sessie"));
    // A sign-in form from elsewhere (no binding cookie): refused.
    let mut other = Visitor::new(&app.base);
    let r = other
        .post(
            "/aanmelden",
            &[("csrf", &csrf), ("token", &auth::token("demo-team-noord"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Gebiedsteam noord: the caseload, its filters and a client page.
    let mut noord = Visitor::new(&app.base);
    let home = noord.sign_in("demo-team-noord").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    check_page(&home.body, "caseload");
    assert!(home.body.contains("Caseload gebiedsteam noord"));
    let links = client_links(&home.body);
    assert!(!links.is_empty());
    let (_, all) = app
        .get_json("/api/v1/teams/noord/doelbereik?limit=5000")
        .await;
    let total = all["aantal"].as_u64().expect("aantal");
    assert!(
        home.body
            .contains(&format!("<strong>{total}</strong> trajecten")),
        "count as the API"
    );
    let (_, zonder) = app
        .get_json("/api/v1/teams/noord/doelbereik?zonder_resultaatmelding=true&limit=5000")
        .await;
    let r = noord.get("/caseload?zonder_resultaatmelding=1").await;
    assert!(r.body.contains(&format!(
        "<strong>{}</strong> trajecten",
        zonder["aantal"].as_u64().expect("aantal")
    )));
    let sorted = noord
        .get("/caseload?sorteer=start&richting=af&pagina=2")
        .await;
    assert_eq!(sorted.status, StatusCode::OK);
    check_page(&sorted.body, "caseload sorted");
    let (id, bsn) = &links[0];
    let client = noord.get(&format!("/clienten/{id}")).await;
    assert_eq!(client.status, StatusCode::OK);
    check_page(&client.body, "client");
    assert!(client.body.contains(&format!("Cliënt {bsn}")));
    assert!(client.body.contains("Toewijzing"));
    // The message flow of each toewijzing (`Gateway::stroom`), starting with its JW301.
    assert!(client.body.contains("Berichtenstroom"));
    assert!(client.body.contains(r#"class="tijdlijn stroom""#));
    assert!(client.body.contains("JW301"), "the toewijzing in the flow");
    let nummer = client
        .body
        .split(r#"id="t-"#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a toewijzing section")
        .to_string();
    // The client's name and birth date, as the team view has them.
    let rij = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["toewijzingnummer"] == nummer.as_str())
        .expect("the toewijzing in the team view");
    let naam = rij["client"]["naam"].as_str().expect("a name in the demo");
    let geboren = rij["client"]["geboortedatum"]
        .as_str()
        .expect("a birth date");
    let (y, md) = geboren.split_at(4);
    let dmy = format!("{}-{}-{y}", &md[4..6], &md[1..3]);
    assert!(
        client.body.contains(&format!(
            "<dt>Naam</dt><dd>{}</dd>",
            naam.replace('&', "&amp;")
        )),
        "{naam}"
    );
    assert!(client
        .body
        .contains(&format!("<dt>Geboortedatum</dt><dd>{dmy}</dd>")));
    // … and in the caseload next to the BSN.
    assert!(
        home.body.contains(&format!(
            "{bsn}</a><br><span class=\"stil naam\">{} ({dmy})</span>",
            naam.replace('&', "&amp;")
        )),
        "{naam} in the caseload"
    );
    // The product with the official description the team view gives, on both pages.
    let omschrijving = rij["product"]["categorie_omschrijving"]
        .as_str()
        .expect("an official description");
    let categorie = rij["product"]["categorie"].as_str().expect("categorie");
    assert!(
        client
            .body
            .contains(&format!("{omschrijving} (categorie {categorie})")),
        "{omschrijving} on the client page"
    );
    // In the caseload's short form without the list's "(2015)" mark of the first categories.
    let kort = omschrijving.strip_prefix("(2015) ").unwrap_or(omschrijving);
    assert!(
        home.body
            .contains(&format!("<br><span class=\"stil\">{kort}</span>")),
        "{omschrijving} in the caseload"
    );
    // The view is in the audit, naming the client by pseudonym (never the BSN).
    let audit = app
        .audit
        .query(&Default::default(), 0, 1_000_000)
        .expect("audit");
    let seen = audit
        .iter()
        .rev()
        .find(|e| e.object.kind == "client")
        .expect("client page audited");
    assert_eq!(seen.client.as_ref().map(|c| c.as_str()), Some(id.as_str()));
    assert!(!serde_json::to_string(&audit)
        .expect("json")
        .contains(bsn.as_str()));

    // Another team's client: refused, and the refusal is audited too.
    let mut zuid = Visitor::new(&app.base);
    let zuid_home = zuid.sign_in("demo-team-zuid").await;
    let (zuid_id, _) = client_links(&zuid_home.body)
        .into_iter()
        .next()
        .expect("a zuid client");
    let r = noord.get(&format!("/clienten/{zuid_id}")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("Geen toegang"));
    let r = noord
        .get("/clienten/00000000000000000000000000000000")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The team's pages are not the contractmanager's, and the other way round.
    assert_eq!(noord.get("/aanbieders").await.status, StatusCode::FORBIDDEN);

    // Contractmanager: side by side, a dashboard, CSV.
    let mut cm = Visitor::new(&app.base);
    let over = cm.sign_in("demo-contractmanager-0599").await;
    assert_eq!(over.status, StatusCode::OK);
    check_page(&over.body, "aanbieders");
    assert!(over.body.contains("<svg"), "a chart");
    assert!(over.body.contains("Per gebiedsteam"));
    assert_eq!(cm.get("/caseload").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        cm.get(&format!("/clienten/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
    let dash = cm.get("/aanbieders/12345678").await;
    assert_eq!(dash.status, StatusCode::OK);
    check_page(&dash.body, "dashboard");
    assert!(dash.body.contains("Berichten per maand"));
    // Lead times from the flows, one row per month and lead time as the API has them.
    let (_, flows) = app.get_json("/api/v1/stromen?aanbieder=12345678").await;
    let tijden = flows["doorlooptijden"].as_array().expect("doorlooptijden");
    assert!(!tijden.is_empty(), "demo traffic has lead times");
    let tabel = dash
        .body
        .split("Doorlooptijden in dagen per maand")
        .nth(1)
        .and_then(|s| s.split("</table>").next())
        .expect("the lead time table");
    assert_eq!(
        tabel.matches("<tr><th scope=\"row\">").count(),
        tijden.len()
    );
    assert!(tabel.contains(&format!(
        "<td class=\"getal\">{}</td></tr>",
        tijden[0]["p90_dagen"]
    )));
    assert!(dash.body.contains("Gedeclareerd en toegekend per maand"));
    // Financing: what is to be recovered, as the API has it.
    let (_, fin) = app.get_json("/api/v1/financiering").await;
    let row = fin["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["aanbieder"] == "12345678")
        .expect("financing of 12345678");
    let cents = row["terug_te_vorderen"]
        .as_i64()
        .expect("terug_te_vorderen");
    let cell = format!(
        "<td class=\"getal terug\">€\u{a0}{},{:02}<br><span class=\"stil\">{} trajecten",
        cents / 100,
        cents % 100,
        row["trajecten_terug_te_vorderen"]
    );
    assert!(dash.body.contains(&cell), "{cell}");
    assert!(over.body.contains("Terug te vorderen"));
    let csv = cm.get("/downloads/indicatoren-aanbieders.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("text/csv"));
    let (_, api) = app.get_json("/api/v1/indicatoren?per=aanbieder").await;
    let line = csv
        .body
        .lines()
        .find(|l| l.starts_with("12345678,"))
        .expect("a row per aanbieder");
    let cols: Vec<&str> = line.split(',').collect();
    assert_eq!(
        cols[3].parse::<u64>().ok(),
        api["groepen"]["12345678"]["doelrealisatie"]["teller"].as_u64(),
        "the CSV has the API's figures"
    );
    // The same tables in the Dutch CSV convention and as XLSX, amounts in euros.
    let nl = cm.get("/downloads/financiering-nl.csv").await;
    assert_eq!(nl.status, StatusCode::OK);
    assert!(nl.body.starts_with('\u{feff}'), "a byte order mark");
    let line = nl
        .body
        .lines()
        .find(|l| l.starts_with("12345678;"))
        .expect("a row per aanbieder");
    let cols: Vec<&str> = line.split(';').collect();
    assert_eq!(cols.len(), 11, "{line}");
    assert_eq!(
        cols[9],
        format!("{},{:02}", cents / 100, cents % 100),
        "terug te vorderen in euros with a decimal comma"
    );
    let xlsx = cm.get("/downloads/financiering.xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert_eq!(
        xlsx.headers["content-type"].to_str().expect("ct"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(xlsx.body.starts_with("PK"), "a zip");
    assert!(dash
        .body
        .contains("/downloads/berichten-per-maand.xlsx?aanbieder=12345678"));
    assert_eq!(
        cm.get("/downloads/geheim.csv").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        cm.get("/downloads/financiering.pdf").await.status,
        StatusCode::NOT_FOUND
    );

    // Back office: search messages, open one with its XML, JSON and retourbericht.
    let mut bo = Visitor::new(&app.base);
    let list = bo.sign_in("demo-gemeente-0599").await;
    check_page(&list.body, "berichten");
    let found = bo.get("/berichten?soort=JW301&status=geaccepteerd").await;
    assert_eq!(found.status, StatusCode::OK);
    let ids: Vec<String> = hrefs(&found.body)
        .into_iter()
        .filter_map(|h| h.strip_prefix("/berichten/").map(str::to_string))
        .filter(|h| h.chars().all(|c| c.is_ascii_digit()))
        .collect();
    assert!(!ids.is_empty(), "JW301s found");
    // Each row says what the message is in words, with its code, and who sent it by name.
    assert!(
        found
            .body
            .contains("<td>Toewijzing <span class=\"stil\">(JW301)</span></td>"),
        "the berichtsoort in words"
    );
    assert!(!found.body.contains("(JW305)"), "only JW301");
    assert!(
        found.body.contains("0599 <span class=\"stil\">– "),
        "the gemeente by name beside its code"
    );
    let m = bo.get(&format!("/berichten/{}", ids[0])).await;
    assert_eq!(m.status, StatusCode::OK);
    check_page(&m.body, "bericht");
    // Its push delivery as the API has it: here no party has an endpoint.
    let (_, api) = app.get_json(&format!("/api/v1/berichten/{}", ids[0])).await;
    assert_eq!(api["bezorging"].as_array().map(Vec::len), Some(0));
    assert!(m.body.contains("Geen push-aflevering"));
    for w in ["xml", "json", "retour"] {
        let v = bo.get(&format!("/berichten/{}?weergave={w}", ids[0])).await;
        assert_eq!(v.status, StatusCode::OK, "{w}");
        assert!(v.body.contains("<pre>"), "{w}");
    }
    // A toewijzing page: the same flow as the API's, step by step.
    let t = bo.get(&format!("/toewijzingen/{nummer}")).await;
    assert_eq!(t.status, StatusCode::OK);
    check_page(&t.body, "toewijzing");
    let (_, api) = app
        .get_json(&format!("/api/v1/toewijzingen/{nummer}/stroom"))
        .await;
    let steps: usize = api["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["stappen"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(steps > 0);
    assert_eq!(
        t.body.matches("<li><time datetime=").count(),
        steps,
        "every step of the flow"
    );
    let r = bo.get("/berichten?identificatie=nietbestaand").await;
    assert!(r.body.contains("0 bericht(en)"));
    // The operator lists envelopes but opens no message.
    let mut op = Visitor::new(&app.base);
    let list = op.sign_in("demo-operator").await;
    assert!(list.body.contains("Uw rol ziet welke berichten er zijn"));
    assert_eq!(
        op.get(&format!("/berichten/{}", ids[0])).await.status,
        StatusCode::FORBIDDEN
    );

    // Validation: findings with their codes, nothing stored.
    let before = app.get_json("/api/v1/berichten?limit=1000").await.1["items"]
        .as_array()
        .map(Vec::len);
    let csrf = value_of(&list.body, "csrf").expect("csrf");
    let r = op
        .post("/validatie", &[("csrf", &csrf), ("bericht", "<JW301 nope")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("kon niet gelezen worden"));
    let xml = bo
        .get(&format!("/berichten/{}?weergave=xml", ids[0]))
        .await
        .body;
    let raw = xml
        .split("<pre><code>")
        .nth(1)
        .and_then(|s| s.split("</code>").next())
        .expect("xml")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let broken = raw.replacen("Dagtekening>2", "Dagtekening>x2", 1);
    assert_ne!(broken, raw, "a Dagtekening to break");
    let r = op
        .post("/validatie", &[("csrf", &csrf), ("bericht", &raw)])
        .await;
    assert!(r.body.contains("geen bevindingen"), "{}", r.body);
    let r = op
        .post("/validatie", &[("csrf", &csrf), ("bericht", &broken)])
        .await;
    check_page(&r.body, "validatie");
    assert!(!r.body.contains("geen bevindingen"));
    assert!(r.body.contains("bevinding") || r.body.contains("kon niet gelezen"));
    let after = app.get_json("/api/v1/berichten?limit=1000").await.1["items"]
        .as_array()
        .map(Vec::len);
    assert_eq!(before, after, "nothing stored");
    app.stop().await;
}

#[actix_web::test]
async fn a_beoordeling_is_recorded_through_the_gateway_with_csrf() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = demo_app(dir.path()).await;
    let mut noord = Visitor::new(&app.base);
    // A trajectory of noord with a resultaatmelding and no beoordeling yet.
    let (_, v) = app
        .get_json("/api/v1/teams/noord/doelbereik?limit=5000")
        .await;
    let t = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["grond"]["soort"] == "resultaatmelding")
        .expect("one with a melding")
        .clone();
    let bsn = t["bsn"].as_str().expect("bsn").to_string();
    let nummer = t["toewijzingnummer"].as_str().expect("nr").to_string();
    let home = noord.sign_in("demo-team-noord").await;
    let mut id = client_links(&home.body)
        .into_iter()
        .find(|(_, b)| *b == bsn)
        .map(|(id, _)| id);
    let mut pagina = 2;
    while id.is_none() {
        let p = noord.get(&format!("/caseload?pagina={pagina}")).await;
        id = client_links(&p.body)
            .into_iter()
            .find(|(_, b)| *b == bsn)
            .map(|(id, _)| id);
        pagina += 1;
        assert!(pagina < 50, "client not on the caseload");
    }
    let id = id.expect("id");
    let page = noord.get(&format!("/clienten/{id}")).await;
    assert!(page.body.contains("Uw beoordeling vastleggen"));
    let csrf = value_of(&page.body, "csrf").expect("csrf");
    let form = |csrf: &str| {
        vec![
            ("csrf".to_string(), csrf.to_string()),
            ("toewijzing".to_string(), nummer.clone()),
            (
                "domein".to_string(),
                t["domein"].as_str().expect("domein").to_string(),
            ),
            ("versie".to_string(), "1".to_string()),
            ("oordeel".to_string(), "oneens".to_string()),
            // Oneens: the opposite of what the melding says.
            (
                "bereikt".to_string(),
                if t["grond"]["alle_doelen_behaald"] == true {
                    "nee"
                } else {
                    "ja"
                }
                .to_string(),
            ),
            (
                "reden".to_string(),
                "Doel 1 is niet bereikt volgens school en ouders.".to_string(),
            ),
        ]
    };
    let post = |v: &Vec<(String, String)>| {
        v.iter()
            .map(|(a, b)| (a.clone(), b.clone()))
            .collect::<Vec<_>>()
    };
    let path = format!("/clienten/{id}/beoordeling");
    // Without the session's CSRF token: refused, nothing recorded.
    let bad = post(&form("vals"));
    let bad: Vec<(&str, &str)> = bad.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = noord.post(&path, &bad).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Oneens without a reason: the form says so.
    let mut no_reason = post(&form(&csrf));
    no_reason.retain(|(k, _)| k != "reden");
    let nr: Vec<(&str, &str)> = no_reason
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = noord.post(&path, &nr).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Geef bij oneens de reden"));
    let good = post(&form(&csrf));
    let good: Vec<(&str, &str)> = good.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = noord.post(&path, &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let shown = noord.get(r.location.as_deref().expect("location")).await;
    assert!(shown.body.contains("Uw beoordeling is vastgelegd"));
    // The API sees the same judgement: disputed, not reached.
    let (_, v) = app
        .get_json("/api/v1/teams/noord/doelbereik?betwist=true&limit=5000")
        .await;
    assert!(v["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|x| x["toewijzingnummer"] == nummer.as_str()));
    // A team may not judge another team's client through the form.
    let mut zuid = Visitor::new(&app.base);
    let z = zuid.sign_in("demo-team-zuid").await;
    let zcsrf = value_of(&z.body, "csrf").expect("csrf");
    let other = post(&form(&zcsrf));
    let other: Vec<(&str, &str)> = other
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(zuid.post(&path, &other).await.status, StatusCode::FORBIDDEN);
    // Sign-out ends the session: the old cookie no longer opens a page.
    let cookie = noord.cookies.get("sluis_sessie").cloned().expect("session");
    let r = noord.post("/afmelden", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    noord.cookies.insert("sluis_sessie".into(), cookie);
    assert_eq!(
        noord.get("/caseload").await.status,
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
}

#[actix_web::test]
async fn sessions_expire_and_a_bearer_token_opens_no_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = settings(dir.path());
    s.security.sessions.idle_secs = 1;
    let app = spawn_app_with(s).await;
    let mut v = Visitor::new(&app.base);
    let home = v.sign_in("demo-operator").await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(v.get("/berichten").await.status, StatusCode::OK);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1300)).await;
    let r = v.get("/berichten").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "idle session expired");
    // A page takes no bearer token: a stolen API token is not a browser session, and a
    // session cookie is not an API credential.
    let r = app
        .client
        .get(format!("{}/berichten", app.base))
        .bearer_auth(auth::token("demo-operator"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let mut v = Visitor::new(&app.base);
    v.sign_in("demo-operator").await;
    let r = app
        .client
        .get(format!("{}/api/v1/berichten", app.base))
        .header("Cookie", v.cookie_header())
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

/// The message page shows the push delivery of a message (`Gateway::bezorging`): here the
/// gemeente's endpoint is down, so its deliveries end as dead letters.
#[actix_web::test]
async fn the_message_page_shows_its_push_delivery() {
    use sluis::delivery::settings::{DeliveryEndpoint, DeliverySettings};
    let dir = tempfile::tempdir().expect("tempdir");
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let mut s = settings(dir.path());
    s.delivery = DeliverySettings {
        max_attempts: 1,
        backoff_ms: 20,
        max_backoff_ms: 40,
        endpoints: vec![DeliveryEndpoint {
            party: "0599".into(),
            url: format!("http://127.0.0.1:{port}/in"),
            client_cert: None,
            client_key: None,
            ca: None,
            timeout_ms: 2_000,
        }],
        ..DeliverySettings::default()
    };
    let app = spawn_app_with(s).await;
    let set = sluis::demo::generate(sluis::demo::DEFAULT_SEED, 5);
    let tokens = sluis::demo::Tokens::from_settings(&settings(dir.path()));
    sluis::demo::post_all(&app.base, &set, &tokens)
        .await
        .expect("posted");
    let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let id = loop {
        let (_, v) = app
            .get_json("/api/v1/berichten?bezorging=mislukt&limit=1")
            .await;
        if let Some(id) = v["items"][0]["id"].as_u64() {
            break id;
        }
        assert!(std::time::Instant::now() < until, "no dead letter: {v}");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let mut bo = Visitor::new(&app.base);
    bo.sign_in("demo-gemeente-0599").await;
    let m = bo.get(&format!("/berichten/{id}")).await;
    assert_eq!(m.status, StatusCode::OK);
    check_page(&m.body, "bericht met aflevering");
    let tabel = m
        .body
        .split("Push-aflevering per ontvanger")
        .nth(1)
        .and_then(|s| s.split("</table>").next())
        .expect("the delivery table");
    assert!(tabel.contains("<th scope=\"row\">0599</th>"), "{tabel}");
    assert!(tabel.contains("Mislukt"), "{tabel}");
    assert!(tabel.contains("laatste fout"), "{tabel}");
    app.stop().await;
}

/// A valid toewijzing of the fixtures: a file to upload.
pub const JW301: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/ijw-3.2/JW301/valid/minimaal.xml"
);

#[actix_web::test]
async fn the_validation_page_takes_a_file_up_to_the_body_limit_and_stores_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = settings(dir.path());
    let max = 64 * 1024;
    s.server.max_body_bytes = max;
    let app = spawn_app_with(s).await;
    let mut v = Visitor::new(&app.base);
    v.sign_in("demo-gemeente-0599").await;
    let form = v.get("/validatie").await;
    check_page(&form.body, "validatie form");
    assert!(form.body.contains(r#"enctype="multipart/form-data""#));
    assert!(form
        .body
        .contains(r#"<input type="file" id="bestand" name="bestand""#));
    assert!(form.body.contains("tot 64 kB"), "the limit said");
    let csrf = value_of(&form.body, "csrf").expect("csrf");
    let xml = std::fs::read(JW301).expect("fixture");
    let before = app.get_json("/api/v1/berichten?limit=1000").await.1["items"]
        .as_array()
        .map(Vec::len);

    // A valid file: judged, no findings; the file goes before an (empty) pasted text.
    let r = v
        .post_multipart(
            "/validatie",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("bestand", Some("toewijzing.xml"), &xml),
                ("bericht", None, b""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    check_page(&r.body, "validatie file");
    assert!(r.body.contains("Bestand: <strong>toewijzing.xml</strong>"));
    assert!(r.body.contains("JW301: geen bevindingen"), "{}", r.body);
    // A broken one: its findings with the rule codes.
    let broken = String::from_utf8(xml.clone()).expect("utf-8").replacen(
        "Dagtekening>2",
        "Dagtekening>x2",
        1,
    );
    let r = v
        .post_multipart(
            "/validatie",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("bestand", Some("kapot.xml"), broken.as_bytes()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("bevinding") && !r.body.contains("geen bevindingen"));
    // Pasted text in the same multipart form (no file chosen: an empty part without a name).
    let r = v
        .post_multipart(
            "/validatie",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("bestand", Some(""), b""),
                ("bericht", None, &xml),
            ],
        )
        .await;
    assert!(r.body.contains("JW301: geen bevindingen"), "{}", r.body);
    assert!(!r.body.contains("Bestand:"));

    // Empty, not UTF-8, too large, nothing at all: a clear Dutch sentence, nothing checked.
    let cases: [(&[u8], &str, StatusCode, &str); 3] = [
        (
            b"",
            "leeg.xml",
            StatusCode::UNPROCESSABLE_ENTITY,
            "Het gekozen bestand leeg.xml is leeg.",
        ),
        (
            b"<?xml version=\"1.0\"?><caf\xe9/>",
            "latin1.xml",
            StatusCode::UNPROCESSABLE_ENTITY,
            "is geen tekst in UTF-8",
        ),
        (
            &vec![b' '; max + 1],
            "groot.xml",
            StatusCode::PAYLOAD_TOO_LARGE,
            "is groter dan 64 kB, de grens van Sluis voor één bericht",
        ),
    ];
    for (bytes, name, status, says) in cases {
        let r = v
            .post_multipart(
                "/validatie",
                &[
                    ("csrf", None, csrf.as_bytes()),
                    ("bestand", Some(name), bytes),
                ],
            )
            .await;
        assert_eq!(r.status, status, "{name}");
        assert!(r.body.contains(says), "{name}: {}", r.body);
        assert!(r.body.contains(r#"role="alert""#), "{name}");
        check_page(&r.body, name);
    }
    // A file of exactly the limit is taken (and judged: only spaces is no message).
    let mut exact = xml.clone();
    exact.resize(max, b' ');
    let r = v
        .post_multipart(
            "/validatie",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("bestand", Some("precies.xml"), &exact),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Bestand: <strong>precies.xml</strong>"));
    let r = v
        .post_multipart("/validatie", &[("csrf", None, csrf.as_bytes())])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Kies een bestand of plak een bericht."));
    // A request beyond the whole form's cap is refused before it is read, with a page.
    let huge = vec![b'x'; 3 * max + 1];
    let r = v
        .post_multipart(
            "/validatie",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("bestand", Some("enorm.xml"), &huge),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("<h1>Te groot</h1>"), "{}", r.body);
    // Without the session's CSRF token: refused, nothing judged.
    let r = v
        .post_multipart(
            "/validatie",
            &[
                ("csrf", None, b"nope"),
                ("bestand", Some("toewijzing.xml"), &xml),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!r.body.contains("geen bevindingen"));
    let after = app.get_json("/api/v1/berichten?limit=1000").await.1["items"]
        .as_array()
        .map(Vec::len);
    assert_eq!(before, after, "nothing stored");
    app.stop().await;
}
