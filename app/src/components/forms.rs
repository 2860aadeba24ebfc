use crate::error::AppError;
use crate::models::{FieldRule, Role};
use leptos::prelude::*;

/// A labelled input whose error, when the server reports one for `name`, sits right below it and is tied
/// to it for screen readers. After a failed submit it shows again what was typed (never for passwords).
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional_no_strip)] value: Option<String>,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    /// Needed when a page has several forms with a field of the same name.
    #[prop(optional)]
    id: Option<String>,
    /// The server's rule for the value, checked once it changes (app/src/field_checks.js).
    #[prop(optional)]
    check: Option<FieldRule>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| format!("field-{name}"));
    let error = error.get_untracked();
    let message = error.as_ref().and_then(|e| e.field_message(name));
    let typed =
        if kind == "password" { None } else { error.as_ref().and_then(|e| e.typed_value(name)).or(value) };
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = described(hint.map(|_| hint_id.as_str()), message.as_ref().map(|_| error_id.clone()));
    let invalid = message.is_some();
    view! {
        <div class="field" class:invalid=invalid>
            <label for=id.clone()>{label}</label>
            {hint.map(|text| view! { <p class="hint" id=hint_id.clone()>{text}</p> })}
            <input
                id=id
                name=name
                type=kind
                value=typed
                autocomplete=autocomplete
                aria-invalid=invalid.then_some("true")
                aria-describedby=described_by
                data-check=check.map(FieldRule::as_str)
                data-error-id=check.map(|_| error_id.clone())
            />
            {message.map(|text| view! { <p class="field-error" id=error_id>{text}</p> })}
        </div>
    }
}

