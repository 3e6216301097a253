use super::*;
use crate::doelbereik::model::Behandelplan;
use crate::doelbereik::plans::{MemoryPlans, PlanEffects};
use crate::standard::types::Tijd;
use crate::validate::history::state::{
    AntwoordRecord, PrestatieRecord, Product, StartRecord, StopRecord, ToewijzingVersie,
    VerzoekRecord,
};
use crate::validate::history::view::MemoryHistory;
use crate::validate::history::Periode;

const A: &str = "999990019";
const B: &str = "999990020";

fn d(s: &str) -> Datum {
    Datum::parse(s).expect("date")
}

fn bsn(s: &str) -> Bsn {
    Bsn::parse(s).expect("bsn")
}

fn parties() -> Parties {
    Parties {
        domein: Domein::Ijw,
        gemeente: "0599".into(),
        aanbieder: "12345678".into(),
    }
}

fn client(b: &str) -> Client {
    Client {
        gemeente: "0599".into(),
        bsn: bsn(b),
        delen: [(Domein::Ijw, "12345678".to_string())].into(),
    }
}

fn toewijzing(b: &str, nummer: &str, ingang: &str, eind: Option<&str>) -> Record {
    Record::Toewijzing(ToewijzingVersie {
        parties: parties(),
        bsn: bsn(b),
        toewijzingnummer: nummer.into(),
        referentie_aanbieder: Some(format!("ref-{nummer}")),
        product: Product::default(),
        toewijzingsdatum: d(ingang),
        toewijzingstijd: Tijd::parse("10:00:00").expect("time"),
        ingangsdatum: d(ingang),
        einddatum: eind.map(d),
        reden_wijziging: None,
        omvang: None,
        budget: None,
        identificatie: format!("T{nummer}"),
    })
}

fn start(b: &str, nummer: &str, begin: &str) -> Record {
    Record::Start(StartRecord {
        parties: parties(),
        bsn: bsn(b),
        toewijzingnummer: nummer.into(),
        product: Product::default(),
        toewijzing_ingangsdatum: None,
        begindatum: d(begin),
        identificatie: format!("S{nummer}"),
    })
}

fn stop(b: &str, nummer: &str, begin: &str, eind: &str) -> Record {
    Record::Stop(StopRecord {
        parties: parties(),
        bsn: bsn(b),
        toewijzingnummer: nummer.into(),
        product: Product::default(),
        toewijzing_ingangsdatum: None,
        begindatum: d(begin),
        reden_beeindiging: "01".into(),
        einddatum: d(eind),
        identificatie: format!("E{nummer}"),
    })
}

fn prestatie(b: &str, nummer: &str, referentie: &str, declaratie: &str, eind: &str) -> Record {
    Record::Prestatie(PrestatieRecord {
        parties: parties(),
        bsn: bsn(b),
        referentienummer: referentie.into(),
        vorig_referentienummer: None,
        toewijzingnummer: nummer.into(),
        product: Product::default(),
        periode: Periode {
            begin: d("2018-01-01"),
            eind: d(eind),
        },
        geleverd_volume: 1,
        eenheid: "14".into(),
        product_tarief: None,
        bedrag: 100,
        credit: false,
        declaratienummer: declaratie.into(),
    })
}

fn declaratie(nummer: &str, eind: &str) -> DeclaratieRecord {
    DeclaratieRecord {
        parties: parties(),
        declaratienummer: nummer.into(),
        periode: Periode {
            begin: d("2018-01-01"),
            eind: d(eind),
        },
        identificatie: format!("D{nummer}"),
    }
}

fn plan(b: &str, nummers: &[&str], datum: &str, versie: u32) -> PlanRecord {
    PlanRecord::Plan(Behandelplan {
        domein: Domein::Ijw,
        gemeente: "0599".into(),
        aanbieder: "12345678".into(),
        hoofdaannemer: None,
        bsn: bsn(b),
        plan_id: format!("plan-{b}"),
        versie,
        datum: d(datum),
        toewijzingnummers: nummers.iter().map(|n| n.to_string()).collect(),
        doelen: Vec::new(),
        activiteiten: Vec::new(),
    })
}

fn put(h: &mut MemoryHistory, records: Vec<Record>) {
    let mut e = Effects::default();
    for r in records {
        e.put(r);
    }
    h.apply(&e);
}

