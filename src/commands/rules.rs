//! `sluis rules`: the rules Sluis checks, from the registries.

use super::Outcome;
use clap::ValueEnum;
use serde::Serialize;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    format: RulesFormat,
    /// Which rules: the in-message ones (default, `docs/rules.md`), the cross-message and
    /// external ones the gateway checks against the history (`docs/history.md`), or both.
    #[arg(long, value_enum, default_value_t = RuleSet::Bericht)]
    set: RuleSet,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Text,
    Json,
    /// The table in `docs/rules.md`.
    Markdown,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RuleSet {
    /// In-message rules (technische regels, condities, constraints).
    Bericht,
    /// Cross-message and external rules, judged against the history.
    Historie,
    All,
}

/// One registry entry as `rules --format json` prints it.
#[derive(Serialize)]
struct RuleRow {
    /// `bericht` or `historie`.
    niveau: &'static str,
    code: &'static str,
    retourcode: Option<&'static str>,
    messages: Vec<String>,
    description: &'static str,
}

pub fn run(args: Args) -> Outcome {
    let Args { format, set } = args;
    let mut rows: Vec<RuleRow> = Vec::new();
    if set != RuleSet::Historie {
        rows.extend(sluis::validate::rules::RULES.iter().map(|r| RuleRow {
            niveau: "bericht",
            code: r.code,
            retourcode: r.retourcode,
            messages: r.message_codes(),
            description: r.description,
        }));
    }
    if set != RuleSet::Bericht {
        rows.extend(sluis::validate::history::RULES.iter().map(|r| RuleRow {
            niveau: "historie",
            code: r.code,
            retourcode: Some(r.retourcode),
            messages: r.message_codes(),
            description: r.description,
        }));
    }
    match format {
        RulesFormat::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&rows).unwrap_or_default()
            );
        }
        RulesFormat::Text => {
            for r in &rows {
                println!(
                    "{}  {}  {}  {}",
                    r.code,
                    r.retourcode.unwrap_or("-"),
                    r.messages.join(","),
                    r.description
                );
            }
        }
        RulesFormat::Markdown => {
            if set != RuleSet::Historie {
                print!("{}", sluis::validate::rules::markdown_table());
            }
            if set != RuleSet::Bericht {
                print!("{}", sluis::validate::history::markdown_table());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
