mod auth;
mod catalog;
mod health;
mod helpers;
mod limits;
mod persistence;
mod vehicle_submission;
mod vehicle_workflow;
