//! Device images: judged by decoding their content, refused unless the background is white or
//! transparent, stored with a thumbnail, and served only to members of the device's organization.

use crate::entities::device_image;
use crate::error::AppError;
pub use crate::models::image::{ImageRefusal, MAX_DIMENSION, MAX_IMAGE_BYTES, MAX_PIXELS};
use crate::models::Role;
use crate::services::audit::{self, Actor};
use crate::services::devices::find_device;
use crate::services::organizations::{member_role, require_role};
use crate::services::transactions;
use crate::services::{now, tokens::new_id};
use image::{DynamicImage, GenericImageView, ImageFormat, ImageReader, Limits};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use std::io::Cursor;

/// The thumbnail fits in a square of this many pixels.
pub const THUMBNAIL_SIZE: u32 = 160;
/// Share of edge pixels allowed to be neither near-white nor transparent (logos, shadows, antialiasing).
const BORDER_TOLERANCE: f64 = 0.05;

/// An image that passed every check, ready to store.
#[derive(Debug, Clone)]
pub struct CheckedImage {
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    pub original: Vec<u8>,
    pub thumbnail: Vec<u8>,
}

/// Decodes and checks an uploaded file. CPU-bound: call it on the blocking pool.
pub fn check_image(bytes: Vec<u8>) -> Result<CheckedImage, ImageRefusal> {
    if bytes.is_empty() {
        return Err(ImageRefusal::Missing);
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ImageRefusal::TooLarge { bytes: bytes.len() as u64 });
    }
    let format = image::guess_format(&bytes).map_err(|_| ImageRefusal::NotAnImage)?;
    let (content_type, label) = match format {
        ImageFormat::Png => ("image/png", "PNG"),
        ImageFormat::Jpeg => ("image/jpeg", "JPEG"),
        ImageFormat::WebP => ("image/webp", "WebP"),
        ImageFormat::Gif => ("image/gif", "GIF"),
        _ => return Err(ImageRefusal::NotAnImage),
    };
    let mut reader = ImageReader::with_format(Cursor::new(&bytes), format);
    let (width, height) = reader.into_dimensions().map_err(|_| ImageRefusal::Unreadable { format: label })?;
    if width > MAX_DIMENSION || height > MAX_DIMENSION || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ImageRefusal::TooManyPixels { width, height });
    }
    reader = ImageReader::with_format(Cursor::new(&bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|error| match error {
        image::ImageError::Limits(_) => ImageRefusal::TooManyPixels { width, height },
        _ => ImageRefusal::Unreadable { format: label },
    })?;
    let share = foreign_border_share(&decoded);
    if share > BORDER_TOLERANCE {
        return Err(ImageRefusal::Background { percent: (share * 100.0).round() as u32 });
    }
    let mut thumbnail = Vec::new();
    decoded
        .thumbnail(THUMBNAIL_SIZE, THUMBNAIL_SIZE)
        .write_to(&mut Cursor::new(&mut thumbnail), ImageFormat::Png)
        .map_err(|_| ImageRefusal::Unreadable { format: label })?;
    Ok(CheckedImage { content_type, width, height, original: bytes, thumbnail })
}

/// The share of pixels in the image's outer band that are neither near-white nor (nearly) transparent.
/// The band is 1% of the shorter side, at least one pixel.
pub fn foreign_border_share(image: &DynamicImage) -> f64 {
    let (width, height) = image.dimensions();
    if width == 0 || height == 0 {
        return 0.0;
    }
    let band = (width.min(height) / 100).max(1);
    let (mut total, mut foreign) = (0u64, 0u64);
    for y in 0..height {
        for x in 0..width {
            let on_edge =
                x < band || y < band || x >= width.saturating_sub(band) || y >= height.saturating_sub(band);
            if !on_edge {
                continue;
            }
            total += 1;
            // Only the band is read, pixel by pixel, rather than converting the whole image.
            let [r, g, b, a] = image.get_pixel(x, y).0;
            let transparent = a <= 25;
            let near_white = r.min(g).min(b) >= 230;
            if !(transparent || near_white) {
                foreign += 1;
            }
        }
    }
    foreign as f64 / total as f64
}

