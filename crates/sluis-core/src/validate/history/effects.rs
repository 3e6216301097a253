//! How an accepted message changes the history.
//!
//! | message | effect |
//! |---|---|
//! | every heenbericht | its (berichtsoort, afzender, identificatie) |
//! | 301 | a version of every ToegewezenProduct (the latest toewijzingsdatum/-tijd leads) |
//! | 305 | StatusAanlevering 1: the start is put; 3: the start with that key is removed |
//! | 307 | StatusAanlevering 1: the stop is put; 3: the stop with that key is removed |
//! | 315 | a verzoek per AangevraagdProduct (its ReferentieAanbieder) |
//! | 317 | the verzoek (its ReferentieAanbieder, the toewijzingen it names) |
//! | 319 | the antwoord |
//! | 323 | the declaratie (number, period) and every granted prestatie |
//!
//! Only accepted messages change state. A message rejected on its structure or in-message
//! rules (levels 1–2) counts as never sent: no effect at all. A message with a cross-message or
//! external finding (levels 3–4) is rejected as a whole (IV032) but was received and answered:
//! only its identificatie is recorded (TR056). Except a declaratie: when nothing was found in
//! its Header or in the Declaratie berichtklasse itself, the declaratie is processed and its
//! prestaties that were not rejected are granted (IV087); a finding on a Client rejects all its
//! prestaties. [`accepted_effects`] works that out from the findings.

use super::read::{self, Header, Levering, Prestatie};
use super::state::{
    AntwoordRecord, DeclaratieRecord, Effects, IdentificatieRecord, PrestatieRecord, Record,
    StartRecord, StopRecord, ToewijzingVersie, VerzoekRecord,
};
use crate::finding::Finding;
use crate::standard::{Document, Element};
use crate::validate::rules::{date, int, items, Loc};

/// The effects of `doc` as if it were accepted in full.
pub fn effects(doc: &Document) -> Effects {
    effects_with(doc, &|_| false)
}

/// The effects of `doc` judged with `findings` (structure, in-message and cross-message):
/// everything when clean; nothing on a level 1–2 finding; only the identificatie when rejected
/// as a whole on levels 3–4; for a declaratie with findings only below the Declaratie
/// berichtklasse, the identificatie, the declaratie and its granted prestaties.
pub fn accepted_effects(doc: &Document, findings: &[Finding]) -> Effects {
    if findings.is_empty() {
        return effects(doc);
    }
    if findings.iter().any(Finding::is_technisch) {
        // Rejected on structure or in-message rules: as if never sent (IV087).
        return Effects::default();
    }
    let clients = "/Bericht/Declaratie/Clienten/Client[";
    let is_323 = super::read::Header::of(doc).is_some_and(|h| h.nummer == 323);
    if !is_323 || findings.iter().any(|f| !f.path.starts_with(clients)) {
        // Rejected as a whole on cross-message or external rules: the message was received
        // and answered, so its identificatie is taken; nothing else changes.
        return identificatie_only(doc);
    }
    let rejected = |path: &str| {
        findings.iter().any(|f| {
            within(&f.path, path) || {
                // A finding on the client (not in one of its prestaties) rejects them all.
                let client = client_of(path);
                within(&f.path, client) && !f.path[client.len()..].contains("/Prestatie[")
            }
        })
    };
    effects_with(doc, &rejected)
}

fn identificatie_only(doc: &Document) -> Effects {
    let mut out = Effects::default();
    if let Some(h) = Header::of(doc) {
        out.put(identificatie(&h));
    }
    out
}

fn identificatie(h: &Header) -> Record {
    Record::Identificatie(IdentificatieRecord {
        berichtsoort: h.berichtsoort.to_string(),
        afzender: h.afzender.clone(),
        identificatie: h.identificatie.clone(),
        dagtekening: h.dagtekening,
    })
}

