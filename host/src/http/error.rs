//! The one error type of the HTTP layer. Every refusal is JSON
//! `{"error": {"code", "message"[, "fields"]}}` with its status; internal causes go to the log,
//! never to the client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::domain::error::DomainError;
use crate::model::contract::FieldError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("请先登录")]
    Unauthenticated,
    #[error("用户名或密码错误")]
    InvalidCredentials,
    /// Too many failed logins: locked for `retry_after_secs` more seconds.
    #[error("登录失败次数过多，账号已暂时锁定，请稍后再试")]
    LoginLocked { retry_after_secs: i64 },
    #[error("{0}")]
    Forbidden(String),
    /// A change made with the session cookie without the session's CSRF token.
    #[error("请求缺少有效的 CSRF 令牌，请刷新页面后重试")]
    CsrfFailed,
    #[error("请求的内容不存在")]
    NotFound,
    #[error("{1}")]
    BadRequest(&'static str, String),
    #[error("请求体过大")]
    PayloadTooLarge,
    #[error("请求体须为 JSON（Content-Type: application/json）")]
    UnsupportedMediaType,
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    fn parts(&self) -> (StatusCode, &'static str, Option<&[FieldError]>) {
        use DomainError as D;
        match self {
            Error::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated", None),
            Error::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials", None),
            Error::LoginLocked { .. } => (StatusCode::TOO_MANY_REQUESTS, "login_locked", None),
            Error::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", None),
            Error::CsrfFailed => (StatusCode::FORBIDDEN, "csrf_failed", None),
            Error::NotFound => (StatusCode::NOT_FOUND, "not_found", None),
            Error::BadRequest(code, _) => (StatusCode::UNPROCESSABLE_ENTITY, code, None),
            Error::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", None),
            Error::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                None,
            ),
            Error::Domain(error) => {
                let status = match error {
                    D::NotFound => StatusCode::NOT_FOUND,
                    D::Forbidden { .. } => StatusCode::FORBIDDEN,
                    D::Conflict { .. } => StatusCode::CONFLICT,
                    D::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                    D::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                    D::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
                    D::Item { .. } => StatusCode::BAD_GATEWAY,
                    D::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
                };
                // `fields` only where a refusal names some, as the API always answered.
                let fields = Some(error.fields()).filter(|fields| !fields.is_empty());
                (status, error.code(), fields)
            }
            Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", None),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code, fields) = self.parts();
        let message = match &self {
            Error::Internal(cause) | Error::Domain(DomainError::Internal(cause)) => {
                tracing::error!(error = %format!("{cause:#}"), "internal error");
                "服务器内部错误，请稍后再试".to_string()
            }
            Error::Domain(DomainError::Item {
                code,
                message,
                detail,
            }) => {
                tracing::warn!(code, error = %detail, "item call failed");
                message.clone()
            }
            other => other.to_string(),
        };
        let mut error = json!({ "code": code, "message": message });
        if let Some(fields) = fields {
            error["fields"] = json!(fields);
        }
        let mut response = (status, Json(json!({ "error": error }))).into_response();
        if let Error::LoginLocked { retry_after_secs } = self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                retry_after_secs.max(1).into(),
            );
        }
        response
    }
}
