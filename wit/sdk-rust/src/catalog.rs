//! Constructors for the catalog records an item returns from `describe()`: workflow states and
//! actions, materials and fees, and the transition an action returns. They only fill in the WIT
//! records; the host checks the result.

use crate::{Action, Fee, Material, Role, State, Transition};

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
