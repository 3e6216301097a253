//! The gebiedsteam's view as a person reads it (issue #14): the plan's first and latest
//! version, the plan version a result belongs to (also after a later version), the client's
//! name and birth date from the toewijzing, the aanbieder's name from the configuration and the
//! official descriptions of the codes; and the plan status keeping every version.

use super::*;

/// The toewijzing of `started`, with a voorvoegsel, voornamen and voorletters in the name.
fn named_toewijzing() -> String {
    let xml = with_postcode(
        toewijzing(Std::Ijw, "T1", CLIENT1, &Tw::default().code(RF_CODE)),
        "8011AB",
    );
    let name = "<b:Geslachtsnaam><b:Achternaam>Visser</b:Achternaam></b:Geslachtsnaam>";
    assert_eq!(xml.matches(name).count(), 1, "{xml}");
    xml.replacen(
        name,
        "<b:Geslachtsnaam><b:Achternaam>Vries</b:Achternaam><b:Voorvoegsel>de</b:Voorvoegsel>\
         </b:Geslachtsnaam><b:Voornamen>Jan Pieter</b:Voornamen><b:Voorletters>JP</b:Voorletters>",
        1,
    )
}

fn plan_version(versie: u32, datum: &str, doelen: &[&str]) -> Value {
    let mut p = plan(AANBIEDER, versie);
    p["datum"] = json!(datum);
    p["doelen"] = json!(doelen
        .iter()
        .map(
            |id| json!({"id": id, "omschrijving": format!("doel {id}"), "levensdomein": "opvoeding",
                         "meting": "gesprek", "streefdatum": "2025-04-30"})
        )
        .collect::<Vec<_>>());
    p["activiteiten"] = json!([]);
    p
}

async fn row(app: &TestApp) -> Value {
    let (s, v) = app.get_json("/api/v1/teams/noord/doelbereik").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["aantal"], 1, "{v}");
    v["items"][0].clone()
}

#[actix_web::test]
pub(super) async fn team_view_names_codes_and_plan_versions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app(dir.path()).await;
    app.ok(&verzoek(Std::Ijw, "V1", CLIENT1)).await;
    app.ok(&named_toewijzing()).await;
    app.ok(&rf(start(Std::Ijw, "S1", CLIENT1, BEGIN))).await;
    for (versie, datum) in [(1, "2025-01-20"), (2, "2025-03-01")] {
        let r = app
            .post(
                "/api/v1/behandelplannen",
                &plan_version(versie, datum, &["D1", "D2"]),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let t = row(&app).await;
    // `plan` is the first version's date, `plan_laatste` the latest's.
    assert_eq!(t["plan"], "2025-01-20", "{t}");
    assert_eq!(t["plan_laatste"], "2025-03-01", "{t}");
    assert_eq!(t["client"]["naam"], "J.P. de Vries", "{t}");
    assert_eq!(t["client"]["geslachtsnaam"], "Vries");
    assert_eq!(t["client"]["voorvoegsel"], "de");
    assert_eq!(t["client"]["voornamen"], "Jan Pieter");
    assert_eq!(t["client"]["voorletters"], "JP");
    assert_eq!(t["client"]["geboortedatum"], "2012-09-01");
    assert_eq!(t["aanbieder"], AANBIEDER);
    assert_eq!(t["aanbieder_naam"], "Jeugdhulp De Brug (demo)");
    assert_eq!(t["product"]["categorie"], "31");
    assert_eq!(
        t["product"]["categorie_omschrijving"],
        "(2015) Zonder verblijf: uitgevoerd door wijk- of buurtteam"
    );
    assert_eq!(t["product"]["code"], RF_CODE);
    // No national list of iJw productcodes: the categorie describes it.
    assert_eq!(t["product"]["code_omschrijving"], Value::Null);
    assert_eq!(t["reden_beeindiging_omschrijving"], Value::Null);
    assert_eq!(t["resultaat_plan"], Value::Null);

    app.ok(&rf(stop(Std::Ijw, "P1", CLIENT1, BEGIN))).await;
    let r = app
        .post("/api/v1/resultaatmeldingen", &melding("behaald", "behaald"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // A version after the resultaatmelding is accepted as a new version, with other goals …
    let r = app
        .post(
            "/api/v1/behandelplannen",
            &plan_version(3, "2025-05-10", &["D1", "D3"]),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // … and the result stays with version 2, the one it was reported against.
    let t = row(&app).await;
    assert_eq!(t["plan"], "2025-01-20", "{t}");
    assert_eq!(t["plan_laatste"], "2025-05-10", "{t}");
    assert_eq!(t["resultaat_plan"], json!({"plan_id": PLAN, "versie": 2}));
    assert_eq!(t["status"], "bereikt");
    assert_eq!(t["stop"]["reden"], REDEN);
    assert_eq!(
        t["reden_beeindiging_omschrijving"],
        "Levering is volgens plan beëindigd"
    );
    let status = app.planstatus().await;
    let p = &status["items"][0]["plannen"][0];
    assert_eq!(p["versie"], 3, "{status}");
    let versies: Vec<(i64, bool)> = p["versies"]
        .as_array()
        .expect("versies")
        .iter()
        .map(|v| {
            (
                v["versie"].as_i64().expect("versie"),
                v["resultaat"].as_bool().expect("resultaat"),
            )
        })
        .collect();
    assert_eq!(versies, vec![(1, false), (2, true), (3, false)], "{status}");
    assert_eq!(p["versies"][1]["doelen"][1]["id"], "D2");
    assert_eq!(status["items"][0]["resultaat"]["plan_id"], PLAN);
    assert_eq!(status["items"][0]["resultaat"]["plan_versie"], 2);

    // The index comes back from the store with the same rows.
    let app = app.restart().await;
    let again = row(&app).await;
    assert_eq!(again, t);

    // The name is special personal data: nowhere in the store's files as plain text.
    let mut files = vec![dir.path().to_path_buf()];
    let mut seen = 0;
    while let Some(p) = files.pop() {
        if p.is_dir() {
            for e in std::fs::read_dir(&p).expect("read dir") {
                files.push(e.expect("entry").path());
            }
        } else if p.is_file() {
            // (Not the backup's control socket: it holds no data.)
            let bytes = std::fs::read(&p).expect("read");
            seen += bytes.len();
            assert!(
                !bytes.windows(10).any(|w| w == b"Jan Pieter"),
                "a client's name in plain text in {}",
                p.display()
            );
        }
    }
    assert!(seen > 0);
}
