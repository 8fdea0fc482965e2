//! `yiwang:service@0.1.0`, world `service-item`: its one `bindgen!`, the conversions between its
//! generated types and the model ([`convert`]), its host interfaces' `Host` impls over the
//! capabilities ([`host`]), and its exports called in the model's terms (a batch through
//! `query`, as 0.1.0 items expect). Released: the WIT text never changes, and neither does what
//! this module offers an item; a new contract version gets a module of its own beside it.

wasmtime::component::bindgen!({
    world: "service-item",
    path: "../wit/v0.1.0",
    // Host imports read through `HostData` (storage), so they are async; they may trap when a
    // call exceeds its host-call budget or the host's own data fails.
    imports: { default: async | trappable },
    exports: { default: async },
});

pub use yiwang::service::certificates::Certificate as WitCertificate;
pub use yiwang::service::delivery::Address as WitAddress;
pub use yiwang::service::log::Level as WitLevel;
pub use yiwang::service::types::{
    Accepted as WitAccepted, Actor as WitActor, CallContext as WitCallContext,
    CaseInfo as WitCaseInfo, FieldError as WitFieldError, HostError as WitHostError,
    ItemError as WitItemError, ItemInfo as WitItemInfo, Role as WitRole,
    Transition as WitTransition,
};

mod convert;
mod host;

pub(crate) use host::add_to_linker;

use serde::Deserialize;
use serde_json::{Value, json};
use wasmtime::Store;

use super::Described;
use crate::model::actor::Actor;
use crate::model::contract::{
    Accepted, CallContext, CaseView, Decision, ItemError, SubmitError, Transition,
};
use crate::runtime::store::StoreState;

crate::runtime::wit::shared::export_calls!();

/// 0.1.0 has no `batch` export: a batch went through `query` as
/// `{"batch": {"state", "cases": [{"number", "form", "derived"}…], "input"}}`, answered with
/// `{"decisions": [{"number", "action"[, "input"][, "comment"]}…]}`. Output of another shape is
/// the item's failure.
pub(super) async fn batch(
    item: &ServiceItem,
    store: &mut Store<StoreState>,
    ctx: &CallContext,
    actor: &Actor,
    state: &str,
    cases: &[CaseView],
    input: &str,
) -> wasmtime::Result<Result<Vec<Decision>, ItemError>> {
    let json_of = |text: &str| serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
    let cases: Vec<Value> = cases
        .iter()
        .map(|c| json!({"number": c.number, "form": json_of(&c.form), "derived": json_of(&c.derived)}))
        .collect();
    let call = json!({"batch": {"state": state, "cases": cases, "input": json_of(input)}});
    let output = query(item, store, ctx, actor, &call.to_string()).await?;
    Ok(output.and_then(|output| decisions(&output)))
}

fn decisions(output: &str) -> Result<Vec<Decision>, ItemError> {
    #[derive(Deserialize)]
    struct Output {
        decisions: Vec<OldDecision>,
    }
    #[derive(Deserialize)]
    struct OldDecision {
        number: String,
        action: String,
        #[serde(default)]
        input: Option<Value>,
        #[serde(default)]
        comment: Option<String>,
    }
    let Output { decisions } = serde_json::from_str(output).map_err(|e| {
        ItemError::Failed(format!(
            "batch: output is not {{\"decisions\": [...]}}: {e}"
        ))
    })?;
    Ok(decisions
        .into_iter()
        .map(|d| Decision {
            case_number: d.number,
            action: d.action,
            comment: d.comment,
            input: d.input.unwrap_or_else(|| json!({})).to_string(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_answered_through_query_becomes_decisions() {
        let got = decisions(
            r#"{"decisions":[{"number":"A1","action":"place","input":{"school":"s1"}},{"number":"A2","action":"reject","comment":"no"}]}"#,
        )
        .unwrap();
        assert_eq!(got[0].input, r#"{"school":"s1"}"#);
        assert_eq!(
            (got[1].input.as_str(), got[1].comment.as_deref()),
            ("{}", Some("no"))
        );
        assert!(
            matches!(decisions(r#"{"placed":[]}"#), Err(ItemError::Failed(m)) if m.starts_with("batch: output"))
        );
    }
}
