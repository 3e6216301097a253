//! Reading a doelbereik message: JSON, checked against its JSON Schema (`schemas/sluis/`,
//! compiled once per process), then built into the typed message, then the few checks inside
//! one message that a schema cannot express (unique goal ids, elfproef). Every problem is a
//! [`Finding`] with a JSON Pointer path (`/doelen/2/id`); a BSN is never echoed.

use super::codes;
use super::model::{elfproef, Behandelplan, Beoordeling, Bericht, Kind, Resultaatmelding};
use crate::codec::json::JsonError;
use crate::validate::Finding;
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

/// Largest body accepted (a plan is a few kilobytes).
pub const MAX_BYTES: usize = 1024 * 1024;

/// The JSON Schema text of a message, as committed in `schemas/sluis/`.
pub fn schema_source(kind: Kind) -> &'static str {
    match kind {
        Kind::Behandelplan => include_str!("../../../../schemas/sluis/behandelplan.schema.json"),
        Kind::Resultaatmelding => {
            include_str!("../../../../schemas/sluis/resultaatmelding.schema.json")
        }
        Kind::Beoordeling => include_str!("../../../../schemas/sluis/beoordeling.schema.json"),
    }
}

type Validators = HashMap<Kind, Result<jsonschema::Validator, String>>;

fn validators() -> &'static Validators {
    static CELL: OnceLock<Validators> = OnceLock::new();
    CELL.get_or_init(|| Kind::ALL.iter().map(|&k| (k, compile(k))).collect())
}

fn compile(kind: Kind) -> Result<jsonschema::Validator, String> {
    let schema: serde_json::Value =
        serde_json::from_str(schema_source(kind)).map_err(|e| e.to_string())?;
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| e.to_string())
}

fn finding(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Finding {
    Finding {
        code,
        retourcode: None,
        path: path.into(),
        message: message.into(),
    }
}

/// The JSON Schema findings of `value` (empty: valid). Paths are JSON Pointers into the body,
/// `/` for the body itself; values are never echoed (masked messages).
pub fn schema_findings(kind: Kind, value: &serde_json::Value) -> Vec<Finding> {
    let validator = match validators().get(&kind) {
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            return vec![finding(
                codes::SCHEMA,
                "/",
                format!("JSON Schema van {} is onbruikbaar: {e}", kind.as_str()),
            )]
        }
        None => return vec![finding(codes::SCHEMA, "/", "geen JSON Schema")],
    };
    validator
        .iter_errors(value)
        .map(|err| {
            let pointer = err.instance_path().as_str().to_string();
            // Never echo a value: besides the BSN, the free texts (goals, explanations) may
            // hold personal data. The path says where; the masked message what.
            let message = err.masked().to_string();
            let path = if pointer.is_empty() {
                "/".to_string()
            } else {
                pointer
            };
            finding(codes::SCHEMA, path, message)
        })
        .collect()
}

/// The JSON value of a body; duplicate member names are refused (a reader downstream might
/// take the other one than Sluis judged).
pub(super) fn json_value(bytes: &[u8]) -> Result<serde_json::Value, Vec<Finding>> {
    crate::codec::json::value_unique(bytes).map_err(|e| {
        let message = match e {
            JsonError::Duplicate(name) => {
                format!("het lid {name:?} komt meer dan eens voor in hetzelfde object")
            }
            JsonError::Syntax(e) => format!("geen geldige JSON: {e}"),
        };
        vec![finding(codes::SCHEMA, "/", message)]
    })
}

/// Read a message of `kind` from its JSON body: schema, then the typed message, then the
/// in-message checks (code `SL000` for schema and reading errors, `SL009` for the others).
pub fn read(kind: Kind, bytes: &[u8]) -> Result<Bericht, Vec<Finding>> {
    if bytes.len() > MAX_BYTES {
        return Err(vec![finding(
            codes::SCHEMA,
            "/",
            format!("bericht is groter dan {MAX_BYTES} bytes"),
        )]);
    }
    let value = json_value(bytes)?;
    let findings = schema_findings(kind, &value);
    if !findings.is_empty() {
        return Err(findings);
    }
    from_value(kind, value)
}

