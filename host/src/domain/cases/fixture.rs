//! A real case as a fixture for `yiwang plugin test`: its `submit` call (the form, the day, the
//! registry records the item read), with the applicant's personal data replaced by stand-ins, so
//! the item's department can replay a citizen's complaint on a developer's machine.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Cases;
use crate::domain::calendar::china_offset;
use crate::domain::error::{DomainError, Result};
use crate::domain::masking::pseudonymize_in;
use crate::model::actor::{Actor, Role};
use crate::model::fixture::{Expect, Fixture, FixtureCall, FixtureRecord};

/// What stands for the applicant's name in an exported fixture.
const APPLICANT: &str = "申请人";

impl Cases {
    /// The case's submission as a fixture. Only the staff of the item's own department may
    /// export it (another department working a part of it is refused).
    pub async fn fixture(&self, viewer: &Actor, number: &str) -> Result<Fixture> {
        let case = self.visible_case(viewer, number).await?;
        let owner = matches!(viewer.role, Role::Reviewer | Role::Developer)
            && viewer.department.as_deref() == Some(case.department.as_str());
        if !owner {
            return Err(DomainError::forbidden(
                "not_owner",
                "only the item's own department may export its cases as fixtures".into(),
            ));
        }
        let applicant = self
            .storage
            .user_by_id(case.applicant_id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let events = self.storage.case_events(case.id).await?;
        let reads = self
            .storage
            .case_reads_by(&case.number, &case.applicant_id.to_string())
            .await?;

        let mut registries: BTreeMap<String, BTreeMap<String, FixtureRecord>> = BTreeMap::new();
        for (dataset, key, found) in &reads {
            let records = registries.entry(dataset.clone()).or_default();
            if !found {
                continue;
            }
            if let Some(record) = self.storage.registry_record(dataset, key).await? {
                records.insert(
                    key.clone(),
                    FixtureRecord {
                        subject_id: record.subject_id,
                        data: serde_json::from_str(&record.data).unwrap_or(Value::Null),
                    },
                );
            }
        }
        let submitted_on = chrono::DateTime::parse_from_rfc3339(&case.submitted_at)
            .ok()
            .map(|at| at.with_timezone(&china_offset()).date_naive().to_string());
        // The derived data is what `submit` returned while no one but the platform has acted
        // since (the item's own first step, `then`, is the platform's, in the same commit).
        let untouched = events.iter().skip(1).all(|e| e.actor_role == "system");
        // Tracking numbers and certificate serials are the host's, new on every call: a replay
        // cannot match them, so the expectation leaves them out.
        let mut made_by_host: Vec<String> = self
            .storage
            .case_deliveries(case.id)
            .await?
            .into_iter()
            .map(|d| d.tracking_number)
            .collect();
        made_by_host.extend(
            self.storage
                .case_certificates(case.id)
                .await?
                .into_iter()
                .map(|c| c.serial),
        );
        let output = untouched
            .then(|| serde_json::from_str::<Value>(&case.derived).ok())
            .flatten()
            .map(|mut derived| {
                drop_values(&mut derived, &made_by_host);
                derived
            });
        let fixture = Fixture {
            description: Some(format!(
                "case {} ({}@{}), exported with the applicant's personal data replaced; the \
                 registry records are as they are now",
                case.number, case.item_code, case.item_version
            )),
            call: FixtureCall::Submit,
            actor: Some(Actor {
                id: applicant.id.to_string(),
                role: Role::Citizen,
                name: applicant.name.clone(),
                department: None,
                id_number: applicant.id_number.clone(),
            }),
            today: submitted_on,
            form: Some(serde_json::from_str(&case.form).unwrap_or(Value::Null)),
            case: None,
            action: None,
            comment: None,
            input: None,
            state: None,
            cases: Vec::new(),
            registries,
            records: BTreeMap::new(),
            certificates: Vec::new(),
            expect: Expect {
                outcome: "ok".into(),
                output,
                reads: Some(reads.iter().map(|(d, k, _)| format!("{d}/{k}")).collect()),
                ..Expect::default()
            },
        };
        Ok(disguise(fixture, &applicant.name))
    }
}

/// The fixture with every ID and mobile number replaced by its stand-in and the applicant's name
/// by [`APPLICANT`], in keys and values alike, so the records still match what the form says.
fn disguise(fixture: Fixture, name: &str) -> Fixture {
    let text = serde_json::to_string(&fixture).expect("a fixture serializes");
    let mut text = pseudonymize_in(&text);
    if !name.is_empty() {
        text = text.replace(&escaped(name), APPLICANT);
    }
    serde_json::from_str(&text).expect("replacing digits and a name keeps the JSON whole")
}

/// Removes every object member (and array element) whose value is one of `values`.
fn drop_values(value: &mut Value, values: &[String]) {
    let made = |v: &Value| v.as_str().is_some_and(|s| values.iter().any(|m| m == s));
    match value {
        Value::Object(fields) => {
            fields.retain(|_, v| !made(v));
            fields.values_mut().for_each(|v| drop_values(v, values));
        }
        Value::Array(items) => {
            items.retain(|v| !made(v));
            items.iter_mut().for_each(|v| drop_values(v, values));
        }
        _ => {}
    }
}

/// The name as it appears inside a JSON string.
fn escaped(name: &str) -> String {
    let quoted = serde_json::to_string(name).expect("a string serializes");
    quoted[1..quoted.len() - 1].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_the_host_made_are_left_out_of_the_expectation() {
        let mut derived = json!({"tracking": "YW1", "points": 3, "parcels": ["YW1", "x"]});
        drop_values(&mut derived, &["YW1".to_owned()]);
        assert_eq!(derived, json!({"points": 3, "parcels": ["x"]}));
    }

    #[test]
    fn the_applicant_is_disguised_everywhere_and_consistently() {
        let fixture: Fixture = serde_json::from_value(json!({
            "call": "submit",
            "actor": {"id": "3", "role": "citizen", "name": "张三", "department": null,
                      "id_number": "441900199001011234"},
            "form": {"owner": "张三", "phone": "13812345678", "id": "441900199001011234"},
            "registries": {"household-registry": {"441900199001011234": {
                "subject_id": "441900199001011234", "data": {"name": "张三"}}}},
            "expect": {"outcome": "ok", "reads": ["household-registry/441900199001011234"]}
        }))
        .unwrap();
        let shown = serde_json::to_string(&disguise(fixture, "张三")).unwrap();
        assert!(!shown.contains("张三"), "{shown}");
        assert!(!shown.contains("441900199001011234"), "{shown}");
        assert!(!shown.contains("13812345678"), "{shown}");
        assert_eq!(shown.matches("441900199001010036").count(), 5, "{shown}");
    }
}
