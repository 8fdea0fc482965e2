//! The [`Item`] trait: what a service item implements, each method with a default so that an
//! item writes only what it uses, and [`register_item!`](crate::register_item) to export it.
//!
//! The host calls each function on a fresh instance; the adapter functions here turn the raw
//! contract calls into the trait's typed ones (the form parsed into [`Item::Form`], arguments
//! borrowed) and back.

use serde::de::DeserializeOwned;

use crate::form::parse_form;
use crate::{
    Accepted, Actor, CallContext, CaseInfo, Decision, HostError, ItemError, ItemInfo, SubmitError,
    Transition, notify,
};

/// A service item. Implement [`info`](Item::info) and whichever of the rest the item needs, then
/// `yiwang_sdk::register_item!(MyItem);`.
pub trait Item {
    /// The application form, parsed from the JSON the host already checked against the form
    /// schema. `serde_json::Value` takes any form.
    type Form: DeserializeOwned;

    /// The catalog entry, form schema and workflow (`describe`). Build it with
    /// [`ItemInfo::builder`].
    fn info() -> ItemInfo;

    /// A new application: check it further (registries, eligibility) and derive what the case
    /// keeps. By default every application is accepted as it is.
    fn submit(
        ctx: &CallContext,
        applicant: &Actor,
        form: Self::Form,
    ) -> Result<Accepted, SubmitError> {
        let _ = (ctx, applicant, form);
        Ok(Accepted::empty())
    }

    /// An action on a case, already checked against the workflow by the host. By default the
    /// case moves to the action's only target state; an action with several targets must be
    /// decided here.
    fn on_action(
        ctx: &CallContext,
        actor: &Actor,
        case: &CaseInfo,
        action: &str,
        comment: Option<&str>,
        input: &str,
    ) -> Result<Transition, ItemError> {
        let _ = (ctx, actor, case, comment, input);
        let info = Self::info();
        let declared = info.workflow.actions.iter().find(|a| a.name == action);
        match declared.map(|a| a.to.as_slice()) {
            Some([to]) => Ok(Transition {
                to: to.clone(),
                derived: None,
                note: None,
            }),
            _ => Err(ItemError::refused(format!(
                "{action}: more than one next state; the item must choose in on_action"
            ))),
        }
    }

    /// An information service (查询). By default the item offers none.
    fn query(ctx: &CallContext, actor: &Actor, input: &str) -> Result<String, ItemError> {
        let _ = (ctx, actor, input);
        Err(ItemError::refused("本事项不提供查询服务"))
    }

    /// A staff-run operation over the item's cases in `state` (the school placement). By
    /// default the item has none.
    fn batch(
        ctx: &CallContext,
        actor: &Actor,
        state: &str,
        cases: &[CaseInfo],
        input: &str,
    ) -> Result<Vec<Decision>, ItemError> {
        let _ = (ctx, actor, state, cases, input);
        Err(ItemError::refused("本事项没有批量办理"))
    }
}

impl Accepted {
    /// Accepted with no derived data and no automatic first step.
    pub fn empty() -> Self {
        Self {
            derived: "{}".to_owned(),
            then: None,
        }
    }
}

/// Queue a message to the applicant of the current case (`notify.send`); a refusal (the item
/// was not granted `notify`) is the item's failure, naming the call.
pub fn notify_applicant(subject: &str, body: &str) -> Result<(), ItemError> {
    notify::send(subject, body).map_err(|error: HostError| ItemError::host("notify.send", error))
}

/// The raw contract calls, for [`register_item!`](crate::register_item); not for items.
#[doc(hidden)]
pub mod adapter {
    use super::*;

    pub fn describe<I: Item>() -> ItemInfo {
        I::info()
    }

    pub fn submit<I: Item>(
        ctx: CallContext,
        applicant: Actor,
        form: String,
    ) -> Result<Accepted, SubmitError> {
        let form = parse_form::<I::Form>(&form).map_err(SubmitError::Fields)?;
        I::submit(&ctx, &applicant, form)
    }

    pub fn on_action<I: Item>(
        ctx: CallContext,
        actor: Actor,
        case: CaseInfo,
        action: String,
        comment: Option<String>,
        input: String,
    ) -> Result<Transition, ItemError> {
        I::on_action(&ctx, &actor, &case, &action, comment.as_deref(), &input)
    }

    pub fn query<I: Item>(
        ctx: CallContext,
        actor: Actor,
        input: String,
    ) -> Result<String, ItemError> {
        I::query(&ctx, &actor, &input)
    }

    pub fn batch<I: Item>(
        ctx: CallContext,
        actor: Actor,
        state: String,
        cases: Vec<CaseInfo>,
        input: String,
    ) -> Result<Vec<Decision>, ItemError> {
        I::batch(&ctx, &actor, &state, &cases, &input)
    }
}

/// Exports an [`Item`] as the component's `yiwang:service/item@0.2.0`. Once per item crate.
#[macro_export]
macro_rules! register_item {
    ($item:ty) => {
        #[doc(hidden)]
        pub struct __YiwangRegisteredItem;

        impl $crate::Guest for __YiwangRegisteredItem {
            fn describe() -> $crate::ItemInfo {
                $crate::item::adapter::describe::<$item>()
            }

            fn submit(
                ctx: $crate::CallContext,
                applicant: $crate::Actor,
                form: ::std::string::String,
            ) -> ::std::result::Result<$crate::Accepted, $crate::SubmitError> {
                $crate::item::adapter::submit::<$item>(ctx, applicant, form)
            }

            fn on_action(
                ctx: $crate::CallContext,
                actor: $crate::Actor,
                case: $crate::CaseInfo,
                action: ::std::string::String,
                comment: ::std::option::Option<::std::string::String>,
                input: ::std::string::String,
            ) -> ::std::result::Result<$crate::Transition, $crate::ItemError> {
                $crate::item::adapter::on_action::<$item>(ctx, actor, case, action, comment, input)
            }

            fn query(
                ctx: $crate::CallContext,
                actor: $crate::Actor,
                input: ::std::string::String,
            ) -> ::std::result::Result<::std::string::String, $crate::ItemError> {
                $crate::item::adapter::query::<$item>(ctx, actor, input)
            }

            fn batch(
                ctx: $crate::CallContext,
                actor: $crate::Actor,
                state: ::std::string::String,
                cases: ::std::vec::Vec<$crate::CaseInfo>,
                input: ::std::string::String,
            ) -> ::std::result::Result<::std::vec::Vec<$crate::Decision>, $crate::ItemError> {
                $crate::item::adapter::batch::<$item>(ctx, actor, state, cases, input)
            }
        }

        $crate::export!(__YiwangRegisteredItem with_types_in $crate);
    };
}
