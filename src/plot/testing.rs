//! Test support for the figure modules: a rendered PNG decoded, checked and measured.

use std::collections::HashSet;

use plotters::style::RGBColor;

use super::{FigureSettings, PlotError, Rendered};

/// PNG only, at the default size.
pub fn png() -> FigureSettings {
    FigureSettings::default()
}

/// A decoded figure: width, height and RGB pixels.
pub struct Image {
    pub width: usize,
    pub height: usize,
    pixels: Vec<[u8; 3]>,
}

impl Image {
    pub fn count(&self, colour: RGBColor) -> usize {
        let wanted = [colour.0, colour.1, colour.2];
        self.pixels.iter().filter(|&&p| p == wanted).count()
    }

    /// Dark (text or axis) pixels in rows `rows` (fractions of the height).
    pub fn ink(&self, rows: std::ops::Range<f64>) -> usize {
        let (top, bottom) = (
            (rows.start * self.height as f64) as usize,
            (rows.end * self.height as f64) as usize,
        );
        (top * self.width..bottom * self.width)
            .filter(|&i| self.pixels[i].iter().all(|&c| c < 110))
            .count()
    }
}

/// Decodes PNG bytes, checking the size is at least 1200x800 and the image is not blank.
pub fn decode(result: Result<Rendered, PlotError>) -> Image {
    let rendered = result.expect("renders");
    let bytes = rendered.bytes(super::FigureFormat::Png).expect("a PNG");
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).expect("PNG decodes");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    assert!(
        info.width >= 1200 && info.height >= 800,
        "{}x{}",
        info.width,
        info.height
    );
    let pixels: Vec<[u8; 3]> = buf.chunks(3).map(|p| [p[0], p[1], p[2]]).collect();
    let image = Image {
        width: info.width as usize,
        height: info.height as usize,
        pixels,
    };
    assert!(image.ink(0.0..0.06) > 50, "no title");
    let distinct: HashSet<_> = image.pixels.iter().collect();
    assert!(distinct.len() > 10, "only {} colours", distinct.len());
    image
}