fn put_plans(p: &mut MemoryPlans, records: Vec<PlanRecord>) {
    let mut e = PlanEffects::default();
    for r in records {
        e.put(r);
    }
    p.apply(&e);
}

fn apply(h: &mut MemoryHistory, p: &mut MemoryPlans, v: &Verwijdering) {
    h.apply(&v.history);
    for (tree, key) in &v.plans {
        p.remove(*tree, key);
    }
}

const GRENS: &str = "2020-01-01";

/// Client A: an ended trajectory with start, stop, prestatie and plan (two versions); client
/// B: a toewijzing of the same age without an end.
fn store() -> (MemoryHistory, MemoryPlans) {
    let mut h = MemoryHistory::new();
    put(
        &mut h,
        vec![
            toewijzing(A, "100", "2018-01-01", Some("2018-12-31")),
            start(A, "100", "2018-01-10"),
            stop(A, "100", "2018-01-10", "2018-12-31"),
            prestatie(A, "100", "P1", "D1", "2018-01-31"),
            toewijzing(B, "200", "2018-01-01", None),
            start(B, "200", "2018-01-10"),
        ],
    );
    let mut p = MemoryPlans::new();
    put_plans(
        &mut p,
        vec![
            plan(A, &["100"], "2018-01-05", 1),
            plan(A, &["100"], "2018-06-05", 2),
        ],
    );
    (h, p)
}

#[test]
fn an_ended_dossier_goes_whole_with_every_index_entry() {
    let (mut h, mut p) = store();
    let (records, entries) = (h.len(), h.index_len());
    let Dossier::Over(v) = dossier(&h, &p, &client(A), d(GRENS)) else {
        panic!("A's trajectory ended in 2018");
    };
    assert_eq!(
        v.trajecten,
        vec![(Domein::Ijw, "0599".into(), "100".into())]
    );
    assert_eq!(
        v.declaraties,
        [(Domein::Ijw, "12345678".into(), "D1".into())].into()
    );
    apply(&mut h, &mut p, &v);
    // A's toewijzing, start, stop and prestatie are gone with their index entries
    // (per client, per referentie, per toewijzing); B's records stay.
    assert_eq!(h.len(), records - 4);
    assert_eq!(h.index_len(), entries - 3);
    assert!(p.is_empty(), "both plan versions");
    assert_eq!(p.index_len(), 0);
    assert!(h.toewijzing(Domein::Ijw, "0599", "100").is_none());
    assert!(h.toewijzing(Domein::Ijw, "0599", "200").is_some());
    assert!(h
        .toewijzingen_met_referentie(Domein::Ijw, "12345678", "ref-100")
        .is_empty());
    assert!(h
        .prestaties_op_toewijzing(Domein::Ijw, "0599", "100")
        .is_empty());
    assert_eq!(
        dossier(&h, &p, &client(A), d(GRENS)),
        Dossier::Open(Open::Leeg)
    );
}

#[test]
fn an_open_trajectory_stays_however_old() {
    let (h, p) = store();
    // A start without its stop, on a toewijzing without an end.
    assert_eq!(
        dossier(&h, &p, &client(B), d("2030-01-01")),
        Dossier::Open(Open::ZonderStop)
    );
    // With its stop but only a temporary one... the toewijzing has no end: open.
    let mut h2 = h.clone();
    let mut tijdelijk = stop(B, "200", "2018-01-10", "2018-03-01");
    if let Record::Stop(s) = &mut tijdelijk {
        s.reden_beeindiging = crate::doelbereik::checks::TIJDELIJKE_STOP.into();
    }
    put(&mut h2, vec![tijdelijk]);
    assert_eq!(
        dossier(&h2, &p, &client(B), d("2030-01-01")),
        Dossier::Open(Open::Lopend)
    );
}

#[test]
fn a_record_after_the_cut_off_keeps_the_dossier() {
    let (h, mut p) = store();
    // Ended, but the cut-off is before its end.
    assert_eq!(
        dossier(&h, &p, &client(A), d("2018-06-01")),
        Dossier::Open(Open::Recent)
    );
    // A plan version after the cut-off keeps the whole dossier.
    put_plans(&mut p, vec![plan(A, &["100"], "2021-02-01", 3)]);
    assert_eq!(
        dossier(&h, &p, &client(A), d(GRENS)),
        Dossier::Open(Open::Recent)
    );
}

