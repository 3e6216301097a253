//! Verzoeken, versions and removals, both forms, both standards, product codes.

use super::*;

// ----- verzoeken and identificaties -----

pub(super) async fn verzoeken_and_identificaties(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let c = CLIENT1;
    let mut app = spawn_app(dir.path()).await;
    let first = app.answer(&verzoek(std, &ids.next("V"), c)).await;
    assert_clean(&first);

    // A second verzoek for the client while the first is open: 9374 on the Client. Its
    // ReferentieAanbieder again: 9347 on the AangevraagdProduct.
    let other = Client {
        referentie: "VOT-9",
        ..c
    };
    let a = app.answer(&verzoek(std, &ids.next("V"), other)).await;
    assert_eq!(a.code(), std.code(316));
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["9374"]),
            (
                "/Bericht/Client/AangevraagdeProducten/AangevraagdProduct[1]",
                &["0233"]
            ),
        ]),
        "{}",
        a.body
    );
    let a = app.answer(&verzoek(std, &ids.next("V"), c)).await;
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["9374"]),
            (
                "/Bericht/Client/AangevraagdeProducten/AangevraagdProduct[1]",
                &["9347"]
            ),
        ]),
        "{}",
        a.body
    );

    // A toewijzing naming a verzoek that was never sent: 9379 on the ToegewezenProduct.
    let a = app
        .answer(&toewijzing(std, &ids.next("T"), other, &Tw::default()))
        .await;
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["0200"]),
            (CONTACT1, &["0200"]),
            (TOEGEWEZEN1, &["9379"])
        ]),
        "{}",
        a.body
    );
    // The toewijzing that honours the verzoek closes it: a new verzoek is fine.
    assert_clean(
        &app.answer(&toewijzing(std, &ids.next("T"), c, &Tw::default()))
            .await,
    );
    app = app.restart().await;
    assert_clean(&app.answer(&verzoek(std, &ids.next("V"), other)).await);

    // A start rejected on an in-message rule (Begindatum after the Dagtekening: 0001) counts
    // as never sent: its identificatie may be used again for the corrected start.
    let id = ids.next("S");
    let good = start(std, &id, c, BEGIN);
    let bad = good.replace(
        &format!("<m:Begindatum>{BEGIN}</m:Begindatum>"),
        "<m:Begindatum>2025-01-20</m:Begindatum>",
    );
    assert_ne!(bad, good);
    let a = app.answer(&bad).await;
    assert_eq!(a.code(), std.code(306));
    assert_eq!(a.codes(), want(&[(HEADER, &["0001"])]), "{}", a.body);
    assert!(!has(&app.inbox(GEMEENTE).await, "bericht", a.id()));
    app = app.restart().await;
    let a = app.answer(&good).await;
    assert!(!a.replay);
    assert_clean(&a);
    assert!(has(&app.inbox(GEMEENTE).await, "bericht", a.id()));

    // External rules on the Header: a gemeente not configured (S300), a Dagtekening in the
    // future (8848). The Header only, nothing forwarded, nothing recorded.
    let stop_xml = stop(std, &ids.next("P"), c, BEGIN);
    let elsewhere = stop_xml.replace(
        "<m:Ontvanger>0599</m:Ontvanger>",
        "<m:Ontvanger>0600</m:Ontvanger>",
    );
    assert_ne!(elsewhere, stop_xml);
    let a = app.answer(&valid(elsewhere)).await;
    assert_eq!(a.code(), std.code(308));
    assert_eq!(a.codes(), want(&[(HEADER, &["S300"])]), "{}", a.body);
    let future = stop(std, &ids.next("P"), c, BEGIN).replace(
        &format!("<b:Dagtekening>{DAG_STOP}</b:Dagtekening>"),
        "<b:Dagtekening>2100-01-04</b:Dagtekening>",
    );
    let a = app.answer(&valid(future)).await;
    assert_eq!(a.codes(), want(&[(HEADER, &["8848"])]), "{}", a.body);
    let gemeente = app.inbox(GEMEENTE).await;
    assert!(!kinds(&gemeente, "bericht").contains(&std.code(307)));
    // Neither stop was recorded: the stop is accepted now.
    assert_clean(&app.answer(&stop(std, &ids.next("P"), c, BEGIN)).await);
    app.stop().await;
}

#[actix_web::test]
pub(super) async fn verzoeken_and_identificaties_ijw() {
    verzoeken_and_identificaties(Std::Ijw).await;
}

#[actix_web::test]
pub(super) async fn verzoeken_and_identificaties_iwmo() {
    verzoeken_and_identificaties(Std::Iwmo).await;
}

// ----- versions of a toewijzing, removals -----

