//! The web portal over plain HTTP (no browser): pages answer 200 in Chinese with the catalog, the
//! login sets the session cookie, a form POST without its CSRF token is refused and writes
//! nothing, an application submitted through the form is stored, and a form with errors comes
//! back with each error beside its field.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;

use crate::helpers::{
    ADMIN, CITIZEN, DEPARTMENT, ELIGIBLE_PLATE, ELIGIBLE_VIN_LAST6, PASSWORD, REVIEWER, TestApp,
    VEHICLE_ITEM, eligible_form, spawn_app, spawn_app_with,
};
use yiwang_host::model::actor::Role;

/// A browser's session: the cookie, and the CSRF token read from a page's form.
pub(crate) struct Browser {
    pub(crate) cookie: String,
}

impl Browser {
    /// Log in through the login form, as a browser would.
    pub(crate) async fn login(app: &TestApp, login: &str) -> Browser {
        let form = LoginForm::open(app).await;
        let response = form.post(app, login, PASSWORD, "/").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[LOCATION], "/");
        let set_cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_string();
        assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
        Browser {
            cookie: set_cookie.split(';').next().unwrap().to_string(),
        }
    }

    pub(crate) async fn get(&self, app: &TestApp, path: &str) -> reqwest::Response {
        app.client
            .get(app.url(path))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    /// A page's HTML, which must come with `status`.
    pub(crate) async fn page(&self, app: &TestApp, path: &str, status: StatusCode) -> String {
        let response = self.get(app, path).await;
        assert_eq!(response.status(), status, "GET {path}");
        response.text().await.unwrap()
    }

    /// The `_csrf` value the page at `path` puts in its forms.
    pub(crate) async fn csrf(&self, app: &TestApp, path: &str) -> String {
        let html = self.page(app, path, StatusCode::OK).await;
        attribute_after(&html, r#"name="_csrf" value=""#).expect("the page has a form with _csrf")
    }

    pub(crate) async fn post(
        &self,
        app: &TestApp,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        app.client
            .post(app.url(path))
            .header(COOKIE, &self.cookie)
            .form(fields)
            .send()
            .await
            .unwrap()
    }
}

/// The login page as a browser holds it: its login cookie and the form's token.
pub(crate) struct LoginForm {
    cookie: String,
    csrf: String,
}

impl LoginForm {
    pub(crate) async fn open(app: &TestApp) -> LoginForm {
        let response = app.get("/login", None).await;
        assert_eq!(response.status(), StatusCode::OK);
        let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_string();
        assert!(cookie.starts_with("yiwang_login="), "{cookie}");
        let html = response.text().await.unwrap();
        LoginForm {
            cookie: cookie.split(';').next().unwrap().to_string(),
            csrf: attribute_after(&html, r#"name="_csrf" value=""#).expect("the form's token"),
        }
    }

    pub(crate) async fn post(
        &self,
        app: &TestApp,
        login: &str,
        password: &str,
        next: &str,
    ) -> reqwest::Response {
        app.client
            .post(app.url("/login"))
            .header(COOKIE, &self.cookie)
            .form(&[
                ("login", login),
                ("password", password),
                ("next", next),
                ("_csrf", &self.csrf),
            ])
            .send()
            .await
            .unwrap()
    }
}

/// A developer of the vehicle item's department, signed in.
async fn vehicle_developer(app: &TestApp) -> Browser {
    app.add_user(
        "vehicle.developer",
        Role::Developer,
        Some(DEPARTMENT),
        "车管所开发员",
        None,
    )
    .await;
    Browser::login(app, "vehicle.developer").await
}

/// The text after `marker` up to the next quote.
pub(crate) fn attribute_after(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    Some(html[start..].split('"').next()?.to_string())
}

pub(crate) async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// 张三's eligible application as the form sends it (the checkbox left unticked).
fn eligible_fields(csrf: &str) -> Vec<(String, String)> {
    let form = eligible_form(false);
    let mut fields: Vec<(String, String)> = form
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
        .collect();
    fields.push(("_csrf".into(), csrf.into()));
    fields
}

fn borrowed(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[tokio::test]
async fn the_public_pages_render_in_chinese_with_the_catalog_and_the_stylesheet() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let home = app.get("/", None).await;
    let item = app.get(&format!("/items/{VEHICLE_ITEM}"), None).await;
    let login = app.get("/login", None).await;
    let css = app.get("/assets/site.css", None).await;
    let missing = app.get("/items/no-such-item", None).await;

    // Assert
    assert_eq!(home.status(), StatusCode::OK);
    assert!(
        home.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let home = home.text().await.unwrap();
    assert!(home.contains(r#"<html lang="zh-CN">"#));
    assert!(home.contains(r##"class="skip-link" href="#main""##));
    assert!(home.contains(r#"id="catalog""#));
    assert!(home.contains(&format!(
        r#"class="item-link" href="/items/{VEHICLE_ITEM}""#
    )));
    assert!(home.contains("新车6年免检申领检验标志"));
    assert_eq!(item.status(), StatusCode::OK);
    let item = item.text().await.unwrap();
    assert!(item.contains(&format!(
        r#"id="apply" class="button" href="/items/{VEHICLE_ITEM}/apply""#
    )));
    assert!(item.contains("法定办结时限") && item.contains("承诺办结时限"));
    assert!(!item.contains("item-unavailable"));
    let department = yiwang_host::admin::DEMO_DEPARTMENTS
        .iter()
        .find(|(code, _)| *code == DEPARTMENT)
        .map(|(_, name)| *name)
        .unwrap();
    assert!(
        item.contains(&format!(r#"<dd id="item-department">{department}</dd>"#)),
        "the department by name, not by code"
    );
    assert!(home.contains(department) && !home.contains(DEPARTMENT));
    assert_eq!(login.status(), StatusCode::OK);
    let login = login.text().await.unwrap();
    for id in [
        r#"id="login""#,
        r#"id="password""#,
        r#"id="login-submit""#,
        r#"<label for="login">"#,
    ] {
        assert!(login.contains(id), "{id}");
    }
    assert_eq!(css.status(), StatusCode::OK);
    assert!(
        css.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(css.text().await.unwrap().contains(":focus-visible"));
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.text().await.unwrap().contains("页面不存在"));
}

#[tokio::test]
async fn an_unknown_path_gets_the_404_page_and_an_unknown_api_path_the_json_error() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let page = app.get("/no/such/page", None).await;
    let api = app.get("/api/v1/no-such-resource", None).await;

    // Assert
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(
        page.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = page.text().await.unwrap();
    assert!(page.contains(r#"<html lang="zh-CN">"#), "{page}");
    assert!(page.contains(r#"id="error-heading""#) && page.contains("页面不存在"));
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    let api: Value = api.json().await.unwrap();
    assert_eq!(api["error"]["code"], "not_found", "{api}");
}

#[tokio::test]
async fn the_search_narrows_the_catalog() {
    let app = spawn_app().await;

    let hit = app
        .get("/?q=%E5%85%8D%E6%A3%80", None)
        .await
        .text()
        .await
        .unwrap(); // 免检
    let miss = app
        .get("/?q=zzzz-nothing", None)
        .await
        .text()
        .await
        .unwrap();

    let by_department = app
        .get("/?q=%E8%BD%A6%E8%BE%86%E7%AE%A1%E7%90%86%E6%89%80", None)
        .await
        .text()
        .await
        .unwrap(); // 车辆管理所, the department's name

    assert!(hit.contains(&format!("/items/{VEHICLE_ITEM}")));
    assert!(by_department.contains(&format!("/items/{VEHICLE_ITEM}")));
    assert!(!by_department.contains("/items/school-points-enrollment"));
    assert!(!miss.contains("class=\"item-link\""));
    assert!(miss.contains("id=\"catalog-empty\""));
}

#[tokio::test]
async fn a_page_that_needs_a_login_sends_the_anonymous_visitor_to_the_login_and_back() {
    let app = spawn_app().await;

    let response = app.get(&format!("/items/{VEHICLE_ITEM}/apply"), None).await;
    let form = LoginForm::open(&app).await;
    let wrong = form
        .post(&app, CITIZEN, "wrong-password", "/me/applications")
        .await;
    let elsewhere = form.post(&app, CITIZEN, PASSWORD, "//evil.example/").await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()[LOCATION],
        format!("/login?next=%2Fitems%2F{VEHICLE_ITEM}%2Fapply")
    );
    assert_eq!(wrong.status(), StatusCode::OK);
    assert!(wrong.headers().get(SET_COOKIE).is_none());
    let wrong = wrong.text().await.unwrap();
    assert!(wrong.contains(r#"id="form-error" class="alert" role="alert""#));
    assert_eq!(elsewhere.status(), StatusCode::SEE_OTHER);
    assert_eq!(elsewhere.headers()[LOCATION], "/");
}

#[tokio::test]
async fn a_login_post_without_its_form_token_signs_nobody_in() {
    // Arrange: another site's form knows the password it wants the visitor signed in with, but
    // not the token of the visitor's login cookie.
    let app = spawn_app().await;
    let form = LoginForm::open(&app).await;
    let other = LoginForm::open(&app).await;
    let tokens_before = count(&app, "tokens").await;
    let post = |cookie: Option<&str>, csrf: Option<&str>| {
        let mut fields = vec![("login", CITIZEN), ("password", PASSWORD), ("next", "/")];
        fields.extend(csrf.map(|csrf| ("_csrf", csrf)));
        let mut request = app.client.post(app.url("/login")).form(&fields);
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        request.send()
    };

    // Act
    let without_anything = post(None, None).await.unwrap();
    let without_token = post(Some(&form.cookie), None).await.unwrap();
    let without_cookie = post(None, Some(&form.csrf)).await.unwrap();
    let crossed = post(Some(&form.cookie), Some(&other.csrf)).await.unwrap();
    let tokens_after_refusals = count(&app, "tokens").await;
    let genuine = form.post(&app, CITIZEN, PASSWORD, "/").await;

    // Assert: each forged post gets the form back with a fresh login cookie and no session.
    for refused in [without_anything, without_token, without_cookie, crossed] {
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let set = refused.headers()[SET_COOKIE].to_str().unwrap().to_string();
        assert!(set.starts_with("yiwang_login="), "{set}");
        let html = refused.text().await.unwrap();
        assert!(html.contains(r#"id="form-error""#), "{html}");
        assert!(html.contains(r#"name="_csrf""#));
    }
    assert_eq!(tokens_after_refusals, tokens_before);
    assert_eq!(genuine.status(), StatusCode::SEE_OTHER);
    let set = genuine.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(set.starts_with("yiwang_session="), "{set}");
    assert_eq!(count(&app, "tokens").await, tokens_before + 1);
}

#[tokio::test]
async fn an_application_submitted_through_the_form_is_stored_and_its_page_shows_it() {
    // Arrange
    let app = spawn_app().await;
    let citizen = Browser::login(&app, CITIZEN).await;
    let apply = format!("/items/{VEHICLE_ITEM}/apply");
    let form_page = citizen.page(&app, &apply, StatusCode::OK).await;
    assert!(form_page.contains(r#"<label for="field-plate_number">号牌号码"#));
    assert!(
        form_page
            .contains(r#"type="checkbox" id="field-wants_paper_mark" name="wants_paper_mark""#)
    );
    let plate = form_page.find(r#"id="field-plate_number""#).unwrap();
    let address = form_page.find(r#"id="field-mailing_address""#).unwrap();
    assert!(
        plate < address,
        "the fields come in the order the item's schema requires them"
    );
    let csrf = citizen.csrf(&app, &apply).await;

    // Act
    let response = citizen
        .post(&app, &apply, &borrowed(&eligible_fields(&csrf)))
        .await;

    // Assert: a redirect to the case, which is stored as the API would store it
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[LOCATION].to_str().unwrap().to_string();
    let number = location
        .strip_prefix("/applications/")
        .expect("to the case page")
        .to_string();
    let (channel, form): (String, String) =
        sqlx::query_as("SELECT channel, form FROM cases WHERE number = $1")
            .bind(&number)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(channel, "web");
    let form: Value = serde_json::from_str(&form).unwrap();
    assert_eq!(form, eligible_form(false));
    let case = citizen.page(&app, &location, StatusCode::OK).await;
    assert!(case.contains(&format!(r#"<span id="application-number">{number}</span>"#)));
    assert!(case.contains(r#"id="timeline""#));
    assert!(
        !case.contains("action-form"),
        "the applicant has no action while it is reviewed"
    );
    let mine = citizen.page(&app, "/me/applications", StatusCode::OK).await;
    assert!(mine.contains(&format!(r#"href="/applications/{number}""#)));
    assert!(
        mine.contains(r#"<td data-state="awaiting-pickup">待揽收</td>"#),
        "the state's label"
    );
    let cache = citizen.get(&app, "/me/applications").await.headers()["cache-control"].clone();
    assert_eq!(cache, "no-store", "pages with personal data are not cached");
}

#[tokio::test]
async fn a_form_post_without_its_csrf_token_is_refused_and_writes_nothing() {
    // Arrange
    let app = spawn_app().await;
    let citizen = Browser::login(&app, CITIZEN).await;
    let admin = Browser::login(&app, ADMIN).await;
    let csrf = citizen
        .csrf(&app, &format!("/items/{VEHICLE_ITEM}/apply"))
        .await;
    let mut without: Vec<(String, String)> = eligible_fields(&csrf);
    without.retain(|(k, _)| k != "_csrf");
    let mut forged = without.clone();
    forged.push(("_csrf".into(), "forged".into()));
    let cases = count(&app, "cases").await;
    let audit = count(&app, "audit_log").await;

    // Act
    let no_token = citizen
        .post(
            &app,
            &format!("/items/{VEHICLE_ITEM}/apply"),
            &borrowed(&without),
        )
        .await;
    let bad_token = citizen
        .post(
            &app,
            &format!("/items/{VEHICLE_ITEM}/apply"),
            &borrowed(&forged),
        )
        .await;
    let disable = admin
        .post(&app, &format!("/admin/items/{VEHICLE_ITEM}/disable"), &[])
        .await;
    let logout = citizen.post(&app, "/logout", &[]).await;

    // Assert
    for response in [no_token, bad_token, disable, logout] {
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(response.text().await.unwrap().contains("CSRF"));
    }
    assert_eq!(count(&app, "cases").await, cases);
    assert_eq!(count(&app, "audit_log").await, audit);
    assert_eq!(
        app.storage
            .item(VEHICLE_ITEM)
            .await
            .unwrap()
            .unwrap()
            .enabled,
        1
    );
    citizen.page(&app, "/me/applications", StatusCode::OK).await; // still signed in
}

#[tokio::test]
async fn a_form_with_errors_comes_back_with_each_error_beside_its_field_and_nothing_stored() {
    // Arrange
    let app = spawn_app().await;
    let citizen = Browser::login(&app, CITIZEN).await;
    let apply = format!("/items/{VEHICLE_ITEM}/apply");
    let csrf = citizen.csrf(&app, &apply).await;
    let fields = [
        ("_csrf", csrf.as_str()),
        ("plate_number", "not a plate"),
        ("vin_last6", ELIGIBLE_VIN_LAST6),
        ("owner_name", "张三"),
        ("phone", "13800138000"),
        ("mailing_address", "广东省东莞市南城街道鸿福路99号"),
    ];
    let cases = count(&app, "cases").await;

    // Act
    let response = citizen.post(&app, &apply, &fields).await;

    // Assert
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"id="form-errors" class="alert" role="alert""#));
    assert!(
        html.contains(r#"<span class="field-error" id="error-plate_number">格式不正确</span>"#),
        "{html}"
    );
    assert!(
        html.contains(
            r#"<span class="field-error" id="error-owner_id_number">此项为必填项</span>"#
        )
    );
    assert!(html.contains(r#"aria-invalid="true" aria-describedby="error-plate_number""#));
    assert!(
        html.contains(r#"value="not a plate""#),
        "the values are kept"
    );
    assert!(!html.contains(r#"id="error-phone""#));
    assert_eq!(count(&app, "cases").await, cases);
    let _ = ELIGIBLE_PLATE;
}

#[tokio::test]
async fn a_reviewer_sees_the_actions_the_workflow_allows_and_an_admin_disables_the_item() {
    // Arrange: a case under review
    let app = spawn_app().await;
    let token = app.login(CITIZEN, PASSWORD).await;
    let number = app.apply_for_eligible_vehicle(&token, false).await;
    let reviewer = Browser::login(&app, REVIEWER).await;
    let admin = Browser::login(&app, ADMIN).await;
    let citizen = Browser::login(&app, CITIZEN).await;
    let case_path = format!("/applications/{number}");

    // Act and assert: the reviewer's inbox and case page
    let inbox = reviewer.page(&app, "/dept/cases", StatusCode::OK).await;
    assert!(inbox.contains(&format!(r#"href="{case_path}""#)));
    let detail: Value = app
        .get_json(
            &format!("/api/v1/applications/{number}"),
            &app.login(REVIEWER, PASSWORD).await,
        )
        .await;
    let page = reviewer.page(&app, &case_path, StatusCode::OK).await;
    let allowed: Vec<&str> = detail["available_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        page.matches(r#"class="action-form""#).count(),
        allowed.len()
    );
    for action in &allowed {
        assert!(
            page.contains(&format!(r#"id="action-{action}""#)),
            "{action}"
        );
    }
    citizen
        .page(&app, "/dept/cases", StatusCode::FORBIDDEN)
        .await;

    // Act and assert: the admin disables the item; the citizen sees it unavailable
    let csrf = admin.csrf(&app, "/admin/items").await;
    let response = admin
        .post(
            &app,
            &format!("/admin/items/{VEHICLE_ITEM}/disable"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let items = admin.page(&app, "/admin/items", StatusCode::OK).await;
    assert!(items.contains(&format!(r#"id="enable-{VEHICLE_ITEM}""#)));
    let item = citizen
        .page(&app, &format!("/items/{VEHICLE_ITEM}"), StatusCode::OK)
        .await;
    assert!(item.contains(r#"id="item-unavailable""#) && item.contains("暂停办理"));
    assert!(!item.contains(r#"id="apply""#));
    let apply = citizen
        .page(
            &app,
            &format!("/items/{VEHICLE_ITEM}/apply"),
            StatusCode::SERVICE_UNAVAILABLE,
        )
        .await;
    assert!(apply.contains(r#"id="item-unavailable""#));
}

#[tokio::test]
async fn logging_out_through_the_form_ends_the_session() {
    let app = spawn_app().await;
    let citizen = Browser::login(&app, CITIZEN).await;
    let csrf = citizen.csrf(&app, "/me/applications").await;

    let response = citizen.post(&app, "/logout", &[("_csrf", &csrf)]).await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/");
    assert!(
        response.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let after = citizen.get(&app, "/me/applications").await;
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_reviewer_approves_through_the_case_page_and_the_applicant_rates_it_and_the_public_stats_count_it()
 {
    // Arrange: a case the courier has collected, so that it waits for the reviewer
    let app = spawn_app().await;
    let token = app.login(CITIZEN, PASSWORD).await;
    let number = app.apply_for_eligible_vehicle(&token, false).await;
    let pickup = app.tracking_number(&number, "pickup").await;
    assert_eq!(
        app.courier_event(&pickup, "picked-up").await.status(),
        StatusCode::OK
    );
    let reviewer = Browser::login(&app, REVIEWER).await;
    let citizen = Browser::login(&app, CITIZEN).await;
    let case_path = format!("/applications/{number}");
    let page = reviewer.page(&app, &case_path, StatusCode::OK).await;
    assert!(page.contains(r#"id="action-approve""#));
    let csrf = reviewer.csrf(&app, &case_path).await;

    // Act: approve with a comment; the applicant rates the finished case
    let approved = reviewer
        .post(
            &app,
            &format!("{case_path}/actions"),
            &[
                ("_csrf", &csrf),
                ("action", "approve"),
                ("comment", "材料齐全"),
            ],
        )
        .await;
    let page = citizen.page(&app, &case_path, StatusCode::OK).await;
    let csrf = citizen.csrf(&app, &case_path).await;
    let rated = citizen
        .post(
            &app,
            &format!("{case_path}/rating"),
            &[("_csrf", &csrf), ("score", "5")],
        )
        .await;

    // Assert
    assert_eq!(approved.status(), StatusCode::SEE_OTHER);
    assert_eq!(approved.headers()[LOCATION], case_path.as_str());
    let events: Vec<String> = app.event_actions(&number).await;
    assert_eq!(events.last().map(String::as_str), Some("approve"));
    assert!(page.contains("材料齐全"), "the comment is in the timeline");
    assert!(page.contains(r#"id="rating-form""#));
    assert!(page.contains(r#"id="certificates""#));
    let link =
        attribute_after(&page, r#"class="verify-link" href=""#).expect("a verification link");
    let verified = app.get(&link, None).await;
    assert_eq!(verified.status(), StatusCode::OK, "anyone can open {link}");
    let verified = verified.text().await.unwrap();
    assert!(verified.contains("当前有效"));
    assert!(
        !verified.contains(crate::helpers::CITIZEN_ID),
        "the holder's ID number is masked"
    );
    let forged = app.get("/certificates/NO-SUCH-SERIAL", None).await;
    assert_eq!(forged.status(), StatusCode::NOT_FOUND);
    assert!(forged.text().await.unwrap().contains("未找到"));
    assert_eq!(rated.status(), StatusCode::SEE_OTHER);
    assert_eq!(count(&app, "ratings").await, 1);
    let stats = app.get("/stats", None).await;
    assert_eq!(stats.status(), StatusCode::OK);
    let stats = stats.text().await.unwrap();
    assert!(
        stats.contains(r#"<td class="on-time-rate">100.0%</td>"#),
        "{stats}"
    );
    assert!(
        stats.contains(r#"<svg id="on-time-chart" role="img""#),
        "a chart drawn on the server"
    );
    assert!(stats.contains(r#"<svg id="monthly-chart" role="img""#));
    assert!(
        stats.contains(r#"<th scope="row">东莞市公安局交通警察支队车辆管理所<div"#),
        "the public page names departments: {stats}"
    );
    let csv = app.get("/stats.csv", None).await;
    assert!(
        csv.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.text().await.unwrap();
    assert!(
        csv.lines()
            .any(|l| l.contains(VEHICLE_ITEM) && l.contains(",1,1,1,0,0,")),
        "{csv}"
    );
    let wrong = app.get("/stats?from=2026-13-01", None).await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().await.unwrap().contains(r#"id="error-from""#));
}

#[tokio::test]
async fn the_applicant_uploads_a_material_through_the_case_page_and_without_the_token_nothing_is_stored()
 {
    // Arrange
    let app = spawn_app().await;
    let token = app.login(CITIZEN, PASSWORD).await;
    let number = app.apply_for_eligible_vehicle(&token, false).await;
    let citizen = Browser::login(&app, CITIZEN).await;
    let case_path = format!("/applications/{number}");
    let page = citizen.page(&app, &case_path, StatusCode::OK).await;
    assert!(page.contains(r#"enctype="multipart/form-data" id="upload-form""#));
    let csrf = citizen.csrf(&app, &case_path).await;
    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec();
    let form = |csrf: Option<&str>| {
        let mut form = reqwest::multipart::Form::new();
        if let Some(csrf) = csrf {
            form = form.text("_csrf", csrf.to_string());
        }
        form.text("material", crate::helpers::VEHICLE_MATERIAL)
            .part(
                "file",
                reqwest::multipart::Part::bytes(pdf.clone())
                    .file_name("行驶证.pdf")
                    .mime_str("application/pdf")
                    .unwrap(),
            )
    };
    let send = |form: reqwest::multipart::Form| {
        app.client
            .post(app.url(&format!("{case_path}/attachments")))
            .header(COOKIE, &citizen.cookie)
            .multipart(form)
            .send()
    };

    // Act
    let refused = send(form(None)).await.unwrap();
    let stored_before = count(&app, "attachments").await;
    let uploaded = send(form(Some(&csrf))).await.unwrap();

    // Assert
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored_before, 0);
    assert_eq!(uploaded.status(), StatusCode::SEE_OTHER);
    assert_eq!(count(&app, "attachments").await, 1);
    let page = citizen.page(&app, &case_path, StatusCode::OK).await;
    assert!(page.contains("行驶证.pdf"));
}

#[tokio::test]
async fn the_admin_sees_a_refused_rollback_beside_the_items_and_the_change_in_the_audit_log() {
    // Arrange
    let app = spawn_app().await;
    let admin = Browser::login(&app, ADMIN).await;
    let csrf = admin.csrf(&app, "/admin/items").await;
    let audit = count(&app, "audit_log").await;

    // Act
    let rollback = admin
        .post(
            &app,
            &format!("/admin/items/{VEHICLE_ITEM}/rollback"),
            &[("_csrf", &csrf)],
        )
        .await;
    let disable = admin
        .post(
            &app,
            &format!("/admin/items/{VEHICLE_ITEM}/disable"),
            &[("_csrf", &csrf)],
        )
        .await;

    // Assert: nothing to roll back to, said on the page; the disabling is audited
    assert_eq!(rollback.status(), StatusCode::CONFLICT);
    assert!(
        rollback
            .text()
            .await
            .unwrap()
            .contains(r#"id="admin-error" class="alert" role="alert""#)
    );
    assert_eq!(disable.status(), StatusCode::SEE_OTHER);
    assert_eq!(count(&app, "audit_log").await, audit + 1);
    let log = admin.page(&app, "/admin/audit", StatusCode::OK).await;
    assert!(log.contains(r#"id="audit""#) && log.contains(VEHICLE_ITEM));
}

#[tokio::test]
async fn the_owning_reviewer_reads_the_item_versions_from_the_inbox_and_another_department_gets_404()
 {
    // Arrange
    let app = spawn_app().await;
    let reviewer = Browser::login(&app, REVIEWER).await;
    let other = Browser::login(&app, "tax").await;
    let path = format!("/dept/items/{VEHICLE_ITEM}/versions");

    // Act
    let inbox = reviewer.page(&app, "/dept/cases", StatusCode::OK).await;
    let versions = reviewer.page(&app, &path, StatusCode::OK).await;
    let refused = other.page(&app, &path, StatusCode::NOT_FOUND).await;

    // Assert
    assert!(inbox.contains(&format!(r#"href="{path}""#)), "{inbox}");
    assert!(versions.contains(r#"id="versions""#));
    assert!(versions.contains(r#"data-status="published""#) && versions.contains("已发布"));
    assert!(versions.contains("1.0.0"));
    assert!(
        !versions.contains("version-upload-form"),
        "a reviewer does not upload"
    );
    assert!(refused.contains("页面不存在"));
}

#[tokio::test]
async fn a_developer_upload_without_the_token_stores_nothing_and_a_refused_one_shows_its_code() {
    // Arrange
    let app = spawn_app().await;
    let developer = vehicle_developer(&app).await;
    let path = format!("/dept/items/{VEHICLE_ITEM}/versions");
    let page = developer.page(&app, &path, StatusCode::OK).await;
    assert!(page.contains(r#"enctype="multipart/form-data" id="version-upload-form""#));
    let csrf = developer.csrf(&app, &path).await;
    let form = |csrf: Option<&str>| {
        let mut form = reqwest::multipart::Form::new();
        if let Some(csrf) = csrf {
            form = form.text("_csrf", csrf.to_string());
        }
        form.part(
            "component",
            reqwest::multipart::Part::bytes(b"not a component".to_vec()).file_name("item.wasm"),
        )
        .part(
            "signature",
            reqwest::multipart::Part::bytes(b"not a signature".to_vec()).file_name("item.sig"),
        )
    };
    let send = |form: reqwest::multipart::Form| {
        app.client
            .post(app.url(&path))
            .header(COOKIE, &developer.cookie)
            .multipart(form)
            .send()
    };
    let versions = count(&app, "item_versions").await;
    let components = count(&app, "components").await;
    let audit = count(&app, "audit_log").await;

    // Act
    let without_token = send(form(None)).await.unwrap();
    let audit_after_refusal = count(&app, "audit_log").await;
    let garbage = send(form(Some(&csrf))).await.unwrap();

    // Assert
    assert_eq!(without_token.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        audit_after_refusal, audit,
        "refused before the upload was read"
    );
    assert_eq!(garbage.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = garbage.text().await.unwrap();
    let code = attribute_after(&page, r#"id="upload-error-code">"#)
        .map(|rest| rest.split('<').next().unwrap_or_default().to_string())
        .expect("the refusal's code on the page");
    assert!(
        matches!(
            code.as_str(),
            "no_signing_key" | "not_a_component" | "bad_signature"
        ),
        "{code}"
    );
    assert!(
        page.contains(r#"id="versions""#),
        "the list stays beside the refusal"
    );
    assert_eq!(count(&app, "item_versions").await, versions);
    assert_eq!(count(&app, "components").await, components);
}

/// A multipart upload of `size` garbage bytes as a component, with the form's token.
fn component_upload(csrf: &str, size: usize) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("_csrf", csrf.to_string())
        .part(
            "component",
            reqwest::multipart::Part::bytes(vec![0x5a; size]).file_name("item.wasm"),
        )
        .part(
            "signature",
            reqwest::multipart::Part::bytes(b"not a signature".to_vec()).file_name("item.sig"),
        )
}

#[tokio::test]
async fn a_web_upload_may_be_as_large_as_a_component_not_only_as_an_attachment() {
    // Arrange: attachments up to 1 KiB, components up to 64 KiB.
    let app = spawn_app_with(|settings| {
        settings.max_attachment_bytes = 1024;
        settings.max_component_bytes = 64 * 1024;
    })
    .await;
    let developer = vehicle_developer(&app).await;
    let path = format!("/dept/items/{VEHICLE_ITEM}/versions");
    let csrf = developer.csrf(&app, &path).await;
    let send = |size: usize| {
        app.client
            .post(app.url(&path))
            .header(COOKIE, &developer.cookie)
            .multipart(component_upload(&csrf, size))
            .send()
    };
    let versions = count(&app, "item_versions").await;

    // Act
    let above_attachments = send(32 * 1024).await.unwrap();
    let above_components = send(128 * 1024).await.unwrap();

    // Assert: the first reached the upload's checks (garbage is refused there), the second not.
    assert_eq!(above_attachments.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = above_attachments.text().await.unwrap();
    assert!(page.contains(r#"id="upload-error-code""#), "{page}");
    assert_eq!(above_components.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(count(&app, "item_versions").await, versions);
}

#[tokio::test]
async fn the_citizen_reads_the_notifications_about_their_cases_and_nobody_else_sees_them() {
    // Arrange: a case under review has told its applicant so.
    let app = spawn_app().await;
    let token = app.login(CITIZEN, PASSWORD).await;
    let number = app.case_under_review(&token, false).await;
    let sent = app.get_json("/api/v1/me/notifications", &token).await;
    let sent = sent.as_array().unwrap();
    assert!(!sent.is_empty(), "the case sent a notification");
    let citizen = Browser::login(&app, CITIZEN).await;
    app.add_citizen("li.si", "李四", &crate::helpers::id_number(7))
        .await;
    let other = Browser::login(&app, "li.si").await;
    let reviewer = Browser::login(&app, REVIEWER).await;

    // Act
    let page = citizen
        .page(&app, "/me/notifications", StatusCode::OK)
        .await;
    let others = other.page(&app, "/me/notifications", StatusCode::OK).await;
    let staff = reviewer.get(&app, "/me/notifications").await;

    // Assert: each stored notification, newest first, linked to its case.
    let mut last = 0;
    for notification in sent {
        let subject = notification["subject"].as_str().unwrap();
        let at = page[last..]
            .find(&format!("<h2>{subject}</h2>"))
            .unwrap_or_else(|| panic!("`{subject}` in order on {page}"));
        last += at;
    }
    assert!(page.contains(&format!(r#"<a href="/applications/{number}">{number}</a>"#)));
    assert!(
        page.contains(r#"href="/me/notifications""#),
        "in the citizen's menu"
    );
    assert!(others.contains(r#"id="notifications-empty""#));
    assert!(!others.contains(&number));
    assert_eq!(staff.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_admin_registers_an_item_sets_its_grants_and_limits_and_refusals_change_nothing() {
    // Arrange
    let app = spawn_app().await;
    let admin = Browser::login(&app, ADMIN).await;
    let csrf = admin.csrf(&app, "/admin/items").await;
    let items_page = admin.page(&app, "/admin/items", StatusCode::OK).await;
    let stored_settings = |code: &'static str| {
        let app = &app;
        async move {
            sqlx::query_as::<_, (String, String, String)>(
                "SELECT department, grants, limits FROM items WHERE code = $1",
            )
            .bind(code)
            .fetch_one(&app.db)
            .await
            .unwrap()
        }
    };
    let vehicle_before = stored_settings(VEHICLE_ITEM).await;

    // Act
    let taken = admin
        .post(
            &app,
            "/admin/items",
            &[
                ("_csrf", &csrf),
                ("code", VEHICLE_ITEM),
                ("department", DEPARTMENT),
            ],
        )
        .await;
    let registered = admin
        .post(
            &app,
            "/admin/items",
            &[
                ("_csrf", &csrf),
                ("code", "vehicle-transfer"),
                ("department", DEPARTMENT),
            ],
        )
        .await;
    let grants = admin
        .post(
            &app,
            "/admin/items/vehicle-transfer/grants",
            &[
                ("_csrf", &csrf),
                (
                    "registries",
                    "vehicle-registry\ninsurance-records, vehicle-registry",
                ),
                ("certificates_issue", ""),
                ("certificates_read", ""),
                ("notify", "on"),
                ("log", "on"),
            ],
        )
        .await;
    let limit_fields = |memory: &'static str| {
        vec![
            ("_csrf", csrf.as_str()),
            ("memory_mib", memory),
            ("cpu_ms", "500"),
            ("wall_ms", "3000"),
            ("output_bytes", "65536"),
            ("concurrency", "4"),
            ("host_calls", "200"),
        ]
    };
    let not_a_number = admin
        .post(
            &app,
            "/admin/items/vehicle-transfer/limits",
            &limit_fields("很多"),
        )
        .await;
    let too_much = admin
        .post(
            &app,
            "/admin/items/vehicle-transfer/limits",
            &limit_fields("100000"),
        )
        .await;
    let limits = admin
        .post(
            &app,
            "/admin/items/vehicle-transfer/limits",
            &limit_fields("32"),
        )
        .await;
    let take_away = admin
        .post(
            &app,
            &format!("/admin/items/{VEHICLE_ITEM}/grants"),
            &[("_csrf", &csrf), ("log", "on")],
        )
        .await;

    // Assert: the departments by name, and the registration form
    assert!(items_page.contains(r#"id="register-form""#));
    assert!(
        !items_page.contains(&format!("<td>{DEPARTMENT}</td>")),
        "named, not coded"
    );
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    assert!(taken.text().await.unwrap().contains(r#"id="admin-error""#));
    assert_eq!(registered.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        registered.headers()[LOCATION],
        "/admin/items/vehicle-transfer"
    );
    assert_eq!(grants.status(), StatusCode::OK);
    assert!(grants.text().await.unwrap().contains(r#"id="admin-saved""#));
    assert_eq!(not_a_number.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = not_a_number.text().await.unwrap();
    assert!(page.contains(r#"id="error-limit-memory_mib""#), "{page}");
    assert!(page.contains(r#"aria-describedby="error-limit-memory_mib""#));
    assert!(page.contains(r#"value="很多""#), "what was sent comes back");
    assert_eq!(too_much.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(limits.status(), StatusCode::OK);
    assert_eq!(take_away.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        take_away
            .text()
            .await
            .unwrap()
            .contains(r#"id="admin-error""#)
    );

    let (department, grants, limits) = stored_settings("vehicle-transfer").await;
    assert_eq!(department, DEPARTMENT);
    let grants: Value = serde_json::from_str(&grants).unwrap();
    assert_eq!(
        grants["registries"],
        serde_json::json!(["insurance-records", "vehicle-registry"])
    );
    assert_eq!(
        (grants["notify"].clone(), grants["records"].clone()),
        (true.into(), false.into())
    );
    let limits: Value = serde_json::from_str(&limits).unwrap();
    assert_eq!(
        limits,
        serde_json::json!({
            "memory_mib": 32, "cpu_ms": 500, "wall_ms": 3000,
            "output_bytes": 65536, "concurrency": 4, "host_calls": 200
        })
    );
    assert_eq!(stored_settings(VEHICLE_ITEM).await, vehicle_before);
}

#[tokio::test]
async fn the_admin_adds_a_department_through_the_page_and_a_taken_code_comes_back_with_the_form() {
    // Arrange
    let app = spawn_app().await;
    let admin = Browser::login(&app, ADMIN).await;
    let reviewer = Browser::login(&app, REVIEWER).await;
    let csrf = admin.csrf(&app, "/admin/departments").await;
    let (_, public_pem) = yiwang_host::signing::generate().unwrap();
    let departments = count(&app, "departments").await;

    // Act
    let taken = admin
        .post(
            &app,
            "/admin/departments",
            &[
                ("_csrf", &csrf),
                ("code", DEPARTMENT),
                ("name", "重复的部门"),
            ],
        )
        .await;
    let bad_key = admin
        .post(
            &app,
            "/admin/departments",
            &[
                ("_csrf", &csrf),
                ("code", "dongguan-water"),
                ("name", "东莞市水务局"),
                (
                    "public_key",
                    "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
                ),
            ],
        )
        .await;
    let added = admin
        .post(
            &app,
            "/admin/departments",
            &[
                ("_csrf", &csrf),
                ("code", "dongguan-water"),
                ("name", "东莞市水务局"),
                ("public_key", &public_pem),
            ],
        )
        .await;
    let by_reviewer = reviewer.get(&app, "/admin/departments").await;

    // Assert
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    let page = taken.text().await.unwrap();
    assert!(page.contains(r#"id="department-error""#));
    assert!(
        page.contains(r#"value="重复的部门""#),
        "the form keeps what was sent"
    );
    assert_eq!(bad_key.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(added.status(), StatusCode::CREATED);
    let page = added.text().await.unwrap();
    assert!(page.contains(r#"id="department-added""#));
    assert!(page.contains(r#"<tr id="department-dongguan-water">"#));
    assert_eq!(count(&app, "departments").await, departments + 1);
    let (name, key): (String, Option<String>) =
        sqlx::query_as("SELECT name, public_key FROM departments WHERE code = 'dongguan-water'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), key.as_deref()),
        ("东莞市水务局", Some(public_pem.trim()))
    );
    assert_eq!(by_reviewer.status(), StatusCode::FORBIDDEN);
}
