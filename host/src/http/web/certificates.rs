//! Verifying a certificate (证照核验): a page anyone can open from the link on the case page or
//! printed on paper, saying whether the serial is a certificate this platform issued and whether
//! it is valid today. The holder's ID number is shown masked; the case and the data are not shown.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::page::{Layout, PageResult, Visitor, render};
use super::people::People;
use crate::domain::masking::mask_id_numbers_in;
use crate::domain::stats::china_date;
use crate::http::AppState;

#[derive(Template)]
#[template(path = "certificate.html")]
struct CertificatePage {
    layout: Layout,
    serial: String,
    found: Option<Found>,
}

struct Found {
    kind: String,
    holder: String,
    issued_on: String,
    valid_until: Option<String>,
    valid: bool,
}

pub async fn verify(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(serial): Path<String>,
) -> PageResult<Response> {
    let today = china_date(chrono::Utc::now())
        .format("%Y-%m-%d")
        .to_string();
    let found = state
        .storage
        .certificate_by_serial(&serial)
        .await?
        .map(|c| Found {
            kind: kind_label(&state, &c.kind),
            valid: c
                .valid_until
                .as_deref()
                .is_none_or(|until| until >= today.as_str()),
            holder: mask_id_numbers_in(&c.holder),
            issued_on: c.issued_on,
            valid_until: c.valid_until,
        });
    let status = if found.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let page = CertificatePage {
        layout: visitor.layout("证照核验"),
        serial,
        found,
    };
    Ok(render(status, &page))
}

/// The kind as the item that declares it labels it (any live item: kinds are the licence
/// library's, shared); the code when no item does.
fn kind_label(state: &AppState, kind: &str) -> String {
    state
        .items
        .all()
        .values()
        .find_map(|live| live.version.info.labels.certificates.get(kind).cloned())
        .unwrap_or_else(|| kind.to_owned())
}
