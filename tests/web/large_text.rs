//! The elderly-friendly mode (适老化) in a real browser: a citizen's case page at the standard size
//! and in large text, on a phone and at a desk. Both modes pass axe-core; every text's line
//! spacing is at least 1.3 times its size; large text is at least 1.25 times the standard size
//! with controls at least 44 pixels high; and the switch is reached and worked with the keyboard
//! alone (Tab from the skip link, Enter), there and back.

use fantoccini::key::Key;
use serde_json::Value;

use crate::axe::assert_accessible;
use crate::browser::{Browser, Window};
use crate::helpers::{CITIZEN, PASSWORD, spawn_app};

/// The least line height, as a multiple of the font size, for any text on the page.
const LINE_SPACING: f64 = 1.3;
/// How much larger large text is than the standard size, at least.
const LARGER: f64 = 1.25;
/// The least height of a control in large text, in CSS pixels.
const TARGET: f64 = 44.0;

#[tokio::test]
async fn the_case_page_in_large_text_is_accessible_and_switched_by_keyboard_on_a_phone() {
    large_text_on_the_case_page(Window::Phone).await;
}

#[tokio::test]
async fn the_case_page_in_large_text_is_accessible_and_switched_by_keyboard_on_a_desktop() {
    large_text_on_the_case_page(Window::Desktop).await;
}

async fn large_text_on_the_case_page(window: Window) {
    // Arrange: the citizen's case, under review, opened at the standard size
    let app = spawn_app().await;
    let token = app.login(CITIZEN, PASSWORD).await;
    let number = app.case_under_review(&token, true).await;
    let case = format!("/applications/{number}");
    let mut browser = Browser::open(&app, "large-text", window).await;
    browser.log_in(CITIZEN, PASSWORD, &case).await;
    browser.find("#application-number").await;

    assert_eq!(body_class(&browser).await, "text-standard");
    assert_eq!(browser.text("#text-size-switch").await, "大字模式");
    browser.screenshot("case-standard").await;
    assert_accessible(&browser, "large-text-case-standard").await;
    let standard = measure(&browser).await;
    assert_spaced(&standard, "standard");

    // Act: Tab to the skip link, Tab to the switch, Enter
    switch_by_keyboard(&mut browser, "to-large").await;

    // Assert: the same page, in large text, with the way back
    assert_eq!(browser.path().await, case);
    assert_eq!(body_class(&browser).await, "text-large");
    assert_eq!(browser.text("#text-size-switch").await, "标准模式");
    assert!(browser.text("#text-size-state").await.contains("大字模式"));
    browser.screenshot("case-large").await;
    browser
        .client
        .execute("window.scrollTo(0, document.body.scrollHeight)", vec![])
        .await
        .expect("scrolling down");
    browser.screenshot("case-large-bottom").await;
    assert_accessible(&browser, "large-text-case-large").await;
    let large = measure(&browser).await;
    assert_spaced(&large, "large");
    assert!(
        large.body_font >= LARGER * standard.body_font,
        "large text is {}px against {}px",
        large.body_font,
        standard.body_font
    );
    assert!(large.body_font >= 20.0, "{}px", large.body_font);
    assert!(
        large.small_targets.is_empty(),
        "controls under {TARGET}px in large text: {:?}",
        large.small_targets
    );

    // And back, by keyboard again: the cookie kept large text until then.
    browser.goto(&case).await;
    assert_eq!(body_class(&browser).await, "text-large");
    switch_by_keyboard(&mut browser, "to-standard").await;
    assert_eq!(browser.path().await, case);
    assert_eq!(body_class(&browser).await, "text-standard");
    assert_eq!(browser.text("#text-size-switch").await, "大字模式");
    browser.screenshot("case-standard-again").await;
    browser.close().await;
}