/// The typed message from a JSON value that passed its schema, without further checks.
pub(super) fn typed(kind: Kind, value: serde_json::Value) -> Result<Bericht, Vec<Finding>> {
    let typed =
        |e: serde_json::Error| vec![finding(codes::SCHEMA, "/", format!("niet te lezen: {e}"))];
    Ok(match kind {
        Kind::Behandelplan => {
            Bericht::Behandelplan(serde_json::from_value::<Behandelplan>(value).map_err(typed)?)
        }
        Kind::Resultaatmelding => Bericht::Resultaatmelding(
            serde_json::from_value::<Resultaatmelding>(value).map_err(typed)?,
        ),
        Kind::Beoordeling => {
            Bericht::Beoordeling(serde_json::from_value::<Beoordeling>(value).map_err(typed)?)
        }
    })
}

/// The typed message from a JSON value that passed its schema, then the in-message checks.
pub fn from_value(kind: Kind, value: serde_json::Value) -> Result<Bericht, Vec<Finding>> {
    // The schema admits only what the types accept; a typing error is a fallback. serde's
    // message names the field, not the value.
    let bericht = typed(kind, value)?;
    let findings = in_message(&bericht);
    if findings.is_empty() {
        Ok(bericht)
    } else {
        Err(findings)
    }
}

