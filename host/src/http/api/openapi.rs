//! The OpenAPI document, generated from the handlers' annotations (utoipa) so it cannot drift.

use axum::routing::get;
use utoipa::OpenApi;

use crate::http::{Json, Routes};

#[derive(OpenApi)]
#[openapi(
    info(title = "Yiwang 一网 API", description = "Online government services: catalog, applications, cases, deliveries, administration."),
    paths(
        super::health::healthz,
        super::health::metrics,
        super::auth::login,
        super::auth::logout,
        super::items::list,
        super::items::show,
        super::items::apply,
        super::items::query,
        super::applications::show,
        super::applications::act,
        super::attachments::upload,
        super::attachments::list,
        super::attachments::download,
        super::me::applications,
        super::me::certificates,
        super::me::data_use,
        super::me::notifications,
        super::dept::cases,
        super::dept::fixture,
        super::batch::run,
        super::batch::job,
        super::delivery::event,
        super::versions::upload,
        super::versions::list,
        super::versions::preview,
        super::admin::list,
        super::admin::register,
        super::admin::enable,
        super::admin::disable,
        super::admin::publish,
        super::admin::rollback,
        super::admin::grants,
        super::admin::limits,
        super::admin::audit,
        super::admin::departments,
        super::admin::add_department,
        super::stats::rate,
        super::stats::stats,
        super::stats::rectifications,
        super::stats::close_rectification,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn router() -> Routes {
    Routes::new().route(
        "/api/v1/openapi.json",
        get(|| async { Json(ApiDoc::openapi()) }),
    )
}
