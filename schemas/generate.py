#!/usr/bin/env python3
"""Generate Sluis's schema tables and JSON Schemas from the official iJw/iWmo 3.2 XSDs.

Usage:  python3 schemas/generate.py [XSD_DIR] [--out DIR]
        (normally through `cargo xtask codegen`, docs/architecture.md "Generated code")

XSD_DIR defaults to ../shared/istandaarden beside the repository. Writes below DIR (default: the
repository; `cargo xtask codegen --check` passes a scratch directory), all committed, all free of
the XSDs' documentation text:
  crates/sluis-core/src/standard/schema/{ijw,iwmo}.rs   static structure tables
  schemas/ijw-3.2/*.schema.json, schemas/iwmo-3.2/*.schema.json   JSON Schemas (draft 2020-12)
The output depends on the XSDs only (sorted, no dates), so regenerating gives the same bytes.

Only facts are carried over: element names, order, cardinality, base types and facets.
The XSD subset used by the standard is small (xs:sequence, simpleType restrictions with
enumeration/pattern/length/range facets); anything outside it stops the generator, so a
future XSD change cannot be silently mistranslated.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

XS = "{http://www.w3.org/2001/XMLSchema}"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Our own one-line descriptions of the messages (not taken from the standard's text).
PURPOSE = {
    "301": "toewijzing: the municipality assigns care products to a provider",
    "302": "retour on a toewijzing",
    "305": "start of care on a toewijzing",
    "306": "retour on a start",
    "307": "stop of care on a toewijzing",
    "308": "retour on a stop",
    "315": "request by a provider for a toewijzing",
    "316": "retour on a request for a toewijzing",
    "317": "request by a provider to change a toewijzing",
    "318": "retour on a change request",
    "319": "the municipality's answer to a request",
    "320": "retour on an answer",
    "323": "declaratie of delivered prestaties",
    "325": "answer to a declaratie, per prestatie",
}

# XSD patterns the standard uses, mapped to the matcher that implements each exactly
# (see crates/sluis-core/src/standard/schema/model.rs) and to an equivalent ECMA-262 regex for JSON Schema.
# XSD regexes are implicitly anchored; XSD '.' excludes only \n and \r; XSD '\s' is [ \t\n\r].
KNOWN_PATTERNS = {
    r".*[^\s].*": ("Pattern::NonBlankLine", r"^[^\n\r]*[^ \t\n\r][^\n\r]*$"),
    r"([.\s]*\S+[.\s]*)+": ("Pattern::NonBlankText", r"^[\s\S]*[^ \t\n\r][\s\S]*$"),
    r"[^:Z]*": ("Pattern::NoColonOrZ", r"^[^:Z]*$"),
    r"[^Z+-]+": ("Pattern::NoZoneSign", r"^[^Z+\-]+$"),
    r"[0-9]*": ("Pattern::DigitsAny", r"^[0-9]*$"),
    r"([a-zA-ZÀ-ỳ])+": ("Pattern::Letters", r"^[a-zA-ZÀ-ỳ]+$"),
    r"([a-zA-Z0-9])+": ("Pattern::Alphanumeric", r"^[a-zA-Z0-9]+$"),
    r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)": (
        "Pattern::Version",
        r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$",
    ),
}


def pattern_of(p):
    if p in KNOWN_PATTERNS:
        return KNOWN_PATTERNS[p]
    m = re.fullmatch(r"\[0-9\]\{(\d+)\}", p)
    if m:
        return (f"Pattern::Digits({m.group(1)})", f"^[0-9]{{{m.group(1)}}}$")
    if re.fullmatch(r"[0-9A-Za-z]+", p):
        return (f'Pattern::Literal("{p}")', f"^{p}$")
    sys.exit(f"generate.py: unknown XSD pattern {p!r}: add a matcher for it")


BASES = {"xs:string": "String", "xs:integer": "Integer", "xs:date": "Date", "xs:time": "Time"}


class Simple:
    """A flattened simple type: base plus the facets of every derivation step."""

    def __init__(self, name, base, facets, patterns, enums):
        self.name, self.base, self.facets, self.patterns, self.enums = name, base, facets, patterns, enums


def read_restriction(r, std, simples, name):
    base = r.get("base")
    if base in BASES:
        parent = Simple(name, BASES[base], {}, [], [])
    else:
        prefix, local = base.split(":")
        parent = simples[local]
    facets = dict(parent.facets)
    patterns = list(parent.patterns)
    enums = list(parent.enums)
    step_patterns, step_enums = [], []
    for c in r:
        tag = c.tag.replace(XS, "")
        v = c.get("value")
        if tag == "annotation":
            continue
        if tag == "pattern":
            step_patterns.append(v)
        elif tag == "enumeration":
            step_enums.append(v)
        elif tag in ("minLength", "maxLength", "minInclusive", "maxInclusive"):
            facets[tag] = int(v)
        else:
            sys.exit(f"generate.py: unsupported facet {tag} in {name}")
    if len(step_patterns) > 1:
        sys.exit(f"generate.py: several patterns in one step of {name}")
    patterns += step_patterns  # patterns of different derivation steps must all match
    if step_enums:
        enums = step_enums  # a restriction's enumeration narrows its parent's
    return Simple(name, parent.base, facets, patterns, enums)


def rust_ident(s):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", s).upper()


class Std:
    def __init__(self, key, folder, prefix, msg_prefix):
        self.key, self.folder, self.prefix, self.msg_prefix = key, folder, prefix, msg_prefix
        self.simples = {}  # name -> Simple (basisschema)
        self.complexes = {}  # name -> list of fields (basisschema)
        self.messages = []


def parse_base(std, path):
    root = ET.parse(path).getroot()
    std.base_ns = root.get("targetNamespace")
    pending = [st for st in root.findall(XS + "simpleType")]
    # simple types only derive from xs: built-ins in the basisschema
    for st in pending:
        name = st.get("name")
        std.simples[name] = read_restriction(st.find(XS + "restriction"), std, std.simples, name)
    for ct in root.findall(XS + "complexType"):
        std.complexes[ct.get("name")] = read_sequence(ct, std, None, ct.get("name"))
    check_only(root, {"annotation", "simpleType", "complexType"})


def check_only(root, allowed):
    for c in root:
        tag = c.tag.replace(XS, "")
        if tag not in allowed:
            sys.exit(f"generate.py: unsupported top-level {tag}")


def read_sequence(ct, std, msg, owner):
    kids = [c for c in ct if c.tag != XS + "annotation"]
    if len(kids) != 1 or kids[0].tag != XS + "sequence":
        sys.exit(f"generate.py: {owner} is not a plain sequence")
    fields = []
    for e in kids[0]:
        if e.tag == XS + "annotation":
            continue
        if e.tag != XS + "element":
            sys.exit(f"generate.py: {owner} has {e.tag}")
        name = e.get("name")
        mn = int(e.get("minOccurs", "1"))
        mx = e.get("maxOccurs", "1")
        mx = None if mx == "unbounded" else int(mx)
        t = e.get("type")
        if t is None:
            st = e.find(XS + "simpleType")
            if st is None:
                sys.exit(f"generate.py: {owner}/{name} has no type")
            inline_name = f"{owner}_{name}"
            simple = read_restriction(st.find(XS + "restriction"), std, std.simples, inline_name)
            (msg or std).inline[inline_name] = simple
            ty = ("simple", inline_name)
        else:
            prefix, local = t.split(":")
            if local in std.simples:
                ty = ("simple", local)
            elif prefix == std.prefix:
                ty = ("complex", local)
            else:
                ty = ("local", local)
        fields.append((name, mn, mx, ty))
    return fields


class Msg:
    def __init__(self, code):
        self.code = code
        self.inline = {}
        self.complexes = {}


def parse_message(std, path, code):
    root = ET.parse(path).getroot()
    msg = Msg(code)
    msg.ns = root.get("targetNamespace")
    check_only(root, {"annotation", "import", "element", "complexType"})
    for ct in root.findall(XS + "complexType"):
        msg.complexes[ct.get("name")] = read_sequence(ct, std, msg, f"{code}_{ct.get('name')}")
    top = root.find(XS + "element")
    assert top.get("name") == "Bericht"
    msg.root = top.get("type").split(":")[1]
    code_simple = msg.inline[f"{code}_Header_BerichtCode"]
    msg.berichtcode = code_simple.patterns[-1]
    # The versions the XSD declares of itself (its appinfo): what a retourbericht reports in
    # XsdVersieRetour for the schemas Sluis checks with.
    info = {e.tag.split("}")[-1]: (e.text or "").strip() for e in root.iter() if e.tag.endswith("XsdVersie")}
    msg.xsd_versie = info["BerichtXsdVersie"]
    msg.basis_xsd_versie = info["BasisschemaXsdVersie"]
    std.messages.append(msg)


# ---------------------------------------------------------------- Rust output

def rs_simple(ident, s, sensitive):
    f = s.facets

    def opt(k):
        return f"Some({f[k]})" if k in f else "None"

    pats = ", ".join(pattern_of(p)[0] for p in s.patterns)
    enums = ", ".join(json.dumps(v, ensure_ascii=False) for v in sorted(s.enums))
    return (
        f"pub static {ident}: SimpleType = SimpleType {{\n"
        f"    name: {json.dumps(s.name)},\n"
        f"    base: Base::{s.base},\n"
        f"    min_length: {opt('minLength')},\n"
        f"    max_length: {opt('maxLength')},\n"
        f"    min_inclusive: {opt('minInclusive')},\n"
        f"    max_inclusive: {opt('maxInclusive')},\n"
        f"    patterns: &[{pats}],\n"
        f"    enumeration: &[{enums}],\n"
        f"    sensitive: {'true' if sensitive else 'false'},\n"
        f"}};\n"
    )


def write_rust(std, label, out_root):
    out = [
        f"// @generated by `cargo xtask codegen` (schemas/generate.py) from the official {label} XSDs.",
        "// Structure facts only (names, order, cardinality, types, facets). Do not edit by hand.",
        "",
        "use super::model::*;",
        "",
    ]
    simple_ident = {}

    def sid(name, msg=None):
        key = (msg.code if msg and name in msg.inline else None, name)
        return simple_ident[key]

    for name, s in sorted(std.simples.items()):
        ident = rust_ident(name)
        simple_ident[(None, name)] = ident
        out.append(rs_simple(ident, s, name == "LDT_BurgerServicenummer"))

    def fields_rs(fields, msg, ns):
        parts = []
        for (name, mn, mx, ty) in fields:
            kind, ref = ty
            if kind == "simple":
                t = f"Type::Simple(&{sid(ref, msg)})"
            elif kind == "complex":
                t = f"Type::Complex(&{rust_ident(ref)})"
            else:
                t = f"Type::Complex(&{msg.code}_{rust_ident(ref)})"
            mx_rs = "UNBOUNDED" if mx is None else str(mx)
            parts.append(f"        Field {{ name: {json.dumps(name)}, min: {mn}, max: {mx_rs}, ty: {t} }},")
        return "\n".join(parts)

    for name, fields in sorted(std.complexes.items()):
        out.append(
            f"pub static {rust_ident(name)}: ComplexType = ComplexType {{\n"
            f"    name: {json.dumps(name)},\n    ns: Ns::Base,\n    fields: &[\n{fields_rs(fields, None, 'Base')}\n    ],\n}};\n"
        )
    for msg in std.messages:
        for name, s in sorted(msg.inline.items()):
            ident = f"{msg.code}_{rust_ident(name.split('_', 1)[1])}"
            simple_ident[(msg.code, name)] = ident
            out.append(rs_simple(ident, s, False))
        for name, fields in msg.complexes.items():
            out.append(
                f"pub static {msg.code}_{rust_ident(name)}: ComplexType = ComplexType {{\n"
                f"    name: {json.dumps(name)},\n    ns: Ns::Message,\n    fields: &[\n{fields_rs(fields, msg, 'Message')}\n    ],\n}};\n"
            )
    out.append(f"pub static MESSAGES: [MessageSchema; {len(std.messages)}] = [")
    for msg in std.messages:
        out.append(
            f"    MessageSchema {{\n        code: {json.dumps(msg.code)},\n        berichtcode: {json.dumps(msg.berichtcode)},\n"
            f"        namespace: {json.dumps(msg.ns)},\n        prefix: {json.dumps(msg.code.lower())},\n"
            f"        purpose: {json.dumps(PURPOSE[msg.code[-3:]])},\n"
            f"        xsd_versie: {json.dumps(msg.xsd_versie)},\n"
            f"        basis_xsd_versie: {json.dumps(msg.basis_xsd_versie)},\n"
            f"        root: &{msg.code}_{rust_ident(msg.root)},\n        standard: &STANDARD,\n    }},"
        )
    out.append("];\n")
    out.append(
        f"pub static STANDARD: Standard = Standard {{\n    key: {json.dumps(std.key)},\n    folder: {json.dumps(std.folder)},\n"
        f"    base_namespace: {json.dumps(std.base_ns)},\n    base_prefix: {json.dumps(std.prefix)},\n    messages: &MESSAGES,\n}};\n"
    )
    path = os.path.join(out_root, "crates", "sluis-core", "src", "standard", "schema", f"{std.key}.rs")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(out))
    # Committed code is rustfmt-clean (as `cargo fmt` leaves it), so regenerating gives no
    # spurious diff. The repository has no rustfmt.toml: the defaults, whatever DIR is.
    subprocess.run(["rustfmt", "--edition", "2021", path], check=True)


# ---------------------------------------------------------------- JSON Schema output

def js_simple(s):
    f = s.facets
    if s.base == "Integer":
        d = {"type": "integer"}
        if "minInclusive" in f:
            d["minimum"] = f["minInclusive"]
        if "maxInclusive" in f:
            d["maximum"] = f["maxInclusive"]
        # A fixed-value pattern on an integer (BerichtVersie `3`) is an exact value.
        literals = [p for p in s.patterns if re.fullmatch(r"[0-9]+", p)]
        if literals:
            d["enum"] = [int(literals[-1])]
        return d
    d = {"type": "string"}
    if s.base == "Date":
        d["format"] = "date"
        d["pattern"] = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
        return d
    if s.base == "Time":
        d["pattern"] = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?$"
        return d
    if s.enums:
        d["enum"] = sorted(s.enums)
    if "minLength" in f:
        d["minLength"] = f["minLength"]
    if "maxLength" in f:
        d["maxLength"] = f["maxLength"]
    pats = [pattern_of(p)[1] for p in s.patterns]
    if len(pats) == 1:
        d["pattern"] = pats[0]
    elif pats:
        d["allOf"] = [{"pattern": p} for p in pats]
    return d


def list_item(fields):
    """A complex type that only wraps one repeated element is a JSON array of that element."""
    if len(fields) == 1 and fields[0][2] is None:
        return fields[0]
    return None


def write_json_schemas(std, folder_label, out_root):
    for msg in std.messages:
        defs = {}

        def ref_simple(name):
            s = msg.inline.get(name) or std.simples[name]
            if name not in defs:
                defs[name] = js_simple(s)
            return {"$ref": f"#/$defs/{name}"}

        def ref_complex(kind, name):
            fields = std.complexes[name] if kind == "complex" else msg.complexes[name]
            key = name if kind == "complex" else f"{msg.code}_{name}"
            if key not in defs:
                defs[key] = None  # reserve (no recursion in the standard, but be safe)
                defs[key] = complex_schema(fields)
            return {"$ref": f"#/$defs/{key}"}

        def type_ref(ty):
            kind, name = ty
            return ref_simple(name) if kind == "simple" else ref_complex(kind, name)

        def complex_schema(fields):
            item = list_item(fields)
            if item:
                return {"type": "array", "minItems": max(item[1], 1) if item[1] else 0, "items": type_ref(item[3])}
            props, required = {}, []
            for (name, mn, mx, ty) in fields:
                if mx is None or mx > 1:
                    sub = {"type": "array", "items": type_ref(ty)}
                    if mn:
                        sub["minItems"] = mn
                    if mx:
                        sub["maxItems"] = mx
                    props[name] = sub
                else:
                    props[name] = type_ref(ty)
                if mn >= 1:
                    required.append(name)
            d = {"type": "object", "additionalProperties": False, "properties": props}
            if required:
                d["required"] = required
            return d

        root_fields = msg.complexes[msg.root]
        body = complex_schema(root_fields)
        body["properties"] = {"bericht": {"const": msg.code}, **body["properties"]}
        body["required"] = ["bericht"] + body.get("required", [])
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"urn:sluis:{std.folder}:{msg.code}",
            "title": f"{msg.code} ({folder_label})",
            "description": f"Sluis JSON form of {msg.code}, {PURPOSE[msg.code[-3:]]}. Generated from the XSD by schemas/generate.py.",
            **body,
            "$defs": dict(sorted(defs.items())),
        }
        path = os.path.join(out_root, "schemas", std.folder, f"{msg.code}.schema.json")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            json.dump(schema, fh, indent=2, ensure_ascii=False)
            fh.write("\n")


def main():
    ap = argparse.ArgumentParser(description="Schema tables and JSON Schemas from the official XSDs.")
    ap.add_argument("xsd_dir", nargs="?", default=os.path.join(ROOT, "..", "shared", "istandaarden"))
    ap.add_argument("--out", default=ROOT, help="root to write below (default: the repository)")
    args = ap.parse_args()
    src, out_root = args.xsd_dir, args.out
    if not os.path.isdir(src):
        sys.exit(f"generate.py: no official material at {src}")
    for key, folder, prefix, mprefix, label in (
        ("ijw", "ijw-3.2", "ijw", "JW", "iJw 3.2"),
        ("iwmo", "iwmo-3.2", "iwmo", "WMO", "iWmo 3.2"),
    ):
        std = Std(key, folder, prefix, mprefix)
        std.inline = {}
        xsd = os.path.join(src, folder, "xsd")
        parse_base(std, os.path.join(xsd, "basisschema.xsd"))
        for n in ("301", "302", "305", "306", "307", "308", "315", "316", "317", "318", "319", "320", "323", "325"):
            parse_message(std, os.path.join(xsd, f"{mprefix}{n}.xsd"), f"{mprefix}{n}")
        write_rust(std, label, out_root)
        write_json_schemas(std, label, out_root)
    print(f"generated below {out_root}: crates/sluis-core/src/standard/schema/{{ijw,iwmo}}.rs and schemas/{{ijw,iwmo}}-3.2/*.schema.json")


if __name__ == "__main__":
    main()