/// A role picker with the three roles.
#[component]
pub fn RoleSelect(
    name: &'static str,
    id: String,
    #[prop(optional)] selected: Option<Role>,
    #[prop(optional)] aria_label: Option<String>,
) -> impl IntoView {
    let selected = selected.unwrap_or(Role::Developer);
    view! {
        <select name=name id=id aria-label=aria_label>
            {Role::ALL
                .into_iter()
                .map(|role| {
                    view! {
                        <option value=role.as_str() selected=role == selected>
                            {role.label()}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}

/// The form-level message: what went wrong when it is not one field's fault.
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || error.get().map(|error| view! { <div class="alert error" role="alert">{error.to_string()}</div> })
}

/// A confirmation shown after a successful change.
#[component]
pub fn Notice(#[prop(into)] text: Signal<Option<String>>) -> impl IntoView {
    move || text.get().map(|text| view! { <div class="alert success" role="status">{text}</div> })
}

/// A form's submit button. While the form is being sent, the navigation script marks it busy.
#[component]
pub fn Submit(
    label: &'static str,
    #[prop(default = "button primary")] class: &'static str,
    #[prop(optional)] aria_label: Option<String>,
) -> impl IntoView {
    view! {
        <button type="submit" class=class aria-label=aria_label>
            {label}
        </button>
    }
}

/// The id of the message element for field `name`, for `aria-describedby`.
pub fn error_id(name: &str) -> String {
    let cleaned: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    format!("error-{cleaned}")
}

/// The server's (or the browser's) message for one field of a hand-built control (a select, a radio
/// group, a row of a table), placed right after it.
#[component]
pub fn FieldError(#[prop(into)] message: Signal<Option<String>>, name: String) -> impl IntoView {
    view! { <ErrorBelow message id=error_id(&name)/> }
}

/// A field's message, in the element of ID `id` that the field's `aria-describedby` names.
#[component]
fn ErrorBelow(message: Signal<Option<String>>, id: String) -> impl IntoView {
    move || message.get().map(|text| view! { <p class="field-error" id=id.clone()>{text}</p> })
}

/// The form's first submit button, so that Enter in a field saves the form instead of pressing a helper
/// button placed earlier in it (Generate, Delete, Copy). Invisible and outside the tab order; the visible
/// save button is the one people use.
#[component]
pub fn DefaultSubmit(label: &'static str) -> impl IntoView {
    view! {
        <button type="submit" class="visually-hidden" tabindex="-1" aria-hidden="true">
            {label}
        </button>
    }
}

/// The `aria-describedby` of a control with an optional hint and error.
pub fn described(hint: Option<&str>, error: Option<String>) -> Option<String> {
    let ids: Vec<String> = hint.map(str::to_owned).into_iter().chain(error).collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// A labelled select with its error below, for options the caller renders. The error's ID comes from the
/// select's, since a page may hold several selects of the same name (one per profile, one per form).
#[component]
pub fn SelectField(
    label: &'static str,
    id: String,
    name: String,
    message: Signal<Option<String>>,
    children: Children,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let error_ref = error_id.clone();
    view! {
        <div class="field" class:invalid=move || message.get().is_some()>
            <label for=id.clone()>{label}</label>
            <select id=id name=name aria-invalid=move || message.get().map(|_| "true") aria-describedby=move || message.get().map(|_| error_ref.clone())>
                {children()}
            </select>
            <ErrorBelow message id=error_id/>
        </div>
    }
}

/// A labelled textarea with a hint and its error below. The error's ID comes from the textarea's: the field
/// check script shows a refusal in the element of that ID, and a page may hold several forms with a
/// textarea of the same name whose refusals show at once.
#[component]
pub fn TextareaField(
    label: &'static str,
    hint: &'static str,
    id: String,
    name: String,
    value: String,
    message: Signal<Option<String>>,
    #[prop(default = "2")] rows: &'static str,
    /// The server's rule for the value, checked once it changes (app/src/field_checks.js).
    #[prop(optional)]
    check: Option<FieldRule>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let hint_ref = hint_id.clone();
    let error_ref = error_id.clone();
    let checked_error_id = check.map(|_| error_id.clone());
    view! {
        <div class="field" class:invalid=move || message.get().is_some()>
            <label for=id.clone()>{label}</label>
            <p class="hint" id=hint_id>{hint}</p>
            <textarea
                id=id
                name=name
                rows=rows
                aria-invalid=move || message.get().map(|_| "true")
                aria-describedby=move || described(Some(&hint_ref), message.get().map(|_| error_ref.clone()))
                data-check=check.map(FieldRule::as_str)
                data-error-id=checked_error_id
            >{value}</textarea>
            <ErrorBelow message id=error_id/>
        </div>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn selects_and_textareas_name_their_error_after_their_own_id() {
        let owner = Owner::new();
        owner.set();
        let message = Signal::derive(|| Some("Choose how long.".to_owned()));
        let select = view! {
            <SelectField label="Overlap" id="profile-1-overlap".into() name="overlap_hours".into() message>
                <option value="1">"1 hour"</option>
            </SelectField>
        }
        .to_html();
        assert!(select.contains(r#"aria-describedby="profile-1-overlap-error""#), "{select}");
        assert!(
            select.contains(r#"<p id="profile-1-overlap-error" class="field-error">Choose how long."#),
            "{select}"
        );
        let textarea = view! {
            <TextareaField
                label="Return URLs"
                hint="One per line."
                id="profile-1-return-urls".into()
                name="return_urls".into()
                value=String::new()
                message
                check=FieldRule::ReturnUrls
            />
        }
        .to_html();
        assert!(
            textarea.contains(r#"aria-describedby="profile-1-return-urls-hint profile-1-return-urls-error""#),
            "{textarea}"
        );
        assert!(textarea.contains(r#"data-error-id="profile-1-return-urls-error""#), "{textarea}");
        // Matched with its tag: `data-error-id="…"` alone would contain `id="…"` too.
        assert!(
            textarea.contains(r#"<p id="profile-1-return-urls-error" class="field-error">Choose how long."#),
            "{textarea}"
        );
    }
}