#[test]
fn partly_ended_is_not_over() {
    let (mut h, p) = store();
    // A second toewijzing of A without an end: nothing of A goes.
    put(&mut h, vec![toewijzing(A, "101", "2018-02-01", None)]);
    assert_eq!(
        dossier(&h, &p, &client(A), d(GRENS)),
        Dossier::Open(Open::Lopend)
    );
}

#[test]
fn a_plan_naming_another_clients_toewijzing_is_shared() {
    let (h, mut p) = store();
    put_plans(&mut p, vec![plan(A, &["100", "200"], "2018-07-01", 3)]);
    assert_eq!(
        dossier(&h, &p, &client(A), d(GRENS)),
        Dossier::Open(Open::Gedeeld)
    );
}

#[test]
fn verzoeken_stay_until_answered() {
    let (mut h, p) = store();
    let verzoek = Record::Verzoek(VerzoekRecord {
        parties: parties(),
        bsn: bsn(A),
        referentie_aanbieder: "v-1".into(),
        soort: 315,
        toewijzingnummers: Vec::new(),
        identificatie: "V1".into(),
    });
    put(&mut h, vec![verzoek]);
    assert_eq!(
        dossier(&h, &p, &client(A), d(GRENS)),
        Dossier::Open(Open::Onbeantwoord)
    );
    let antwoord = |a: &str, id: &str| {
        Record::Antwoord(AntwoordRecord {
            parties: parties(),
            referentie_aanbieder: "v-1".into(),
            verzoek_antwoord: a.into(),
            identificatie: id.into(),
        })
    };
    put(&mut h, vec![antwoord("2", "A1")]);
    assert_eq!(
        dossier(&h, &p, &client(A), d(GRENS)),
        Dossier::Open(Open::Onbeantwoord),
        "in onderzoek is no answer"
    );
    put(&mut h, vec![antwoord("1", "A2")]);
    let Dossier::Over(v) = dossier(&h, &p, &client(A), d(GRENS)) else {
        panic!("answered and ended");
    };
    let mut p = p;
    apply(&mut h, &mut p, &v);
    assert!(h.verzoek(Domein::Ijw, "12345678", "v-1").is_none());
    assert!(h.antwoorden(Domein::Ijw, "12345678", "v-1").is_empty());
    assert!(h.verzoeken_van_client(&parties(), &bsn(A)).is_empty());
}

#[test]
fn a_declaratie_shared_by_two_clients_goes_with_the_last_prestatie() {
    let (mut h, mut p) = store();
    // B's trajectory ends too, later; one declaratie holds a prestatie of each.
    put(
        &mut h,
        vec![
            stop(B, "200", "2018-01-10", "2019-06-30"),
            prestatie(B, "200", "P2", "D1", "2018-01-31"),
            Record::Declaratie(declaratie("D1", "2018-01-31")),
        ],
    );
    let left = |h: &MemoryHistory| -> BTreeSet<(Domein, String, String)> {
        h.scan(Tree::Prestaties, b"")
            .into_iter()
            .filter_map(|r| match r {
                Record::Prestatie(p) => {
                    Some((p.parties.domein, p.parties.aanbieder, p.declaratienummer))
                }
                _ => None,
            })
            .collect()
    };
    let declaraties =
        |h: &MemoryHistory| -> Vec<DeclaratieRecord> { h.declaraties_van(&parties()) };
    let Dossier::Over(v) = dossier(&h, &p, &client(A), d(GRENS)) else {
        panic!("A is over");
    };
    apply(&mut h, &mut p, &v);
    // B's prestatie is still in D1: the declaratie stays.
    let gone = declaraties_over(&declaraties(&h), &left(&h), d(GRENS));
    assert!(gone.is_empty());
    // B only at a cut-off after its stop; then D1 has no prestatie left and goes.
    assert_eq!(
        dossier(&h, &p, &client(B), d("2019-06-01")),
        Dossier::Open(Open::Recent)
    );
    let Dossier::Over(v) = dossier(&h, &p, &client(B), d(GRENS)) else {
        panic!("B is over");
    };
    apply(&mut h, &mut p, &v);
    // A period that ends after the cut-off keeps it, else it goes with its index entry.
    assert!(declaraties_over(&declaraties(&h), &left(&h), d("2018-01-31")).is_empty());
    let gone = declaraties_over(&declaraties(&h), &left(&h), d(GRENS));
    assert_eq!(gone.0.len(), 2);
    h.apply(&gone);
    assert!(h.is_empty(), "nothing is left of either client");
    assert_eq!(h.index_len(), 0);
}