pub(super) async fn versions_and_removals(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let c = CLIENT1;
    let mut app = spawn_app(dir.path()).await;
    assigned_and_started(&app, std, &ids, &[c]).await;

    // A start removed (StatusAanlevering 3) is gone: its stop has no start (9069); sent anew it
    // is accepted (not 9074).
    assert_clean(
        &app.answer(&start_with(std, &ids.next("S"), c, BEGIN, "3"))
            .await,
    );
    app = app.restart().await;
    let a = app.answer(&stop(std, &ids.next("P"), c, BEGIN)).await;
    assert_eq!(
        a.codes(),
        want(&[(HEADER, &["0200"]), (CLIENT, &["0200"]), (STOP1, &["9069"])]),
        "{}",
        a.body
    );
    let a = app
        .answer(&start_with(std, &ids.next("S"), c, BEGIN, "3"))
        .await;
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["0200"]),
            (START1, &["9063"])
        ]),
        "{}",
        a.body
    );
    assert_clean(&app.answer(&start(std, &ids.next("S"), c, BEGIN)).await);

    // A stopped start cannot be removed (9071) until its stop is removed; then both go, and
    // a stop has no start again (9069).
    assert_clean(&app.answer(&stop(std, &ids.next("P"), c, BEGIN)).await);
    let a = app
        .answer(&start_with(std, &ids.next("S"), c, BEGIN, "3"))
        .await;
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["0200"]),
            (START1, &["9071"])
        ]),
        "{}",
        a.body
    );
    assert_clean(
        &app.answer(&stop_with(std, &ids.next("P"), c, BEGIN, "3"))
            .await,
    );
    app = app.restart().await;
    let a = app
        .answer(&stop_with(std, &ids.next("P"), c, BEGIN, "3"))
        .await;
    assert_eq!(
        a.codes(),
        want(&[(HEADER, &["0200"]), (CLIENT, &["0200"]), (STOP1, &["9063"])]),
        "{}",
        a.body
    );
    assert_clean(
        &app.answer(&start_with(std, &ids.next("S"), c, BEGIN, "3"))
            .await,
    );
    let a = app.answer(&stop(std, &ids.next("P"), c, BEGIN)).await;
    assert_eq!(
        a.codes(),
        want(&[(HEADER, &["0200"]), (CLIENT, &["0200"]), (STOP1, &["9069"])]),
        "{}",
        a.body
    );
    assert_clean(&app.answer(&start(std, &ids.next("S"), c, BEGIN)).await);

    // Two later versions, arriving in the wrong order: the latest Toewijzingsdatum leads
    // (Einddatum 31 May), not the last to arrive (31 March).
    let newest = Tw::default().versie("2025-03-10", "04").eind("2025-05-31");
    let older = Tw::default().versie("2025-03-03", "04").eind("2025-03-31");
    assert_clean(
        &app.answer(&toewijzing(std, &ids.next("T"), c, &newest))
            .await,
    );
    assert_clean(
        &app.answer(&toewijzing(std, &ids.next("T"), c, &older))
            .await,
    );
    app = app.restart().await;
    let may = Pr::new("R-1", c, "2025-05");
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL1",
            "2025-05",
            &[(c, vec![may.clone()])],
        ))
        .await;
    assert_granted(&a, may.bedrag());
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL2",
            "2025-06",
            &[(c, vec![Pr::new("R-2", c, "2025-06")])],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["9308"]], 0);

    // No removal while a granted prestatie is not credited (9385); after the credit it is
    // accepted, and the removed toewijzing cannot be declared on (9384).
    let removal = Tw::default().removed("2025-07-01");
    let a = app
        .answer(&toewijzing(std, &ids.next("T"), c, &removal))
        .await;
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["0200"]),
            (CONTACT1, &["0200"]),
            (TOEGEWEZEN1, &["9385"])
        ]),
        "{}",
        a.body
    );
    let credit = Pr::new("R-3", c, "2025-05").credit_of("R-1");
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL3",
            "2025-07",
            &[(c, vec![credit.clone()])],
        ))
        .await;
    assert_granted(&a, credit.signed());
    app = app.restart().await;
    assert_clean(
        &app.answer(&toewijzing(std, &ids.next("T"), c, &removal))
            .await,
    );
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL4",
            "2025-08",
            &[(c, vec![Pr::new("R-4", c, "2025-04")])],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["9384"]], 0);
    app.stop().await;
}

#[actix_web::test]
pub(super) async fn versions_and_removals_ijw() {
    versions_and_removals(Std::Ijw).await;
}

#[actix_web::test]
pub(super) async fn versions_and_removals_iwmo() {
    versions_and_removals(Std::Iwmo).await;
}

// ----- both forms in one trajectory -----

/// XML and JSON mixed: the history does not depend on the form a message came in.
pub(super) async fn mixed_forms(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let c = CLIENT1;
    let mut app = spawn_app(dir.path()).await;
    assert_clean(&app.answer_json(&verzoek(std, &ids.next("V"), c)).await);
    assert_clean(
        &app.answer(&toewijzing(std, &ids.next("T"), c, &Tw::default()))
            .await,
    );
    let start_json = start(std, &ids.next("S"), c, BEGIN);
    let a = app.answer_json(&start_json).await;
    assert_eq!(a.code(), std.code(306));
    assert_clean(&a);
    app = app.restart().await;
    // The same start again as XML: the same content, other identificatie: 9074 and 9326.
    let a = app.answer(&start(std, &ids.next("S"), c, BEGIN)).await;
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["0200"]),
            (START1, &["9074", "9326"])
        ]),
        "{}",
        a.body
    );
    // The JSON start posted again: a replay.
    let again = app.answer_json(&start_json).await;
    assert!(again.replay);
    assert_clean(&app.answer_json(&stop(std, &ids.next("P"), c, BEGIN)).await);
    let pr = Pr::new("R-1", c, "2025-04");
    let xml = declaratie(
        std,
        &ids.next("D"),
        "DECL1",
        "2025-04",
        &[(c, vec![pr.clone()])],
    );
    assert_granted(&app.answer_json(&xml).await, pr.bedrag());
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL2",
            "2025-05",
            &[(c, vec![Pr::new("R-1", c, "2025-05")])],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["8021"]], 0);
    app.stop().await;
}

