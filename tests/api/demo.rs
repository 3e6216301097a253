//! The demo data set of issue #5 (`sluis::demo`): every generated message goes through the
//! library pipeline as the gateway runs it (standard messages: `sluis::validate`,
//! `history::check` with the external facts of `config/sluis.toml`, `accepted_effects` into a
//! `MemoryHistory`; doelbereik messages: `doelbereik::read`, `check`, `accepted_effects` into
//! `MemoryPlans`), every one must be accepted, and the indicators the library computes from the
//! stored messages must equal the figures the generator counted from its own scenario records.

use sluis::config::Settings;
use sluis::demo::{self, Breuk, Cijfers, DemoSet, JSON, XML};
use sluis::doelbereik::{
    self, indicatoren, per, trajectories, Figure, Filter, Groep, Indicatoren, Kind, MemoryPlans,
};
use sluis::standard::types::Datum;
use sluis::validate::history::{self, accepted_effects, External, MemoryHistory};
use sluis::{Finding, Limits};
use std::collections::{BTreeMap, BTreeSet};

/// The external facts as the gateway derives them from `config/sluis.toml`, with the demo's
/// "today".
fn external() -> External {
    let settings = Settings::parse(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/sluis.toml"
    )))
    .expect("demo configuration");
    let mut productcodes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut tarieven: BTreeMap<(String, String), BTreeMap<String, i64>> = BTreeMap::new();
    for c in &settings.contracten {
        productcodes
            .entry(c.categorie.clone())
            .or_default()
            .insert(c.code.clone());
        tarieven
            .entry((c.aanbieder.clone(), c.code.clone()))
            .or_default()
            .insert(c.eenheid.clone(), c.tarief);
    }
    let (y, m, d) = demo::VANDAAG;
    External {
        gemeentecodes: Some(BTreeSet::from([settings.gemeente.code.clone()])),
        gemeentelijst: None,
        productcodes: Some(productcodes),
        vandaag: Datum::from_ymd(y, m, d),
        tarieven: Some(tarieven),
    }
}

struct Pipeline {
    h: MemoryHistory,
    plans: MemoryPlans,
    ext: External,
}

impl Pipeline {
    /// The findings on one message (empty: accepted and recorded).
    fn post(&mut self, m: &demo::DemoMessage) -> Vec<Finding> {
        let bytes = m.body.as_bytes();
        match m.path {
            demo::PATH_BERICHTEN => {
                assert_eq!(m.content_type, XML, "{}", m.label);
                let v = sluis::validate(bytes, &Limits::default()).expect("readable");
                if !v.findings.is_empty() {
                    return v.findings;
                }
                let mut findings = history::check(&v.document, &self.h, &self.ext);
                // No result-financed contract lines in the demo: nothing to add, but the call
                // is the gateway's.
                findings.extend(doelbereik::check_declaratie(
                    &v.document,
                    &self.h,
                    &self.plans,
                    &[],
                    &findings,
                ));
                self.h.apply(&accepted_effects(&v.document, &findings));
                findings
            }
            path => {
                assert_eq!(m.content_type, JSON, "{}", m.label);
                let kind = match path {
                    demo::PATH_BEHANDELPLANNEN => Kind::Behandelplan,
                    demo::PATH_RESULTAATMELDINGEN => Kind::Resultaatmelding,
                    demo::PATH_BEOORDELINGEN => Kind::Beoordeling,
                    other => panic!("unknown path {other}"),
                };
                let bericht = match doelbereik::read(kind, bytes) {
                    Ok(b) => b,
                    Err(f) => return f,
                };
                let f = doelbereik::check(&bericht, &self.h, &self.plans);
                self.plans
                    .apply(&doelbereik::accepted_effects(&bericht, &f));
                f
            }
        }
    }
}

fn run(set: &DemoSet) -> (MemoryHistory, MemoryPlans) {
    let mut p = Pipeline {
        h: MemoryHistory::new(),
        plans: MemoryPlans::new(),
        ext: external(),
    };
    for (i, m) in set.messages.iter().enumerate() {
        let f = p.post(m);
        assert!(
            f.is_empty(),
            "message {} ({}) not accepted: {:#?}\n{}",
            i + 1,
            m.label,
            f.first(),
            m.body
        );
    }
    (p.h, p.plans)
}