/// Replaces the device's image. The old one stays until the new one is stored: both happen in one
/// transaction.
pub async fn store_image(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    device_id: &str,
    image: CheckedImage,
) -> Result<String, AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let device = find_device(db, organization_id, device_id).await?;
    let image_id = new_id();
    let detail =
        format!("{} {}×{}, {} bytes", image.content_type, image.width, image.height, image.original.len());
    let txn = transactions::begin(db).await?;
    device_image::Entity::delete_many()
        .filter(device_image::Column::DeviceId.eq(device_id))
        .filter(device_image::Column::OrganizationId.eq(organization_id))
        .exec(&txn)
        .await?;
    device_image::Entity::insert(device_image::ActiveModel {
        id: Set(image_id.clone()),
        organization_id: Set(organization_id.to_owned()),
        device_id: Set(device_id.to_owned()),
        content_type: Set(image.content_type.to_owned()),
        width: Set(image.width as i32),
        height: Set(image.height as i32),
        byte_size: Set(image.original.len() as i64),
        original: Set(image.original),
        thumbnail: Set(image.thumbnail),
        created_at: Set(now()),
    })
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        Some(organization_id),
        Some(actor),
        "device.image_replaced",
        &device.model_id,
        &detail,
    )
    .await?;
    txn.commit().await?;
    Ok(image_id)
}

/// Which rendition of an image to serve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rendition {
    Original,
    Thumbnail,
}

/// An image's bytes and content type, for members of the device's organization only.
pub async fn load_image(
    conn: &impl ConnectionTrait,
    user_id: &str,
    organization_id: &str,
    device_id: &str,
    image_id: &str,
    rendition: Rendition,
) -> Result<(String, Vec<u8>), AppError> {
    member_role(conn, organization_id, user_id).await?;
    let row = device_image::Entity::find_by_id(image_id)
        .filter(device_image::Column::DeviceId.eq(device_id))
        .filter(device_image::Column::OrganizationId.eq(organization_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(match rendition {
        Rendition::Original => (row.content_type, row.original),
        Rendition::Thumbnail => ("image/png".to_owned(), row.thumbnail),
    })
}

/// A device's thumbnail as customers see it on the consent page. Image IDs are random and appear only on
/// pages that show the device, so the ID alone is the permission.
pub async fn load_customer_thumbnail(
    conn: &impl ConnectionTrait,
    image_id: &str,
) -> Result<(String, Vec<u8>), AppError> {
    let row = device_image::Entity::find_by_id(image_id).one(conn).await?.ok_or(AppError::NotFound)?;
    Ok(("image/png".to_owned(), row.thumbnail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgba, RgbaImage};

    fn png(image: &RgbaImage) -> Vec<u8> {
        let mut bytes = Vec::new();
        DynamicImage::ImageRgba8(image.clone())
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .unwrap();
        bytes
    }

    fn framed(width: u32, height: u32, background: Rgba<u8>) -> RgbaImage {
        let mut image = RgbaImage::from_pixel(width, height, background);
        for y in height / 4..height * 3 / 4 {
            for x in width / 4..width * 3 / 4 {
                image.put_pixel(x, y, Rgba([20, 40, 160, 255]));
            }
        }
        image
    }

    #[test]
    fn a_product_on_white_is_accepted_with_a_png_thumbnail() {
        let checked = check_image(png(&framed(400, 300, Rgba([255, 255, 255, 255])))).unwrap();
        assert_eq!((checked.content_type, checked.width, checked.height), ("image/png", 400, 300));
        let thumbnail = image::load_from_memory(&checked.thumbnail).unwrap();
        assert_eq!(thumbnail.dimensions(), (160, 120));
    }

    #[test]
    fn a_transparent_border_is_accepted() {
        assert!(check_image(png(&framed(200, 200, Rgba([0, 0, 0, 0])))).is_ok());
    }

    #[test]
    fn a_dark_background_is_refused_with_its_share() {
        let refusal = check_image(png(&framed(200, 200, Rgba([30, 30, 30, 255])))).unwrap_err();
        assert_eq!(refusal, ImageRefusal::Background { percent: 100 });
        assert!(refusal.message().contains("100%"));
    }

    #[test]
    fn a_few_dark_edge_pixels_are_tolerated() {
        let mut image = framed(200, 200, Rgba([255, 255, 255, 255]));
        for x in 0..20 {
            image.put_pixel(x, 0, Rgba([0, 0, 0, 255]));
        }
        assert!(check_image(png(&image)).is_ok());
    }

    #[test]
    fn text_is_not_an_image_whatever_its_name() {
        assert_eq!(check_image(b"hello, this is text".to_vec()).unwrap_err(), ImageRefusal::NotAnImage);
        assert_eq!(check_image(Vec::new()).unwrap_err(), ImageRefusal::Missing);
    }

    #[test]
    fn a_truncated_png_is_unreadable() {
        let bytes = png(&framed(100, 100, Rgba([255, 255, 255, 255])));
        let refusal = check_image(bytes[..bytes.len() / 2].to_vec()).unwrap_err();
        assert_eq!(refusal, ImageRefusal::Unreadable { format: "PNG" });
    }

    #[test]
    fn files_over_one_megabyte_are_refused_before_decoding() {
        let refusal = check_image(vec![0u8; MAX_IMAGE_BYTES + 1]).unwrap_err();
        assert!(matches!(refusal, ImageRefusal::TooLarge { .. }));
    }
}
