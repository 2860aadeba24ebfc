//! Background workers. Each one claims its work from the database, so several server instances can run
//! them side by side without doing anything twice.

pub mod mail;
pub mod sessions;
