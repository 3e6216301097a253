#!/usr/bin/env bash
# Conformance against the official iJw/iWmo 3.2 material (run by .ci/run when ../shared exists).
#  1. Every official example is classified (valid / invalid) exactly as `xmllint --schema` does.
#  2. Every XSD-valid example survives XML -> JSON -> XML: the result is XSD-valid and equal to
#     the original element for element (namespace, name, text), and JSON -> XML -> JSON is stable.
#  3. Every valid fixture Sluis ships is XSD-valid by xmllint; every invalid one is refused by it;
#     every rule fixture (fixtures/rules/, pass and fail alike) is XSD-valid.
#  4. Every retourbericht Sluis writes (for the official examples and for all our fixtures that
#     are heenberichten and XSD-valid) is XSD-valid by xmllint against the answer's own XSD.
# Step 1 compares Sluis's structure verdict (XSD and READ findings), not its rule findings: xmllint
# knows nothing of the standard's rules.
# Usage: tests/conformance.sh [ISTANDAARDEN_DIR] [SLUIS_BINARY]
set -euo pipefail
ref=${1:-../shared/istandaarden}
sluis=${2:-target/release/sluis}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0; checked=0

same_tree() {  # element-for-element comparison, whitespace between elements ignored
  python3 - "$1" "$2" <<'PY'
import sys, xml.etree.ElementTree as ET
def norm(e):
    text = (e.text or "").strip() if len(e) else (e.text or "")
    return (e.tag, text, [norm(c) for c in e])
a, b = (norm(ET.parse(p).getroot()) for p in sys.argv[1:3])
sys.exit(0 if a == b else 1)
PY
}

for std in ijw-3.2 iwmo-3.2; do
  for f in "$ref/$std"/voorbeelden/*.xml; do
    n=$(basename "$f" .xml); xsd="$ref/$std/xsd/$n.xsd"
    checked=$((checked + 1))
    if xmllint --noout --schema "$xsd" "$f" 2>/dev/null; then x=valid; else x=invalid; fi
    s=$({ "$sluis" validate --format json "$f" || true; } | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("invalid" if any(e["code"] in ("XSD", "READ") for e in d["errors"]) else "valid")')
    if [ "$x" != "$s" ]; then echo "FAIL $std/$n: xmllint says $x, sluis says $s"; fail=$((fail + 1)); continue; fi
    if [ "$x" = valid ]; then
      "$sluis" convert --to json "$f" > "$tmp/a.json"
      "$sluis" convert --to xml "$tmp/a.json" > "$tmp/b.xml"
      "$sluis" convert --to json "$tmp/b.xml" > "$tmp/c.json"
      if ! xmllint --noout --schema "$xsd" "$tmp/b.xml" 2>/dev/null; then echo "FAIL $std/$n: round-tripped XML is not XSD-valid"; fail=$((fail + 1)); fi
      if ! same_tree "$f" "$tmp/b.xml"; then echo "FAIL $std/$n: XML -> JSON -> XML differs from the original"; fail=$((fail + 1)); fi
      if ! cmp -s "$tmp/a.json" "$tmp/c.json"; then echo "FAIL $std/$n: JSON -> XML -> JSON differs"; fail=$((fail + 1)); fi
    fi
    echo "ok   $std/$n ($x)"
  done
done

# Our own fixtures against the official XSDs.
for f in fixtures/*/*/valid/*.xml fixtures/*/*/invalid/*.xml; do
  [ -e "$f" ] || continue
  std=$(echo "$f" | cut -d/ -f2); code=$(echo "$f" | cut -d/ -f3)
  checked=$((checked + 1))
  if xmllint --noout --schema "$ref/$std/xsd/$code.xsd" "$f" 2>/dev/null; then x=valid; else x=invalid; fi
  case "$f" in */valid/*) want=valid ;; *) want=invalid ;; esac
  if [ "$x" != "$want" ]; then echo "FAIL $f: xmllint says $x"; fail=$((fail + 1)); fi
done

# The rule fixtures break a rule, never the XSD.
for f in fixtures/rules/*/*.xml; do
  [ -e "$f" ] || continue
  code=$(basename "$f" .xml); code=${code##*-}; code=$(echo "$code" | tr '[:lower:]' '[:upper:]')
  case "$code" in JW*) std=ijw-3.2 ;; *) std=iwmo-3.2 ;; esac
  checked=$((checked + 1))
  if ! xmllint --noout --schema "$ref/$std/xsd/$code.xsd" "$f" 2>/dev/null; then echo "FAIL $f: not XSD-valid"; fail=$((fail + 1)); fi
done

# The retourberichten Sluis writes.
retours=0
# target/tmp/retour-samples/ holds the answers tests/retour.rs wrote (rejected clients and
# prestaties with their codes: the cases no fixture reaches without the message history).
for f in "$ref"/*/voorbeelden/*.xml fixtures/*/*/valid/*.xml fixtures/rules/*/*.xml fixtures/bench/*.xml target/tmp/retour-samples/*.xml; do
  [ -e "$f" ] || continue
  case "$f" in
    target/tmp/retour-samples/*) cp "$f" "$tmp/r.xml" ;;
    # Exit 1 means the standard gives no retourbericht (XSD-invalid, or itself a retourbericht).
    *) if ! "$sluis" retour --dagtekening 2026-11-23 "$f" > "$tmp/r.xml" 2>/dev/null; then continue; fi ;;
  esac
  answer=$(python3 -c '
import sys, xml.etree.ElementTree as ET
ns = ET.parse(sys.argv[1]).getroot().tag[1:].split("}")[0]
parts = ns.split("/")
print(("ijw-3.2" if parts[3] == "ijw" else "iwmo-3.2") + " " + parts[5].upper())' "$tmp/r.xml")
  std=${answer% *}; code=${answer#* }
  checked=$((checked + 1)); retours=$((retours + 1))
  if ! xmllint --noout --schema "$ref/$std/xsd/$code.xsd" "$tmp/r.xml" 2>"$tmp/err"; then
    echo "FAIL $f: its retourbericht $code is not XSD-valid"; head -3 "$tmp/err"; fail=$((fail + 1))
  fi
done
echo "retourberichten checked: $retours"

echo "conformance: $((checked - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