/// From the top of the page: Tab reaches the skip link first, then the switch, with a visible
/// focus ring; Enter on the switch reloads the page at the other size.
async fn switch_by_keyboard(browser: &mut Browser, step: &str) {
    browser.press(Key::Tab).await;
    assert_eq!(
        browser.focused().await,
        "A.skip-link",
        "the skip link comes first"
    );
    assert_eq!(browser.text(".skip-link").await, "跳到主要内容");
    browser.screenshot(&format!("{step}-skip-link")).await;
    browser.press(Key::Tab).await;
    assert_eq!(
        browser.focused().await,
        "text-size-switch",
        "the switch comes next"
    );
    let ring = browser
        .client
        .execute(
            "const s = getComputedStyle(document.activeElement); \
             return [s.outlineStyle, parseFloat(s.outlineWidth)];",
            vec![],
        )
        .await
        .expect("reading the focus ring");
    assert!(
        ring[0] != "none" && ring[1].as_f64().unwrap_or_default() >= 2.0,
        "the focused switch shows a focus ring: {ring}"
    );
    browser.screenshot(&format!("{step}-switch-focused")).await;
    browser.press_and_wait(Key::Enter).await;
}

/// The class the page's `<body>` carries.
async fn body_class(browser: &Browser) -> String {
    browser.attr("body", "class").await.unwrap_or_default()
}

/// What the page's computed styles say.
struct Measured {
    /// The body text's size, in CSS pixels.
    body_font: f64,
    /// The body text's line height over its size.
    body_spacing: f64,
    /// Every visible text element whose line height is under [`LINE_SPACING`] times its size.
    cramped: Vec<String>,
    /// Every visible control lower than [`TARGET`].
    small_targets: Vec<String>,
}

/// Reads the computed font sizes, line heights and control heights of the page shown now.
async fn measure(browser: &Browser) -> Measured {
    let found: Value = browser
        .client
        .execute(
            r##"const [least, target] = arguments;
               const name = e => e.tagName + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : "");
               const shown = e => e === document.body || e.getClientRects().length > 0;
               const texts = "body, p, li, dt, dd, h1, h2, h3, label, legend, a, button, input, select, textarea, th, td, .hint, .muted, .tag, .field-error";
               const cramped = [];
               for (const e of document.querySelectorAll(texts)) {
                 if (!shown(e) || e.type === "hidden") continue;
                 const s = getComputedStyle(e);
                 const ratio = parseFloat(s.lineHeight) / parseFloat(s.fontSize);
                 if (!(ratio >= least - 1e-6)) cramped.push(name(e) + ": " + s.lineHeight + " / " + s.fontSize);
               }
               const controls = "main button, main select, main textarea, main input[type=text], main input[type=file], #text-size-switch, .nav a, #logout";
               const small = [];
               for (const e of document.querySelectorAll(controls)) {
                 if (!shown(e)) continue;
                 const height = e.getBoundingClientRect().height;
                 if (height < target - 0.5) small.push(name(e) + ": " + height + "px");
               }
               const body = getComputedStyle(document.body);
               return {
                 font: parseFloat(body.fontSize),
                 spacing: parseFloat(body.lineHeight) / parseFloat(body.fontSize),
                 cramped, small,
               };"##,
            vec![LINE_SPACING.into(), TARGET.into()],
        )
        .await
        .expect("measuring the page");
    let list = |key: &str| -> Vec<String> {
        found[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    Measured {
        body_font: found["font"].as_f64().expect("the body's font size"),
        body_spacing: found["spacing"].as_f64().expect("the body's line height"),
        cramped: list("cramped"),
        small_targets: list("small"),
    }
}

/// Line spacing of at least [`LINE_SPACING`] for the body text and for every text on the page.
fn assert_spaced(measured: &Measured, mode: &str) {
    assert!(
        measured.body_spacing >= LINE_SPACING,
        "{mode}: the body's line height is {} times its size",
        measured.body_spacing
    );
    assert!(
        measured.cramped.is_empty(),
        "{mode}: texts with a line height under {LINE_SPACING}: {:?}",
        measured.cramped
    );
}
