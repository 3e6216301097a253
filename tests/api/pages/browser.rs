//! The pages in a real browser: headless Chromium driven over WebDriver (chromedriver), spoken
//! with the tests' own reqwest client — no driver crate, so no second HTTP stack or TLS library
//! (the driver and the server are both on loopback, plain HTTP). Each role signs in, does its
//! tasks on the demo data, and the main pages are saved as screenshots in
//! `target/screenshots/*.png` (test artefacts, to be looked at).
//!
//! Without chromium and chromedriver the test is skipped with a notice; with
//! `SLUIS_BROWSER_TESTS=1` (CI, `.ci/run`) a missing browser fails it.

use super::{check_page, demo_app, value_of};
use crate::auth;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_program(names: &[&str]) -> Option<String> {
    let path = std::env::var("PATH").unwrap_or_default();
    for n in names {
        for dir in path.split(':').chain(["/usr/bin", "/usr/lib/chromium"]) {
            let p = std::path::Path::new(dir).join(n);
            if p.is_file() {
                return Some(p.display().to_string());
            }
        }
    }
    None
}

struct Driver {
    http: reqwest::Client,
    url: String,
    child: Child,
}

struct Browser {
    driver: Driver,
    session: String,
    base: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The chromedriver this test started, by its own handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start(program: &str) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let http = sluis::client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        let url = format!("http://127.0.0.1:{port}");
        // Owned from here on: dropped (killed and waited for) on every path.
        let driver = Driver { http, url, child };
        for _ in 0..100 {
            if let Ok(r) = driver
                .http
                .get(format!("{}/status", driver.url))
                .send()
                .await
            {
                if r.status().is_success() {
                    return driver;
                }
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not answer");
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.url));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.expect("webdriver");
        let status = r.status();
        let v: Value = r.json().await.expect("webdriver json");
        assert!(status.is_success(), "{method} {path}: {status} {v}");
        v["value"].clone()
    }
}

