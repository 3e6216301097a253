//! Every table of the API in every form (issue #14 point 5, #17 points 8 and 9): JSON, plain
//! CSV, the Dutch spreadsheet CSV and XLSX, read back with the csv crate and calamine and
//! compared with the JSON the same endpoint answers; the negotiation (`format=` wins over
//! `Accept`); pagination over a thousand messages without gaps or repeats.

use crate::auth::DemoAuth;
use crate::doelbereik_api::{declareer, ended, melding, prestatie};
use crate::helpers::{spawn_app, TestApp};
use crate::scenario::trajectory::{verzoek, Std, CLIENT1};
use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{Cursor, Read};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An answer as bytes with the headers the tests read.
struct Raw {
    status: StatusCode,
    content_type: String,
    disposition: String,
    link: String,
    body: Vec<u8>,
}

impl TestApp {
    async fn raw(&self, path: &str, accept: Option<&str>) -> Raw {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        let r = req.demo_auth().send().await.expect("request");
        let header = |name: &str| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        Raw {
            status: r.status(),
            content_type: header("content-type"),
            disposition: header("content-disposition"),
            link: header("link"),
            body: r.bytes().await.expect("body").to_vec(),
        }
    }
}

/// A CSV download: the header and the rows, read with the csv crate. The Dutch form must
/// start with a byte order mark and use semicolons.
fn csv_of(raw: &Raw, dutch: bool) -> (Vec<String>, Vec<Vec<String>>) {
    assert_eq!(
        raw.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&raw.body)
    );
    assert!(
        raw.content_type.starts_with("text/csv"),
        "{}",
        raw.content_type
    );
    assert!(
        raw.disposition.starts_with("attachment; filename=\"") && raw.disposition.contains(".csv"),
        "{}",
        raw.disposition
    );
    let bom = "\u{feff}".as_bytes();
    let body = if dutch {
        assert!(raw.body.starts_with(bom), "a BOM first");
        &raw.body[bom.len()..]
    } else {
        assert!(!raw.body.starts_with(bom), "no BOM in plain CSV");
        &raw.body[..]
    };
    let text = std::str::from_utf8(body).expect("UTF-8");
    let first_line = text.lines().next().unwrap_or_default();
    let (sep, other) = if dutch { (';', ',') } else { (',', ';') };
    assert!(
        first_line.contains(sep) && !first_line.contains(other),
        "{first_line}"
    );
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sep as u8)
        .from_reader(body);
    let header = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("record").iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// An XLSX download: the first sheet's cells, its styles and its sheet XML (for the frozen
/// header row).
struct Sheet {
    cells: Vec<Vec<Data>>,
    styles: String,
    sheet_xml: String,
}

fn xlsx_of(raw: &Raw) -> Sheet {
    assert_eq!(
        raw.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&raw.body)
    );
    assert_eq!(raw.content_type, XLSX);
    assert!(raw.disposition.contains(".xlsx\""), "{}", raw.disposition);
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(raw.body.clone())).expect("a workbook");
    let range = book
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable");
    let cells = range.rows().map(<[Data]>::to_vec).collect();
    let mut zip = zip::ZipArchive::new(Cursor::new(raw.body.clone())).expect("zip");
    let mut part = |name: &str| {
        let mut s = String::new();
        zip.by_name(name)
            .expect(name)
            .read_to_string(&mut s)
            .expect("text");
        s
    };
    Sheet {
        styles: part("xl/styles.xml"),
        sheet_xml: part("xl/worksheets/sheet1.xml"),
        cells,
    }
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// Cents as the exports write euros.
fn euros(cents: i64, comma: bool) -> String {
    let s = format!(
        "{}{}.{:02}",
        if cents < 0 { "-" } else { "" },
        cents.abs() / 100,
        cents.abs() % 100
    );
    if comma {
        s.replace('.', ",")
    } else {
        s
    }
}

