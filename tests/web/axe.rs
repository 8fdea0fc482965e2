//! The accessibility check: axe-core (vendored in `vendor/`, see its README) injected into the page
//! the browser shows and run there. Every finding is written to
//! `target/test-artifacts/axe/<page>-<window>.json`; a serious or critical one fails the test with
//! the rule, its help text and the elements it names.

use serde_json::{Value, json};

use crate::browser::{Browser, artifacts_dir};

/// axe-core, served from the test binary itself: no CDN, no network.
const AXE: &str = include_str!("vendor/axe.min.js");

/// The impacts that fail a page.
pub const FAILING: [&str; 2] = ["serious", "critical"];

/// Runs axe-core on the page shown now, named `page` in the artifacts; fails on any serious or
/// critical violation; lesser ones (moderate, minor) are only recorded.
pub async fn assert_accessible(browser: &Browser, page: &str) {
    let violations = violations(browser, page).await;
    let failing: Vec<String> = violations
        .iter()
        .filter(|v| FAILING.contains(&v["impact"].as_str().unwrap_or_default()))
        .map(described)
        .collect();
    assert!(
        failing.is_empty(),
        "{page}-{}: {} serious or critical accessibility violation(s):\n{}",
        browser.window.name(),
        failing.len(),
        failing.join("\n")
    );
}

/// Every violation axe-core finds on the page shown now, also written to the artifacts.
pub async fn violations(browser: &Browser, page: &str) -> Vec<Value> {
    browser
        .client
        .execute(AXE, vec![])
        .await
        .unwrap_or_else(|e| panic!("injecting axe-core into {page}: {e}"));
    let outcome = browser
        .client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, { resultTypes: ["violations"] })
                 .then(results => done({ violations: results.violations, version: results.testEngine.version }))
                 .catch(error => done({ error: String(error) }));"#,
            vec![],
        )
        .await
        .unwrap_or_else(|e| panic!("running axe-core on {page}: {e}"));
    if let Some(error) = outcome.get("error") {
        panic!("axe-core failed on {page}: {error}");
    }
    let violations = outcome["violations"]
        .as_array()
        .unwrap_or_else(|| panic!("axe-core's answer on {page} has no violations list: {outcome}"))
        .clone();

    let name = format!("{page}-{}", browser.window.name());
    let record = json!({
        "page": page,
        "url": browser.path().await,
        "window": browser.window.name(),
        "axe_version": outcome["version"],
        "violations": violations.iter().map(summary).collect::<Vec<_>>(),
    });
    let dir = artifacts_dir().join("axe");
    std::fs::create_dir_all(&dir).expect("creating target/test-artifacts/axe");
    std::fs::write(
        dir.join(format!("{name}.json")),
        serde_json::to_string_pretty(&record).expect("JSON"),
    )
    .expect("writing the axe-core results");

    violations
}

/// A violation as the artifact keeps it: rule, impact, help, and the elements it names.
fn summary(violation: &Value) -> Value {
    json!({
        "id": violation["id"],
        "impact": violation["impact"],
        "help": violation["help"],
        "helpUrl": violation["helpUrl"],
        "targets": targets(violation),
    })
}

/// One line per violation for the failure message.
fn described(violation: &Value) -> String {
    format!(
        "  [{}] {}: {} ({})\n    at {}",
        violation["impact"].as_str().unwrap_or("?"),
        violation["id"].as_str().unwrap_or("?"),
        violation["help"].as_str().unwrap_or("?"),
        violation["helpUrl"].as_str().unwrap_or("?"),
        targets(violation).join(", ")
    )
}

/// The CSS selectors of the elements a violation names.
fn targets(violation: &Value) -> Vec<String> {
    violation["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|node| node["target"].to_string())
        .collect()
}
