//! Parse + structural validation (+ JSON conversion) throughput. `cargo bench --bench codec`.
//!
//! Inputs are our own messages (`fixtures/bench/`, made by `fixtures/bench/make.py`); when the
//! official material is beside the repository its JW301 example is measured too. The
//! `quick_xml_floor` case only pulls quick-xml's namespace-aware events through, the least any
//! reader built on it can cost.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

const JW305: &[u8] = include_bytes!("../fixtures/ijw-3.2/JW305/valid/twee-producten.xml");
const JW301: &[u8] = include_bytes!("../fixtures/bench/JW301.xml");
const JW323_100: &[u8] = include_bytes!("../fixtures/bench/JW323-100.xml");
const OFFICIAL_JW301: &str = "../shared/istandaarden/ijw-3.2/voorbeelden/JW301.xml";

fn quick_xml_floor(input: &str) -> usize {
    let mut reader = quick_xml::NsReader::from_str(input);
    let mut n = 0;
    loop {
        match reader.read_resolved_event() {
            Ok((_, quick_xml::events::Event::Eof)) | Err(_) => return n,
            Ok(_) => n += 1,
        }
    }
}

fn quick_xml_plain(input: &str) -> usize {
    let mut reader = quick_xml::Reader::from_str(input);
    let mut n = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) | Err(_) => return n,
            Ok(_) => n += 1,
        }
    }
}

fn message_group(c: &mut Criterion, name: &str, input: &[u8]) {
    let limits = sluis::Limits::default();
    let parsed = sluis::parse(input, &limits).expect("readable");
    assert!(
        parsed.structured.findings.is_empty(),
        "bench input {name} must be valid: {:?}",
        parsed.structured.findings
    );
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(1));
    let text = std::str::from_utf8(input).expect("UTF-8");
    g.bench_function("quick_xml_floor", |b| {
        b.iter(|| quick_xml_floor(black_box(text)))
    });
    g.bench_function("quick_xml_plain", |b| {
        b.iter(|| quick_xml_plain(black_box(text)))
    });
    g.bench_function("reader_only", |b| {
        b.iter(|| {
            let mut r = sluis::codec::xml::XmlReader::new(black_box(text), &limits);
            let mut n = 0;
            while let Ok(Some(_)) = r.next_event() {
                n += 1;
            }
            n
        })
    });
    g.bench_function("parse_validate", |b| {
        b.iter(|| sluis::parse(black_box(input), &limits))
    });
    g.bench_function("parse_validate_json", |b| {
        b.iter(|| {
            let p = sluis::parse(black_box(input), &limits).expect("readable");
            sluis::codec::json::to_string(&p.structured.document)
        })
    });
    // The whole verdict (structure and the standard's in-message rules), and the rules alone.
    g.bench_function("structure_and_rules", |b| {
        b.iter(|| sluis::validate(black_box(input), &limits))
    });
    // What the gateway does per message: the verdict, the retourbericht and its XML text.
    let ctx = sluis::RetourContext::new(
        "BENCH",
        sluis::standard::types::Datum::from_ymd(2026, 6, 1).expect("date"),
    );
    g.bench_function("validate_retour_xml", |b| {
        b.iter(|| {
            let v = sluis::validate(black_box(input), &limits).expect("readable");
            sluis::retour(&v, &ctx).map(|r| sluis::codec::xml::write(&r))
        })
    });
    let doc = parsed.structured.document;
    g.bench_function("rules_only", |b| {
        b.iter(|| sluis::validate::rules::check(black_box(&doc)))
    });
    g.finish();
}

fn codec(c: &mut Criterion) {
    message_group(c, "jw301", JW301);
    message_group(c, "jw323_100", JW323_100);
    if let Ok(official) = std::fs::read(OFFICIAL_JW301) {
        message_group(c, "jw301_official", &official);
    }

    let limits = sluis::Limits::default();
    let doc = sluis::parse(JW305, &limits)
        .expect("readable")
        .structured
        .document;
    let json = sluis::codec::json::to_string(&doc);
    let mut g = c.benchmark_group("jw305");
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse_validate_json", |b| {
        b.iter(|| {
            let p = sluis::parse(black_box(JW305), &limits).expect("readable");
            sluis::codec::json::to_string(&p.structured.document)
        })
    });
    g.bench_function("to_xml", |b| {
        b.iter(|| sluis::codec::xml::write(black_box(&doc)))
    });
    g.bench_function("json_in", |b| {
        b.iter(|| sluis::parse(black_box(json.as_bytes()), &limits))
    });
    g.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
