//! Declaratie faults, partial and whole rejections, corrections.

use super::*;

// ----- declaratie faults -----

/// Verzoek, toewijzing (first half of 2025, 10 hours a week) and start for `clients`.
pub(super) async fn assigned_and_started(app: &TestApp, std: Std, ids: &Ids, clients: &[Client]) {
    for &c in clients {
        assert_clean(&app.answer(&verzoek(std, &ids.next("V"), c)).await);
        assert_clean(
            &app.answer(&toewijzing(std, &ids.next("T"), c, &Tw::default()))
                .await,
        );
        assert_clean(&app.answer(&start(std, &ids.next("S"), c, BEGIN)).await);
    }
}

pub(super) async fn declaratie_faults(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let c = CLIENT1;
    let mut app = spawn_app(dir.path()).await;
    assigned_and_started(&app, std, &ids, &[c]).await;
    let mut granted_ids = Vec::new();

    // D1 (January): a prestatie in December 2024, before the toewijzing: 9307 on the Prestatie.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL1",
            "2025-01",
            &[(c, vec![Pr::new("R-A", c, "2024-12")])],
        ))
        .await;
    assert_eq!(a.code(), std.code(325));
    assert_rejected_prestaties(&a, &[&["9307"]], 0);

    // D2 (February): the rejected prestatie's ReferentieNummer is free; January is granted.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL2",
            "2025-02",
            &[(c, vec![Pr::new("R-A", c, "2025-01")])],
        ))
        .await;
    assert_granted(&a, 12 * TARIEF);
    granted_ids.push(a.id());

    // D3 (March): 100 hours in February, more than 10 hours a week: 9321.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL3",
            "2025-03",
            &[(c, vec![Pr::new("R-B", c, "2025-02").volume(100)])],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["9321"]], 0);

    app = app.restart().await;

    // D4 (April): February again within the omvang, and March: both granted.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL4",
            "2025-04",
            &[(
                c,
                vec![Pr::new("R-B", c, "2025-02"), Pr::new("R-C", c, "2025-03")],
            )],
        ))
        .await;
    assert_granted(&a, 24 * TARIEF);
    granted_ids.push(a.id());

    // D5 (May): R-A a second time (8021) and a credit of a debet never granted (8017).
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL5",
            "2025-05",
            &[(
                c,
                vec![
                    Pr::new("R-A", c, "2025-04"),
                    Pr::new("R-Y", c, "2025-03").credit_of("R-Z"),
                ],
            )],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["8021"], &["8017"]], 0);

    // D6 (June): a tariff other than the contract's: 0611.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL6",
            "2025-06",
            &[(c, vec![Pr::new("R-E", c, "2025-04").tarief(TARIEF + 500)])],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["0611"]], 0);

    app = app.restart().await;

    // D7 (July): April again at the contract tariff is granted; July is after the toewijzing
    // (9308).
    let good = Pr::new("R-E", c, "2025-04");
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL7",
            "2025-07",
            &[(c, vec![good.clone(), Pr::new("R-F", c, "2025-07")])],
        ))
        .await;
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (ANTWOORD, &["0200"]),
            (A_CLIENT1, &["0200"]),
            (A_PRESTATIE1, &["9308"]),
        ]),
        "{}",
        a.body
    );
    assert_eq!(a.toegekend(), good.bedrag());
    granted_ids.push(a.id());
    assert_eq!(a.ingediend(), 2 * good.bedrag());
    assert_eq!(
        a.text("DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie/ProductReferentie/ReferentieNummer")
            .as_deref(),
        Some("R-F")
    );

    // D8 (August): the granted January debet R-A is still the one granted (the second R-A was
    // not recorded): its credit is granted; R-Y (its credit rejected) is free again.
    let credit = Pr::new("R-G", c, "2025-01").credit_of("R-A");
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL8",
            "2025-08",
            &[(c, vec![credit.clone(), Pr::new("R-Y", c, "2025-05")])],
        ))
        .await;
    assert_granted(&a, credit.signed() + 12 * TARIEF);
    granted_ids.push(a.id());
    assert_eq!(a.toegekend(), 0);

    // The declaraties with granted prestaties reached the gemeente.
    let inbox = app.inbox(GEMEENTE).await;
    for id in &granted_ids {
        assert!(has(&inbox, "bericht", *id), "declaratie {id} forwarded");
    }
    assert_eq!(
        kinds(&app.inbox(AANBIEDER).await, "retour")
            .iter()
            .filter(|b| b.ends_with("325"))
            .count(),
        8
    );
    app.stop().await;
}

#[actix_web::test]
pub(super) async fn declaratie_faults_ijw() {
    declaratie_faults(Std::Ijw).await;
}

#[actix_web::test]
pub(super) async fn declaratie_faults_iwmo() {
    declaratie_faults(Std::Iwmo).await;
}

// ----- a partial declaratie -----

