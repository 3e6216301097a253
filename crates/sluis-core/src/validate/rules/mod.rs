//! The standard's in-message rules: technische regels (TRxxx, checkable inside one message),
//! condities (CDxxx: when an element must or may be filled) and constraints (CSxxx: allowed
//! values) of iJw 3.2 and iWmo 3.2.
//!
//! Every rule is a plain function with its official code, listed once in [`RULES`] with the
//! retourcode it maps to, the messages it applies to and a one-line description. [`check`] runs
//! the rules of the message's type over a [`Document`]. A rule only looks at values that passed
//! their type: an absent element or a [`Value::Invalid`] one is not seen, so a rule that cannot
//! see its inputs does not fire (the structure check has already reported the problem).
//!
//! The two standards share one function per rule; where they differ (code lists, the iWmo
//! exception for categories 11–14 in the overlap rules) the difference is data, looked up via
//! [`MessageCtx::ijw`].

mod client;
mod declaratie;
mod general;
mod startstop;
mod toewijzing;
mod verzoek;

use super::Finding;
use crate::standard::types::Datum;
use crate::standard::{Document, Element, Value};
use std::fmt::Write as _;

/// Which standard a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standards {
    Both,
    Ijw,
    Iwmo,
}

/// One rule of the registry.
pub struct MessageRule {
    /// The official code: `TR101`, `CD025`, `CS003` …
    pub code: &'static str,
    /// The retourcode (code list WJ001) the standard maps a violation to.
    pub retourcode: Option<&'static str>,
    /// Message numbers it applies to in iJw (301 = JW301): the messages whose elements the
    /// official rule stylesheet checks with this rule. A retourbericht (302 …) is listed only
    /// where the stylesheet reaches it, i.e. where the rule matches elements of the shared
    /// basisschema (Bsn, Geboortedatum, NaamGebruik, Adres …). Empty when not part of iJw.
    pub ijw: &'static [u16],
    /// The same for iWmo (301 = WMO301).
    pub iwmo: &'static [u16],
    /// What the rule says, in our own words.
    pub description: &'static str,
    pub check: fn(&MessageCtx<'_>, &mut MessageSink),
}

/// The retourbericht that answers a heenbericht (301 → 302 …); 323 is answered by its own 325.
pub fn retour_of(heen: u16) -> Option<u16> {
    matches!(heen, 301 | 305 | 307 | 315 | 317 | 319).then_some(heen + 1)
}

/// The heenbericht a retourbericht answers (302 → 301 …); other numbers are returned as is.
pub fn heen_of(number: u16) -> u16 {
    match number {
        302 | 306 | 308 | 316 | 318 | 320 => number - 1,
        n => n,
    }
}

impl MessageRule {
    /// The message codes the rule applies to, iJw first: `JW301`, `JW302`, `WMO301` …
    pub fn message_codes(&self) -> Vec<String> {
        let ijw = self.ijw.iter().map(|m| format!("JW{m}"));
        ijw.chain(self.iwmo.iter().map(|m| format!("WMO{m}")))
            .collect()
    }

    /// The standard(s) the rule is part of.
    pub fn standards(&self) -> Standards {
        match (self.ijw.is_empty(), self.iwmo.is_empty()) {
            (false, true) => Standards::Ijw,
            (true, false) => Standards::Iwmo,
            _ => Standards::Both,
        }
    }

