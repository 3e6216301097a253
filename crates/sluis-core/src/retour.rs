//! Retourberichten: the answer the standard prescribes for a heenbericht, built from its verdict.
//!
//! What goes into a retourbericht depends on the level at which something was found
//! (invulinstructies IV028/IV032 for the retourberichten, IV087/IV088 for the declaratie-antwoord):
//!
//! | found | retourbericht (302, 306 …) | declaratie-antwoord (325) |
//! |---|---|---|
//! | nothing | Header only, no RetourCodes | Header `0200`, DeclaratieAntwoord `8001`, all granted |
//! | XSD errors (level 1) | none: the sender gets an error instead | none |
//! | in-message rules (level 2, retourcode `0001`) | Header `0001` + XsltVersie | the same |
//! | a rule with its own code in the Header (level 3/4) | Header with that code | the same |
//! | … in the Declaratie itself | — | Header `0200`, DeclaratieAntwoord with the code, nothing granted |
//! | … below the Header | Header `0200`; each Client with a finding, with all its berichtklassen: the code, `0233` below a rejected one, else `0200` | Header and DeclaratieAntwoord `0200`; clients with a finding; a rejected client's prestaties `0233`, else only the rejected prestaties |
//!
//! Pure: the identificatie and dagtekening of the retourbericht come from the caller.

use crate::finding::Retourcode;
use crate::standard::schema::{self, ComplexType, Field, MessageSchema, Type};
use crate::standard::types::Datum;
use crate::standard::{Content, Document, Element, Value};
use crate::validate::structure::{check_value, push_step};
use crate::validate::Verdict;
use crate::validate::{Finding, XSD};
use thiserror::Error;

// The named retourcodes (`crate::finding::Retourcode`), under the names this module has always
// given them.
pub const GEEN_OPMERKING: &str = Retourcode::GEEN_OPMERKING;
pub const NIET_BEOORDEELD: &str = Retourcode::NIET_BEOORDEELD;
pub const TECHNISCH_AFGEKEURD: &str = Retourcode::TECHNISCH_AFGEKEURD;
pub const VOLLEDIG_TOEGEWEZEN: &str = Retourcode::VOLLEDIG_TOEGEWEZEN;

/// The version of the in-message rule set Sluis checks with, reported as `XsltVersie` when a
/// message is rejected on those rules (IV033).
pub const XSLT_VERSIE: &str = "1.0.0";

/// What the caller decides about the retourbericht itself.
#[derive(Debug, Clone)]
pub struct RetourContext {
    /// `IdentificatieRetour` (or the 325's own `Identificatie`): unique for Sluis as sender,
    /// at most 12 characters.
    pub identificatie: String,
    /// `DagtekeningRetour` (or the 325's own `Dagtekening`).
    pub dagtekening: Datum,
    pub xslt_versie: String,
}

impl RetourContext {
    pub fn new(identificatie: impl Into<String>, dagtekening: Datum) -> Self {
        RetourContext {
            identificatie: identificatie.into(),
            dagtekening,
            xslt_versie: XSLT_VERSIE.into(),
        }
    }
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RetourError {
    #[error("{0} is zelf een retourbericht; daar hoort geen retourbericht bij")]
    NotAHeenbericht(&'static str),
    #[error(
        "het bericht voldoet niet aan het XSD ({0} fout(en)); de standaard stuurt dan geen \
         retourbericht maar een foutmelding aan de afzender"
    )]
    StructureInvalid(usize),
    #[error("{field} van het retourbericht: {message}")]
    Field {
        field: &'static str,
        message: String,
    },
}

