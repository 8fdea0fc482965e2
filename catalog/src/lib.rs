//! The catalog entry of a service item: plain data, converted from what the item's `describe()`
//! returned, checked by [`ItemInfo::check`] whenever a version is loaded, and served as the
//! public catalog. The rules live here, once: the host runs them on every upload and load, and
//! the SDK's `testing::assert_catalog_sound` runs the same rules in an item's own unit tests.
//!
//! Knows nothing of wasmtime, SQL or HTTP, and no contract version: each side converts its own
//! records into these.

use std::collections::{BTreeSet, HashSet, VecDeque};

use serde::{Deserialize, Serialize};

pub mod form_schema;
mod role;

pub use role::Role;

use form_schema::SchemaError;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemInfo {
    pub code: String,
    pub version: String,
    pub name: String,
    pub department: String,
    pub summary: String,
    pub legal_basis: Vec<String>,
    pub audience: String,
    pub materials: Vec<Material>,
    pub statutory_days: u32,
    pub promised_days: u32,
    pub fees: Vec<Fee>,
    pub channels: Vec<String>,
    /// JSON Schema of the application form.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub form_schema: serde_json::Value,
    pub workflow: Workflow,
    /// Labels for the certificate kinds and delivery contents the item uses (contract 0.2.0;
    /// empty for a 0.1.0 item, and in entries stored before it).
    #[serde(default)]
    pub labels: Labels,
}

/// Chinese labels for the codes an item passes to the host interfaces, keyed by code.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Labels {
    /// Certificate kind → label (`inspection-mark` → 检验合格标志).
    #[serde(default)]
    pub certificates: std::collections::BTreeMap<String, String>,
    /// Delivery content → label (`application-materials` → 申请材料).
    #[serde(default)]
    pub deliveries: std::collections::BTreeMap<String, String>,
}

/// Most labels of one kind an item may declare.
const MAX_LABELS: usize = 256;

impl Labels {
    fn check(&self) -> Result<(), CatalogError> {
        for (what, labels) in [
            ("certificates", &self.certificates),
            ("deliveries", &self.deliveries),
        ] {
            if labels.len() > MAX_LABELS {
                return Err(CatalogError::BadLabel(format!(
                    "more than {MAX_LABELS} {what} labels"
                )));
            }
            for (code, text) in labels {
                if !is_code(code) {
                    return Err(CatalogError::BadLabel(format!(
                        "{what} label code `{code}` is not kebab-case"
                    )));
                }
                if text.trim().is_empty() || text.len() > 256 {
                    return Err(CatalogError::BadLabel(format!(
                        "{what} label for `{code}` must be 1 to 256 bytes of text"
                    )));
                }
            }
        }
        Ok(())
    }
}

impl ItemInfo {
    /// What people see for certificate kind `kind`: the item's label, or the code itself when
    /// the item declared none.
    pub fn certificate_label<'a>(&'a self, kind: &'a str) -> &'a str {
        self.labels
            .certificates
            .get(kind)
            .map_or(kind, String::as_str)
    }

    /// What people see for delivery content `content`: the item's label, or the code itself.
    pub fn delivery_label<'a>(&'a self, content: &'a str) -> &'a str {
        self.labels
            .deliveries
            .get(content)
            .map_or(content, String::as_str)
    }

    /// The label of workflow state `name`, or the name itself.
    pub fn state_label<'a>(&'a self, name: &'a str) -> &'a str {
        self.workflow.state(name).map_or(name, |s| s.label.as_str())
    }

