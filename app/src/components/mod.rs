//! Reusable pieces of the portal's UI.

mod forms;
mod frame;
mod header;

pub use forms::{
    described, error_id, DefaultSubmit, Field, FieldError, FormAlert, Notice, RoleSelect, SelectField,
    Submit, TextareaField,
};
pub(crate) use frame::urlencode;
pub use frame::{in_org, org_id_param, ErrorPage, OrgFrame, OrgResource, PublicFrame, SignedInFrame};
pub use header::AppHeader;
