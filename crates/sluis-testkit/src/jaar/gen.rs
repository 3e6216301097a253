//! The generator: per client a trajectory (request, toewijzing, start, changes, stop), then the
//! declaraties per aanbieder by its habit, then the faults; sorted by Dagtekening.

use super::rng::{next_bsn, Rng};
use super::{JaarBericht, Opties, Verwacht, ANDERE_GEMEENTE, GEMEENTE};
use crate::bericht::{
    self as kit, Aangevraagd, Contact, Head, Levering, Omvang, Person, Prestatie, Product, Std,
    TeWijzigen, Toegewezen,
};
use std::collections::BTreeMap;
use time::{Date, Duration, Month};

const A1: &str = "12345678";
const A2: &str = "23456789";
const A3: &str = "34567890";

/// A contracted product (config/sluis.toml): who delivers it, in which unit, at which tariff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Prod {
    std: Std,
    aanbieder: &'static str,
    cat: &'static str,
    code: &'static str,
    eenheid: &'static str,
    /// Cents per eenheid; `None` for euros (volume is the amount).
    tarief: Option<i64>,
}

const JW_UUR: Prod = Prod {
    std: Std::Ijw,
    aanbieder: A1,
    cat: "31",
    code: "45A07",
    eenheid: "04",
    tarief: Some(2500),
};
const JW_OUTPUT_A1: Prod = Prod {
    std: Std::Ijw,
    aanbieder: A1,
    cat: "31",
    code: "45A09",
    eenheid: "83",
    tarief: None,
};
const JW_OUTPUT: Prod = Prod {
    aanbieder: A2,
    ..JW_OUTPUT_A1
};
const WMO_UUR: Prod = Prod {
    std: Std::Iwmo,
    aanbieder: A3,
    cat: "01",
    code: "45A09",
    eenheid: "04",
    tarief: Some(3500),
};
const WMO_UUR_A1: Prod = Prod {
    std: Std::Iwmo,
    aanbieder: A1,
    cat: "01",
    code: "45A07",
    eenheid: "04",
    tarief: Some(2500),
};

const ACHTERNAMEN: [&str; 10] = [
    "Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "de Boer", "Bos",
    "Peters",
];
const STRATEN: [&str; 6] = [
    "Dorpsstraat",
    "Kerkweg",
    "Sluiskade",
    "Molenlaan",
    "Havenstraat",
    "Schoolpad",
];

/// One toewijzing (ToegewezenProduct) over the year.
#[derive(Debug, Clone)]
struct Traject {
    client: usize,
    prod: Prod,
    nummer: String,
    ingang: Date,
    /// The einddatum of the latest version.
    eind: Date,
    omvang: Omvang,
    /// Delivered from, until (a stop's einddatum, or the toewijzing's end).
    begin: Option<Date>,
    tot: Option<Date>,
    /// A temporary stop: no delivery in these days (both inclusive).
    pauze: Option<(Date, Date)>,
    /// The first Begindatum (a restart moves `begin`).
    van: Option<Date>,
}

struct Client {
    person: Person,
    contact: Contact,
}

/// Who sent what, for the faults that need an earlier message.
#[derive(Default)]
struct Sent {
    /// (aanbieder, std, identificatie, dag) of 315s sent.
    verzoek_ids: Vec<(String, Std, String, Date)>,
    /// (aanbieder, std, referentie, dag) of verzoeken sent.
    referenties: Vec<(String, Std, String, Date)>,
    /// Clean prestaties, as declared.
    declared: Vec<declaratie::Declared>,
}

struct Gen {
    o: Opties,
    rng: Rng,
    seq: u64,
    out: Vec<(Date, u64, JaarBericht)>,
    ids: BTreeMap<String, u32>,
    nummer: u32,
    refs: BTreeMap<String, u32>,
    minuut: u32,
    clients: Vec<Client>,
    trajecten: Vec<Traject>,
    sent: Sent,
    /// Which RedenAfwijzingVerzoek comes next, so every code is used.
    afwijzing: usize,
    last: Date,
    first: Date,
}

