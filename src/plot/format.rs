//! Figure files: the formats (PNG, SVG, PDF), the physical size and text size a figure is
//! drawn for, and one drawn SVG turned into the bytes of each requested format. PNG is
//! rasterised by `resvg` and PDF written by `svg2pdf` (text as glyph outlines), both with the
//! DejaVu Sans compiled into the binary (no system fonts or libraries).

use std::sync::{Arc, OnceLock};

use super::{PlotError, encode};

/// Millimetres in an inch, and points in an inch.
const MM_PER_INCH: f64 = 25.4;
const PT_PER_INCH: f64 = 72.0;
/// The CSS pixels per inch `usvg` converts physical lengths with.
const CSS_DPI: f64 = 96.0;
/// The smallest font size the drawing code uses, in drawing units, and the factor by which
/// `plotters` writes an SVG font size smaller than the size it was given.
const SMALLEST_FONT: f64 = 18.0;
const SVG_FONT_SHRINK: f64 = 1.24;
/// The largest PNG side in pixels.
const MAX_PIXELS: f64 = 10_000.0;

/// A figure file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureFormat {
    Png,
    Svg,
    Pdf,
}

impl FigureFormat {
    /// Every format, as named in files and on the command line.
    pub const ALL: [FigureFormat; 3] = [FigureFormat::Png, FigureFormat::Svg, FigureFormat::Pdf];

    /// The format named `name` (its extension: `png`, `svg`, `pdf`).
    pub fn named(name: &str) -> Option<FigureFormat> {
        FigureFormat::ALL
            .into_iter()
            .find(|f| f.extension() == name.trim().to_ascii_lowercase())
    }

    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            FigureFormat::Png => "png",
            FigureFormat::Svg => "svg",
            FigureFormat::Pdf => "pdf",
        }
    }
}

/// The physical size a figure is drawn for and its smallest text, in points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FigureSize {
    pub width_mm: f64,
    pub height_mm: f64,
    pub text_pt: f64,
}

impl FigureSize {
    /// A journal's single column: 85 mm wide (4:3), text from 7 pt.
    pub const SINGLE: FigureSize = FigureSize {
        width_mm: 85.0,
        height_mm: 64.0,
        text_pt: 7.0,
    };
    /// A journal's full page width: 174 mm (3:2), text from 7 pt.
    pub const DOUBLE: FigureSize = FigureSize {
        width_mm: 174.0,
        height_mm: 116.0,
        text_pt: 7.0,
    };
    /// A 16:9 slide's content area, 254 x 142.9 mm (10 x 5.625 in), text from 12 pt so it
    /// reads from the back of a room.
    pub const SLIDE: FigureSize = FigureSize {
        width_mm: 254.0,
        height_mm: 142.875,
        text_pt: 12.0,
    };

    /// The presets by name.
    pub const PRESETS: [(&'static str, FigureSize); 3] = [
        ("single", FigureSize::SINGLE),
        ("double", FigureSize::DOUBLE),
        ("slide", FigureSize::SLIDE),
    ];

    /// The preset named `name`.
    pub fn preset(name: &str) -> Option<FigureSize> {
        (FigureSize::PRESETS.into_iter())
            .find(|(n, _)| *n == name.trim().to_ascii_lowercase())
            .map(|(_, size)| size)
    }

    /// An explicit size with text from 7 pt (as the journal presets).
    pub fn millimetres(width_mm: f64, height_mm: f64) -> FigureSize {
        FigureSize {
            width_mm,
            height_mm,
            text_pt: 7.0,
        }
    }

    /// Drawing units per millimetre: the smallest font drawn at `text_pt`.
    fn units_per_mm(&self) -> f64 {
        SMALLEST_FONT / SVG_FONT_SHRINK / self.text_pt * PT_PER_INCH / MM_PER_INCH
    }
}

/// How figures are written: which formats, at which size and (for PNG) resolution.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureSettings {
    /// The formats written, each once, in this order (at least one).
    pub formats: Vec<FigureFormat>,
    pub size: FigureSize,
    /// PNG pixels per inch.
    pub dpi: f64,
}

impl Default for FigureSettings {
    /// PNG only, at the `double` size and 200 dpi (1370 x 913 pixels).
    fn default() -> Self {
        FigureSettings {
            formats: vec![FigureFormat::Png],
            size: FigureSize::DOUBLE,
            dpi: 200.0,
        }
    }
}

impl FigureSettings {
    /// The canvas in drawing units (the drawing code's pixels).
    pub(super) fn canvas(&self) -> (u32, u32) {
        let k = self.size.units_per_mm();
        let side = |mm: f64| (mm * k).round().max(1.0) as u32;
        (side(self.size.width_mm), side(self.size.height_mm))
    }

    /// The PNG size in pixels of a canvas `units` drawing units large.
    pub fn pixels(&self, (width, height): (u32, u32)) -> (u32, u32) {
        let k = self.dpi / MM_PER_INCH / self.size.units_per_mm();
        let side = |units: u32| (f64::from(units) * k).round().max(1.0) as u32;
        (side(width), side(height))
    }
}

/// One figure in each requested format, in the order requested.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub files: Vec<(FigureFormat, Vec<u8>)>,
}

