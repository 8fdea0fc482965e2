//! Constructors for the catalog records an item returns from `describe()`: the entry itself
//! ([`ItemInfo::builder`], with defaults), workflow states and actions, materials and fees,
//! labels, and the transition an action returns. They only fill in the WIT records; the host
//! checks the result, and `testing::assert_catalog_sound` runs the host's checks in a unit test.

use crate::{
    Action, Decision, Fee, ItemInfo, Label, Labels, Material, Role, State, Transition, Workflow,
};

/// The state a case starts in under the default workflow.
pub const SUBMITTED: &str = "submitted";
/// The default workflow's end state for an approved case.
pub const COMPLETED: &str = "completed";
/// The default workflow's end state for a refused case.
pub const REJECTED: &str = "rejected";

impl ItemInfo {
    /// A catalog entry with defaults, to be refined by the methods below: the summary is the
    /// name, the audience 群众和企业, channels web and mobile, 20 statutory and 10 promised
    /// working days, free, no materials, any JSON object as the form, and the workflow of a
    /// simple application (submitted → `approve` → completed, or `reject` with a reason →
    /// rejected, both by the department's reviewers). Legal basis has no default: the catalog
    /// check refuses an entry without one.
    pub fn builder(code: &str, version: &str, name: &str, department: &str) -> Self {
        Self {
            code: code.to_owned(),
            version: version.to_owned(),
            name: name.to_owned(),
            department: department.to_owned(),
            summary: name.to_owned(),
            legal_basis: Vec::new(),
            audience: "群众和企业".to_owned(),
            materials: Vec::new(),
            statutory_days: 20,
            promised_days: 10,
            fees: Vec::new(),
            channels: owned(&["web", "mobile"]),
            form_schema: r#"{"type":"object"}"#.to_owned(),
            workflow: Workflow {
                initial: SUBMITTED.to_owned(),
                states: vec![
                    State::working(SUBMITTED, "待审核", None),
                    State::terminal(COMPLETED, "已办结"),
                    State::terminal(REJECTED, "不予办理"),
                ],
                actions: vec![
                    Action::new(
                        "approve",
                        "办结",
                        &[SUBMITTED],
                        &[COMPLETED],
                        &[Role::Reviewer],
                    ),
                    Action::new(
                        "reject",
                        "不予办理",
                        &[SUBMITTED],
                        &[REJECTED],
                        &[Role::Reviewer],
                    )
                    .comment_required(),
                ],
            },
            labels: Labels {
                certificates: Vec::new(),
                deliveries: Vec::new(),
            },
        }
    }

    #[must_use]
    pub fn summary(mut self, summary: &str) -> Self {
        self.summary = summary.to_owned();
        self
    }

    /// Adds a law or rule the service rests on (设定依据).
    #[must_use]
    pub fn legal_basis(mut self, basis: &str) -> Self {
        self.legal_basis.push(basis.to_owned());
        self
    }

    #[must_use]
    pub fn audience(mut self, audience: &str) -> Self {
        self.audience = audience.to_owned();
        self
    }

    #[must_use]
    pub fn material(mut self, material: Material) -> Self {
        self.materials.push(material);
        self
    }

    #[must_use]
    pub fn fee(mut self, fee: Fee) -> Self {
        self.fees.push(fee);
        self
    }

    #[must_use]
    pub fn channels(mut self, channels: &[&str]) -> Self {
        self.channels = owned(channels);
        self
    }

    /// The statutory (法定) and promised (承诺) time limits in working days.
    #[must_use]
    pub fn days(mut self, statutory: u32, promised: u32) -> Self {
        self.statutory_days = statutory;
        self.promised_days = promised;
        self
    }

    /// The application form as a JSON Schema document.
    #[must_use]
    pub fn form_schema(mut self, schema: &str) -> Self {
        self.form_schema = schema.to_owned();
        self
    }

    #[must_use]
    pub fn workflow(mut self, workflow: Workflow) -> Self {
        self.workflow = workflow;
        self
    }

    /// What people see for certificate kind `code`.
    #[must_use]
    pub fn certificate_label(mut self, code: &str, text: &str) -> Self {
        self.labels.certificates.push(Label::new(code, text));
        self
    }

    /// What people see for delivery content `code`.
    #[must_use]
    pub fn delivery_label(mut self, code: &str, text: &str) -> Self {
        self.labels.deliveries.push(Label::new(code, text));
        self
    }
}

/// [`ItemInfo::builder`] with the version of the crate it is written in (`CARGO_PKG_VERSION`),
/// so that the version in `Cargo.toml` is the one the host sees:
/// `yiwang_sdk::item_info!("hello-item", "预约咨询", "demo-department")`.
#[macro_export]
macro_rules! item_info {
    ($code:expr, $name:expr, $department:expr $(,)?) => {
        $crate::ItemInfo::builder($code, env!("CARGO_PKG_VERSION"), $name, $department)
    };
}