fn breuk(f: Figure) -> Breuk {
    Breuk {
        teller: f.teller,
        noemer: f.noemer,
    }
}

fn cijfers(i: &Indicatoren) -> Cijfers {
    Cijfers {
        beeindigd: i.beeindigd,
        zonder_resultaat: i.zonder_resultaat,
        doelrealisatie: breuk(i.doelrealisatie),
        uitval: breuk(i.uitval),
        clienttevredenheid: breuk(i.clienttevredenheid),
        herhaald_beroep: breuk(i.herhaald_beroep),
    }
}

/// Each figure has a non-zero noemer and a teller strictly between 0 and it, so a comparison
/// can fail in both directions.
fn informative(what: &str, c: &Cijfers) {
    for (name, b) in [
        ("doelrealisatie", c.doelrealisatie),
        ("uitval", c.uitval),
        ("clienttevredenheid", c.clienttevredenheid),
        ("herhaald_beroep", c.herhaald_beroep),
    ] {
        assert!(
            0 < b.teller && b.teller < b.noemer,
            "{what}: {name} {}/{} is not informative",
            b.teller,
            b.noemer
        );
    }
    assert!(
        0 < c.zonder_resultaat && c.zonder_resultaat < c.beeindigd,
        "{what}: {c:?}"
    );
}

