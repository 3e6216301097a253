//! The commands of `sluis`, one file each: a `clap::Args` struct and a `run` that returns the
//! exit code or a [`Failure`]. A new command is a new file here and one line in [`Command`].

use clap::{Parser, Subcommand, ValueEnum};
use sluis::standard::types::Datum;
use sluis::Limits;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

// Output goes through these instead of std's macros: when the reader of a pipe is gone
// (`sluis validate … | head`) the rest is dropped quietly instead of panicking. Defined before
// the modules below, so they see them.
macro_rules! println {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}
macro_rules! print {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}

mod audit;
mod backup;
mod bench_load;
mod bewaren;
mod bezorging;
mod comprimeer;
mod convert;
mod demo;
mod health;
mod import;
mod jaar;
mod jaar_afspelen;
mod jaar_genereer;
mod key_create;
mod offline;
mod rapport;
mod restore;
mod retour;
mod rules;
mod serve;
mod soak;
mod token;
mod validate;

#[derive(Parser)]
#[command(
    name = "sluis",
    version,
    about = "Message gateway for iJw 3.2 and iWmo 3.2"
)]
pub struct Cli {
    /// Largest accepted message in bytes.
    #[arg(long, global = true, default_value_t = Limits::default().max_bytes)]
    pub max_bytes: usize,
    /// How the server logs: `text` (colours only on a terminal) or `json` (one object a line).
    #[arg(long, global = true, env = "SLUIS_LOG_FORMAT", default_value = "text", value_parser = parse_log_format)]
    pub log_format: sluis::telemetry::LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the gateway: HTTP API on the configured address, store in the data directory.
    Serve(serve::Args),
    /// Post a realistic mix of messages to a gateway on loopback with many clients at once;
    /// report throughput, p50/p99 latency, the server's RSS and the store's bytes per message.
    /// Without --url it starts `sluis serve` itself on a fresh data directory.
    BenchLoad(bench_load::Args),
    /// Check messages (XML or JSON) against the standard. Exit code 0: all valid,
    /// 1: some invalid, 2: some unreadable.
    Validate(validate::Args),
    /// List the standard's in-message rules Sluis checks: code, retourcode, messages, description.
    Rules(rules::Args),
    /// Write the retourbericht the standard prescribes for a heenbericht (JW302 for a JW301 …,
    /// the JW325 declaratie-antwoord for a JW323). Exit code 0: written, 1: the standard gives
    /// no retourbericht (not XSD-valid, or itself a retourbericht), 2: unreadable.
    Retour(retour::Args),
    /// Readable reports of doelbereik from a running gateway (BSNs masked).
    Rapport(rapport::Args),
    /// Post the generated demo data set (a gemeente with a few hundred clients, every kind of
    /// trajectory; docs/doelbereik.md) to a running gateway, then print the indicators expected.
    Demo(demo::Args),
    /// A realistic year of one municipality's traffic: `genereer` writes it (with the expected
    /// answer of every message), `afspelen` posts it to a running gateway and compares.
    Jaar(jaar::Args),
    /// Load an archive of messages (every *.xml / *.json under DIR) into a stopped gateway's
    /// store as history: in order of Dagtekening, judged as posted, without retourberichten or
    /// inbox entries; a CSV report of what could not be placed. Exit code 0: all placed, 1: not.
    Import(import::Args),
    /// Bearer tokens in the store of a stopped gateway: create (the secret is shown once),
    /// list, revoke; and the hash of a token for `[[security.tokens]]`.
    Token(token::Args),
    /// Create a new master key file (mode 0600; never overwrites). Keep a copy apart from the
    /// backups: without it the store cannot be read.
    KeyCreate(key_create::Args),
    /// The audit log (NEN 7513) of a stopped gateway: verify its hash chain, print its head,
    /// export it.
    Audit(audit::Args),
    /// A consistent copy of the store in one file, while the gateway runs (through its control
    /// socket in the data directory; writes pause while it is read) or while it is stopped.
    /// The copy holds sealed data: keep the master key apart.
    Backup(backup::Args),
    /// Run the retention policy of `[bewaren]` now (docs/retention.md): on the running gateway
    /// through its control socket, or on a stopped one's store. `--droog` reports what would be
    /// removed and removes nothing.
    Bewaren(bewaren::Args),
    /// Write the store of a stopped gateway anew with only its live data, giving back the disk
    /// space that retention freed (checked before the directories are swapped).
    Comprimeer(comprimeer::Args),
    /// Restore a backup into a new data directory, check its audit chain and, with the key,
    /// that the store opens.
    Restore(restore::Args),
    /// Whether a running gateway is ready (GET /readyz): exit code 0 ready, 1 not. For a
    /// container's health check.
    Health(health::Args),
    /// Convert a message between XML and JSON, written to standard output.
    Convert(convert::Args),
    /// Run the gateway for N minutes under mixed load with faults (SIGKILL, SIGTERM, a full
    /// disk as root), then check every acknowledged message is stored exactly once and the
    /// audit verifies. Exit code 0: all held, 1: something was lost or broken.
    Soak(soak::Args),
    /// Push delivery on a running gateway (operator token): `overzicht` (backlog per party) and
    /// `opnieuw --bericht ID | --partij AGB | --alles` (offer dead letters again).
    Bezorging(bezorging::Args),
}