impl Label {
    pub fn new(code: &str, text: &str) -> Self {
        Self {
            code: code.to_owned(),
            text: text.to_owned(),
        }
    }
}

impl Decision {
    /// Take `action` on case `case_number`, with the action's JSON input.
    pub fn new(case_number: &str, action: &str, input: &serde_json::Value) -> Self {
        Self {
            case_number: case_number.to_owned(),
            action: action.to_owned(),
            comment: None,
            input: input.to_string(),
        }
    }
}

impl State {
    /// A state in which staff (or a courier) work the case, overdue after `sla_days` working days
    /// when given.
    pub fn working(name: &str, label: &str, sla_days: Option<u32>) -> Self {
        Self {
            name: name.to_owned(),
            label: label.to_owned(),
            terminal: false,
            sla_days,
            waits_on_applicant: false,
        }
    }

    /// A state in which the case waits on the applicant (补正材料): the service clock pauses.
    pub fn waiting_on_applicant(name: &str, label: &str) -> Self {
        Self {
            waits_on_applicant: true,
            ..Self::working(name, label, None)
        }
    }

    /// A final state (办结, 不予办理): no action leaves it.
    pub fn terminal(name: &str, label: &str) -> Self {
        Self {
            terminal: true,
            ..Self::working(name, label, None)
        }
    }
}

impl Action {
    /// An action taken by one of `roles` from one of the states `from`, leading to one of `to`.
    pub fn new(name: &str, label: &str, from: &[&str], to: &[&str], roles: &[Role]) -> Self {
        Self {
            name: name.to_owned(),
            label: label.to_owned(),
            from: owned(from),
            to: owned(to),
            roles: roles.to_vec(),
            departments: Vec::new(),
            comment_required: false,
        }
    }

    /// Staff of these departments (codes) take the action instead of the item's own department:
    /// parallel review (并联审批), where each department works its own part.
    #[must_use]
    pub fn by_departments(mut self, departments: &[&str]) -> Self {
        self.departments = owned(departments);
        self
    }

    /// The actor must give a comment, e.g. the reason for a rejection.
    #[must_use]
    pub fn comment_required(mut self) -> Self {
        self.comment_required = true;
        self
    }
}

impl Transition {
    /// Move the case to `to`, with a note for the applicant's timeline; derived data unchanged.
    pub fn to(to: &str, note: &str) -> Self {
        Self {
            to: to.to_owned(),
            derived: None,
            note: Some(note.to_owned()),
        }
    }
}

impl Material {
    /// A material the applicant must provide.
    pub fn required(name: &str, description: &str) -> Self {
        Self {
            name: name.to_owned(),
            description: description.to_owned(),
            required: true,
        }
    }

    /// A material the applicant provides only in some cases.
    pub fn optional(name: &str, description: &str) -> Self {
        Self {
            required: false,
            ..Self::required(name, description)
        }
    }
}

impl Fee {
    /// A fee of `amount_fen` fen (分), charged on the given basis (收费依据).
    pub fn new(name: &str, amount_fen: u64, basis: &str) -> Self {
        Self {
            name: name.to_owned(),
            amount_fen,
            basis: basis.to_owned(),
        }
    }
}

/// `&["web", "mobile"]` as owned strings, for the list fields of the catalog records.
pub fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|&item| item.to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_differ_only_in_their_flags() {
        let waiting = State::waiting_on_applicant("materials-requested", "待补正");
        assert!(waiting.waits_on_applicant && !waiting.terminal && waiting.sla_days.is_none());
        let done = State::terminal("completed", "已办结");
        assert!(done.terminal && !done.waits_on_applicant);
        assert_eq!(
            State::working("under-review", "审核中", Some(5)).sla_days,
            Some(5)
        );
    }

    #[test]
    fn the_builder_starts_from_a_simple_application() {
        let info = ItemInfo::builder("demo-item", "1.0.0", "示例", "demo")
            .legal_basis("《示例办法》")
            .days(15, 5)
            .certificate_label("demo-licence", "示例证");
        assert_eq!(info.summary, "示例");
        assert_eq!((info.statutory_days, info.promised_days), (15, 5));
        assert_eq!(info.workflow.initial, SUBMITTED);
        assert_eq!(
            info.labels.certificates,
            vec![Label::new("demo-licence", "示例证")]
        );
        assert!(info.workflow.actions[1].comment_required);
    }

    #[test]
    fn an_action_needs_a_comment_only_when_asked() {
        let reject = Action::new(
            "reject",
            "不予办理",
            &["under-review"],
            &["rejected"],
            &[Role::Reviewer],
        );
        assert!(!reject.comment_required);
        assert!(reject.comment_required().comment_required);
    }
}
