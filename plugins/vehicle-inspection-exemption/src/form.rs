//! The application form and the query input, as the form schema in [`crate::catalog`] describes
//! them. The host has validated both shapes before the item sees them.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    pub plate_number: String,
    pub vin_last6: String,
    pub owner_name: String,
    pub owner_id_number: String,
    pub phone: String,
    pub mailing_address: String,
    pub wants_paper_mark: bool,
}

/// The input of the eligibility pre-check (`query`).
#[derive(Debug, Deserialize)]
pub struct QueryInput {
    pub plate_number: String,
}
