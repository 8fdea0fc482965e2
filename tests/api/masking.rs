//! ID numbers in what staff see: a department working only a part of another department's item
//! sees the applicant's ID number masked (`4419**********1234`); the owning department's reviewers,
//! who check it, see it whole; the staff inbox, in the API and on the page, lists it masked for
//! every department, to tell applicants of the same name apart.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    CITIZEN, CITIZEN_ID, ENTERPRISE_ITEM, PASSWORD, TestApp, json_body, spawn_app,
};

/// The reviewer of the item's own department (东莞市市场监督管理局).
const OWNER: &str = "market-regulation";
/// The reviewer of a department with a part of the item (税务).
const PART: &str = "tax";
const MASKED: &str = "4419**********1234";

/// 张三 registers an enterprise, with himself as the legal representative, and market
/// regulation approves: the case is with the departments. Returns the number.
async fn registration_with_the_departments(app: &TestApp) -> String {
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let form = json!({
        "enterprise_name": "东莞市一网通电子科技有限公司",
        "enterprise_type": "limited-company",
        "registered_capital_fen": 100000000,
        "legal_representative": "张三",
        "legal_representative_id_number": CITIZEN_ID,
        "address": "东莞市南城街道鸿福路99号",
        "business_scope": "电子产品研发、生产、销售。",
        "phone": "0769-22222222",
        "employees": 12,
        "imports_exports": false,
    });
    let body = json_body(
        app.submit(&citizen, ENTERPRISE_ITEM, form).await,
        StatusCode::CREATED,
    )
    .await;
    let number = body["number"].as_str().expect("a number").to_string();
    let owner = app.login(OWNER, PASSWORD).await;
    assert_eq!(
        app.act_ok(&owner, &number, "approve", None).await,
        "in-departments"
    );
    number
}

/// The case as `login` sees it, and its text.
async fn case_as(app: &TestApp, login: &str, number: &str) -> (Value, String) {
    let token = app.login(login, PASSWORD).await;
    let case = app.application(&token, number).await;
    let text = case.to_string();
    (case, text)
}

#[tokio::test]
async fn a_department_working_a_part_sees_the_id_number_masked_the_owner_and_applicant_whole() {
    // Arrange
    let app = spawn_app().await;
    let number = registration_with_the_departments(&app).await;

    // Act
    let (part, part_text) = case_as(&app, PART, &number).await;
    let (owner, _) = case_as(&app, OWNER, &number).await;
    let (applicant, _) = case_as(&app, CITIZEN, &number).await;

    // Assert
    assert_eq!(part["form"]["legal_representative_id_number"], MASKED);
    assert!(
        !part_text.contains(CITIZEN_ID),
        "the part's department sees no whole ID number: {part_text}"
    );
    assert_eq!(part["certificates"][0]["holder"], MASKED);
    assert_eq!(part["form"]["legal_representative"], "张三");
    assert_eq!(owner["certificates"][0]["holder"], CITIZEN_ID);
    assert_eq!(owner["form"]["legal_representative_id_number"], CITIZEN_ID);
    assert_eq!(
        applicant["form"]["legal_representative_id_number"],
        CITIZEN_ID
    );
    // Masking is in the view only: the stored form keeps the number whole.
    let stored: String = sqlx::query_scalar("SELECT form FROM cases WHERE number = $1")
        .bind(&number)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let stored: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored["legal_representative_id_number"], CITIZEN_ID);
}

#[tokio::test]
async fn the_staff_inboxes_list_the_case_with_the_id_number_masked_never_whole() {
    // Arrange
    let app = spawn_app().await;
    let number = registration_with_the_departments(&app).await;

    for login in [OWNER, PART] {
        // Act
        let token = app.login(login, PASSWORD).await;
        let inbox = app.get_json("/api/v1/dept/cases", &token).await;
        let page = crate::web::Browser::login(&app, login)
            .await
            .page(&app, "/dept/cases", StatusCode::OK)
            .await;

        // Assert
        let text = inbox.to_string();
        let listed = crate::helpers::find(&inbox, "number", &number);
        assert_eq!(listed.len(), 1, "{login} lists the case: {text}");
        assert_eq!(listed[0]["applicant_id_masked"], MASKED, "{login}");
        assert!(
            !text.contains(CITIZEN_ID),
            "{login}'s inbox shows no whole ID number: {text}"
        );
        assert!(
            page.contains(&number),
            "{login}'s inbox page lists the case"
        );
        assert!(
            page.contains(&format!(r#"<td class="id-masked">{MASKED}</td>"#)),
            "{login}'s page shows the masked number"
        );
        assert!(
            !page.contains(CITIZEN_ID),
            "{login}'s page shows no whole one"
        );
    }
}