    fn applies(&self, ijw: bool, number: u16) -> bool {
        let messages = if ijw { self.ijw } else { self.iwmo };
        messages.contains(&number)
    }
}

const R: Option<&str> = Some(crate::finding::Retourcode::TECHNISCH_AFGEKEURD);

macro_rules! rule {
    // The same messages in both standards.
    ($code:literal, Both, [$($m:literal),*], $f:path, $desc:literal) => {
        rule!($code, ijw [$($m),*], iwmo [$($m),*], $f, $desc)
    };
    ($code:literal, Ijw, [$($m:literal),*], $f:path, $desc:literal) => {
        rule!($code, ijw [$($m),*], iwmo [], $f, $desc)
    };
    ($code:literal, Iwmo, [$($m:literal),*], $f:path, $desc:literal) => {
        rule!($code, ijw [], iwmo [$($m),*], $f, $desc)
    };
    // Attached to different messages in the two standards.
    ($code:literal, ijw [$($j:literal),*], iwmo [$($w:literal),*], $f:path, $desc:literal) => {
        MessageRule {
            code: $code,
            retourcode: R,
            ijw: &[$($j),*],
            iwmo: &[$($w),*],
            description: $desc,
            check: $f,
        }
    };
}

/// Every in-message rule of iJw 3.2 and iWmo 3.2 that Sluis checks, ordered by code.
pub static RULES: &[MessageRule] = &[
    rule!("CD005", Both, [301, 302], client::cd005, "LandCode van een adres is verplicht als Postcode gevuld is, en leeg als Postcode leeg is."),
    rule!("CD007", Both, [301, 302], client::cd007, "Taal is verplicht bij communicatievorm 1 (tolk taal) en moet anders leeg blijven."),
    rule!("CD009", Both, [301], client::cd009, "Een Periode bij een contact mag alleen bij adressoort 04 (tijdelijk adres)."),
    rule!("CD025", Both, [301, 302], client::cd025, "Huis is verplicht bij een adres met LandCode NL."),
    rule!("CD034", Both, [301], client::cd034, "Postcode is verplicht bij adressoort 01 (BRP-adres) en 03 (verblijfadres)."),
    rule!("CD041", Both, [301, 315, 317], toewijzing::cd041, "Omvang is verplicht als het product een productcode heeft."),
    rule!("CD043", Both, [315], verzoek::cd043, "BeschikkingIngangsdatum is verplicht als BeschikkingNummer gevuld is, en anders leeg."),
    rule!("CD060", Both, [323, 325], declaratie::cd060, "VorigReferentieNummer is verplicht bij een creditprestatie en leeg bij een debetprestatie."),
    rule!("CD066", Both, [315], verzoek::cd066, "Naam van de verwijzer blijft leeg bij verwijzertype 02–05 met een ZorgverlenerCode."),
    rule!("CD067", Both, [315], verzoek::cd067, "Naam van de verwijzer is verplicht bij verwijzertype 02–05 zonder ZorgverlenerCode."),
    rule!("CD068", Both, [315], verzoek::cd068, "ZorgverlenerCode blijft leeg als het verwijzertype niet 02–05 is."),
    rule!("CD075", Both, [301, 315, 317], toewijzing::cd075, "De einddatum van een product is verplicht als Budget gevuld is."),
    rule!("CD076", Both, [301, 315, 317], toewijzing::cd076, "De einddatum van een product is verplicht bij frequentie 2 (per week)."),
    rule!("CD077", Both, [301, 315, 317], toewijzing::cd077, "Omvang blijft leeg als Budget gevuld is."),
    rule!("CD078", Both, [301, 315, 317], toewijzing::cd078, "Budget blijft leeg als Omvang gevuld is."),
    rule!("CD079", Both, [301, 315, 317], toewijzing::cd079, "Product is verplicht als Budget leeg is."),
    rule!("CD080", Both, [301], toewijzing::cd080, "Omvang blijft leeg bij een toewijzing zonder productcode die na 2020 eindigt of open is."),
    rule!("CD085", Both, [319], verzoek::cd085, "RedenAfwijzingVerzoek is verplicht als het verzoek is afgewezen (VerzoekAntwoord 1)."),
    rule!("CD086", Both, [319], verzoek::cd086, "RedenAfwijzingVerzoek blijft leeg als de aanvraag in onderzoek is (VerzoekAntwoord 2)."),
    rule!("CD087", Both, [323], declaratie::cd087, "ProductTarief is verplicht als de eenheid niet 83 (euro's) is, en leeg bij eenheid 83."),
    rule!("CD095", Both, [315], toewijzing::cd095, "Omvang blijft leeg bij een aangevraagd product zonder productcode dat na 2020 eindigt of open is."),
    rule!("CD096", Both, [317], toewijzing::cd096, "Omvang blijft leeg bij een nieuw product zonder productcode dat na 2020 eindigt of open is."),
    rule!("CS002", Both, [301, 302, 305, 306, 307, 308, 315, 316, 317, 318, 323, 325], client::cs002, "Het burgerservicenummer moet aan de elfproef voldoen."),
    rule!("CS003", Both, [301, 315, 317], general::cs003, "Een einddatum ligt niet voor de begin- of ingangsdatum van dezelfde periode."),
    rule!("CS050", Both, [301, 302, 305, 306, 307, 308, 315, 316], client::cs050, "NaamGebruik 1–4 als er een partnernaam is, anders 1 of 6."),
    rule!("CS058", Both, [305, 307], startstop::cs058, "StatusAanlevering is 1 (eerste aanlevering) of 3 (verwijderen aanlevering)."),
    rule!("CS089", Both, [301, 302], client::cs089, "Bij LandCode NL heeft de postcode de vorm 1234AB."),
    rule!("CS100", Both, [323], declaratie::cs100, "Declaratie- en productperiode liggen op of na 1 januari 2021."),
    rule!("CS139", Both, [301, 302, 305, 306, 307, 308, 315, 316], client::cs139, "De geboortedatum past bij DatumGebruik (onbekende delen zijn 01 of 1900)."),
    rule!("CS318", Ijw, [301], client::cs318, "De naam van de cliënt heeft geen NaamGebruik 6 (niet-natuurlijk persoon)."),
    rule!("CS325", Both, [323, 325], declaratie::cs325, "Een bedrag van 0 heeft DebetCredit D (debet)."),
    rule!("CS335", Both, [301], toewijzing::cs335, "RedenWijziging 13 (verwijderd) alleen als Einddatum gelijk is aan Ingangsdatum."),
    rule!("CS336", Both, [301], toewijzing::cs336, "RedenWijziging 01 (administratieve correctie, vervallen) wordt niet gebruikt."),
    rule!("CS337", Both, [323], declaratie::cs337, "De productperiode begint en eindigt in dezelfde kalendermaand."),
    rule!("CS338", Both, [301, 317], toewijzing::cs338, "Bij eenheid 14, 16, 83 of 84 en een einddatum na 2020 (of open) is de frequentie 2, 4 of 6."),
    rule!("CS339", Both, [323], declaratie::cs339, "Bij eenheid 83 (euro's) is het ingediende bedrag gelijk aan het geleverde volume."),
    rule!("CS340", Both, [323], declaratie::cs340, "De declaratieperiode is precies één hele kalendermaand."),
    rule!("CS343", Both, [315], toewijzing::cs343, "Bij eenheid 14, 16, 83 of 84 en een toewijzingseinddatum na 2020 (of open) is de frequentie 2, 4 of 6."),
    rule!("TR002", Both, [301, 302, 305, 306, 307, 308, 315, 316], client::tr002, "Een bekende geboortedatum ligt niet meer dan 120 jaar voor de dagtekening."),
    rule!("TR006", Both, [301], client::tr006, "Een contact heeft een telefoonnummer, of zowel huis als postcode."),
    rule!("TR018", Both, [307], startstop::tr018, "De einddatum van een gestopt product ligt niet voor de begindatum."),
    rule!("TR061", Both, [301], client::tr061, "De contactgegevens van de cliënt bevatten een adres van soort 01, 02 of 03."),
    rule!("TR101", Both, [301, 305, 307, 315, 317, 319, 323, 325], general::tr101, "Geen twee regels met dezelfde logische sleutel onder hetzelfde bovenliggende element."),
    rule!("TR134", Both, [301, 305, 307, 315, 323, 325], general::tr134, "Een datum die al voorbij moet zijn ligt niet na de dagtekening van het bericht."),
    rule!("TR137", Both, [323, 325], declaratie::tr137, "Het einde van de declaratie- en productperiode ligt op of na het begin en niet na de dagtekening."),
    rule!("TR302", Both, [301], toewijzing::tr302, "Toewijzingen van hetzelfde product (of dezelfde categorie) overlappen niet in tijd."),
    rule!("TR315", Both, [323], declaratie::tr315, "Een VorigReferentieNummer komt maar één keer voor in het bericht."),
    rule!("TR316", Both, [323], declaratie::tr316, "Een prestatie uit dit bericht wordt niet in hetzelfde bericht gecrediteerd."),
    rule!("TR319", Both, [323], declaratie::tr319, "De productperiode begint en eindigt niet na het einde van de declaratieperiode."),
    rule!("TR335", Both, [323], declaratie::tr335, "Het einde van de productperiode ligt niet meer dan 5 jaar voor de declaratiedagtekening."),
    rule!("TR342", Both, [325], declaratie::tr342, "De afgewezen prestaties verklaren het verschil tussen ingediend en toegekend totaal."),
    rule!("TR352", Both, [317], verzoek::tr352, "Een verzoek om wijziging bevat minstens één ongewijzigd of te wijzigen product."),
    rule!("TR353", Both, [317], verzoek::tr353, "Een verzoek om wijziging bevat minstens één te wijzigen of nieuw product."),
    rule!("TR358", Both, [323], declaratie::tr358, "Het totaal ingediende bedrag is de som van de prestaties (debet min credit)."),
    rule!("TR377", Ijw, [319], verzoek::tr377, "Bij afwijzing wegens woonplaatsbeginsel (reden 8) is Woonplaatsbeginsel gevuld."),
    rule!("TR380", Both, [317], verzoek::tr380, "De gewenste ingangsdatum van een nieuw product ligt na de dagtekening van het bericht."),
    rule!("TR383", Both, [315], verzoek::tr383, "ReferentieAanbieder is uniek per aangevraagd product."),
    rule!("TR386", Both, [315], verzoek::tr386, "Aangevraagde producten van hetzelfde product (of dezelfde categorie) overlappen niet in tijd."),
    rule!("TR409", Ijw, [319], verzoek::tr409, "Woonplaatsbeginsel blijft leeg als de reden van afwijzing niet 8 is."),
    rule!("TR410", Both, [317], verzoek::tr410, "Nieuwe producten van hetzelfde product (of dezelfde categorie) overlappen niet in tijd."),
    rule!("TR416", Both, [323], declaratie::tr416, "Per toewijzing, product en productperiode is er maar één debetprestatie."),
];

/// The registry as the Markdown table of `docs/rules.md` (one row per rule).
pub fn markdown_table() -> String {
    let mut s = String::from("| code | retourcode | messages | description |\n|---|---|---|---|\n");
    for r in RULES {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            r.code,
            r.retourcode.unwrap_or("—"),
            r.message_codes().join(", "),
            r.description
        );
    }
    s
}

