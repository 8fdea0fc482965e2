//! The host interfaces an item may import (`records`, `registries`, `certificates`, `notify`,
//! `delivery`, `log`), one module each. Every call is checked against the item's grant, counted
//! against its host-call limit and logged; what changes something is buffered in [`Effects`] and
//! applied by the domain only if the whole call succeeds.
//!
//! Reads go through [`HostData`], which storage implements: capabilities never see the pool, and
//! plugins never see anything but these interfaces.
//!
//! Plain Rust over the model's types: this room knows neither wasmtime nor any contract version's
//! bindings. Each version's binding module in `runtime::wit` implements the generated `Host` traits
//! by converting its types and calling the `*Ctx` views here, so a new contract version reuses
//! every check.

use std::sync::Arc;

use crate::model::actor::Actor;
use crate::model::contract::CallContext;
use crate::model::contract::HostError;
use crate::model::effects::{Denial, Effects};
use crate::model::grants::Grants;
pub use crate::model::host_data::HostData;

pub mod certificates;
pub mod delivery;
pub mod log;
pub mod notify;
pub mod records;
pub mod registries;

pub use certificates::CertificatesCtx;
pub use delivery::DeliveryCtx;
pub use log::LogCtx;
pub use notify::NotifyCtx;
pub use records::RecordsCtx;
pub use registries::RegistriesCtx;

/// Why a host call ends the whole guest call: the runtime raises it as a trap and turns it into
/// its own call error.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Trap {
    /// The guest call made more host calls than its limit allows.
    #[error("more than {limit} host calls in one call")]
    HostCallLimitExceeded { limit: u32 },
    /// The host's own data (storage) failed during a host call. The cause is logged where it
    /// happened and never reaches the item or the client.
    #[error("the host failed while serving `{interface}`")]
    HostFailure { interface: &'static str },
}

/// Which call the capabilities serve: the item, the facts of the call and whom it concerns.
#[derive(Clone, Debug)]
pub struct CallScope {
    /// The item's code: records are scoped to it.
    pub item: Arc<str>,
    pub version: Arc<str>,
    pub ctx: CallContext,
    /// The applicant of the case (`submit`, `on-action`) or the actor of a query.
    pub applicant: Option<Actor>,
    /// Host calls this guest call may make.
    pub max_host_calls: u32,
}

/// The per-call state of every host interface, kept in the store. Each interface sees only its
/// own part of the grant (see the `*Ctx` views in the submodules).
pub struct Capabilities {
    grants: Arc<Grants>,
    call: Call,
}

impl Capabilities {
    pub fn new(grants: Arc<Grants>, host: Arc<dyn HostData>, scope: CallScope) -> Self {
        Self {
            grants,
            call: Call {
                scope,
                host,
                effects: Effects::default(),
                available: true,
            },
        }
    }

    /// The capabilities of a `describe()` call: nothing is available, whatever the grant, because
    /// the catalog entry must not depend on anything but the code.
    pub fn unavailable(label: &str, host: Arc<dyn HostData>, max_host_calls: u32) -> Self {
        let scope = CallScope {
            item: Arc::from(label),
            version: Arc::from(""),
            ctx: CallContext {
                today: String::new(),
                now: String::new(),
                case_number: None,
                preview: false,
            },
            applicant: None,
            max_host_calls,
        };
        Self {
            grants: Arc::new(Grants::default()),
            call: Call {
                scope,
                host,
                effects: Effects::default(),
                available: false,
            },
        }
    }

    pub fn effects(&self) -> &Effects {
        &self.call.effects
    }

    pub fn into_effects(self) -> Effects {
        self.call.effects
    }
}

/// What every interface may see of the call: the scope, the `HostData` handle and the effects
/// buffer. Grants are handed to each interface separately.
struct Call {
    scope: CallScope,
    host: Arc<dyn HostData>,
    effects: Effects,
    /// False during `describe()`.
    available: bool,
}

/// Why a host call did not produce a value: a refusal the guest sees, or a trap that ends the
/// guest call. Lets the interface code use `?` for both.
#[derive(Debug)]
pub enum Failure {
    Refused(HostError),
    Trap(Trap),
}

