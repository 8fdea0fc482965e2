//! What the contract versions share, written once and expanded in each version's module: the
//! host interfaces (unchanged since 0.1.0) and the conversions of the records that did not
//! change. A macro, because each version's `bindgen!` generates its own types with the same
//! names; the expansion resolves `super::…` in the module it is expanded in. What differs between
//! versions (0.2.0's `submit-error`, `batch` and labels) is written in that version's module.

/// The `Host` impls of the host interfaces over the capabilities, for the version module whose
/// `host` submodule expands it: each converts the arguments to the model's types, calls the
/// capability's view, and turns its failure into the contract's `host-error` or a trap. The
/// checks themselves (grants, budgets, sizes) are the capabilities'; nothing is decided here.
macro_rules! host_interfaces {
    () => {
        use wasmtime::component::{HasData, HasSelf, Linker};

        use super::yiwang::service::{
            certificates, delivery, log, notify, records, registries, types,
        };
        use super::{WitAddress, WitCertificate, WitHostError, WitLevel};
        use crate::capabilities::{
            self, Capabilities, CertificatesCtx, DeliveryCtx, Failure, LogCtx, NotifyCtx,
            RecordsCtx, RegistriesCtx,
        };
        use crate::runtime::wit::HasCapabilities;

        /// What a host function returns to bindgen: a trap (`Err`) or the WIT result.
        type HostResult<T> = wasmtime::Result<Result<T, WitHostError>>;

        fn finish<T, U: From<T>>(result: Result<T, Failure>) -> HostResult<U> {
            match result {
                Ok(value) => Ok(Ok(value.into())),
                Err(Failure::Refused(e)) => Ok(Err(e.into())),
                Err(Failure::Trap(trap)) => Err(wasmtime::Error::new(trap)),
            }
        }

        /// Adds every host interface of this contract version to `linker`. Whether a component may import
        /// one is decided at load (by its grant); each call is checked again against the grant.
        pub(crate) fn add_to_linker<T: HasCapabilities>(
            linker: &mut Linker<T>,
        ) -> wasmtime::Result<()> {
            // `types` has no functions, but components import it for its types.
            types::add_to_linker::<T, HasSelf<Capabilities>>(linker, T::capabilities)?;
            records::add_to_linker::<T, Records>(linker, |t| {
                capabilities::records::view(t.capabilities())
            })?;
            registries::add_to_linker::<T, Registries>(linker, |t| {
                capabilities::registries::view(t.capabilities())
            })?;
            certificates::add_to_linker::<T, Certificates>(linker, |t| {
                capabilities::certificates::view(t.capabilities())
            })?;
            notify::add_to_linker::<T, Notify>(linker, |t| {
                capabilities::notify::view(t.capabilities())
            })?;
            delivery::add_to_linker::<T, Delivery>(linker, |t| {
                capabilities::delivery::view(t.capabilities())
            })?;
            log::add_to_linker::<T, Log>(linker, |t| capabilities::log::view(t.capabilities()))?;
            Ok(())
        }

        impl types::Host for Capabilities {}

        /// Marks an interface for `add_to_linker`: its host data is the capability's view.
        struct Records;
        impl HasData for Records {
            type Data<'a> = RecordsCtx<'a>;
        }
        struct Registries;
        impl HasData for Registries {
            type Data<'a> = RegistriesCtx<'a>;
        }
        struct Certificates;
        impl HasData for Certificates {
            type Data<'a> = CertificatesCtx<'a>;
        }
        struct Notify;
        impl HasData for Notify {
            type Data<'a> = NotifyCtx<'a>;
        }
        struct Delivery;
        impl HasData for Delivery {
            type Data<'a> = DeliveryCtx<'a>;
        }
        struct Log;
        impl HasData for Log {
            type Data<'a> = LogCtx<'a>;
        }

        impl records::Host for RecordsCtx<'_> {
            async fn get(&mut self, key: String) -> HostResult<Option<String>> {
                finish(RecordsCtx::get(self, key).await)
            }

            async fn set(&mut self, key: String, value: String) -> HostResult<()> {
                finish(RecordsCtx::set(self, key, value))
            }

            async fn delete(&mut self, key: String) -> HostResult<()> {
                finish(RecordsCtx::delete(self, key))
            }
        }

        impl registries::Host for RegistriesCtx<'_> {
            async fn lookup(
                &mut self,
                dataset: String,
                key: String,
                purpose: String,
            ) -> HostResult<Option<String>> {
                finish(RegistriesCtx::lookup(self, dataset, key, purpose).await)
            }
        }

        impl certificates::Host for CertificatesCtx<'_> {
            async fn issue(
                &mut self,
                kind: String,
                data: String,
                valid_days: Option<u32>,
            ) -> HostResult<WitCertificate> {
                finish(CertificatesCtx::issue(self, kind, data, valid_days).await)
            }

            async fn find(
                &mut self,
                kind: String,
                holder: String,
            ) -> HostResult<Vec<WitCertificate>> {
                let found = CertificatesCtx::find(self, kind, holder).await;
                finish(found.map(|list| {
                    list.into_iter()
                        .map(WitCertificate::from)
                        .collect::<Vec<_>>()
                }))
            }
        }

        impl notify::Host for NotifyCtx<'_> {
            async fn send(&mut self, subject: String, body: String) -> HostResult<()> {
                finish(NotifyCtx::send(self, subject, body))
            }
        }

        impl delivery::Host for DeliveryCtx<'_> {
            async fn request_pickup(
                &mut self,
                from: WitAddress,
                contents: Vec<String>,
            ) -> HostResult<String> {
                finish(DeliveryCtx::request_pickup(self, from.into(), contents))
            }

            async fn request_shipment(
                &mut self,
                to: WitAddress,
                contents: Vec<String>,
            ) -> HostResult<String> {
                finish(DeliveryCtx::request_shipment(self, to.into(), contents))
            }
        }

        impl log::Host for LogCtx<'_> {
            async fn write(&mut self, level: WitLevel, message: String) -> wasmtime::Result<()> {
                LogCtx::write(self, level.into(), &message).map_err(wasmtime::Error::new)
            }
        }
    };
}

