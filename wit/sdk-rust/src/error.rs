//! Building the errors an item returns: field errors for the applicant, item errors for the host,
//! a `submit` refusal of either kind, and the message for a failed host call
//! (`certificates.issue: denied: …`). `?` turns field errors and item errors into a
//! [`SubmitError`].

use crate::{FieldError, HostError, ItemError, SubmitError};

impl FieldError {
    /// A refusal that concerns one form field (`plate_number`, or a JSON pointer).
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// A refusal that concerns the application as a whole (an empty `field`).
    pub fn whole(code: &str, message: impl Into<String>) -> Self {
        Self::new("", code, message)
    }
}

/// The actor's reason for an action such as a rejection, trimmed. The host already refuses a
/// missing comment where the workflow says `comment-required`; this also keeps a blank one out.
pub fn reason(comment: Option<&str>) -> Result<&str, ItemError> {
    comment
        .map(str::trim)
        .filter(|comment| !comment.is_empty())
        .ok_or_else(|| ItemError::invalid_field("comment", "comment-required", "请填写理由。"))
}

impl ItemError {
    /// The input is not acceptable because of one field (HTTP 422).
    pub fn invalid_field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, code, message)])
    }

    /// The request is understood but cannot be done now (HTTP 409).
    pub fn refused(message: impl Into<String>) -> Self {
        Self::Refused(message.into())
    }

    /// Something the item relies on failed (HTTP 502).
    pub fn failed(message: impl Into<String>) -> Self {
        Self::Failed(message.into())
    }

    /// A host call failed: `call` names it (`certificates.issue`), the message keeps the host's
    /// reason (`certificates.issue: denied: kind inspection-mark not granted`).
    pub fn host(call: &str, error: HostError) -> Self {
        Self::Failed(format!("{call}: {}: {}", error.kind(), error.reason()))
    }

    /// The explanation without the case name, for a log line: the message, or for `invalid` each
    /// field error as `field: code: message`.
    pub fn reason(&self) -> String {
        match self {
            Self::Invalid(errors) => errors
                .iter()
                .map(|error| format!("{}: {}: {}", error.field, error.code, error.message))
                .collect::<Vec<_>>()
                .join("; "),
            Self::Refused(message) | Self::Failed(message) => message.clone(),
        }
    }
}

impl From<Vec<FieldError>> for ItemError {
    fn from(errors: Vec<FieldError>) -> Self {
        Self::Invalid(errors)
    }
}

impl From<Vec<FieldError>> for SubmitError {
    fn from(errors: Vec<FieldError>) -> Self {
        Self::Fields(errors)
    }
}

impl From<FieldError> for SubmitError {
    fn from(error: FieldError) -> Self {
        Self::Fields(vec![error])
    }
}

/// A denied registry, a failed dependency: not something the applicant can correct in the form.
impl From<ItemError> for SubmitError {
    fn from(error: ItemError) -> Self {
        Self::Item(error)
    }
}

impl HostError {
    /// The case name as in the WIT: `denied`, `invalid` or `unavailable`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Denied(_) => "denied",
            Self::Invalid(_) => "invalid",
            Self::Unavailable(_) => "unavailable",
        }
    }

    /// The host's explanation.
    pub fn reason(&self) -> &str {
        match self {
            Self::Denied(reason) | Self::Invalid(reason) | Self::Unavailable(reason) => reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_reason_is_no_reason() {
        assert!(reason(None).is_err());
        assert!(reason(Some("  ")).is_err());
        assert_eq!(reason(Some(" 材料不清晰 ")), Ok("材料不清晰"));
    }

    #[test]
    fn a_failed_host_call_names_the_call_the_kind_and_the_reason() {
        let error = ItemError::host(
            "certificates.issue",
            HostError::Denied("not granted".into()),
        );
        assert_eq!(
            error,
            ItemError::Failed("certificates.issue: denied: not granted".into())
        );
    }

    #[test]
    fn submit_refuses_with_either_kind() {
        fn refuse(denied: bool) -> Result<(), SubmitError> {
            if denied {
                Err(ItemError::host(
                    "registries.lookup",
                    HostError::Denied("no".into()),
                ))?;
            }
            Err(FieldError::whole("closed", "已停办"))?
        }
        assert!(matches!(
            refuse(true),
            Err(SubmitError::Item(ItemError::Failed(_)))
        ));
        assert!(matches!(refuse(false), Err(SubmitError::Fields(f)) if f.len() == 1));
    }

    #[test]
    fn a_whole_application_error_has_an_empty_field() {
        assert_eq!(FieldError::whole("closed", "已停办").field, "");
    }
}
