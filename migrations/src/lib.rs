//! The database schema, one migration per change, applied at start-up on SQLite and PostgreSQL alike.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_accounts;
mod m20261123_000002_create_mail_throttle;
mod m20261123_000003_create_devices;
mod m20261123_000004_create_replenishment_requests;
mod m20261123_000005_create_runtime;
mod m20261124_000006_create_notifications;
mod m20261124_000007_create_inventory_readings;
mod m20261124_000008_verify_customers;
mod m20261124_000009_create_request_log;
mod m20261124_000010_notification_registration;
mod m20261124_000011_create_sandbox_clock_and_certification;
mod m20261124_000012_test_account_acceptance;
mod m20261124_000013_device_list_order;
mod m20261206_000014_organization_device_count;
mod m20261207_000015_create_shown_once;
mod m20261207_000016_notify_viewer_changes;
mod m20261207_000017_notify_device_changes;
mod postgres_only;

pub use m20261207_000016_notify_viewer_changes::VIEWER_CHANGES_CHANNEL;
pub use m20261207_000017_notify_device_changes::DEVICE_CHANGES_CHANNEL;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_accounts::Migration),
            Box::new(m20261123_000002_create_mail_throttle::Migration),
            Box::new(m20261123_000003_create_devices::Migration),
            Box::new(m20261123_000004_create_replenishment_requests::Migration),
            Box::new(m20261123_000005_create_runtime::Migration),
            Box::new(m20261124_000006_create_notifications::Migration),
            Box::new(m20261124_000007_create_inventory_readings::Migration),
            Box::new(m20261124_000008_verify_customers::Migration),
            Box::new(m20261124_000009_create_request_log::Migration),
            Box::new(m20261124_000010_notification_registration::Migration),
            Box::new(m20261124_000011_create_sandbox_clock_and_certification::Migration),
            Box::new(m20261124_000012_test_account_acceptance::Migration),
            Box::new(m20261124_000013_device_list_order::Migration),
            Box::new(m20261206_000014_organization_device_count::Migration),
            Box::new(m20261207_000015_create_shown_once::Migration),
            Box::new(m20261207_000016_notify_viewer_changes::Migration),
            Box::new(m20261207_000017_notify_device_changes::Migration),
        ]
    }
}
