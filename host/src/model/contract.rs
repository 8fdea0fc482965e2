//! Host-side mirrors of the records that cross the contract (see `wit/v0.2.0/types.wit` and
//! `wit/CHANGELOG.md`), so the domain and the capabilities work with them without knowing
//! wasmtime or which version an item targets. The runtime converts them to and from the bindings
//! of each contract version; where an older version lacks something (0.1.0's `submit` had only
//! field errors), its conversion says what the newer record it means.

use serde::Serialize;

use crate::model::actor::Actor;

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub action: String,
    pub to: String,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Accepted {
    /// JSON object.
    pub derived: String,
    pub then: Option<Step>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    pub to: String,
    pub derived: Option<String>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ItemError {
    Invalid(Vec<FieldError>),
    Refused(String),
    Failed(String),
}

/// Why `submit` refused an application.
#[derive(Clone, Debug, PartialEq)]
pub enum SubmitError {
    /// The applicant can correct the form (HTTP 422).
    Fields(Vec<FieldError>),
    /// Anything else, answered as an action's item error is.
    Item(ItemError),
}

/// What a batch decided for one case.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub case_number: String,
    pub action: String,
    pub comment: Option<String>,
    /// JSON object.
    pub input: String,
}

/// The contract versions this host serves, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContractVersion {
    V0_1_0,
    V0_2_0,
}

impl ContractVersion {
    pub const ALL: [ContractVersion; 2] = [ContractVersion::V0_1_0, ContractVersion::V0_2_0];

    /// `0.1.0`, as in the WIT package `yiwang:service@0.1.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            ContractVersion::V0_1_0 => "0.1.0",
            ContractVersion::V0_2_0 => "0.2.0",
        }
    }

    /// The versions served, for messages: `0.1.0, 0.2.0`.
    pub fn supported() -> String {
        ContractVersion::ALL.map(ContractVersion::as_str).join(", ")
    }
}

impl std::fmt::Display for ContractVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Facts about the call the item must not take from its own clock.
#[derive(Clone, Debug, PartialEq)]
pub struct CallContext {
    pub today: String,
    pub now: String,
    pub case_number: Option<String>,
    pub preview: bool,
}

/// A case as the item sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseView {
    pub number: String,
    pub state: String,
    pub form: String,
    pub derived: String,
    pub applicant: Actor,
    pub submitted_at: String,
}

/// Why a host interface refused a call, as the item is told (the contract's `host-error`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostError {
    /// The item's grant does not cover this call; the refusal is in the audit log.
    Denied(String),
    /// The arguments are not acceptable (too large, malformed JSON, unknown kind).
    Invalid(String),
    /// The call is not possible in this context (delivery outside a case, anything in describe).
    Unavailable(String),
}

/// Where a courier collects or delivers (the contract's `delivery.address`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    pub name: String,
    pub phone: String,
    pub address: String,
}

/// How serious an item's log line is (the contract's `log.level`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

/// A certificate as the item sees it (the contract's `certificates.certificate`): its data as the
/// JSON text it was issued with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateView {
    pub serial: String,
    pub kind: String,
    pub holder: String,
    /// JSON object.
    pub data: String,
    pub issued_on: String,
    pub valid_until: Option<String>,
    pub case_number: Option<String>,
}

impl From<crate::model::effects::Certificate> for CertificateView {
    fn from(c: crate::model::effects::Certificate) -> Self {
        CertificateView {
            serial: c.serial,
            kind: c.kind,
            holder: c.holder,
            data: c.data.to_string(),
            issued_on: c.issued_on,
            valid_until: c.valid_until,
            case_number: c.case_number,
        }
    }
}

impl CertificateView {
    /// A certificate issued during this call, before it is stored, as the item sees it.
    pub fn issued(c: &crate::model::effects::NewCertificate, case_number: &str) -> Self {
        CertificateView {
            serial: c.serial.clone(),
            kind: c.kind.clone(),
            holder: c.holder.clone(),
            data: c.data.clone(),
            issued_on: c.issued_on.clone(),
            valid_until: c.valid_until.clone(),
            case_number: Some(case_number.to_owned()),
        }
    }
}
