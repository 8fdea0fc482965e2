//! `yiwang plugin test`: a built component loaded by the real runtime, under real limits, with
//! the host interfaces reading a fixture's data instead of the database; each fixture called and
//! its outcome compared with what it expects.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Value, json};

use super::memory::MemoryHost;
use crate::model::actor::{Actor, Role};
use crate::model::contract::{CallContext, CaseView, FieldError, ItemError, SubmitError};
use crate::model::effects::Effects;
use crate::model::fixture::{Expect, Fixture, FixtureCall, FixtureCase, json_contains};
use crate::model::grants::{Grants, Limits};
use crate::runtime::{CallError, LoadedVersion, Metering, Runtime};

/// The citizen a fixture acts as when it names nobody: the demo's 张三.
pub fn default_citizen() -> Actor {
    Actor {
        id: "1".into(),
        role: Role::Citizen,
        name: "张三".into(),
        department: None,
        id_number: Some("441900199001011234".into()),
    }
}

/// A component loaded for fixtures.
pub struct Runner {
    runtime: Runtime,
    host: Arc<MemoryHost>,
    version: Arc<LoadedVersion>,
}

/// How a component is loaded for a run.
pub struct RunOptions {
    /// The grants; by default every interface, the datasets the fixtures list and the
    /// certificate kinds the item labels or the fixtures hold.
    pub grants: Option<Grants>,
    pub limits: Limits,
    /// Where compiled artifacts are kept between runs.
    pub cache_dir: PathBuf,
    /// Count instructions (`yiwang plugin test`), or run as the server does (benchmarks).
    pub metering: Metering,
}

impl Runner {
    pub async fn load(
        component: &[u8],
        fixtures: &[Fixture],
        options: RunOptions,
    ) -> anyhow::Result<Runner> {
        let host = Arc::new(MemoryHost::default());
        let runtime =
            Runtime::with_metering(options.cache_dir.clone(), host.clone(), options.metering)?;
        let explicit = options.grants.is_some();
        let grants = options.grants.unwrap_or_else(|| fixtures_grants(fixtures));
        let context = || match explicit {
            true => "loading the component under the given grants".to_owned(),
            false => format!(
                "loading the component under the fixtures' grants (every interface; datasets \
                 {:?}, from the fixtures' `registries`; or give --grants)",
                grants.registries
            ),
        };
        let mut version = runtime
            .load(component, grants.clone(), options.limits.clone())
            .await
            .with_context(context)?;
        // The kinds an item issues are in its catalog entry, read at load: load again with them.
        let kinds: Vec<String> = version.info.labels.certificates.keys().cloned().collect();
        if !explicit && !kinds.is_empty() {
            let mut grants = grants.clone();
            grants.certificates_issue.retain(|k| k != UNNAMED);
            grants.certificates_read.retain(|k| k != UNNAMED);
            for kind in kinds {
                add(&mut grants.certificates_issue, &kind);
                add(&mut grants.certificates_read, &kind);
            }
            version = runtime
                .load(component, grants, options.limits)
                .await
                .with_context(context)?;
        }
        Ok(Runner {
            runtime,
            host,
            version,
        })
    }

    pub fn version(&self) -> &LoadedVersion {
        &self.version
    }

    /// Loads the component again as a host does at start-up: by its sha256 from the artifact
    /// cache, with the catalog entry of the first load as the stored one, and the grants and
    /// limits of the first load. From `component`'s bytes when the artifact is not cached.
    pub async fn reload(&self, component: &[u8]) -> anyhow::Result<Arc<LoadedVersion>> {
        let v = &self.version;
        let cached = self
            .runtime
            .load_cached(
                &v.sha256,
                v.info.clone(),
                v.grants.clone(),
                v.limits.clone(),
            )
            .await?;
        match cached {
            Some(version) => Ok(version),
            None => Ok(self
                .runtime
                .load(component, v.grants.clone(), v.limits.clone())
                .await?),
        }
    }

    /// Components compiled rather than taken from the artifact cache.
    pub fn compilations(&self) -> u64 {
        self.runtime.compilations()
    }

