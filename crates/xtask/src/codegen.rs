//! `codegen`: run the Python generators (they stay the generators) into a scratch directory,
//! then either copy what changed into the tree or, with `--check`, list what differs.
//!
//! Generating always goes through the scratch directory, so both modes run the same steps and a
//! file the generators no longer write shows up as stale in either. The steps feed each other:
//! XSDs → tables and JSON Schemas → message fixtures (through `sluis convert`) → rule fixtures.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Options {
    pub check: bool,
    pub xsd: Option<PathBuf>,
}

/// What a generator owns in the tree; only owned paths are compared or written.
#[derive(Clone, Copy)]
enum Owned {
    /// A file, or every file below a directory: one that is not generated is stale.
    Whole(&'static str),
    /// Only the files the generator writes (hand-written ones live beside them).
    Written(&'static str),
    /// Every file in the directory's subdirectories (its top-level files are hand-written).
    Subdirs(&'static str),
}

const TABLES: &[Owned] = &[
    Owned::Whole("crates/sluis-core/src/standard/codelijsten.rs"),
    Owned::Whole("crates/sluis-core/src/standard/schema/ijw.rs"),
    Owned::Whole("crates/sluis-core/src/standard/schema/iwmo.rs"),
    Owned::Whole("schemas/ijw-3.2"),
    Owned::Whole("schemas/iwmo-3.2"),
    Owned::Whole("crates/sluis-core/src/stuurinformatie/retourcodes.rs"),
];
/// `fixtures/ijw-3.2/JW305/valid/twee-producten.xml` is written by hand (fixtures/README.md).
const FIXTURES: &[Owned] = &[
    Owned::Written("fixtures/ijw-3.2"),
    Owned::Written("fixtures/iwmo-3.2"),
];
const RULE_FIXTURES: &[Owned] = &[Owned::Subdirs("fixtures/rules")];

/// The JSON Schemas the fixtures are built from, when the tables step cannot run.
const SCHEMA_DIRS: &[&str] = &["schemas/ijw-3.2", "schemas/iwmo-3.2"];

pub fn run(opts: &Options) -> Result<(), String> {
    let root = repo_root();
    let target = target_dir(&root);
    // Under the repository (not /tmp), so rustfmt finds the same configuration as in place.
    let scratch = target.join("xtask-codegen");
    if scratch.exists() {
        fs::remove_dir_all(&scratch).map_err(|e| io_err("cannot clear", &scratch, e))?;
    }
    fs::create_dir_all(&scratch).map_err(|e| io_err("cannot create", &scratch, e))?;

    let mut owned: Vec<Owned> = Vec::new();
    let mut changed = 0;
    let xsd = opts
        .xsd
        .clone()
        .unwrap_or_else(|| root.join("..").join("shared").join("istandaarden"));
    if xsd.is_dir() {
        python(
            &root,
            "schemas/generate.py",
            &[path_arg(&xsd), "--out".into(), path_arg(&scratch)],
        )?;
        // The code lists the views describe come from the same official material.
        python(
            &root,
            "schemas/codelijsten.py",
            &[path_arg(&xsd), "--out".into(), path_arg(&scratch)],
        )?;
        // The retourcodes' official meanings (code list WJ001), from the same material.
        python(
            &root,
            "schemas/retourcodes.py",
            &[path_arg(&xsd), "--out".into(), path_arg(&scratch)],
        )?;
        owned.extend_from_slice(TABLES);
        if !opts.check {
            // The tables go in before sluis is built: the fixtures are made by the new sluis.
            changed += apply(&root, &scratch, &compare(&root, &scratch, TABLES)?)?;
        }
    } else {
        if opts.xsd.is_some() {
            return Err(format!("no official material at {}", xsd.display()));
        }
        println!(
            "tables: skipped, no XSDs at {} (the committed JSON Schemas are used)",
            xsd.display()
        );
        for dir in SCHEMA_DIRS {
            copy_dir(&root.join(dir), &scratch.join(dir))?;
        }
    }

    let sluis = build_sluis(&root, &target)?;
    let args = vec![
        "--out".to_string(),
        path_arg(&scratch),
        "--sluis".to_string(),
        path_arg(&sluis),
    ];
    let mut fixture_args = args.clone();
    if opts.check {
        // xmllint is a second opinion on validity, not part of the output; it may be absent.
        fixture_args.push("--no-xmllint".into());
    } else {
        fixture_args.extend(["--xsd".into(), path_arg(&xsd)]);
    }
    python(&root, "fixtures/generate.py", &fixture_args)?;
    owned.extend_from_slice(FIXTURES);
    python(&root, "fixtures/rules/generate.py", &args)?;
    owned.extend_from_slice(RULE_FIXTURES);

    let diffs = compare(&root, &scratch, &owned)?;
    if opts.check {
        if diffs.is_empty() {
            fs::remove_dir_all(&scratch).map_err(|e| io_err("cannot remove", &scratch, e))?;
            println!("codegen: every generated file is current");
            return Ok(());
        }
        let list: Vec<String> = diffs.iter().map(|d| format!("  {d}")).collect();
        return Err(format!(
            "{} generated file(s) not current:\n{}\nrun `cargo xtask codegen` and commit the result \
             (the fresh output is in {})",
            diffs.len(),
            list.join("\n"),
            scratch.display()
        ));
    }
    changed += apply(&root, &scratch, &diffs)?;
    fs::remove_dir_all(&scratch).map_err(|e| io_err("cannot remove", &scratch, e))?;
    println!("codegen: {changed} file(s) changed");
    Ok(())
}

/// One generated file whose committed form is not what the generators give.
enum Diff {
    Differs(String),
    Missing(String),
    Stale(String),
}

impl std::fmt::Display for Diff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Diff::Differs(p) => write!(f, "differs        {p}"),
            Diff::Missing(p) => write!(f, "missing        {p} (generated, not in the tree)"),
            Diff::Stale(p) => write!(f, "stale          {p} (no longer generated)"),
        }
    }
}

