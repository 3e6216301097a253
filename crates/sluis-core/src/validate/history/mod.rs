//! The standard's cross-message rules (controleniveau 3, `berichtoverstijgend`) and the
//! external-source rules on gemeente- and productcodes (controleniveau 4), judged against the
//! history of earlier accepted messages. Pure: no I/O; the history comes in through the
//! [`History`] trait, the external facts through [`External`].
//!
//! The gateway, per incoming message:
//!
//! 1. `sluis::validate` (structure and in-message rules);
//! 2. [`check`] against the history (only useful when step 1 found nothing: a message rejected
//!    on levels 1–2 is not judged further, IV032);
//! 3. `sluis::retour` with all findings;
//! 4. [`accepted_effects`] with all findings, applied to the store in one transaction.
//!
//! Rules are plain functions in a registry ([`RULES`]) like the in-message ones, each with its
//! official code, its retourcode (WJ001) and the messages it applies to per standard. A finding
//! names the berichtklasse it concerns (`/Bericht/Client/StartProducten/StartProduct[2]`), so
//! `retour()` puts the code on the right class.

mod declaratie;
mod effects;
mod general;
pub mod read;
mod startstop;
pub mod state;
mod toewijzing;
mod verzoek;
pub mod view;
mod volume;

pub use effects::{accepted_effects, effects};
pub use state::{
    AntwoordRecord, DeclaratieRecord, Domein, Effect, Effects, IdentificatieRecord, Omvang,
    Parties, Periode, PrestatieRecord, Product, Record, StartRecord, StopRecord, ToewijzingState,
    ToewijzingVersie, Tree, VerzoekRecord,
};
pub use view::{History, MemoryHistory, ReadFault};

use crate::finding::Finding;
use crate::standard::types::Datum;
use crate::standard::{Document, Element};
use read::Header;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Facts from outside the message exchange (controleniveau 4), filled by the gateway from its
/// configuration. `None`: not configured, the rule is not checked.
#[derive(Debug, Clone, Default)]
pub struct External {
    /// CBS gemeentecodes accepted (TR378). Include the codes of municipalities merged away for
    /// as long as toewijzingen of theirs run (the standard allows the list current on the
    /// toewijzing's Ingangsdatum).
    pub gemeentecodes: Option<BTreeSet<String>>,
    /// The CBS list with validity dates (TR378): a code is accepted when it was a municipality
    /// on the Dagtekening or on an Ingangsdatum in the message. Together with `gemeentecodes`
    /// a code passes when either accepts it.
    pub gemeentelijst: Option<std::sync::Arc<crate::standard::gemeenten::Gemeentelijst>>,
    /// Product codes per product category, from the product code list in use (TR381).
    pub productcodes: Option<BTreeMap<String, BTreeSet<String>>>,
    /// The receiver's system date (TR135: a Dagtekening does not lie after it).
    pub vandaag: Option<crate::standard::types::Datum>,
    /// Contract tariffs in euro cents (TR418): per (AGB-code of the aanbieder, ProductCode),
    /// the tariff per Eenheid (`04` per hour …).
    pub tarieven: Option<BTreeMap<(String, String), BTreeMap<String, i64>>>,
}

/// One cross-message or external rule.
pub struct HistoryRule {
    /// `TR019` …
    pub code: &'static str,
    /// The retourcode of WJ001 a violation is reported with.
    pub retourcode: &'static str,
    /// Heenbericht numbers in iJw (301 = JW301); empty when the rule is not part of iJw.
    pub ijw: &'static [u16],
    /// The same for iWmo.
    pub iwmo: &'static [u16],
    /// What the rule checks, in our own words.
    pub description: &'static str,
    pub check: fn(&HistoryCtx<'_>, &mut HistorySink),
}

impl HistoryRule {
    fn applies(&self, domein: Domein, nummer: u16) -> bool {
        match domein {
            Domein::Ijw => self.ijw.contains(&nummer),
            Domein::Iwmo => self.iwmo.contains(&nummer),
        }
    }

