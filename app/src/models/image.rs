//! The rules for a device image that the browser and the server share: the limits, and why an image
//! was refused, in words the maker can act on.

/// The largest image file accepted.
pub const MAX_IMAGE_BYTES: usize = 1024 * 1024;
/// Images wider or taller than this are refused before they are decoded in full.
pub const MAX_DIMENSION: u32 = 6000;
/// A 1 MB file can still decode to a huge bitmap; more pixels than this (4000 × 4000) are refused
/// before decoding, which caps one decode at 64 MB of RGBA.
pub const MAX_PIXELS: u64 = 16_000_000;

/// Why an image was refused, in words the maker can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageRefusal {
    Missing,
    TooLarge { bytes: u64 },
    NotAnImage,
    Unreadable { format: &'static str },
    TooManyPixels { width: u32, height: u32 },
    Background { percent: u32 },
}

impl ImageRefusal {
    /// A stable code, for the address a plain form post is sent back to.
    pub fn code(&self) -> &'static str {
        match self {
            ImageRefusal::Missing => "missing",
            ImageRefusal::TooLarge { .. } => "too_large",
            ImageRefusal::NotAnImage => "not_image",
            ImageRefusal::Unreadable { .. } => "unreadable",
            ImageRefusal::TooManyPixels { .. } => "too_many_pixels",
            ImageRefusal::Background { .. } => "background",
        }
    }

    pub fn message(&self) -> String {
        match self {
            ImageRefusal::Missing => "Choose an image file to upload.".into(),
            ImageRefusal::TooLarge { bytes } => format!(
                "The image is {:.1} MB; the limit is 1 MB. Export it smaller and upload it again.",
                *bytes as f64 / (1024.0 * 1024.0)
            ),
            ImageRefusal::NotAnImage => {
                "The file is not a PNG, JPEG, WebP or GIF image (files are judged by their content, not their name)."
                    .into()
            }
            ImageRefusal::Unreadable { format } => {
                format!("The file starts like a {format} image but could not be read; it may be damaged.")
            }
            ImageRefusal::TooManyPixels { width, height } => format!(
                "The image is {width} × {height} pixels; at most 16 megapixels and {MAX_DIMENSION} pixels a side \
                 are accepted."
            ),
            ImageRefusal::Background { percent } => format!(
                "The background must be white or transparent: {percent}% of the pixels along the image's edge are \
                 neither. Use a photo on a white or transparent background."
            ),
        }
    }
    /// What a page says when only the code came back (a form posted without JavaScript is redirected
    /// with the code alone); the details of `message` are then unknown.
    pub fn message_for_code(code: &str) -> Option<String> {
        let text = match code {
            "missing" => "Choose an image file to upload.".to_owned(),
            "too_large" => "The image is larger than 1 MB. Export it smaller and upload it again.".to_owned(),
            "not_image" => ImageRefusal::NotAnImage.message(),
            "unreadable" => "The file could not be read as an image; it may be damaged.".to_owned(),
            "too_many_pixels" => {
                format!("The image has more than 16 megapixels or more than {MAX_DIMENSION} pixels a side.")
            }
            "background" => "The background must be white or transparent: too many pixels along the image's \
                             edge are neither. Use a photo on a white or transparent background."
                .to_owned(),
            _ => return None,
        };
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_code_has_a_general_message() {
        let refusals = [
            ImageRefusal::Missing,
            ImageRefusal::TooLarge { bytes: 2_000_000 },
            ImageRefusal::NotAnImage,
            ImageRefusal::Unreadable { format: "PNG" },
            ImageRefusal::TooManyPixels { width: 7000, height: 10 },
            ImageRefusal::Background { percent: 40 },
        ];
        for refusal in refusals {
            assert!(ImageRefusal::message_for_code(refusal.code()).is_some(), "{refusal:?}");
            assert!(!refusal.message().is_empty());
        }
        assert_eq!(ImageRefusal::message_for_code("made_up"), None);
    }
}
