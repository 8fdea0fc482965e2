//! The JSON API under `/api/v1` (and `/healthz`, `/metrics`): one module per resource, each with
//! its own `router()` (a [`Routes`], which lists its paths), merged by [`routes`]. The OpenAPI
//! document is generated from the handlers' `#[utoipa::path]` annotations. Knows nothing of the
//! web pages.

mod admin;
mod applications;
mod attachments;
mod auth;
mod batch;
mod delivery;
mod dept;
mod health;
mod items;
mod me;
mod openapi;
mod stats;
mod versions;

pub(super) use health::track_metrics;

use crate::http::Routes;

/// Every route of the API.
pub(super) fn routes() -> Routes {
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
}
