//! The browser half: starts Leptos's islands runtime and marks the page live. The pages hold no islands:
//! Leptos never releases an island it hydrated, so each would keep the page alive after the navigation
//! script swapped it out (`end2end/tests/navigation.spec.ts` counts the browser's DOM nodes to check).

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    let document = leptos::prelude::document();
    // Tells the navigation script (app/src/navigation.js) to mark the pages it swaps in live too.
    if let Some(root) = document.document_element() {
        let _ = root.set_attribute("data-islands", "");
    }
    // What the browser tests wait for.
    if let Some(body) = document.body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