impl Command {
    /// Only the server logs; the other commands keep standard error for their own messages.
    pub fn logs(&self) -> bool {
        matches!(self, Command::Serve(_))
    }

    pub fn run(self, limits: &Limits, log_format: sluis::telemetry::LogFormat) -> Outcome {
        match self {
            Command::Serve(a) => serve::run(a, log_format),
            Command::BenchLoad(a) => bench_load::run(a),
            Command::Validate(a) => validate::run(a, limits),
            Command::Rules(a) => rules::run(a),
            Command::Retour(a) => retour::run(a, limits),
            Command::Rapport(a) => rapport::run(a),
            Command::Demo(a) => demo::run(a),
            Command::Jaar(a) => jaar::run(a),
            Command::Import(a) => import::run(a),
            Command::Token(a) => token::run(a),
            Command::KeyCreate(a) => key_create::run(a),
            Command::Audit(a) => audit::run(a),
            Command::Convert(a) => convert::run(a, limits),
            Command::Backup(a) => backup::run(a),
            Command::Bewaren(a) => bewaren::run(a),
            Command::Comprimeer(a) => comprimeer::run(a),
            Command::Health(a) => health::run(a),
            Command::Restore(a) => restore::run(a),
            Command::Soak(a) => soak::run(a),
            Command::Bezorging(a) => bezorging::run(a),
        }
    }
}

/// A command that failed: what standard error says, and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }
}

/// The exit code of a command that ran (also 1 for "some invalid"), or why it failed.
pub type Outcome = Result<ExitCode, Failure>;

#[derive(Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// The form a message is written in.
#[derive(Clone, Copy, ValueEnum)]
pub enum Target {
    Json,
    Xml,
}

impl Target {
    fn format(self) -> sluis::Format {
        match self {
            Target::Json => sluis::Format::Json,
            Target::Xml => sluis::Format::Xml,
        }
    }
}

/// Read at most `limit + 1` bytes, so a huge file is refused without being loaded.
fn read_input(path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let cap = limit as u64 + 1;
    if path.as_os_str() == "-" {
        std::io::stdin().take(cap).read_to_end(&mut buf)?;
    } else {
        std::fs::File::open(path)?.take(cap).read_to_end(&mut buf)?;
    }
    Ok(buf)
}

/// Print a written message, ending in a newline.
fn print_message(out: &str) {
    print!("{out}");
    if !out.ends_with('\n') {
        println!();
    }
}

/// The settings of `config`, with the data directory given on the command line.
/// The configuration file and the data directory, as the commands on a store take them
/// (`backup`, `bewaren`, `comprimeer`).
#[derive(clap::Args)]
pub struct StoreDir {
    /// Configuration (the data directory, and the settings the command uses).
    #[arg(long, default_value = "config/sluis.toml")]
    config: PathBuf,
    /// Data directory (overrides the configuration and SLUIS_DATA_DIR).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

impl StoreDir {
    /// The settings, with the data directory as given.
    fn settings(self) -> Result<sluis::config::Settings, String> {
        load_settings(&self.config, self.data_dir)
    }
}

fn load_settings(
    config: &Path,
    data_dir: Option<PathBuf>,
) -> Result<sluis::config::Settings, String> {
    let overrides = sluis::config::Overrides {
        listen: None,
        data_dir,
    };
    sluis::config::Settings::load(config, &overrides).map_err(|e| e.to_string())
}

fn parse_log_format(s: &str) -> Result<sluis::telemetry::LogFormat, String> {
    s.parse()
}

fn parse_datum(s: &str) -> Result<Datum, String> {
    Datum::parse(s).ok_or_else(|| format!("{s:?} is geen geldige datum (JJJJ-MM-DD)"))
}

fn parse_rfc3339(s: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("{s:?}: not an RFC 3339 moment ({e})"))
}

/// A runtime for the commands that talk HTTP (one thread is plenty for them).
fn current_thread(what: &str) -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(2, format!("{what}: {e}")))
}
