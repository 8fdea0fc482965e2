//! 新车6年免检申领检验标志: the service item of the Dongguan vehicle office (东莞市公安局交通警察支队
//! 车辆管理所). A citizen applies online, EMS (邮政速递) collects the paper materials, a reviewer
//! approves, the item issues the electronic inspection mark and, when asked, has EMS mail the paper
//! one.
//!
//! The rules live in [`eligibility`] as pure functions, unit-tested on the build machine; the other
//! modules only gather facts through the host interfaces and turn outcomes into WIT values.

mod actions;
mod catalog;
mod eligibility;
mod facts;
mod form;
mod precheck;
mod submission;

use yiwang_sdk::{
    Accepted, Actor, CallContext, CaseInfo, Item, ItemError, ItemInfo, SubmitError, Transition,
};

struct VehicleInspectionExemption;

impl Item for VehicleInspectionExemption {
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
        let _ = input;
        actions::handle(ctx, case, action, comment)
    }

    fn query(ctx: &CallContext, actor: &Actor, input: &str) -> Result<String, ItemError> {
        precheck::query(ctx, actor, input)
    }
}

yiwang_sdk::register_item!(VehicleInspectionExemption);