impl Browser {
    async fn open(driver: Driver, chromium: &str, base: &str) -> Browser {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,1100", "--lang=nl"]
            }
        }}});
        let v = driver
            .call(reqwest::Method::POST, "/session", Some(caps))
            .await;
        let session = v["sessionId"].as_str().expect("session").to_string();
        Browser {
            driver,
            session,
            base: base.to_string(),
        }
    }

    fn path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    async fn go(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.driver
            .call(
                reqwest::Method::POST,
                &self.path("/url"),
                Some(json!({"url": url})),
            )
            .await;
    }

    async fn source(&self) -> String {
        let v = self
            .driver
            .call(reqwest::Method::GET, &self.path("/source"), None)
            .await;
        v.as_str().expect("source").to_string()
    }

    async fn current(&self) -> String {
        let v = self
            .driver
            .call(reqwest::Method::GET, &self.path("/url"), None)
            .await;
        v.as_str().expect("url").to_string()
    }

    async fn title(&self) -> String {
        let v = self
            .driver
            .call(reqwest::Method::GET, &self.path("/title"), None)
            .await;
        v.as_str().expect("title").to_string()
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .driver
            .call(
                reqwest::Method::POST,
                &self.path("/element"),
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v[ELEMENT].as_str().expect("element").to_string()
    }

    async fn type_in(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.driver
            .call(
                reqwest::Method::POST,
                &self.path(&format!("/element/{e}/value")),
                Some(json!({"text": text})),
            )
            .await;
    }

    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.driver
            .call(
                reqwest::Method::POST,
                &self.path(&format!("/element/{e}/click")),
                Some(json!({})),
            )
            .await;
    }

    /// Which element has the focus after pressing Tab `n` times from the top of the page.
    async fn tab(&self, n: usize) -> String {
        let keys: Vec<Value> = (0..n)
            .flat_map(|_| {
                [
                    json!({"type": "keyDown", "value": "\u{E004}"}),
                    json!({"type": "keyUp", "value": "\u{E004}"}),
                ]
            })
            .collect();
        self.driver
            .call(
                reqwest::Method::POST,
                &self.path("/actions"),
                Some(json!({"actions": [{"type": "key", "id": "kbd", "actions": keys}]})),
            )
            .await;
        let v = self
            .driver
            .call(reqwest::Method::GET, &self.path("/element/active"), None)
            .await;
        let e = v[ELEMENT].as_str().expect("active").to_string();
        let t = self
            .driver
            .call(
                reqwest::Method::GET,
                &self.path(&format!("/element/{e}/text")),
                None,
            )
            .await;
        t.as_str().unwrap_or_default().to_string()
    }

    /// The page source once it holds `needle` (a click that submits a form returns before
    /// the next page is there); at most 20 seconds.
    async fn wait_for(&self, needle: &str) -> String {
        let mut src = String::new();
        for _ in 0..200 {
            src = self.source().await;
            if src.contains(needle) {
                return src;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("page never showed {needle:?}: {src}");
    }

    /// Wait until the browser is at a URL that holds `needle`; at most 20 seconds.
    async fn wait_url(&self, needle: &str) {
        for _ in 0..200 {
            if self.current().await.contains(needle) {
                return;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("never at a URL with {needle:?}");
    }

    /// Runs `script` in the page (WebDriver's execute, which the page's CSP does not govern:
    /// the pages themselves carry no script) and returns what it returns.
    async fn execute(&self, script: &str, args: Value) -> Value {
        self.driver
            .call(
                reqwest::Method::POST,
                &self.path("/execute/sync"),
                Some(json!({"script": script, "args": args})),
            )
            .await
    }

    async fn window_height(&self, height: u64) {
        self.driver
            .call(
                reqwest::Method::POST,
                &self.path("/window/rect"),
                Some(json!({"width": 1280, "height": height})),
            )
            .await;
    }

    /// The whole page as a PNG (the window stretched to the page's height, at most 8000
    /// pixels, then back) in `target/screenshots/{name}.png`.
    async fn screenshot(&self, name: &str) {
        use base64::Engine;
        let height = self
            .execute("return document.documentElement.scrollHeight;", json!([]))
            .await
            .as_u64()
            .unwrap_or(1100);
        self.window_height(height.clamp(1100, 8000) + 100).await;
        let v = self
            .driver
            .call(reqwest::Method::GET, &self.path("/screenshot"), None)
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64"))
            .expect("png");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("screenshot written");
        self.window_height(1100).await;
    }

    async fn cookie(&self, name: &str) -> String {
        let v = self
            .driver
            .call(
                reqwest::Method::GET,
                &self.path(&format!("/cookie/{name}")),
                None,
            )
            .await;
        v["value"].as_str().expect("cookie").to_string()
    }

    async fn sign_in(&self, token_id: &str) {
        self.go("/").await;
        self.type_in("#token", &auth::token(token_id)).await;
        self.click("form.aanmelden button[type=submit]").await;
        self.wait_for("Afmelden</button>").await;
    }

    async fn sign_out(&self) {
        self.click(".wie button").await;
        self.wait_for("Aanmelden bij Sluis").await;
    }

    async fn close(self) {
        self.driver
            .call(reqwest::Method::DELETE, &self.path(""), None)
            .await;
    }
}

/// Posts version 2 of the plan of toewijzing `nr` as its aanbieder (through the API), with one
/// goal more; the version number and the toelichting of the melding's first goal.
async fn plan_versie_2(app: &crate::helpers::TestApp, bsn: &str, nr: &str) -> (u64, String) {
    let (_, ps) = app
        .get_json(&format!("/api/v1/clienten/{bsn}/planstatus"))
        .await;
    let item = ps["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["toewijzingnummer"] == nr)
        .expect("the toewijzing")
        .clone();
    let plan = &item["plannen"][0];
    let toelichting = item["resultaat"]["doelen"][0]["toelichting"]
        .as_str()
        .expect("a toelichting per goal")
        .to_string();
    let versie = plan["versie"].as_u64().expect("versie") + 1;
    let mut doelen = plan["doelen"].as_array().expect("doelen").clone();
    doelen.push(
        json!({"id": "D9", "omschrijving": "Zelfstandig naar de sportvereniging",
        "levensdomein": "vrije_tijd", "meting": "gesprek met ouders", "streefdatum": "2027-01-31"}),
    );
    let body = json!({
        "domein": item["domein"], "gemeente": "0599", "aanbieder": item["aanbieder"],
        "bsn": bsn, "plan_id": plan["plan_id"], "versie": versie, "datum": item["resultaat"]["datum"],
        "toewijzingnummers": [nr], "doelen": doelen
    });
    let r = app
        .send(
            reqwest::Method::POST,
            "/api/v1/behandelplannen",
            "application/json",
            body.to_string(),
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
    (versie, toelichting)
}

/// axe-core (Deque, MPL-2.0), run inside the browser on every main page as each role: WCAG 2.1
/// A and AA rules and axe's best practices. The script comes from the file `SLUIS_AXE_JS` names
/// (`.ci/run` installs the npm package `axe-core` into `target/axe`); it is put into the page
/// with WebDriver's execute, which the page's CSP does not govern — the pages themselves stay
/// without script. Without the variable the check is skipped with a notice; a variable naming a
/// missing file fails.
struct Axe {
    source: Option<String>,
    /// Every violation found: "page: rule (impact): help — targets".
    found: Vec<String>,
    /// What axe could not decide by itself (e.g. contrast over a gradient): printed, not failed.
    review: Vec<String>,
    pages: usize,
}

impl Axe {
    fn load() -> Axe {
        let source = match std::env::var("SLUIS_AXE_JS") {
            Ok(path) if !path.is_empty() => Some(
                std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("SLUIS_AXE_JS={path}: {e}")),
            ),
            _ => {
                eprintln!("NOTICE: accessibility check (axe-core) skipped: SLUIS_AXE_JS is not set (npm install --prefix target/axe axe-core; SLUIS_AXE_JS=target/axe/node_modules/axe-core/axe.min.js)");
                None
            }
        };
        Axe {
            source,
            found: Vec::new(),
            review: Vec::new(),
            pages: 0,
        }
    }

    /// Runs axe on the page the browser shows and notes its violations.
    async fn check(&mut self, b: &Browser, page: &str) {
        let Some(list) = self.run(b).await else {
            return;
        };
        self.pages += 1;
        for item in list {
            match item.strip_prefix("? ") {
                Some(review) => self.review.push(format!("{page}: {review}")),
                None => self.found.push(format!("{page}: {item}")),
            }
        }
    }

    /// The harness itself: a page with an image without text and a field without a label must
    /// give those violations (else a clean run would prove nothing).
    async fn self_test(&mut self, b: &Browser) {
        if self.source.is_none() {
            return;
        }
        b.execute(
            "const i = document.createElement('img'); i.src = '/static/geen.png'; \
             const f = document.createElement('input'); f.type = 'text'; \
             document.querySelector('main').append(i, f);",
            json!([]),
        )
        .await;
        let found = self.run(b).await.unwrap_or_default().join("\n");
        assert!(!found.contains("axe failed"), "{found}");
        assert!(
            found.contains("image-alt (critical)") && found.contains("label (critical)"),
            "axe finds a missing alt text and label: {found}"
        );
    }

    /// axe's violations on the page the browser shows; `None` without axe.
    async fn run(&self, b: &Browser) -> Option<Vec<String>> {
        let source = self.source.as_ref()?;
        b.execute(source, json!([])).await;
        let script = r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, {
                runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
                resultTypes: ['violations', 'incomplete']
            }).then(r => {
                const line = v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' +
                    v.nodes.slice(0, 5).map(n => n.target.join(' ')).join(', ');
                // "incomplete": what axe could not decide alone (marked "?"), for a person to look at.
                done(r.violations.map(line).concat(r.incomplete.map(v => '? ' + line(v))));
            }).catch(e => done(['axe failed: ' + e]));
        "#;
        let v = b
            .driver
            .call(
                reqwest::Method::POST,
                &b.path("/execute/async"),
                Some(json!({"script": script, "args": []})),
            )
            .await;
        let list = v.as_array().expect("axe's answer");
        Some(
            list.iter()
                .map(|i| i.as_str().unwrap_or_default().to_string())
                .collect(),
        )
    }

    fn assert_clean(&self) {
        if self.source.is_none() {
            return;
        }
        assert!(self.pages > 10, "axe ran on every main page");
        assert!(
            self.found.is_empty(),
            "accessibility (axe-core), {} violation(s):\n{}",
            self.found.len(),
            self.found.join("\n")
        );
        eprintln!(
            "axe-core: {} pages, no violations; {} to look at by hand{}",
            self.pages,
            self.review.len(),
            self.review
                .iter()
                .map(|r| format!("\n  ? {r}"))
                .collect::<String>()
        );
    }
}

#[actix_web::test]
async fn the_pages_in_headless_chromium() {
    let required = std::env::var("SLUIS_BROWSER_TESTS").is_ok_and(|v| v == "1");
    let (Some(chromium), Some(chromedriver)) = (
        find_program(&["chromium", "chromium-browser", "google-chrome"]),
        find_program(&["chromedriver"]),
    ) else {
        assert!(
            !required,
            "SLUIS_BROWSER_TESTS=1 but chromium or chromedriver is not installed"
        );
        eprintln!("NOTICE: browser test skipped: chromium/chromedriver not installed (apt-get install chromium chromium-driver; SLUIS_BROWSER_TESTS=1 makes this a failure)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let app = demo_app(dir.path()).await;
    let driver = Driver::start(&chromedriver).await;
    let b = Browser::open(driver, &chromium, &app.base).await;
    let mut axe = Axe::load();
    b.go("/").await;
    axe.self_test(&b).await;

    // The sign-in page; the skip link is the first stop of the keyboard.
    b.go("/").await;
    assert_eq!(b.title().await, "Aanmelden – Sluis");
    check_page(&b.source().await, "sign-in (browser)");
    assert_eq!(
        b.tab(1).await,
        "Naar de inhoud",
        "keyboard: the skip link first"
    );
    shot(&b, &mut axe, "aanmelden").await;

    // Gebiedsteam: caseload, a client, a beoordeling.
    b.sign_in("demo-team-noord").await;
    assert!(b.current().await.ends_with("/caseload"));
    let caseload = b.source().await;
    assert!(caseload.contains("Caseload gebiedsteam noord"));
    shot(&b, &mut axe, "caseload").await;
    b.click("#f-zonder").await;
    b.click("form.filters button[type=submit]").await;
    b.wait_url("zonder_resultaatmelding=1").await;
    assert!(b.current().await.contains("zonder_resultaatmelding=1"));
    shot(&b, &mut axe, "caseload-gefilterd").await;
    // A client with a resultaatmelding to judge.
    let (_, v) = app
        .get_json("/api/v1/teams/noord/doelbereik?limit=5000")
        .await;
    let t = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["grond"]["soort"] == "resultaatmelding")
        .expect("a melding")
        .clone();
    let bsn = t["bsn"].as_str().expect("bsn");
    let nr = t["toewijzingnummer"].as_str().expect("nr");
    b.go("/caseload?sorteer=client").await;
    let mut link = None;
    for pagina in 1..50 {
        b.go(&format!("/caseload?sorteer=client&pagina={pagina}"))
            .await;
        let src = b.source().await;
        if let Some((id, _)) = super::client_links(&src)
            .into_iter()
            .find(|(_, x)| x == bsn)
        {
            link = Some(id);
            break;
        }
    }
    let id = link.expect("client on the caseload");
    // The aanbieder posts version 2 of the plan after its resultaatmelding: the page shows both
    // versions, newest first, and the result per goal with the aanbieder's toelichting stays
    // with the version it was reported on.
    let (versie2, toelichting) = plan_versie_2(&app, bsn, nr).await;
    b.go(&format!("/clienten/{id}")).await;
    // On a loaded machine the source can be asked for before the page is there.
    let client = b.wait_for("Financiering").await;
    check_page(&client, "client (browser)");
    assert!(client.contains("Behandelplan") && client.contains("Financiering"));
    assert!(!client.contains("Eerdere versies staan nog niet"));
    let (v2, v1) = (
        client
            .find(&format!("versie {versie2} van"))
            .expect("version 2 shown"),
        client
            .find(&format!("versie {} van", versie2 - 1))
            .expect("version 1 shown"),
    );
    assert!(v2 < v1, "newest first");
    assert!(
        client.contains("Zelfstandig naar de sportvereniging"),
        "the new goal"
    );
    let melding = client[v1..]
        .find("Hierover gaat de resultaatmelding")
        .expect("the melding marked at version 1");
    assert!(!client[v2..v1].contains("Hierover gaat de resultaatmelding"));
    assert!(
        client[v1 + melding..].contains(&format!("<td>{toelichting}</td>")),
        "the toelichting next to the goal"
    );
    assert!(client.contains("Toelichting van de aanbieder"));
    shot(&b, &mut axe, "client").await;
    // Oneens without a reason: the form says what is missing (and is checked as such).
    b.click(&format!("#oneens-{nr}")).await;
    b.click(&format!("#nee-{nr}")).await;
    b.click(&format!("form[action='/clienten/{id}/beoordeling'] button"))
        .await;
    let back = b.wait_for("Geef bij oneens de reden.").await;
    // Said at the top where the page opens, and the choices are kept.
    assert!(
        back.contains("is niet vastgelegd. <a href=\"#fouten-"),
        "error summary on top"
    );
    let kept = b
        .execute(
            "return [document.getElementById(arguments[0]).checked, document.getElementById(arguments[1]).checked];",
            json!([format!("oneens-{nr}"), format!("nee-{nr}")]),
        )
        .await;
    assert_eq!(kept, json!([true, true]), "the choices kept");
    shot(&b, &mut axe, "beoordeling-onvolledig").await;
    b.click(&format!("#eens-{nr}")).await;
    b.click(&format!("form[action='/clienten/{id}/beoordeling'] button"))
        .await;
    b.wait_for("Uw beoordeling is vastgelegd").await;
    shot(&b, &mut axe, "beoordeling-vastgelegd").await;
    // Another team's client is refused.
    let mut zuid = super::Visitor::new(&app.base);
    let z = zuid.sign_in("demo-team-zuid").await;
    let (zid, _) = super::client_links(&z.body)
        .into_iter()
        .next()
        .expect("zuid");
    b.go(&format!("/clienten/{zid}")).await;
    assert_eq!(b.title().await, "Geen toegang – Sluis");
    shot(&b, &mut axe, "andere-team-geweigerd").await;
    b.sign_out().await;
    b.go("/caseload").await;
    assert_eq!(b.title().await, "Aanmelden nodig – Sluis");
    axe.check(&b, "aanmelden nodig").await;

    // Contractmanager: compare, a dashboard, download a CSV with the browser's session.
    b.sign_in("demo-contractmanager-0599").await;
    assert!(b.current().await.ends_with("/aanbieders"));
    check_page(&b.source().await, "aanbieders (browser)");
    shot(&b, &mut axe, "aanbieders").await;
    b.click("a[href^='/aanbieders/12345678']").await;
    let dash = b.wait_for("Berichten per maand").await;
    assert!(dash.contains("Berichten per maand") && dash.contains("<svg"));
    shot(&b, &mut axe, "aanbieder-dashboard").await;
    let cookie = b.cookie("sluis_sessie").await;
    let csv = app
        .client
        .get(format!("{}/downloads/financiering.csv", app.base))
        .header("Cookie", format!("sluis_sessie={cookie}"))
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), reqwest::StatusCode::OK);
    let csv = csv.text().await.expect("text");
    assert!(csv.starts_with("aanbieder,bereikt_euro"), "{csv}");
    b.go("/berichten").await;
    axe.check(&b, "berichten (contractmanager)").await;
    b.go("/validatie").await;
    axe.check(&b, "validatie (contractmanager)").await;
    b.sign_out().await;

    // Back office: search a message by its soort and open it.
    b.sign_in("demo-gemeente-0599").await;
    b.type_in("#z-soort", "JW305").await;
    b.click("form[aria-label='Berichten zoeken'] button").await;
    b.wait_url("soort=JW305").await;
    let found = b.wait_for("<span class=\"stil\">(JW305)</span>").await;
    assert!(found.contains("<td>Start zorg <span class=\"stil\">(JW305)</span></td>"));
    assert!(
        !found.contains("(JW301)"),
        "only the berichtsoort searched for"
    );
    shot(&b, &mut axe, "berichten").await;
    b.click("tbody a[href^='/berichten/']").await;
    b.wait_for("Bevindingen").await;
    shot(&b, &mut axe, "bericht").await;
    let bericht = b.current().await;
    b.click("a[href$='weergave=xml']").await;
    b.wait_for("<pre>").await;
    shot(&b, &mut axe, "bericht-xml").await;
    let bericht = bericht.strip_prefix(&app.base).unwrap_or(&bericht);
    let bericht = bericht.split('?').next().unwrap_or(bericht);
    b.go(&format!("{bericht}?weergave=json")).await;
    b.wait_for("<pre>").await;
    axe.check(&b, "bericht json").await;
    // The flow of a toewijzing.
    b.go("/berichten").await;
    b.type_in("#z-tw", nr).await;
    b.click("form[aria-label='Toewijzing opzoeken'] button")
        .await;
    b.wait_for(&format!("Toewijzing {nr}")).await;
    shot(&b, &mut axe, "toewijzing").await;

    // Validation, as anyone with a token.
    b.go("/validatie").await;
    b.type_in("#bericht", "<JW301>niet af").await;
    b.click("form[action='/validatie'] button").await;
    let v = b.wait_for("Uitkomst").await;
    assert!(v.contains("kon niet gelezen worden"));
    let csrf = value_of(&v, "csrf");
    assert!(csrf.is_some());
    // A file: WebDriver puts the path in the file field, the browser sends it as
    // multipart/form-data with the session's CSRF token.
    b.type_in("#bestand", super::JW301).await;
    b.click("form[action='/validatie'] button").await;
    let v = b.wait_for("Bestand: <strong>minimaal.xml</strong>").await;
    assert!(v.contains("JW301: geen bevindingen"), "{v}");
    check_page(&v, "validatie (browser, file)");
    shot(&b, &mut axe, "validatie").await;
    // A file with findings: the table of rule codes.
    let invalid = std::path::Path::new(super::JW301)
        .parent()
        .and_then(|p| p.parent())
        .expect("fixture dir")
        .join("invalid/dagtekening-bestaat-niet.xml");
    b.type_in("#bestand", &invalid.display().to_string()).await;
    b.click("form[action='/validatie'] button").await;
    let v = b.wait_for("Bevindingen met de code van de regel").await;
    assert!(v.contains("dagtekening-bestaat-niet.xml"));
    shot(&b, &mut axe, "validatie-bevindingen").await;
    b.sign_out().await;

    // Aanbieder and operator sign in too.
    for who in ["demo-aanbieder-12345678", "demo-operator"] {
        b.sign_in(who).await;
        assert!(b.current().await.ends_with("/berichten"), "{who}");
        check_page(&b.source().await, who);
        axe.check(&b, &format!("berichten ({who})")).await;
        if who.starts_with("demo-aanbieder") {
            b.click("tbody a[href^='/berichten/']").await;
            b.wait_for("Bevindingen").await;
            axe.check(&b, &format!("bericht ({who})")).await;
        }
        b.go("/validatie").await;
        axe.check(&b, &format!("validatie ({who})")).await;
        b.sign_out().await;
    }
    b.close().await;
    app.stop().await;
    axe.assert_clean();
}

/// A screenshot of the page the browser shows, and axe's check of it.
async fn shot(b: &Browser, axe: &mut Axe, name: &str) {
    b.screenshot(name).await;
    axe.check(b, name).await;
}
