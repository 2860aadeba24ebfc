//! The `replenish` command line.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "replenish",
    version,
    about = "Replenish: developer portal and runtime API for automatic replenishment"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal and the runtime API (the default). Applies pending migrations first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a platform reviewer account, or make an existing account a reviewer. Reads the password
    /// from standard input (one line).
    CreateReviewer {
        /// The reviewer's email address.
        #[arg(long)]
        email: String,
    },
}
