//! `sluis rapport …`: readable tables of the doelbereik views for people without an API client.
//! The reports ask a running gateway over HTTP (the same endpoints as `docs/api.md`), so they
//! show what the gateway shows and need no access to its store. BSNs are masked in the tables:
//! a printed report travels further than a screen.

use serde_json::Value;
use std::fmt::Write as _;

/// GET `path` (with query) from the gateway at `base`, with `token` as bearer token when
/// given (a gebiedsteam's for doelbereik, a contractmanager's for indicatoren); the JSON body,
/// or why not.
pub async fn fetch(base: &str, path_and_query: &str, token: Option<&str>) -> Result<Value, String> {
    let url = format!("{}{path_and_query}", base.trim_end_matches('/'));
    let client = crate::client::client().map_err(|e| e.to_string())?;
    let resp = crate::demo::with_token(client.get(&url), token)
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| format!("{url}: de gateway is niet bereikbaar: {e}"))?;
    let status = resp.status();
    let body: Value = resp
        .json()
        .await
        .map_err(|e| format!("{url}: geen JSON: {e}"))?;
    if !status.is_success() {
        let detail = body["detail"].as_str().unwrap_or("");
        return Err(format!("{url}: {status}: {detail}"));
    }
    Ok(body)
}

/// GET a list and every further page of it: the API pages the team view (`items`, `next` the
/// offset of the next page, `aantal` the total), so a report that read only the first page
/// would silently show at most one page of rows. The first page's body with the items of all
/// pages; a body without `next` is returned as it is.
pub async fn fetch_all(
    base: &str,
    path_and_query: &str,
    token: Option<&str>,
) -> Result<Value, String> {
    fetch_pages(
        path_and_query,
        |p| async move { fetch(base, &p, token).await },
    )
    .await
}

/// [`fetch_all`] over any `get` (the tests give pages without a gateway).
pub async fn fetch_pages<F, Fut>(path_and_query: &str, mut get: F) -> Result<Value, String>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<Value, String>>,
{
    let mut first = get(path_and_query.to_string()).await?;
    let mut next = first["next"].as_u64();
    let mut items = first["items"].as_array().cloned().unwrap_or_default();
    // A page that brings nothing new, or a `next` that is not where the rows end, ends the loop.
    while let Some(offset) = next.filter(|&o| o as usize == items.len()) {
        let sep = if path_and_query.contains('?') {
            '&'
        } else {
            '?'
        };
        let page = get(format!("{path_and_query}{sep}after={offset}")).await?;
        let more = page["items"].as_array().cloned().unwrap_or_default();
        if more.is_empty() {
            break;
        }
        items.extend(more);
        next = page["next"].as_u64();
    }
    if first.get("next").is_some() {
        first["items"] = Value::Array(items);
        first["next"] = Value::Null;
    }
    Ok(first)
}

