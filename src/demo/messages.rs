//! The demo's messages: the standard's XML through the test kit's one builder
//! (`sluis_testkit::bericht`), the doelbereik JSON here.

use super::*;
use sluis_testkit::bericht::{self as kit, Contact, Head, Levering, Omvang, Person, Toegewezen};

/// A prestatie to go into the monthly declaratie of its aanbieder.
pub(super) struct Prestatie {
    /// The month declared (its first day).
    pub(super) month: Date,
    pub(super) bsn: String,
    pub(super) nummer: String,
    pub(super) product: Product,
    pub(super) hours: i64,
    pub(super) tarief: i64,
}

/// The client as the messages carry it: the 301 with NaamGebruik, the others without.
fn person(client: &DemoClient, naamgebruik: bool) -> Person {
    let geboren = match client.domein {
        Domein::Ijw => format!(
            "{}-{:02}-{:02}",
            2008 + client.nummer % 12,
            1 + client.nummer % 12,
            1 + client.nummer % 28
        ),
        Domein::Iwmo => format!(
            "{}-{:02}-{:02}",
            1940 + client.nummer % 50,
            1 + client.nummer % 12,
            1 + client.nummer % 28
        ),
    };
    Person {
        bsn: client.bsn.clone(),
        geboren,
        geslacht: (client.nummer % 3).to_string(),
        achternaam: ACHTERNAMEN[client.nummer % ACHTERNAMEN.len()].into(),
        naamgebruik,
    }
}

fn product(p: &Product) -> kit::Product {
    kit::Product::new(p.categorie, Some(p.code))
}

#[allow(clippy::too_many_arguments)]
pub(super) fn toewijzing_xml(
    domein: Domein,
    id: &str,
    client: &DemoClient,
    nummer: &str,
    p: &Product,
    toewijzingsdatum: Date,
    ingang: Date,
    eind: Date,
    minuut: u32,
) -> String {
    let contact = Contact::Adres {
        huisnummer: 1 + (client.nummer % 140) as u32,
        postcode: client.postcode.clone(),
        straat: STRATEN[client.nummer % STRATEN.len()].into(),
        plaats: "Sluisdam".into(),
    };
    let line = Toegewezen {
        nummer: nummer.into(),
        referentie: None,
        product: product(p),
        datum: fmt(toewijzingsdatum),
        tijd: format!("09:{minuut:02}:00"),
        ingang: fmt(ingang),
        eind: Some(fmt(eind)),
        reden: None,
        omvang: Some(Omvang::new(p.volume, p.eenheid, p.frequentie)),
        budget: None,
    };
    let h = Head::new(id, &fmt(toewijzingsdatum), GEMEENTE, p.aanbieder);
    kit::toewijzing(domein.std(), &h, &person(client, true), &contact, &[line])
}

