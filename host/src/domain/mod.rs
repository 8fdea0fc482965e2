//! The domain: cases, their workflow, the catalog, application numbers and working-day due dates.
//! Knows neither wasmtime (it calls `runtime::Runtime`) nor SQL (it calls `storage::Storage`).

pub mod access;
pub mod attachments;
pub mod batch;
pub mod calendar;
pub mod cases;
pub mod departments;
pub mod error;
pub mod form;
pub mod items;
pub mod labels;
pub mod masking;
pub mod me;
pub mod numbering;
pub mod stats;
