//! One guest call: a fresh store under the item's limits, the call itself, and the translation
//! of whatever stopped it (a limit, a trap, a host failure) into a [`CallError`] that names the
//! item, version, function and limit. Also logs and counts every call.
//! Knows the limits and the generic shape of a call, not what any export means.

use std::fmt;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use tokio::sync::Semaphore;
use wasmtime::{Engine, Store, UpdateDeadline};

use super::engine::cpu_ticks;
use super::store::StoreState;
use super::wit::{Item, ItemPre};
use crate::capabilities::{Capabilities, Trap};
use crate::model::contract::{Accepted, Decision, FieldError, ItemError, SubmitError, Transition};
use crate::model::effects::Effects;
use crate::model::grants::Limits;

/// The item export a call goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Function {
    Describe,
    Submit,
    OnAction,
    Query,
    Batch,
}

impl Function {
    /// The WIT name, used in messages, logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Function::Describe => "describe",
            Function::Submit => "submit",
            Function::OnAction => "on-action",
            Function::Query => "query",
            Function::Batch => "batch",
        }
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a call returned, with what it did through the host interfaces. The effects are there
/// even when the call failed: registry reads and denials are persisted regardless.
#[derive(Debug)]
pub struct CallOutcome<T> {
    pub result: Result<T, CallError>,
    pub effects: Effects,
    /// Instructions (wasmtime fuel) the call ran, on a runtime with `Metering::Fuel`, when it
    /// returned (a call stopped by a limit has no exact count).
    pub fuel: Option<u64>,
}

/// Why a call did not return. `item` is `code@version` (or `component <sha256 prefix>` while a
/// version is being loaded); messages are for logs and staff, never carry the host's internals.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("{item}: {function} exceeded its time limit of {limit_ms} ms")]
    Timeout {
        item: String,
        function: Function,
        limit_ms: u64,
    },
    #[error("{item}: {function} exceeded its CPU limit of {limit_ms} ms")]
    CpuLimit {
        item: String,
        function: Function,
        limit_ms: u64,
    },
    #[error("{item}: {function} exceeded its memory limit of {limit_mib} MiB")]
    MemoryLimit {
        item: String,
        function: Function,
        limit_mib: u64,
    },
    #[error(
        "{item}: {function} returned {size} bytes, more than its output limit of {limit} bytes"
    )]
    OutputTooLarge {
        item: String,
        function: Function,
        size: u64,
        limit: u64,
    },
    #[error("{item}: {function} made more than its limit of {limit} host calls")]
    HostCallLimit {
        item: String,
        function: Function,
        limit: u32,
    },
    #[error("{item}: {function} exhausted its call stack (unbounded recursion)")]
    StackOverflow { item: String, function: Function },
    #[error("{item}: {function} trapped: {message}")]
    Trap {
        item: String,
        function: Function,
        message: String,
    },
    #[error("{item}: {function} is busy: no free call slot within {waited_ms} ms")]
    Busy {
        item: String,
        function: Function,
        waited_ms: u64,
    },
    #[error("{item}: {function} failed: the host could not serve one of its host calls")]
    HostFailure { item: String, function: Function },
}

impl CallError {
    pub fn code(&self) -> &'static str {
        match self {
            CallError::Timeout { .. } => "timeout",
            CallError::CpuLimit { .. } => "cpu_limit",
            CallError::MemoryLimit { .. } => "memory_limit",
            CallError::OutputTooLarge { .. } => "output_too_large",
            CallError::HostCallLimit { .. } => "host_call_limit",
            CallError::StackOverflow { .. } => "stack_overflow",
            CallError::Trap { .. } => "trap",
            CallError::Busy { .. } => "busy",
            CallError::HostFailure { .. } => "host_failure",
        }
    }
}

/// The guest ran longer than its CPU limit. Raised from the epoch callback as a trap.
#[derive(Debug, thiserror::Error)]
#[error("CPU limit exceeded")]
struct CpuLimitExceeded;

