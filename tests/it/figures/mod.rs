//! Every figure kind in every format and size (issue 19): the PNG decodes at the size asked
//! for and keeps its outer 1% free of ink, the SVG parses and holds its title and axis labels
//! as text, the PDF is one page of the size asked for with its font embedded.

mod cli;
mod colour;
mod kinds;
mod room;
mod trajectory;

use cartsim::plot::{FigureFormat, FigureSettings, FigureSize, Rendered};
use kinds::{KINDS, Kind};

/// Millimetres per inch and points per inch.
const MM_PER_INCH: f64 = 25.4;
const PT_PER_INCH: f64 = 72.0;

fn settings(size: FigureSize, formats: &[FigureFormat]) -> FigureSettings {
    FigureSettings {
        formats: formats.to_vec(),
        size,
        dpi: 150.0,
    }
}

fn draw(kind: &Kind, settings: &FigureSettings) -> Rendered {
    (kind.draw)(settings).unwrap_or_else(|e| panic!("{}: {e}", kind.name))
}

/// Width, height and RGB pixels of a PNG.
fn decode(bytes: &[u8]) -> (usize, usize, Vec<[u8; 3]>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .expect("PNG header");
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).expect("PNG decodes");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let pixels = buffer.chunks(3).map(|p| [p[0], p[1], p[2]]).collect();
    (info.width as usize, info.height as usize, pixels)
}

/// Every text of an SVG document, in order.
fn svg_texts(svg: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(svg).expect("SVG is UTF-8");
    let document = roxmltree::Document::parse(text).expect("SVG parses as XML");
    assert_eq!(document.root_element().tag_name().name(), "svg");
    (document.descendants())
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

/// The numbers after the first `/MediaBox [` of a PDF, and its count of `/Type /Page` objects.
fn pdf_pages(pdf: &[u8]) -> (Vec<f64>, usize) {
    let text = String::from_utf8_lossy(pdf);
    let after = text.split_once("/MediaBox [").expect("a MediaBox").1;
    let numbers = (after.split(']').next().unwrap().split_whitespace())
        .map(|n| n.parse::<f64>().expect("a MediaBox number"))
        .collect();
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    (numbers, pages)
}

#[test]
fn every_kind_in_every_format_holds_its_text_and_size() {
    let all = [FigureFormat::Png, FigureFormat::Svg, FigureFormat::Pdf];
    let size = FigureSize::DOUBLE;
    for kind in KINDS {
        let look = settings(size, &all);
        let rendered = draw(kind, &look);
        let formats: Vec<_> = rendered.files.iter().map(|(f, _)| *f).collect();
        assert_eq!(formats, all, "{}", kind.name);

        let (width, height, _) = decode(rendered.bytes(FigureFormat::Png).unwrap());
        // 174 mm at 150 dpi is 1027.6 pixels: rounding of the canvas allows a pixel or two.
        let expected = size.width_mm / MM_PER_INCH * look.dpi;
        assert!(
            (width as f64 - expected).abs() <= 2.0,
            "{}: {width}",
            kind.name
        );
        assert!(height >= width / 2, "{}: {width}x{height}", kind.name);

        let texts = svg_texts(rendered.bytes(FigureFormat::Svg).unwrap());
        for wanted in std::iter::once(&kind.title).chain(kind.labels) {
            assert!(
                texts.iter().any(|t| t == wanted),
                "{}: no text `{wanted}` in {texts:?}",
                kind.name
            );
        }

        let pdf = rendered.bytes(FigureFormat::Pdf).unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "{}", kind.name);
        let (media_box, pages) = pdf_pages(pdf);
        assert_eq!(pages, 1, "{}", kind.name);
        // The page is the PNG's physical size in points: 174 mm is 493.2 pt; the canvas is
        // whole drawing units (0.17 mm), so the sides agree within half a point.
        let to_pt = |pixels: usize| pixels as f64 / look.dpi * PT_PER_INCH;
        assert_eq!(media_box[..2], [0.0, 0.0], "{}", kind.name);
        assert!(
            (media_box[2] - to_pt(width)).abs() < 0.6,
            "{}: {media_box:?}",
            kind.name
        );
        assert!(
            (media_box[3] - to_pt(height)).abs() < 0.6,
            "{}: {media_box:?}",
            kind.name
        );
        // Text is drawn as glyph outlines: the page needs no font.
        let text = String::from_utf8_lossy(pdf);
        assert!(
            !text.contains("/Font"),
            "{}: the PDF needs a font",
            kind.name
        );
    }
}

/// Whether a pixel is ink (text, axes, dark series) rather than background or a light fill.
fn dark(p: &[u8; 3]) -> bool {
    p.iter().all(|&c| c < 110)
}

#[test]
fn every_kind_at_every_size_keeps_its_border_clear_and_its_title_on_the_canvas() {
    for (preset, size) in FigureSize::PRESETS {
        for kind in KINDS {
            let look = settings(size, &[FigureFormat::Png]);
            let rendered = draw(kind, &look);
            let (width, height, pixels) = decode(rendered.bytes(FigureFormat::Png).unwrap());
            let (bx, by) = (width.div_ceil(100), height.div_ceil(100));
            let in_border = |i: usize| {
                let (x, y) = (i % width, i / width);
                x < bx || y < by || x >= width - bx || y >= height - by
            };
            let stray = (0..pixels.len())
                .filter(|&i| in_border(i) && dark(&pixels[i]))
                .count();
            assert_eq!(
                stray, 0,
                "{} at {preset}: dark pixels in the outer 1%",
                kind.name
            );
            // The title is written (ink in the top tenth, within the border).
            let title_ink = (0..width * height / 10)
                .filter(|&i| !in_border(i) && dark(&pixels[i]))
                .count();
            assert!(title_ink > 100, "{} at {preset}: no title", kind.name);
        }
    }
}

#[test]
fn text_is_at_least_the_presets_size_in_points() {
    for (preset, size) in FigureSize::PRESETS {
        let look = settings(size, &[FigureFormat::Svg]);
        let rendered = draw(&KINDS[0], &look);
        let svg = std::str::from_utf8(rendered.bytes(FigureFormat::Svg).unwrap()).unwrap();
        let document = roxmltree::Document::parse(svg).unwrap();
        let root = document.root_element();
        // Drawing units per point: the view box width over the width in millimetres.
        let mm: f64 = root
            .attribute("width")
            .unwrap()
            .trim_end_matches("mm")
            .parse()
            .unwrap();
        let units: f64 = root
            .attribute("viewBox")
            .unwrap()
            .split(' ')
            .nth(2)
            .unwrap()
            .parse()
            .unwrap();
        let units_per_pt = units / (mm / MM_PER_INCH * PT_PER_INCH);
        let smallest = (document.descendants())
            .filter_map(|n| n.attribute("font-size"))
            .map(|s| s.parse::<f64>().unwrap() / units_per_pt)
            .fold(f64::INFINITY, f64::min);
        // 1e-6 pt: the font size is printed with a finite number of digits.
        assert!(smallest >= size.text_pt - 1e-6, "{preset}: {smallest} pt");
    }
}
