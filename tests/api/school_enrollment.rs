//! 积分入学 (`school-points-enrollment`), end to end against the real built item: a family's
//! registries prefill the score, four departments review their parts in parallel (one corrects
//! its part), the applicant appeals once and chooses schools, and the education bureau places
//! the cohort in one batch decision. Every refusal changes nothing; what was stored is checked.
//! Registry records are written relative to today, so the points are known in advance.

use reqwest::StatusCode;
use serde_json::{Value, json};
use yiwang_host::admin;
use yiwang_host::model::actor::Role;

use crate::helpers::{
    PASSWORD, SCHOOL_ITEM, TestApp, days_from_today, error_body, field_errors, id_number,
    json_body, spawn_app,
};

const EDUCATION: &str = "education";
const PARTS: [(&str, &str); 4] = [
    ("public-security", "review-residence"),
    ("social-insurance", "review-social-insurance"),
    ("tax", "review-tax"),
    ("housing", "review-housing"),
];

/// A parent's facts, as the four registries will hold them.
struct Family {
    n: u32,
    years: i64,
    months: u32,
    tax_fen: u64,
    housing: &'static str,
}

impl Family {
    fn login(&self) -> String {
        format!("parent{}", self.n)
    }

    fn child(&self) -> String {
        format!("孩子{}", self.n)
    }

    /// Adds the citizen and their records; returns their token.
    async fn register(&self, app: &TestApp) -> String {
        let id = id_number(self.n);
        let name = format!("家长{}", self.n);
        app.add_citizen(&self.login(), &name, &id).await;
        let child_id = format!("441900202005{:05}1", self.n);
        // `years * 366 + 30` days ago is `years` full years ago, and less than one more.
        put(
            app,
            "residence-permits",
            &id,
            json!({
                "name": name, "id_number": id,
                "first_issued_on": days_from_today(-(self.years * 366 + 30)),
                "valid_until": days_from_today(365),
                "children": [{"name": self.child(), "id_number": child_id}]
            }),
        )
        .await;
        put(
            app,
            "social-insurance",
            &id,
            json!({"name": name, "earlier_paid_months": self.months, "months": []}),
        )
        .await;
        let last_year: i32 = days_from_today(0)[..4].parse::<i32>().unwrap() - 1;
        put(
            app,
            "tax-records",
            &id,
            json!({"annual": [{"year": last_year, "paid_fen": self.tax_fen}]}),
        )
        .await;
        match self.housing {
            "owned" => put(app, "property-records", &id, json!({"owned": [{"address": "东莞市东城"}], "rentals": []})).await,
            "rented" => put(app, "property-records", &id, json!({"owned": [], "rentals": [{"address": "东莞市南城", "valid_until": days_from_today(365)}]})).await,
            _ => {}
        }
        app.login(&self.login(), PASSWORD).await
    }

    fn form(&self) -> Value {
        json!({"child_name": self.child(), "stage": "primary", "scoring_parent": "applicant"})
    }
}

async fn put(app: &TestApp, dataset: &str, key: &str, data: Value) {
    admin::put_registry_record(&app.storage, dataset, key, Some(key), data)
        .await
        .expect("writing a registry record");
}