    /// The message codes the rule applies to: `JW305`, `JW307`, `WMO305` …
    pub fn message_codes(&self) -> Vec<String> {
        let mut out: Vec<String> = self.ijw.iter().map(|m| format!("JW{m}")).collect();
        out.extend(self.iwmo.iter().map(|m| format!("WMO{m}")));
        out
    }
}

macro_rules! rule {
    ($code:literal, $rc:literal, [$($m:literal),*], $f:path, $desc:literal) => {
        HistoryRule { code: $code, retourcode: $rc, ijw: &[$($m),*], iwmo: &[$($m),*], description: $desc, check: $f }
    };
    ($code:literal, $rc:literal, ijw [$($j:literal),*], iwmo [$($w:literal),*], $f:path, $desc:literal) => {
        HistoryRule { code: $code, retourcode: $rc, ijw: &[$($j),*], iwmo: &[$($w),*], description: $desc, check: $f }
    };
}

/// Every cross-message and external rule Sluis checks, ordered by code.
pub static RULES: &[HistoryRule] = &[
    rule!("TR019", "9019", [305, 307], startstop::tr019, "Een start of stop verwijst met zijn ToewijzingNummer naar een (niet verwijderde) toewijzing van deze aanbieder voor deze cliënt."),
    rule!("TR056", "9056", [301, 305, 307, 315, 317, 319, 323, 325], general::tr056, "De afzender heeft deze Identificatie nog niet eerder gebruikt voor deze berichtsoort."),
    rule!("TR063", "9063", [305, 307], startstop::tr063, "Een te verwijderen start of stop (StatusAanlevering 3) is eerder aangeleverd met dezelfde sleutel."),
    rule!("TR069", "9069", [307], startstop::tr069, "Bij een stop hoort een actuele start met dezelfde sleutel (ToewijzingNummer, Product, Begindatum)."),
    rule!("TR071", "9071", [305], startstop::tr071, "Een start kan niet meer verwijderd worden als er al een stop op is gemeld."),
    rule!("TR074", "9074", [305, 307], startstop::tr074, "Een eerste aanlevering (StatusAanlevering 1) heeft een sleutel die nog niet eerder is ontvangen."),
    rule!("TR135", "8848", [301, 305, 307, 315, 317, 319, 323, 325], general::tr135, "De dagtekening van het bericht ligt niet na de systeemdatum van de ontvanger."),
    rule!("TR304", "8187", [317, 323], verzoek::tr304, "Een toewijzing waarnaar verwezen wordt hoort bij dezelfde cliënt (Bsn)."),
    rule!("TR307", "9307", [323], declaratie::tr307, "De productperiode begint niet voor de ingangsdatum van de toewijzing."),
    rule!("TR308", "9308", [323], declaratie::tr308, "De productperiode eindigt niet na de einddatum van de toewijzing."),
    rule!("TR314", "8021", [323], declaratie::tr314, "Het ReferentieNummer van een prestatie is nog niet eerder door de aanbieder gebruikt."),
    rule!("TR318", "8214", [323], declaratie::tr318, "De declaratieperiode begint niet voor de laatst gedeclareerde periode van de aanbieder bij deze gemeente (dezelfde periode nog eens en gaten mogen)."),
    rule!("TR319", "9319", [323], declaratie::tr319, "De productperiode ligt in de declaratieperiode of in een eerdere periode."),
    rule!("TR321", "9321", [323], volume::tr321, "Het geleverde volume past binnen de toegewezen omvang voor de productperiode."),
    rule!("TR322", "9322", [323], volume::tr322, "Alle gedeclareerde volumes samen passen binnen de toegewezen omvang over de hele looptijd."),
    rule!("TR323", "8017", [323], declaratie::tr323, "Een creditprestatie verwijst naar een eerder toegekende debetprestatie."),
    rule!("TR326", "9326", [305], startstop::tr326, "Een nieuwe start op een toewijzing mag pas als de vorige start daarop gestopt is."),
    rule!("TR332", "9332", [301], toewijzing::tr332, "Een ToewijzingNummer hoort binnen de gemeente bij één cliënt en één aanbieder."),
    rule!("TR333", "9333", [323], declaratie::tr333, "Het DeclaratieNummer is nog niet eerder door de aanbieder gebruikt."),
    rule!("TR338", "9338", [323], declaratie::tr338, "Een prestatie verwijst met haar ToewijzingNummer naar een toewijzing aan deze aanbieder."),
    rule!("TR339", "9339", [323], declaratie::tr339, "De productcategorie van de prestatie is die van de toewijzing (als die er een heeft)."),
    rule!("TR340", "9340", [323], declaratie::tr340, "De productcode van de prestatie is die van de toewijzing (als die er een heeft)."),
    rule!("TR341", "9341", [323], declaratie::tr341, "De eenheid van de prestatie is die van de toewijzing, of minuten bij een toewijzing in uren."),
    rule!("TR346", "9346", [323], declaratie::tr346, "Bij een eenheid anders dan euro's is het bedrag het volume maal het tarief (minuten: uurtarief maal minuten gedeeld door 60, afgerond)."),
    rule!("TR347", "9347", [315, 317], verzoek::tr347, "ReferentieAanbieder is nog niet eerder door de aanbieder gebruikt voor een verzoek."),
    rule!("TR349", "9349", [317], verzoek::tr349, "Een verzoek om wijziging noemt alle actuele toewijzingen van de cliënt."),
    rule!("TR350", "9350", [317], verzoek::tr350, "Een ongewijzigd product verwijst naar een actuele toewijzing."),
    rule!("TR351", "9351", [317], verzoek::tr351, "Een te wijzigen product verwijst naar een actuele toewijzing."),
    rule!("TR355", "9355", [319], verzoek::tr355, "Het antwoord verwijst naar een eerder verzoek om toewijzing of wijziging."),
    rule!("TR357", "9357", [317], verzoek::tr357, "Een gewenste ingangsdatum op of voor de dagtekening is de ingangsdatum van de toewijzing."),
    rule!("TR359", "9359", [319], verzoek::tr359, "Er is nog geen toewijzing gestuurd op het verzoek waarop geantwoord wordt."),
    rule!("TR360", "9360", [319], verzoek::tr360, "Een antwoord 'aanvraag in onderzoek' is het eerste antwoord op het verzoek."),
    rule!("TR361", "9361", [317], verzoek::tr361, "Producten in een verzoek om wijziging (ook ongewijzigde en te wijzigen, via hun toewijzing) overlappen niet in tijd."),
    rule!("TR365", "9365", [319], verzoek::tr365, "Een eerder antwoord op hetzelfde verzoek was 'aanvraag in onderzoek'."),
    rule!("TR369", "9369", [323], volume::tr369, "Alle gedeclareerde volumes samen passen binnen het toegewezen budget."),
    rule!("TR373", "9373", [317], verzoek::tr373, "Wijzigt een verzoek het budget of het totaal over de looptijd, dan is de gewenste ingangsdatum die van de toewijzing."),
    rule!("TR374", "9374", [315, 317], verzoek::tr374, "Er loopt nog geen verzoek van deze aanbieder voor deze cliënt."),
    rule!("TR375", "9375", [317], verzoek::tr375, "Omvang blijft leeg in een te wijzigen product als de toewijzing geen productcode heeft en de einddatum na 2020 ligt of open is."),
    rule!("TR378", "S300", ijw [301, 305, 307, 315, 317, 319, 323, 325], iwmo [301, 305, 307, 315, 317, 319, 323, 325], general::tr378, "Een gemeentecode komt voor in de CBS-lijst van gemeenten op de dagtekening of een ingangsdatum van het bericht."),
    rule!("TR379", "9379", [301], toewijzing::tr379, "Een ReferentieAanbieder in een toewijzing verwijst naar een verzoek van de aanbieder."),
    rule!("TR381", "S329", [301, 305, 307, 315, 317, 323], general::tr381, "Een productcode hoort volgens de geconfigureerde productcodelijst bij de productcategorie."),
    rule!("TR384", "9384", [323], declaratie::tr384, "Er wordt niet gedeclareerd op een verwijderde toewijzing (RedenWijziging 13)."),
    rule!("TR385", "9385", [301], toewijzing::tr385, "Een toewijzing met toegekende, niet gecrediteerde prestaties wordt niet verwijderd (RedenWijziging 13)."),
    rule!("TR387", "9387", [323], declaratie::tr387, "De productperiode begint op de eerste van de maand, of op de latere ingangsdatum van de toewijzing in die maand."),
    rule!("TR388", "9388", [323], declaratie::tr388, "De productperiode eindigt op de laatste van de maand, of op de eerdere einddatum van de toewijzing in die maand."),
    rule!("TR389", "9389", [323], declaratie::tr389, "Een debetprestatie voor dezelfde toewijzing, product en periode als een eerdere debet kan pas als die gecrediteerd is."),
    rule!("TR390", "9390", [323], declaratie::tr390, "Een prestatie wordt maar één keer gecrediteerd."),
    rule!("TR411", "9411", [317], verzoek::tr411, "Omvang is verplicht in een te wijzigen product als de toewijzing een productcode heeft."),
    rule!("TR412", "9412", [317], verzoek::tr412, "Omvang blijft leeg in een te wijzigen product als de toewijzing geen productcode heeft en de einddatum na 2020 ligt of open is."),
    rule!("TR413", "9413", [307], startstop::tr413, "Na een tijdelijke stop (reden 20) volgt geen tweede tijdelijke stop op dezelfde start."),
    rule!("TR414", "9414", [307], startstop::tr414, "Een volgende stop op dezelfde start eindigt niet voor de vorige."),
    rule!("TR415", "9415", [307], startstop::tr415, "Na een definitieve stop (reden niet 20) volgt geen nieuwe stop op dezelfde start."),
    rule!("TR418", "0611", [323], declaratie::tr418, "Het ProductTarief van een debetprestatie is het contracttarief van de productcode (per minuut: het uurtarief gedeeld door 60, afgerond)."),
];

/// The rule with this code.
pub fn rule(code: &str) -> Option<&'static HistoryRule> {
    RULES.iter().find(|r| r.code == code)
}

