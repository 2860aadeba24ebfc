//! The portal: pages, components and server functions, shared by the server (feature `ssr`) and the
//! browser (feature `hydrate`).

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