/// The retourbericht for a judged heenbericht.
pub fn retour(verdict: &Verdict, ctx: &RetourContext) -> Result<Document, RetourError> {
    let heen = &verdict.document;
    let xsd_errors = verdict.findings.iter().filter(|f| f.code == XSD).count();
    if xsd_errors > 0 {
        return Err(RetourError::StructureInvalid(xsd_errors));
    }
    let target = answer_to(heen.schema).ok_or(RetourError::NotAHeenbericht(heen.code()))?;
    let outcome = Outcome::of(&verdict.findings);
    let b = Builder { target, ctx, heen };
    if target.code.ends_with("325") {
        b.declaratie_antwoord(&outcome)
    } else {
        b.retourbericht(&outcome)
    }
}

/// The message that answers `heen` in the same standard (JW301 → JW302, WMO323 → WMO325).
pub fn answer_to(heen: &MessageSchema) -> Option<&'static MessageSchema> {
    let number: u16 = heen
        .code
        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .parse()
        .ok()?;
    let answer = match number {
        301 | 305 | 307 | 315 | 317 | 319 => number + 1,
        323 => 325,
        _ => return None,
    };
    let prefix = heen.code.trim_end_matches(|c: char| c.is_ascii_digit());
    schema::by_code(&format!("{prefix}{answer}"))
}

/// The findings sorted by level.
enum Outcome<'f> {
    Clean,
    /// In-message rules failed: only the header goes back, with `0001`.
    InMessage,
    /// Rules with their own retourcode, each at the path where it was found.
    Coded(Vec<(&'f str, &'static str)>),
}

impl<'f> Outcome<'f> {
    fn of(findings: &'f [Finding]) -> Self {
        if findings.is_empty() {
            return Outcome::Clean;
        }
        let level2 = |f: &Finding| f.retourcode.is_none_or(|c| c == TECHNISCH_AFGEKEURD);
        if findings.iter().any(level2) {
            return Outcome::InMessage;
        }
        Outcome::Coded(
            findings
                .iter()
                .filter_map(|f| Some((f.path.as_str(), f.retourcode?)))
                .collect(),
        )
    }
}

const HEADER: &str = "/Bericht/Header";

/// Whether `path` lies at or below `class` (`/Bericht/Client` covers `/Bericht/Client/Bsn`).
fn within(path: &str, class: &str) -> bool {
    path.strip_prefix(class)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The retourcodes of each berichtklasse: every coded finding belongs to the deepest
/// berichtklasse (an element whose answer type has `RetourCodes`) that holds its path.
struct Codes {
    classes: Vec<(String, Vec<&'static str>)>,
}

impl Codes {
    fn new(heen: &Document, root: &'static ComplexType, coded: &[(&str, &'static str)]) -> Self {
        let mut classes = Vec::new();
        let mut path = String::from("/Bericht");
        collect_classes(&heen.children, root, &mut path, &mut classes);
        // The header is always a berichtklasse, first in the list.
        classes.retain(|(c, _)| c != HEADER);
        classes.insert(0, (HEADER.to_string(), Vec::new()));
        for &(at, code) in coded {
            let class = classes
                .iter_mut()
                .filter(|(c, _)| within(at, c))
                .max_by_key(|(c, _)| c.len());
            // A finding outside every berichtklasse concerns the message as a whole: the header.
            let codes = match class {
                Some((_, codes)) => codes,
                None => &mut classes[0].1,
            };
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        Codes { classes }
    }

    fn own(&self, class: &str) -> &[&'static str] {
        self.classes
            .iter()
            .find(|(c, _)| c == class)
            .map_or(&[], |(_, codes)| codes.as_slice())
    }

    /// Whether anything at or below `path` was rejected.
    fn rejected_within(&self, path: &str) -> bool {
        self.classes
            .iter()
            .any(|(c, codes)| !codes.is_empty() && within(c, path))
    }
}

fn collect_classes(
    heen: &[Element],
    ct: &'static ComplexType,
    path: &mut String,
    out: &mut Vec<(String, Vec<&'static str>)>,
) {
    for field in ct.fields {
        let Type::Complex(sub) = field.ty else {
            continue;
        };
        // The declaratie-antwoord answers the Declaratie berichtklasse of the 323.
        let name = match field.name {
            "DeclaratieAntwoord" => "Declaratie",
            n => n,
        };
        for (i, e) in heen.iter().filter(|e| e.name() == name).enumerate() {
            let len = path.len();
            push_step(path, e.field, i + 1);
            if sub.field("RetourCodes").is_some() {
                out.push((path.clone(), Vec::new()));
            }
            collect_classes(e.children(), sub, path, out);
            path.truncate(len);
        }
    }
}

struct Builder<'a> {
    target: &'static MessageSchema,
    ctx: &'a RetourContext,
    heen: &'a Document,
}

/// How berichtklassen are copied into the answer.
struct Copy<'c> {
    codes: Option<&'c Codes>,
    /// Leave out clients without findings (OP065) and, in a 325, prestaties without findings.
    only_rejected: bool,
}