/// The rule with this code.
pub fn rule(code: &str) -> Option<&'static MessageRule> {
    RULES.iter().find(|r| r.code == code)
}

/// What the [`Document`] does not keep of the message as written, where the official
/// stylesheet's verdict depends on it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lexical<'a> {
    /// The Header's Dagtekening as written, when white space surrounds it.
    pub dagtekening: Option<&'a str>,
}

/// Run every rule that applies to this message; findings in registry order.
pub fn check(doc: &Document) -> Vec<Finding> {
    check_lexical(doc, &Lexical::default())
}

/// [`check`], with what the message looked like as written.
pub fn check_lexical(doc: &Document, lexical: &Lexical<'_>) -> Vec<Finding> {
    let code = doc.code();
    let (ijw, number) = match code.strip_prefix("JW") {
        Some(n) => (true, n),
        None => (false, code.strip_prefix("WMO").unwrap_or("")),
    };
    // A retourbericht gets only the rules listed for it: the official stylesheet matches
    // most rules on elements of the heenbericht's own namespace, which a retourbericht lacks.
    let number: u16 = number.parse().unwrap_or(0);
    let mut ctx = MessageCtx::new(doc, ijw);
    if let Some(raw) = lexical.dagtekening {
        ctx.dag_getal = stylesheet_number(raw);
    }
    let mut sink = MessageSink {
        code: "",
        retourcode: None,
        findings: Vec::new(),
    };
    for r in RULES.iter().filter(|r| r.applies(ijw, number)) {
        sink.code = r.code;
        sink.retourcode = r.retourcode;
        (r.check)(&ctx, &mut sink);
    }
    sink.findings
}

