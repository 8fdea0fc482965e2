//! 预约咨询, the smallest useful item: a form, the SDK's default workflow, a notification.
use yiwang_sdk::{Accepted, Actor, CallContext, Item, ItemInfo, SubmitError, notify_applicant};

#[derive(serde::Deserialize)]
pub struct Form {
    topic: String,
}
pub struct Hello;

impl Item for Hello {
    type Form = Form;
    fn info() -> ItemInfo {
        yiwang_sdk::item_info!("hello-item", "预约咨询", "demo-department")
            .legal_basis("《国务院关于加快推进“互联网+政务服务”工作的指导意见》")
            .form_schema(include_str!("form.json"))
    }
    fn submit(_: &CallContext, _: &Actor, form: Form) -> Result<Accepted, SubmitError> {
        notify_applicant("已受理", &format!("您咨询的“{}”已受理。", form.topic))?;
        Ok(Accepted::empty())
    }
}
yiwang_sdk::register_item!(Hello);

#[cfg(test)]
mod tests;
