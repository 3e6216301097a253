//! Who gets what: the one routing rule, used when a message is judged and when an operator
//! replays a stored one.

use crate::codes::Berichtsoort;
use crate::doelbereik::Terugvordering;
use serde::{Deserialize, Serialize};

/// What a party finds in its inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryKind {
    /// A message for this party (the Ontvanger).
    Bericht,
    /// Sluis's answer to a message this party sent.
    Retour,
    /// Sluis's signal that a judgement changed what is to be recovered on a result-financed
    /// trajectory (with the message that caused it).
    Terugvordering,
}

impl DeliveryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryKind::Bericht => "bericht",
            DeliveryKind::Retour => "retour",
            DeliveryKind::Terugvordering => "terugvordering",
        }
    }
}

/// One inbox entry to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub party: String,
    pub kind: DeliveryKind,
    /// The signal itself, for [`DeliveryKind::Terugvordering`].
    pub signaal: Option<Box<Terugvordering>>,
}

/// The signal of a terugvordering for the aanbieder and for the gemeente.
pub fn signal_deliveries(t: &Terugvordering) -> Vec<Delivery> {
    [&t.aanbieder, &t.gemeente]
        .into_iter()
        .map(|party| Delivery {
            party: party.clone(),
            kind: DeliveryKind::Terugvordering,
            signaal: Some(Box::new(t.clone())),
        })
        .collect()
}

/// The facts of a judged message the routing rule looks at; all of them are kept with the
/// stored message, so a replay routes exactly as the first time.
#[derive(Debug, Clone, Copy)]
pub struct Routing<'a> {
    /// `None` for Sluis's own messages (behandelplan …).
    pub soort: Option<Berichtsoort>,
    pub afzender: &'a str,
    pub ontvanger: &'a str,
    /// No finding at all.
    pub accepted: bool,
    /// A finding of levels 1–2 (the standard counts the message as never sent).
    pub technisch: bool,
    /// Sluis answered with a retourbericht.
    pub has_retour: bool,
    /// A declaratie of which at least one prestatie was granted.
    pub granted: bool,
    /// Another message under an identificatie the sender already used (`9056`): it only gets
    /// its answer.
    pub conflict: bool,
}

/// The routing rule. An accepted message goes to its Ontvanger, Sluis's answer to its
/// Afzender. A declaratie goes to the gemeente also when only some of its prestaties were
/// granted, and in `advies` mode (no answer from Sluis) whenever it passed levels 1–2: the back
/// office then decides, with Sluis's findings as advice.
pub fn deliveries(r: &Routing<'_>) -> Vec<Delivery> {
    let declaratie = r.soort.is_some_and(Berichtsoort::is_declaratie);
    let forward = !r.conflict
        && (r.accepted
            || (declaratie && r.granted)
            || (declaratie && !r.technisch && !r.has_retour));
    let mut out = Vec::with_capacity(2);
    if forward {
        out.push(Delivery {
            party: r.ontvanger.to_string(),
            kind: DeliveryKind::Bericht,
            signaal: None,
        });
    }
    if r.has_retour {
        out.push(Delivery {
            party: r.afzender.to_string(),
            kind: DeliveryKind::Retour,
            signaal: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routing(code: &str) -> Routing<'static> {
        Routing {
            soort: Berichtsoort::parse(code),
            afzender: "12345678",
            ontvanger: "0599",
            accepted: false,
            technisch: false,
            has_retour: true,
            granted: false,
            conflict: false,
        }
    }

    fn kinds(r: &Routing<'_>) -> Vec<(String, &'static str)> {
        deliveries(r)
            .into_iter()
            .map(|d| (d.party, d.kind.as_str()))
            .collect()
    }

    #[test]
    fn accepted_goes_on_and_the_answer_goes_back() {
        let r = Routing {
            accepted: true,
            ..routing("JW305")
        };
        assert_eq!(
            kinds(&r),
            [("0599".into(), "bericht"), ("12345678".into(), "retour")]
        );
    }

    #[test]
    fn a_rejected_message_only_gets_its_answer() {
        assert_eq!(kinds(&routing("JW305")), [("12345678".into(), "retour")]);
        let technisch = Routing {
            technisch: true,
            ..routing("JW323")
        };
        assert_eq!(kinds(&technisch), [("12345678".into(), "retour")]);
    }

    #[test]
    fn a_partly_granted_declaratie_goes_to_the_gemeente() {
        let r = Routing {
            granted: true,
            ..routing("JW323")
        };
        assert_eq!(kinds(&r).len(), 2);
        // Not so for another message with the same facts.
        let start = Routing {
            granted: true,
            ..routing("JW305")
        };
        assert_eq!(kinds(&start).len(), 1);
    }

    #[test]
    fn advies_mode_forwards_a_declaratie_that_passed_levels_one_and_two() {
        let r = Routing {
            has_retour: false,
            ..routing("WMO323")
        };
        assert_eq!(kinds(&r), [("0599".into(), "bericht")]);
        let technisch = Routing {
            technisch: true,
            has_retour: false,
            ..routing("WMO323")
        };
        assert!(kinds(&technisch).is_empty());
    }

    #[test]
    fn a_conflicting_duplicate_only_gets_its_answer() {
        let r = Routing {
            conflict: true,
            ..routing("JW323")
        };
        assert_eq!(kinds(&r), [("12345678".into(), "retour")]);
        let advies = Routing {
            has_retour: false,
            ..r
        };
        assert!(kinds(&advies).is_empty());
    }

    #[test]
    fn own_messages_go_on_only_when_accepted() {
        let r = Routing {
            soort: None,
            has_retour: false,
            granted: true,
            ..routing("JW323")
        };
        assert!(kinds(&r).is_empty());
        assert_eq!(
            kinds(&Routing {
                accepted: true,
                ..r
            }),
            [("0599".into(), "bericht")]
        );
    }
}