/// The year of `o`, in posting order.
pub fn genereer(o: &Opties) -> Vec<JaarBericht> {
    let jaar = o.jaar;
    let tot = o.tot_maand.clamp(3, 12);
    let first = date(jaar, 1, 5);
    let last = last_of(date(jaar, tot, 1));
    let mut g = Gen {
        o: Opties {
            tot_maand: tot,
            ..o.clone()
        },
        rng: Rng::new(o.seed),
        seq: 0,
        out: Vec::new(),
        ids: BTreeMap::new(),
        nummer: 0,
        refs: BTreeMap::new(),
        minuut: 0,
        clients: Vec::new(),
        trajecten: Vec::new(),
        sent: Sent::default(),
        afwijzing: 0,
        last,
        first,
    };
    let mut bsn_from = 100_000_000 + (o.seed % 1000) * 100_000;
    for c in 0..o.clienten {
        let bsn = next_bsn(&mut bsn_from);
        g.client(c, bsn);
    }
    g.declaraties();
    g.faults();
    let mut out = g.out;
    out.sort_by_key(|(d, s, _)| (*d, *s));
    out.into_iter().map(|(_, _, b)| b).collect()
}

impl Gen {
    fn push(&mut self, dag: Date, std: Std, nr: u16, afzender: &str, xml: String, v: Verwacht) {
        self.seq += 1;
        self.out.push((
            dag,
            self.seq,
            JaarBericht {
                bericht: std.code(nr),
                afzender: afzender.into(),
                dag,
                xml,
                verwacht: v,
            },
        ));
    }

    /// A fresh identificatie for a message of `afzender`: unique per sender over all kinds.
    fn id(&mut self, afzender: &str) -> String {
        let n = self.ids.entry(afzender.to_string()).or_insert(0);
        *n += 1;
        let p = if afzender.len() == 4 { "G" } else { "A" };
        format!("{p}{:09}", *n)
    }

    fn head(&mut self, dag: Date, afzender: &str, ontvanger: &str) -> Head {
        let id = self.id(afzender);
        Head::new(&id, &fmt(dag), afzender, ontvanger)
    }

    fn referentie(&mut self, aanbieder: &str, kind: &str) -> String {
        let n = self.refs.entry(format!("{aanbieder}{kind}")).or_insert(0);
        *n += 1;
        format!("{kind}{}{:07}", &aanbieder[..2], *n)
    }

    fn toewijzingnummer(&mut self) -> String {
        self.nummer += 1;
        format!("{}", 7_000_000 + self.nummer)
    }

    /// A Toewijzingstijd that keeps versions of one toewijzing apart.
    fn tijd(&mut self) -> String {
        self.minuut += 1;
        let m = self.minuut % 600;
        format!("{:02}:{:02}:00", 8 + m / 60, m % 60)
    }

    fn clamp(&self, d: Date) -> Date {
        d.max(self.first).min(self.last)
    }

    fn client(&mut self, c: usize, bsn: String) {
        let r = self.rng.between(0, 99);
        let jeugd = r < 60;
        let geboren = if jeugd {
            date(
                2008 + (c % 12) as i32,
                1 + (c % 12) as u8,
                1 + (c % 28) as u8,
            )
        } else {
            date(
                1940 + (c % 50) as i32,
                1 + (c % 12) as u8,
                1 + (c % 28) as u8,
            )
        };
        let postcode = format!(
            "{}{}",
            self.rng.between(8000, 8300),
            ["AB", "KL", "PR", "ZX"][c % 4]
        );
        self.clients.push(Client {
            person: Person {
                bsn,
                geboren: fmt(geboren),
                geslacht: ((c % 2) + 1).to_string(),
                achternaam: ACHTERNAMEN[c % ACHTERNAMEN.len()].into(),
                naamgebruik: false,
            },
            contact: Contact::Adres {
                huisnummer: 1 + (c % 140) as u32,
                postcode,
                straat: STRATEN[c % STRATEN.len()].into(),
                plaats: "Sluisdam".into(),
            },
        });
        // The last months are for declaring what was delivered: start before them.
        let tot = i64::from(self.o.tot_maand);
        let m = self.rng.between(1, tot - 2) as u8;
        let ingang = date(self.o.jaar, m, self.rng.between(1, 28) as u8);
        let prods: Vec<Prod> = match r {
            0..=29 => vec![JW_UUR],
            30..=39 => vec![JW_UUR, JW_OUTPUT_A1],
            40..=54 => vec![JW_OUTPUT],
            55..=59 => vec![JW_UUR, WMO_UUR_A1], // a client with care of both standards
            _ => vec![WMO_UUR],
        };
        // Several products of one standard and aanbieder share one toewijzing message.
        let mut groups: Vec<Vec<Prod>> = Vec::new();
        for p in prods {
            match groups
                .iter_mut()
                .find(|g| g[0].std == p.std && g[0].aanbieder == p.aanbieder)
            {
                Some(g) => g.push(p),
                None => groups.push(vec![p]),
            }
        }
        for group in groups {
            self.traject(c, &group, ingang);
        }
        if self.rng.pct(4) {
            self.verwijderd(c, ingang);
        }
    }

