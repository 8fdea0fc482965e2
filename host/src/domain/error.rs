//! What can go wrong with a request in the domain: a handful of kinds, each carrying the stable
//! code the client sees (`wrong_state`, `invalid_form`, `cpu_limit` …). `http::Error` alone turns a
//! kind into its status; the codes are the API's and never change meaning.

use crate::model::contract::FieldError;
use crate::runtime::CallError;

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// Does not exist, or is not the caller's to see: the two look the same from outside (404).
    #[error("请求的内容不存在")]
    NotFound,
    /// Not the caller's to do (403).
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// At odds with the state of the case or item, or with what is stored (409).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// The input is wrong; `fields` names where, when it is about fields (422).
    #[error("{message}")]
    Invalid {
        code: &'static str,
        message: String,
        fields: Vec<FieldError>,
    },
    /// Too large for its limit (413).
    #[error("{message}")]
    TooLarge { code: &'static str, message: String },
    /// The item cannot take the request now: switched off, or at its concurrency limit (503).
    #[error("{message}")]
    Unavailable { code: &'static str, message: String },
    /// The item failed: a trap or a limit (the runtime's code), a failure it reported
    /// (`item_failed`), or an answer outside its own contract (`item_misbehaved`) (502).
    /// `message` may be shown; `detail` is for the log.
    #[error("{message}")]
    Item {
        code: &'static str,
        message: String,
        detail: String,
    },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T, E = DomainError> = std::result::Result<T, E>;

impl DomainError {
    /// The stable code the client sees.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::NotFound => "not_found",
            DomainError::Forbidden { code, .. }
            | DomainError::Conflict { code, .. }
            | DomainError::Invalid { code, .. }
            | DomainError::TooLarge { code, .. }
            | DomainError::Unavailable { code, .. }
            | DomainError::Item { code, .. } => code,
            DomainError::Internal(_) => "internal",
        }
    }

    /// The fields a 422 names (none for any other kind).
    pub fn fields(&self) -> &[FieldError] {
        match self {
            DomainError::Invalid { fields, .. } => fields,
            _ => &[],
        }
    }

    /// The fields of a refused form (`invalid_form` against its schema, `ineligible` by the item's
    /// own checks), for a page to show beside them; any other error as it is.
    pub fn into_form_errors(self) -> Result<Vec<FieldError>> {
        match self {
            DomainError::Invalid {
                code: "invalid_form" | "ineligible",
                fields,
                ..
            } => Ok(fields),
            other => Err(other),
        }
    }

    pub fn forbidden(code: &'static str, message: String) -> DomainError {
        DomainError::Forbidden { code, message }
    }

    pub fn conflict(code: &'static str, message: String) -> DomainError {
        DomainError::Conflict { code, message }
    }

    /// A 422 about the request as a whole.
    pub fn invalid(code: &'static str, message: String) -> DomainError {
        DomainError::Invalid {
            code,
            message,
            fields: Vec::new(),
        }
    }

    /// A 422 naming its fields: `invalid_form` (the form against its schema), `ineligible` (the
    /// item's own checks), `invalid_input` (a query's or action's input).
    pub fn fields_wrong(code: &'static str, fields: Vec<FieldError>) -> DomainError {
        let message = match code {
            "invalid_form" => "表单填写有误",
            "ineligible" => "不符合办理条件",
            _ => "输入有误",
        };
        DomainError::Invalid {
            code,
            message: message.to_string(),
            fields,
        }
    }

    pub fn too_large(code: &'static str, message: String) -> DomainError {
        DomainError::TooLarge { code, message }
    }

    /// The case moved on while the action was being decided.
    pub fn changed_meanwhile() -> DomainError {
        DomainError::conflict(
            "conflict",
            "the case was changed by someone else; reload and try again".into(),
        )
    }

    pub fn item_disabled() -> DomainError {
        DomainError::Unavailable {
            code: "item_disabled",
            message: "此事项暂停办理".into(),
        }
    }

    /// The item said, or showed, that it failed (`item_failed`, `item_misbehaved`); the message
    /// is the item's or the host's own words about it, shown as they are.
    pub fn item(code: &'static str, message: String) -> DomainError {
        DomainError::Item {
            code,
            detail: message.clone(),
            message,
        }
    }
}

/// A failed item call: its cause goes to the log, the client sees only its code.
impl From<CallError> for DomainError {
    fn from(call: CallError) -> DomainError {
        let code = call.code();
        let message = format!("办理系统暂时无法处理此请求（{code}）");
        if code == "busy" {
            return DomainError::Unavailable {
                code: "item_busy",
                message,
            };
        }
        DomainError::Item {
            code,
            message,
            detail: call.to_string(),
        }
    }
}
