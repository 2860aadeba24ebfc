//! Background workers. Each claims its work in the database with a lease, so several server instances can
//! run them side by side; delivery is at least once (a crash after sending and before recording it sends
//! again when the lease runs out).

pub mod fulfilment;
pub mod mail;
pub mod notifications;
pub mod sessions;