/// The registry as a Markdown table (`docs/history.md`).
pub fn markdown_table() -> String {
    let mut s =
        String::from("| code | retourcode | messages | what it checks |\n|---|---|---|---|\n");
    for r in RULES {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            r.code,
            r.retourcode,
            r.message_codes().join(", "),
            r.description
        );
    }
    s
}

/// Judge `doc` against the history of accepted messages and the external facts; findings in
/// registry order. Retourberichten and unknown messages get none.
pub fn check(doc: &Document, history: &impl History, ext: &External) -> Vec<Finding> {
    judge(doc, history, ext, ext.vandaag)
}

/// [`check`] on a given day (the receiver's system date of TR135), whatever `ext.vandaag` says.
pub fn check_on(
    doc: &Document,
    history: &impl History,
    ext: &External,
    vandaag: Datum,
) -> Vec<Finding> {
    judge(doc, history, ext, Some(vandaag))
}

fn judge(
    doc: &Document,
    history: &impl History,
    ext: &External,
    vandaag: Option<Datum>,
) -> Vec<Finding> {
    let Some(header) = Header::of(doc) else {
        return Vec::new();
    };
    let mut ctx = HistoryCtx {
        doc,
        history,
        ext,
        vandaag,
        header,
        rejected: Vec::new(),
    };
    let mut sink = HistorySink {
        code: "",
        retourcode: "",
        findings: Vec::new(),
    };
    let applicable: Vec<&HistoryRule> = RULES
        .iter()
        .filter(|r| r.applies(ctx.header.domein, ctx.header.nummer))
        .collect();
    let run = |ctx: &HistoryCtx<'_>, second: bool, sink: &mut HistorySink| {
        for r in applicable
            .iter()
            .filter(|r| SECOND.contains(&r.code) == second)
        {
            sink.code = r.code;
            sink.retourcode = r.retourcode;
            (r.check)(ctx, sink);
        }
    };
    run(&ctx, false, &mut sink);
    // What is rejected so far is not granted, so it takes no room in the totals and clears
    // no way for a new debet.
    ctx.rejected = sink.findings.iter().map(|f| f.path.clone()).collect();
    run(&ctx, true, &mut sink);
    let position = |code: &str| RULES.iter().position(|r| r.code == code);
    sink.findings.sort_by_key(|f| position(f.code));
    sink.findings
}

