//! The generator: clients, their trajectories and messages in the order a gateway must receive
//! them, and the figures expected of them.

use super::messages::*;
use super::*;

// ----- the generator -----

pub(super) struct Gen {
    rng: fastrand::Rng,
    /// (date, sequence, message), sorted at the end.
    events: Vec<(Date, u64, DemoMessage)>,
    seq: u64,
    next_id: u64,
    next_nummer: u64,
    next_referentie: u64,
}

impl Gen {
    fn chance(&mut self, percent: u32) -> bool {
        self.rng.u32(0..100) < percent
    }

    fn id(&mut self) -> String {
        self.next_id += 1;
        format!("DEMO{:06}", self.next_id)
    }

    fn push(
        &mut self,
        on: Date,
        path: &'static str,
        content_type: &'static str,
        body: String,
        label: String,
        sender: Sender,
    ) {
        self.seq += 1;
        self.events.push((
            on,
            self.seq,
            DemoMessage {
                path,
                content_type,
                body,
                label,
                sender,
            },
        ));
    }

    fn product(&mut self, domein: Domein) -> Product {
        let options: Vec<Product> = PRODUCTEN
            .iter()
            .copied()
            .filter(|p| p.domein == domein)
            .collect();
        options[self.rng.usize(0..options.len())]
    }

    fn stop_reden(&mut self, domein: Domein) -> (&'static str, Einde) {
        let roll = self.rng.u32(0..100);
        let einde = match roll {
            0..55 => Einde::VolgensPlan,
            55..85 => Einde::Voortijdig,
            _ => Einde::Anders,
        };
        let reden = match (domein, einde) {
            (Domein::Ijw, Einde::VolgensPlan) => "31",
            (Domein::Iwmo, Einde::VolgensPlan) => "19",
            (Domein::Ijw, Einde::Voortijdig) => ["32", "33", "34", "35"][self.rng.usize(0..4)],
            (Domein::Iwmo, Einde::Voortijdig) => ["21", "22", "23"][self.rng.usize(0..3)],
            (_, Einde::Anders) => ["02", "36"][self.rng.usize(0..2)],
        };
        (reden, einde)
    }

