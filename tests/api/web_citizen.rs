//! The citizen's pages read in plain Chinese: after a whole vehicle case (applied, collected,
//! a material uploaded, approved, the paper mark delivered), every page a citizen opens is
//! rendered and its visible text searched for what a citizen should never read: a stored UTC
//! stamp, an ISO date on a personal page, or a code of the item or the platform where a label
//! belongs.

use reqwest::StatusCode;

use crate::helpers::{
    CITIZEN, PASSWORD, REVIEWER, TestApp, VEHICLE_ITEM, VEHICLE_MATERIAL, json_body, minimal_pdf,
    spawn_app, visible_text,
};
use crate::web::Browser;

/// Codes the vehicle case and its pages are made of: its states and actions, its certificate
/// kind and delivery contents, the platform's delivery kinds and statuses, datasets and channels.
const CODES: &[&str] = &[
    "submitted",
    "awaiting-pickup",
    "under-review",
    "approved",
    "completed",
    "request-pickup",
    "picked-up",
    "approve",
    "delivered",
    "inspection-mark",
    "driving-licence-copy",
    "insurance-policy-copy",
    "pickup",
    "shipment",
    "requested",
    "vehicle-registry",
    "vehicle-insurance",
    "traffic-violations",
    "wechat",
    "alipay",
];

/// A completed vehicle case of the citizen with a material on it; its number and the serial of
/// its certificate.
async fn completed_case(app: &TestApp) -> (String, String) {
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let number = app.case_under_review(&citizen, true).await;
    json_body(
        app.upload_attachment(
            &citizen,
            &number,
            VEHICLE_MATERIAL,
            "行驶证.pdf",
            Some("application/pdf"),
            minimal_pdf(),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    app.act_ok(&reviewer, &number, "approve", None).await;
    let shipment = app.tracking_number(&number, "shipment").await;
    json_body(
        app.courier_event(&shipment, "delivered").await,
        StatusCode::OK,
    )
    .await;
    let view = app.application(&citizen, &number).await;
    assert_eq!(view["state"], "completed", "{view}");
    let serial = view["certificates"][0]["serial"]
        .as_str()
        .expect("a certificate")
        .to_owned();
    (number, serial)
}

#[tokio::test]
async fn no_citizen_page_shows_a_utc_stamp_an_iso_date_or_a_code() {
    // Arrange
    let app = spawn_app().await;
    let (number, serial) = completed_case(&app).await;
    let browser = Browser::login(&app, CITIZEN).await;
    let personal = [
        format!("/applications/{number}"),
        "/me/applications".to_owned(),
        "/me/notifications".to_owned(),
        "/me/data-use".to_owned(),
        format!("/certificates/{serial}"),
    ];
    let public = [
        "/".to_owned(),
        format!("/items/{VEHICLE_ITEM}"),
        format!("/items/{VEHICLE_ITEM}/apply"),
        "/stats".to_owned(),
    ];

    for (path, is_personal) in personal
        .iter()
        .map(|p| (p, true))
        .chain(public.iter().map(|p| (p, false)))
    {
        // Act
        let text = visible_text(&browser.page(&app, path, StatusCode::OK).await);

        // Assert
        assert_eq!(find_stamp(&text), None, "{path}: a UTC stamp");
        if is_personal {
            assert_eq!(find_iso_date(&text), None, "{path}: an ISO date");
        }
        for code in CODES {
            assert!(
                !has_word(&text, code),
                "{path}: the code `{code}` in {text}"
            );
        }
    }
    // The case page says it in Chinese instead.
    let case = visible_text(
        &browser
            .page(&app, &format!("/applications/{number}"), StatusCode::OK)
            .await,
    );
    for shown in ["已办结", "检验标志已送达", "寄递送达", "年", "月", "日"] {
        assert!(case.contains(shown), "{shown} on the case page");
    }
}

/// `code` as a word of its own: not inside a longer kebab-case or alphanumeric word.
fn has_word(text: &str, code: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices(code).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + code.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// The first `YYYY-MM-DD` in `text`.
fn find_iso_date(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let digits = |from: usize, n: usize| {
        bytes
            .get(from..from + n)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    (0..bytes.len()).find_map(|i| {
        let date = digits(i, 4)
            && bytes.get(i + 4) == Some(&b'-')
            && digits(i + 5, 2)
            && bytes.get(i + 7) == Some(&b'-')
            && digits(i + 8, 2);
        date.then(|| text[i..i + 10].to_owned())
    })
}

/// The first `YYYY-MM-DDTHH:MM` in `text`.
fn find_stamp(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(date) = find_iso_date(rest) {
        let at = rest.find(&date).unwrap_or_default();
        let after = &rest[at + date.len()..];
        if after.starts_with('T') {
            return Some(format!("{date}{}", &after[..after.len().min(6)]));
        }
        rest = after;
    }
    None
}

#[test]
fn the_searches_find_what_they_look_for() {
    assert_eq!(
        find_stamp("提交 2026-12-05T11:57:13.911Z 后"),
        Some("2026-12-05T11:57".to_owned())
    );
    assert_eq!(find_stamp("2026年12月5日 19:57"), None);
    assert_eq!(
        find_iso_date("至 2026-12-05 止"),
        Some("2026-12-05".to_owned())
    );
    assert!(has_word("状态 approved 。", "approved"));
    assert!(!has_word("YW-pickup-1", "pickup"));
    assert!(!has_word("the pickups", "pickup"));
}
