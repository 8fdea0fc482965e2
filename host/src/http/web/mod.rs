//! The web portal: server-rendered pages in Chinese for citizens, department staff and admins,
//! built on the same domain calls as the JSON API (`http/`), so a page can do nothing the API
//! would refuse. Knows HTML forms, the session cookie and templates (`host/templates/`); holds no
//! SQL and no rule of its own about cases or items.
//!
//! CSRF: every route goes through [`read_form_token`], which reads the `_csrf` field of an
//! urlencoded or multipart POST into a [`CsrfField`] extension before any extractor runs; the `CurrentUser`
//! extractor then checks it like the `X-CSRF-Token` header, so a change made with the cookie and
//! without the token is refused (403 page) before the handler runs.
//!
//! Large text (适老化): every page route also runs inside [`preferences::with_preferences`], so
//! that every layout is drawn at the text size the visitor's cookie asks for.

mod admin;
mod auth;
mod cases;
mod catalog;
mod certificates;
mod charts;
mod dashboard;
mod dept;
mod form;
mod me;
mod page;
mod people;
mod preferences;
mod stats;
mod versions;

use std::convert::Infallible;

use axum::Extension;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};

use crate::domain::attachments::AttachmentLimits;
use crate::http::session::{CSRF_FORM_FIELD, CsrfField};
use crate::http::{AppState, ComponentLimit, Error, MAX_BODY_BYTES, MULTIPART_OVERHEAD, Routes};

pub use page::PageError;

pub fn routes() -> Routes {
    Routes::new()
        .route("/assets/site.css", get(page::stylesheet))
        .route("/login", form(get(auth::form).post(auth::login)))
        .route("/logout", form(post(auth::logout)))
        .route("/", form(get(catalog::home)))
        .route("/items/{code}", form(get(catalog::item)))
        .route(
            "/items/{code}/apply",
            form(get(catalog::apply_form).post(catalog::apply)),
        )
        .route("/applications/{number}", form(get(cases::show)))
        .route("/applications/{number}/actions", form(post(cases::act)))
        .route("/applications/{number}/rating", form(post(cases::rate)))
        .route(
            "/applications/{number}/attachments",
            upload(post(cases::upload), Upload::Attachment),
        )
        .route("/certificates/{serial}", form(get(certificates::verify)))
        .route("/me/applications", form(get(me::applications)))
        .route("/me/notifications", form(get(me::notifications)))
        .route("/me/data-use", form(get(me::data_use)))
        .route("/dept/cases", form(get(dept::inbox)))
        .route(
            "/dept/items/{code}/versions",
            upload(
                get(versions::list).post(versions::upload),
                Upload::Component,
            ),
        )
        .route(
            "/dept/items/{code}/versions/{version}/preview",
            form(get(versions::preview_form).post(versions::preview)),
        )
        .route(
            "/admin/items",
            form(get(admin::items).post(admin::register)),
        )
        .route("/admin/items/{code}", form(get(admin::item)))
        .route("/admin/items/{code}/grants", form(post(admin::grants)))
        .route("/admin/items/{code}/limits", form(post(admin::limits)))
        .route(
            "/admin/departments",
            form(get(admin::departments).post(admin::add_department)),
        )
        .route("/admin/items/{code}/enable", form(post(admin::enable)))
        .route("/admin/items/{code}/disable", form(post(admin::disable)))
        .route("/admin/items/{code}/publish", form(post(admin::publish)))
        .route("/admin/items/{code}/rollback", form(post(admin::rollback)))
        .route("/admin/audit", form(get(admin::audit)))
        .route("/admin/stats", form(get(dashboard::page)))
        .route("/stats", form(get(stats::page)))
        .route("/stats.csv", form(get(stats::csv)))
        .route("/preferences/text-size", form(get(preferences::text_size)))
}

/// A page route, behind the layer that reads its form's CSRF token, inside the one that gives
/// its pages (error pages too) the visitor's text size.
fn form(route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route
        .layer(middleware::from_fn(read_form_token))
        .layer(middleware::from_fn(preferences::with_preferences))
}

/// What a page's multipart form uploads, which decides how large its body may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Upload {
    /// An application material: up to the attachment limit.
    Attachment,
    /// An item version: up to the component limit.
    Component,
}

/// A page route that takes an upload: its form's token is read within the upload's own limit,
/// and the handler counts the file's bytes against that limit, as the API's.
fn upload(route: MethodRouter<AppState>, kind: Upload) -> MethodRouter<AppState> {
    form(route)
        .layer::<_, Infallible>(DefaultBodyLimit::disable())
        .layer(Extension(kind))
}

/// The most bytes a form POST may carry: the API's body limit, or for a multipart upload its
/// file's limit plus the multipart framing.
fn body_limit(parts: &axum::http::request::Parts, multipart: bool) -> usize {
    let file_limit = match parts.extensions.get::<Upload>() {
        Some(Upload::Attachment) if multipart => parts
            .extensions
            .get::<AttachmentLimits>()
            .map(|limits| limits.max_bytes),
        Some(Upload::Component) if multipart => parts
            .extensions
            .get::<ComponentLimit>()
            .map(|limit| limit.0),
        _ => None,
    };
    file_limit.map_or(MAX_BODY_BYTES, |bytes| bytes + MULTIPART_OVERHEAD)
}

/// For an urlencoded or multipart POST: read the body (up to [`body_limit`]), refuse a NUL character in an urlencoded one (PostgreSQL cannot store
/// one, as in `http::refuse_nul`), put its `_csrf` field in the request's extensions, and hand
/// the same body on.
async fn read_form_token(request: Request, next: Next) -> Response {
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let urlencoded = content_type.starts_with("application/x-www-form-urlencoded");
    let multipart = content_type.starts_with("multipart/form-data");
    if request.method().is_safe() || !(urlencoded || multipart) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, body_limit(&parts, multipart)).await else {
        return PageError::from(Error::PayloadTooLarge).into_response();
    };
    let token = if multipart {
        multipart_token(&content_type, bytes.clone()).await
    } else {
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        if fields
            .iter()
            .any(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return PageError::from(Error::BadRequest(
                "invalid_text",
                "请求中含有不允许的空字符（NUL）".into(),
            ))
            .into_response();
        }
        fields
            .into_iter()
            .find(|(k, _)| k == CSRF_FORM_FIELD)
            .map(|(_, v)| v)
    };
    if let Some(token) = token {
        parts.extensions.insert(CsrfField(token));
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// The `_csrf` part of a multipart body: the forms send it first, so the file is not read.
async fn multipart_token(content_type: &str, bytes: axum::body::Bytes) -> Option<String> {
    let probe = Request::builder()
        .header(CONTENT_TYPE, content_type)
        .body(axum::body::Body::from(bytes))
        .ok()?;
    let mut multipart = Multipart::from_request(probe, &()).await.ok()?;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(CSRF_FORM_FIELD) {
            return field.text().await.ok();
        }
    }
    None
}
