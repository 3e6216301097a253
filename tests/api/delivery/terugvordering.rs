//! Terugvordering signals pushed (issue #14 with #16): a trajectory paid in full and then
//! judged not reached, and judged reached again, gives the aanbieder and the gemeente each two
//! signals (€ 720,00 to recover, then its lapse). Both parties poll and push at once: every
//! pushed signal is exactly the inbox's `json`, and per party it comes after everything
//! earlier about the same trajectory, retries (429 with `Retry-After`, 500s) included.

use super::*;
use crate::doelbereik_api::terugvordering::{beoordeling_v, paid_in_full};
use crate::scenario::trajectory::{AANBIEDER, GEMEENTE};

/// The kinds of the doelbereik lane (one trajectory): Sluis's own messages and the signals.
fn in_trajectory_lane(o: &Offer) -> bool {
    [
        "behandelplan",
        "resultaatmelding",
        "beoordeling",
        "terugvordering",
    ]
    .contains(&o.bericht.as_str())
}

#[actix_web::test]
async fn terugvordering_signals_are_pushed_as_the_inbox_gives_them_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let aanbieder = FakeParty::start(Mode::RateLimited);
    let gemeente = FakeParty::start(Mode::Flaky(30));
    let mut s = settings(dir.path());
    s.delivery = DeliverySettings {
        max_attempts: 40,
        backoff_ms: 50,
        max_backoff_ms: 200,
        endpoints: vec![
            endpoint(AANBIEDER, &aanbieder.url),
            endpoint(GEMEENTE, &gemeente.url),
        ],
        ..DeliverySettings::default()
    };
    let app = spawn_app_with(s).await;
    paid_in_full(&app).await;
    let mut beoordelingen = Vec::new();
    for (oordeel, bereikt, versie) in [("oneens", false, 1), ("eens", true, 2)] {
        let r = app
            .post(
                "/api/v1/beoordelingen",
                &beoordeling_v(oordeel, bereikt, versie),
            )
            .await;
        assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
        beoordelingen.push(r.json()["id"].as_u64().expect("id"));
    }
    let (status, list) = app
        .as_operator(Method::GET, "/api/v1/berichten?limit=1000", None)
        .await;
    assert_eq!(status, 200, "{list}");
    let ids: Vec<u64> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_u64())
        .collect();
    let ds = app
        .wait_for(&ids, Duration::from_secs(60), "everything pushed", |ds| {
            ds.iter().all(|d| d.status == "bezorgd")
        })
        .await;
    // Each beoordeling has a signal delivery per party, beside its own.
    for id in &beoordelingen {
        let mut signals: Vec<&str> = ds
            .iter()
            .filter(|d| d.bericht_id == *id && d.soort == "terugvordering")
            .map(|d| d.partij.as_str())
            .collect();
        signals.sort_unstable();
        assert_eq!(signals, [GEMEENTE, AANBIEDER], "bericht {id}");
    }

    for (party, fake) in [(AANBIEDER, &aanbieder), (GEMEENTE, &gemeente)] {
        let offers = fake.offers();
        let (s, inbox) = app
            .get_json(&format!("/api/v1/inbox/{party}?after=0&limit=1000"))
            .await;
        assert_eq!(s, reqwest::StatusCode::OK, "{inbox}");
        let polled: Vec<&Value> = inbox["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|i| i["kind"] == "terugvordering")
            .collect();
        assert_eq!(polled.len(), 2, "{party}: both signals also in the inbox");
        for (id, (bedrag, eerder)) in beoordelingen.iter().zip([(72_000, 0), (0, 72_000)]) {
            let want = polled
                .iter()
                .find(|i| i["bericht_id"] == *id)
                .map(|i| &i["json"])
                .expect("in the inbox");
            assert_eq!(
                (want["bedrag"].as_i64(), want["eerder"].as_i64()),
                (Some(bedrag), Some(eerder))
            );
            let (_, record) = app.get_json(&format!("/api/v1/berichten/{id}")).await;
            let delivery_id = format!("{id}-terugvordering");
            let got: Vec<&Offer> = offers
                .iter()
                .filter(|o| o.delivery_id == delivery_id)
                .collect();
            assert!(
                got.iter().any(|o| o.status == 200),
                "{party}: {delivery_id} delivered"
            );
            for o in got {
                assert_eq!(o.soort, "terugvordering");
                assert_eq!(o.bericht, "terugvordering");
                assert_eq!(o.content_type, "application/json");
                assert_eq!(
                    o.identificatie,
                    record["identificatie"].as_str().expect("id")
                );
                let body: Value = serde_json::from_str(&o.body).expect("a JSON body");
                assert_eq!(&body, want, "{party}: the pushed signal is the inbox's");
                assert!(
                    !o.body.contains(crate::scenario::trajectory::CLIENT1.bsn),
                    "no BSN"
                );
            }
        }
        // Per party, the trajectory's deliveries in the order they were accepted (a signal
        // after the message that caused it): each is first offered only after the one before
        // it was delivered.
        let lane: Vec<(usize, &Offer)> = offers
            .iter()
            .enumerate()
            .filter(|(_, o)| in_trajectory_lane(o))
            .collect();
        let mut order: Vec<(u64, bool)> = lane
            .iter()
            .map(|(_, o)| (o.bericht_id, o.soort == "terugvordering"))
            .collect();
        order.sort_unstable();
        order.dedup();
        assert!(order.len() >= 2, "{party}: {order:?}");
        for pair in order.windows(2) {
            let of = |(id, signal): (u64, bool)| {
                lane.iter().filter(move |(_, o)| {
                    o.bericht_id == id && (o.soort == "terugvordering") == signal
                })
            };
            let delivered = of(pair[0])
                .find(|(_, o)| o.status == 200)
                .map(|(i, _)| *i)
                .expect("delivered");
            let first_next = of(pair[1]).map(|(i, _)| *i).min().expect("offered");
            assert!(
                first_next > delivered,
                "{party}: {:?} offered before {:?} was delivered",
                pair[1],
                pair[0]
            );
        }
    }
    // The 429 was honoured for the signals too: every delivery to the aanbieder took two offers.
    assert!(aanbieder
        .offers()
        .iter()
        .any(|o| o.soort == "terugvordering" && o.status == 429));
    app.stop().await;
    aanbieder.stop().await;
    gemeente.stop().await;
}
