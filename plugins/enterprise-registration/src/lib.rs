//! 企业登记一网通: one-stop enterprise registration, the service item of the Dongguan market
//! regulation bureau (东莞市市场监督管理局) — “一站受理、信息互认、无纸办理、无须领证”. One online
//! application; market regulation reviews it and issues the electronic business licence; then,
//! without the applicant submitting anything again, tax, social insurance and human resources
//! (and, for importers and exporters, customs and inspection/quarantine) each work their own part
//! of the case, reading the licence from the licence library. The case completes when every
//! required part is done.
//!
//! The rules, the parts bookkeeping, the licence data and the unified social credit code live in
//! [`eligibility`], [`parts`], [`license`] and [`uscc`] as pure functions, unit-tested on the build
//! machine; [`submission`] and [`actions`] only call the host and turn outcomes into WIT values.

mod actions;
mod catalog;
mod eligibility;
mod form;
mod license;
mod parts;
mod submission;
mod uscc;

use yiwang_sdk::{
    Accepted, Actor, CallContext, CaseInfo, Item, ItemError, ItemInfo, SubmitError, Transition,
};

struct EnterpriseRegistration;

impl Item for EnterpriseRegistration {
    type Form = form::Form;

    fn info() -> ItemInfo {
        catalog::info()
    }

    fn submit(
        ctx: &CallContext,
        applicant: &Actor,
        form: Self::Form,
    ) -> Result<Accepted, SubmitError> {
        submission::submit(ctx, applicant, form)
    }

    fn on_action(
        ctx: &CallContext,
        _actor: &Actor,
        case: &CaseInfo,
        action: &str,
        comment: Option<&str>,
        input: &str,
    ) -> Result<Transition, ItemError> {
        actions::handle(ctx, case, action, comment, input)
    }

    fn query(_ctx: &CallContext, _actor: &Actor, _input: &str) -> Result<String, ItemError> {
        Err(ItemError::refused(
            "本事项没有查询服务，办理进度请在申请详情中查看。",
        ))
    }
}

yiwang_sdk::register_item!(EnterpriseRegistration);