/// The number the official stylesheet makes of a Dagtekening when it compares dates
/// (TR002, TR134, TR137): the first ten characters as written, dashes removed, read as an
/// XPath number. With leading white space that cuts off the last digit (` 2026-05-0` gives
/// 2026050), so every date compares as later; text that is no number compares as nothing.
fn stylesheet_number(raw: &str) -> Option<u64> {
    let first: String = raw.chars().take(10).filter(|&c| c != '-').collect();
    let t = first.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
    (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .then(|| t.parse().ok())
        .flatten()
}

/// A date as the stylesheet compares it: `JJJJMMDD` as a number.
pub fn date_number(d: Datum) -> u64 {
    let (y, m, dd) = ymd(d);
    u64::try_from(y).unwrap_or(0) * 10_000 + u64::from(m) * 100 + u64::from(dd)
}

/// What every rule gets: the document and facts most rules need.
pub struct MessageCtx<'a> {
    pub doc: &'a Document,
    /// iJw (true) or iWmo (false).
    pub ijw: bool,
    /// `Header/BerichtIdentificatie/Dagtekening`, when valid.
    pub dagtekening: Option<Datum>,
    /// The Dagtekening as the stylesheet's date comparisons see it ([`stylesheet_number`]):
    /// `JJJJMMDD` for a Dagtekening written without white space around it.
    pub dag_getal: Option<u64>,
}