/// Conversions between a version's generated types and the model's, for the records every
/// version has alike, and `item_info_with` for the catalog entry (labels given by the caller).
macro_rules! conversions {
    () => {
        impl From<actor::Role> for WitRole {
            fn from(role: actor::Role) -> Self {
                match role {
                    actor::Role::Citizen => WitRole::Citizen,
                    actor::Role::Reviewer => WitRole::Reviewer,
                    actor::Role::Developer => WitRole::Developer,
                    actor::Role::Admin => WitRole::Admin,
                    actor::Role::Courier => WitRole::Courier,
                    actor::Role::System => WitRole::System,
                }
            }
        }

        impl From<WitRole> for actor::Role {
            fn from(role: WitRole) -> Self {
                match role {
                    WitRole::Citizen => actor::Role::Citizen,
                    WitRole::Reviewer => actor::Role::Reviewer,
                    WitRole::Developer => actor::Role::Developer,
                    WitRole::Admin => actor::Role::Admin,
                    WitRole::Courier => actor::Role::Courier,
                    WitRole::System => actor::Role::System,
                }
            }
        }

        impl From<&actor::Actor> for WitActor {
            fn from(a: &actor::Actor) -> Self {
                WitActor {
                    id: a.id.clone(),
                    role: a.role.into(),
                    name: a.name.clone(),
                    department: a.department.clone(),
                    id_number: a.id_number.clone(),
                }
            }
        }

        impl From<&contract::CallContext> for WitCallContext {
            fn from(c: &contract::CallContext) -> Self {
                WitCallContext {
                    today: c.today.clone(),
                    now: c.now.clone(),
                    case_number: c.case_number.clone(),
                    preview: c.preview,
                }
            }
        }

        impl From<&contract::CaseView> for WitCaseInfo {
            fn from(c: &contract::CaseView) -> Self {
                WitCaseInfo {
                    number: c.number.clone(),
                    state: c.state.clone(),
                    form: c.form.clone(),
                    derived: c.derived.clone(),
                    applicant: (&c.applicant).into(),
                    submitted_at: c.submitted_at.clone(),
                }
            }
        }

        impl From<WitFieldError> for contract::FieldError {
            fn from(e: WitFieldError) -> Self {
                contract::FieldError {
                    field: e.field,
                    code: e.code,
                    message: e.message,
                }
            }
        }

        impl From<WitAccepted> for contract::Accepted {
            fn from(a: WitAccepted) -> Self {
                contract::Accepted {
                    derived: a.derived,
                    then: a.then.map(|s| contract::Step {
                        action: s.action,
                        to: s.to,
                        note: s.note,
                    }),
                }
            }
        }

        impl From<WitTransition> for contract::Transition {
            fn from(t: WitTransition) -> Self {
                contract::Transition {
                    to: t.to,
                    derived: t.derived,
                    note: t.note,
                }
            }
        }

        impl From<WitItemError> for contract::ItemError {
            fn from(e: WitItemError) -> Self {
                match e {
                    WitItemError::Invalid(errors) => {
                        contract::ItemError::Invalid(errors.into_iter().map(Into::into).collect())
                    }
                    WitItemError::Refused(m) => contract::ItemError::Refused(m),
                    WitItemError::Failed(m) => contract::ItemError::Failed(m),
                }
            }
        }

        /// The catalog entry as the domain keeps it, with the labels the version's record gave (none
        /// before 0.2.0). The form schema travels as JSON text; text that is
        /// not JSON makes the entry invalid (the structural checks are `ItemInfo::check`'s job).
        fn item_info_with(
            info: WitItemInfo,
            labels: catalog::Labels,
        ) -> Result<catalog::ItemInfo, catalog::CatalogError> {
            let form_schema = serde_json::from_str(&info.form_schema).map_err(|e| {
                catalog::CatalogError::BadSchema(format!("form-schema is not JSON: {e}"))
            })?;
            Ok(catalog::ItemInfo {
                code: info.code,
                version: info.version,
                name: info.name,
                department: info.department,
                summary: info.summary,
                legal_basis: info.legal_basis,
                audience: info.audience,
                materials: info
                    .materials
                    .into_iter()
                    .map(|m| catalog::Material {
                        name: m.name,
                        description: m.description,
                        required: m.required,
                    })
                    .collect(),
                statutory_days: info.statutory_days,
                promised_days: info.promised_days,
                fees: info
                    .fees
                    .into_iter()
                    .map(|f| catalog::Fee {
                        name: f.name,
                        amount_fen: f.amount_fen,
                        basis: f.basis,
                    })
                    .collect(),
                channels: info.channels,
                form_schema,
                workflow: catalog::Workflow {
                    initial: info.workflow.initial,
                    states: info
                        .workflow
                        .states
                        .into_iter()
                        .map(|s| catalog::State {
                            name: s.name,
                            label: s.label,
                            terminal: s.terminal,
                            sla_days: s.sla_days,
                            waits_on_applicant: s.waits_on_applicant,
                        })
                        .collect(),
                    actions: info
                        .workflow
                        .actions
                        .into_iter()
                        .map(|a| catalog::Action {
                            name: a.name,
                            label: a.label,
                            from: a.from,
                            to: a.to,
                            roles: a.roles.into_iter().map(Into::into).collect(),
                            departments: a.departments,
                            comment_required: a.comment_required,
                        })
                        .collect(),
                },
                labels,
            })
        }

        impl From<contract::CertificateView> for WitCertificate {
            fn from(c: contract::CertificateView) -> Self {
                WitCertificate {
                    serial: c.serial,
                    kind: c.kind,
                    holder: c.holder,
                    data: c.data,
                    issued_on: c.issued_on,
                    valid_until: c.valid_until,
                    case_number: c.case_number,
                }
            }
        }

        impl From<contract::HostError> for WitHostError {
            fn from(e: contract::HostError) -> Self {
                match e {
                    contract::HostError::Denied(m) => WitHostError::Denied(m),
                    contract::HostError::Invalid(m) => WitHostError::Invalid(m),
                    contract::HostError::Unavailable(m) => WitHostError::Unavailable(m),
                }
            }
        }

        impl From<WitAddress> for contract::Address {
            fn from(a: WitAddress) -> Self {
                contract::Address {
                    name: a.name,
                    phone: a.phone,
                    address: a.address,
                }
            }
        }

        impl From<WitLevel> for contract::LogLevel {
            fn from(level: WitLevel) -> Self {
                match level {
                    WitLevel::Debug => contract::LogLevel::Debug,
                    WitLevel::Info => contract::LogLevel::Info,
                    WitLevel::Warn => contract::LogLevel::Warn,
                    WitLevel::Error => contract::LogLevel::Error,
                }
            }
        }
    };
}

