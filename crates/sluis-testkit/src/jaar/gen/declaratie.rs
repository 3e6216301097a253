//! The declaraties (323) by the aanbieders' habits, and the faults.

use super::*;

/// A clean prestatie as declared: for the corrections and the faults that refer to it.
#[derive(Debug, Clone)]
pub(super) struct Declared {
    traj: usize,
    /// The month the prestatie is about, and the DeclaratiePeriode it was declared in.
    maand: Date,
    periode: Date,
    dag: Date,
    nummer: String,
    p: Prestatie,
}

/// One prestatie waiting for its declaratie.
struct Item {
    traj: usize,
    maand: Date,
    a: Date,
    b: Date,
    volume: i64,
}

impl Gen {
    /// The volume delivered in `a..=b` on trajectory `t`, within what the toewijzing allows
    /// (TR321 per period, TR322 over the whole toewijzing) with room to spare.
    fn volume(&mut self, t: &Traject, a: Date, b: Date, geleverd: i64) -> Option<i64> {
        let v = t.omvang.volume;
        let n = match t.omvang.frequentie.as_str() {
            "2" => {
                let weeks = days(a, b) / 7;
                if weeks == 0 {
                    return None;
                }
                v * (geleverd / 7).clamp(1, weeks) * self.rng.between(50, 85) / 100
            }
            "4" => v * self.rng.between(30, 50) / 100,
            _ => v / 14,
        };
        Some(n.max(1))
    }

    fn prestatie(&mut self, i: usize, a: Date, b: Date, volume: i64) -> Prestatie {
        let t = self.trajecten[i].clone();
        let referentie = self.referentie(t.prod.aanbieder, "P");
        let (tarief, bedrag) = match t.prod.tarief {
            Some(tf) => (Some(tf), volume * tf),
            None => (None, volume),
        };
        Prestatie {
            referentie,
            vorig: None,
            nummer: t.nummer.clone(),
            cat: t.prod.cat.into(),
            code: Some(t.prod.code.into()),
            begin: fmt(a),
            eind: fmt(b),
            volume,
            eenheid: t.prod.eenheid.into(),
            tarief,
            bedrag,
            credit: false,
        }
    }

    /// Send a declaratie over the month `periode`; its DeclaratieNummer.
    #[allow(clippy::too_many_arguments)]
    fn send_323(
        &mut self,
        aanbieder: &str,
        std: Std,
        periode: Date,
        dag: Date,
        nummer: Option<String>,
        clients: Vec<(String, Vec<Prestatie>)>,
        v: Verwacht,
    ) -> String {
        let nummer = nummer.unwrap_or_else(|| self.referentie(aanbieder, "D"));
        let h = self.head(dag, aanbieder, GEMEENTE);
        let refs: Vec<(&str, Vec<Prestatie>)> = clients
            .iter()
            .map(|(b, p)| (b.as_str(), p.clone()))
            .collect();
        let xml = kit::declaratie(
            std,
            &h,
            &nummer,
            (&fmt(periode), &fmt(last_of(periode))),
            &refs,
        );
        self.push(dag, std, 323, aanbieder, xml, v);
        nummer
    }