impl From<HostError> for Failure {
    fn from(e: HostError) -> Self {
        Failure::Refused(e)
    }
}

impl From<Trap> for Failure {
    fn from(e: Trap) -> Self {
        Failure::Trap(e)
    }
}

impl Call {
    /// Counts and traces a host call; traps once the call's budget is spent. During `describe()`
    /// every interface is unavailable.
    fn enter(&mut self, interface: &'static str, function: &'static str) -> Result<(), Failure> {
        self.effects.host_calls = self.effects.host_calls.saturating_add(1);
        tracing::debug!(item = %self.scope.item, version = %self.scope.version, interface, function, "host call");
        if self.effects.host_calls > self.scope.max_host_calls {
            return Err(Failure::Trap(Trap::HostCallLimitExceeded {
                limit: self.scope.max_host_calls,
            }));
        }
        if !self.available {
            return Err(HostError::Unavailable(format!(
                "`{interface}` is not available during describe"
            ))
            .into());
        }
        Ok(())
    }

    /// Records a refusal for the audit log and tells the item.
    fn deny(&mut self, interface: &'static str, detail: String) -> Failure {
        tracing::warn!(item = %self.scope.item, version = %self.scope.version, interface, %detail, "host call denied");
        let message = format!("not granted: {detail}");
        self.effects.denials.push(Denial { interface, detail });
        HostError::Denied(message).into()
    }

    /// The case this call concerns; interfaces that act on a case are unavailable without one.
    fn case_number(&self, interface: &'static str) -> Result<String, Failure> {
        self.scope.ctx.case_number.clone().ok_or_else(|| {
            HostError::Unavailable(format!("`{interface}` is only available for a case")).into()
        })
    }

    /// Logs why the host's own data failed and ends the guest call with a trap that says only
    /// that the host failed.
    fn host_failed(&self, interface: &'static str, error: anyhow::Error) -> Failure {
        tracing::error!(
            item = %self.scope.item,
            version = %self.scope.version,
            interface,
            error = format!("{error:#}"),
            "host data failed during a host call"
        );
        Failure::Trap(Trap::HostFailure { interface })
    }
}

