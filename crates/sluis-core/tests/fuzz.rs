//! Property and fuzz-style tests on stable Rust (issue #13): arbitrary bytes and mutated real
//! messages through every reader (XML, JSON, Sluis's own messages), the rule layer and
//! `intake::decide` over the in-memory model. None may panic, and each input must cost time
//! and memory in proportion to its size. The bounds are guards against blow-ups (quadratic
//! parsing, exponential expansion), generous for a debug build: not a benchmark.

use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use sluis_core::codec::json::value_unique;
use sluis_core::doelbereik::Kind;
use sluis_core::intake::{self, Decision, Model};
use sluis_core::policy::Policy;
use sluis_core::standard::types::Datum;
use sluis_core::{Format, Limits};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

// ------------------------------------------------------------------ memory per thread

/// Counts the bytes live on each thread and their peak, so a test can see what one input
/// cost. Per thread, because the test harness runs tests side by side.
struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn grew(n: usize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get().saturating_add(n);
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

fn shrank(n: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(n)));
}

// SAFETY: every call is passed on to the system allocator unchanged; the counting only
// touches const-initialised thread locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            shrank(layout.size());
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ------------------------------------------------------------------ inputs

const PLAN: &str = r#"{
  "domein": "ijw", "gemeente": "0599", "aanbieder": "12345678", "bsn": "999990019",
  "plan_id": "PLAN-1", "versie": 1, "datum": "2026-01-10",
  "toewijzingnummers": ["7001"],
  "doelen": [
    {"id": "D1", "omschrijving": "Dagritme", "levensdomein": "onderwijs",
     "meting": "schoolverzuim per maand", "streefdatum": "2026-04-30"}
  ],
  "activiteiten": [
    {"omschrijving": "Gezinsbegeleiding", "frequentie": "wekelijks", "doelen": ["D1"]}
  ]
}"#;

const BEOORDELING: &str = r#"{
  "domein": "ijw", "gemeente": "0599", "team": "noord", "aanbieder": "12345678",
  "bsn": "999990019", "toewijzingnummer": "7001", "versie": 1, "datum": "2026-05-10",
  "oordeel": "oneens", "reden": "Het verzuim is weer opgelopen", "resultaat_bereikt": false
}"#;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.components().any(|c| c.as_os_str() == "valid")
            && path.extension().is_some_and(|e| e == "xml" || e == "json")
        {
            out.push(path);
        }
    }
}

/// The valid messages of both standards in both forms, and Sluis's own in both forms.
fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let top = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut paths = Vec::new();
        for standard in ["ijw-3.2", "iwmo-3.2"] {
            files(&top.join(standard), &mut paths);
        }
        paths.sort();
        let mut out: Vec<Vec<u8>> = paths.iter().filter_map(|p| std::fs::read(p).ok()).collect();
        for (kind, json) in [(Kind::Behandelplan, PLAN), (Kind::Beoordeling, BEOORDELING)] {
            out.push(json.as_bytes().to_vec());
            if let Ok(b) = sluis_core::doelbereik::read_judged(kind, json.as_bytes(), false) {
                out.push(sluis_core::doelbereik::xml::write(&b.0).into_bytes());
            }
        }
        assert!(out.len() > 100, "seeds found: {}", out.len());
        out
    })
}

fn today() -> Datum {
    Datum::parse("2026-06-15").expect("a date")
}

/// The model after every valid seed that it takes, so decisions have a history to read.
fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let mut model = Model::default();
        let limits = Limits::default();
        for (i, seed) in seeds().iter().enumerate() {
            let id = i as u64 + 1;
            if let Ok(read) = intake::read(seed, None, &limits) {
                if let Ok(decision) = model.decide(&read, &Policy::default(), today(), id) {
                    model.apply(id, &read, &decision);
                }
            }
        }
        model
    })
}

