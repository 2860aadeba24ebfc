//! The `replenish` server: configuration, router, security middleware, workers and the command line.

pub mod api;
pub mod cache_changes;
pub mod cli;
pub mod config;
pub mod db;
pub mod device_images;
pub mod field_checks;
pub mod health;
pub mod page_tasks;
pub mod security;
pub mod serve;
pub mod server_fn_errors;
pub mod startup;
pub mod workers;
