//! Everything HTTP: the JSON API under `/api/v1` (and `/healthz`, `/metrics`) in [`api`], the
//! server-rendered web portal in [`web`], and what the two share — the state, the one [`Error`],
//! reading bodies and uploads, the session cookie and the extractors that put the authenticated
//! actor in a handler's signature. Handlers call the domain and shape JSON or HTML; they hold no SQL
//! and know nothing of wasmtime. `api` and `web` never import each other.

mod api;
mod body;
mod error;
mod extract;
mod login;
pub mod server;
pub mod session;
mod upload;
mod web;

use std::sync::Arc;

pub use body::{Json, MAX_BODY_BYTES};
pub use error::{Error, Result};
pub use extract::{Admin, Citizen, Courier, Credential, CurrentUser, Gate, Staff};
pub(crate) use login::{SignedIn, secure_cookie, sign_in};
pub use upload::ComponentLimit;
pub(crate) use upload::{MULTIPART_OVERHEAD, read_upload, read_version_parts};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::MethodRouter;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::domain::attachments::Attachments;
use crate::domain::batch::Batch;
use crate::domain::cases::Cases;
use crate::domain::departments::Departments;
use crate::domain::items::Items;
use crate::domain::me::Me;
use crate::domain::stats::Stats;
use crate::storage::Storage;

/// What every handler can reach: the domain's services, each built once at start-up, and the
/// storage for the few things below the domain (sign-in tokens, the health check, the audit list).
#[derive(Clone)]
pub struct AppState {
    pub storage: Storage,
    pub items: Arc<Items>,
    pub cases: Arc<Cases>,
    pub stats: Arc<Stats>,
    pub attachments: Arc<Attachments>,
    pub batch: Arc<Batch>,
    pub departments: Arc<Departments>,
    pub me: Arc<Me>,
    pub token_ttl_hours: i64,
    pub metrics: PrometheusHandle,
}

/// Every route the server has — the API's and the web's — with the list of their paths.
fn all_routes() -> Routes {
    api::routes().merge(web::routes())
}

/// The whole site: the API and the web portal, with the layers every request goes through.
pub fn app_router(state: AppState) -> Router {
    all_routes()
        .router
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(body::refuse_nul))
        .layer(axum::middleware::from_fn(api::track_metrics))
        .with_state(state)
}

/// An unknown path: the API's JSON error under `/api/`, the site's 404 page anywhere else.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        Error::NotFound.into_response()
    } else {
        web::PageError::from(Error::NotFound).into_response()
    }
}

/// The path of every route the server has, as the router has them (`/api/v1/items/{code}`). The
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