    fn omvang(&mut self, p: Prod) -> Omvang {
        match (p.eenheid, self.rng.between(0, 9)) {
            // Euros in cents (CS339: the amount is the volume): 2 to 8 times the product price.
            ("83", _) => Omvang::new(self.rng.between(2, 8) * 150_000, "83", "6"),
            (_, 0..=5) => Omvang::new(self.rng.between(2, 8), "04", "2"),
            (_, 6..=8) => Omvang::new(self.rng.between(4, 10) * 2, "04", "4"),
            _ => Omvang::new(self.rng.between(40, 120), "04", "6"),
        }
    }

    fn person(&self, c: usize) -> Person {
        self.clients[c].person.clone()
    }

    /// Request (or not), toewijzing, start, and how it goes on and ends.
    fn traject(&mut self, c: usize, group: &[Prod], ingang: Date) {
        let std = group[0].std;
        let aanbieder = group[0].aanbieder;
        let back = self.rng.between(0, 10);
        let dag301 = self.clamp(ingang - Duration::days(back));
        let mut referentie = None;
        // Requests come from aanbieder 12345678 and half of 34567890's clients.
        if (aanbieder == A1 || (aanbieder == A3 && self.rng.pct(50))) && group.len() == 1 {
            referentie = self.verzoek_flow(c, group[0], ingang, dag301);
        }
        let mut lines = Vec::new();
        let mut ids = Vec::new();
        for (i, p) in group.iter().enumerate() {
            let maanden = self.rng.between(4, 12) as u32;
            let eind = plus_months(ingang, maanden) - Duration::days(1);
            let eind = eind.min(date(self.o.jaar, 12, 31));
            let eind = if eind.year() > self.o.jaar {
                last_of(date(self.o.jaar, 12, 1))
            } else {
                eind
            };
            let omvang = self.omvang(*p);
            let nummer = self.toewijzingnummer();
            let t = Traject {
                client: c,
                prod: *p,
                nummer: nummer.clone(),
                ingang,
                eind,
                omvang: omvang.clone(),
                begin: None,
                tot: None,
                pauze: None,
                van: None,
            };
            lines.push(Toegewezen {
                nummer,
                referentie: if i == 0 { referentie.clone() } else { None },
                product: Product::new(p.cat, Some(p.code)),
                datum: fmt(dag301),
                tijd: self.tijd(),
                ingang: fmt(ingang),
                eind: Some(fmt(eind)),
                reden: None,
                omvang: Some(omvang),
                budget: None,
            });
            self.trajecten.push(t);
            ids.push(self.trajecten.len() - 1);
        }
        let h = self.head(dag301, GEMEENTE, aanbieder);
        let mut person = self.person(c);
        person.naamgebruik = true;
        let xml = kit::toewijzing(std, &h, &person, &self.clients[c].contact, &lines);
        self.push(dag301, std, 301, GEMEENTE, xml, Verwacht::Ok);

        // The start: all products of the message in one 305, a few days after the ingang.
        let begin = ingang + Duration::days(self.rng.between(0, 6));
        if begin > self.last - Duration::days(5) {
            return;
        }
        let correct = self.rng.pct(5) && begin + Duration::days(10) < self.last;
        // IV008: a wrong Begindatum first, corrected later by removing it and starting again
        // in one message.
        let eerst = if correct {
            begin + Duration::days(2)
        } else {
            begin
        };
        let dag = eerst + Duration::days(self.rng.between(1, 4));
        let starts: Vec<Levering> = ids.iter().map(|&i| self.levering(i, eerst, "1")).collect();
        let h = self.head(dag, aanbieder, GEMEENTE);
        let xml = kit::start(std, &h, &self.person(c), &starts);
        self.push(dag, std, 305, aanbieder, xml, Verwacht::Ok);
        if correct {
            let mut lines: Vec<Levering> =
                ids.iter().map(|&i| self.levering(i, eerst, "3")).collect();
            lines.extend(ids.iter().map(|&i| self.levering(i, begin, "1")));
            let dag = dag + Duration::days(3);
            let h = self.head(dag, aanbieder, GEMEENTE);
            let xml = kit::start(std, &h, &self.person(c), &lines);
            self.push(dag, std, 305, aanbieder, xml, Verwacht::Ok);
        }
        for &i in &ids {
            self.trajecten[i].begin = Some(begin);
            self.trajecten[i].van = Some(begin);
        }
        if ids.len() == 1 {
            self.verloop(ids[0]);
        } else {
            for &i in &ids {
                let eind = self.trajecten[i].eind;
                if eind < self.last - Duration::days(5) {
                    self.stop(i, eind, plan(std), eind + Duration::days(2));
                }
            }
        }
    }