#[actix_web::test]
pub(super) async fn mixed_forms_ijw() {
    mixed_forms(Std::Ijw).await;
}

#[actix_web::test]
pub(super) async fn mixed_forms_iwmo() {
    mixed_forms(Std::Iwmo).await;
}

// ----- both standards in one store -----

/// The same client, numbers and identificaties in iJw and iWmo: each domain has its own.
#[actix_web::test]
pub(super) async fn both_standards_share_a_store_but_not_their_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = CLIENT1;
    let mut app = spawn_app(dir.path()).await;
    for std in BOTH {
        // Identificaties are unique per berichtsoort: the same ids in both standards.
        let ids = Ids::default();
        assert_clean(&app.answer(&verzoek(std, &ids.next("V"), c)).await);
        assert_clean(
            &app.answer(&toewijzing(std, &ids.next("T"), c, &Tw::default()))
                .await,
        );
    }
    // Started in iJw only: an iWmo stop has no start.
    assert_clean(&app.answer(&start(Std::Ijw, "S-0001", c, BEGIN)).await);
    app = app.restart().await;
    let a = app.answer(&stop(Std::Iwmo, "P-0001", c, BEGIN)).await;
    assert_eq!(a.code(), "WMO308");
    assert_eq!(
        a.codes(),
        want(&[(HEADER, &["0200"]), (CLIENT, &["0200"]), (STOP1, &["9069"])]),
        "{}",
        a.body
    );
    assert_clean(&app.answer(&start(Std::Iwmo, "S-0001", c, BEGIN)).await);
    // DeclaratieNummer, ReferentieNummer and period: per domain.
    for std in BOTH {
        let pr = Pr::new("R-1", c, "2025-04");
        let a = app
            .answer(&declaratie(
                std,
                "D-0001",
                "DECL1",
                "2025-04",
                &[(c, vec![pr.clone()])],
            ))
            .await;
        assert_eq!(a.code(), std.code(325));
        assert_granted(&a, pr.bedrag());
    }
    app = app.restart().await;
    let a = app
        .answer(&declaratie(
            Std::Iwmo,
            "D-0002",
            "DECL2",
            "2025-05",
            &[(c, vec![Pr::new("R-1", c, "2025-05")])],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["8021"]], 0);
    // A declaratie of which nothing was granted is answered, not forwarded.
    let gemeente = app.inbox(GEMEENTE).await;
    assert_eq!(
        kinds(&gemeente, "bericht"),
        ["JW315", "WMO315", "JW305", "WMO305", "JW323", "WMO323"]
    );
    app.stop().await;
}

// ----- product codes -----

/// A product code outside the product code list (TR381, S329) in a start and a declaratie.
pub(super) async fn unknown_product_codes(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let c = CLIENT1;
    let mut app = spawn_app(dir.path()).await;
    assert_clean(&app.answer(&verzoek(std, &ids.next("V"), c)).await);
    assert_clean(
        &app.answer(&toewijzing(std, &ids.next("T"), c, &Tw::default()))
            .await,
    );

    // A start of an unknown product: S329 on the StartProduct, and not recorded: the start of
    // the toegewezen product is accepted next (not 9326).
    let xml = start(std, &ids.next("S"), c, BEGIN).replace(
        &format!("<b:Code>{CODE}</b:Code>"),
        &format!("<b:Code>{UNKNOWN_CODE}</b:Code>"),
    );
    let a = app.answer(&valid(xml)).await;
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (CLIENT, &["0200"]),
            (START1, &["S329"])
        ]),
        "{}",
        a.body
    );
    app = app.restart().await;
    assert_clean(&app.answer(&start(std, &ids.next("S"), c, BEGIN)).await);

    // In a declaratie: not the toewijzing's code (9340), not in the list (S329), no contract
    // tariff (0611); the other prestatie is granted.
    let good = Pr::new("R-1", c, "2025-03");
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL1",
            "2025-04",
            &[(
                c,
                vec![
                    good.clone(),
                    Pr::new("R-2", c, "2025-04").code(UNKNOWN_CODE),
                ],
            )],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["9340", "S329", "0611"]], good.bedrag());
    app.stop().await;
}

#[actix_web::test]
pub(super) async fn unknown_product_codes_ijw() {
    unknown_product_codes(Std::Ijw).await;
}

#[actix_web::test]
pub(super) async fn unknown_product_codes_iwmo() {
    unknown_product_codes(Std::Iwmo).await;
}