    /// Calls the item as `fixture` says and compares what came back with `fixture.expect`.
    pub async fn run(&self, fixture: &Fixture) -> anyhow::Result<Report> {
        self.host.set(fixture);
        let actor = fixture.actor.clone().unwrap_or_else(default_citizen);
        let today = fixture.today.clone().unwrap_or_else(china_today);
        let input = fixture
            .input
            .clone()
            .unwrap_or_else(|| json!({}))
            .to_string();
        let v = &*self.version;
        let rt = &self.runtime;
        let started = Instant::now();
        let (result, effects, fuel) = match fixture.call {
            FixtureCall::Submit => {
                let form = fixture
                    .form
                    .as_ref()
                    .context("a submit fixture needs a `form`")?;
                let number = format!("YW-{}-000001", today.replace('-', ""));
                let out = rt
                    .submit(v, context(&today, Some(number)), &actor, &form.to_string())
                    .await;
                let result = out.result.map(|r| match r {
                    Ok(a) => Answer::Ok {
                        output: parse(&a.derived),
                        to: a.then.map(|s| s.to),
                    },
                    Err(SubmitError::Fields(errors)) => Answer::Fields(errors),
                    Err(SubmitError::Item(e)) => Answer::Item(e),
                });
                (result, out.effects, out.fuel)
            }
            FixtureCall::OnAction => {
                let case = fixture
                    .case
                    .as_ref()
                    .context("an on-action fixture needs a `case`")?;
                let action = fixture
                    .action
                    .as_deref()
                    .context("an on-action fixture needs an `action`")?;
                let view = case_view(case, &today);
                let ctx = context(&today, Some(view.number.clone()));
                let out = rt
                    .on_action(
                        v,
                        ctx,
                        &actor,
                        &view,
                        action,
                        fixture.comment.as_deref(),
                        &input,
                    )
                    .await;
                let result = out.result.map(|r| match r {
                    Ok(t) => Answer::Ok {
                        output: t.derived.as_deref().map_or(Value::Null, parse),
                        to: Some(t.to),
                    },
                    Err(e) => Answer::Item(e),
                });
                (result, out.effects, out.fuel)
            }
            FixtureCall::Query => {
                let out = rt.query(v, context(&today, None), &actor, &input).await;
                let result = out.result.map(|r| match r {
                    Ok(output) => Answer::Ok {
                        output: parse(&output),
                        to: None,
                    },
                    Err(e) => Answer::Item(e),
                });
                (result, out.effects, out.fuel)
            }
            FixtureCall::Batch => {
                let state = fixture
                    .state
                    .as_deref()
                    .context("a batch fixture needs a `state`")?;
                let cases = fixture.cases.iter().map(|c| case_view(c, &today)).collect();
                let out = rt
                    .batch(v, context(&today, None), &actor, state, cases, &input)
                    .await;
                let result = out.result.map(|r| match r {
                    Ok(decisions) => Answer::Ok {
                        output: Value::Array(
                            decisions
                                .into_iter()
                                .map(|d| {
                                    json!({"case_number": d.case_number, "action": d.action,
                                           "comment": d.comment, "input": parse(&d.input)})
                                })
                                .collect(),
                        ),
                        to: None,
                    },
                    Err(e) => Answer::Item(e),
                });
                (result, out.effects, out.fuel)
            }
        };
        let elapsed = started.elapsed();
        let mismatches = compare(&fixture.expect, &result, &effects);
        Ok(Report {
            call: fixture.call,
            result,
            effects,
            elapsed,
            fuel,
            mismatches,
        })
    }
}

/// What a fixture's call came to.
pub struct Report {
    pub call: FixtureCall,
    pub result: Result<Answer, CallError>,
    pub effects: Effects,
    pub elapsed: Duration,
    /// Instructions run (wasmtime fuel).
    pub fuel: Option<u64>,
    /// Each way the outcome differs from the fixture's `expect`; empty when it passed.
    pub mismatches: Vec<String>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }

    /// `ok`, `fields`, `invalid`, `refused`, `failed`, or the limit's code.
    pub fn outcome(&self) -> &'static str {
        outcome(&self.result)
    }

    /// The result in one line: the output, the fields in error or the message.
    pub fn summary(&self) -> String {
        match &self.result {
            Ok(Answer::Ok { output, to }) => match to {
                Some(to) => format!("→ {to} {output}"),
                None => output.to_string(),
            },
            Ok(Answer::Fields(errors)) | Ok(Answer::Item(ItemError::Invalid(errors))) => errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
            Ok(Answer::Item(ItemError::Refused(m) | ItemError::Failed(m))) => m.clone(),
            Err(e) => e.to_string(),
        }
    }

    /// The host calls, one line each: registry reads, denials, and what was buffered.
    pub fn host_calls(&self) -> Vec<String> {
        let e = &self.effects;
        let mut lines: Vec<String> = e
            .data_uses
            .iter()
            .map(|u| {
                let found = if u.found { "found" } else { "not found" };
                format!("registries.lookup {}/{}: {found}", u.dataset, u.key)
            })
            .collect();
        lines.extend(
            e.denials
                .iter()
                .map(|d| format!("{}: denied {}", d.interface, d.detail)),
        );
        lines.extend(
            e.notifications
                .iter()
                .map(|n| format!("notify.send “{}”", n.subject)),
        );
        lines.extend(
            e.certificates
                .iter()
                .map(|c| format!("certificates.issue {} {}", c.kind, c.serial)),
        );
        lines.extend(
            e.deliveries
                .iter()
                .map(|d| format!("delivery {} {}", d.kind.as_str(), d.tracking_number)),
        );
        lines.extend(e.records.iter().map(|r| match &r.value {
            Some(_) => format!("records.set {}", r.key),
            None => format!("records.delete {}", r.key),
        }));
        lines
    }
}

/// What the item answered, in the fixture's terms.
pub enum Answer {
    Ok { output: Value, to: Option<String> },
    Fields(Vec<FieldError>),
    Item(ItemError),
}

