//! 社会保险个人缴费记录查询: the information service (查询) of the Dongguan social insurance bureau
//! (东莞市社会保障局). A logged-in citizen sees their own contribution record — month by month,
//! employer, contribution base and the status of each of the five insurances — read from the
//! shared `social-insurance` registry, with every read in their data-use ledger.
//!
//! There is nothing to apply for: `submit` refuses every form and the workflow has no actions.
//! Who may see what is decided in [`access`] and the statement is computed in [`statement`], both
//! pure and unit-tested on the build machine; [`query`] only reads the registry in between.

mod access;
mod catalog;
mod input;
mod query;
mod record;
mod statement;

use yiwang_sdk::{
    Accepted, Actor, CallContext, CaseInfo, Item, ItemError, ItemInfo, SubmitError, Transition,
};

struct SocialInsuranceQuery;

impl Item for SocialInsuranceQuery {
    type Form = serde_json::Value;

    fn info() -> ItemInfo {
        catalog::info()
    }

    fn submit(
        ctx: &CallContext,
        applicant: &Actor,
        form: Self::Form,
    ) -> Result<Accepted, SubmitError> {
        let _ = (ctx, applicant, form);
        Err(vec![catalog::query_only()].into())
    }

    fn on_action(
        ctx: &CallContext,
        _actor: &Actor,
        case: &CaseInfo,
        action: &str,
        comment: Option<&str>,
        input: &str,
    ) -> Result<Transition, ItemError> {
        let _ = (ctx, case, comment, input);
        Err(ItemError::refused(format!(
            "本事项为查询服务，没有“{action}”这项办件操作。"
        )))
    }

    fn query(_ctx: &CallContext, actor: &Actor, input: &str) -> Result<String, ItemError> {
        query::query(actor, input)
    }
}

yiwang_sdk::register_item!(SocialInsuranceQuery);
