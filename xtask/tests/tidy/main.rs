//! Tidy checks: the house rules that code can check, read off `host/src` as text so they hold
//! whatever the build does. Each failure says which rule broke, where, and what to do.

mod host;
mod layers;
mod lexer;
mod paths;
mod rooms;
mod sizes;
