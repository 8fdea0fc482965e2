//! What can go wrong with a request in the domain; `http::Error` turns each into its status.

use crate::model::contract::FieldError;
use crate::runtime::CallError;

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// Does not exist, or is not the caller's to see: the two look the same from outside.
    #[error("请求的内容不存在")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    ForbiddenAction(String),
    #[error("{0}")]
    WrongState(String),
    #[error("{0}")]
    UndeclaredAction(String),
    #[error("{0}")]
    Refused(String),
    /// The case moved on while the action was being decided.
    #[error("the case was changed by someone else; reload and try again")]
    Conflict,
    #[error("此事项暂停办理")]
    ItemDisabled,
    #[error("请填写办理意见")]
    CommentRequired,
    #[error("此办件已评价过")]
    AlreadyRated,
    #[error("表单填写有误")]
    InvalidForm(Vec<FieldError>),
    #[error("不符合办理条件")]
    Ineligible(Vec<FieldError>),
    #[error("输入有误")]
    InvalidInput(Vec<FieldError>),
    /// A request field other than the form is wrong (`code`, message).
    #[error("{1}")]
    InvalidRequest(&'static str, String),
    /// Not the caller's to do, with a reason more precise than `forbidden` (`code`, message).
    #[error("{1}")]
    ForbiddenCode(&'static str, String),
    /// The request conflicts with what is stored (`code`, message): 409.
    #[error("{1}")]
    Conflicting(&'static str, String),
    /// Too large for its limit (`code`, message): 413.
    #[error("{1}")]
    TooLarge(&'static str, String),
    /// The item's call failed: a trap or a limit.
    #[error("{0}")]
    ItemCall(#[from] CallError),
    /// The item reported that something it relies on failed.
    #[error("{0}")]
    ItemFailed(String),
    /// The item answered outside its own contract (a state its workflow does not allow, say).
    #[error("{0}")]
    ItemMisbehaved(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T, E = DomainError> = std::result::Result<T, E>;
