//! The browser suite of the web pages (`cargo test -p yiwang-host --test web`): each test spawns the
//! server as the api suite does (`../api/helpers/`, shared, not copied) and drives headless
//! Chromium through chromedriver (`browser.rs`); `axe.rs` runs the vendored axe-core in the page.

// The api suite's harness; this suite uses only part of it, and of the names it re-exports.
#[allow(dead_code, unused_imports)]
#[path = "../api/helpers/mod.rs"]
mod helpers;

mod accessibility;
mod admin;
mod axe;
mod browser;
mod citizen;
mod harness;
mod large_text;
mod review;