/// The same table in all three download forms: header and rows agree, and the workbook's
/// header row is frozen and bold. Returns the plain CSV, the Dutch CSV and the sheet.
async fn three_forms(
    app: &TestApp,
    path: &str,
) -> (
    (Vec<String>, Vec<Vec<String>>),
    (Vec<String>, Vec<Vec<String>>),
    Sheet,
) {
    let sep = if path.contains('?') { '&' } else { '?' };
    let plain = csv_of(&app.raw(path, Some("text/csv")).await, false);
    let nl = csv_of(
        &app.raw(
            &format!("{path}{sep}format=csv-nl"),
            Some("application/json"),
        )
        .await,
        true,
    );
    // `format=` wins over `Accept`.
    let sheet = xlsx_of(
        &app.raw(&format!("{path}{sep}format=xlsx"), Some("application/json"))
            .await,
    );
    assert_eq!(
        xlsx_of(&app.raw(path, Some(XLSX)).await).cells.len(),
        sheet.cells.len()
    );
    assert_eq!(plain.0, nl.0, "{path}: one header");
    assert_eq!(plain.1.len(), nl.1.len(), "{path}: one set of rows");
    let header: Vec<String> = sheet.cells[0].iter().map(text).collect();
    assert_eq!(header, plain.0, "{path}: the sheet's header");
    assert_eq!(
        sheet.cells.len(),
        plain.1.len() + 1,
        "{path}: the sheet's rows"
    );
    assert!(
        sheet.sheet_xml.contains("ySplit=\"1\"") && sheet.sheet_xml.contains("state=\"frozen\""),
        "{path}: the header row is frozen"
    );
    (plain, nl, sheet)
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

#[actix_web::test]
async fn every_table_in_every_form() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    // One ended trajectory, result partly reached, € 1.200,00 declared (40 hours at € 30).
    ended(&app).await;
    let r = app
        .post(
            "/api/v1/resultaatmeldingen",
            &melding("behaald", "deels_behaald"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    declareer(
        &app,
        "D1",
        "DECL1",
        "2025-02",
        vec![prestatie("R1", "2025-02", 40)],
    )
    .await;

    // financiering: every amount in euros, in every form, equal to the JSON's cents.
    let (_, json) = app.get_json("/api/v1/financiering").await;
    let items = json["items"].as_array().expect("items").clone();
    assert!(!items.is_empty(), "{json}");
    let (plain, nl, sheet) = three_forms(&app, "/api/v1/financiering").await;
    assert_eq!(plain.1.len(), items.len());
    let mut nonzero = 0;
    for name in [
        "verdiend_volledig",
        "verdiend_verlaagd",
        "gedeclareerd_zonder_resultaat",
        "ingehouden",
        "aangehouden",
    ] {
        let c = column(&plain.0, name);
        for (i, item) in items.iter().enumerate() {
            let cents = item[name].as_i64().expect("cents");
            nonzero += usize::from(cents != 0);
            assert_eq!(plain.1[i][c], euros(cents, false), "{name}");
            assert_eq!(nl.1[i][c], euros(cents, true), "{name}");
            assert_eq!(
                sheet.cells[i + 1][c],
                Data::Float(cents as f64 / 100.0),
                "{name}"
            );
        }
    }
    assert!(nonzero > 0, "a table of zeros proves nothing: {json}");
    assert!(
        plain.1.iter().flatten().any(|c| c == "1200.00")
            && nl.1.iter().flatten().any(|c| c == "1200,00"),
        "€ 1.200,00 declared: {plain:?}"
    );
    assert!(sheet.styles.contains("€"), "a euro number format");

    // indicatoren: shares with a decimal point or comma, a percentage in the sheet.
    let (_, json) = app.get_json("/api/v1/indicatoren?per=team").await;
    let (plain, nl, sheet) = three_forms(&app, "/api/v1/indicatoren?per=team").await;
    assert_eq!(
        plain.0,
        ["groep", "indicator", "teller", "noemer", "aandeel"]
    );
    let groups = 1 + json["groepen"].as_object().map_or(0, |g| g.len());
    assert_eq!(plain.1.len(), 4 * groups);
    for (i, row) in plain.1.iter().enumerate() {
        let figure = if row[0] == "totaal" {
            &json["totaal"][&row[1]]
        } else {
            &json["groepen"][&row[0]][&row[1]]
        };
        assert_eq!(row[2], figure["teller"].to_string(), "{row:?}");
        assert_eq!(row[3], figure["noemer"].to_string(), "{row:?}");
        match figure["aandeel"].as_f64() {
            Some(a) => {
                assert_eq!(row[4], format!("{a:.4}"));
                assert_eq!(nl.1[i][4], format!("{a:.4}").replace('.', ","));
                assert_eq!(sheet.cells[i + 1][4], Data::Float(a));
            }
            None => assert_eq!(row[4], ""),
        }
    }
    assert!(sheet.styles.contains("0.00%"), "a percentage format");

    // The team view: dates as dates in the sheet, as JJJJ-MM-DD in CSV.
    let (_, json) = app.get_json("/api/v1/teams/noord/doelbereik").await;
    let items = json["items"].as_array().expect("items").clone();
    assert_eq!(items.len(), 1, "{json}");
    let (plain, _, sheet) = three_forms(&app, "/api/v1/teams/noord/doelbereik").await;
    let c = column(&plain.0, "ingangsdatum");
    assert_eq!(
        plain.1[0][c],
        items[0]["ingangsdatum"].as_str().expect("day")
    );
    assert!(
        matches!(sheet.cells[1][c], Data::DateTime(_)),
        "{:?}",
        sheet.cells[1][c]
    );
    assert_eq!(
        plain.1[0][column(&plain.0, "einddatum")],
        items[0]["stop"]["einddatum"].as_str().expect("stop")
    );
    assert_eq!(
        plain.1[0][column(&plain.0, "toewijzingnummer")],
        items[0]["toewijzingnummer"].as_str().expect("nummer")
    );

    // The message list: one row per message, moments as dates in the sheet.
    let (_, json) = app.get_json("/api/v1/berichten").await;
    let items = json["items"].as_array().expect("items").clone();
    let (plain, nl, sheet) = three_forms(&app, "/api/v1/berichten").await;
    assert_eq!(plain.1.len(), items.len());
    for (i, item) in items.iter().enumerate() {
        assert_eq!(plain.1[i][0], item["id"].to_string());
        assert_eq!(
            nl.1[i][column(&nl.0, "uitkomst")],
            item["uitkomst"].as_str().expect("u")
        );
        assert_eq!(
            sheet.cells[i + 1][0],
            Data::Float(item["id"].as_f64().expect("id"))
        );
        assert!(matches!(
            sheet.cells[i + 1][column(&plain.0, "received_at")],
            Data::DateTime(_)
        ));
    }

    // The audit log and the token list.
    let (plain, _, _) = three_forms(&app, "/api/v1/audit?limit=5").await;
    assert_eq!(plain.1.len(), 5);
    assert_eq!(&plain.0[..3], ["seq", "timestamp", "actor"]);
    let (_, json) = app.get_json("/api/v1/tokens").await;
    let (plain, _, _) = three_forms(&app, "/api/v1/tokens").await;
    assert_eq!(plain.1.len(), json["items"].as_array().map_or(0, Vec::len));

    // JSON stays the API's own form, by default and when asked.
    let raw = app
        .raw("/api/v1/financiering?format=json", Some("text/csv"))
        .await;
    assert!(raw.content_type.starts_with("application/json"));
    assert!(raw.disposition.is_empty());
    app.stop().await;
}

/// What a caller cannot have is 406 with the forms there are; an unknown `format` is a
/// parameter error.
#[actix_web::test]
async fn what_is_not_offered_is_406() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    let raw = app
        .raw("/api/v1/financiering", Some("application/pdf"))
        .await;
    assert_eq!(raw.status, StatusCode::NOT_ACCEPTABLE);
    let p: Value = serde_json::from_slice(&raw.body).expect("problem");
    assert_eq!(p["status"], 406);
    assert_eq!(
        p["accept"],
        serde_json::json!(["application/json", "text/csv", XLSX])
    );
    let raw = app.raw("/api/v1/inbox/12345678", Some("text/csv")).await;
    assert_eq!(raw.status, StatusCode::NOT_ACCEPTABLE);
    let raw = app.raw("/api/v1/financiering?format=pdf", None).await;
    assert_eq!(raw.status, StatusCode::BAD_REQUEST);
    let p: Value = serde_json::from_slice(&raw.body).expect("problem");
    assert_eq!(p["parameter"], "format");
    // Wildcards and weights: text/* picks CSV, */* JSON.
    let raw = app
        .raw(
            "/api/v1/indicatoren",
            Some("application/json;q=0.1, text/*"),
        )
        .await;
    assert!(
        raw.content_type.starts_with("text/csv"),
        "{}",
        raw.content_type
    );
    let raw = app.raw("/api/v1/indicatoren", Some("*/*")).await;
    assert!(raw.content_type.starts_with("application/json"));
    app.stop().await;
}

/// A message in its XML form, where it has one.
#[actix_web::test]
async fn a_message_in_xml() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    let xml = verzoek(Std::Ijw, "X-0001", CLIENT1);
    let r = app
        .send(
            reqwest::Method::POST,
            "/api/v1/berichten",
            "application/xml",
            xml.clone(),
        )
        .await;
    let loc = r.location.expect("location");
    let raw = app.raw(&loc, Some("application/xml")).await;
    assert_eq!(raw.status, StatusCode::OK);
    assert!(raw.content_type.starts_with("application/xml"));
    assert_eq!(String::from_utf8(raw.body).expect("utf-8"), xml);
    let raw = app.raw(&loc, Some("text/csv")).await;
    assert_eq!(raw.status, StatusCode::NOT_ACCEPTABLE);
    app.stop().await;
}