    fn levering(&self, i: usize, begin: Date, status: &str) -> Levering {
        let t = &self.trajecten[i];
        Levering {
            nummer: t.nummer.clone(),
            product: Some(Product::new(t.prod.cat, Some(t.prod.code))),
            toewijzing_ingang: Some(fmt(t.ingang)),
            begin: fmt(begin),
            status: status.into(),
            reden: String::new(),
            eind: String::new(),
        }
    }

    fn stop(&mut self, i: usize, eind: Date, reden: &str, dag: Date) {
        let Some(begin) = self.trajecten[i].begin else {
            return;
        };
        let t = self.trajecten[i].clone();
        let line = Levering {
            reden: reden.into(),
            eind: fmt(eind),
            ..self.levering(i, begin, "1")
        };
        let dag = self.clamp(dag);
        let h = self.head(dag, t.prod.aanbieder, GEMEENTE);
        let xml = kit::stop(t.prod.std, &h, &self.person(t.client), &[line]);
        self.push(dag, t.prod.std, 307, t.prod.aanbieder, xml, Verwacht::Ok);
        self.trajecten[i].tot = Some(eind);
    }

    /// JW315 before the toewijzing; the ReferentieAanbieder the 301 honours, if any.
    fn verzoek_flow(&mut self, c: usize, p: Prod, ingang: Date, dag301: Date) -> Option<String> {
        let back = self.rng.between(6, 14);
        let dag315 = self.clamp(dag301 - Duration::days(back));
        if dag315 >= dag301 {
            return None;
        }
        let r = self.rng.between(0, 9);
        let refusal = r < 2 && dag315 - Duration::days(40) > self.first;
        if refusal {
            // A first request refused (every RedenAfwijzingVerzoek in turn), the second honoured.
            let d = dag315 - Duration::days(35);
            let referentie = self.verzoek(c, p, ingang, d);
            let codes: &[&str] = match p.std {
                Std::Ijw => &["1", "2", "3", "4", "5", "6", "7", "8", "9"],
                Std::Iwmo => &["1", "2", "3", "4", "5", "6", "7", "9"],
            };
            let reden = codes[self.afwijzing % codes.len()];
            self.afwijzing += 1;
            let woonplaats = (reden == "8").then_some(ANDERE_GEMEENTE);
            let d = d + Duration::days(5);
            let h = self.head(d, GEMEENTE, p.aanbieder);
            let xml = kit::afwijzing(p.std, &h, &referentie, "1", Some(reden), woonplaats);
            self.push(d, p.std, 319, GEMEENTE, xml, Verwacht::Ok);
        }
        let referentie = self.verzoek(c, p, ingang, dag315);
        if r >= 8 {
            // In onderzoek first; the toewijzing follows with the same ReferentieAanbieder.
            let d = dag315 + Duration::days(2);
            if d < dag301 {
                let h = self.head(d, GEMEENTE, p.aanbieder);
                let xml = kit::afwijzing(p.std, &h, &referentie, "2", None, None);
                self.push(d, p.std, 319, GEMEENTE, xml, Verwacht::Ok);
                // Fault: a second request while the first is still being looked into.
                if self.rng.pct(20) && d + Duration::days(1) < dag301 {
                    let d = d + Duration::days(1);
                    self.fout_verzoek(c, p, ingang, d, "TR374");
                }
            }
        }
        Some(referentie)
    }

