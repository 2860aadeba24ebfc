//! One module per route family.

mod account;
mod auth;
mod certification_review;
mod consent;
mod customer;
mod devices;
mod docs;
mod invites;
mod members;
mod notifications;
mod organizations;
mod review;
mod security_profiles;

pub use account::AccountPage;
pub use auth::{
    CheckEmailPage, ForgotPasswordPage, HomePage, ResetPasswordPage, SignInPage, SignUpPage, VerifyEmailPage,
};
pub use certification_review::CertificationReviewPage;
pub use consent::ConsentPage;
pub use customer::{CancelOrderPage, CustomerCheckEmailPage, CustomerVerifyPage, MyAccountPage};
pub use devices::{
    CertificationPage, DeviceFrame, DeviceLocalizationPage, DeviceOverviewPage, DevicesPage, InventoryPage,
    RegisterDevicePage, ReplenishmentPage, SandboxPage, SlotLocalizationPage,
};
pub use docs::DocsPage;
pub use invites::InvitePage;
pub use members::MembersPage;
pub use notifications::{DeliveryLogPage, NotificationsPage};
pub use organizations::{ActivityPage, NewOrganizationPage, NotFoundPage, SettingsPage};
pub use review::{ReviewPage, ReviewRequestPage};
pub use security_profiles::SecurityProfilesPage;

use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The last error of a server action, as a signal forms can read.
pub(crate) fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// One query parameter of the current URL.
pub(crate) fn query_param(name: &'static str) -> Signal<Option<String>> {
    let query = use_query_map();
    Signal::derive(move || query.read().get(name).filter(|v| !v.is_empty()))
}
