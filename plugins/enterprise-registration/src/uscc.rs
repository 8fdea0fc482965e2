//! The unified social credit code (统一社会信用代码, GB 32100-2015) a new enterprise gets with its
//! business licence: 18 characters,
//!
//! | positions | meaning | here |
//! | --- | --- | --- |
//! | 1 | registration authority (登记管理部门) | `9`: market regulation (工商) |
//! | 2 | entity type (机构类别) | `1` enterprise, `2` individual business (个体工商户) |
//! | 3–8 | administrative division (登记管理机关行政区划码) | `441900`: 东莞市 |
//! | 9–17 | subject identifier (主体标识码, an organization code under GB 11714-1997) | 8 characters derived from the case number, then the GB 11714 check character |
//! | 18 | check character (校验码) | GB 32100-2015 |
//!
//! The 8 characters are derived from the application number `YW-YYYYMMDD-NNNNNN`, so replaying
//! a case gives the same code and two cases never share one: `n = days × 31⁵ + sequence`, where
//! `days` counts from 2000-01-01, is scrambled by the bijection
//! `n ↦ (n × 527115649796 + 7919) mod 31⁸` (the factor is about 0.618 × 31⁸ and not a multiple of
//! 31, so consecutive cases get unalike codes) and written as 8 base-31 digits in the code
//! alphabet. A number outside that scheme (a day before 2000 or after 2081-07-24, a sequence
//! of 31⁵ or more) falls back to FNV-1a of the number, modulo 31⁸.

use yiwang_sdk::date::Date;

/// The 31 characters a code may use: digits and capital letters without I, O, Z, S and V.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// GB 32100-2015 weights of positions 1–17 (3^(i-1) mod 31).
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// GB 11714-1997 weights of the organization code's 8 body characters.
const ORGANIZATION_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Registration authority: market regulation (工商).
const AUTHORITY: char = '9';
/// 东莞市.
pub const DIVISION: &str = "441900";

const BASE: u64 = 31;
/// 31⁵: sequences per day the scheme keeps apart.
const PER_DAY: u64 = 28_629_151;
/// 31³: days from 2000-01-01 the scheme keeps apart.
const DAYS: u64 = 29_791;
/// 31⁸: the 8-character body's range.
const BODIES: u64 = 852_891_037_441;
const SCRAMBLE_FACTOR: u64 = 527_115_649_796;
const SCRAMBLE_OFFSET: u64 = 7_919;

/// What the second character says the entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityKind {
    /// 企业: companies, sole proprietorships, partnerships.
    Enterprise,
    /// 个体工商户.
    IndividualBusiness,
}

/// The code of the entity registered by case `case_number`.
pub fn derive(case_number: &str, kind: EntityKind) -> String {
    let entity = match kind {
        EntityKind::Enterprise => '1',
        EntityKind::IndividualBusiness => '2',
    };
    let mut code = format!("{AUTHORITY}{entity}{DIVISION}");
    let body = body(case_number);
    code.push_str(&body);
    code.push(organization_check(&body));
    code.push(check(&code));
    code
}

/// Whether `code` is 18 characters of the alphabet with both check characters right.
pub fn is_valid(code: &str) -> bool {
    let bytes = code.as_bytes();
    bytes.len() == 18
        && bytes.iter().all(|b| ALPHABET.contains(b))
        && organization_check(&code[8..16]) == char::from(bytes[16])
        && check(&code[..17]) == char::from(bytes[17])
}

/// The GB 32100-2015 check character of the first 17 characters.
fn check(first17: &str) -> char {
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(byte, weight)| value(byte) * weight)
        .sum();
    char::from(ALPHABET[((31 - sum % 31) % 31) as usize])
}

/// The GB 11714-1997 check character of an organization code's 8 body characters: `X` for 10,
/// `0` for 11.
fn organization_check(body: &str) -> char {
    let sum: u32 = body
        .bytes()
        .zip(ORGANIZATION_WEIGHTS)
        .map(|(byte, weight)| organization_value(byte) * weight)
        .sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        digit => char::from_digit(digit, 10).expect("0..=9"),
    }
}

/// A character's value under GB 32100: its place in [`ALPHABET`].
fn value(byte: u8) -> u32 {
    ALPHABET
        .iter()
        .position(|&c| c == byte)
        .map_or(0, |place| place as u32)
}

/// A character's value under GB 11714: digits as themselves, `A` = 10 … `Z` = 35.
fn organization_value(byte: u8) -> u32 {
    match byte {
        b'0'..=b'9' => u32::from(byte - b'0'),
        b'A'..=b'Z' => u32::from(byte - b'A') + 10,
        _ => 0,
    }
}

/// The 8-character subject identifier body for a case.
fn body(case_number: &str) -> String {
    let n = sequence_number(case_number).unwrap_or_else(|| fnv1a(case_number) % BODIES);
    let mut scrambled = ((u128::from(n) * u128::from(SCRAMBLE_FACTOR)
        + u128::from(SCRAMBLE_OFFSET))
        % u128::from(BODIES)) as u64;
    let mut digits = [b'0'; 8];
    for digit in digits.iter_mut().rev() {
        *digit = ALPHABET[(scrambled % BASE) as usize];
        scrambled /= BASE;
    }
    String::from_utf8(digits.to_vec()).expect("ASCII")
}

