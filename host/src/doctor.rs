//! `yiwang doctor`: checks a deployment before (or instead of) starting it, and says what is
//! wrong in words an operator can act on. It only looks: the database is opened without
//! migrating (read-only for SQLite), the artifact cache is read, the data directory gets one
//! probe file that is removed again.

use std::fmt;
use std::path::Path;

use chrono::{Datelike, NaiveDate};

use crate::config::{PluginsFile, Settings};
use crate::runtime::check_artifact_cache;
use crate::storage::inspect;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Ok,
    /// Works, but deserves attention.
    Warn,
    /// The deployment will not work, or not correctly, until it is fixed.
    Fail,
}

/// One check's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    /// What was checked: `database`, `data directory` …
    pub check: &'static str,
    pub detail: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Ok => "ok  ",
            Level::Warn => "WARN",
            Level::Fail => "FAIL",
        };
        write!(f, "{level} {}: {}", self.check, self.detail)
    }
}

fn finding(level: Level, check: &'static str, detail: impl Into<String>) -> Finding {
    Finding {
        level,
        check,
        detail: detail.into(),
    }
}

/// Every check, in the order an operator would fix them. `today` is the date in China.
pub async fn examine(settings: &Settings, today: NaiveDate) -> Vec<Finding> {
    let mut findings = vec![data_directory(&settings.data_dir)];
    findings.extend(database(settings).await);
    findings.push(plugins(&settings.plugins));
    findings.push(artifact_cache(&settings.cache_dir()));
    findings.push(holidays(settings, today));
    findings
}

fn data_directory(dir: &Path) -> Finding {
    const CHECK: &str = "data directory";
    if !dir.is_dir() {
        return finding(
            Level::Fail,
            CHECK,
            format!("{} does not exist", dir.display()),
        );
    }
    let probe = dir.join(format!(".yiwang-doctor-{}", std::process::id()));
    match std::fs::write(&probe, b"probe").and_then(|()| std::fs::remove_file(&probe)) {
        Ok(()) => finding(Level::Ok, CHECK, format!("{} is writable", dir.display())),
        Err(e) => finding(
            Level::Fail,
            CHECK,
            format!("{} is not writable: {e}", dir.display()),
        ),
    }
}

/// Reachable, migrated as this build expects, and a clock that is not behind what was written.
async fn database(settings: &Settings) -> Vec<Finding> {
    const CHECK: &str = "database";
    let url = match &settings.database_url {
        Some(url) => url.clone(),
        None => {
            let file = settings.sqlite_file();
            if !file.is_file() {
                return vec![finding(
                    Level::Fail,
                    CHECK,
                    format!(
                        "no database at {} (`yiwang serve` creates it; a restore puts it there)",
                        file.display()
                    ),
                )];
            }
            format!("sqlite://{}?mode=ro", file.display())
        }
    };
    let inspection = match inspect(&url).await {
        Ok(inspection) => inspection,
        Err(e) => return vec![finding(Level::Fail, CHECK, format!("unreachable: {e:#}"))],
    };
    let mut findings = vec![if !inspection.unknown.is_empty() {
        finding(
            Level::Fail,
            CHECK,
            format!(
                "migrated by a newer build (migrations {:?} unknown to this one): run that build, or restore a backup",
                inspection.unknown
            ),
        )
    } else if !inspection.pending.is_empty() {
        finding(
            Level::Warn,
            CHECK,
            format!(
                "{} migrations not applied yet ({:?}); `yiwang serve` applies them at start — back up first",
                inspection.pending.len(),
                inspection.pending
            ),
        )
    } else {
        finding(Level::Ok, CHECK, "reachable and migrated")
    }];
    findings.push(clock(inspection.newest_write.as_deref()));
    findings
}

fn clock(newest_write: Option<&str>) -> Finding {
    const CHECK: &str = "clock";
    let now = chrono::Utc::now();
    let Some(newest) = newest_write.and_then(|w| chrono::DateTime::parse_from_rfc3339(w).ok())
    else {
        return finding(Level::Ok, CHECK, format!("now {now}, nothing written yet"));
    };
    if newest.to_utc() > now + chrono::Duration::minutes(1) {
        finding(
            Level::Fail,
            CHECK,
            format!(
                "now {now} is before the newest write ({newest}): the system clock went back; fix it (NTP) before serving"
            ),
        )
    } else {
        finding(
            Level::Ok,
            CHECK,
            format!("now {now}, newest write {newest}"),
        )
    }
}