async fn submit_ok(app: &TestApp, token: &str, form: Value) -> String {
    let body = json_body(
        app.submit(token, SCHOOL_ITEM, form).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(body["state"], "under-review", "{body}");
    body["number"].as_str().unwrap().to_string()
}

async fn derived(app: &TestApp, number: &str) -> Value {
    serde_json::from_str(&app.case_row(number).await.derived).unwrap()
}

async fn act_input(
    app: &TestApp,
    login: &str,
    number: &str,
    action: &str,
    reason: Option<&str>,
    input: Value,
) -> reqwest::Response {
    let token = app.login(login, PASSWORD).await;
    app.act_with_input(&token, number, action, reason, input)
        .await
}

async fn state_after(response: reqwest::Response) -> String {
    json_body(response, StatusCode::OK).await["state"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Every department confirms its part; the case is `scored`.
async fn review_all(app: &TestApp, number: &str) {
    for (login, action) in PARTS {
        act_input(app, login, number, action, Some("核验属实"), json!({})).await;
    }
    assert_eq!(app.case_state(number).await, "scored");
}

async fn choose(app: &TestApp, token: &str, number: &str, schools: &[&str]) -> reqwest::Response {
    app.act_with_input(
        token,
        number,
        "choose-schools",
        None,
        json!({ "schools": schools }),
    )
    .await
}

async fn batch(app: &TestApp, login: &str, state: &str) -> reqwest::Response {
    let token = app.login(login, PASSWORD).await;
    app.post(
        &format!("/api/v1/dept/items/{SCHOOL_ITEM}/batch"),
        Some(&token),
        &json!({ "state": state, "input": {} }),
    )
    .await
}

/// Runs a batch to its end: 202 with the job, then its status until it is no longer running.
async fn run_batch(app: &TestApp, login: &str, state: &str) -> Value {
    let response = batch(app, login, state).await;
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_string);
    let started = json_body(response, StatusCode::ACCEPTED).await;
    let path = format!("/api/v1/dept/batch-jobs/{}", started["id"]);
    assert_eq!(location.as_deref(), Some(path.as_str()));
    let token = app.login(login, PASSWORD).await;
    for _ in 0..600 {
        let job = json_body(app.get(&path, Some(&token)).await, StatusCode::OK).await;
        if job["status"] != "running" {
            assert_eq!(job["status"], "done", "{job}");
            assert_eq!(job["processed"], job["decisions"], "{job}");
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the batch job {path} did not finish");
}

async fn subjects(app: &TestApp, number: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT subject FROM outbox WHERE case_id = (SELECT id FROM cases WHERE number = $1) ORDER BY id",
    )
    .bind(number)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_family_is_scored_by_four_departments_one_correcting_its_part_then_chooses_and_is_admitted()
 {
    // Arrange: 8 years of residence permit, 135 months of contributions, 3,200 yuan of tax, renting
    let app = spawn_app().await;
    let family = Family {
        n: 1,
        years: 8,
        months: 135,
        tax_fen: 320_000,
        housing: "rented",
    };
    let token = family.register(&app).await;

    // Act 1: apply, naming only the child, the stage and the side
    let number = submit_ok(&app, &token, family.form()).await;

    // Assert: prefilled and scored with the 2017 table: 80 + 135 + 10 + 10
    let scored = derived(&app, &number).await;
    assert_eq!(scored["table"], "2017");
    assert_eq!(scored["scoring_parent"]["id_number"], id_number(1));
    assert_eq!(scored["child"]["id_number"], "441900202005000011");
    assert_eq!(
        scored["facts"],
        json!({"residence_years": 8, "insurance_months": 135, "tax_paid_fen": 320_000, "housing": "rented"})
    );
    assert_eq!(scored["total"], 235);
    for part in ["residence", "social_insurance", "tax", "housing"] {
        assert_eq!(scored["parts"][part]["status"], "pending", "{part}");
    }
    assert_eq!(app.case_row(&number).await.item_version, "1.0.0");

    // Act 2: the departments review in their own order; tax corrects its part
    let corrected = act_input(
        &app,
        "tax",
        &number,
        "review-tax",
        Some("补录上年度个税"),
        json!({"paid_fen": 600_000}),
    )
    .await;
    assert_eq!(state_after(corrected).await, "under-review");
    let after_tax = derived(&app, &number).await;
    assert_eq!(
        (
            after_tax["parts"]["tax"]["status"].as_str(),
            after_tax["parts"]["tax"]["points"].as_u64()
        ),
        (Some("corrected"), Some(20))
    );
    assert_eq!(after_tax["total"], 245);
    for (login, action) in [PARTS[3], PARTS[0]] {
        let r = act_input(&app, login, &number, action, Some("核验属实"), json!({})).await;
        assert_eq!(state_after(r).await, "under-review");
    }
    let last = act_input(
        &app,
        "social-insurance",
        &number,
        "review-social-insurance",
        Some("核验属实"),
        json!({}),
    )
    .await;

    // Assert: all four done, the case leaves review with its breakdown
    assert_eq!(state_after(last).await, "scored");
    let done = derived(&app, &number).await;
    assert_eq!(done["total"], 245);
    assert_eq!(done["parts"]["housing"]["status"], "confirmed");
    assert_eq!(done["parts"]["tax"]["reason"], "补录上年度个税");
    let seen = app.application(&token, &number).await;
    assert_eq!(
        seen["derived"]["total"], 245,
        "the applicant sees the score"
    );
    assert!(
        subjects(&app, &number)
            .await
            .iter()
            .any(|s| s.ends_with("积分已确定"))
    );

    // Act 3: choose schools; the education bureau places
    assert_eq!(
        state_after(
            choose(
                &app,
                &token,
                &number,
                &["nancheng-yangguang", "songshan-lake"]
            )
            .await
        )
        .await,
        "awaiting-placement"
    );
    let report = run_batch(&app, EDUCATION, "awaiting-placement").await;

    // Assert: admitted to the first choice, stored and notified
    assert_eq!(
        (report["cases"].as_u64(), report["applied"].as_u64()),
        (Some(1), Some(1)),
        "{report}"
    );
    assert_eq!(app.case_state(&number).await, "admitted");
    let placed = derived(&app, &number).await;
    assert_eq!(placed["placement"]["school"], "nancheng-yangguang");
    assert_eq!(
        placed["schools"],
        json!(["nancheng-yangguang", "songshan-lake"])
    );
    assert_eq!(
        app.event_actions(&number).await,
        [
            "submit",
            "accept",
            "review-tax",
            "review-housing",
            "review-residence",
            "review-social-insurance",
            "choose-schools",
            "place"
        ]
    );
    assert_eq!(
        subjects(&app, &number).await.last().unwrap(),
        "义务教育阶段随迁子女积分制入学：录取结果"
    );
    assert!(app.case_row(&number).await.completed_at.is_some());
}

#[tokio::test]
async fn the_demo_applicant_may_score_on_his_spouse_whose_records_are_found_through_his_residence_registration()
 {
    let app = spawn_app().await;
    let token = app.login("zhang.san", PASSWORD).await;
    let number = submit_ok(
        &app,
        &token,
        json!({"child_name": "张小明", "stage": "primary", "scoring_parent": "spouse"}),
    )
    .await;
    let scored = derived(&app, &number).await;
    assert_eq!(
        scored["scoring_parent"],
        json!({"side": "spouse", "name": "李梅", "id_number": "441900199203154327"})
    );
    assert_eq!(scored["facts"]["insurance_months"], 60);
    assert_eq!(scored["facts"]["housing"], "none");
}

#[tokio::test]
async fn applications_the_registries_cannot_support_are_refused_and_store_nothing() {
    let app = spawn_app().await;
    let family = Family {
        n: 2,
        years: 3,
        months: 20,
        tax_fen: 0,
        housing: "none",
    };
    let token = family.register(&app).await;
    let stranger_id = id_number(3);
    app.add_citizen("stranger", "王五", &stranger_id).await;
    let stranger = app.login("stranger", PASSWORD).await;
    let before = app.stored().await;

    // A form outside the schema
    let bad = app
        .submit(
            &token,
            SCHOOL_ITEM,
            json!({"child_name": "孩子2", "stage": "senior", "scoring_parent": "applicant"}),
        )
        .await;
    error_body(bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid_form").await;
    // No residence permit on record
    let none = app
        .submit(
            &stranger,
            SCHOOL_ITEM,
            json!({"child_name": "王小五", "stage": "primary", "scoring_parent": "applicant"}),
        )
        .await;
    let error = error_body(none, StatusCode::UNPROCESSABLE_ENTITY, "ineligible").await;
    assert_eq!(
        field_errors(&error),
        [(String::new(), "no-residence-permit".to_string())]
    );
    // A child not registered with the applicant; a spouse not on record
    let child = app.submit(&token, SCHOOL_ITEM, json!({"child_name": "别人家的孩子", "stage": "primary", "scoring_parent": "applicant"})).await;
    let error = error_body(child, StatusCode::UNPROCESSABLE_ENTITY, "ineligible").await;
    assert_eq!(
        field_errors(&error),
        [("child_name".to_string(), "child-not-registered".to_string())]
    );
    let spouse = app
        .submit(
            &token,
            SCHOOL_ITEM,
            json!({"child_name": "孩子2", "stage": "primary", "scoring_parent": "spouse"}),
        )
        .await;
    let error = error_body(spouse, StatusCode::UNPROCESSABLE_ENTITY, "ineligible").await;
    assert_eq!(
        field_errors(&error),
        [("scoring_parent".to_string(), "no-spouse".to_string())]
    );
    // No social insurance on record
    put(&app, "residence-permits", &stranger_id, json!({
        "name": "王五", "first_issued_on": days_from_today(-800), "valid_until": days_from_today(300),
        "children": [{"name": "王小五", "id_number": "441900202001010011"}]
    }))
    .await;
    let uninsured = app
        .submit(
            &stranger,
            SCHOOL_ITEM,
            json!({"child_name": "王小五", "stage": "primary", "scoring_parent": "applicant"}),
        )
        .await;
    let error = error_body(uninsured, StatusCode::UNPROCESSABLE_ENTITY, "ineligible").await;
    assert_eq!(
        field_errors(&error),
        [(
            "scoring_parent".to_string(),
            "no-social-insurance".to_string()
        )]
    );

    assert_eq!(app.stored().await, before, "nothing was stored");

    // One application per child
    submit_ok(&app, &token, family.form()).await;
    let again = app.submit(&token, SCHOOL_ITEM, family.form()).await;
    let error = error_body(again, StatusCode::UNPROCESSABLE_ENTITY, "ineligible").await;
    assert_eq!(
        field_errors(&error),
        [("child_name".to_string(), "already-applied".to_string())]
    );
}

#[tokio::test]
async fn each_department_reviews_only_its_own_part_once_with_a_reason_and_the_applicant_chooses_only_when_scored()
 {
    let app = spawn_app().await;
    let family = Family {
        n: 4,
        years: 2,
        months: 30,
        tax_fen: 0,
        housing: "owned",
    };
    let token = family.register(&app).await;
    let number = submit_ok(&app, &token, family.form()).await;
    let untouched = app.case_snapshot(&number).await;

    // Wrong department: tax on the housing part, the education bureau on the tax part
    let wrong = act_input(
        &app,
        "tax",
        &number,
        "review-housing",
        Some("越权"),
        json!({}),
    )
    .await;
    error_body(wrong, StatusCode::FORBIDDEN, "forbidden_action").await;
    let wrong = act_input(
        &app,
        EDUCATION,
        &number,
        "review-tax",
        Some("越权"),
        json!({}),
    )
    .await;
    error_body(wrong, StatusCode::FORBIDDEN, "forbidden_action").await;
    // No reason; correcting another part's fact
    let silent = act_input(&app, "tax", &number, "review-tax", None, json!({})).await;
    error_body(silent, StatusCode::UNPROCESSABLE_ENTITY, "comment_required").await;
    let other = act_input(
        &app,
        "tax",
        &number,
        "review-tax",
        Some("改居住年限"),
        json!({"years": 20}),
    )
    .await;
    let error = error_body(other, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input").await;
    assert_eq!(
        field_errors(&error),
        [("years".to_string(), "not-your-part".to_string())]
    );
    // Choosing schools before the score is final
    let early = choose(&app, &token, &number, &["guancheng-central"]).await;
    error_body(early, StatusCode::CONFLICT, "wrong_state").await;
    assert_eq!(
        app.case_snapshot(&number).await,
        untouched,
        "refusals change nothing"
    );

    // A part confirmed twice
    act_input(
        &app,
        "tax",
        &number,
        "review-tax",
        Some("无纳税记录"),
        json!({}),
    )
    .await;
    let after_once = app.case_snapshot(&number).await;
    let twice = act_input(
        &app,
        "tax",
        &number,
        "review-tax",
        Some("再次确认"),
        json!({}),
    )
    .await;
    error_body(twice, StatusCode::CONFLICT, "refused").await;
    assert_eq!(app.case_snapshot(&number).await, after_once);

    // Scored: too many, unknown or wrong-stage schools
    for (login, action) in [PARTS[0], PARTS[1], PARTS[3]] {
        act_input(&app, login, &number, action, Some("核验属实"), json!({})).await;
    }
    assert_eq!(app.case_state(&number).await, "scored");
    let scored = app.case_snapshot(&number).await;
    for (schools, code) in [
        (
            &[
                "guancheng-central",
                "nancheng-yangguang",
                "dongcheng-first",
                "songshan-lake",
            ][..],
            "too-many-schools",
        ),
        (&["hogwarts"][..], "unknown-school"),
        (&["guancheng-middle"][..], "wrong-stage"),
    ] {
        let refused = choose(&app, &token, &number, schools).await;
        let error = error_body(refused, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input").await;
        assert_eq!(
            field_errors(&error),
            [("schools".to_string(), code.to_string())]
        );
    }
    assert_eq!(app.case_snapshot(&number).await, scored);
}

#[tokio::test]
async fn the_applicant_appeals_once_the_education_bureau_re_reviews_and_a_second_appeal_is_refused()
{
    let app = spawn_app().await;
    let family = Family {
        n: 5,
        years: 3,
        months: 40,
        tax_fen: 0,
        housing: "none",
    };
    let token = family.register(&app).await;
    let number = submit_ok(&app, &token, family.form()).await;
    review_all(&app, &number).await;
    assert_eq!(derived(&app, &number).await["total"], 70);

    let appealed = app
        .act_with_input(&token, &number, "appeal", Some("已购房未计分"), json!({}))
        .await;
    assert_eq!(state_after(appealed).await, "appealed");
    let answer = act_input(
        &app,
        EDUCATION,
        &number,
        "re-review",
        Some("核实已购房"),
        json!({"housing": "owned"}),
    )
    .await;
    assert_eq!(state_after(answer).await, "scored");
    let after = derived(&app, &number).await;
    assert_eq!(after["total"], 100);
    assert_eq!(after["appeal"]["reason"], "已购房未计分");
    assert_eq!(after["appeal"]["answer"], "核实已购房");
    let kept = app.case_snapshot(&number).await;

    let again = app
        .act_with_input(&token, &number, "appeal", Some("再申请"), json!({}))
        .await;
    error_body(again, StatusCode::CONFLICT, "refused").await;
    assert_eq!(app.case_snapshot(&number).await, kept);
    assert!(
        subjects(&app, &number)
            .await
            .iter()
            .any(|s| s.ends_with("积分复核结果"))
    );
}

#[tokio::test]
async fn a_case_scored_before_a_new_points_table_is_re_scored_with_its_own_table() {
    // Arrange: two families with the same facts; the first applies under 1.0.0 (table 2017)
    let app = spawn_app().await;
    let old = Family {
        n: 6,
        years: 8,
        months: 135,
        tax_fen: 320_000,
        housing: "rented",
    };
    let new = Family { n: 7, ..old };
    let old_token = old.register(&app).await;
    let new_token = new.register(&app).await;
    let old_number = submit_ok(&app, &old_token, old.form()).await;
    for (login, action) in &PARTS[..3] {
        act_input(
            &app,
            login,
            &old_number,
            action,
            Some("核验属实"),
            json!({}),
        )
        .await;
    }

    // Act 1: the bureau uploads and the admin publishes 1.1.0, which carries the 2027 table
    let key = app
        .department_with_key("dongguan-education", "东莞市教育局")
        .await;
    app.add_user(
        "education.dev",
        Role::Developer,
        Some("dongguan-education"),
        "教育局开发人员",
        None,
    )
    .await;
    let developer = app.login("education.dev", PASSWORD).await;
    let wasm = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../target/wasm32-wasip2/guest/school-points-enrollment/table-2027-1.1.0.wasm"),
    )
    .expect("the 2027 table build: run `cargo xtask build` first");
    app.upload_signed(&developer, SCHOOL_ITEM, &wasm, &key)
        .await;
    json_body(
        app.admin_item(SCHOOL_ITEM, "publish", &json!({"version": "1.1.0"}))
            .await,
        StatusCode::OK,
    )
    .await;

    // Assert: a new case is scored with the new table (40 + 270 + 5 + 20)
    let new_number = submit_ok(&app, &new_token, new.form()).await;
    let fresh = derived(&app, &new_number).await;
    assert_eq!(
        (fresh["table"].as_str(), fresh["total"].as_u64()),
        (Some("2027"), Some(335))
    );
    assert_eq!(app.case_row(&new_number).await.item_version, "1.1.0");

    // Act 2: housing corrects the old case after the new table is live
    let corrected = act_input(
        &app,
        "housing",
        &old_number,
        "review-housing",
        Some("已办理房产登记"),
        json!({"housing": "owned"}),
    )
    .await;

    // Assert: re-scored with 2017: 80 + 135 + 10 + 30, not with 2027
    assert_eq!(state_after(corrected).await, "scored");
    let rescored = derived(&app, &old_number).await;
    assert_eq!(
        (rescored["table"].as_str(), rescored["total"].as_u64()),
        (Some("2017"), Some(255))
    );
    assert_eq!(rescored["parts"]["housing"]["points"], 30);
    assert_eq!(app.case_row(&old_number).await.item_version, "1.0.0");
}

#[tokio::test]
async fn placement_ranks_by_points_breaks_ties_as_documented_fills_schools_in_order_and_runs_once()
{
    // Arrange: a cohort with known points (2017 table) and the small primary schools
    //   D 220; A, E 150 with 100 months and 5 years (A applied first); C 150, 100 months, 4 years;
    //   B 150 with 90 months; F 50. G is scored but has not chosen.
    let app = spawn_app().await;
    let cohort = [
        (
            "A",
            Family {
                n: 11,
                years: 5,
                months: 100,
                tax_fen: 0,
                housing: "none",
            },
            &["nancheng-yangguang", "guancheng-central"][..],
        ),
        (
            "B",
            Family {
                n: 12,
                years: 6,
                months: 90,
                tax_fen: 0,
                housing: "none",
            },
            &["nancheng-yangguang", "guancheng-central"][..],
        ),
        (
            "C",
            Family {
                n: 13,
                years: 4,
                months: 100,
                tax_fen: 0,
                housing: "rented",
            },
            &["nancheng-yangguang", "guancheng-central", "dongcheng-first"][..],
        ),
        (
            "D",
            Family {
                n: 14,
                years: 10,
                months: 120,
                tax_fen: 0,
                housing: "none",
            },
            &["guancheng-central"][..],
        ),
        (
            "E",
            Family {
                n: 15,
                years: 5,
                months: 100,
                tax_fen: 0,
                housing: "none",
            },
            &["guancheng-central", "dongcheng-first"][..],
        ),
        (
            "F",
            Family {
                n: 16,
                years: 5,
                months: 0,
                tax_fen: 0,
                housing: "none",
            },
            &["nancheng-yangguang"][..],
        ),
    ];
    let mut numbers = Vec::new();
    for (name, family, schools) in &cohort {
        let token = family.register(&app).await;
        let number = submit_ok(&app, &token, family.form()).await;
        review_all(&app, &number).await;
        state_after(choose(&app, &token, &number, schools).await).await;
        numbers.push((*name, number));
    }
    let late = Family {
        n: 17,
        years: 9,
        months: 150,
        tax_fen: 0,
        housing: "owned",
    };
    let late_token = late.register(&app).await;
    let waiting = submit_ok(&app, &late_token, late.form()).await;
    review_all(&app, &waiting).await;
    let totals: Vec<u64> = {
        let mut t = Vec::new();
        for (_, number) in &numbers {
            t.push(derived(&app, number).await["total"].as_u64().unwrap());
        }
        t
    };
    assert_eq!(totals, [150, 150, 150, 220, 150, 50]);

    // Refused: a scoring department, by the item (it may run batch reviews, not the placement);
    // a department with no part in the item, and a citizen, by the host
    error_body(
        batch(&app, "tax", "awaiting-placement").await,
        StatusCode::CONFLICT,
        "refused",
    )
    .await;
    error_body(
        batch(&app, "vehicle.office", "awaiting-placement").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let citizen = app.login(&cohort[0].1.login(), PASSWORD).await;
    let by_citizen = app
        .post(
            &format!("/api/v1/dept/items/{SCHOOL_ITEM}/batch"),
            Some(&citizen),
            &json!({"state": "awaiting-placement"}),
        )
        .await;
    assert_eq!(by_citizen.status(), StatusCode::FORBIDDEN);
    // Refused by the item: the department's developer is not a reviewer
    app.add_user(
        "education.dev",
        Role::Developer,
        Some("dongguan-education"),
        "教育局开发人员",
        None,
    )
    .await;
    error_body(
        batch(&app, "education.dev", "awaiting-placement").await,
        StatusCode::CONFLICT,
        "refused",
    )
    .await;
    for (_, number) in &numbers {
        assert_eq!(app.case_state(number).await, "awaiting-placement");
    }

    // Act: the education bureau places
    let report = run_batch(&app, EDUCATION, "awaiting-placement").await;

    // Assert: exactly who goes where
    assert_eq!(report["cases"], 6, "{report}");
    assert_eq!(report["applied"], 6, "{report}");
    assert_eq!(report["refused"], json!([]));
    let expected = [
        ("A", Some("nancheng-yangguang")),
        ("B", None),
        ("C", Some("dongcheng-first")),
        ("D", Some("guancheng-central")),
        ("E", Some("guancheng-central")),
        ("F", None),
    ];
    for ((name, number), (_, school)) in numbers.iter().zip(expected) {
        let placed = derived(&app, number).await;
        assert_eq!(placed["placement"]["school"].as_str(), school, "{name}");
        let state = if school.is_some() {
            "admitted"
        } else {
            "not-admitted"
        };
        assert_eq!(app.case_state(number).await, state, "{name}");
        assert_eq!(
            subjects(&app, number).await.last().unwrap(),
            "义务教育阶段随迁子女积分制入学：录取结果",
            "{name}"
        );
    }
    assert_eq!(
        app.case_state(&waiting).await,
        "scored",
        "a case not in the state is not touched"
    );
    let schools = json_body(
        app.post(
            &format!("/api/v1/items/{SCHOOL_ITEM}/query"),
            Some(&citizen),
            &json!({"input": {}}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let placed: Vec<(String, u64)> = schools["output"]["schools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["code"].as_str().unwrap().to_string(),
                s["placed"].as_u64().unwrap(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    assert_eq!(
        placed,
        [
            ("guancheng-central".to_string(), 2),
            ("nancheng-yangguang".to_string(), 1),
            ("dongcheng-first".to_string(), 1)
        ]
    );

    // Act again: nothing is left in the state, nothing changes
    let stored = app.stored().await;
    let again = run_batch(&app, EDUCATION, "awaiting-placement").await;
    assert_eq!(
        (again["cases"].as_u64(), again["applied"].as_u64()),
        (Some(0), Some(0)),
        "{again}"
    );
    assert_eq!(app.stored().await, stored);
    assert_eq!(app.audit_count("item.batch", SCHOOL_ITEM).await, 2);
}

#[tokio::test]
async fn the_four_scoring_departments_review_in_batches_side_by_side_and_every_case_is_scored() {
    // Arrange: three families under review; tax has already corrected one of them by hand
    let app = spawn_app().await;
    let mut numbers = Vec::new();
    for n in 31..34 {
        let family = Family {
            n,
            years: 3,
            months: 40,
            tax_fen: 100_000,
            housing: "owned",
        };
        let token = family.register(&app).await;
        numbers.push(submit_ok(&app, &token, family.form()).await);
    }
    let corrected = act_input(
        &app,
        "tax",
        &numbers[0],
        "review-tax",
        Some("补录上年度个税"),
        json!({"paid_fen": 600_000}),
    )
    .await;
    assert_eq!(state_after(corrected).await, "under-review");

    // Act: the four departments start their batch reviews at once
    let jobs = futures::future::join_all(
        PARTS
            .iter()
            .map(|(login, _)| run_batch(&app, login, "under-review")),
    )
    .await;

    // Assert: each confirmed what was pending of its part, the hand correction kept
    let applied: Vec<u64> = jobs
        .iter()
        .map(|j| j["applied"].as_u64().unwrap())
        .collect();
    assert_eq!(applied, [3, 3, 2, 3], "{jobs:?}");
    for job in &jobs {
        assert_eq!(job["refused"], json!([]), "{job}");
    }
    for number in &numbers {
        assert_eq!(app.case_state(number).await, "scored");
        let scored = derived(&app, number).await;
        for part in ["residence", "social_insurance", "housing"] {
            assert_eq!(
                scored["parts"][part]["status"], "confirmed",
                "{number} {part}"
            );
        }
    }
    assert_eq!(
        derived(&app, &numbers[0]).await["parts"]["tax"]["status"],
        "corrected"
    );
    let reasons: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT comment FROM case_events WHERE case_id = (SELECT id FROM cases WHERE number = $1)
         AND action = 'review-housing'",
    )
    .bind(&numbers[1])
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(reasons, [Some("批量核验：与登记信息一致".to_string())]);
}

#[tokio::test]
async fn a_batch_of_a_department_while_its_last_one_runs_is_refused_and_starts_nothing() {
    // Arrange: a family waiting for placement, and a placement of the education bureau running
    // (as another host of the deployment would have it)
    let app = spawn_app().await;
    let family = Family {
        n: 41,
        years: 5,
        months: 60,
        tax_fen: 0,
        housing: "rented",
    };
    let token = family.register(&app).await;
    let number = submit_ok(&app, &token, family.form()).await;
    review_all(&app, &number).await;
    state_after(choose(&app, &token, &number, &["songshan-lake"]).await).await;
    let running = app
        .storage
        .start_batch_job(
            SCHOOL_ITEM,
            "dongguan-education",
            "awaiting-placement",
            "reviewer:1",
        )
        .await
        .unwrap();
    assert!(running.is_some());
    let stored = app.stored().await;

    // Act
    let second = batch(&app, EDUCATION, "awaiting-placement").await;

    // Assert: refused, the case untouched, no second job
    error_body(second, StatusCode::CONFLICT, "batch_running").await;
    assert_eq!(app.case_state(&number).await, "awaiting-placement");
    assert_eq!(app.stored().await, stored);
    let (jobs,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM batch_jobs")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(jobs, 1);
}

#[tokio::test]
async fn placements_made_at_once_outside_a_batch_never_give_one_seat_twice() {
    // Arrange: six families waiting, all wanting 莞城中心小学, which has 2 places
    let app = spawn_app().await;
    let mut numbers = Vec::new();
    for n in 51..57 {
        let family = Family {
            n,
            years: 4,
            months: 50,
            tax_fen: 0,
            housing: "owned",
        };
        let token = family.register(&app).await;
        let number = submit_ok(&app, &token, family.form()).await;
        review_all(&app, &number).await;
        state_after(choose(&app, &token, &number, &["guancheng-central"]).await).await;
        numbers.push(number);
    }

    // Act: the education bureau places all six by hand at the same moment
    let placed = futures::future::join_all(numbers.iter().map(|number| {
        act_input(
            &app,
            EDUCATION,
            number,
            "place",
            None,
            json!({"school": "guancheng-central"}),
        )
    }))
    .await;

    // Assert: two admitted, four refused because the school is full; the counter says 2
    let mut admitted = 0;
    for response in placed {
        match response.status() {
            StatusCode::OK => admitted += 1,
            StatusCode::CONFLICT => {
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["error"]["code"], "refused", "{body}");
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(admitted, 2);
    let mut states = Vec::new();
    for number in &numbers {
        states.push(app.case_state(number).await);
    }
    assert_eq!(states.iter().filter(|s| *s == "admitted").count(), 2);
    assert_eq!(
        states.iter().filter(|s| *s == "awaiting-placement").count(),
        4
    );
    let seats: String = sqlx::query_scalar(
        "SELECT value FROM item_records WHERE item_code = $1 AND key = 'seats/guancheng-central'",
    )
    .bind(SCHOOL_ITEM)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(seats, "2");
}