/// Run futures concurrently on this task.
async fn join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + 'static,
    F::Output: 'static,
{
    let handles: Vec<_> = futures.map(actix_web::rt::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

/// A thousand messages, walked in pages of 37 by `next` (JSON) and by the `Link` header (CSV):
/// every message once, in order, none missing.
#[actix_web::test]
async fn pages_walk_a_thousand_messages_without_gaps_or_repeats() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    let posts = (0..1000).map(|i| {
        let client = app.client.clone();
        let url = format!("{}/api/v1/berichten", app.base);
        let body = verzoek(Std::Ijw, &format!("P-{i:05}"), CLIENT1);
        async move {
            let r = client
                .post(url)
                .header("Content-Type", "application/xml")
                .body(body)
                .demo_auth()
                .send()
                .await
                .expect("request");
            assert_eq!(r.status(), StatusCode::OK);
            let loc = r
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .expect("location")
                .to_string();
            loc.rsplit('/')
                .next()
                .expect("id")
                .parse::<u64>()
                .expect("id")
        }
    });
    let posted: BTreeSet<u64> = join_all(posts).await.into_iter().collect();
    assert_eq!(posted.len(), 1000);

    let mut seen = Vec::new();
    let mut path = "/api/v1/berichten?limit=37".to_string();
    loop {
        let (status, page) = app.get_json(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 37);
        seen.extend(items.iter().map(|i| i["id"].as_u64().expect("id")));
        match page["next"].as_u64() {
            Some(next) => path = format!("/api/v1/berichten?limit=37&after={next}"),
            None => break,
        }
    }
    let unique: BTreeSet<u64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no repeats");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "in order");
    assert_eq!(unique, posted, "no gaps");

    // The same walk in CSV, following `Link: <…>; rel="next"`.
    let mut csv_ids = Vec::new();
    let mut path = "/api/v1/berichten?limit=250&format=csv".to_string();
    let mut pages = 0;
    loop {
        let raw = app.raw(&path, None).await;
        let (_, rows) = csv_of(&raw, false);
        csv_ids.extend(rows.iter().map(|r| r[0].parse::<u64>().expect("id")));
        pages += 1;
        if raw.link.is_empty() {
            break;
        }
        assert!(raw.link.ends_with(">; rel=\"next\""), "{}", raw.link);
        path = raw.link[1..raw.link.find('>').expect(">")].to_string();
        assert!(
            path.contains("format=csv") && path.contains("limit=250"),
            "{path}"
        );
    }
    assert_eq!(pages, 4);
    assert_eq!(csv_ids, seen);
    app.stop().await;
}