/// `days × 31⁵ + sequence` for `YW-YYYYMMDD-NNNNNN`, when both fit.
fn sequence_number(case_number: &str) -> Option<u64> {
    let rest = case_number.strip_prefix("YW-")?;
    let (day, sequence) = rest.split_once('-')?;
    if day.len() != 8 || !sequence.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let date: Date = format!("{}-{}-{}", &day[0..4], &day[4..6], &day[6..8])
        .parse()
        .ok()?;
    let epoch = Date::new(2000, 1, 1).expect("a real date");
    let days = u64::try_from(epoch.days_until(date)).ok()?;
    let sequence: u64 = sequence.parse().ok()?;
    (days < DAYS && sequence < PER_DAY).then_some(days * PER_DAY + sequence)
}

/// 64-bit FNV-1a.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn a_published_code_passes_both_checks() {
        // Shenzhen Tencent Computer Systems Co., Ltd.: organization code 71526726-X.
        assert_eq!(organization_check("71526726"), 'X');
        assert_eq!(check("9144030071526726X"), 'G');
        assert!(is_valid("9144030071526726XG"));
        assert!(!is_valid("9144030071526726XH"));
        assert!(!is_valid("91440300715267261G"));
    }

    #[test]
    fn a_code_is_18_characters_of_the_alphabet_with_valid_checks() {
        let code = derive("YW-20261102-000042", EntityKind::Enterprise);
        assert_eq!(code.len(), 18, "{code}");
        assert!(code.starts_with("91441900"), "{code}");
        assert!(is_valid(&code), "{code}");
        assert!(
            code.bytes()
                .all(|b| b.is_ascii_digit() || ALPHABET.contains(&b))
        );
    }

    #[test]
    fn the_documented_derivation_gives_these_codes() {
        // Worked examples in the README, checked against an independent implementation.
        assert_eq!(
            derive("YW-20261127-000001", EntityKind::Enterprise),
            "9144190036WTBL612P"
        );
        assert_eq!(
            derive("YW-20261127-000002", EntityKind::Enterprise),
            "91441900NBTMP14K91"
        );
        assert_eq!(
            derive("YW-20261127-000002", EntityKind::IndividualBusiness),
            "92441900NBTMP14K9X"
        );
    }

    #[test]
    fn an_individual_business_is_entity_type_2() {
        let code = derive("YW-20261102-000042", EntityKind::IndividualBusiness);
        assert!(code.starts_with("92441900"), "{code}");
        assert!(is_valid(&code), "{code}");
    }

    #[test]
    fn the_same_case_always_gets_the_same_code() {
        assert_eq!(
            derive("YW-20261102-000042", EntityKind::Enterprise),
            derive("YW-20261102-000042", EntityKind::Enterprise)
        );
    }

    #[test]
    fn neighbouring_cases_and_days_get_distinct_unalike_codes() {
        let mut seen = HashSet::new();
        for day in ["20261101", "20261102", "20270101"] {
            for sequence in 0..2_000 {
                let code = derive(&format!("YW-{day}-{sequence:06}"), EntityKind::Enterprise);
                assert!(is_valid(&code), "{code}");
                assert!(seen.insert(code[8..16].to_owned()), "{code} repeats a body");
            }
        }
        for sequence in 1..50 {
            let first = body(&format!("YW-20261102-{sequence:06}"));
            let next = body(&format!("YW-20261102-{:06}", sequence + 1));
            let shared = first
                .bytes()
                .zip(next.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            assert!(shared < 2, "{first} and {next} look alike");
        }
    }

    #[test]
    fn the_scheme_is_injective_within_its_bounds_and_hashes_outside_them() {
        assert_eq!(sequence_number("YW-20000101-000000"), Some(0));
        assert_eq!(sequence_number("YW-20000102-000003"), Some(PER_DAY + 3));
        let last_day = Date::new(2000, 1, 1).unwrap().add_days(DAYS as i64 - 1);
        assert_eq!(last_day.to_string(), "2081-07-24");
        assert_eq!(sequence_number("YW-20810725-000001"), None);
        assert_eq!(sequence_number("YW-19991231-000001"), None);
        assert_eq!(sequence_number("YW-2026110-000001"), None);
        assert_eq!(sequence_number("not a number"), None);
        assert!(is_valid(&derive("not a number", EntityKind::Enterprise)));
        assert_eq!(PER_DAY, BASE.pow(5));
        assert_eq!(DAYS, BASE.pow(3));
        assert_eq!(BODIES, BASE.pow(8));
        assert_ne!(
            SCRAMBLE_FACTOR % BASE,
            0,
            "the scramble must be a bijection"
        );
    }

    #[test]
    fn the_organization_check_maps_ten_to_x_and_eleven_to_zero() {
        // 1·3 = 3 → 11 − 3 = 8.
        assert_eq!(organization_check("10000000"), '8');
        // 6·2 = 12 ≡ 1 → 10 → X.
        assert_eq!(organization_check("00000006"), 'X');
        // 0 → 11 → 0.
        assert_eq!(organization_check("00000000"), '0');
        // Letters count from A = 10: A·3 = 30 ≡ 8 → 3.
        assert_eq!(organization_check("A0000000"), '3');
    }
}