impl Builder<'_> {
    fn root_field(&self, name: &'static str) -> Result<&'static Field, RetourError> {
        self.target.root.field(name).ok_or(RetourError::Field {
            field: name,
            message: format!("komt niet voor in {}", self.target.code),
        })
    }

    fn header_of_heen(&self) -> &[Element] {
        self.heen
            .children
            .iter()
            .find(|e| e.name() == "Header")
            .map_or(&[], |h| h.children())
    }

    /// JW302, JW306 … (IV028).
    fn retourbericht(&self, outcome: &Outcome<'_>) -> Result<Document, RetourError> {
        let header_field = self.root_field("Header")?;
        let header_ct = complex(header_field)?;
        let heen_header = self.header_of_heen();
        let (header_codes, body) = match outcome {
            Outcome::Clean => (Vec::new(), None),
            Outcome::InMessage => (vec![TECHNISCH_AFGEKEURD], None),
            Outcome::Coded(coded) => {
                let codes = Codes::new(self.heen, self.target.root, coded);
                let own = codes.own(HEADER).to_vec();
                if own.is_empty() {
                    (vec![GEEN_OPMERKING], Some(codes))
                } else {
                    (own, None)
                }
            }
        };
        let mut header = Vec::new();
        for field in header_ct.fields {
            match field.name {
                "BerichtCode" => header.push(simple(field, self.target.berichtcode)?),
                "IdentificatieRetour" => header.push(simple(field, &self.ctx.identificatie)?),
                "DagtekeningRetour" => {
                    header.push(simple(field, &self.ctx.dagtekening.to_string())?)
                }
                "XsltVersie" if matches!(outcome, Outcome::InMessage) => {
                    header.push(simple(field, &self.ctx.xslt_versie)?)
                }
                "XsltVersie" => {}
                "XsdVersieRetour" => header.push(self.xsd_versie(field)?),
                "RetourCodes" if header_codes.is_empty() => {}
                "RetourCodes" => header.push(retour_codes(field, &header_codes)?),
                _ => copy_field(
                    heen_header,
                    field,
                    &mut String::new(),
                    &NO_CODES,
                    &mut header,
                )?,
            }
        }
        let mut children = vec![Element {
            field: header_field,
            content: Content::Complex(header),
        }];
        if let Some(codes) = body {
            let copy = Copy {
                codes: Some(&codes),
                only_rejected: true,
            };
            let mut path = String::from("/Bericht");
            for field in self
                .target
                .root
                .fields
                .iter()
                .filter(|f| f.name != "Header")
            {
                copy_field(&self.heen.children, field, &mut path, &copy, &mut children)?;
            }
        }
        Ok(Document {
            schema: self.target,
            children,
        })
    }

    /// JW325 / WMO325 (IV087).
    fn declaratie_antwoord(&self, outcome: &Outcome<'_>) -> Result<Document, RetourError> {
        let header_field = self.root_field("Header")?;
        let header_ct = complex(header_field)?;
        let heen_header = self.header_of_heen();
        let codes = match outcome {
            Outcome::Coded(coded) => Some(Codes::new(self.heen, self.target.root, coded)),
            _ => None,
        };
        let header_codes: Vec<&str> = match (outcome, &codes) {
            (Outcome::InMessage, _) => vec![TECHNISCH_AFGEKEURD],
            (_, Some(c)) if !c.own(HEADER).is_empty() => c.own(HEADER).to_vec(),
            _ => vec![GEEN_OPMERKING],
        };
        let mut header = Vec::new();
        for field in header_ct.fields {
            let from_heen = |name: &str| heen_header.iter().find(|e| e.name() == name);
            match field.name {
                "BerichtCode" => header.push(simple(field, self.target.berichtcode)?),
                // The 325 is the municipality's own message: it goes back the other way.
                "Afzender" => copy_as(from_heen("Ontvanger"), field, &mut header)?,
                "Ontvanger" => copy_as(from_heen("Afzender"), field, &mut header)?,
                "BerichtIdentificatie" => {
                    let ct = complex(field)?;
                    let mut kids = Vec::new();
                    for f in ct.fields {
                        match f.name {
                            "Identificatie" => kids.push(simple(f, &self.ctx.identificatie)?),
                            "Dagtekening" => {
                                kids.push(simple(f, &self.ctx.dagtekening.to_string())?)
                            }
                            _ => {}
                        }
                    }
                    header.push(Element {
                        field,
                        content: Content::Complex(kids),
                    });
                }
                "XsdVersie" => header.push(self.xsd_versie(field)?),
                "DeclaratieIdentificatie" => {
                    copy_as(from_heen("BerichtIdentificatie"), field, &mut header)?
                }
                "XsdVersieDeclaratie" => copy_as(from_heen("XsdVersie"), field, &mut header)?,
                "XsltVersie" if matches!(outcome, Outcome::InMessage) => {
                    header.push(simple(field, &self.ctx.xslt_versie)?)
                }
                "XsltVersie" => {}
                "RetourCodes" => header.push(retour_codes(field, &header_codes)?),
                _ => copy_field(
                    heen_header,
                    field,
                    &mut String::new(),
                    &NO_CODES,
                    &mut header,
                )?,
            }
        }
        let mut children = vec![Element {
            field: header_field,
            content: Content::Complex(header),
        }];
        let header_only = matches!(outcome, Outcome::InMessage) || header_codes != [GEEN_OPMERKING];
        if !header_only {
            children.push(self.antwoord(codes.as_ref())?);
        }
        Ok(Document {
            schema: self.target,
            children,
        })
    }

    /// The DeclaratieAntwoord berichtklasse: totals, and the clients and prestaties that were
    /// not granted.
    fn antwoord(&self, codes: Option<&Codes>) -> Result<Element, RetourError> {
        let field = self.root_field("DeclaratieAntwoord")?;
        let ct = complex(field)?;
        let declaratie = self
            .heen
            .children
            .iter()
            .find(|e| e.name() == "Declaratie")
            .map_or(&[][..], |d| d.children());
        let own = codes.map_or(&[][..], |c| c.own("/Bericht/Declaratie"));
        let granted = if !own.is_empty() {
            0
        } else {
            granted_total(declaratie, codes)
        };
        let mut kids = Vec::new();
        for f in ct.fields {
            match f.name {
                "TotaalToegekendBedrag" => kids.push(bedrag(f, granted)?),
                "Clienten" if own.is_empty() && codes.is_some() => {
                    let copy = Copy {
                        codes,
                        only_rejected: true,
                    };
                    let mut path = String::from("/Bericht/Declaratie");
                    copy_field(declaratie, f, &mut path, &copy, &mut kids)?;
                }
                "Clienten" => {}
                "RetourCodes" => {
                    let list: &[&str] = match codes {
                        None => &[VOLLEDIG_TOEGEWEZEN],
                        Some(_) if !own.is_empty() => own,
                        Some(_) => &[GEEN_OPMERKING],
                    };
                    kids.push(retour_codes(f, list)?);
                }
                _ => copy_field(declaratie, f, &mut String::new(), &NO_CODES, &mut kids)?,
            }
        }
        Ok(Element {
            field,
            content: Content::Complex(kids),
        })
    }

    /// `XsdVersie` / `XsdVersieRetour`: the versions of the XSDs of the answer Sluis writes.
    fn xsd_versie(&self, field: &'static Field) -> Result<Element, RetourError> {
        let ct = complex(field)?;
        let mut kids = Vec::new();
        for f in ct.fields {
            match f.name {
                "BasisschemaXsdVersie" => kids.push(simple(f, self.target.basis_xsd_versie)?),
                "BerichtXsdVersie" => kids.push(simple(f, self.target.xsd_versie)?),
                _ => {}
            }
        }
        Ok(Element {
            field,
            content: Content::Complex(kids),
        })
    }
}