/// What a call returns, as far as the runtime cares: its size and whether the item refused.
pub(crate) trait Returned: Send {
    /// Bytes of text the item handed back (derived data, notes, field errors, output).
    fn output_bytes(&self) -> u64;
    /// The item answered with its own error (field errors, `item-error`, a bad catalog entry).
    fn refused(&self) -> bool;
}

fn field_errors_bytes(errors: &[FieldError]) -> u64 {
    errors
        .iter()
        .map(|e| (e.field.len() + e.code.len() + e.message.len()) as u64)
        .sum()
}

fn item_error_bytes(error: &ItemError) -> u64 {
    match error {
        ItemError::Invalid(errors) => field_errors_bytes(errors),
        ItemError::Refused(m) | ItemError::Failed(m) => m.len() as u64,
    }
}

fn opt_len(s: &Option<String>) -> u64 {
    s.as_ref().map_or(0, |s| s.len() as u64)
}

impl Returned for Result<Accepted, SubmitError> {
    fn output_bytes(&self) -> u64 {
        match self {
            Ok(a) => {
                a.derived.len() as u64
                    + a.then.as_ref().map_or(0, |s| {
                        (s.action.len() + s.to.len()) as u64 + opt_len(&s.note)
                    })
            }
            Err(SubmitError::Fields(errors)) => field_errors_bytes(errors),
            Err(SubmitError::Item(error)) => item_error_bytes(error),
        }
    }
    fn refused(&self) -> bool {
        self.is_err()
    }
}

impl Returned for Result<Transition, ItemError> {
    fn output_bytes(&self) -> u64 {
        match self {
            Ok(t) => t.to.len() as u64 + opt_len(&t.derived) + opt_len(&t.note),
            Err(e) => item_error_bytes(e),
        }
    }
    fn refused(&self) -> bool {
        self.is_err()
    }
}

impl Returned for Result<String, ItemError> {
    fn output_bytes(&self) -> u64 {
        match self {
            Ok(output) => output.len() as u64,
            Err(e) => item_error_bytes(e),
        }
    }
    fn refused(&self) -> bool {
        self.is_err()
    }
}

impl Returned for Result<Vec<Decision>, ItemError> {
    fn output_bytes(&self) -> u64 {
        match self {
            Ok(decisions) => decisions
                .iter()
                .map(|d| {
                    (d.case_number.len() + d.action.len() + d.input.len()) as u64
                        + opt_len(&d.comment)
                })
                .sum(),
            Err(e) => item_error_bytes(e),
        }
    }
    fn refused(&self) -> bool {
        self.is_err()
    }
}

/// Who is called, under which limits.
pub(crate) struct Target<'a> {
    pub pre: &'a ItemPre,
    /// The version's concurrency limit; none while loading (nobody else can call it yet).
    pub permits: Option<&'a Semaphore>,
    /// `code@version`, or `component <sha>` while loading.
    pub label: &'a str,
    /// Metric and log fields.
    pub item: &'a str,
    pub version: &'a str,
    pub limits: &'a Limits,
}

/// The export call itself, given a fresh instance and its store.
pub(crate) type GuestCall<R> = Box<
    dyn for<'a> FnOnce(&'a Item, &'a mut Store<StoreState>) -> BoxFuture<'a, wasmtime::Result<R>>
        + Send,
>;