/// A start or stop line of the client's toewijzing.
fn levering(nummer: &str, p: &Product, ingang: Date, begin: Date) -> Levering {
    Levering {
        nummer: nummer.into(),
        product: Some(product(p)),
        toewijzing_ingang: Some(fmt(ingang)),
        begin: fmt(begin),
        status: "1".into(),
        reden: String::new(),
        eind: String::new(),
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn start_xml(
    domein: Domein,
    id: &str,
    client: &DemoClient,
    nummer: &str,
    p: &Product,
    ingang: Date,
    begin: Date,
    dag: Date,
) -> String {
    let h = Head::new(id, &fmt(dag), p.aanbieder, GEMEENTE);
    let line = levering(nummer, p, ingang, begin);
    kit::start(domein.std(), &h, &person(client, false), &[line])
}

#[allow(clippy::too_many_arguments)]
pub(super) fn stop_xml(
    domein: Domein,
    id: &str,
    client: &DemoClient,
    nummer: &str,
    p: &Product,
    ingang: Date,
    begin: Date,
    reden: &str,
    eind: Date,
    dag: Date,
) -> String {
    let h = Head::new(id, &fmt(dag), p.aanbieder, GEMEENTE);
    let line = Levering {
        reden: reden.into(),
        eind: fmt(eind),
        ..levering(nummer, p, ingang, begin)
    };
    kit::stop(domein.std(), &h, &person(client, false), &[line])
}

/// The monthly declaratie of an aanbieder: its prestaties per client (in BSN order).
pub(super) fn declaratie_xml(
    domein: Domein,
    aanbieder: &str,
    id: &str,
    month: Date,
    dag: Date,
    ps: &[Prestatie],
    refs: &[String],
) -> String {
    let (begin, eind) = (fmt(month), fmt(last_of_month(month)));
    let mut per_client: BTreeMap<&str, Vec<kit::Prestatie>> = BTreeMap::new();
    for (p, r) in ps.iter().zip(refs) {
        per_client
            .entry(p.bsn.as_str())
            .or_default()
            .push(kit::Prestatie {
                referentie: r.clone(),
                vorig: None,
                nummer: p.nummer.clone(),
                cat: p.product.categorie.into(),
                code: Some(p.product.code.into()),
                begin: begin.clone(),
                eind: eind.clone(),
                volume: p.hours,
                eenheid: "04".into(),
                tarief: Some(p.tarief),
                bedrag: p.hours * p.tarief,
                credit: false,
            });
    }
    let clients: Vec<(&str, Vec<kit::Prestatie>)> = per_client.into_iter().collect();
    let h = Head::new(id, &fmt(dag), aanbieder, GEMEENTE);
    kit::declaratie(domein.std(), &h, id, (&begin, &eind), &clients)
}

pub(super) fn plan_json(client: &DemoClient, t: &DemoTraject, datum: Date, first: usize) -> String {
    let n = t.plan_doelen.unwrap_or(1);
    let pool = match client.domein {
        Domein::Ijw => DOELEN_IJW,
        Domein::Iwmo => DOELEN_IWMO,
    };
    let streef = fmt(plus_months(datum, 6));
    let doelen: Vec<_> = (0..n)
        .map(|i| {
            let (omschrijving, levensdomein, meting) = pool[(first + i) % pool.len()];
            json!({"id": format!("D{}", i + 1), "omschrijving": omschrijving,
                   "levensdomein": levensdomein, "meting": meting, "streefdatum": streef})
        })
        .collect();
    let ids: Vec<String> = (1..=n).map(|i| format!("D{i}")).collect();
    json!({
        "domein": client.domein.name(), "gemeente": GEMEENTE, "aanbieder": t.product.aanbieder,
        "bsn": client.bsn, "plan_id": format!("PLAN-{}", t.toewijzingnummer), "versie": 1,
        "datum": fmt(datum), "toewijzingnummers": [t.toewijzingnummer],
        "doelen": doelen,
        "activiteiten": [{"omschrijving": "Begeleiding volgens plan", "frequentie": "wekelijks", "doelen": ids}]
    })
    .to_string()
}

pub(super) fn resultaat_json(
    client: &DemoClient,
    t: &DemoTraject,
    r: &DemoResultaat,
    einddatum: Date,
    datum: Date,
) -> String {
    let doelen: Vec<_> = r
        .uitkomsten
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let toelichting = match u {
                Uitkomst::Behaald => "Doel bereikt volgens eindevaluatie",
                Uitkomst::DeelsBehaald => "Vooruitgang, doel niet volledig bereikt",
                Uitkomst::NietBehaald => "Geen vooruitgang op dit doel",
            };
            json!({"id": format!("D{}", i + 1), "uitkomst": u.name(), "toelichting": toelichting})
        })
        .collect();
    let mut body = json!({
        "domein": client.domein.name(), "gemeente": GEMEENTE, "aanbieder": t.product.aanbieder,
        "bsn": client.bsn, "toewijzingnummer": t.toewijzingnummer,
        "plan_id": format!("PLAN-{}", t.toewijzingnummer),
        "einddatum": fmt(einddatum), "datum": fmt(datum), "doelen": doelen
    });
    if let Some(tv) = r.tevredenheid {
        body["tevredenheid"] = json!(tv);
    }
    body.to_string()
}

pub(super) fn beoordeling_json(
    client: &DemoClient,
    t: &DemoTraject,
    b: &DemoBeoordeling,
    datum: Date,
) -> String {
    let mut body = json!({
        "domein": client.domein.name(), "gemeente": GEMEENTE, "team": client.team,
        "aanbieder": t.product.aanbieder, "bsn": client.bsn,
        "toewijzingnummer": t.toewijzingnummer, "versie": 1, "datum": fmt(datum),
        "oordeel": if b.eens { "eens" } else { "oneens" },
        "resultaat_bereikt": b.resultaat_bereikt
    });
    if !b.eens {
        body["reden"] = json!(if b.resultaat_bereikt {
            "De gestelde doelen zijn in de praktijk wel bereikt"
        } else {
            "Het resultaat houdt na de beeindiging geen stand"
        });
    }
    body.to_string()
}
