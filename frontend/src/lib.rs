//! The browser half: hydrates the server-rendered portal.

// Release builds keep every view's full type (debug builds erase them), and the app's deepest pages (the
// request form, the review console) nest past the default limit of 128 when the bundle is assembled here.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
