#!/usr/bin/env bash
# The generated year (issue #12) against the official material (run by .ci/run when ../shared
# exists): `sluis jaar genereer` writes the year; every clean message must be XSD-valid
# (xmllint --schema) and have no Fout in the official rule stylesheet's report (xsltproc);
# every fault message must be XSD-valid (its fault lies in the history, not in the message).
# Usage: tests/jaar-conformance.sh SHARED_DIR SLUIS_BINARY [extra `jaar genereer` flags]
set -euo pipefail
ref=${1:-../shared/istandaarden}
sluis=${2:-target/release/sluis}
shift 2 || true
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$sluis" jaar genereer --uit "$tmp/jaar" "$@" >/dev/null

check() {  # file expectation -> prints "bad file why" on disagreement
  local ref=$1 f=$2 verwacht=$3 name std dir
  name=$(basename "$f" .xml); name=${name#*-}
  case $name in JW*) std=ijw;; *) std=iwmo;; esac
  dir=$ref/$std-3.2
  if ! xmllint --noout --schema "$dir/xsd/$name.xsd" "$f" >/dev/null 2>&1; then
    echo "bad $f xsd"; return
  fi
  if [ "$verwacht" = ok ]; then
    local n
    n=$(xsltproc "$dir/xslt/regels-$std-3.2.xsl" "$f" 2>/dev/null | grep -c '<[a-z0-9]*:Fout>' || true)
    if [ "$n" != 0 ]; then
      codes=$(xsltproc "$dir/xslt/regels-$std-3.2.xsl" "$f" 2>/dev/null | grep -o '<[a-z0-9]*:Code>[^<]*' | sed 's/.*>//' | sort -u | tr '\n' ' ')
      echo "bad $f stylesheet: $codes"
    fi
  fi
}
export -f check
tail -n +2 "$tmp/jaar/verwacht.csv" | while IFS=, read -r file _ _ verwacht; do
  printf '%s\0%s\0%s\0' "$ref" "$tmp/jaar/$file" "$verwacht"
done | xargs -0 -n3 -P"$(nproc)" bash -c 'check "$@"' _ >"$tmp/bad" || true

total=$(($(wc -l <"$tmp/jaar/verwacht.csv") - 1))
faults=$(tail -n +2 "$tmp/jaar/verwacht.csv" | grep -vc ',ok$' || true)
bad=$(wc -l <"$tmp/bad")
echo "jaar-conformance: $total berichten, $((total - faults)) schoon, $faults met een fout, $bad oneens"
if [ "$bad" != 0 ]; then
  sed 's|'"$tmp"'/jaar/||' "$tmp/bad" | head -40
  exit 1
fi
