//! Liveness and Prometheus metrics, and the middleware that counts every request.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::http::{AppState, Json, Result, Routes};

pub fn router() -> Routes {
    Routes::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
}

/// 200 when the database answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200), (status = 500)))]
async fn healthz(State(state): State<AppState>) -> Result<Json<serde_json::Value>> {
    state.storage.ping().await?;
    Ok(Json(
        json!({ "status": "ok", "items": state.items.all().len() }),
    ))
}

/// Prometheus text format. The gauges of what is stored (`yiwang_cases_overdue`) are read from
/// the database as the scrape comes in, so every host of a deployment reports the same figures; if
/// that read fails, the other series are still served and the gauges keep their last values.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, content_type = "text/plain")))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    match state.stats.overdue_by_department().await {
        Ok(counts) => {
            for (department, overdue) in counts {
                metrics::gauge!("yiwang_cases_overdue", "department" => department)
                    .set(overdue as f64);
            }
        }
        Err(error) => tracing::warn!(?error, "counting the overdue cases for /metrics failed"),
    }
    (
        [("content-type", "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

/// Counts requests and their latency by route pattern (never by raw path: numbers would explode
/// the label set).
pub async fn track_metrics(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("yiwang_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("yiwang_http_request_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}