impl<'a> MessageCtx<'a> {
    fn new(doc: &'a Document, ijw: bool) -> MessageCtx<'a> {
        let dagtekening = doc
            .get("Header/BerichtIdentificatie/Dagtekening")
            .and_then(date_of);
        MessageCtx {
            doc,
            ijw,
            dagtekening,
            dag_getal: dagtekening.map(date_number),
        }
    }

    /// Whether `d` lies after the Dagtekening as the stylesheet compares them (TR134, TR137).
    pub fn after_dagtekening(&self, d: Datum) -> bool {
        self.dag_getal.is_some_and(|dag| date_number(d) > dag)
    }

    /// A top-level element of the message (`Client`, `Declaratie` …) with its location.
    pub fn top(&self, name: &'static str) -> Option<(&'a Element, Loc<'static>)> {
        let e = self.doc.children.iter().find(|e| e.name() == name)?;
        Some((e, Loc::top(name)))
    }
}

/// Collects the findings of the rule being run.
pub struct MessageSink {
    code: &'static str,
    retourcode: Option<&'static str>,
    findings: Vec<Finding>,
}

impl MessageSink {
    pub fn push(&mut self, path: String, message: String) {
        self.findings.push(Finding {
            code: self.code,
            retourcode: self.retourcode,
            path,
            message,
        });
    }
}

/// Where an element is, as a chain of steps on the stack; turned into a path string only
/// when a rule reports something.
#[derive(Clone, Copy)]
pub struct Loc<'a> {
    parent: Option<&'a Loc<'a>>,
    name: &'static str,
    /// 1-based occurrence for elements that may repeat, 0 otherwise.
    index: usize,
}

