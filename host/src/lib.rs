//! Yiwang (一网): a city's online government services platform. Each service item is a sandboxed
//! WebAssembly component behind the `yiwang:service` WIT contract; this crate is the host that
//! loads items, serves the HTTP API and web pages, and keeps cases in SQLite or PostgreSQL.
//!
//! See ARCHITECTURE.md for the map.

pub mod admin;
pub mod auth;
pub mod capabilities;
pub mod config;
pub mod doctor;
pub mod domain;
#[cfg(test)]
mod fuzz;
pub mod http;
pub mod kit;
pub mod model;
pub mod outbox;
pub mod runtime;
#[cfg(test)]
mod seeded;
pub mod signing;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod watch;
