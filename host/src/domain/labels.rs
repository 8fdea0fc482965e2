//! What people see for the platform's own codes: a case's first event, the kinds and statuses
//! of deliveries, the channels an item is offered through and the shared datasets whose reads
//! the data-use ledger shows. An item's own codes (states, actions, certificate kinds, delivery
//! contents) are labelled by its catalog entry (`ItemInfo::*_label`); these are the host's.
//! An unknown code is shown as it is, which the citizen-page test would catch.

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

/// What people call a channel (`web` → 网上办事大厅).
pub fn channel(channel: &str) -> &str {
    match channel {
        "web" => "网上办事大厅",
        "mobile" => "手机",
        "wechat" => "微信城市服务",
        "alipay" => "支付宝城市服务",
        "counter" => "窗口",
        "department" => "部门代办",
        other => other,
    }
}

/// What people call a shared dataset (`vehicle-registry` → 机动车登记信息), as the data-use
/// ledger shows it to the person the record is about.
pub fn dataset(dataset: &str) -> &str {
    match dataset {
        "vehicle-registry" => "机动车登记信息",
        "vehicle-insurance" => "机动车交强险信息",
        "traffic-violations" => "交通违法和事故记录",
        "social-insurance" => "社会保险参保信息",
        "residence-permits" => "居住证信息",
        "tax-records" => "纳税记录",
        "property-records" => "不动产登记信息",
        "household-registry" => "户籍信息",
        "enterprise-registry" => "企业登记信息",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> ItemInfo {
        serde_json::from_value(serde_json::json!({
            "code": "demo-item", "version": "1.0.0", "name": "示例", "department": "demo",
            "summary": "示例", "legal_basis": ["依据"], "audience": "群众", "materials": [],
            "statutory_days": 5, "promised_days": 5, "fees": [], "channels": ["web"],
            "form_schema": {"type": "object"},
            "workflow": {"initial": "a", "states": [], "actions": [{
                "name": "picked-up", "label": "已揽收", "from": [], "to": [], "roles": [],
                "departments": [], "comment_required": false
            }]}
        }))
        .expect("a catalog entry")
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
        assert_eq!(channel("wechat"), "微信城市服务");
        assert_eq!(dataset("vehicle-registry"), "机动车登记信息");
        assert_eq!(dataset("unknown-set"), "unknown-set");
    }
}