impl<'a> Loc<'a> {
    pub fn top(name: &'static str) -> Loc<'static> {
        Loc {
            parent: None,
            name,
            index: 0,
        }
    }

    /// The location of child element `e` (its `occurrence`-th among same-named siblings).
    pub fn child(&'a self, e: &Element, occurrence: usize) -> Loc<'a> {
        Loc {
            parent: Some(self),
            name: e.name(),
            index: if e.field.repeats() { occurrence } else { 0 },
        }
    }

    /// Path of a (single) child element by name, e.g. `…/Einddatum`.
    pub fn at(&self, name: &str) -> String {
        let mut s = self.path();
        s.push('/');
        s.push_str(name);
        s
    }

    /// Path of a grandchild, e.g. `…/Omvang/Frequentie`.
    pub fn at2(&self, a: &str, b: &str) -> String {
        let mut s = self.at(a);
        s.push('/');
        s.push_str(b);
        s
    }

    pub fn path(&self) -> String {
        let mut steps = Vec::with_capacity(8);
        let mut cur = Some(self);
        while let Some(l) = cur {
            steps.push(l);
            cur = l.parent;
        }
        let mut s = String::from("/Bericht");
        for l in steps.iter().rev() {
            s.push('/');
            s.push_str(l.name);
            if l.index > 0 {
                let _ = write!(s, "[{}]", l.index);
            }
        }
        s
    }
}

/// The items of a list wrapper (`ToegewezenProducten` → its `ToegewezenProduct`s) with their
/// 1-based occurrence.
pub fn items<'e>(
    parent: &'e Element,
    list: &'e str,
    item: &'e str,
) -> impl Iterator<Item = (usize, &'e Element)> + 'e {
    parent
        .child(list)
        .into_iter()
        .flat_map(move |l| l.children_named(item).enumerate().map(|(i, e)| (i + 1, e)))
}

/// The valid value of a simple element.
pub fn value(e: &Element) -> Option<&Value> {
    match e.value()? {
        Value::Invalid(_) => None,
        v => Some(v),
    }
}

pub fn date_of(e: &Element) -> Option<Datum> {
    match value(e)? {
        Value::Date(d) => Some(*d),
        _ => None,
    }
}

/// The valid text (or code) of child `name`.
pub fn text<'e>(e: &'e Element, name: &str) -> Option<&'e str> {
    match value(e.child(name)?)? {
        Value::Text(s) => Some(s),
        _ => None,
    }
}

/// The valid integer of child `name`.
pub fn int(e: &Element, name: &str) -> Option<i64> {
    match value(e.child(name)?)? {
        Value::Integer(i) => Some(*i),
        _ => None,
    }
}

/// The valid date of child `name`.
pub fn date(e: &Element, name: &str) -> Option<Datum> {
    date_of(e.child(name)?)
}

/// A date that may be left out: `Some(None)` when absent, `Some(Some(d))` when valid, `None`
/// when present but invalid (the rule cannot see it).
pub fn opt_date(e: &Element, name: &str) -> Option<Option<Datum>> {
    match e.child(name) {
        None => Some(None),
        Some(c) => date_of(c).map(Some),
    }
}

/// Whether child `name` is there at all (valid or not): "filled" in the standard's words.
pub fn has(e: &Element, name: &str) -> bool {
    e.child(name).is_some()
}

/// The valid date at a two-step path below `e` (`ProductPeriode/Begindatum`).
pub fn date2(e: &Element, a: &str, b: &str) -> Option<Datum> {
    date(e.child(a)?, b)
}

/// The valid text at a two-step path below `e` (`Product/Code`).
pub fn text2<'e>(e: &'e Element, a: &str, b: &str) -> Option<&'e str> {
    text(e.child(a)?, b)
}

/// `(year, month, day)` for comparisons across years without calendar arithmetic.
pub fn ymd(x: Datum) -> (i32, u8, u8) {
    let t = x.date();
    (t.year(), t.month() as u8, t.day())
}

/// Whether `earlier` plus `years` years still lies before `later` (a 29 February plus whole
/// years is compared as that year's 29 February, i.e. just after 28 February).
pub fn more_than_years_before(earlier: Datum, later: Datum, years: i32) -> bool {
    let (y, m, dd) = ymd(earlier);
    (y + years, m, dd) < ymd(later)
}

/// After 31 December 2020 (the standard's cut-over for volumes per week/month), or open.
pub fn after_2020_or_open(end: Option<Datum>) -> bool {
    end.is_none_or(|e| ymd(e) > (2020, 12, 31))
}

#[cfg(test)]
mod tests {
    use super::client::{dutch_postcode, elfproef};
    use super::*;
    use crate::standard::types::Bsn;

    fn datum(s: &str) -> Datum {
        Datum::parse(s).expect("date")
    }

    #[test]
    fn elfproef_follows_the_standard() {
        for ok in ["123456782", "999990019", "999900006", "000000000"] {
            assert!(elfproef(&Bsn::parse(ok).expect("nine digits")), "{ok}");
        }
        for bad in ["123456789", "999990018", "111111111"] {
            assert!(!elfproef(&Bsn::parse(bad).expect("nine digits")), "{bad}");
        }
    }

