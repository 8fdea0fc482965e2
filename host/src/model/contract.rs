//! Host-side mirrors of the records that cross the contract (see `wit/v0.1.0/types.wit`), so the
//! domain and the capabilities work with them without knowing wasmtime. The runtime converts them
//! to and from the bindings of each contract version.

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