/// The owned files of `fresh` and of the tree, compared byte for byte; sorted by path.
fn compare(root: &Path, fresh: &Path, owned: &[Owned]) -> Result<Vec<Diff>, String> {
    let mut generated = BTreeSet::new();
    let mut committed = BTreeSet::new();
    for o in owned {
        match *o {
            Owned::Whole(p) => {
                generated.extend(files(fresh, p, 0)?);
                committed.extend(files(root, p, 0)?);
            }
            Owned::Written(p) => generated.extend(files(fresh, p, 0)?),
            Owned::Subdirs(p) => {
                generated.extend(files(fresh, p, 1)?);
                committed.extend(files(root, p, 1)?);
            }
        }
    }
    let mut diffs = Vec::new();
    for p in generated.union(&committed) {
        let new = read_opt(&fresh.join(p))?;
        let old = read_opt(&root.join(p))?;
        match (new, old) {
            (Some(n), Some(o)) if n == o => {}
            (Some(_), Some(_)) => diffs.push(Diff::Differs(p.clone())),
            (Some(_), None) => diffs.push(Diff::Missing(p.clone())),
            (None, Some(_)) => diffs.push(Diff::Stale(p.clone())),
            (None, None) => {}
        }
    }
    Ok(diffs)
}

/// Bring the tree in line with the fresh output: write what differs, remove what is stale.
/// Returns how many files changed.
fn apply(root: &Path, fresh: &Path, diffs: &[Diff]) -> Result<usize, String> {
    for d in diffs {
        match d {
            Diff::Differs(p) | Diff::Missing(p) => {
                let to = root.join(p);
                if let Some(dir) = to.parent() {
                    fs::create_dir_all(dir).map_err(|e| io_err("cannot create", dir, e))?;
                }
                fs::copy(fresh.join(p), &to).map_err(|e| io_err("cannot write", &to, e))?;
                println!("wrote    {p}");
            }
            Diff::Stale(p) => {
                let gone = root.join(p);
                fs::remove_file(&gone).map_err(|e| io_err("cannot remove", &gone, e))?;
                println!("removed  {p}");
            }
        }
    }
    Ok(diffs.len())
}

/// The files at or below `base/rel` (relative to `base`, `/`-separated), skipping those less
/// than `min_depth` directories below `rel`. An absent path has no files.
fn files(base: &Path, rel: &str, min_depth: usize) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let start = base.join(rel);
    if start.is_file() {
        out.push(rel.to_string());
        return Ok(out);
    }
    if !start.is_dir() {
        return Ok(out);
    }
    let mut stack = vec![(start, rel.to_string(), 0)];
    while let Some((dir, name, depth)) = stack.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| io_err("cannot read", &dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io_err("cannot read", &dir, e))?;
            let path = entry.path();
            let child = format!("{name}/{}", entry.file_name().to_string_lossy());
            if path.is_dir() {
                stack.push((path, child, depth + 1));
            } else if depth >= min_depth {
                out.push(child);
            }
        }
    }
    Ok(out)
}

fn read_opt(path: &Path) -> Result<Option<Vec<u8>>, String> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err("cannot read", path, e)),
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|e| io_err("cannot create", to, e))?;
    let entries = fs::read_dir(from).map_err(|e| io_err("cannot read", from, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_err("cannot read", from, e))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst)?;
        } else {
            fs::copy(&src, &dst).map_err(|e| io_err("cannot copy", &src, e))?;
        }
    }
    Ok(())
}

/// Run one generator; its output is long (every skipped case), so show its last line only,
/// or all of it when it fails.
fn python(root: &Path, script: &str, args: &[String]) -> Result<(), String> {
    let out = Command::new("python3")
        .arg(root.join(script))
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run python3 {script}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "python3 {script} failed ({}):\n{stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    println!("{script}: {}", stdout.lines().last().unwrap_or("done"));
    Ok(())
}

/// The fixture generators run the current `sluis` (`convert`, `validate`): build it first.
fn build_sluis(root: &Path, target: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(&cargo);
    cmd.args(["build", "--locked", "--bin", "sluis"])
        .current_dir(root);
    // `cargo run` gave xtask its own package's variables; build scripts that track them (ring
    // reads CARGO_MANIFEST_DIR) would see a change and rebuild half the tree each time.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("CARGO_PKG_")
            || matches!(
                &*key,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
            )
        {
            cmd.env_remove(&*key);
        }
    }
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "`cargo build --locked --bin sluis` failed ({status})"
        ));
    }
    let bin = target
        .join("debug")
        .join(format!("sluis{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        return Err(format!(
            "no sluis binary at {} after the build",
            bin.display()
        ));
    }
    Ok(bin)
}

fn repo_root() -> PathBuf {
    // crates/xtask → the repository. `cargo run` says where xtask is now; the path it was
    // compiled at is only the fallback (a binary shared between checkouts would point elsewhere).
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest
        .ancestors()
        .nth(2)
        .unwrap_or(&manifest)
        .to_path_buf()
}

fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

fn path_arg(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> String {
    format!("{what} {}: {e}", path.display())
}