    fn verzoek(&mut self, c: usize, p: Prod, ingang: Date, dag: Date) -> String {
        let referentie = self.referentie(p.aanbieder, "V");
        let h = self.head(dag, p.aanbieder, GEMEENTE);
        let line = Aangevraagd {
            referentie: referentie.clone(),
            cat: p.cat.into(),
            ingang: fmt(ingang),
        };
        let xml = kit::verzoek(p.std, &h, &self.person(c), &[line]);
        self.push(dag, p.std, 315, p.aanbieder, xml, Verwacht::Ok);
        self.sent
            .verzoek_ids
            .push((p.aanbieder.into(), p.std, h.id.clone(), dag));
        self.sent
            .referenties
            .push((p.aanbieder.into(), p.std, referentie.clone(), dag));
        referentie
    }

    /// A request that breaks `code` (TR374: one already pending; TR347: a reused reference;
    /// TR056: a reused identificatie).
    fn fout_verzoek(&mut self, c: usize, p: Prod, ingang: Date, dag: Date, code: &'static str) {
        let mut referentie = self.referentie(p.aanbieder, "V");
        let mut h = self.head(dag, p.aanbieder, GEMEENTE);
        match code {
            "TR347" => {
                if let Some((_, _, r, _)) = self
                    .sent
                    .referenties
                    .iter()
                    .find(|(a, s, _, d)| a == p.aanbieder && *s == p.std && *d < dag)
                {
                    referentie = r.clone();
                }
            }
            "TR056" => {
                if let Some((_, _, id, _)) = self
                    .sent
                    .verzoek_ids
                    .iter()
                    .find(|(a, s, _, d)| a == p.aanbieder && *s == p.std && *d < dag)
                {
                    h.id = id.clone();
                }
            }
            _ => {}
        }
        let line = Aangevraagd {
            referentie,
            cat: p.cat.into(),
            ingang: fmt(ingang),
        };
        let xml = kit::verzoek(p.std, &h, &self.person(c), &[line]);
        self.push(dag, p.std, 315, p.aanbieder, xml, Verwacht::Fout(code));
    }

