//! `yiwang plugin new | build | test | fixture`: the department's kit on the command line, over
//! the library's `kit` (no server) and, for `fixture`, the API.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use reqwest::Method;
use yiwang_host::kit::new::{Lang, NewItem};
use yiwang_host::kit::run::{Report, RunOptions, Runner};
use yiwang_host::kit::{build, new, read_fixtures};
use yiwang_host::model::grants::{Grants, Limits};
use yiwang_host::runtime::Metering;

use crate::args::ServerArgs;
use crate::client;

pub fn create(
    code: String,
    lang: Lang,
    department: String,
    name: Option<String>,
    dir: Option<PathBuf>,
    sdk_rust: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let dir = dir.unwrap_or_else(|| PathBuf::from(&code));
    let files = new::create(&NewItem {
        code,
        name,
        department,
        lang,
        dir: dir.clone(),
        sdk_rust,
    })?;
    println!("{} ({lang}): {} files", dir.display(), files.len());
    for file in files {
        println!("  {}", file.display());
    }
    println!(
        "next: cd {} && yiwang plugin build && yiwang plugin test",
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn build(dir: &Path, out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let built = build::build(dir, out, None)?;
    let size = std::fs::metadata(&built)?.len();
    println!("{} ({:.1} MiB)", built.display(), size as f64 / 1048576.0);
    Ok(ExitCode::SUCCESS)
}

pub async fn test(
    component: &Path,
    fixtures: &Path,
    grants: Option<&Path>,
    limits: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(component).with_context(|| {
        format!(
            "reading {} (build it with `yiwang plugin build`)",
            component.display()
        )
    })?;
    let fixtures = read_fixtures(fixtures)?;
    let grants: Option<Grants> = grants.map(json_file).transpose()?;
    let limits: Limits = limits.map(json_file).transpose()?.unwrap_or_default();
    // Compiled artifacts are kept beside the component, so a second run starts at once.
    let cache_dir = component
        .parent()
        .unwrap_or(Path::new("."))
        .join("yiwang-cache");
    let loaded: Vec<_> = fixtures.iter().map(|(_, f)| f.clone()).collect();
    let runner = Runner::load(
        &bytes,
        &loaded,
        RunOptions {
            grants,
            limits,
            cache_dir,
            metering: Metering::Fuel,
        },
    )
    .await?;
    let v = runner.version();
    println!(
        "{} = {}@{} (contract {}, {:.1} MiB)",
        component.display(),
        v.info.code,
        v.info.version,
        v.contract().as_str(),
        bytes.len() as f64 / 1048576.0
    );
    let (mut passed, mut failed) = (0, 0);
    for (path, fixture) in &fixtures {
        let report = runner.run(fixture).await?;
        print_report(path, fixture.description.as_deref(), &report);
        if report.passed() {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    println!(
        "{} fixtures: {passed} passed, {failed} failed",
        passed + failed
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_report(path: &Path, description: Option<&str>, report: &Report) {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let fuel = report
        .fuel
        .map(|n| format!("  {n} instructions"))
        .unwrap_or_default();
    println!(
        "{} {name}  {}  {}  {:.1} ms{fuel}",
        if report.passed() { "PASS" } else { "FAIL" },
        report.call.as_str(),
        report.outcome(),
        report.elapsed.as_secs_f64() * 1000.0,
    );
    if let Some(description) = description {
        println!("     {description}");
    }
    println!("     result: {}", report.summary());
    let calls = report.host_calls();
    if !calls.is_empty() {
        println!(
            "     host calls ({}): {}",
            report.effects.host_calls,
            calls.join("; ")
        );
    }
    for mismatch in &report.mismatches {
        println!("     expected {mismatch}");
    }
}

fn json_file<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    serde_json::from_value(client::json_file(path)?)
        .with_context(|| format!("{} does not hold the expected fields", path.display()))
}

pub async fn fixture(server: &ServerArgs, number: &str, out: Option<&Path>) -> anyhow::Result<()> {
    let path = format!("/api/v1/dept/cases/{number}/fixture");
    let fixture = server.client()?.call(Method::GET, &path, None).await?;
    let text = serde_json::to_string_pretty(&fixture)? + "\n";
    match out {
        Some(out) => {
            std::fs::write(out, text).with_context(|| format!("writing {}", out.display()))?;
            eprintln!("{}", out.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}