    #[test]
    fn years_before_compares_month_and_day() {
        let dag = datum("2026-05-04");
        assert!(!more_than_years_before(datum("1906-05-04"), dag, 120));
        assert!(more_than_years_before(datum("1906-05-03"), dag, 120));
        assert!(!more_than_years_before(datum("1906-05-05"), dag, 120));
        // 29 February plus whole years lands just after 28 February.
        assert!(!more_than_years_before(
            datum("2020-02-29"),
            datum("2025-02-28"),
            5
        ));
        assert!(more_than_years_before(
            datum("2020-02-29"),
            datum("2025-03-01"),
            5
        ));
    }

    #[test]
    fn cut_over_2020() {
        assert!(after_2020_or_open(None));
        assert!(after_2020_or_open(Some(datum("2021-01-01"))));
        assert!(!after_2020_or_open(Some(datum("2020-12-31"))));
    }

    #[test]
    fn dutch_postcodes() {
        for ok in ["1234AB", "9999zz", "1000aB"] {
            assert!(dutch_postcode(ok), "{ok}");
        }
        for bad in ["0123AB", "1234 AB", "1234A", "12345B", "1234ÄB", ""] {
            assert!(!dutch_postcode(bad), "{bad}");
        }
    }

    #[test]
    fn locations_index_only_repeating_elements() {
        let top = Loc::top("Client");
        assert_eq!(top.path(), "/Bericht/Client");
        assert_eq!(
            top.at2("Naam", "NaamGebruik"),
            "/Bericht/Client/Naam/NaamGebruik"
        );
    }

    #[test]
    fn message_codes_per_standard() {
        let ijw_only = rule("TR409").expect("registered");
        // The stylesheet matches TR409 in the JW319 namespace only: JW320 is not checked.
        assert_eq!(ijw_only.message_codes(), ["JW319"]);
        assert!(ijw_only.applies(true, 319));
        assert!(!ijw_only.applies(false, 319));
        assert!(!ijw_only.applies(true, 317));
        assert!(!ijw_only.applies(true, 320));
        let both = rule("CS002").expect("registered");
        assert!(both.applies(false, 323) && both.applies(true, 323));
        // Bsn is matched by its local name, so the stylesheet checks it in retourberichten too.
        assert!(both.applies(true, 302) && both.applies(false, 316));
        assert_eq!(ijw_only.standards(), Standards::Ijw);
        assert_eq!(both.standards(), Standards::Both);
    }

    #[test]
    fn retourberichten_get_only_the_basisschema_rules() {
        // JW316 repeats the JW315 content; TR101 and TR383 match JW315's own elements.
        for code in ["TR101", "TR383", "CD043", "TR386"] {
            let r = rule(code).expect("registered");
            assert!(!r.applies(true, 316) && !r.applies(false, 316), "{code}");
        }
        // CS318 matches Client/Naam of the JW301 namespace only; not in JW302, not in iWmo.
        let r = rule("CS318").expect("registered");
        assert_eq!(r.message_codes(), ["JW301"]);
        // Rules on basisschema elements reach the retourbericht as well.
        for code in ["CS050", "CS139", "TR002", "CD005", "CS089"] {
            let r = rule(code).expect("registered");
            assert!(r.applies(true, 302) && r.applies(false, 302), "{code}");
        }
    }

    #[test]
    fn cd076_applies_to_toegewezen_product_in_both_standards() {
        // The rule text and the stylesheet attach CD076 to JW301 ToegewezenProduct as well.
        let r = rule("CD076").expect("registered");
        assert!(r.applies(true, 301) && r.applies(false, 301));
        assert!(r.applies(true, 315) && r.applies(true, 317));
        assert_eq!(
            r.message_codes(),
            ["JW301", "JW315", "JW317", "WMO301", "WMO315", "WMO317"]
        );
    }

