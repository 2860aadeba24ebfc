//! sea-orm entities, one per table. Every tenant-owned table carries `organization_id`.

pub mod account_token;
pub mod audit_log;
pub mod invite;
pub mod mail_throttle;
pub mod membership;
pub mod organization;
pub mod outbox_email;
pub mod session;
pub mod sign_in_failure;
pub mod user;