/// Refuses text outside `1..=max` (counted in `unit`s) with `invalid`.
fn check_len(what: &str, value: &str, min: usize, max: usize, chars: bool) -> Result<(), Failure> {
    let len = if chars {
        value.chars().count()
    } else {
        value.len()
    };
    let unit = if chars { "characters" } else { "bytes" };
    if len < min {
        return Err(HostError::Invalid(format!("{what} must not be empty")).into());
    }
    if len > max {
        return Err(HostError::Invalid(format!("{what} is longer than {max} {unit}")).into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_checked_in_bytes_or_characters() {
        assert!(check_len("key", "", 1, 4, false).is_err());
        assert!(check_len("key", "abcd", 1, 4, false).is_ok());
        assert!(check_len("key", "abcde", 1, 4, false).is_err());
        // Four characters, twelve bytes.
        assert!(check_len("subject", "办理进度", 0, 4, true).is_ok());
        assert!(check_len("subject", "办理进度", 0, 4, false).is_err());
    }

    #[tokio::test]
    async fn a_call_past_its_host_call_budget_traps() {
        let mut caps = fake::capabilities(Grants::default(), fake::FakeData::default(), true, 2);
        assert!(caps.call.enter("log", "write").is_ok());
        assert!(caps.call.enter("log", "write").is_ok());
        let trap = fake::trap(caps.call.enter("log", "write"));
        assert_eq!(trap, Trap::HostCallLimitExceeded { limit: 2 });
        assert_eq!(caps.effects().host_calls, 3);
    }

    #[tokio::test]
    async fn nothing_is_available_during_describe() {
        let mut caps =
            Capabilities::unavailable("component 0123", Arc::new(fake::FakeData::default()), 10);
        let refusal = fake::refusal(caps.call.enter("records", "get"));
        assert!(matches!(refusal, HostError::Unavailable(m) if m.contains("describe")));
    }

    #[tokio::test]
    async fn a_denial_is_recorded_for_the_audit_log() {
        let mut caps = fake::capabilities(Grants::default(), fake::FakeData::default(), true, 10);
        let refusal = fake::refusal::<()>(Err(caps
            .call
            .deny("registries", "dataset household-registry".into())));
        assert!(matches!(refusal, HostError::Denied(m) if m.contains("household-registry")));
        assert_eq!(
            caps.effects().denials,
            vec![Denial {
                interface: "registries",
                detail: "dataset household-registry".into()
            }]
        );
    }
}

/// A `HostData` fake and a way to build one call's capabilities, for the interfaces' tests.
#[cfg(test)]
mod fake {
    use std::collections::HashMap;

    use futures::future::BoxFuture;

    use super::*;
    use crate::model::actor::Role;
    use crate::model::effects::{Certificate, RegistryRecord};

    #[derive(Default)]
    pub struct FakeData {
        pub registry: HashMap<(String, String), RegistryRecord>,
        pub records: HashMap<String, String>,
        pub issued: Option<Certificate>,
        /// Every read fails, as storage would when the database is down.
        pub broken: bool,
    }

    impl FakeData {
        fn check(&self) -> anyhow::Result<()> {
            if self.broken {
                Err(anyhow::anyhow!("database is down"))
            } else {
                Ok(())
            }
        }
    }

    impl HostData for FakeData {
        fn registry_lookup<'a>(
            &'a self,
            dataset: &'a str,
            key: &'a str,
        ) -> BoxFuture<'a, anyhow::Result<Option<RegistryRecord>>> {
            Box::pin(async move {
                self.check()?;
                Ok(self
                    .registry
                    .get(&(dataset.to_owned(), key.to_owned()))
                    .cloned())
            })
        }

        fn record_get<'a>(
            &'a self,
            _item: &'a str,
            key: &'a str,
        ) -> BoxFuture<'a, anyhow::Result<Option<String>>> {
            Box::pin(async move {
                self.check()?;
                Ok(self.records.get(key).cloned())
            })
        }

        fn certificates_find<'a>(
            &'a self,
            _kind: &'a str,
            _holder: &'a str,
            _today: &'a str,
        ) -> BoxFuture<'a, anyhow::Result<Vec<Certificate>>> {
            Box::pin(async move {
                self.check()?;
                Ok(self.issued.clone().into_iter().collect())
            })
        }

        fn certificate_of_case<'a>(
            &'a self,
            _case_number: &'a str,
            _kind: &'a str,
        ) -> BoxFuture<'a, anyhow::Result<Option<Certificate>>> {
            Box::pin(async move {
                self.check()?;
                Ok(self.issued.clone())
            })
        }
    }

    /// The capabilities of a call on case `YW-1` (or of a query, without `case`), by 张三.
    pub fn capabilities(
        grants: Grants,
        data: FakeData,
        case: bool,
        max_host_calls: u32,
    ) -> Capabilities {
        let scope = CallScope {
            item: Arc::from("demo-item"),
            version: Arc::from("1.0.0"),
            ctx: CallContext {
                today: "2026-03-09".into(),
                now: "2026-03-09T02:00:00Z".into(),
                case_number: case.then(|| "YW-1".into()),
                preview: false,
            },
            applicant: Some(Actor {
                id: "1".into(),
                role: Role::Citizen,
                name: "张三".into(),
                department: None,
                id_number: Some("441900199001011234".into()),
            }),
            max_host_calls,
        };
        Capabilities::new(Arc::new(grants), Arc::new(data), scope)
    }

    /// What a refusal or trap was, for assertions.
    pub fn refusal<T: std::fmt::Debug>(result: Result<T, Failure>) -> HostError {
        match result {
            Err(Failure::Refused(e)) => e,
            Err(Failure::Trap(e)) => panic!("expected a refusal, got a trap: {e}"),
            Ok(v) => panic!("expected a refusal, got {v:?}"),
        }
    }

    pub fn trap<T: std::fmt::Debug>(result: Result<T, Failure>) -> Trap {
        match result {
            Err(Failure::Trap(e)) => e,
            Err(Failure::Refused(e)) => panic!("expected a trap, got a refusal: {e:?}"),
            Ok(v) => panic!("expected a trap, got {v:?}"),
        }
    }
}