    /// Every month's prestaties of every trajectory, declared by the aanbieder's habit.
    pub(super) fn declaraties(&mut self) {
        // Declared in the month after: the last month with traffic declares the one before.
        let laatste = first_of(self.last);
        let mut items = Vec::new();
        for i in 0..self.trajecten.len() {
            let t = self.trajecten[i].clone();
            let Some(van) = t.van else { continue };
            let tot = t.tot.unwrap_or(t.eind).min(t.eind);
            let mut m = first_of(van);
            while m < laatste && m <= tot {
                // The period is the calendar month, cut only by the toewijzing (TR387,
                // TR388); the volume is what was delivered in it.
                let (a, b) = (m.max(t.ingang), last_of(m).min(t.eind));
                let mut geleverd = days(m.max(van), last_of(m).min(tot));
                if let Some((p0, p1)) = t.pauze {
                    let (x, y) = (p0.max(m), p1.min(last_of(m)));
                    if x <= y {
                        geleverd -= days(x, y);
                    }
                }
                if days(a, b) >= 7 && geleverd > 0 {
                    if let Some(volume) = self.volume(&t, a, b, geleverd) {
                        items.push(Item {
                            traj: i,
                            maand: m,
                            a,
                            b,
                            volume,
                        });
                    }
                }
                m = next_month(m);
            }
        }
        // (aanbieder, std, periode, group) → prestaties; group: a client (12345678) or a batch.
        type Key = (&'static str, Std, Date, String);
        let mut groups: BTreeMap<Key, Vec<Item>> = BTreeMap::new();
        for it in items {
            let t = &self.trajecten[it.traj];
            let (a, std) = (t.prod.aanbieder, t.prod.std);
            let late = self.rng.pct(12) && next_month(it.maand) < laatste;
            let (periode, group) = match a {
                A1 if late => (next_month(it.maand), format!("c{:05}", t.client)),
                A1 => (it.maand, format!("c{:05}", t.client)),
                A2 if late => (it.maand, "2-na".to_string()),
                _ => (it.maand, "1-batch".to_string()),
            };
            groups.entry((a, std, periode, group)).or_default().push(it);
        }
        let mut last_of_traj: BTreeMap<usize, Declared> = BTreeMap::new();
        for ((a, std, periode, group), its) in groups {
            let extra = if group == "2-na" { 4 } else { 0 };
            let dag = next_month(periode) + Duration::days(self.rng.between(6, 10) + extra);
            let mut per_client: BTreeMap<String, Vec<(usize, Date, Prestatie)>> = BTreeMap::new();
            for it in its {
                let c = self.trajecten[it.traj].client;
                let bsn = self.clients[c].person.bsn.clone();
                // IV086: 34567890 corrects last month's prestatie with a credit and a new debet.
                if a == A3 && self.rng.pct(10) {
                    if let Some(d) = last_of_traj.get(&it.traj).cloned() {
                        if d.p.volume >= 2 && d.maand < it.maand {
                            let mut credit = d.p.clone();
                            credit.vorig = Some(d.p.referentie.clone());
                            credit.referentie = self.referentie(a, "P");
                            credit.credit = true;
                            let a0 = Date::parse_iso(&d.p.begin);
                            let b0 = Date::parse_iso(&d.p.eind);
                            let debet = self.prestatie(it.traj, a0, b0, d.p.volume - 1);
                            let e = per_client.entry(bsn.clone()).or_default();
                            e.push((it.traj, d.maand, credit));
                            e.push((it.traj, d.maand, debet));
                            last_of_traj.remove(&it.traj);
                        }
                    }
                }
                let p = self.prestatie(it.traj, it.a, it.b, it.volume);
                per_client
                    .entry(bsn)
                    .or_default()
                    .push((it.traj, it.maand, p));
            }
            let clients: Vec<(String, Vec<Prestatie>)> = per_client
                .iter()
                .map(|(b, ps)| (b.clone(), ps.iter().map(|x| x.2.clone()).collect()))
                .collect();
            let nummer = self.send_323(a, std, periode, dag, None, clients, Verwacht::Ok);
            for (traj, maand, p) in per_client.into_values().flatten() {
                if p.credit {
                    continue;
                }
                let d = Declared {
                    traj,
                    maand,
                    periode,
                    dag,
                    nummer: nummer.clone(),
                    p,
                };
                last_of_traj.insert(traj, d.clone());
                self.sent.declared.push(d);
            }
        }
    }

    /// About 3 % faults, each kind in turn, each an extra message.
    pub(super) fn faults(&mut self) {
        const KINDS: [&str; 12] = [
            "TR019", "TR056", "TR307", "TR308", "TR314", "TR321", "TR326", "TR333", "TR338",
            "TR340", "TR347", "TR304",
        ];
        let already = self
            .out
            .iter()
            .filter(|(_, _, b)| b.verwacht != Verwacht::Ok)
            .count();
        let want = (self.out.len() * 3 / 97).saturating_sub(already);
        let mut made = 0;
        let mut tries = 0;
        while made < want && tries < want * 20 + 50 {
            let kind = KINDS[tries % KINDS.len()];
            tries += 1;
            if self.fault(kind) {
                made += 1;
            }
        }
    }

    /// A fresh client that has no other traffic (for faults that must not touch others).
    fn vreemde(&mut self, c: usize) -> usize {
        let mut from = 900_000_000 + self.clients.len() as u64 * 97;
        let bsn = next_bsn(&mut from);
        let mut person = self.clients[c].person.clone();
        person.bsn = bsn;
        let contact = self.clients[c].contact.clone();
        self.clients.push(Client { person, contact });
        self.clients.len() - 1
    }

    fn fault(&mut self, kind: &'static str) -> bool {
        let n = self.sent.declared.len();
        if n == 0 {
            return false;
        }
        let d = self.sent.declared[self.rng.next_u64() as usize % n].clone();
        let t = self.trajecten[d.traj].clone();
        let (a, std) = (t.prod.aanbieder, t.prod.std);
        let bsn = self.clients[t.client].person.bsn.clone();
        let dag = d.dag + Duration::days(1);
        if dag > self.last {
            return false;
        }
        // A new debet for a period already granted would also be TR389: those faults take
        // the trajectory's next month, just before its own declaratie.
        let debet = matches!(kind, "TR304" | "TR321" | "TR338" | "TR340");
        let (d, dag) = if debet {
            let next = self
                .sent
                .declared
                .iter()
                .filter(|o| o.traj == d.traj && o.maand > d.maand)
                .min_by_key(|o| o.maand);
            match next {
                Some(o) => (o.clone(), o.dag - Duration::days(1)),
                None => return false,
            }
        } else {
            (d, dag)
        };
        let one = |g: &mut Gen, p: Prestatie, nummer: Option<String>, b: &str| {
            g.send_323(
                a,
                std,
                d.periode,
                dag,
                nummer,
                vec![(b.to_string(), vec![p])],
                Verwacht::Fout(kind),
            );
        };
        let pa = Date::parse_iso(&d.p.begin);
        let pb = Date::parse_iso(&d.p.eind);
        match kind {
            "TR307" => {
                // The month before the toewijzing starts (a whole month: TR387 holds).
                if first_of(t.ingang) <= self.first {
                    return false;
                }
                let m = first_of(first_of(t.ingang) - Duration::days(1));
                let p = self.prestatie(d.traj, m, last_of(m), 1);
                one(self, p, None, &bsn);
            }
            "TR308" => {
                // The month after the toewijzing ended, declared in a later period.
                let m = next_month(t.eind);
                if m > d.periode {
                    return false;
                }
                let p = self.prestatie(d.traj, m, last_of(m), 1);
                one(self, p, None, &bsn);
            }
            "TR314" | "TR333" => {
                // A credit of a granted prestatie (a new debet for the same period would be
                // TR389); TR314 with a reference used before, TR333 with a used number.
                let mut p = d.p.clone();
                p.vorig = Some(d.p.referentie.clone());
                p.credit = true;
                p.referentie = self.referentie(a, "P");
                let mut nummer = None;
                if kind == "TR314" {
                    let Some(other) = self.sent.declared.iter().find(|o| {
                        self.trajecten[o.traj].prod.aanbieder == a
                            && self.trajecten[o.traj].prod.std == std
                            && o.p.referentie != d.p.referentie
                    }) else {
                        return false;
                    };
                    p.referentie = other.p.referentie.clone();
                } else {
                    nummer = Some(d.nummer.clone());
                }
                one(self, p, nummer, &bsn);
            }
            "TR321" => {
                if t.omvang.frequentie != "4" {
                    return false;
                }
                let p = self.prestatie(d.traj, pa, pb, t.omvang.volume + 1);
                one(self, p, None, &bsn);
            }
            "TR338" => {
                let mut p = self.prestatie(d.traj, pa, pb, 1);
                p.nummer = "7999999".into();
                one(self, p, None, &bsn);
            }
            "TR340" => {
                if t.prod != JW_UUR {
                    return false;
                }
                // Another product of the same contract: its own tariff, the wrong code.
                let mut p = self.prestatie(d.traj, pa, pb, 1);
                p.code = Some("45A08".into());
                p.tarief = Some(3000);
                p.bedrag = 3000;
                one(self, p, None, &bsn);
            }
            "TR304" => {
                // Another client of the same aanbieder and standard.
                let other = self.sent.declared.iter().find(|o| {
                    let u = &self.trajecten[o.traj];
                    u.client != t.client && u.prod.aanbieder == a && u.prod.std == std
                });
                let Some(other) = other.map(|o| {
                    self.clients[self.trajecten[o.traj].client]
                        .person
                        .bsn
                        .clone()
                }) else {
                    return false;
                };
                let p = self.prestatie(d.traj, pa, pb, 1);
                one(self, p, None, &other);
            }
            "TR019" => {
                let Some(begin) = t.van else { return false };
                let mut line = self.levering(d.traj, begin, "1");
                line.nummer = "7999998".into();
                let h = self.head(dag, a, GEMEENTE);
                let xml = kit::start(std, &h, &self.person(t.client), &[line]);
                self.push(dag, std, 305, a, xml, Verwacht::Fout(kind));
            }
            "TR326" => {
                // A second start while the first is current.
                let Some(begin) = t.van else { return false };
                if t.tot.is_some_and(|e| e <= dag) || t.pauze.is_some() || t.begin != t.van {
                    return false;
                }
                let line = self.levering(d.traj, begin + Duration::days(1), "1");
                let h = self.head(dag, a, GEMEENTE);
                let xml = kit::start(std, &h, &self.person(t.client), &[line]);
                self.push(dag, std, 305, a, xml, Verwacht::Fout(kind));
            }
            "TR056" | "TR347" => {
                if a == A2 {
                    return false;
                }
                let c = self.vreemde(t.client);
                let known = match kind {
                    "TR056" => self
                        .sent
                        .verzoek_ids
                        .iter()
                        .any(|x| x.0 == a && x.1 == std && x.3 < dag),
                    _ => self
                        .sent
                        .referenties
                        .iter()
                        .any(|x| x.0 == a && x.1 == std && x.3 < dag),
                };
                if !known {
                    return false;
                }
                self.fout_verzoek(c, t.prod, dag + Duration::days(20), dag, kind);
            }
            _ => return false,
        }
        true
    }
}

trait ParseIso {
    fn parse_iso(s: &str) -> Date;
}

impl ParseIso for Date {
    /// A date this generator wrote itself (`JJJJ-MM-DD`).
    fn parse_iso(s: &str) -> Date {
        let y = s.get(..4).and_then(|v| v.parse().ok()).unwrap_or(2026);
        let m: u8 = s.get(5..7).and_then(|v| v.parse().ok()).unwrap_or(1);
        let d: u8 = s.get(8..10).and_then(|v| v.parse().ok()).unwrap_or(1);
        Month::try_from(m)
            .ok()
            .and_then(|m| Date::from_calendar_date(y, m, d).ok())
            .unwrap_or(Date::MIN)
    }
}