/// Rules that depend on which prestaties of the message the other rules reject.
const SECOND: [&str; 3] = ["TR322", "TR369", "TR389"];

/// What every rule gets.
pub struct HistoryCtx<'a> {
    pub doc: &'a Document,
    pub history: &'a dyn History,
    pub ext: &'a External,
    /// The receiver's system date (TR135), when known.
    pub vandaag: Option<Datum>,
    pub header: Header,
    /// For the rules judged last (TR322, TR369, TR389): paths of the findings of all others.
    pub rejected: Vec<String>,
}

impl<'a> HistoryCtx<'a> {
    /// A top-level element of the message (`Client`, `Declaratie` …).
    pub fn top(&self, name: &str) -> Option<&'a Element> {
        self.doc.children.iter().find(|e| e.name() == name)
    }

    pub fn ijw(&self) -> bool {
        self.header.domein == Domein::Ijw
    }

    /// Whether another rule rejected the element at `path` (or an element holding it).
    pub fn is_rejected(&self, path: &str) -> bool {
        self.rejected.iter().any(|r| {
            path.strip_prefix(r.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    }
}

/// Collects the findings of the rule being run.
pub struct HistorySink {
    code: &'static str,
    retourcode: &'static str,
    findings: Vec<Finding>,
}

impl HistorySink {
    pub fn push(&mut self, path: String, message: String) {
        self.findings.push(Finding {
            code: self.code,
            retourcode: Some(self.retourcode),
            path,
            message,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_sorted_and_unique() {
        for w in RULES.windows(2) {
            assert!(w[0].code < w[1].code, "{} before {}", w[0].code, w[1].code);
        }
    }

    #[test]
    fn retourcodes_are_the_standards() {
        // WJ001 codes are four digits or S plus three digits.
        for r in RULES {
            let c = r.retourcode;
            assert_eq!(c.len(), 4, "{}", r.code);
            assert!(
                c.chars().skip(1).all(|ch| ch.is_ascii_digit()),
                "{}",
                r.code
            );
        }
        assert_eq!(rule("TR304").map(|r| r.retourcode), Some("8187"));
        assert_eq!(rule("TR378").map(|r| r.retourcode), Some("S300"));
    }

    #[test]
    fn message_codes_per_standard() {
        let r = rule("TR069").expect("registered");
        assert_eq!(r.message_codes(), ["JW307", "WMO307"]);
        assert!(r.applies(Domein::Ijw, 307) && !r.applies(Domein::Iwmo, 305));
    }
}
