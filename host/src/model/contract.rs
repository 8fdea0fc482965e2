//! Host-side mirrors of the records an item returns (see `wit/v0.1.0/types.wit`), so the domain
//! can work with them without knowing wasmtime. The runtime converts to and from the bindings.

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