/// Runs `call` on a fresh instance of `target` under its limits and reports what happened.
pub(crate) async fn invoke<R: Returned>(
    engine: &Engine,
    target: Target<'_>,
    function: Function,
    caps: Capabilities,
    call: GuestCall<R>,
) -> CallOutcome<R> {
    let started = Instant::now();
    let limits = target.limits;
    let wall = Duration::from_millis(limits.wall_ms);
    let item = || target.label.to_owned();

    // Wait for a turn at most as long as the call itself could take.
    let _permit = match target.permits {
        None => None,
        // A free slot is taken at once, without arming a timer.
        Some(permits)
            if permits.available_permits() > 0
                && let Ok(permit) = permits.try_acquire() =>
        {
            Some(permit)
        }
        Some(permits) => match tokio::time::timeout(wall, permits.acquire()).await {
            Ok(Ok(permit)) => Some(permit),
            Ok(Err(_)) | Err(_) => {
                let error = CallError::Busy {
                    item: item(),
                    function,
                    waited_ms: millis(started.elapsed()),
                };
                let outcome = CallOutcome {
                    result: Err(error),
                    effects: caps.into_effects(),
                    fuel: None,
                };
                report(&target, function, started, &outcome);
                return outcome;
            }
        },
    };

    let mut store = Store::new(engine, StoreState::new(caps, limits.memory_mib));
    store.limiter(|state| &mut state.limiter);
    // Each epoch tick that lands while the guest runs costs one tick of its CPU budget; in
    // between, yield so a busy guest never holds an executor thread for long.
    let allowed_ticks = cpu_ticks(limits.cpu_ms);
    let mut ticks = 0u64;
    store.epoch_deadline_callback(move |_| {
        ticks += 1;
        if ticks > allowed_ticks {
            return Err(wasmtime::Error::new(CpuLimitExceeded));
        }
        Ok(UpdateDeadline::Yield(1))
    });
    store.set_epoch_deadline(1);
    // Fuel is only switched on in a metering engine; elsewhere this fails and nothing is counted.
    let metered = store.set_fuel(u64::MAX).is_ok();

    let run = async {
        let instance = target.pre.instantiate(&mut store).await?;
        call(&instance, &mut store).await
    };
    let result = match tokio::time::timeout(wall, run).await {
        Err(_) => Err(CallError::Timeout {
            item: item(),
            function,
            limit_ms: limits.wall_ms,
        }),
        Ok(Err(error)) => Err(classify(error, store.data(), &target, function, started)),
        Ok(Ok(returned)) => {
            let size = returned.output_bytes();
            if size > limits.output_bytes {
                Err(CallError::OutputTooLarge {
                    item: item(),
                    function,
                    size,
                    limit: limits.output_bytes,
                })
            } else {
                Ok(returned)
            }
        }
    };
    // Only a call that returned has its whole count: compiled code keeps the count of the
    // running function in a register, written back at calls and returns, so a loop stopped by a
    // limit would report only part of what it ran.
    let fuel = (metered && result.is_ok())
        .then(|| store.get_fuel().ok().map(|left| u64::MAX - left))
        .flatten();
    let outcome = CallOutcome {
        result,
        effects: store.into_data().caps.into_effects(),
        fuel,
    };
    report(&target, function, started, &outcome);
    outcome
}

/// Turns what stopped a guest into the error that says why.
fn classify(
    error: wasmtime::Error,
    state: &StoreState,
    target: &Target<'_>,
    function: Function,
    started: Instant,
) -> CallError {
    let item = target.label.to_owned();
    let limits = target.limits;
    if state.limiter.memory_refused {
        return CallError::MemoryLimit {
            item,
            function,
            limit_mib: limits.memory_mib,
        };
    }
    if error.is::<CpuLimitExceeded>() {
        return CallError::CpuLimit {
            item,
            function,
            limit_ms: limits.cpu_ms,
        };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::HostCallLimitExceeded { limit }) => {
            return CallError::HostCallLimit {
                item,
                function,
                limit: *limit,
            };
        }
        Some(Trap::HostFailure { .. }) => return CallError::HostFailure { item, function },
        None => {}
    }
    if error.is::<wasmtime::PoolConcurrencyLimitError>() {
        // Every instance slot of the engine is in use: as good as a full semaphore.
        tracing::warn!(item = %target.label, "no free instance slot in the pool");
        return CallError::Busy {
            item,
            function,
            waited_ms: millis(started.elapsed()),
        };
    }
    if matches!(
        error.downcast_ref::<wasmtime::Trap>(),
        Some(wasmtime::Trap::StackOverflow)
    ) {
        return CallError::StackOverflow { item, function };
    }
    // The full error (with the wasm backtrace) is for the log; the message keeps the trap and,
    // for a Rust guest that panicked, its panic message from stderr.
    tracing::debug!(item = %target.label, %function, error = format!("{error:?}"), "guest trapped");
    let trap = match error.downcast_ref::<wasmtime::Trap>() {
        Some(trap) => {
            let text = trap.to_string();
            // "trapped: wasm trap: …" says it twice.
            text.strip_prefix("wasm trap: ")
                .map(str::to_owned)
                .unwrap_or(text)
        }
        None => error.root_cause().to_string(),
    };
    let message = match state.stderr.last_line() {
        Some(line) => format!("{trap} (stderr: {line})"),
        None => trap,
    };
    CallError::Trap {
        item,
        function,
        message,
    }
}

