//! Application numbers (申请编号): `YW-YYYYMMDD-NNNNNN`, the day in China and a sequence per day.
//! Sequences are reserved from storage in blocks, so numbering costs one write per block rather
//! than one per application; a block left unused by a restart leaves a gap, which is harmless.

use std::fmt;

use tokio::sync::Mutex;

use crate::storage::Storage;

/// Numbers reserved per trip to the database.
const BLOCK: i64 = 64;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ApplicationNumber(String);

impl ApplicationNumber {
    /// Accepts `YW-YYYYMMDD-NNNNNN` (six or more digits at the end).
    pub fn parse(s: &str) -> Option<ApplicationNumber> {
        let rest = s.strip_prefix("YW-")?;
        let (day, seq) = rest.split_once('-')?;
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        (day.len() == 8 && digits(day) && seq.len() >= 6 && seq.len() <= 12 && digits(seq))
            .then(|| ApplicationNumber(s.to_string()))
    }

    fn format(day: &str, seq: i64) -> ApplicationNumber {
        ApplicationNumber(format!("YW-{day}-{seq:06}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ApplicationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub struct NumberAllocator {
    storage: Storage,
    /// (day, next unused, last reserved)
    block: Mutex<Option<(String, i64, i64)>>,
}

impl NumberAllocator {
    pub fn new(storage: Storage) -> NumberAllocator {
        NumberAllocator {
            storage,
            block: Mutex::new(None),
        }
    }

    /// The next number for `day` (`YYYYMMDD`).
    pub async fn next(&self, day: &str) -> anyhow::Result<ApplicationNumber> {
        let mut block = self.block.lock().await;
        match block.as_mut() {
            Some((d, next, last)) if d == day && *next <= *last => {
                let seq = *next;
                *next += 1;
                Ok(ApplicationNumber::format(day, seq))
            }
            _ => {
                let first = self.storage.reserve_numbers(day, BLOCK).await?;
                *block = Some((day.to_string(), first + 1, first + BLOCK - 1));
                Ok(ApplicationNumber::format(day, first))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_well_formed_number_parses() {
        assert!(ApplicationNumber::parse("YW-20261127-000123").is_some());
        assert!(ApplicationNumber::parse("YW-20261127-1234567").is_some());
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for bad in [
            "",
            "YW-2026112-000123",
            "XX-20261127-000123",
            "YW-20261127-12",
            "YW-20261127-00012a",
            "YW-20261127",
        ] {
            assert!(ApplicationNumber::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn numbers_are_zero_padded() {
        assert_eq!(
            ApplicationNumber::format("20261127", 7).as_str(),
            "YW-20261127-000007"
        );
    }

    #[tokio::test]
    async fn numbers_are_unique_across_blocks_and_allocators() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("n.db").display());
        let storage = Storage::connect(&url).await.unwrap();
        let (a, b) = (
            NumberAllocator::new(storage.clone()),
            NumberAllocator::new(storage),
        );
        let mut seen = std::collections::HashSet::new();
        for _ in 0..100 {
            assert!(seen.insert(a.next("20261127").await.unwrap()));
            assert!(seen.insert(b.next("20261127").await.unwrap()));
        }
        assert_eq!(seen.len(), 200);
    }
}