const NO_CODES: Copy<'static> = Copy {
    codes: None,
    only_rejected: false,
};

fn complex(field: &'static Field) -> Result<&'static ComplexType, RetourError> {
    match field.ty {
        Type::Complex(ct) => Ok(ct),
        Type::Simple(_) => Err(RetourError::Field {
            field: field.name,
            message: "verwacht een samengesteld element".into(),
        }),
    }
}

/// A simple element of the answer, its value checked against the answer's own type.
fn simple(field: &'static Field, lexical: &str) -> Result<Element, RetourError> {
    let Type::Simple(st) = field.ty else {
        return Err(RetourError::Field {
            field: field.name,
            message: "verwacht een enkelvoudig element".into(),
        });
    };
    let value = check_value(st, lexical).map_err(|message| RetourError::Field {
        field: field.name,
        message,
    })?;
    Ok(Element {
        field,
        content: Content::Value(value),
    })
}

fn retour_codes(field: &'static Field, codes: &[&str]) -> Result<Element, RetourError> {
    let ct = complex(field)?;
    let item = ct.list_item().ok_or(RetourError::Field {
        field: field.name,
        message: "verwacht een lijst van RetourCode".into(),
    })?;
    let kids = codes
        .iter()
        .take(item.max as usize)
        .map(|c| simple(item, c))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Element {
        field,
        content: Content::Complex(kids),
    })
}