/// What one message must satisfy on its own beyond its schema (`SL009`).
pub fn in_message(bericht: &Bericht) -> Vec<Finding> {
    let mut out = Vec::new();
    let bsn = match bericht {
        Bericht::Behandelplan(m) => &m.bsn,
        Bericht::Resultaatmelding(m) => &m.bsn,
        Bericht::Beoordeling(m) => &m.bsn,
    };
    if !elfproef(bsn) {
        out.push(finding(
            codes::IN_BERICHT,
            "/bsn",
            "bsn voldoet niet aan de elfproef",
        ));
    }
    let mut unique = |ids: Vec<&str>, list: &str| {
        let mut seen = BTreeSet::new();
        for (i, id) in ids.into_iter().enumerate() {
            if !seen.insert(id) {
                out.push(finding(
                    codes::IN_BERICHT,
                    format!("/{list}/{i}/id"),
                    format!("doel {id} komt meer dan eens voor"),
                ));
            }
        }
    };
    match bericht {
        Bericht::Behandelplan(p) => {
            unique(p.doelen.iter().map(|d| d.id.as_str()).collect(), "doelen");
            for (i, a) in p.activiteiten.iter().enumerate() {
                for (j, d) in a.doelen.iter().enumerate() {
                    if p.doel(d).is_none() {
                        out.push(finding(
                            codes::IN_BERICHT,
                            format!("/activiteiten/{i}/doelen/{j}"),
                            format!("activiteit noemt doel {d}, dat niet in het plan staat"),
                        ));
                    }
                }
            }
            if p.hoofdaannemer.as_deref() == Some(p.aanbieder.as_str()) {
                out.push(finding(
                    codes::IN_BERICHT,
                    "/hoofdaannemer",
                    "hoofdaannemer is de aanbieder zelf; laat hoofdaannemer weg",
                ));
            }
        }
        Bericht::Resultaatmelding(r) => {
            unique(r.doelen.iter().map(|d| d.id.as_str()).collect(), "doelen");
            if r.datum < r.einddatum {
                out.push(finding(
                    codes::IN_BERICHT,
                    "/datum",
                    format!(
                        "resultaatmelding gedateerd {} ligt voor de einddatum {}",
                        r.datum, r.einddatum
                    ),
                ));
            }
        }
        Bericht::Beoordeling(_) => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_compiles() {
        for k in Kind::ALL {
            assert!(matches!(validators().get(&k), Some(Ok(_))), "{k:?}");
        }
    }

    #[test]
    fn schema_errors_have_paths_and_never_a_bsn() {
        let body = br#"{"domein":"ijw","gemeente":"0599","aanbieder":"12345678","bsn":"99999001X",
            "plan_id":"P1","versie":0,"datum":"2026-02-30","toewijzingnummers":["7001"],
            "doelen":[{"id":"D1","omschrijving":"x","levensdomein":"opvoeding","meting":"m","streefdatum":"2026-06-30"}]}"#;
        let f = read(Kind::Behandelplan, body).expect_err("invalid");
        let paths: Vec<&str> = f.iter().map(|f| f.path.as_str()).collect();
        assert!(paths.contains(&"/bsn"), "{f:?}");
        assert!(paths.contains(&"/versie"), "{f:?}");
        assert!(paths.contains(&"/datum"), "{f:?}");
        assert!(f.iter().all(|f| f.code == "SL000"));
        assert!(f.iter().all(|f| !f.message.contains("99999001")), "{f:?}");
    }

    #[test]
    fn free_text_is_never_echoed() {
        let long = format!("Mevrouw Jansen {}", "x".repeat(1000));
        let body = serde_json::json!({"domein":"ijw","gemeente":"0599","aanbieder":"12345678",
            "bsn":"999990019","plan_id":"P1","versie":1,"datum":"2026-01-10",
            "toewijzingnummers":["7001"],
            "doelen":[{"id":"D1","omschrijving":long,"levensdomein":"opvoeding","meting":"m",
                       "streefdatum":"2026-06-30"}]});
        let bytes = serde_json::to_vec(&body).expect("json");
        let f = read(Kind::Behandelplan, &bytes).expect_err("too long");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].path, "/doelen/0/omschrijving");
        assert!(!f[0].message.contains("Jansen"), "{f:?}");
    }

    #[test]
    fn oneens_needs_a_reason() {
        let body = br#"{"domein":"ijw","gemeente":"0599","team":"noord","aanbieder":"12345678",
            "bsn":"999990019","toewijzingnummer":"7001","versie":1,"datum":"2026-05-10",
            "oordeel":"oneens","resultaat_bereikt":false}"#;
        let f = read(Kind::Beoordeling, body).expect_err("no reason");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].path, "/");
        assert!(f[0].message.contains("reden"), "{f:?}");
        assert!(!f[0].message.contains("999990019"), "{f:?}");
    }

    #[test]
    fn duplicate_goals_and_elfproef() {
        let body = br#"{"domein":"ijw","gemeente":"0599","aanbieder":"12345678","bsn":"999990018",
            "plan_id":"P1","versie":1,"datum":"2026-01-10","toewijzingnummers":["7001"],
            "doelen":[{"id":"D1","omschrijving":"x","levensdomein":"opvoeding","meting":"m","streefdatum":"2026-06-30"},
                      {"id":"D1","omschrijving":"y","levensdomein":"opvoeding","meting":"m","streefdatum":"2026-06-30"}],
            "activiteiten":[{"omschrijving":"a","doelen":["D9"]}]}"#;
        let f = read(Kind::Behandelplan, body).expect_err("invalid");
        let got: Vec<(&str, &str)> = f.iter().map(|f| (f.code, f.path.as_str())).collect();
        assert_eq!(
            got,
            [
                ("SL009", "/bsn"),
                ("SL009", "/doelen/1/id"),
                ("SL009", "/activiteiten/0/doelen/0")
            ]
        );
    }

    #[test]
    fn unreadable_and_oversized() {
        assert_eq!(
            read(Kind::Resultaatmelding, b"{").expect_err("json")[0].code,
            "SL000"
        );
        let big = vec![b' '; MAX_BYTES + 1];
        assert_eq!(
            read(Kind::Resultaatmelding, &big).expect_err("big").len(),
            1
        );
    }
}