fn plugins(path: &Path) -> Finding {
    const CHECK: &str = "plugins.toml";
    let file = match PluginsFile::load(path) {
        Ok(file) => file,
        Err(e) => return finding(Level::Fail, CHECK, format!("{e:#}")),
    };
    let missing: Vec<String> = file
        .items
        .iter()
        .map(|(code, entry)| (code, PluginsFile::component_path(path, entry)))
        .filter(|(_, component)| !component.is_file())
        .map(|(code, component)| format!("{code}: {}", component.display()))
        .collect();
    if missing.is_empty() {
        finding(
            Level::Ok,
            CHECK,
            format!("{} items, every component file present", file.items.len()),
        )
    } else {
        finding(
            Level::Fail,
            CHECK,
            format!("component files missing: {}", missing.join(", ")),
        )
    }
}

fn artifact_cache(dir: &Path) -> Finding {
    const CHECK: &str = "artifact cache";
    let check = match check_artifact_cache(dir) {
        Ok(check) => check,
        Err(e) => return finding(Level::Fail, CHECK, format!("{e:#}")),
    };
    let mut notes = Vec::new();
    if check.stale > 0 {
        notes.push(format!(
            "{} artifacts of another build (never loaded; safe to delete)",
            check.stale
        ));
    }
    if !check.broken.is_empty() {
        notes.push(format!(
            "{} artifacts that do not load (compiled again on use): {}",
            check.broken.len(),
            check.broken.join(", ")
        ));
    }
    if !check.strays.is_empty() {
        notes.push(format!("stray files: {}", check.strays.join(", ")));
    }
    let usable = format!("{} usable artifacts in {}", check.usable, dir.display());
    if notes.is_empty() {
        finding(Level::Ok, CHECK, usable)
    } else {
        finding(
            Level::Warn,
            CHECK,
            format!("{usable}; {}", notes.join("; ")),
        )
    }
}

/// The working-day clock needs this year's public holidays; without them 国庆 and 春节 count as
/// working days and every due date across them is wrong.
fn holidays(settings: &Settings, today: NaiveDate) -> Finding {
    const CHECK: &str = "holidays";
    let mut this_year = 0;
    for text in settings.holidays.iter().chain(&settings.extra_workdays) {
        match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(day) if settings.holidays.contains(text) && day.year() == today.year() => {
                this_year += 1;
            }
            Ok(_) => {}
            Err(_) => {
                return finding(
                    Level::Fail,
                    CHECK,
                    format!("`{text}` is not a YYYY-MM-DD date"),
                );
            }
        }
    }
    if this_year == 0 {
        finding(
            Level::Warn,
            CHECK,
            format!(
                "no public holidays configured for {}: due dates count them as working days (--holidays)",
                today.year()
            ),
        )
    } else {
        finding(
            Level::Ok,
            CHECK,
            format!(
                "{this_year} public holidays in {}, {} weekend working days configured",
                today.year(),
                settings.extra_workdays.len()
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn holidays_of_this_year_are_needed_and_must_be_dates() {
        let mut settings = Settings::new("data", "plugins.toml");
        assert_eq!(holidays(&settings, day("2026-12-07")).level, Level::Warn);
        settings.holidays = vec!["2025-10-01".into(), "2026-10-01".into()];
        let found = holidays(&settings, day("2026-12-07"));
        assert_eq!(found.level, Level::Ok, "{found}");
        assert!(found.detail.starts_with("1 public holidays in 2026"));
        settings.extra_workdays = vec!["2026-09-31".into()];
        assert_eq!(holidays(&settings, day("2026-12-07")).level, Level::Fail);
    }

    #[test]
    fn a_clock_behind_the_newest_write_fails() {
        assert_eq!(clock(None).level, Level::Ok);
        assert_eq!(clock(Some("2020-01-01T00:00:00.000Z")).level, Level::Ok);
        assert_eq!(clock(Some("2999-01-01T00:00:00.000Z")).level, Level::Fail);
    }

    #[test]
    fn a_missing_data_directory_fails_and_a_present_one_is_probed_and_left_clean() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(data_directory(&dir.path().join("none")).level, Level::Fail);
        assert_eq!(data_directory(dir.path()).level, Level::Ok);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