    /// What happens after the start of a single-product toewijzing.
    fn verloop(&mut self, i: usize) {
        let t = self.trajecten[i].clone();
        let std = t.prod.std;
        let Some(begin) = t.begin else {
            return;
        };
        let room = self.last - Duration::days(20);
        let midden = begin + Duration::days(self.rng.between(30, 120));
        let kans = self.rng.between(0, 99);
        if midden >= t.eind - Duration::days(10) || midden >= room {
            return self.einde(i);
        }
        match kans {
            // The municipality ends it early, with its reason; the aanbieder stops with the
            // RedenBeeindiging that belongs to it.
            0..=24 => {
                let (wijziging, stop) = *self.rng.pick(gemeente_redenen(std));
                self.wijzig(i, midden - Duration::days(7), Some(midden), wijziging, None);
                self.stop(i, midden, stop, midden + Duration::days(2));
            }
            // The aanbieder ends it early (client, aanbieder, in overleg, death, moving …).
            25..=39 => {
                let reden = *self.rng.pick(vroeg(std));
                self.stop(i, midden, reden, midden + Duration::days(3));
            }
            // A temporary stop and a restart.
            40..=54 => {
                let hervat = midden + Duration::days(self.rng.between(7, 20));
                if hervat >= t.eind - Duration::days(5) || hervat >= room {
                    return self.einde(i);
                }
                self.stop(i, midden, "20", midden + Duration::days(1));
                let dag = hervat + Duration::days(1);
                let h = self.head(dag, t.prod.aanbieder, GEMEENTE);
                let line = self.levering(i, hervat, "1");
                let xml = kit::start(std, &h, &self.person(t.client), &[line]);
                self.push(dag, std, 305, t.prod.aanbieder, xml, Verwacht::Ok);
                let tr = &mut self.trajecten[i];
                tr.pauze = Some((midden + Duration::days(1), hervat - Duration::days(1)));
                tr.begin = Some(hervat);
                tr.tot = None;
                self.einde(i);
            }
            // Longer (04) or an administrative correction of the volume (14).
            55..=64 => {
                let eind = (t.eind + Duration::days(self.rng.between(30, 90))).min(date(
                    self.o.jaar,
                    12,
                    31,
                ));
                self.wijzig(i, midden, Some(eind), "04", None);
                self.einde(i);
            }
            65..=72 => {
                let mut o = t.omvang.clone();
                o.volume += if o.eenheid == "83" { 150_000 } else { 2 };
                self.wijzig(i, midden, None, "14", Some(o));
                self.einde(i);
            }
            // A request for change (JW317), honoured (RedenWijziging 12, stop 37, new
            // toewijzing with the ReferentieAanbieder) or refused.
            // (Not on a total over the period: that changes from the ingangsdatum, TR373.)
            73..=84 if t.omvang.frequentie != "6" => self.wijzigingsverzoek(i, midden),
            _ => self.einde(i),
        }
    }

    /// The stop at the planned end, when it falls in the year's traffic.
    fn einde(&mut self, i: usize) {
        let t = &self.trajecten[i];
        if t.begin.is_some() && t.tot.is_none() && t.eind < self.last - Duration::days(5) {
            let (eind, std) = (t.eind, t.prod.std);
            self.stop(i, eind, plan(std), eind + Duration::days(3));
        }
    }

    /// A new version of toewijzing `i` dated `dag`: another einddatum and/or omvang.
    fn wijzig(&mut self, i: usize, dag: Date, eind: Option<Date>, reden: &str, o: Option<Omvang>) {
        let t = self.trajecten[i].clone();
        let dag = self.clamp(dag);
        let eind = eind.unwrap_or(t.eind);
        let omvang = o.unwrap_or(t.omvang.clone());
        let line = Toegewezen {
            nummer: t.nummer.clone(),
            referentie: None,
            product: Product::new(t.prod.cat, Some(t.prod.code)),
            datum: fmt(dag),
            tijd: self.tijd(),
            ingang: fmt(t.ingang),
            eind: Some(fmt(eind)),
            reden: Some(reden.into()),
            omvang: Some(omvang.clone()),
            budget: None,
        };
        self.send_301(t.client, t.prod, dag, vec![line]);
        let tr = &mut self.trajecten[i];
        tr.eind = eind;
        tr.omvang = omvang;
    }

    fn send_301(&mut self, c: usize, p: Prod, dag: Date, lines: Vec<Toegewezen>) {
        let h = self.head(dag, GEMEENTE, p.aanbieder);
        let mut person = self.person(c);
        person.naamgebruik = true;
        let xml = kit::toewijzing(p.std, &h, &person, &self.clients[c].contact, &lines);
        self.push(dag, p.std, 301, GEMEENTE, xml, Verwacht::Ok);
    }