    /// One trajectory of `client` from `ingang`: its toewijzing and whatever the scenario adds.
    fn trajectory(
        &mut self,
        client: &DemoClient,
        ingang: Date,
        prestaties: &mut Vec<Prestatie>,
    ) -> DemoTraject {
        let today = vandaag();
        let domein = client.domein;
        let product = self.product(domein);
        self.next_nummer += 1;
        let nummer = self.next_nummer.to_string();
        // Dated a few days before the Ingangsdatum, never after today.
        let toewijzingsdatum = (ingang - days(self.rng.u64(3..21))).min(today);
        // For a year, within 2025 – 2026.
        let eind_toewijzing = (plus_months(ingang, 12) - Duration::days(1)).min(date(2026, 12, 31));
        let c = client.nummer;

        let body = toewijzing_xml(
            domein,
            &self.id(),
            client,
            &nummer,
            &product,
            toewijzingsdatum,
            ingang,
            eind_toewijzing,
            self.rng.u32(0..24),
        );
        self.push(
            toewijzingsdatum,
            PATH_BERICHTEN,
            XML,
            body,
            format!(
                "client {c}: {} toewijzing {nummer} aan {} ({})",
                domein.code(301),
                product.aanbieder,
                product.code
            ),
            Sender::Party(GEMEENTE.to_string()),
        );
        let mut t = DemoTraject {
            toewijzingnummer: nummer.clone(),
            product,
            ingangsdatum: ingang,
            start: None,
            stop: None,
            plan_doelen: None,
            resultaat: None,
            beoordeling: None,
            declaratie: None,
        };

        // Start: most trajectories, when it is not in the future.
        let begin = ingang + days(self.rng.u64(0..11));
        let dag_start = begin + days(self.rng.u64(1..8));
        if !self.chance(94) || dag_start > today {
            return t;
        }
        t.start = Some(begin);
        let body = start_xml(
            domein,
            &self.id(),
            client,
            &nummer,
            &product,
            ingang,
            begin,
            dag_start,
        );
        self.push(
            dag_start,
            PATH_BERICHTEN,
            XML,
            body,
            format!("client {c}: {} start {nummer}", domein.code(305)),
            Sender::Party(product.aanbieder.to_string()),
        );

        // The behandelplan, shortly after the start.
        let dag_plan = begin + days(self.rng.u64(3..15));
        if self.chance(90) && dag_plan <= today {
            let n = self.rng.usize(1..4);
            let first = self.rng.usize(0..4);
            t.plan_doelen = Some(n);
            let body = plan_json(client, &t, dag_plan, first);
            self.push(
                dag_plan,
                PATH_BEHANDELPLANNEN,
                JSON,
                body,
                format!("client {c}: behandelplan PLAN-{nummer} ({n} doelen)"),
                Sender::Party(product.aanbieder.to_string()),
            );
        }

        // The stop: 2 to 10 months after the start, at a month's end, if that is past.
        let duur = self.rng.u32(2..11);
        let einddatum = last_of_month(plus_months(first_of_month(begin), duur));
        let stopt =
            self.chance(80) && einddatum <= date(2026, 10, 31) && einddatum <= eind_toewijzing;
        if stopt {
            let (reden, einde) = self.stop_reden(domein);
            let dag_stop = einddatum + days(self.rng.u64(1..8));
            let body = stop_xml(
                domein,
                &self.id(),
                client,
                &nummer,
                &product,
                ingang,
                begin,
                reden,
                einddatum,
                dag_stop,
            );
            self.push(
                dag_stop,
                PATH_BERICHTEN,
                XML,
                body,
                format!(
                    "client {c}: {} stop {nummer} (reden {reden})",
                    domein.code(307)
                ),
                Sender::Party(product.aanbieder.to_string()),
            );
            t.stop = Some(DemoStop {
                einddatum,
                reden,
                einde,
            });

            // The resultaatmelding, after the stop, when there is a plan.
            if let Some(n) = t.plan_doelen {
                if self.chance(75) {
                    let uitkomsten: Vec<Uitkomst> = (0..n)
                        .map(|_| match self.rng.u32(0..100) {
                            0..70 => Uitkomst::Behaald,
                            70..88 => Uitkomst::DeelsBehaald,
                            _ => Uitkomst::NietBehaald,
                        })
                        .collect();
                    let tevredenheid = match self.rng.u32(0..100) {
                        0..25 => None,
                        25..65 => Some("tevreden"),
                        65..85 => Some("neutraal"),
                        _ => Some("ontevreden"),
                    };
                    let dag_melding = dag_stop + days(self.rng.u64(1..6));
                    let r = DemoResultaat {
                        uitkomsten,
                        tevredenheid,
                    };
                    let body = resultaat_json(client, &t, &r, einddatum, dag_melding);
                    self.push(
                        dag_melding,
                        PATH_RESULTAATMELDINGEN,
                        JSON,
                        body,
                        format!("client {c}: resultaatmelding {nummer}"),
                        Sender::Party(product.aanbieder.to_string()),
                    );
                    let alles = r.uitkomsten.iter().all(|u| *u == Uitkomst::Behaald);
                    t.resultaat = Some(r);

                    // The gebiedsteam's beoordeling: mostly agreeing; disagreeing flips it.
                    if self.chance(40) {
                        let eens = self.chance(70);
                        let b = DemoBeoordeling {
                            eens,
                            resultaat_bereikt: if eens { alles } else { !alles },
                        };
                        let dag = dag_melding + days(self.rng.u64(1..8));
                        let body = beoordeling_json(client, &t, &b, dag);
                        self.push(
                            dag,
                            PATH_BEOORDELINGEN,
                            JSON,
                            body,
                            format!(
                                "client {c}: beoordeling {nummer} door team {} ({})",
                                client.team,
                                if eens { "eens" } else { "oneens" }
                            ),
                            Sender::Team(client.team.to_string()),
                        );
                        t.beoordeling = Some(b);
                    }
                }
            }
        }

        // A declaratie over one whole month between the start and the stop (or before today).
        if let Some(tarief) = product.tarief {
            let eerste = plus_months(first_of_month(begin), 1);
            let laatste = match &t.stop {
                Some(s) => plus_months(first_of_month(s.einddatum), 0) - Duration::days(1),
                None => date(2026, 10, 31).min(eind_toewijzing),
            };
            let mut months = Vec::new();
            let mut m = eerste;
            while last_of_month(m) <= laatste {
                months.push(m);
                m = plus_months(m, 1);
            }
            if !months.is_empty() && self.chance(60) {
                let month = months[self.rng.usize(0..months.len())];
                let hours = self.rng.i64(2..=product.volume * 3);
                t.declaratie = Some((month, hours));
                prestaties.push(Prestatie {
                    month,
                    bsn: client.bsn.clone(),
                    nummer,
                    product,
                    hours,
                    tarief,
                });
            }
        }
        t
    }