pub(super) async fn partial_declaratie(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let mut app = spawn_app(dir.path()).await;
    assigned_and_started(&app, std, &ids, &[CLIENT1, CLIENT2]).await;
    app = app.restart().await;

    // 2 clients × 2 prestaties; the second prestatie of the second client has a wrong tariff.
    let c1 = vec![
        Pr::new("R-11", CLIENT1, "2025-03"),
        Pr::new("R-12", CLIENT1, "2025-04"),
    ];
    let wrong = Pr::new("R-22", CLIENT2, "2025-04").tarief(TARIEF * 2);
    let c2 = vec![Pr::new("R-21", CLIENT2, "2025-03"), wrong.clone()];
    let all: Vec<&Pr> = c1.iter().chain(c2.iter()).collect();
    let ingediend = total(&all);
    let xml = declaratie(
        std,
        &ids.next("D"),
        "DECL1",
        "2025-04",
        &[(CLIENT1, c1.clone()), (CLIENT2, c2.clone())],
    );
    let a = app.answer(&xml).await;
    assert_eq!(a.code(), std.code(325));
    assert_eq!(
        a.codes(),
        want(&[
            (HEADER, &["0200"]),
            (ANTWOORD, &["0200"]),
            (A_CLIENT1, &["0200"]),
            (A_PRESTATIE1, &["0611"]),
        ]),
        "{}",
        a.body
    );
    assert_eq!(
        a.text("DeclaratieAntwoord/Clienten/Client/Bsn").as_deref(),
        Some(CLIENT2.bsn),
        "only the client of the rejected prestatie"
    );
    assert_eq!(
        a.text("DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie/ProductReferentie/ReferentieNummer")
            .as_deref(),
        Some("R-22")
    );
    assert_eq!(a.ingediend(), ingediend);
    assert_eq!(a.toegekend(), ingediend - wrong.bedrag());
    assert!(
        has(&app.inbox(GEMEENTE).await, "bericht", a.id()),
        "the declaratie goes to the gemeente"
    );
    assert!(has(&app.inbox(AANBIEDER).await, "retour", a.id()));

    app = app.restart().await;

    // What was granted is recorded, what was rejected is not: R-12 again is 8021, R-22 at the
    // contract tariff is granted.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL2",
            "2025-05",
            &[
                (CLIENT1, vec![Pr::new("R-12", CLIENT1, "2025-05")]),
                (CLIENT2, vec![Pr::new("R-22", CLIENT2, "2025-04")]),
            ],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["8021"]], 12 * TARIEF);
    assert_eq!(
        a.text("DeclaratieAntwoord/Clienten/Client/Bsn").as_deref(),
        Some(CLIENT1.bsn)
    );
    app.stop().await;
}

#[actix_web::test]
pub(super) async fn partial_declaratie_ijw() {
    partial_declaratie(Std::Ijw).await;
}

#[actix_web::test]
pub(super) async fn partial_declaratie_iwmo() {
    partial_declaratie(Std::Iwmo).await;
}

// ----- a declaratie rejected as a whole -----

pub(super) async fn declaratie_rejected_as_a_whole(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let c = CLIENT1;
    let mut app = spawn_app(dir.path()).await;
    assigned_and_started(&app, std, &ids, &[c]).await;
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL1",
            "2025-04",
            &[(c, vec![Pr::new("R-1", c, "2025-04")])],
        ))
        .await;
    assert_granted(&a, 12 * TARIEF);
    let forwarded = kinds(&app.inbox(GEMEENTE).await, "bericht").len();

    // The DeclaratieNummer again (May): 9333 on the DeclaratieAntwoord, nothing granted, no
    // clients; the declaratie counts as not sent and does not reach the gemeente.
    let may = vec![Pr::new("R-2", c, "2025-05")];
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL1",
            "2025-05",
            &[(c, may.clone())],
        ))
        .await;
    assert_eq!(a.code(), std.code(325));
    assert_eq!(
        a.codes(),
        want(&[(HEADER, &["0200"]), (ANTWOORD, &["9333"])]),
        "{}",
        a.body
    );
    assert_eq!(a.toegekend(), 0);
    assert!(!has(&app.inbox(GEMEENTE).await, "bericht", a.id()));

    // A period before the previous one (March after April): 8214 on the DeclaratieAntwoord.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL2",
            "2025-03",
            &[(c, vec![Pr::new("R-3", c, "2025-03")])],
        ))
        .await;
    assert_eq!(
        a.codes(),
        want(&[(HEADER, &["0200"]), (ANTWOORD, &["8214"])]),
        "{}",
        a.body
    );
    assert_eq!(a.toegekend(), 0);

    app = app.restart().await;

    // Neither counted: May with the same ReferentieNummer is granted (not 8021, not 8214).
    let id = ids.next("D");
    let xml = declaratie(std, &id, "DECL3", "2025-05", &[(c, may.clone())]);
    let granted = app.answer(&xml).await;
    assert_granted(&granted, 12 * TARIEF);
    let inbox = app.inbox(GEMEENTE).await;
    assert_eq!(kinds(&inbox, "bericht").len(), forwarded + 1);
    assert!(has(&inbox, "bericht", granted.id()));

    // Its identificatie again with other content: 9056 on the Header only, nothing granted.
    let other = declaratie(
        std,
        &id,
        "DECL4",
        "2025-06",
        &[(c, vec![Pr::new("R-4", c, "2025-06")])],
    );
    let a = app.answer(&other).await;
    assert_eq!(a.code(), std.code(325));
    assert_eq!(a.codes(), want(&[(HEADER, &["9056"])]), "{}", a.body);
    assert!(!has(&app.inbox(GEMEENTE).await, "bericht", a.id()));
    // … and R-4 and June are still free.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL4",
            "2025-06",
            &[(c, vec![Pr::new("R-4", c, "2025-06")])],
        ))
        .await;
    assert_granted(&a, 12 * TARIEF);
    app.stop().await;
}