    fn wijzigingsverzoek(&mut self, i: usize, dag: Date) {
        let t = self.trajecten[i].clone();
        let (std, a) = (t.prod.std, t.prod.aanbieder);
        let gewenst = dag + Duration::days(self.rng.between(10, 20));
        if gewenst >= t.eind - Duration::days(20) {
            return self.einde(i);
        }
        let referentie = self.referentie(a, "W");
        let mut meer = t.omvang.clone();
        meer.volume += 2;
        let h = self.head(dag, a, GEMEENTE);
        let line = TeWijzigen {
            nummer: t.nummer.clone(),
            gewenst: fmt(gewenst),
            eind: Some(fmt(t.eind)),
            omvang: Some(meer.clone()),
            budget: None,
        };
        let bsn = self.clients[t.client].person.bsn.clone();
        let xml = kit::wijziging(std, &h, &bsn, &referentie, &[], &[line], &[]);
        self.push(dag, std, 317, a, xml, Verwacht::Ok);
        self.sent
            .referenties
            .push((a.into(), std, referentie.clone(), dag));
        let antwoord = dag + Duration::days(4);
        if self.rng.pct(30) {
            let reden = *self.rng.pick(&["2", "4", "7"]);
            let h = self.head(antwoord, GEMEENTE, a);
            let xml = kit::afwijzing(std, &h, &referentie, "1", Some(reden), None);
            self.push(antwoord, std, 319, GEMEENTE, xml, Verwacht::Ok);
            return self.einde(i);
        }
        // Honoured: the old toewijzing ends the day before, a new one starts.
        let oud_eind = gewenst - Duration::days(1);
        let nummer = self.toewijzingnummer();
        let oud = Toegewezen {
            nummer: t.nummer.clone(),
            referentie: None,
            product: Product::new(t.prod.cat, Some(t.prod.code)),
            datum: fmt(antwoord),
            tijd: self.tijd(),
            ingang: fmt(t.ingang),
            eind: Some(fmt(oud_eind)),
            reden: Some("12".into()),
            omvang: Some(t.omvang.clone()),
            budget: None,
        };
        let nieuw = Toegewezen {
            nummer: nummer.clone(),
            referentie: Some(referentie),
            product: Product::new(t.prod.cat, Some(t.prod.code)),
            datum: fmt(antwoord),
            tijd: self.tijd(),
            ingang: fmt(gewenst),
            eind: Some(fmt(t.eind)),
            reden: None,
            omvang: Some(meer.clone()),
            budget: None,
        };
        self.send_301(t.client, t.prod, antwoord, vec![oud, nieuw]);
        self.trajecten[i].eind = oud_eind;
        self.stop(i, oud_eind, "37", gewenst);
        self.trajecten.push(Traject {
            nummer,
            ingang: gewenst,
            omvang: meer,
            begin: None,
            tot: None,
            pauze: None,
            van: Some(gewenst),
            ..t
        });
        let j = self.trajecten.len() - 1;
        let d = gewenst + Duration::days(1);
        let h = self.head(d, a, GEMEENTE);
        let line = self.levering(j, gewenst, "1");
        let xml = kit::start(std, &h, &self.person(t.client), &[line]);
        self.push(d, std, 305, a, xml, Verwacht::Ok);
        self.trajecten[j].begin = Some(gewenst);
        self.einde(j);
    }

    /// A toewijzing sent by mistake and removed (RedenWijziging 13, einddatum = ingangsdatum).
    fn verwijderd(&mut self, c: usize, ingang: Date) {
        let p = if self.rng.pct(50) { JW_UUR } else { WMO_UUR };
        let dag = self.clamp(ingang + Duration::days(20));
        let nummer = self.toewijzingnummer();
        let omvang = self.omvang(p);
        let mut line = Toegewezen {
            nummer,
            referentie: None,
            product: Product::new(p.cat, Some(p.code)),
            datum: fmt(dag),
            tijd: self.tijd(),
            ingang: fmt(dag + Duration::days(10)),
            eind: Some(fmt(dag + Duration::days(100))),
            reden: None,
            omvang: Some(omvang),
            budget: None,
        };
        self.send_301(c, p, dag, vec![line.clone()]);
        let d = dag + Duration::days(2);
        line.datum = fmt(d);
        line.tijd = self.tijd();
        line.eind = Some(line.ingang.clone());
        line.reden = Some("13".into());
        self.send_301(c, p, d, vec![line]);
    }
}

mod declaratie;
mod kalender;
use kalender::*;
