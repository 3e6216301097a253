//! Doelbereik: Sluis's own messages on behandelplannen and their results, resultaatfinanciering
//! and the outcome indicators (`docs/doelbereik.md`). The pure core, like `validate`: no I/O, no
//! store, no HTTP. The gateway, per doelbereik message:
//!
//! 1. [`read`] the JSON body of a [`Kind`] (JSON Schema in `schemas/sluis/`, then the typed
//!    message and its in-message checks) → [`Bericht`] or findings;
//! 2. [`check`] it against the standard's [`History`](crate::validate::history::History) and the
//!    [`PlanHistory`] → findings (empty: accepted);
//! 3. apply [`accepted_effects`] to the store in one transaction.
//!
//! And per JW323/WMO323, after `validate::history::check`: [`check_declaratie`] with the
//! result-financed contract lines ([`ResultaatContract`]); its findings (retourcode `9322`) join
//! the others before `accepted_effects` and `retour`.
//!
//! The standard has no codes for these checks; Sluis's own are in [`codes`].

pub mod checks;
pub mod financiering;
pub mod index;
pub mod indicatoren;
pub mod model;
pub mod omschrijving;
pub mod plans;
pub mod read;
pub mod status;
pub mod xml;

pub use checks::check;
pub use financiering::{
    check_declaratie, check_prestatie, financiering, terugvordering, terugvorderingen, uitkomst,
    uitkomst_na, Financiering, Grond, ResultaatContract, Resultaatfinanciering, Status,
    Terugvordering,
};
pub use index::{Details, Selectie, TeamRow, TrajectoryIndex};
pub use indicatoren::{
    indicatoren, per, trajectories, trajectory, Figure, Filter, Groep, Indicatoren, Trajectory,
    TrajectoryKey,
};
pub use model::{
    Activiteit, Behandelplan, Beoordeling, Bericht, Doel, DoelId, DoelResultaat, Kind, Oordeel,
    Resultaatmelding, Tevredenheid, Uitkomst,
};
pub use plans::{
    accepted_effects, effects, stamp, MemoryPlans, PlanEffect, PlanEffects, PlanHistory,
    PlanRecord, PlanTree,
};
pub use read::read;
pub use status::{
    plan_status, plan_status_of, uitbetaling, zonder_resultaatmelding, PlanSamenvatting,
    PlanStatus, PlanVersie, ResultaatSamenvatting, Uitbetaling,
};
pub use xml::read_xml;

use crate::finding::Finding;

/// Read a message for the gateway, in either form: `Err` with `SL000` findings when it is not a
/// readable message of its kind (nothing to store), else the message with its in-message
/// findings (`SL009`; empty: it may go on to the cross-checks).
pub fn read_judged(
    kind: Kind,
    bytes: &[u8],
    as_xml: bool,
) -> Result<(Bericht, Vec<Finding>), Vec<Finding>> {
    let result = if as_xml {
        xml::read_xml(kind, bytes)
    } else {
        read(kind, bytes)
    };
    match result {
        Ok(b) => Ok((b, Vec::new())),
        Err(findings) if findings.iter().any(|f| f.code == codes::SCHEMA) => Err(findings),
        // Only in-message findings: the message itself is readable; read it again without them.
        Err(findings) => {
            let value = if as_xml {
                xml::to_json(kind, bytes)?
            } else {
                read::json_value(bytes).map_err(|_| findings.clone())?
            };
            let bericht = read::typed(kind, value).map_err(|_| findings.clone())?;
            Ok((bericht, findings))
        }
    }
}

/// Sluis's own codes for the doelbereik checks (the standard has none). The retourcode of a
/// finding is `None`, except [`codes::FINANCIERING`] (`9322`).
pub mod codes {
    /// Not readable JSON, or not valid under the message's JSON Schema.
    pub const SCHEMA: &str = "SL000";
    /// The toewijzing referred to is not a (current, not removed) toewijzing of this aanbieder
    /// (or of the hoofdaannemer named) for this client in this gemeente and domain.
    pub const TOEWIJZING: &str = "SL001";
    /// A new version (plan, beoordeling) is not higher than the current one, or a plan's new
    /// version is for another client.
    pub const VERSIE: &str = "SL002";
    /// A resultaatmelding names no plan of this aanbieder for this client covering its
    /// toewijzing.
    pub const GEEN_PLAN: &str = "SL003";
    /// A resultaatmelding names a goal id that is not in the current plan.
    pub const ONBEKEND_DOEL: &str = "SL004";
    /// A resultaatmelding leaves out a goal of the current plan.
    pub const DOEL_ONTBREEKT: &str = "SL005";
    /// A resultaatmelding before the trajectory ended: no start, or no definitive stop
    /// (reden beëindiging other than 20).
    pub const GEEN_STOP: &str = "SL006";
    /// A second resultaatmelding on the same toewijzing.
    pub const DUBBEL_RESULTAAT: &str = "SL007";
    /// The resultaatmelding's einddatum is not the Einddatum of a definitive stop.
    pub const EINDDATUM: &str = "SL008";
    /// In-message: elfproef, duplicate goal ids, an activity naming an unknown goal, the
    /// hoofdaannemer being the aanbieder itself, a melding dated before its einddatum.
    pub const IN_BERICHT: &str = "SL009";
    /// A beoordeling without a resultaatmelding on its toewijzing.
    pub const GEEN_RESULTAAT: &str = "SL010";
    /// A beoordeling `eens` whose `resultaat_bereikt` contradicts the resultaatmelding.
    pub const TEGENSTRIJDIG: &str = "SL011";
    /// Resultaatfinanciering: the declared total would exceed the entitlement (retourcode 9322).
    pub const FINANCIERING: &str = "SL020";

    /// Every code with a description, in order (for `docs/doelbereik.md` and a CLI listing).
    pub const ALL: [(&str, &str); 13] = [
        (SCHEMA, "Het bericht is geen JSON of voldoet niet aan zijn JSON Schema."),
        (TOEWIJZING, "De toewijzing is een actuele toewijzing van deze aanbieder (of de genoemde hoofdaannemer) voor deze cliënt."),
        (VERSIE, "Een nieuwe versie (plan, beoordeling) is hoger dan de huidige; een plan blijft bij dezelfde cliënt."),
        (GEEN_PLAN, "Een resultaatmelding noemt een plan van deze aanbieder en cliënt dat de toewijzing dekt."),
        (ONBEKEND_DOEL, "Elk doel in de resultaatmelding staat in het actuele plan."),
        (DOEL_ONTBREEKT, "De resultaatmelding geeft de uitkomst van elk doel van het actuele plan."),
        (GEEN_STOP, "Een resultaatmelding komt met of na de definitieve stop van het traject."),
        (DUBBEL_RESULTAAT, "Er is één resultaatmelding per toewijzing."),
        (EINDDATUM, "De einddatum van de resultaatmelding is die van de stop."),
        (IN_BERICHT, "Binnen het bericht: elfproef, unieke doelen, bekende doelen bij activiteiten, hoofdaannemer niet de aanbieder zelf, melding niet voor de einddatum."),
        (GEEN_RESULTAAT, "Een beoordeling betreft een bestaande resultaatmelding."),
        (TEGENSTRIJDIG, "Bij oordeel eens volgt resultaat_bereikt de resultaatmelding."),
        (FINANCIERING, "Bij resultaatfinanciering blijft het gedeclareerde totaal binnen de aanspraak (retourcode 9322)."),
    ];
}
