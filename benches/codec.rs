//! Parse + structural validation (+ JSON conversion) throughput. `cargo bench --bench codec`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

const JW305: &[u8] = include_bytes!("../fixtures/ijw-3.2/JW305/valid/twee-producten.xml");
const JW301: &[u8] = include_bytes!("../fixtures/ijw-3.2/JW301/valid/meerdere.xml");

fn codec(c: &mut Criterion) {
    let limits = sluis::Limits::default();
    let parsed = sluis::parse(JW305, &limits).expect("readable");
    assert!(
        parsed.structured.findings.is_empty(),
        "bench input must be valid"
    );
    let doc = parsed.structured.document;
    let json = sluis::codec::json::to_string(&doc);

    let mut g = c.benchmark_group("jw305");
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse_validate", |b| {
        b.iter(|| sluis::parse(black_box(JW305), &limits))
    });
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

    let mut g = c.benchmark_group("jw301");
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse_validate_json", |b| {
        b.iter(|| {
            let p = sluis::parse(black_box(JW301), &limits).expect("readable");
            sluis::codec::json::to_string(&p.structured.document)
        })
    });
    g.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
