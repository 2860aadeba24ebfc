//! sea-orm entities, one per table. Every tenant-owned table carries `organization_id`.

pub mod account_token;
pub mod audit_log;
pub mod consumable_category;
pub mod device;
pub mod device_image;
pub mod device_marketplace;
pub mod device_test_account;
pub mod invite;
pub mod mail_throttle;
pub mod marketplace;
pub mod membership;
pub mod organization;
pub mod outbox_email;
pub mod replenishment_request;
pub mod request_event;
pub mod request_slot;
pub mod session;
pub mod sign_in_failure;
pub mod slot;
pub mod slot_approval;
pub mod slot_name;
pub mod user;
