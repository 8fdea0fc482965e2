//! 积分入学: points-based enrollment in Dongguan's public schools for the children of non-local
//! workers, the service item of the Dongguan education bureau (东莞市教育局). One online form
//! (the child, the stage, the scoring parent); the points come from four registries and are
//! reviewed in parallel by public security (residence permit), social insurance, tax and housing,
//! each confirming or correcting only its part; the applicant sees the breakdown, may appeal once
//! and chooses up to three schools; the education bureau places everyone in one batch decision.
//!
//! The points table, the facts read from the registries, the parts bookkeeping, the schools and
//! the placement are pure, in [`points`], [`registry`], [`parts`], [`schools`] and [`placement`],
//! unit-tested on the build machine; [`submission`], [`actions`] and [`query`] call the host.

mod actions;
mod catalog;
mod parts;
mod placement;
mod points;
mod query;
mod registry;
mod schools;
mod submission;

use yiwang_sdk::{
    Accepted, Actor, CallContext, CaseInfo, Decision, Item, ItemError, ItemInfo, SubmitError,
    Transition,
};

struct SchoolPointsEnrollment;

impl Item for SchoolPointsEnrollment {
    type Form = submission::Form;

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

    fn query(_ctx: &CallContext, _actor: &Actor, input: &str) -> Result<String, ItemError> {
        query::answer(input)
    }

    fn batch(
        _ctx: &CallContext,
        actor: &Actor,
        state: &str,
        cases: &[CaseInfo],
        input: &str,
    ) -> Result<Vec<Decision>, ItemError> {
        let _ = input;
        if state == catalog::state::UNDER_REVIEW {
            query::confirm_parts(actor, cases)
        } else {
            query::place(actor, state, cases)
        }
    }
}

yiwang_sdk::register_item!(SchoolPointsEnrollment);
