//! {{name}}: a form, the SDK's default workflow, one registry read and a notification.
use yiwang_sdk::registry::lookup;
use yiwang_sdk::{
    Accepted, Actor, CallContext, FieldError, Item, ItemError, ItemInfo, SubmitError,
    notify_applicant,
};

#[derive(serde::Deserialize)]
pub struct Form {
    topic: String,
    phone: String,
}

/// What the household registry (户籍登记) says of the applicant; only what this item uses.
#[derive(serde::Deserialize)]
struct Household {
    address: String,
}

pub struct ThisItem;

impl Item for ThisItem {
    type Form = Form;

    fn info() -> ItemInfo {
        yiwang_sdk::item_info!("{{code}}", "{{name}}", "{{department}}")
            .legal_basis("《示例办法》（请改为本事项的设定依据）")
            .form_schema(include_str!("form.json"))
    }

    fn submit(_: &CallContext, applicant: &Actor, form: Form) -> Result<Accepted, SubmitError> {
        let Some(id_number) = applicant.id_number.as_deref() else {
            return Err(ItemError::refused("请先完成实名认证").into());
        };
        let household: Household = lookup("household-registry", id_number, "核对户籍地址")?
            .ok_or_else(|| FieldError::new("", "no-household", "未在户籍登记中找到申请人"))?;
        let derived = serde_json::json!({ "address": household.address, "phone": form.phone });
        notify_applicant("已受理", &format!("您咨询的“{}”已受理。", form.topic))?;
        Ok(Accepted {
            derived: derived.to_string(),
            then: None,
        })
    }
}
yiwang_sdk::register_item!(ThisItem);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_would_take_the_catalog_entry() {
        yiwang_sdk::testing::assert_catalog_sound(&ThisItem::info());
    }
}