/// A query string of the pairs that have a value, percent-encoded.
pub fn query(pairs: &[(&str, Option<&str>)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={}", encode(v))))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `*****0019`: enough to tell clients apart in a list, not enough to identify one.
pub fn mask_bsn(bsn: &str) -> String {
    let keep = bsn.len().saturating_sub(4);
    format!("{}{}", "*".repeat(keep), bsn.get(keep..).unwrap_or(""))
}

/// Rows as a text table with a header line (comfy-table, plain ASCII so that it survives a
/// pipe, a file and a mail); columns whose every cell is a number are aligned right.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::ASCII_MARKDOWN)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .set_header(header.iter().copied());
    for r in rows {
        t.add_row(r.iter().map(String::as_str));
    }
    let numeric = |i: usize| {
        rows.iter().all(|r| {
            r.get(i).is_none_or(|c| {
                c == "-"
                    || c.trim_end_matches(" %")
                        .replace(['.', ','], "")
                        .parse::<u64>()
                        .is_ok()
            })
        })
    };
    for i in 0..header.len() {
        if !rows.is_empty() && numeric(i) {
            if let Some(c) = t.column_mut(i) {
                c.set_cell_alignment(comfy_table::CellAlignment::Right);
            }
        }
    }
    let mut out = t.to_string();
    out.push('\n');
    out
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The ground column: what decided the outcome. The API sends `Grond` tagged by `soort`
/// (`{"soort": "beoordeling", "team": …, "versie": …, "eens": …}`,
/// `{"soort": "resultaatmelding", "alle_doelen_behaald": …}`, `{"soort": "geen_resultaat"}`).
fn grond(g: &Value) -> String {
    match g["soort"].as_str() {
        Some("beoordeling") if g["eens"] == true => "beoordeeld: eens".to_string(),
        Some("beoordeling") => "beoordeeld: oneens".to_string(),
        Some("resultaatmelding") if g["alle_doelen_behaald"] == true => {
            "melding: alle doelen behaald".to_string()
        }
        Some("resultaatmelding") => "melding: niet alle doelen behaald".to_string(),
        _ => "geen melding".to_string(),
    }
}

/// The team view (`GET /api/v1/teams/{team}/doelbereik`) as a table.
pub fn doelbereik_table(v: &Value) -> String {
    let items = v["items"].as_array().cloned().unwrap_or_default();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|t| {
            let stop = match &t["stop"] {
                Value::Null => "-".to_string(),
                s => format!("{} ({})", text(&s["einddatum"]), text(&s["reden"])),
            };
            let oordeel = grond(&t["grond"]);
            vec![
                text(&t["toewijzingnummer"]),
                mask_bsn(t["bsn"].as_str().unwrap_or("")),
                text(&t["domein"]),
                text(&t["aanbieder"]),
                text(&t["start"]),
                stop,
                text(&t["plan"]),
                text(&t["status"]).replace('_', " "),
                oordeel,
                text(&t["tevredenheid"]),
            ]
        })
        .collect();
    let mut out = format!("Team {}: {} traject(en)\n", text(&v["team"]), items.len());
    // Never a silent cut: when the rows are fewer than the gateway counts, say so.
    if let Some(aantal) = v["aantal"].as_u64().filter(|&a| a as usize > items.len()) {
        let _ = writeln!(out, "(let op: {} van {aantal} getoond)", items.len());
    }
    out.push('\n');
    out.push_str(&table(
        &[
            "toewijzing",
            "cliënt",
            "domein",
            "aanbieder",
            "gestart",
            "gestopt (reden)",
            "plan",
            "uitkomst",
            "grond",
            "tevredenheid",
        ],
        &rows,
    ));
    out
}

fn figure_row(name: &str, f: &Value) -> Vec<String> {
    let aandeel = f["aandeel"]
        .as_f64()
        .map(|a| format!("{:.1} %", a * 100.0))
        .unwrap_or_else(|| "-".into());
    vec![
        name.to_string(),
        text(&f["teller"]),
        text(&f["noemer"]),
        aandeel,
    ]
}

fn indicator_rows(i: &Value) -> Vec<Vec<String>> {
    vec![
        figure_row("doelrealisatie", &i["doelrealisatie"]),
        figure_row("uitval", &i["uitval"]),
        figure_row("cliënttevredenheid", &i["clienttevredenheid"]),
        figure_row("herhaald beroep", &i["herhaald_beroep"]),
    ]
}

/// The indicators (`GET /api/v1/indicatoren`) as tables: the total, then each group.
pub fn indicatoren_table(v: &Value, titel: &str) -> String {
    let header = ["indicator", "teller", "noemer", "aandeel"];
    let mut out = String::new();
    let total = &v["totaal"];
    let _ = writeln!(
        out,
        "{titel}\nbeëindigd: {}, zonder resultaatmelding: {}\n",
        text(&total["beeindigd"]),
        text(&total["zonder_resultaat"])
    );
    out.push_str(&table(&header, &indicator_rows(total)));
    if let Some(groups) = v["groepen"].as_object() {
        for (name, i) in groups {
            let _ = writeln!(out, "\n{name} (beëindigd: {})", text(&i["beeindigd"]));
            out.push_str(&table(&header, &indicator_rows(i)));
        }
    }
    out
}

/// `€ 1.234,56` for an amount in eurocent (the way people here read money).
pub fn euro_nl(cent: i64) -> String {
    let sign = if cent < 0 { "-" } else { "" };
    let c = cent.unsigned_abs();
    let euros = (c / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    format!("{sign}€ {grouped},{:02}", c % 100)
}

fn cells(row: &Value, keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| text(&row[*k])).collect()
}

/// The flows of `GET /api/v1/stromen` as five tables (docs/stuurinformatie.md).
pub fn stromen_table(v: &Value, titel: &str) -> String {
    let rows = |t: &str| v[t].as_array().cloned().unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(out, "{titel}\n");
    let section = |out: &mut String, kop: &str, header: &[&str], body: Vec<Vec<String>>| {
        let _ = writeln!(out, "{kop}");
        if body.is_empty() {
            out.push_str("(geen)\n\n");
        } else {
            out.push_str(&table(header, &body));
            out.push('\n');
        }
    };
    section(
        &mut out,
        "Berichten",
        &[
            "periode",
            "aanbieder",
            "bericht",
            "richting",
            "aantal",
            "geaccepteerd",
            "deels",
            "afgekeurd",
        ],
        rows("berichten")
            .iter()
            .map(|r| {
                cells(
                    r,
                    &[
                        "periode",
                        "aanbieder",
                        "berichtsoort",
                        "richting",
                        "aantal",
                        "geaccepteerd",
                        "deels",
                        "afgekeurd",
                    ],
                )
            })
            .collect(),
    );
    section(
        &mut out,
        "Retourcodes",
        &[
            "periode",
            "aanbieder",
            "bericht",
            "code",
            "aantal",
            "omschrijving",
        ],
        rows("retourcodes")
            .iter()
            .map(|r| {
                cells(
                    r,
                    &[
                        "periode",
                        "aanbieder",
                        "berichtsoort",
                        "retourcode",
                        "aantal",
                        "omschrijving",
                    ],
                )
            })
            .collect(),
    );
    section(
        &mut out,
        "Bedragen en volumes per product",
        &[
            "periode",
            "aanbieder",
            "product",
            "ingediend",
            "toegekend",
            "volume gedeclareerd",
            "volume toegewezen",
        ],
        rows("bedragen")
            .iter()
            .map(|r| {
                let euro = |k: &str| euro_nl(r[k].as_i64().unwrap_or(0));
                vec![
                    text(&r["periode"]),
                    text(&r["aanbieder"]),
                    text(&r["product"]),
                    euro("ingediend_cent"),
                    euro("toegekend_cent"),
                    text(&r["volume_gedeclareerd"]),
                    text(&r["volume_toegewezen"]),
                ]
            })
            .collect(),
    );
    section(
        &mut out,
        "Doorlooptijden (dagen)",
        &[
            "periode",
            "aanbieder",
            "doorlooptijd",
            "aantal",
            "mediaan",
            "p90",
        ],
        rows("doorlooptijden")
            .iter()
            .map(|r| {
                let mut c = cells(r, &["periode", "aanbieder", "doorlooptijd", "aantal"]);
                c.push(
                    r["mediaan_dagen"]
                        .as_f64()
                        .map(|m| format!("{m:.1}").replace('.', ","))
                        .unwrap_or_else(|| "-".into()),
                );
                c.push(text(&r["p90_dagen"]));
                c
            })
            .collect(),
    );
    section(
        &mut out,
        &format!(
            "Behandelplan binnen {} dagen na de start",
            text(&v["plan_binnen"])
        ),
        &[
            "periode",
            "aanbieder",
            "gestart",
            "met plan",
            "zonder plan",
            "nog binnen termijn",
        ],
        rows("plannen")
            .iter()
            .map(|r| {
                cells(
                    r,
                    &[
                        "periode",
                        "aanbieder",
                        "gestart",
                        "met_plan",
                        "zonder_plan",
                        "nog_binnen_termijn",
                    ],
                )
            })
            .collect(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use sluis_core::doelbereik::Grond;

    #[test]
    fn euros_the_dutch_way() {
        assert_eq!(euro_nl(0), "€ 0,00");
        assert_eq!(euro_nl(5), "€ 0,05");
        assert_eq!(euro_nl(123456), "€ 1.234,56");
        assert_eq!(euro_nl(-100000000), "-€ 1.000.000,00");
    }

    #[test]
    fn the_flows_as_tables() {
        let v = json!({
            "plan_binnen": 42,
            "berichten": [{"periode": "2025-01", "aanbieder": "12345678", "berichtsoort": "JW305",
                "richting": "ontvangen", "aantal": 2, "geaccepteerd": 1, "deels": 0, "afgekeurd": 1}],
            "retourcodes": [],
            "bedragen": [{"periode": "2025-01", "aanbieder": "12345678", "product": "45A07",
                "ingediend_cent": 275000, "toegekend_cent": 25000,
                "volume_gedeclareerd": 110, "volume_toegewezen": 520}],
            "doorlooptijden": [{"periode": "2025-01", "aanbieder": "12345678",
                "doorlooptijd": "verzoek_antwoord", "aantal": 2, "mediaan_dagen": 7.5, "p90_dagen": 10}],
            "plannen": []
        });
        let t = stromen_table(&v, "Stromen");
        assert!(t.contains("| JW305   | ontvangen |      2 |"), "{t}");
        assert!(t.contains("€ 2.750,00"), "{t}");
        assert!(t.contains("7,5"), "{t}");
        assert!(t.contains("Retourcodes\n(geen)"), "{t}");
        assert!(t.contains("Behandelplan binnen 42 dagen"), "{t}");
    }

    #[test]
    fn bsns_are_masked_and_queries_encoded() {
        assert_eq!(mask_bsn("999990019"), "*****0019");
        assert_eq!(mask_bsn(""), "");
        assert_eq!(
            query(&[
                ("team", Some("noord oost")),
                ("van", None),
                ("x", Some("a&b"))
            ]),
            "?team=noord%20oost&x=a%26b"
        );
        assert_eq!(query(&[("van", None)]), "");
    }

    #[test]
    fn tables_show_the_figures() {
        let v = json!({
            "totaal": {"beeindigd": 8, "zonder_resultaat": 1,
                "doelrealisatie": {"teller": 4, "noemer": 7, "aandeel": 0.5714},
                "uitval": {"teller": 3, "noemer": 7, "aandeel": 0.4286},
                "clienttevredenheid": {"teller": 0, "noemer": 0, "aandeel": null},
                "herhaald_beroep": {"teller": 1, "noemer": 4, "aandeel": 0.25}},
            "groepen": {}
        });
        let t = indicatoren_table(&v, "Gemeente 0599");
        assert!(
            t.contains("| doelrealisatie     |      4 |      7 |  57.1 % |"),
            "{t}"
        );
        assert!(
            t.contains("| cliënttevredenheid |      0 |      0 |       - |"),
            "{t}"
        );
        let team = json!({"team": "noord", "items": [{
            "toewijzingnummer": "7001", "bsn": "999990019", "domein": "ijw", "aanbieder": "12345678",
            "start": "2025-01-06", "stop": {"einddatum": "2025-04-30", "reden": "31"}, "plan": null,
            "status": "niet_bereikt", "grond": serde_json::to_value(Grond::Beoordeling {
                team: "noord".into(), versie: 1, eens: false }).unwrap(),
            "tevredenheid": "tevreden"}]});
        let t = doelbereik_table(&team);
        assert!(t.contains("*****0019"), "{t}");
        assert!(!t.contains("999990019"), "{t}");
        assert!(
            t.contains("2025-04-30 (31)") && t.contains("beoordeeld: oneens"),
            "{t}"
        );
    }

    /// The ground column reads the API's own serialization of `Grond`: a melding or a
    /// beoordeling is never shown as "geen melding".
    #[test]
    fn ground_column_reads_the_api_shape() {
        let row = |g: Grond| {
            let v = json!({"team": "noord", "items": [{"toewijzingnummer": "7001",
                "bsn": "999990019", "grond": serde_json::to_value(g).unwrap()}]});
            doelbereik_table(&v)
        };
        let t = row(Grond::Beoordeling {
            team: "noord".into(),
            versie: 1,
            eens: true,
        });
        assert!(t.contains("beoordeeld: eens"), "{t}");
        let t = row(Grond::Resultaatmelding {
            alle_doelen_behaald: true,
        });
        assert!(t.contains("melding: alle doelen behaald"), "{t}");
        assert!(!t.contains("geen melding"), "{t}");
        let t = row(Grond::Resultaatmelding {
            alle_doelen_behaald: false,
        });
        assert!(t.contains("melding: niet alle doelen behaald"), "{t}");
        let t = row(Grond::GeenResultaat);
        assert!(t.contains("geen melding"), "{t}");
    }

    /// The CLI follows the team view's pages: 675 trajectories in pages of 500 are all shown,
    /// and the count is the API's.
    #[test]
    fn every_page_of_the_team_view_is_read() {
        let rows = |from: usize, to: usize| -> Vec<Value> {
            (from..to)
                .map(|i| json!({"toewijzingnummer": format!("{i}"), "bsn": "999990019"}))
                .collect()
        };
        let asked = std::cell::RefCell::new(Vec::new());
        let get = |p: String| {
            asked.borrow_mut().push(p.clone());
            let (items, next) = if p.ends_with("after=500") {
                (rows(500, 675), Value::Null)
            } else {
                (rows(0, 500), json!(500))
            };
            async move {
                Ok(
                    json!({"team": "noord", "aantal": 675, "offset": 0, "next": next, "items": items}),
                )
            }
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let v = rt
            .block_on(fetch_pages(
                "/api/v1/teams/noord/doelbereik?betwist=true",
                get,
            ))
            .unwrap();
        assert_eq!(
            *asked.borrow(),
            [
                "/api/v1/teams/noord/doelbereik?betwist=true",
                "/api/v1/teams/noord/doelbereik?betwist=true&after=500"
            ]
        );
        assert_eq!(v["items"].as_array().unwrap().len(), 675);
        let t = doelbereik_table(&v);
        assert!(t.starts_with("Team noord: 675 traject(en)\n\n"), "{t}");
        assert!(t.contains("674") && !t.contains("let op"), "{t}");
        // One page of 500 where the gateway counts 675 is flagged, never silently cut.
        let t = doelbereik_table(&json!({"team": "noord", "aantal": 675, "items": rows(0, 500)}));
        assert!(t.contains("(let op: 500 van 675 getoond)"), "{t}");
        // Not paged (the indicators): returned as it is, one request.
        let v = rt
            .block_on(fetch_pages("/api/v1/indicatoren", |_| async {
                Ok(json!({"totaal": {}}))
            }))
            .unwrap();
        assert_eq!(v, json!({"totaal": {}}));
    }
}