fn outcome(result: &Result<Answer, CallError>) -> &'static str {
    match result {
        Ok(Answer::Ok { .. }) => "ok",
        Ok(Answer::Fields(_)) => "fields",
        Ok(Answer::Item(ItemError::Invalid(_))) => "invalid",
        Ok(Answer::Item(ItemError::Refused(_))) => "refused",
        Ok(Answer::Item(ItemError::Failed(_))) => "failed",
        Err(e) => e.code(),
    }
}

fn compare(expect: &Expect, result: &Result<Answer, CallError>, effects: &Effects) -> Vec<String> {
    let mut wrong = Vec::new();
    let got = outcome(result);
    if got != expect.outcome {
        wrong.push(format!("outcome: expected {}, got {got}", expect.outcome));
    }
    if let Some(fields) = &expect.fields {
        let expected: BTreeSet<&str> = fields.iter().map(String::as_str).collect();
        let actual: BTreeSet<&str> = match result {
            Ok(Answer::Fields(errors)) | Ok(Answer::Item(ItemError::Invalid(errors))) => {
                errors.iter().map(|e| e.field.as_str()).collect()
            }
            _ => BTreeSet::new(),
        };
        if expected != actual {
            wrong.push(format!("fields: expected {expected:?}, got {actual:?}"));
        }
    }
    if let Some(part) = &expect.output {
        match result {
            Ok(Answer::Ok { output, .. }) if json_contains(output, part) => {}
            Ok(Answer::Ok { output, .. }) => wrong.push(format!(
                "output: expected it to contain {part}, got {output}"
            )),
            _ => wrong.push(format!(
                "output: expected {part}, but the call did not succeed"
            )),
        }
    }
    if let Some(to) = &expect.to {
        match result {
            Ok(Answer::Ok { to: Some(got), .. }) if got == to => {}
            Ok(Answer::Ok { to: got, .. }) => wrong.push(format!(
                "to: expected {to}, got {}",
                got.as_deref().unwrap_or("no step")
            )),
            _ => wrong.push(format!("to: expected {to}, but the call did not succeed")),
        }
    }
    if let Some(words) = &expect.message {
        let message = match result {
            Ok(Answer::Item(ItemError::Refused(m) | ItemError::Failed(m))) => m.clone(),
            Err(e) => e.to_string(),
            _ => String::new(),
        };
        if !message.contains(words.as_str()) {
            wrong.push(format!(
                "message: expected it to contain “{words}”, got “{message}”"
            ));
        }
    }
    if let Some(n) = expect.notifications
        && n != effects.notifications.len()
    {
        wrong.push(format!(
            "notifications: expected {n}, got {}",
            effects.notifications.len()
        ));
    }
    if let Some(reads) = &expect.reads {
        let actual: Vec<String> = effects
            .data_uses
            .iter()
            .map(|u| format!("{}/{}", u.dataset, u.key))
            .collect();
        if &actual != reads {
            wrong.push(format!("reads: expected {reads:?}, got {actual:?}"));
        }
    }
    wrong
}

/// What stands in a grant's list when the fixtures name nothing for it: the interface may be
/// imported, and every call through it is denied (and shown) as no such dataset or kind is granted.
const UNNAMED: &str = "-";

/// Every interface, the datasets the fixtures list and the certificate kinds they hold.
fn fixtures_grants(fixtures: &[Fixture]) -> Grants {
    let mut grants = Grants {
        notify: true,
        delivery: true,
        records: true,
        log: true,
        ..Grants::default()
    };
    for f in fixtures {
        for dataset in f.registries.keys() {
            add(&mut grants.registries, dataset);
        }
        for c in &f.certificates {
            add(&mut grants.certificates_read, &c.kind);
            add(&mut grants.certificates_issue, &c.kind);
        }
    }
    for list in [
        &mut grants.registries,
        &mut grants.certificates_issue,
        &mut grants.certificates_read,
    ] {
        if list.is_empty() {
            list.push(UNNAMED.to_owned());
        }
    }
    grants
}

fn add(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}

/// Today's date in China, as the server gives items.
fn china_today() -> String {
    let china = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    chrono::Utc::now()
        .with_timezone(&china)
        .format("%Y-%m-%d")
        .to_string()
}

/// 09:00 in China on `today`, as the server's `now` would read.
fn context(today: &str, case_number: Option<String>) -> CallContext {
    CallContext {
        today: today.to_owned(),
        now: format!("{today}T01:00:00.000Z"),
        case_number,
        preview: false,
    }
}

fn case_view(case: &FixtureCase, today: &str) -> CaseView {
    CaseView {
        number: case.number.clone(),
        state: case.state.clone(),
        form: case.form.to_string(),
        derived: case.derived.to_string(),
        applicant: case.applicant.clone().unwrap_or_else(default_citizen),
        submitted_at: case
            .submitted_at
            .clone()
            .unwrap_or_else(|| format!("{today}T01:00:00.000Z")),
    }
}

/// The item's JSON text as a value; text that is not JSON is kept as a string.
fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}
