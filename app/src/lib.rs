//! The portal: pages, components and server functions, rendered by the server (feature `ssr`); the
//! browser (feature `hydrate`) runs only the islands.

pub mod api;
pub mod components;
pub mod error;
pub mod models;
pub mod pages;
mod shell;

#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
pub mod services;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod tasks;

pub use shell::{shell, App};