    /// The label of workflow action `name`, or the name itself.
    pub fn action_label<'a>(&'a self, name: &'a str) -> &'a str {
        self.workflow
            .actions
            .iter()
            .find(|a| a.name == name)
            .map_or(name, |a| a.label.as_str())
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Material {
    pub name: String,
    pub description: String,
    pub required: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fee {
    pub name: String,
    pub amount_fen: u64,
    pub basis: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Workflow {
    pub initial: String,
    pub states: Vec<State>,
    pub actions: Vec<Action>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct State {
    pub name: String,
    pub label: String,
    pub terminal: bool,
    pub sla_days: Option<u32>,
    pub waits_on_applicant: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Action {
    pub name: String,
    pub label: String,
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub roles: Vec<Role>,
    /// Departments whose staff take this action; empty: the item's own department.
    pub departments: Vec<String>,
    pub comment_required: bool,
}

impl Action {
    /// May `role` of `department` take this action on a case of an item owned by `owner`?
    /// Citizens, couriers, admins and the system are not tied to a department.
    pub fn allows(&self, role: Role, department: Option<&str>, owner: &str) -> bool {
        if !self.roles.contains(&role) {
            return false;
        }
        match role {
            Role::Reviewer | Role::Developer => match department {
                Some(d) if self.departments.is_empty() => d == owner,
                Some(d) => self.departments.iter().any(|x| x == d),
                None => false,
            },
            _ => true,
        }
    }
}

/// Why a catalog entry is not acceptable.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CatalogError {
    #[error("missing catalog field `{0}`")]
    MissingField(&'static str),
    #[error("invalid item code `{0}` (lower-case letters, digits and '-', 3 to 64 characters)")]
    BadCode(String),
    #[error("invalid version `{0}` (expected MAJOR.MINOR.PATCH)")]
    BadVersion(String),
    #[error("form schema is not valid JSON Schema: {0}")]
    BadSchema(String),
    /// A pattern the host's linear-time engine does not take (see `model::form_schema`).
    #[error("form schema: {0}")]
    BadPattern(String),
    #[error("workflow: {0}")]
    BadWorkflow(String),
    #[error("labels: {0}")]
    BadLabel(String),
    #[error("catalog field `{0}` is longer than {1} bytes")]
    TooLong(&'static str, usize),
}

/// Longest text a catalog field may hold; a longer one is a broken or hostile item.
const MAX_TEXT: usize = 16 * 1024;

impl ItemInfo {
    /// Checks what the host relies on: required fields, a compilable form schema and a workflow
    /// whose states are all reachable and whose actions name only declared states.
    pub fn check(&self) -> Result<(), CatalogError> {
        if !is_code(&self.code) {
            return Err(CatalogError::BadCode(self.code.clone()));
        }
        if parse_version(&self.version).is_none() {
            return Err(CatalogError::BadVersion(self.version.clone()));
        }
        for (field, value) in [
            ("name", &self.name),
            ("department", &self.department),
            ("summary", &self.summary),
            ("audience", &self.audience),
        ] {
            if value.trim().is_empty() {
                return Err(CatalogError::MissingField(field));
            }
            if value.len() > MAX_TEXT {
                return Err(CatalogError::TooLong(field, MAX_TEXT));
            }
        }
        if self.legal_basis.is_empty() {
            return Err(CatalogError::MissingField("legal_basis"));
        }
        if self.channels.is_empty() {
            return Err(CatalogError::MissingField("channels"));
        }
        let texts = self
            .legal_basis
            .iter()
            .chain(&self.channels)
            .chain(
                self.materials
                    .iter()
                    .flat_map(|m| [&m.name, &m.description]),
            )
            .chain(self.fees.iter().flat_map(|f| [&f.name, &f.basis]));
        if texts.into_iter().any(|t| t.len() > MAX_TEXT) {
            return Err(CatalogError::TooLong(
                "legal_basis/channels/materials/fees",
                MAX_TEXT,
            ));
        }
        if self.promised_days > self.statutory_days {
            return Err(CatalogError::BadWorkflow(format!(
                "promised time limit ({} days) exceeds the statutory one ({} days)",
                self.promised_days, self.statutory_days
            )));
        }
        if !self.form_schema.is_object() {
            return Err(CatalogError::BadSchema(
                "the schema must be a JSON object".into(),
            ));
        }
        form_schema::compile(&self.form_schema).map_err(|e| match e {
            SchemaError::Pattern(p) => CatalogError::BadPattern(p.to_string()),
            SchemaError::Invalid(why) => CatalogError::BadSchema(why),
        })?;
        self.labels.check()?;
        self.workflow.check()
    }
}

impl Workflow {
    pub fn state(&self, name: &str) -> Option<&State> {
        self.states.iter().find(|s| s.name == name)
    }

    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.name == name)
    }

    fn check(&self) -> Result<(), CatalogError> {
        let bad = |msg: String| Err(CatalogError::BadWorkflow(msg));
        if self.states.is_empty() {
            return bad("no states".into());
        }
        let mut names = HashSet::new();
        for state in &self.states {
            if !is_code(&state.name) {
                return bad(format!("invalid state name `{}`", state.name));
            }
            if !names.insert(state.name.as_str()) {
                return bad(format!("state `{}` declared twice", state.name));
            }
        }
        if !names.contains(self.initial.as_str()) {
            return bad(format!("initial state `{}` is not declared", self.initial));
        }
        let mut actions = HashSet::new();
        for action in &self.actions {
            if !is_code(&action.name) {
                return bad(format!("invalid action name `{}`", action.name));
            }
            if !actions.insert(action.name.as_str()) {
                return bad(format!("action `{}` declared twice", action.name));
            }
            if action.from.is_empty() || action.to.is_empty() || action.roles.is_empty() {
                return bad(format!("action `{}` needs from, to and roles", action.name));
            }
            if let Some(d) = action.departments.iter().find(|d| !is_code(d)) {
                return bad(format!(
                    "action `{}` names invalid department `{d}`",
                    action.name
                ));
            }
            for state in action.from.iter().chain(&action.to) {
                match self.state(state) {
                    None => {
                        return bad(format!(
                            "action `{}` names undeclared state `{state}`",
                            action.name
                        ));
                    }
                    Some(s) if s.terminal && action.from.contains(state) => {
                        return bad(format!(
                            "action `{}` leaves terminal state `{state}`",
                            action.name
                        ));
                    }
                    _ => {}
                }
            }
        }
        // Every state must be reachable from the initial one.
        let mut reached = BTreeSet::from([self.initial.as_str()]);
        let mut queue = VecDeque::from([self.initial.as_str()]);
        while let Some(state) = queue.pop_front() {
            for action in self
                .actions
                .iter()
                .filter(|a| a.from.iter().any(|f| f == state))
            {
                for to in &action.to {
                    if reached.insert(to.as_str()) {
                        queue.push_back(to.as_str());
                    }
                }
            }
        }
        if let Some(lost) = self
            .states
            .iter()
            .find(|s| !reached.contains(s.name.as_str()))
        {
            return bad(format!(
                "state `{}` cannot be reached from `{}`",
                lost.name, self.initial
            ));
        }
        Ok(())
    }
}

/// kebab-case identifiers: item codes, state and action names, department codes.
pub fn is_code(s: &str) -> bool {
    (2..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// `MAJOR.MINOR.PATCH` as a comparable triple.
pub fn parse_version(v: &str) -> Option<(u64, u64, u64)> {
    let mut parts = v.split('.').map(|p| p.parse::<u64>().ok());
    let version = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(name: &str, terminal: bool) -> State {
        State {
            name: name.into(),
            label: name.into(),
            terminal,
            sla_days: None,
            waits_on_applicant: false,
        }
    }

    fn action(name: &str, from: &[&str], to: &[&str]) -> Action {
        Action {
            name: name.into(),
            label: name.into(),
            from: from.iter().map(|s| s.to_string()).collect(),
            to: to.iter().map(|s| s.to_string()).collect(),
            roles: vec![Role::Reviewer],
            departments: vec![],
            comment_required: false,
        }
    }

    fn info(workflow: Workflow) -> ItemInfo {
        ItemInfo {
            code: "demo-item".into(),
            version: "1.0.0".into(),
            name: "示例".into(),
            department: "demo".into(),
            summary: "示例事项".into(),
            legal_basis: vec!["示例依据".into()],
            audience: "群众".into(),
            materials: vec![],
            statutory_days: 20,
            promised_days: 5,
            fees: vec![],
            channels: vec!["web".into()],
            form_schema: serde_json::json!({"type": "object"}),
            workflow,
            labels: Labels::default(),
        }
    }

    fn two_state_workflow() -> Workflow {
        Workflow {
            initial: "submitted".into(),
            states: vec![state("submitted", false), state("approved", true)],
            actions: vec![action("approve", &["submitted"], &["approved"])],
        }
    }

    #[test]
    fn a_sound_entry_passes() {
        assert_eq!(info(two_state_workflow()).check(), Ok(()));
    }

    #[test]
    fn labels_stand_for_their_codes_and_must_be_sound() {
        let mut entry = info(two_state_workflow());
        entry
            .labels
            .certificates
            .insert("inspection-mark".into(), "检验合格标志".into());
        assert_eq!(entry.check(), Ok(()));
        assert_eq!(entry.certificate_label("inspection-mark"), "检验合格标志");
        assert_eq!(entry.certificate_label("other-kind"), "other-kind");
        assert_eq!(entry.delivery_label("licence"), "licence");
        assert_eq!(entry.state_label("approved"), "approved");
        entry
            .labels
            .deliveries
            .insert("Bad Code".into(), "材料".into());
        assert!(matches!(entry.check(), Err(CatalogError::BadLabel(m)) if m.contains("Bad Code")));
        entry.labels.deliveries.clear();
        entry.labels.deliveries.insert("licence".into(), " ".into());
        assert!(matches!(entry.check(), Err(CatalogError::BadLabel(_))));
    }

    #[test]
    fn an_unreachable_state_is_refused() {
        let mut wf = two_state_workflow();
        wf.states.push(state("orphan", true));
        assert!(
            matches!(info(wf).check(), Err(CatalogError::BadWorkflow(m)) if m.contains("orphan"))
        );
    }

    #[test]
    fn an_action_to_an_undeclared_state_is_refused() {
        let mut wf = two_state_workflow();
        wf.actions
            .push(action("reject", &["submitted"], &["nowhere"]));
        assert!(
            matches!(info(wf).check(), Err(CatalogError::BadWorkflow(m)) if m.contains("nowhere"))
        );
    }

    #[test]
    fn an_invalid_schema_is_refused() {
        let mut entry = info(two_state_workflow());
        entry.form_schema = serde_json::json!({"type": "no-such-type"});
        assert!(matches!(entry.check(), Err(CatalogError::BadSchema(_))));
    }

    #[test]
    fn a_pattern_that_needs_backtracking_is_refused_by_name() {
        let mut entry = info(two_state_workflow());
        entry.form_schema = serde_json::json!({
            "type": "object",
            "properties": {"code": {"type": "string", "pattern": "^(?!0)\\d+$"}}
        });
        assert!(matches!(
            entry.check(),
            Err(CatalogError::BadPattern(m)) if m.contains("/properties/code/pattern") && m.contains("(?!0)")
        ));
    }

    #[test]
    fn staff_actions_belong_to_the_owner_unless_they_name_departments() {
        let own = action("approve", &["submitted"], &["approved"]);
        assert!(own.allows(Role::Reviewer, Some("owner"), "owner"));
        assert!(!own.allows(Role::Reviewer, Some("other"), "owner"));
        assert!(!own.allows(Role::Reviewer, None, "owner"));
        assert!(!own.allows(Role::Citizen, None, "owner"));
        let shared = Action {
            departments: vec!["tax".into()],
            ..own
        };
        assert!(shared.allows(Role::Reviewer, Some("tax"), "owner"));
        assert!(!shared.allows(Role::Reviewer, Some("owner"), "owner"));
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(parse_version("1.10.0") > parse_version("1.9.3"));
        assert_eq!(parse_version("1.0"), None);
        assert_eq!(parse_version("1.0.0.0"), None);
    }

    #[test]
    fn codes_are_kebab_case() {
        assert!(is_code("vehicle-inspection-exemption"));
        assert!(!is_code("Vehicle"));
        assert!(!is_code("-x"));
        assert!(!is_code("a"));
    }
}
