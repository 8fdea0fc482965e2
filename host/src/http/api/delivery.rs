//! The courier's webhook: pick-ups and deliveries reported by the courier company.

use axum::extract::State;
use axum::routing::post;
use serde::Deserialize;

use crate::domain::cases::CourierDone;
use crate::http::Courier;
use crate::http::{AppState, Json, Result, Routes};

pub fn router() -> Routes {
    Routes::new().route("/api/v1/delivery/events", post(event))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DeliveryEvent {
    tracking_number: String,
    /// `picked-up` or `delivered`.
    event: String,
}

/// Report a courier event; it moves the delivery and the case together.
#[utoipa::path(post, path = "/api/v1/delivery/events", tag = "delivery", request_body = DeliveryEvent,
    responses((status = 200, body = CourierDone), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn event(
    State(state): State<AppState>,
    Courier(courier): Courier,
    Json(event): Json<DeliveryEvent>,
) -> Result<Json<CourierDone>> {
    let done = state
        .cases
        .courier_event(&courier, event.tracking_number.trim(), &event.event)
        .await?;
    Ok(Json(done))
}
