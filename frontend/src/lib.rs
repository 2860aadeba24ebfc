//! The browser half: brings the server-rendered portal's islands to life.

// Linked for the islands it exports: the island script in the page calls them by name.
extern crate app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // Tells the navigation script (app/src/navigation.js) that islands in a new page can be hydrated.
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("data-islands", "");
    }
}
