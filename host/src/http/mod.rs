//! The HTTP API under `/api/v1` (and `/healthz`, `/metrics`): one module per resource, each with
//! its own `router()`, merged by [`api_router`]. Handlers take the authenticated actor from an
//! extractor, call the domain and shape JSON; they hold no SQL and know nothing of wasmtime.

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

pub use error::{Error, Result};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::JsonRejection;
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

pub fn api_router(state: AppState) -> Router {
    Router::new()
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
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(health::track_metrics))
        .with_state(state)
}

/// A JSON body, whose rejections come out in the API's error shape.
pub struct Json<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for Json<T>
where
    axum::Json<T>: axum::extract::FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(Error::UnsupportedMediaType),
            Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(Error::PayloadTooLarge)
            }
            Err(rejection) => Err(Error::BadRequest("invalid_json", rejection.body_text())),
        }
    }
}

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}
