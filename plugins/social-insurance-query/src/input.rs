//! The query's input, `{"id_number"?, "from"?, "to"?}`, as the schema in [`crate::catalog`]
//! describes it. The host does not check a query's input against a schema, so this module does:
//! unknown fields, misshapen months and a reversed range are refused as invalid.

use serde::Deserialize;
use yiwang_sdk::month::YearMonth;
use yiwang_sdk::{FieldError, ItemError};

/// The code of a `from` or `to` that is not a `YYYY-MM` month.
pub const INVALID_MONTH: &str = "invalid-month";
/// The code of a `to` before `from`.
pub const INVALID_RANGE: &str = "invalid-range";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryInput {
    /// Must be the asker's own, when given.
    pub id_number: Option<String>,
    /// First month shown, `YYYY-MM`, inclusive.
    pub from: Option<String>,
    /// Last month shown, `YYYY-MM`, inclusive.
    pub to: Option<String>,
}

/// The months a statement covers, both ends inclusive; `None` is open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Range {
    pub from: Option<YearMonth>,
    pub to: Option<YearMonth>,
}

impl Range {
    pub fn contains(self, month: YearMonth) -> bool {
        self.from.is_none_or(|from| from <= month) && self.to.is_none_or(|to| month <= to)
    }
}

impl QueryInput {
    /// The range asked for, reporting every field that is wrong.
    pub fn range(&self) -> Result<Range, ItemError> {
        let mut errors = Vec::new();
        let mut month = |field: &str, label: &str, text: Option<&str>| {
            let text = text?;
            match text.trim().parse::<YearMonth>() {
                Ok(month) => Some(month),
                Err(_) => {
                    errors.push(FieldError::new(
                        field,
                        INVALID_MONTH,
                        format!("{label}应为“年-月”格式，如 2026-01。"),
                    ));
                    None
                }
            }
        };
        let range = Range {
            from: month("from", "起始年月", self.from.as_deref()),
            to: month("to", "截止年月", self.to.as_deref()),
        };
        if let Range {
            from: Some(from),
            to: Some(to),
        } = range
            && to < from
        {
            errors.push(FieldError::new(
                "to",
                INVALID_RANGE,
                format!("截止年月 {to} 早于起始年月 {from}。"),
            ));
        }
        if errors.is_empty() {
            Ok(range)
        } else {
            Err(ItemError::Invalid(errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yiwang_sdk::form::parse_input;

    fn month(text: &str) -> YearMonth {
        text.parse().unwrap()
    }

    fn input(json: &str) -> QueryInput {
        parse_input(json).unwrap()
    }

    fn codes(error: ItemError) -> Vec<(String, String)> {
        match error {
            ItemError::Invalid(errors) => errors.into_iter().map(|e| (e.field, e.code)).collect(),
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn an_empty_input_asks_for_everything() {
        let range = input("{}").range().unwrap();
        assert_eq!(range, Range::default());
        assert!(range.contains(month("1999-01")) && range.contains(month("2099-12")));
    }

    #[test]
    fn both_ends_of_a_range_are_included() {
        let range = input(r#"{"from":"2025-10","to":"2026-03"}"#)
            .range()
            .unwrap();
        assert!(range.contains(month("2025-10")) && range.contains(month("2026-03")));
        assert!(!range.contains(month("2025-09")) && !range.contains(month("2026-04")));
        let open = input(r#"{"from":"2026-01"}"#).range().unwrap();
        assert!(open.contains(month("2030-01")) && !open.contains(month("2025-12")));
    }

    #[test]
    fn misshapen_months_and_a_reversed_range_are_invalid_on_their_fields() {
        assert_eq!(
            codes(
                input(r#"{"from":"2026-13","to":"2026/01"}"#)
                    .range()
                    .unwrap_err()
            ),
            [
                ("from".into(), INVALID_MONTH.into()),
                ("to".into(), INVALID_MONTH.into())
            ]
        );
        assert_eq!(
            codes(
                input(r#"{"from":"2026-03","to":"2026-01"}"#)
                    .range()
                    .unwrap_err()
            ),
            [("to".into(), INVALID_RANGE.into())]
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let error = parse_input::<QueryInput>(r#"{"name":"张三"}"#).unwrap_err();
        assert!(matches!(error, ItemError::Invalid(_)));
    }
}
