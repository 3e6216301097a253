//! Read models over the history: the current state of a toewijzing as the back office and the
//! aanbieder see it (assigned product, period, omvang or budget, started, stopped, declared).

use crate::standard::types::{Bsn, Datum};
use crate::validate::history::{Domein, History, Omvang, Product, ToewijzingState};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ToewijzingStatus {
    pub domein: &'static str,
    pub toewijzingnummer: String,
    pub gemeente: String,
    pub aanbieder: String,
    pub bsn: String,
    pub product: Product,
    pub ingangsdatum: Datum,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub einddatum: Option<Datum>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub omvang: Option<Omvang>,
    /// Budget in euro cents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reden_wijziging: Option<String>,
    pub toewijzingsdatum: Datum,
    /// How many versions (JW301s) shaped it.
    pub versies: usize,
    /// Removed (RedenWijziging 13): the standard treats it as never sent.
    pub verwijderd: bool,
    pub gestart: bool,
    pub gestopt: bool,
    pub starts: Vec<Start>,
    pub stops: Vec<Stop>,
    pub gedeclareerd: Gedeclareerd,
}

#[derive(Debug, Serialize)]
pub struct Start {
    pub begindatum: Datum,
    pub product: Product,
}

#[derive(Debug, Serialize)]
pub struct Stop {
    pub begindatum: Datum,
    pub einddatum: Datum,
    pub reden_beeindiging: String,
}

/// Granted prestaties on the toewijzing so far; credits count against debets.
#[derive(Debug, Default, Serialize)]
pub struct Gedeclareerd {
    pub prestaties: usize,
    /// Euro cents, debet minus credit.
    pub bedrag: i64,
    /// GeleverdVolume, debet minus credit.
    pub volume: i64,
}

fn status(h: &impl History, state: &ToewijzingState) -> Option<ToewijzingStatus> {
    let v = state.current()?;
    let p = &v.parties;
    let starts = h.starts(p, &v.bsn, &v.toewijzingnummer);
    let stops = h.stops(p, &v.bsn, &v.toewijzingnummer);
    let mut gedeclareerd = Gedeclareerd::default();
    for pr in h.prestaties_op_toewijzing(p.domein, &p.gemeente, &v.toewijzingnummer) {
        let sign = if pr.credit { -1 } else { 1 };
        gedeclareerd.prestaties += 1;
        gedeclareerd.bedrag += sign * pr.bedrag;
        gedeclareerd.volume += sign * pr.geleverd_volume;
    }
    Some(ToewijzingStatus {
        domein: p.domein.as_str(),
        toewijzingnummer: v.toewijzingnummer.clone(),
        gemeente: p.gemeente.clone(),
        aanbieder: p.aanbieder.clone(),
        bsn: v.bsn.as_str().to_string(),
        product: v.product.clone(),
        ingangsdatum: v.ingangsdatum,
        einddatum: v.einddatum,
        omvang: v.omvang.clone(),
        budget: v.budget,
        reden_wijziging: v.reden_wijziging.clone(),
        toewijzingsdatum: v.toewijzingsdatum,
        versies: state.versions.len(),
        verwijderd: v.verwijderd(),
        gestart: !starts.is_empty(),
        gestopt: !stops.is_empty(),
        starts: starts
            .into_iter()
            .map(|s| Start {
                begindatum: s.begindatum,
                product: s.product,
            })
            .collect(),
        stops: stops
            .into_iter()
            .map(|s| Stop {
                begindatum: s.begindatum,
                einddatum: s.einddatum,
                reden_beeindiging: s.reden_beeindiging,
            })
            .collect(),
        gedeclareerd,
    })
}

/// The toewijzing with this number in the gemeente, in either standard.
pub fn toewijzing(h: &impl History, gemeente: &str, nummer: &str) -> Vec<ToewijzingStatus> {
    [Domein::Ijw, Domein::Iwmo]
        .into_iter()
        .filter_map(|d| h.toewijzing(d, gemeente, nummer))
        .filter_map(|state| status(h, &state))
        .collect()
}

/// Every toewijzing of a client in the gemeente, with any of the aanbieders.
pub fn van_client(
    h: &impl History,
    gemeente: &str,
    aanbieders: &[String],
    bsn: &Bsn,
) -> Vec<ToewijzingStatus> {
    let mut out = Vec::new();
    for domein in [Domein::Ijw, Domein::Iwmo] {
        for aanbieder in aanbieders {
            let p = crate::validate::history::Parties {
                domein,
                gemeente: gemeente.to_string(),
                aanbieder: aanbieder.clone(),
            };
            for state in h.toewijzingen_van_client(&p, bsn) {
                out.extend(status(h, &state));
            }
        }
    }
    out
}