    /// One declaratie per aanbieder and month over the prestaties of that month.
    fn declaraties(&mut self, prestaties: Vec<Prestatie>) {
        let mut groups: BTreeMap<(Domein, &'static str, Date), Vec<Prestatie>> = BTreeMap::new();
        for p in prestaties {
            groups
                .entry((p.product.domein, p.product.aanbieder, p.month))
                .or_default()
                .push(p);
        }
        for ((domein, aanbieder, month), ps) in groups {
            let dag = date(
                plus_months(month, 1).year(),
                u8::from(plus_months(month, 1).month()),
                4,
            );
            let id = self.id();
            let mut refs = Vec::new();
            for _ in &ps {
                self.next_referentie += 1;
                refs.push(format!("PR{:07}", self.next_referentie));
            }
            let body = declaratie_xml(domein, aanbieder, &id, month, dag, &ps, &refs);
            self.push(
                dag,
                PATH_BERICHTEN,
                XML,
                body,
                format!(
                    "{} declaratie {id} van {aanbieder} over {} ({} prestaties)",
                    domein.code(323),
                    &fmt(month)[..7],
                    ps.len()
                ),
                Sender::Party(aanbieder.to_string()),
            );
        }
    }
}

/// The demo set for `seed` with `clients` clients.
pub fn generate(seed: u64, clients: usize) -> DemoSet {
    let mut g = Gen {
        rng: fastrand::Rng::with_seed(seed),
        events: Vec::new(),
        seq: 0,
        next_id: 0,
        next_nummer: 600_000,
        next_referentie: 0,
    };
    let today = vandaag();
    let mut prestaties = Vec::new();
    let mut out: Vec<DemoClient> = Vec::with_capacity(clients);
    for i in 1..=clients {
        let domein = if g.chance(70) {
            Domein::Ijw
        } else {
            Domein::Iwmo
        };
        let area = match g.rng.u32(0..100) {
            0..34 => g.rng.u32(8000..8100),
            34..67 => g.rng.u32(8100..8200),
            67..92 => g.rng.u32(8200..8300),
            _ => 8300,
        };
        let letters = [
            LETTERS[g.rng.usize(0..LETTERS.len())] as char,
            LETTERS[g.rng.usize(0..LETTERS.len())] as char,
        ];
        let postcode = format!("{area}{}{}", letters[0], letters[1]);
        let team = team_voor(&postcode).unwrap_or("onbekend");
        let mut client = DemoClient {
            nummer: i,
            bsn: bsn(i),
            domein,
            postcode,
            team,
            trajecten: Vec::new(),
        };
        // The first trajectory: a toewijzing from the first of a month in 2025 – 2026-10.
        // Half of them early in 2025, so that there is room for a return after more than a year.
        let month = if g.chance(50) {
            g.rng.u32(0..6)
        } else {
            g.rng.u32(0..22)
        };
        let ingang = plus_months(date(2025, 1, 1), month);
        let t = g.trajectory(&client, ingang, &mut prestaties);
        let eerste_stop = t.stop.as_ref().map(|s| s.einddatum);
        client.trajecten.push(t);
        // Some come back: mostly within the year, some near its end on either side of it (some
        // on its very last day), a few on the end date itself (not "after" it).
        if let Some(eind) = eerste_stop {
            if g.chance(45) {
                let jaar = plus_months(eind, VENSTER_MAANDEN);
                let ingang2 = match g.rng.u32(0..100) {
                    0..45 => eind + days(g.rng.u64(1..181)),
                    45..55 => jaar,
                    55..65 => jaar - days(g.rng.u64(1..45)),
                    65..95 => jaar + days(g.rng.u64(1..60)),
                    _ => eind,
                };
                // Not after today.
                if ingang2 <= today {
                    let t2 = g.trajectory(&client, ingang2, &mut prestaties);
                    client.trajecten.push(t2);
                }
            }
        }
        out.push(client);
    }
    g.declaraties(prestaties);
    g.events.sort_by_key(|(d, s, _)| (*d, *s));
    DemoSet {
        seed,
        messages: g.events.into_iter().map(|(_, _, m)| m).collect(),
        verwacht: verwacht(&out),
        clients: out,
        teams: TEAMS.to_vec(),
    }
}

// ----- the expected figures, counted from the scenario records -----

/// Count the figures by the definitions of `docs/doelbereik.md` from the records alone.
pub fn verwacht(clients: &[DemoClient]) -> Verwacht {
    let mut v = Verwacht {
        venster_maanden: VENSTER_MAANDEN,
        ..Verwacht::default()
    };
    for c in clients {
        for t in &c.trajecten {
            // Every aanbieder and team with a trajectory has a row, even an empty one.
            v.per_aanbieder
                .entry(t.product.aanbieder.to_string())
                .or_default();
            v.per_team.entry(c.team.to_string()).or_default();
            let Some(stop) = &t.stop else {
                continue;
            };
            let herhaald = (stop.einde == Einde::VolgensPlan).then(|| {
                let tot = plus_months(stop.einddatum, VENSTER_MAANDEN);
                c.trajecten.iter().any(|o| {
                    o.toewijzingnummer != t.toewijzingnummer
                        && o.ingangsdatum > stop.einddatum
                        && o.ingangsdatum <= tot
                })
            });
            let bereikt = t.resultaat.as_ref().map(|r| match t.beoordeling {
                Some(b) => b.resultaat_bereikt,
                None => r.uitkomsten.iter().all(|u| *u == Uitkomst::Behaald),
            });
            let tevreden = t
                .resultaat
                .as_ref()
                .and_then(|r| r.tevredenheid)
                .map(|s| s == "tevreden");
            tel(&mut v.gemeente, stop.einde, bereikt, tevreden, herhaald);
            if let Some(a) = v.per_aanbieder.get_mut(t.product.aanbieder) {
                tel(a, stop.einde, bereikt, tevreden, herhaald);
            }
            if let Some(team) = v.per_team.get_mut(c.team) {
                tel(team, stop.einde, bereikt, tevreden, herhaald);
            }
        }
    }
    v
}

pub(super) fn tel(
    c: &mut Cijfers,
    einde: Einde,
    bereikt: Option<bool>,
    tevreden: Option<bool>,
    herhaald: Option<bool>,
) {
    c.beeindigd += 1;
    match bereikt {
        Some(b) => c.doelrealisatie.tel(b),
        None => c.zonder_resultaat += 1,
    }
    match einde {
        Einde::VolgensPlan => c.uitval.tel(false),
        Einde::Voortijdig => c.uitval.tel(true),
        Einde::Anders => {}
    }
    if let Some(t) = tevreden {
        c.clienttevredenheid.tel(t);
    }
    if let Some(h) = herhaald {
        c.herhaald_beroep.tel(h);
    }
}