fn within(path: &str, class: &str) -> bool {
    path.strip_prefix(class)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// `/Bericht/Declaratie/Clienten/Client[2]` of a prestatie path.
fn client_of(prestatie: &str) -> &str {
    match prestatie.find("/Prestaties/") {
        Some(i) => &prestatie[..i],
        None => prestatie,
    }
}

/// The effects, leaving out prestaties whose path `rejected` names.
fn effects_with(doc: &Document, rejected: &dyn Fn(&str) -> bool) -> Effects {
    let mut out = Effects::default();
    let Some(h) = Header::of(doc) else {
        return out;
    };
    out.put(identificatie(&h));
    let top = |name: &str| doc.children.iter().find(|e| e.name() == name);
    match h.nummer {
        301 => {
            if let Some(client) = top("Client") {
                toewijzingen(&h, client, &mut out);
            }
        }
        305 | 307 => {
            if let Some(client) = top("Client") {
                leveringen(&h, client, &mut out);
            }
        }
        315 | 317 => {
            if let Some(client) = top("Client") {
                verzoeken(&h, client, &mut out);
            }
        }
        319 => {
            if let Some(antwoord) = top("Antwoord") {
                if let (Some(referentie), Some(verzoek_antwoord)) = (
                    read::owned(antwoord, "ReferentieAanbieder"),
                    read::owned(antwoord, "VerzoekAntwoord"),
                ) {
                    out.put(Record::Antwoord(AntwoordRecord {
                        parties: h.parties.clone(),
                        referentie_aanbieder: referentie,
                        verzoek_antwoord,
                        identificatie: h.identificatie.clone(),
                    }));
                }
            }
        }
        323 => {
            if let Some(declaratie) = top("Declaratie") {
                declaratie_effects(&h, declaratie, rejected, &mut out);
            }
        }
        _ => {}
    }
    out
}

fn toewijzingen(h: &Header, client: &Element, out: &mut Effects) {
    let Some(bsn) = read::bsn(client) else {
        return;
    };
    for (_, e) in items(client, "ToegewezenProducten", "ToegewezenProduct") {
        let (Some(nummer), Some(datum), Some(tijd), Some(ingang)) = (
            read::owned(e, "ToewijzingNummer"),
            date(e, "Toewijzingsdatum"),
            read::time(e, "Toewijzingstijd"),
            date(e, "Ingangsdatum"),
        ) else {
            continue;
        };
        out.put(Record::Toewijzing(ToewijzingVersie {
            parties: h.parties.clone(),
            bsn,
            toewijzingnummer: nummer,
            referentie_aanbieder: read::owned(e, "ReferentieAanbieder"),
            product: read::product(e),
            toewijzingsdatum: datum,
            toewijzingstijd: tijd,
            ingangsdatum: ingang,
            einddatum: date(e, "Einddatum"),
            reden_wijziging: read::owned(e, "RedenWijziging"),
            omvang: read::omvang(e),
            budget: int(e, "Budget"),
            identificatie: h.identificatie.clone(),
        }));
    }
}

fn leveringen(h: &Header, client: &Element, out: &mut Effects) {
    let Some(bsn) = read::bsn(client) else {
        return;
    };
    let (list, item) = if h.nummer == 305 {
        ("StartProducten", "StartProduct")
    } else {
        ("StopProducten", "StopProduct")
    };
    for (_, e) in items(client, list, item) {
        let Some(l) = Levering::of(e) else {
            continue;
        };
        let record = if h.nummer == 305 {
            Record::Start(StartRecord {
                parties: h.parties.clone(),
                bsn,
                toewijzingnummer: l.toewijzingnummer.clone(),
                product: l.product.clone(),
                toewijzing_ingangsdatum: l.toewijzing_ingangsdatum,
                begindatum: l.begindatum,
                identificatie: h.identificatie.clone(),
            })
        } else {
            let (Some(reden), Some(einddatum)) = (l.reden.clone(), l.einddatum) else {
                continue;
            };
            Record::Stop(StopRecord {
                parties: h.parties.clone(),
                bsn,
                toewijzingnummer: l.toewijzingnummer.clone(),
                product: l.product.clone(),
                toewijzing_ingangsdatum: l.toewijzing_ingangsdatum,
                begindatum: l.begindatum,
                reden_beeindiging: reden,
                einddatum,
                identificatie: h.identificatie.clone(),
            })
        };
        match l.status.as_str() {
            "1" | "2" => out.put(record),
            "3" => out.remove(&record),
            _ => {}
        }
    }
}

fn verzoeken(h: &Header, client: &Element, out: &mut Effects) {
    let Some(bsn) = read::bsn(client) else {
        return;
    };
    let verzoek = |referentie: String, soort: u16, toewijzingnummers: Vec<String>| {
        Record::Verzoek(VerzoekRecord {
            parties: h.parties.clone(),
            bsn,
            referentie_aanbieder: referentie,
            soort,
            toewijzingnummers,
            identificatie: h.identificatie.clone(),
        })
    };
    if h.nummer == 315 {
        for (_, e) in items(client, "AangevraagdeProducten", "AangevraagdProduct") {
            if let Some(r) = read::owned(e, "ReferentieAanbieder") {
                out.put(verzoek(r, 315, Vec::new()));
            }
        }
    } else if let Some(v) = client.child("Verzoek") {
        if let Some(r) = read::owned(v, "ReferentieAanbieder") {
            let nummers = items(v, "OngewijzigdeProducten", "OngewijzigdProduct")
                .chain(items(v, "TeWijzigenProducten", "TeWijzigenProduct"))
                .filter_map(|(_, e)| read::owned(e, "ToewijzingNummer"))
                .collect();
            out.put(verzoek(r, 317, nummers));
        }
    }
}

fn declaratie_effects(
    h: &Header,
    declaratie: &Element,
    rejected: &dyn Fn(&str) -> bool,
    out: &mut Effects,
) {
    let (Some(nummer), Some(periode)) = (
        read::owned(declaratie, "DeclaratieNummer"),
        read::periode(declaratie, "DeclaratiePeriode"),
    ) else {
        return;
    };
    out.put(Record::Declaratie(DeclaratieRecord {
        parties: h.parties.clone(),
        declaratienummer: nummer.clone(),
        periode,
        identificatie: h.identificatie.clone(),
    }));
    let loc = Loc::top("Declaratie");
    let Some(list) = declaratie.child("Clienten") else {
        return;
    };
    let list_loc = loc.child(list, 1);
    for (ci, client) in list.children_named("Client").enumerate() {
        let client_loc = list_loc.child(client, ci + 1);
        let (Some(bsn), Some(prestaties)) = (read::bsn(client), client.child("Prestaties")) else {
            continue;
        };
        let prestaties_loc = client_loc.child(prestaties, 1);
        for (pi, e) in prestaties.children_named("Prestatie").enumerate() {
            if rejected(&prestaties_loc.child(e, pi + 1).path()) {
                continue;
            }
            let Some(p) = Prestatie::of(e) else {
                continue;
            };
            out.put(Record::Prestatie(PrestatieRecord {
                parties: h.parties.clone(),
                bsn,
                referentienummer: p.referentienummer,
                vorig_referentienummer: p.vorig,
                toewijzingnummer: p.toewijzingnummer,
                product: super::state::Product {
                    categorie: p.categorie,
                    code: p.code,
                },
                periode: p.periode,
                geleverd_volume: p.volume,
                eenheid: p.eenheid,
                product_tarief: p.tarief,
                bedrag: p.bedrag,
                credit: p.credit,
                declaratienummer: nummer.clone(),
            }));
        }
    }
}
