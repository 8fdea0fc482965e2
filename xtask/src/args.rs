//! A few `--name value` flags and a pass-through tail after `--`: all the command line xtask needs,
//! without a parser dependency. Anything left unrecognised is an error, never silently ignored.

use anyhow::{Result, bail};

/// One command's arguments: flags before the first `--`, pass-through arguments after it.
#[derive(Debug)]
pub struct Args {
    flags: Vec<String>,
    passthrough: Vec<String>,
    had_separator: bool,
}

impl Args {
    pub fn parse(raw: impl IntoIterator<Item = String>) -> Self {
        let mut flags = Vec::new();
        let mut passthrough = Vec::new();
        let mut had_separator = false;
        for arg in raw {
            if had_separator {
                passthrough.push(arg);
            } else if arg == "--" {
                had_separator = true;
            } else {
                flags.push(arg);
            }
        }
        Args {
            flags,
            passthrough,
            had_separator,
        }
    }

    /// Takes `--name VALUE` or `--name=VALUE` out of the flags; the last one wins.
    pub fn value(&mut self, name: &str) -> Result<Option<String>> {
        let mut found = None;
        let mut i = 0;
        while i < self.flags.len() {
            if self.flags[i] == name {
                let Some(value) = self.flags.get(i + 1).cloned() else {
                    bail!("{name} needs a value");
                };
                self.flags.drain(i..i + 2);
                found = Some(value);
            } else if let Some(value) = self.flags[i]
                .strip_prefix(name)
                .and_then(|r| r.strip_prefix('='))
            {
                found = Some(value.to_owned());
                self.flags.remove(i);
            } else {
                i += 1;
            }
        }
        Ok(found)
    }

    /// Takes every `--name` (a flag without a value) out of the flags; whether there was one.
    pub fn flag(&mut self, name: &str) -> bool {
        let before = self.flags.len();
        self.flags.retain(|flag| flag != name);
        self.flags.len() != before
    }

    /// Takes `--name N`, a whole number from 1 to `max`; `default` when absent.
    pub fn count(&mut self, name: &str, default: u64, max: u64) -> Result<u64> {
        let count = match self.value(name)? {
            Some(text) => match text.parse() {
                Ok(n) => n,
                Err(_) => bail!("{name} {text}: not a whole number"),
            },
            None => default,
        };
        if !(1..=max).contains(&count) {
            bail!("{name} must be between 1 and {max}");
        }
        Ok(count)
    }

    /// Ends parsing for a command that takes a pass-through tail; returns it.
    pub fn finish(self) -> Result<Vec<String>> {
        if let Some(unknown) = self.flags.first() {
            bail!("unexpected argument `{unknown}` (arguments for cargo go after `--`)");
        }
        Ok(self.passthrough)
    }

    /// Ends parsing for a command that takes no pass-through tail.
    pub fn finish_without_passthrough(self) -> Result<()> {
        if self.had_separator {
            bail!("this command takes no arguments after `--`");
        }
        if let Some(unknown) = self.flags.first() {
            bail!("unexpected argument `{unknown}`");
        }
        Ok(())
    }
}

/// The part of a `cargo test` pass-through that the test harness sees: what follows its own `--`.
pub fn harness_args(passthrough: &[String]) -> &[String] {
    match passthrough.iter().position(|a| a == "--") {
        Some(i) => &passthrough[i + 1..],
        None => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Args {
        Args::parse(line.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn a_value_is_taken_in_either_spelling_and_the_last_one_wins() {
        let mut a = args("--seconds 5 --concurrency=8 --seconds=7");
        assert_eq!(a.value("--seconds").unwrap().as_deref(), Some("7"));
        assert_eq!(a.value("--concurrency").unwrap().as_deref(), Some("8"));
        assert_eq!(a.value("--url").unwrap(), None);
        a.finish_without_passthrough().unwrap();
    }

    #[test]
    fn a_count_is_a_whole_number_in_range_or_its_default() {
        let mut a = args("--swaps 3 --concurrency 0 --seconds x");
        assert_eq!(a.count("--swaps", 10, 100).unwrap(), 3);
        assert_eq!(a.count("--rounds", 10, 100).unwrap(), 10);
        assert!(a.count("--concurrency", 16, 100).is_err());
        assert!(a.count("--seconds", 20, 100).is_err());
    }

    #[test]
    fn a_flag_without_a_value_is_taken_where_it_stands() {
        let mut a = args("--check --seconds 5 --check");
        assert!(a.flag("--check"));
        assert!(!a.flag("--check"));
        assert!(!a.flag("--verbose"));
        assert_eq!(a.value("--seconds").unwrap().as_deref(), Some("5"));
        a.finish_without_passthrough().unwrap();
    }

    #[test]
    fn a_flag_without_its_value_is_an_error() {
        assert!(args("--listen").value("--listen").is_err());
    }

    #[test]
    fn a_flag_that_only_shares_a_prefix_is_not_taken() {
        let mut a = args("--seconds-ish=3");
        assert_eq!(a.value("--seconds").unwrap(), None);
        assert!(a.finish_without_passthrough().is_err());
    }

    #[test]
    fn everything_after_the_first_separator_passes_through_untouched() {
        let a = args("-- --test api -- --nocapture submitting");
        let tail = a.finish().unwrap();
        assert_eq!(tail, ["--test", "api", "--", "--nocapture", "submitting"]);
        assert_eq!(harness_args(&tail), ["--nocapture", "submitting"]);
    }

    #[test]
    fn an_unknown_flag_or_an_unwanted_tail_is_an_error() {
        assert!(args("--verbose").finish().is_err());
        assert!(args("-- --release").finish_without_passthrough().is_err());
    }
}
