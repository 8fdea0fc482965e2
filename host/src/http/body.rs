//! Reading request bodies the same way for the API and the web: JSON whose rejections come out in
//! the API's error shape, and a NUL character refused wherever it comes (body, path or query)
//! before it reaches the domain. Knows axum; knows nothing of items or cases.

use super::{Error, Result};

/// Largest JSON body the API takes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A JSON body, whose rejections come out in the API's error shape.
pub struct Json<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for Json<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(req.headers()) {
            return Err(Error::UnsupportedMediaType);
        }
        let bytes = match axum::body::Bytes::from_request(req, state).await {
            Ok(bytes) => bytes,
            Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(Error::PayloadTooLarge);
            }
            Err(rejection) => return Err(Error::BadRequest("invalid_body", rejection.body_text())),
        };
        if has_nul_escape(&bytes) {
            return Err(nul_refused());
        }
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(Error::BadRequest("invalid_json", rejection.body_text())),
        }
    }
}

/// `application/json`, or a `+json` type, as axum's own `Json` accepts.
fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(mime) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
    else {
        return false;
    };
    let mime = mime.trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// A NUL character (`\u0000` in JSON) is never meaningful input, and PostgreSQL cannot store it
/// in text: refused before it reaches the domain.
fn has_nul_escape(json: &[u8]) -> bool {
    json.windows(6)
        .any(|w| w[0] == b'\\' && w[1] == b'u' && w[2..].eq_ignore_ascii_case(b"0000"))
}

pub(super) fn nul_refused() -> Error {
    Error::BadRequest("invalid_text", "请求中含有不允许的空字符（NUL）".into())
}

/// The same for a path or a query string (`%00`), before any handler runs.
pub(super) async fn refuse_nul(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let uri = request.uri();
    let has_nul = |text: &str| text.contains("%00");
    if has_nul(uri.path()) || uri.query().is_some_and(has_nul) {
        return axum::response::IntoResponse::into_response(nul_refused());
    }
    next.run(request).await
}

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}