/// Hostile pieces a mutation may splice in.
const SNIPPETS: &[&str] = &[
    "<!DOCTYPE r [<!ENTITY x \"y\">]>",
    "&x;",
    "&#0;",
    "&#x10FFFF;",
    "<?xml-stylesheet href=\"x\"?>",
    "<!-- c -->",
    "<![CDATA[<a>]]>",
    " a=\"1\" a=\"1\"",
    " xmlns:p=\"urn:x\"",
    "<p:x/>",
    "<a>",
    "</a>",
    "\r\n",
    "\u{feff}",
    "\"Afzender\": \"1234\",",
    "\"Bsn\": \"999990020\",",
    "{\"a\":",
    "[",
    "]",
    "\\u0000",
    "1e999999",
    "-0.0",
    "\u{d7ff}\u{e000}",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip {
        at: usize,
        bit: u8,
    },
    Insert {
        at: usize,
        bytes: Vec<u8>,
    },
    Delete {
        at: usize,
        len: usize,
    },
    /// Copy a piece and put it right after itself: elements or members twice.
    Duplicate {
        at: usize,
        len: usize,
    },
    /// A hostile piece, possibly many times over (deep nesting, many attributes).
    Splice {
        at: usize,
        snippet: usize,
        times: usize,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), 1usize..256).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), 1usize..2048).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
        (
            any::<usize>(),
            0..SNIPPETS.len(),
            prop_oneof![1usize..4, 1usize..5000]
        )
            .prop_map(|(at, snippet, times)| Mutation::Splice { at, snippet, times }),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len();
    let pos = |at: usize| if len == 0 { 0 } else { at % (len + 1) };
    match m {
        Mutation::Flip { at, bit } if len > 0 => bytes[at % len] ^= 1 << bit,
        Mutation::Flip { .. } => {}
        Mutation::Insert { at, bytes: new } => {
            let at = pos(*at);
            bytes.splice(at..at, new.iter().copied());
        }
        Mutation::Delete { at, len: n } => {
            let at = pos(*at);
            let end = (at + n).min(len);
            bytes.drain(at..end);
        }
        Mutation::Duplicate { at, len: n } => {
            let at = pos(*at);
            let end = (at + n).min(len);
            let piece = bytes[at..end].to_vec();
            bytes.splice(end..end, piece);
        }
        Mutation::Splice { at, snippet, times } => {
            let at = pos(*at);
            let piece = SNIPPETS[*snippet].repeat(*times);
            bytes.splice(at..at, piece.into_bytes());
        }
    }
}

// ------------------------------------------------------------------ the property

/// Every reader, the rules and the decision over one input; `Err` if the input cost more
/// time or memory than its size allows.
fn exercise(bytes: &[u8]) -> Result<(), String> {
    let model = model();
    let policy = Policy::default();
    let limits = Limits::default();
    let kb = bytes.len().div_ceil(1024).max(1);
    let started = Instant::now();
    let live_before = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(live_before));

    // The standard's messages: form, structure and rules, then the decision.
    let _ = sluis_core::validate(bytes, &limits);
    if let Ok(read) = intake::read(bytes, None, &limits) {
        if let Ok(Decision::Store(judged)) = model.decide(&read, &policy, today(), 1_000_000) {
            let _ = judged.routing();
        }
        // What a receiver gets reads again.
        sluis_core::parse(read.canonical.as_bytes(), &limits)
            .map_err(|e| format!("the canonical form does not read: {e}"))?;
    }
    // Sluis's own messages in both forms.
    for &kind in Kind::ALL.iter() {
        for format in [Format::Json, Format::Xml] {
            if let Ok(read) = intake::read_doelbereik(kind, format, bytes, |_| true) {
                let _ = model.decide(&read, &policy, today(), 1_000_001);
            }
        }
    }
    let _ = value_unique(bytes);

    let took = started.elapsed();
    let peak = PEAK.with(Cell::get).saturating_sub(live_before);
    // 50 ms per KB (debug), plus a fixed part for the small inputs.
    let time_bound = Duration::from_millis(100 + 50 * kb as u64);
    if took > time_bound {
        return Err(format!("{} bytes took {took:?}", bytes.len()));
    }
    // A document tree and its copies cost some tens of bytes per byte read; the fixed part
    // covers the model's views and the retourbericht.
    let memory_bound = 16 * 1024 * 1024 + 512 * bytes.len();
    if peak > memory_bound {
        return Err(format!("{} bytes took {peak} bytes of memory", bytes.len()));
    }
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        max_shrink_iters: 256,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_are_refused_or_read_never_a_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..4096),
    ) {
        exercise(&bytes).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn arbitrary_text_starting_like_a_message_is_bounded(
        text in "[<{][ -~\\n]{0,2000}",
    ) {
        exercise(text.as_bytes()).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn mutated_messages_are_bounded_and_never_panic(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let seeds = seeds();
        let mut bytes = seeds[seed.index(seeds.len())].clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        exercise(&bytes).map_err(TestCaseError::fail)?;
    }
}

/// Every valid seed passes the guard too, and its canonical form is a fixed point: written,
/// read and written again gives the same text (so receivers get a stable form).
#[test]
fn seeds_are_bounded_and_their_canonical_form_is_stable() {
    let limits = Limits::default();
    for seed in seeds() {
        exercise(seed).expect("within bounds");
        if let Ok(read) = intake::read(seed, None, &limits) {
            let again = intake::read(read.canonical.as_bytes(), None, &limits)
                .expect("the canonical form reads");
            assert_eq!(again.canonical, read.canonical);
        }
    }
}