/// An amount in cents as `TotaalBedrag` + `DebetCredit` (debet for zero and up).
fn bedrag(field: &'static Field, cents: i64) -> Result<Element, RetourError> {
    let ct = complex(field)?;
    let mut kids = Vec::new();
    for f in ct.fields {
        match f.name {
            "TotaalBedrag" | "Bedrag" => kids.push(simple(f, &cents.unsigned_abs().to_string())?),
            "DebetCredit" => kids.push(simple(f, if cents < 0 { "C" } else { "D" })?),
            _ => {}
        }
    }
    Ok(Element {
        field,
        content: Content::Complex(kids),
    })
}

/// A signed amount (debet positive) of a `Bedrag`/`TotaalBedrag` + `DebetCredit` element.
fn signed(e: &Element) -> i64 {
    let mut amount = 0;
    let mut credit = false;
    for k in e.children() {
        match (k.name(), k.value()) {
            ("Bedrag" | "TotaalBedrag", Some(Value::Integer(n))) => amount = *n,
            ("DebetCredit", Some(v)) => credit = v.lexical() == "C",
            _ => {}
        }
    }
    if credit {
        -amount
    } else {
        amount
    }
}

/// The sum of the prestaties that are granted: all of them when nothing was found, otherwise
/// those without a finding of their own and not under a rejected client.
fn granted_total(declaratie: &[Element], codes: Option<&Codes>) -> i64 {
    let Some(codes) = codes else {
        return declaratie
            .iter()
            .find(|e| e.name() == "TotaalIngediendBedrag")
            .map_or(0, signed);
    };
    let mut total = 0;
    let clienten = declaratie.iter().filter(|e| e.name() == "Clienten");
    for (ci, client) in clienten.flat_map(|c| c.children()).enumerate() {
        let client_path = format!("/Bericht/Declaratie/Clienten/Client[{}]", ci + 1);
        if !codes.own(&client_path).is_empty() {
            continue;
        }
        let prestaties = client
            .children_named("Prestaties")
            .flat_map(|p| p.children());
        for (pi, prestatie) in prestaties.enumerate() {
            let path = format!("{client_path}/Prestaties/Prestatie[{}]", pi + 1);
            if codes.rejected_within(&path) {
                continue;
            }
            total += prestatie
                .children_named("IngediendBedrag")
                .next()
                .map_or(0, signed);
        }
    }
    total
}