#[actix_web::test]
pub(super) async fn declaratie_rejected_as_a_whole_ijw() {
    declaratie_rejected_as_a_whole(Std::Ijw).await;
}

#[actix_web::test]
pub(super) async fn declaratie_rejected_as_a_whole_iwmo() {
    declaratie_rejected_as_a_whole(Std::Iwmo).await;
}

// ----- corrections: credit and debet, the total over the looptijd -----

pub(super) async fn corrections(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let c = CLIENT1;
    let mut app = spawn_app(dir.path()).await;
    assigned_and_started(&app, std, &ids, &[c]).await;
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL1",
            "2025-03",
            &[(c, vec![Pr::new("R-1", c, "2025-03")])],
        ))
        .await;
    assert_granted(&a, 12 * TARIEF);

    // March a second time without crediting the first: 9389.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL2",
            "2025-04",
            &[(c, vec![Pr::new("R-2", c, "2025-03").volume(8)])],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["9389"]], 0);

    app = app.restart().await;

    // The credit of R-1 with the corrected debet in one declaratie: both granted (credits
    // first), the granted total is the difference.
    let credit = Pr::new("R-3", c, "2025-03").credit_of("R-1");
    let debet = Pr::new("R-4", c, "2025-03").volume(8);
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL3",
            "2025-05",
            &[(c, vec![credit.clone(), debet.clone()])],
        ))
        .await;
    assert_granted(&a, total(&[&credit, &debet]));
    assert_eq!(a.toegekend(), -4 * TARIEF);
    assert_eq!(
        a.text("DeclaratieAntwoord/TotaalToegekendBedrag/DebetCredit")
            .as_deref(),
        Some("C")
    );

    // R-1 cannot be credited twice (9390); a credit granted beside a rejected debet leaves a
    // negative granted total.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL4",
            "2025-06",
            &[(
                c,
                vec![
                    Pr::new("R-5", c, "2025-03").credit_of("R-1"),
                    Pr::new("R-6", c, "2025-03").credit_of("R-4").volume(8),
                    Pr::new("R-7", c, "2025-04").tarief(TARIEF - 1),
                ],
            )],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["9390"], &["0611"]], -8 * TARIEF);
    app.stop().await;
}

#[actix_web::test]
pub(super) async fn corrections_ijw() {
    corrections(Std::Ijw).await;
}

#[actix_web::test]
pub(super) async fn corrections_iwmo() {
    corrections(Std::Iwmo).await;
}

/// A toewijzing of 100 hours in total (Frequentie 6): 60 hours fit in any month, but not twice.
pub(super) async fn total_over_the_looptijd(std: Std) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = Ids::default();
    let c = CLIENT2;
    let mut app = spawn_app(dir.path()).await;
    assert_clean(&app.answer(&verzoek(std, &ids.next("V"), c)).await);
    assert_clean(
        &app.answer(&toewijzing(
            std,
            &ids.next("T"),
            c,
            &Tw::default().totaal(100),
        ))
        .await,
    );
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL1",
            "2025-02",
            &[(
                c,
                vec![
                    Pr::new("R-1", c, "2025-01").volume(60),
                    Pr::new("R-2", c, "2025-02").volume(60),
                ],
            )],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["9322"]], 60 * TARIEF);
    assert_eq!(
        a.text("DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie/ProductReferentie/ReferentieNummer")
            .as_deref(),
        Some("R-2")
    );
    app = app.restart().await;
    // More than the whole omvang in one month: 9321. Not also 9322: a prestatie another rule
    // rejects does not count towards the total (docs/history.md, TR322).
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL2",
            "2025-03",
            &[(c, vec![Pr::new("R-3", c, "2025-03").volume(101)])],
        ))
        .await;
    assert_rejected_prestaties(&a, &[&["9321"]], 0);
    // What is left (40 hours) is granted.
    let a = app
        .answer(&declaratie(
            std,
            &ids.next("D"),
            "DECL3",
            "2025-04",
            &[(c, vec![Pr::new("R-2", c, "2025-02").volume(40)])],
        ))
        .await;
    assert_granted(&a, 40 * TARIEF);
    app.stop().await;
}

#[actix_web::test]
pub(super) async fn total_over_the_looptijd_ijw() {
    total_over_the_looptijd(Std::Ijw).await;
}

#[actix_web::test]
pub(super) async fn total_over_the_looptijd_iwmo() {
    total_over_the_looptijd(Std::Iwmo).await;
}
