//! Images for upload tests: a product drawn on a background, encoded, in a multipart body.

use image::{DynamicImage, ImageFormat, Rgba, RgbaImage};
use std::io::Cursor;

pub const WHITE: Rgba<u8> = Rgba([255, 255, 255, 255]);
pub const CLEAR: Rgba<u8> = Rgba([0, 0, 0, 0]);
pub const PRODUCT: Rgba<u8> = Rgba([20, 40, 160, 255]);

/// A product (a coloured rectangle) in the middle of a `background`.
pub fn product_on(width: u32, height: u32, background: Rgba<u8>) -> RgbaImage {
    let mut image = RgbaImage::from_pixel(width, height, background);
    for y in height / 4..height * 3 / 4 {
        for x in width / 4..width * 3 / 4 {
            image.put_pixel(x, y, PRODUCT);
        }
    }
    image
}

pub fn encode(image: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    image.write_to(&mut Cursor::new(&mut bytes), format).expect("encode image");
    bytes
}

pub fn png_on_white(width: u32, height: u32) -> Vec<u8> {
    encode(DynamicImage::ImageRgba8(product_on(width, height, WHITE)), ImageFormat::Png)
}
const BOUNDARY: &str = "replenish-test-boundary-5c1e0f7a9b3d";

/// A multipart body with one `image` file field: (Content-Type header, body).
pub fn multipart_image(bytes: &[u8], filename: &str, content_type: &str) -> (String, Vec<u8>) {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{filename}\"\r\n\
         Content-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}