fn report<R: Returned>(
    target: &Target<'_>,
    function: Function,
    started: Instant,
    outcome: &CallOutcome<R>,
) {
    let elapsed = started.elapsed();
    let outcome_label = match &outcome.result {
        Ok(r) if r.refused() => "refused",
        Ok(_) => "ok",
        Err(e) => e.code(),
    };
    let host_calls = outcome.effects.host_calls;
    let duration_ms = elapsed.as_secs_f64() * 1000.0;
    match &outcome.result {
        Ok(_) => tracing::info!(
            item = target.item,
            version = target.version,
            function = function.as_str(),
            duration_ms,
            host_calls,
            outcome = outcome_label,
            "item call"
        ),
        Err(error) => tracing::warn!(
            item = target.item,
            version = target.version,
            function = function.as_str(),
            duration_ms,
            host_calls,
            outcome = outcome_label,
            %error,
            "item call failed"
        ),
    }
    metrics::counter!(
        "yiwang_item_calls_total",
        "item" => target.item.to_owned(),
        "function" => function.as_str(),
        "outcome" => outcome_label,
    )
    .increment(1);
    metrics::histogram!(
        "yiwang_item_call_seconds",
        "item" => target.item.to_owned(),
        "function" => function.as_str(),
    )
    .record(elapsed.as_secs_f64());
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::contract::Step;

    #[test]
    fn output_counts_every_string_the_item_returns() {
        let accepted: Result<Accepted, SubmitError> = Ok(Accepted {
            derived: "{}".into(),
            then: Some(Step {
                action: "ab".into(),
                to: "cde".into(),
                note: Some("f".into()),
            }),
        });
        assert_eq!(accepted.output_bytes(), 2 + 2 + 3 + 1);
        let refused: Result<Accepted, SubmitError> = Err(SubmitError::Fields(vec![FieldError {
            field: "a".into(),
            code: "bc".into(),
            message: "积分".into(),
        }]));
        assert_eq!(refused.output_bytes(), 1 + 2 + 6);
        assert!(refused.refused());
        let failed: Result<Accepted, SubmitError> =
            Err(SubmitError::Item(ItemError::Failed("denied".into())));
        assert_eq!(failed.output_bytes(), 6);
        let query: Result<String, ItemError> = Err(ItemError::Refused("no".into()));
        assert_eq!(query.output_bytes(), 2);
        let batch: Result<Vec<Decision>, ItemError> = Ok(vec![Decision {
            case_number: "A1".into(),
            action: "place".into(),
            comment: Some("c".into()),
            input: "{}".into(),
        }]);
        assert_eq!(batch.output_bytes(), 2 + 5 + 2 + 1);
        let transition: Result<Transition, ItemError> = Ok(Transition {
            to: "done".into(),
            derived: None,
            note: Some("ok".into()),
        });
        assert_eq!(transition.output_bytes(), 6);
    }

    #[test]
    fn errors_have_stable_codes_and_name_the_item_and_limit() {
        let error = CallError::CpuLimit {
            item: "school-points-enrollment@1.0.0".into(),
            function: Function::Submit,
            limit_ms: 500,
        };
        assert_eq!(error.code(), "cpu_limit");
        assert_eq!(
            error.to_string(),
            "school-points-enrollment@1.0.0: submit exceeded its CPU limit of 500 ms"
        );
        let error = CallError::Busy {
            item: "x@1.0.0".into(),
            function: Function::OnAction,
            waited_ms: 5,
        };
        assert_eq!(error.code(), "busy");
        assert!(error.to_string().starts_with("x@1.0.0: on-action is busy"));
    }
}