#[test]
fn the_default_demo_set_is_accepted_and_its_indicators_are_the_counted_ones() {
    let set = demo::generate(demo::DEFAULT_SEED, demo::DEFAULT_CLIENTS);

    // Its shape: a few hundred clients, every aanbieder, three teams, both standards.
    assert_eq!(set.clients.len(), 300);
    let aanbieders: BTreeSet<&str> = set
        .clients
        .iter()
        .flat_map(|c| c.trajecten.iter().map(|t| t.product.aanbieder))
        .collect();
    assert_eq!(aanbieders.len(), 3, "{aanbieders:?}");
    let teams: BTreeSet<&str> = set.clients.iter().map(|c| c.team).collect();
    assert_eq!(teams, BTreeSet::from(["midden", "noord", "zuid"]));
    for c in &set.clients {
        assert_eq!(demo::team_voor(&c.postcode), Some(c.team));
        assert!(
            c.trajecten
                .iter()
                .all(|t| c.team != "onbekend" && !t.toewijzingnummer.is_empty()),
            "client {}",
            c.nummer
        );
    }
    for path in [
        demo::PATH_BERICHTEN,
        demo::PATH_BEHANDELPLANNEN,
        demo::PATH_RESULTAATMELDINGEN,
        demo::PATH_BEOORDELINGEN,
    ] {
        assert!(set.messages.iter().any(|m| m.path == path), "{path}");
    }
    for kind in [
        "JW301", "JW305", "JW307", "JW323", "WMO301", "WMO305", "WMO307", "WMO323",
    ] {
        assert!(
            set.messages.iter().any(|m| m.label.contains(kind)),
            "no {kind}"
        );
    }
    // No BSN in a label.
    for m in &set.messages {
        for c in &set.clients {
            assert!(!m.label.contains(&c.bsn), "BSN in label {}", m.label);
        }
    }

    // Every kind of scenario is in it.
    let mix = set.samenstelling();
    for kind in [
        "clients ijw",
        "clients iwmo",
        "niet gestart",
        "lopend",
        "beeindigd volgens plan",
        "beeindigd voortijdig",
        "beeindigd om een andere reden",
        "beeindigd zonder resultaatmelding",
        "melding: alle doelen behaald",
        "melding zonder tevredenheid",
        "beoordeling eens",
        "beoordeling oneens (uitkomst omgedraaid)",
        "tweede toewijzing binnen 12 maanden",
        "tweede toewijzing na meer dan 12 maanden",
        "tweede toewijzing precies 12 maanden na de einddatum",
        "tweede toewijzing op de einddatum zelf",
        "met gedeclareerde maand",
        "declaraties",
    ] {
        assert!(
            mix.get(kind).copied().unwrap_or(0) > 0,
            "no {kind}: {mix:#?}"
        );
    }

    // Every message accepted.
    let (h, plans) = run(&set);

    // The library's figures from the stored messages, the team from the postcode table.
    let team_of: BTreeMap<String, &str> = set
        .clients
        .iter()
        .map(|c| {
            let team = demo::team_voor(&c.postcode).expect("team");
            (c.bsn.clone(), team)
        })
        .collect();
    let mut ts = trajectories(&h, &plans);
    assert_eq!(ts.len(), set.trajecten());
    for t in &mut ts {
        t.team = Some(team_of[t.bsn.as_str()].into());
    }
    let filter = Filter::default();
    let v = &set.verwacht;
    assert_eq!(v.venster_maanden, filter.venster_maanden);
    assert_eq!(cijfers(&indicatoren(&ts, &filter)), v.gemeente, "gemeente");
    let per_gemeente = per(&ts, &filter, Groep::Gemeente);
    assert_eq!(per_gemeente.len(), 1);
    assert_eq!(cijfers(&per_gemeente[demo::GEMEENTE]), v.gemeente);
    let per_aanbieder: BTreeMap<String, Cijfers> = per(&ts, &filter, Groep::Aanbieder)
        .iter()
        .map(|(k, i)| (k.clone(), cijfers(i)))
        .collect();
    assert_eq!(per_aanbieder, v.per_aanbieder, "per aanbieder");
    let per_team: BTreeMap<String, Cijfers> = per(&ts, &filter, Groep::Team)
        .iter()
        .map(|(k, i)| (k.clone(), cijfers(i)))
        .collect();
    assert_eq!(per_team, v.per_team, "per team");

    // And the figures say something, everywhere.
    informative("gemeente", &v.gemeente);
    assert_eq!(v.per_aanbieder.len(), 3);
    for (a, c) in &v.per_aanbieder {
        informative(a, c);
    }
    assert_eq!(v.per_team.len(), 3);
    for (t, c) in &v.per_team {
        informative(t, c);
    }

    // The figures of docs/doelbereik.md ("Demo data set").
    println!(
        "{mix:#?}\n{}",
        serde_json::to_string_pretty(&set.verwacht).expect("json")
    );
    // … pinned, so the docs stay true (the counts above are what decides).
    let b = |teller, noemer| Breuk { teller, noemer };
    assert_eq!(
        v.gemeente,
        Cijfers {
            beeindigd: 217,
            zonder_resultaat: 66,
            doelrealisatie: b(82, 151),
            uitval: b(65, 180),
            clienttevredenheid: b(54, 103),
            herhaald_beroep: b(24, 115),
        }
    );
    assert_eq!((set.trajecten(), set.messages.len()), (356, 1441));
}

#[test]
fn other_seeds_are_accepted_and_counted_alike() {
    for seed in [2, 3] {
        let set = demo::generate(seed, 120);
        let (h, plans) = run(&set);
        let mut ts = trajectories(&h, &plans);
        let team_of: BTreeMap<String, &str> = set
            .clients
            .iter()
            .map(|c| (c.bsn.clone(), demo::team_voor(&c.postcode).expect("team")))
            .collect();
        for t in &mut ts {
            t.team = Some(team_of[t.bsn.as_str()].into());
        }
        let f = Filter::default();
        assert_eq!(
            cijfers(&indicatoren(&ts, &f)),
            set.verwacht.gemeente,
            "seed {seed}"
        );
        let per_team: BTreeMap<String, Cijfers> = per(&ts, &f, Groep::Team)
            .iter()
            .map(|(k, i)| (k.clone(), cijfers(i)))
            .collect();
        assert_eq!(per_team, set.verwacht.per_team, "seed {seed}");
        let per_aanbieder: BTreeMap<String, Cijfers> = per(&ts, &f, Groep::Aanbieder)
            .iter()
            .map(|(k, i)| (k.clone(), cijfers(i)))
            .collect();
        assert_eq!(per_aanbieder, set.verwacht.per_aanbieder, "seed {seed}");
    }
}
