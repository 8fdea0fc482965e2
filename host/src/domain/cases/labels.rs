//! What people see for the codes the platform itself writes into a case: its own first event,
//! the kinds and statuses of deliveries. An item's own codes (states, actions, certificate
//! kinds, delivery contents) are labelled by the item's catalog entry; these are the host's.

use crate::model::catalog::ItemInfo;

/// The label of event `action` of a case of `info`: the host's own `submit`, or the item's
/// declared action, or the code when neither knows it.
pub fn action<'a>(info: &'a ItemInfo, action: &'a str) -> &'a str {
    match action {
        "submit" => "提交申请",
        other => info.action_label(other),
    }
}

/// `pickup` or `shipment`.
pub fn delivery_kind(kind: &str) -> &str {
    match kind {
        "pickup" => "上门揽收",
        "shipment" => "寄递送达",
        other => other,
    }
}

/// `requested` until the courier reports; then the courier's event, labelled as the item's
/// action of that name is.
pub fn delivery_status<'a>(info: &'a ItemInfo, status: &'a str) -> &'a str {
    match status {
        "requested" => "已下单，待揽收",
        other => info.action_label(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog::{Action, Labels, State, Workflow};

    fn info() -> ItemInfo {
        ItemInfo {
            code: "demo-item".into(),
            version: "1.0.0".into(),
            name: "示例".into(),
            department: "demo".into(),
            summary: "示例".into(),
            legal_basis: vec!["依据".into()],
            audience: "群众".into(),
            materials: vec![],
            statutory_days: 5,
            promised_days: 5,
            fees: vec![],
            channels: vec!["web".into()],
            form_schema: serde_json::json!({"type": "object"}),
            workflow: Workflow {
                initial: "a".into(),
                states: vec![State {
                    name: "a".into(),
                    label: "甲".into(),
                    terminal: true,
                    sla_days: None,
                    waits_on_applicant: false,
                }],
                actions: vec![Action {
                    name: "picked-up".into(),
                    label: "已揽收".into(),
                    from: vec![],
                    to: vec![],
                    roles: vec![],
                    departments: vec![],
                    comment_required: false,
                }],
            },
            labels: Labels::default(),
        }
    }

    #[test]
    fn the_hosts_codes_and_the_items_have_labels() {
        let info = info();
        assert_eq!(action(&info, "submit"), "提交申请");
        assert_eq!(action(&info, "picked-up"), "已揽收");
        assert_eq!(action(&info, "unknown"), "unknown");
        assert_eq!(delivery_kind("pickup"), "上门揽收");
        assert_eq!(delivery_status(&info, "requested"), "已下单，待揽收");
        assert_eq!(delivery_status(&info, "picked-up"), "已揽收");
    }
}