/// Copy the value of a heenbericht element into a field of another name.
fn copy_as(
    from: Option<&Element>,
    field: &'static Field,
    out: &mut Vec<Element>,
) -> Result<(), RetourError> {
    if let Some(e) = from {
        out.push(transplant(e, field, &mut String::new(), &NO_CODES, false)?);
    }
    Ok(())
}

/// Copy the heenbericht's elements named like `field` into the answer, as `field`.
fn copy_field(
    heen: &[Element],
    field: &'static Field,
    path: &mut String,
    copy: &Copy<'_>,
    out: &mut Vec<Element>,
) -> Result<(), RetourError> {
    let mut occurrence = 0;
    for e in heen.iter().filter(|e| e.name() == field.name) {
        occurrence += 1;
        let len = path.len();
        push_step(path, e.field, occurrence);
        if keeps(copy, field, path, false) {
            out.push(transplant(e, field, path, copy, false)?);
        }
        path.truncate(len);
    }
    Ok(())
}

/// Whether a Client or Prestatie goes into the answer: always when copying plainly; when only
/// rejected ones go back (OP065, IV087), if it or anything in it was rejected, or a berichtklasse
/// above it was (then it comes back as not assessed).
fn keeps(copy: &Copy<'_>, field: &Field, path: &str, below_rejected: bool) -> bool {
    !copy.only_rejected
        || !matches!(field.name, "Client" | "Prestatie")
        || below_rejected
        || copy.codes.is_some_and(|c| c.rejected_within(path))
}

/// One heenbericht element as `field` of the answer, with RetourCodes where the answer's type
/// has them: its own codes, `0233` below a rejected berichtklasse, `0200` otherwise.
fn transplant(
    e: &Element,
    field: &'static Field,
    path: &mut String,
    copy: &Copy<'_>,
    rejected_above: bool,
) -> Result<Element, RetourError> {
    let ct = match field.ty {
        Type::Simple(_) => {
            let lexical = e.value().map(Value::lexical).unwrap_or_default();
            return simple(field, &lexical);
        }
        Type::Complex(ct) => ct,
    };
    let own: Vec<&'static str> = copy.codes.map_or(Vec::new(), |c| c.own(path).to_vec());
    let mut kids = Vec::new();
    for f in ct.fields {
        if f.name == "RetourCodes" {
            if let Some(_codes) = copy.codes {
                let list: Vec<&str> = if !own.is_empty() {
                    own.clone()
                } else if rejected_above {
                    vec![NIET_BEOORDEELD]
                } else {
                    vec![GEEN_OPMERKING]
                };
                kids.push(retour_codes(f, &list)?);
            }
            continue;
        }
        let mut occurrence = 0;
        for child in e.children().iter().filter(|c| c.name() == f.name) {
            occurrence += 1;
            let len = path.len();
            push_step(path, child.field, occurrence);
            let below_rejected = rejected_above || !own.is_empty();
            if keeps(copy, f, path, below_rejected) {
                kids.push(transplant(child, f, path, copy, below_rejected)?);
            }
            path.truncate(len);
        }
    }
    Ok(Element {
        field,
        content: Content::Complex(kids),
    })
}
