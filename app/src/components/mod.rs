//! Reusable pieces of the portal's UI.

mod forms;
mod frame;
mod header;

pub use forms::{Field, FormAlert, Notice, RoleSelect, Submit};
pub(crate) use frame::urlencode;
pub use frame::{ErrorPage, OrgFrame, PublicFrame, SignedInFrame};
pub use header::AppHeader;