/// The calls of the exports every version has (`describe`, `submit`, `on-action`, `query`) in
/// the model's terms, for the version module that expands it; each version converts its own
/// `submit` refusal into the model's `SubmitError`.
macro_rules! export_calls {
    () => {
        pub(super) async fn describe(
            item: &ServiceItem,
            store: &mut Store<StoreState>,
        ) -> wasmtime::Result<Described> {
            let raw = item.yiwang_service_item().call_describe(store).await?;
            let label = format!("{}@{}", raw.code, raw.version);
            Ok(convert::item_info(raw).map_err(|e| (label, e)))
        }

        pub(super) async fn submit(
            item: &ServiceItem,
            store: &mut Store<StoreState>,
            ctx: &CallContext,
            applicant: &Actor,
            form: &str,
        ) -> wasmtime::Result<Result<Accepted, SubmitError>> {
            let result = item
                .yiwang_service_item()
                .call_submit(store, &ctx.into(), &applicant.into(), form)
                .await?;
            Ok(result.map(Into::into).map_err(Into::into))
        }

        #[allow(clippy::too_many_arguments)] // the WIT function's parameters, one for one
        pub(super) async fn on_action(
            item: &ServiceItem,
            store: &mut Store<StoreState>,
            ctx: &CallContext,
            actor: &Actor,
            case: &CaseView,
            action: &str,
            comment: Option<&str>,
            input: &str,
        ) -> wasmtime::Result<Result<Transition, ItemError>> {
            let result = item
                .yiwang_service_item()
                .call_on_action(
                    store,
                    &ctx.into(),
                    &actor.into(),
                    &case.into(),
                    action,
                    comment,
                    input,
                )
                .await?;
            Ok(result.map(Into::into).map_err(Into::into))
        }

        pub(super) async fn query(
            item: &ServiceItem,
            store: &mut Store<StoreState>,
            ctx: &CallContext,
            actor: &Actor,
            input: &str,
        ) -> wasmtime::Result<Result<String, ItemError>> {
            let result = item
                .yiwang_service_item()
                .call_query(store, &ctx.into(), &actor.into(), input)
                .await?;
            Ok(result.map_err(Into::into))
        }
    };
}

pub(crate) use {conversions, export_calls, host_interfaces};
