#!/usr/bin/env bash
# Differential check of the in-message rules against the official validation module.
#
# Every XML under fixtures/ and every official example is judged by
#   1. xmllint --schema (the message's own XSD): only XSD-valid messages are compared, because
#      the stylesheet is only meaningful on those;
#   2. the official rule stylesheet (xsltproc regels-{ijw,iwmo}-3.2.xsl): the set of rule
#      codes in its Rapport;
#   3. Sluis (`sluis validate --format json`): the set of rule codes of its findings, leaving
#      out XSD/READ findings and the cross-message and external rules the stylesheet does not
#      check (those are not part of `validate` either).
# Every message where the two sets differ is printed with the codes only one side reports.
# Exit status 1 when there is any disagreement (the conformance step of .ci/run fails then).
#
# Usage: tests/differential.sh [ISTANDAARDEN_DIR] [SLUIS_BINARY] [EXTRA_DIR ...]
# EXTRA_DIRs are searched for more *.xml (generated traffic, hand-made cases).
set -euo pipefail
ref=${1:-../shared/istandaarden}
sluis=${2:-target/release/sluis}
shift 2 || true
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

files=()
while IFS= read -r f; do files+=("$f"); done < <(
  { find fixtures -name '*.xml'; find "$ref"/ijw-3.2/voorbeelden "$ref"/iwmo-3.2/voorbeelden -name '*.xml'
    for d in "$@"; do find "$d" -name '*.xml'; done; } | sort)

compared=0; skipped=0; disagree=0
for f in "${files[@]}"; do
  # The message's namespace names its standard and message: …/ijw/3_2/jw301/schema.
  ns=$(python3 - "$f" <<'PY' 2>/dev/null || true
import sys, xml.etree.ElementTree as ET
try:
    tag = ET.parse(sys.argv[1]).getroot().tag
except Exception:
    sys.exit(0)
if tag.startswith("{"):
    parts = tag[1:].split("}")[0].split("/")
    if len(parts) > 5 and parts[4] == "3_2":
        print(parts[3], parts[5].upper())
PY
)
  if [ -z "$ns" ]; then skipped=$((skipped + 1)); continue; fi
  std=${ns% *}; code=${ns#* }
  xsd="$ref/$std-3.2/xsd/$code.xsd"; xsl="$ref/$std-3.2/xslt/regels-$std-3.2.xsl"
  if [ ! -f "$xsd" ] || ! xmllint --noout --schema "$xsd" "$f" >/dev/null 2>&1; then
    skipped=$((skipped + 1)); continue
  fi
  compared=$((compared + 1))
  xsltproc "$xsl" "$f" > "$tmp/rapport.xml" 2>/dev/null || true
  { "$sluis" validate --format json "$f" 2>/dev/null || true; } > "$tmp/sluis.json"
  verdict=$(python3 - "$tmp/rapport.xml" "$tmp/sluis.json" <<'PY'
import json, sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
    official = {e.text.strip() for e in root.iter() if e.tag.endswith("}Code") and e.text}
except Exception:
    official = {"<no Rapport>"}
try:
    report = json.load(open(sys.argv[2]))
    ours = {e["code"] for e in report.get("errors", []) if e["code"] not in ("XSD", "READ")}
except Exception:
    ours = {"<no JSON>"}
only_official = sorted(official - ours)
only_sluis = sorted(ours - official)
if only_official or only_sluis:
    print("stylesheet only: %s; sluis only: %s" % (",".join(only_official) or "-", ",".join(only_sluis) or "-"))
PY
)
  if [ -n "$verdict" ]; then
    disagree=$((disagree + 1))
    echo "DIFF $f: $verdict"
  fi
done
echo "differential: $compared messages compared, $disagree disagreements, $skipped skipped (not XSD-valid or not a 3.2 message)"
[ "$disagree" -eq 0 ]
