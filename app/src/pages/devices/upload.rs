//! Uploading the device image from a hydrated page: the same multipart post the plain form makes, sent
//! with `fetch` and answered in JSON, so the page does not reload.

use crate::models::image::{ImageRefusal, MAX_IMAGE_BYTES};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Posts the form's file to `url`; the error is the server's message, ready to show next to the field.
pub async fn upload_image(form: web_sys::HtmlFormElement, url: String) -> Result<(), String> {
    let failed = |_| "The upload could not be sent. Check your connection and try again.".to_owned();
    let data = web_sys::FormData::new_with_form(&form).map_err(failed)?;
    // The server's size rule, applied before the file is sent.
    match data.get("image").dyn_into::<web_sys::File>() {
        Ok(file) if file.size() == 0.0 && file.name().is_empty() => {
            return Err(ImageRefusal::Missing.message())
        }
        Ok(file) if file.size() > MAX_IMAGE_BYTES as f64 => {
            return Err(ImageRefusal::TooLarge { bytes: file.size() as u64 }.message())
        }
        Ok(_) => {}
        Err(_) => return Err(ImageRefusal::Missing.message()),
    }
    let headers = web_sys::Headers::new().map_err(failed)?;
    headers.set("Accept", "application/json").map_err(failed)?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&data);
    init.set_headers(&headers);
    let window = web_sys::window().ok_or_else(|| failed(wasm_bindgen::JsValue::NULL))?;
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str_and_init(&url, &init)).await.map_err(failed)?.unchecked_into();
    if response.ok() {
        return Ok(());
    }
    let text = JsFuture::from(response.text().map_err(failed)?)
        .await
        .map_err(failed)?
        .as_string()
        .unwrap_or_default();
    let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    Err(body["message"].as_str().unwrap_or("The upload failed. Please try again.").to_owned())
}