impl Rendered {
    /// The bytes of `format`, if it was requested.
    pub fn bytes(&self, format: FigureFormat) -> Option<&[u8]> {
        (self.files.iter())
            .find(|(f, _)| *f == format)
            .map(|(_, b)| b.as_slice())
    }
}

/// Turns `svg`, drawn by `plotters` on a canvas of `units`, into each format of `settings`.
pub(super) fn finish(
    svg: &str,
    units: (u32, u32),
    settings: &FigureSettings,
) -> Result<Rendered, PlotError> {
    let svg = physical(svg, units, settings.size.units_per_mm());
    // PNG and PDF are drawn from the SVG read back; read it only when one is asked for.
    let tree = match settings.formats.iter().any(|&f| f != FigureFormat::Svg) {
        true => Some(parse(&svg)?),
        false => None,
    };
    let mut files = Vec::new();
    for &format in &settings.formats {
        let bytes = match (format, &tree) {
            (FigureFormat::Png, Some(tree)) => rasterise(tree, settings.pixels(units))?,
            (FigureFormat::Pdf, Some(tree)) => pdf(tree)?,
            _ => svg.clone().into_bytes(),
        };
        files.push((format, bytes));
    }
    Ok(Rendered { files })
}

/// `svg` with its width and height in millimetres (its view box stays in drawing units).
fn physical(svg: &str, (width, height): (u32, u32), units_per_mm: f64) -> String {
    let mm = |units: u32| f64::from(units) / units_per_mm;
    svg.replacen(
        &format!("width=\"{width}\" height=\"{height}\""),
        &format!(
            "width=\"{:.2}mm\" height=\"{:.2}mm\"",
            mm(width),
            mm(height)
        ),
        1,
    )
}

/// DejaVu Sans as every font family `usvg` may ask for.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_font_data(dejavu::sans::regular().to_vec());
            let family = "DejaVu Sans";
            db.set_sans_serif_family(family);
            db.set_serif_family(family);
            db.set_monospace_family(family);
            Arc::new(db)
        })
        .clone()
}

fn parse(svg: &str) -> Result<usvg::Tree, PlotError> {
    let options = usvg::Options {
        dpi: CSS_DPI as f32,
        font_family: "DejaVu Sans".into(),
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    usvg::Tree::from_str(svg, &options).map_err(|e| PlotError(format!("SVG not read back: {e}")))
}

/// The tree drawn on white at `pixels`, as an 8-bit RGB PNG.
fn rasterise(tree: &usvg::Tree, (width, height): (u32, u32)) -> Result<Vec<u8>, PlotError> {
    if f64::from(width.max(height)) > MAX_PIXELS {
        return Err(PlotError(format!(
            "image {width}x{height} is too large (at most {MAX_PIXELS} pixels a side): lower the dpi"
        )));
    }
    let mut pixmap = resvg::tiny_skia::Pixmap::new(width, height)
        .ok_or_else(|| PlotError(format!("no {width}x{height} image")))?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    let size = tree.size();
    let (sx, sy) = (width as f32 / size.width(), height as f32 / size.height());
    let transform = resvg::tiny_skia::Transform::from_scale(sx, sy);
    resvg::render(tree, transform, &mut pixmap.as_mut());
    // Opaque on white, so the premultiplied RGB is the colour itself.
    let rgb: Vec<u8> = (pixmap.data().chunks_exact(4))
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    encode(&rgb, width, height)
}

/// One PDF page of the tree's physical size, its text drawn as the outlines of the embedded
/// DejaVu Sans glyphs: it looks as the SVG and PNG do and needs no font to open, but its text
/// cannot be selected. (svg2pdf's own text support brings a font subsetting stack that took a
/// sixth of a first build's dependency time; writing the text as paths needs none of it.)
fn pdf(tree: &usvg::Tree) -> Result<Vec<u8>, PlotError> {
    let page = svg2pdf::PageOptions {
        dpi: CSS_DPI as f32,
    };
    let outlined = parse(&tree.to_string(&usvg::WriteOptions::default()))?;
    svg2pdf::to_pdf(&outlined, svg2pdf::ConversionOptions::default(), page)
        .map_err(|e| PlotError(format!("PDF conversion failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The PDF draws its text as outlines: no font resource, and a longer title adds glyph
    /// paths (about a hundred bytes each, compressed; 32 more glyphs must add over 1,000).
    #[test]
    fn pdf_text_is_drawn_as_outlines() {
        let svg = |title: &str| {
            format!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100"><text x="10" y="50" font-size="12">{title}</text></svg>"#
            )
        };
        let settings = FigureSettings {
            formats: vec![FigureFormat::Pdf],
            ..FigureSettings::default()
        };
        let pdf = |title: &str| {
            let rendered = finish(&svg(title), (200, 100), &settings).unwrap();
            rendered.bytes(FigureFormat::Pdf).unwrap().to_vec()
        };
        let (short, long) = (pdf("A"), pdf("Expansion of CAR T cells by dose"));
        for page in [&short, &long] {
            assert!(page.starts_with(b"%PDF-"));
            assert!(!String::from_utf8_lossy(page).contains("/Font"));
        }
        assert!(
            long.len() > short.len() + 1000,
            "{} against {} bytes",
            long.len(),
            short.len()
        );
    }
}
