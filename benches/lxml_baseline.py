#!/usr/bin/env python3
"""Baseline for the codec benchmark: parse + official XSD check in-process with libxml2 (lxml).

The same messages as `benches/codec.rs`, checked against the official XSDs, one core, best of
several rounds. Needs lxml (`pip install lxml`) and the official material beside the repository:

    python3 benches/lxml_baseline.py [../shared/istandaarden]

Prints messages per second per input; `docs/performance.md` compares them with Sluis's figures.
"""
import sys
import time
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
OFFICIAL = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "istandaarden"

INPUTS = [
    ("jw301", ROOT / "fixtures/bench/JW301.xml", "ijw-3.2/xsd/JW301.xsd"),
    ("jw323_100", ROOT / "fixtures/bench/JW323-100.xml", "ijw-3.2/xsd/JW323.xsd"),
    ("jw301_official", OFFICIAL / "ijw-3.2/voorbeelden/JW301.xml", "ijw-3.2/xsd/JW301.xsd"),
]


def rate(data: bytes, schema: etree.XMLSchema, seconds: float = 2.0) -> float:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    best = 0.0
    for _ in range(3):
        n = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            for _ in range(50):
                doc = etree.fromstring(data, parser)
                if not schema.validate(doc):
                    raise SystemExit("bench input is not XSD-valid")
            n += 50
        best = max(best, n / (time.perf_counter() - start))
    return best


def main() -> None:
    for name, message, xsd in INPUTS:
        schema = etree.XMLSchema(etree.parse(str(OFFICIAL / xsd)))
        per_s = rate(message.read_bytes(), schema)
        print(f"{name:16} {per_s:10.0f} messages/s  ({1e6 / per_s:8.1f} µs each)")


if __name__ == "__main__":
    main()
