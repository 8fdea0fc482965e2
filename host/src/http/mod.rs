//! The HTTP API under `/api/v1` (and `/healthz`, `/metrics`): one module per resource, each with
//! its own `router()` (a [`Routes`], which lists its paths), merged by [`api_router`]. Handlers
//! take the authenticated actor from an extractor, call the domain and shape JSON; they hold no
//! SQL and know nothing of wasmtime.

mod admin;
mod applications;
mod attachments;
mod auth;
mod batch;
mod delivery;
mod dept;
mod error;
mod health;
mod items;
mod me;
mod openapi;
mod stats;
mod versions;

use std::sync::Arc;

/// The upload the web's form shares with the API's.
pub(crate) use attachments::{MULTIPART_OVERHEAD, read_upload, service as attachments_service};
/// The login the web's form shares with the API's.
pub(crate) use auth::{secure as secure_cookie, sign_in};
pub use error::{Error, Result};
pub(crate) use versions::read_version_parts;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::MethodRouter;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::domain::cases::Cases;
use crate::domain::items::Items;
use crate::domain::stats::Stats;
use crate::storage::Storage;

/// Largest JSON body the API takes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub storage: Storage,
    pub items: Arc<Items>,
    pub cases: Arc<Cases>,
    pub stats: Arc<Stats>,
    pub token_ttl_hours: i64,
    pub metrics: PrometheusHandle,
}

/// Every route of the API, with the list of their paths.
fn all_routes() -> Routes {
    Routes::new()
        .merge(health::router())
        .merge(openapi::router())
        .merge(auth::router())
        .merge(items::router())
        .merge(applications::router())
        .merge(attachments::router())
        .merge(me::router())
        .merge(dept::router())
        .merge(batch::router())
        .merge(versions::router())
        .merge(delivery::router())
        .merge(admin::router())
        .merge(stats::router())
        .merge(crate::web::routes())
}

pub fn api_router(state: AppState) -> Router {
    all_routes()
        .router
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(refuse_nul))
        .layer(axum::middleware::from_fn(health::track_metrics))
        .with_state(state)
}

/// An unknown path: the API's JSON error under `/api/`, the site's 404 page anywhere else.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        Error::NotFound.into_response()
    } else {
        crate::web::PageError::from(Error::NotFound).into_response()
    }
}

/// The path of every route the API serves, as the router has them (`/api/v1/items/{code}`). The
/// authorization matrix test walks this list, so a route added without its rows fails it.
pub fn route_paths() -> Vec<&'static str> {
    all_routes().paths
}

/// A module's routes: an axum router that also keeps the list of its paths.
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl Routes {
    pub fn new() -> Routes {
        Routes::default()
    }

    pub fn route(mut self, path: &'static str, method_router: MethodRouter<AppState>) -> Routes {
        self.router = self.router.route(path, method_router);
        self.paths.push(path);
        self
    }

    fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.paths.extend(other.paths);
        self
    }
}

/// A multipart body that cannot be read: too large for its route, or malformed.
pub(crate) fn bad_multipart(error: axum::extract::multipart::MultipartError) -> Error {
    if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return Error::PayloadTooLarge;
    }
    Error::BadRequest("invalid_multipart", error.body_text())
}

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

fn nul_refused() -> Error {
    Error::BadRequest("invalid_text", "请求中含有不允许的空字符（NUL）".into())
}

/// The same for a path or a query string (`%00`), before any handler runs.
async fn refuse_nul(
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
