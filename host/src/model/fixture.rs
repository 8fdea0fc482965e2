//! A fixture: one call of an item, with the data its host interfaces should see and the outcome
//! expected. `yiwang plugin test` runs fixtures against a built component (`kit::run`); a real case
//! is exported as one (`domain::cases` through `GET /api/v1/dept/cases/{number}/fixture`), masked,
//! so a department can replay a citizen's complaint. The JSON shape is the departments' (snake_case
//! fields, only `call` and `expect.outcome` required); docs/departments.md documents it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::actor::Actor;
use crate::model::effects::Certificate;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub call: FixtureCall,
    /// Who calls (the applicant for `submit`); a citizen by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<Actor>,
    /// `ctx.today` (`YYYY-MM-DD`); the run's own date by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub today: Option<String>,
    /// `submit`: the form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<Value>,
    /// `on-action`: the case acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<FixtureCase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `query`, `on-action` and `batch`: the input object (`{}` by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Value>,
    /// `batch`: the state and its cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cases: Vec<FixtureCase>,
    /// Dataset → key → record: what `registries.lookup` finds. The datasets listed are granted.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub registries: BTreeMap<String, BTreeMap<String, FixtureRecord>>,
    /// The item's own records before the call.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub records: BTreeMap<String, String>,
    /// The licence library `certificates.find` searches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<Certificate>,
    pub expect: Expect,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixtureCall {
    Submit,
    OnAction,
    Query,
    Batch,
}

impl FixtureCall {
    pub fn as_str(self) -> &'static str {
        match self {
            FixtureCall::Submit => "submit",
            FixtureCall::OnAction => "on-action",
            FixtureCall::Query => "query",
            FixtureCall::Batch => "batch",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureCase {
    pub number: String,
    pub state: String,
    #[serde(default = "empty_object")]
    pub form: Value,
    #[serde(default = "empty_object")]
    pub derived: Value,
    /// The default citizen when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicant: Option<Actor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<String>,
    pub data: Value,
}

/// What the call should come to. Only `outcome` is required; every other field given is checked.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `ok`, `fields`, `invalid`, `refused`, `failed`, or a limit's code (`cpu_limit` …).
    pub outcome: String,
    /// `fields`/`invalid`: the set of fields in error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<String>>,
    /// `ok`: a part of the output (query), the derived data (submit, on-action) or the decisions
    /// (batch, an array) that must be there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    /// `ok`: the state on-action moves to, or the step submit takes at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// `refused`/`failed`/a limit: words the message contains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifications: Option<usize>,
    /// Registry reads, `dataset/key`, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reads: Option<Vec<String>>,
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

/// Does `actual` hold everything `expected` says? Objects may have more keys; arrays and scalars
/// must match element for element.
pub fn json_contains(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e
            .iter()
            .all(|(k, ev)| a.get(k).is_some_and(|av| json_contains(av, ev))),
        (Value::Array(a), Value::Array(e)) => {
            a.len() == e.len() && a.iter().zip(e).all(|(av, ev)| json_contains(av, ev))
        }
        _ => actual == expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_smallest_fixture_is_a_call_and_an_outcome() {
        let f: Fixture =
            serde_json::from_value(json!({"call": "query", "expect": {"outcome": "ok"}})).unwrap();
        assert_eq!(f.call, FixtureCall::Query);
        assert_eq!(f.expect.outcome, "ok");
        let unknown = serde_json::from_value::<Fixture>(
            json!({"call": "query", "expect": {"outcome": "ok"}, "fomr": {}}),
        );
        assert!(unknown.unwrap_err().to_string().contains("fomr"));
    }

    #[test]
    fn a_part_of_the_output_is_enough_but_arrays_are_whole() {
        let actual = json!({"points": 85, "parts": [{"a": 1, "b": 2}], "x": "y"});
        assert!(json_contains(&actual, &json!({"points": 85})));
        assert!(json_contains(&actual, &json!({"parts": [{"a": 1}]})));
        assert!(!json_contains(&actual, &json!({"parts": []})));
        assert!(!json_contains(&actual, &json!({"points": 86})));
        assert!(!json_contains(&actual, &json!({"missing": null})));
    }
}