    fn codes(xml: &str) -> Vec<&'static str> {
        let v = crate::validate(xml.as_bytes(), &crate::Limits::default()).expect("reads");
        let mut c: Vec<&'static str> = v.findings.iter().map(|f| f.code).collect();
        c.dedup();
        c
    }

    const JW305: &str = include_str!("../../../../../fixtures/ijw-3.2/JW305/valid/minimaal.xml");
    const JW323: &str = include_str!("../../../../../fixtures/ijw-3.2/JW323/valid/minimaal.xml");
    const WMO301: &str = include_str!("../../../../../fixtures/iwmo-3.2/WMO301/valid/minimaal.xml");
    const JW301: &str = include_str!("../../../../../fixtures/ijw-3.2/JW301/valid/minimaal.xml");

    #[test]
    fn tr134_dagtekening_as_written() {
        assert!(codes(JW305).is_empty());
        // Leading white space: the stylesheet reads ` 2026-05-0`, so every date is later.
        let lead = JW305.replace("Dagtekening>2026-05-04<", "Dagtekening>\n 2026-05-04<");
        assert_eq!(codes(&lead), ["TR134"]);
        // Trailing white space falls outside the first ten characters.
        let trail = JW305.replace("Dagtekening>2026-05-04<", "Dagtekening>2026-05-04 <");
        assert!(codes(&trail).is_empty());
        assert_eq!(stylesheet_number(" 2026-05-04"), Some(2_026_050));
        assert_eq!(stylesheet_number("2026-05-04\n"), Some(20_260_504));
        assert_eq!(stylesheet_number("x2026-05-04"), None);
    }

    #[test]
    fn tr002_1900_is_exempt_only_with_datumgebruik_3() {
        let old = JW305.replace(
            "<ijw:Datum>2012-09-01</ijw:Datum>",
            "<ijw:Datum>1900-01-01</ijw:Datum>",
        );
        assert_eq!(codes(&old), ["TR002"]);
        let unknown = JW305.replace(
            "<ijw:Datum>2012-09-01</ijw:Datum>",
            "<ijw:Datum>1900-01-01</ijw:Datum><ijw:DatumGebruik>3</ijw:DatumGebruik>",
        );
        assert!(!codes(&unknown).contains(&"TR002"));
    }

    #[test]
    fn tr319_and_tr134_on_the_declaratieperiode() {
        assert!(codes(JW323).is_empty());
        // DeclaratiePeriode March, ProductPeriode April: TR319 in the message itself.
        let early = JW323
            .replacen("Begindatum>2026-04-01<", "Begindatum>2026-03-01<", 1)
            .replacen("Einddatum>2026-04-30<", "Einddatum>2026-03-31<", 1);
        assert_eq!(codes(&early), ["TR319"]);
        // A DeclaratiePeriode that ends after the Dagtekening: TR137 (and TR319 for nothing).
        let late = JW323.replace("Dagtekening>2026-05-04<", "Dagtekening>2026-04-20<");
        assert!(codes(&late).contains(&"TR137"));
        // The DeclaratieDagtekening is not a TR134 date.
        let later = JW323.replace(
            "DeclaratieDagtekening>2026-05-04<",
            "DeclaratieDagtekening>2026-05-06<",
        );
        assert!(!codes(&later).contains(&"TR134"));
    }

    #[test]
    fn cs050_iwmo_allows_only_1_without_partner() {
        let six = |xml: &str, ns: &str| {
            xml.replacen(
                &format!("<{ns}:NaamGebruik>1</{ns}:NaamGebruik>"),
                &format!("<{ns}:NaamGebruik>6</{ns}:NaamGebruik>"),
                1,
            )
        };
        let w = six(WMO301, "iwmo");
        assert_ne!(w, WMO301, "the fixture has a NaamGebruik 1");
        assert_eq!(codes(&w), ["CS050"], "iWmo: CS050, and no CS318");
        let j = six(JW301, "ijw");
        assert_eq!(
            codes(&j),
            ["CS318"],
            "iJw: 6 passes CS050, CS318 refuses it for the client"
        );
    }

    #[test]
    fn cd034_and_cs089_without_the_element() {
        // A BRP address contact (01) without any Adres has no Postcode.
        let brp = JW301.replacen(
            "<jw301:Soort>02</jw301:Soort>",
            "<jw301:Soort>01</jw301:Soort>",
            1,
        );
        assert_eq!(codes(&brp), ["CD034"]);
    }
}
