//! `--figures`, `--figure-size` and `--dpi`, shared by every command that draws, resolved with
//! a run, trial or calibration file's `figures:` block into one `plot::FigureSettings`.

use clap::Args;

use super::Failure;
use super::choices::FigureChoice;
use super::values::positive;
use crate::diag::Diagnostic;
use crate::plot::{FigureFormat, FigureSettings, FigureSize};
use crate::spec::FiguresSpec;

/// The least and most PNG resolution accepted, and the largest side in millimetres.
const DPI: (f64, f64) = (50.0, 1200.0);
const MAX_MM: f64 = 1000.0;
const SIZE_HINT: &str =
    "use single (85 mm), double (174 mm), slide (16:9) or WIDTHxHEIGHT in mm, e.g. 120x80";

#[derive(Args, Debug, Clone, Default)]
pub struct FigureArgs {
    /// Figure formats, comma-separated, or none [default: png, or the file's `figures: formats`].
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        value_name = "png,svg,pdf|none"
    )]
    figures: Vec<FigureChoice>,
    /// Figure size: single (85 mm column), double (174 mm page), slide (16:9) or WIDTHxHEIGHT
    /// in mm [default: double].
    #[arg(long, value_parser = parse_size, value_name = "SIZE")]
    figure_size: Option<FigureSize>,
    /// PNG resolution in dots per inch [default: 200].
    #[arg(long, value_parser = positive)]
    dpi: Option<f64>,
}

impl FigureArgs {
    /// The settings: the command line's, else the file's `figures:` block's, else the defaults.
    pub fn resolve(&self, file: Option<&FiguresSpec>) -> Result<FigureSettings, Failure> {
        let file = file.cloned().unwrap_or_default();
        let defaults = FigureSettings::default();
        let formats = match (&self.figures, &file.formats) {
            (given, _) if !given.is_empty() => command_line_formats(given)?,
            (_, Some(names)) => file_formats(names)?,
            _ => defaults.formats,
        };
        let size = match self.figure_size {
            Some(size) => size,
            None => file_size(&file)?.unwrap_or(defaults.size),
        };
        let dpi = self.dpi.or(file.dpi).unwrap_or(defaults.dpi);
        if !(DPI.0..=DPI.1).contains(&dpi) {
            return Err(Diagnostic::new(format!("a figure resolution of {dpi} dpi"))
                .hint(format!(
                    "use {} to {} dpi (journals ask 300 to 600)",
                    DPI.0, DPI.1
                ))
                .into());
        }
        Ok(FigureSettings {
            formats: dedup(formats),
            size,
            dpi,
        })
    }
}

/// `--figures`: the formats, or none when `none` is given alone.
fn command_line_formats(given: &[FigureChoice]) -> Result<Vec<FigureFormat>, Failure> {
    let formats: Vec<FigureFormat> = given.iter().filter_map(|c| c.format()).collect();
    if !formats.is_empty() && formats.len() < given.len() {
        return Err(Diagnostic::new("`--figures` names `none` with formats")
            .hint("give `--figures none` alone, or only formats (png, svg, pdf)")
            .into());
    }
    Ok(formats)
}

/// Each format once, in the order first given.
fn dedup(formats: Vec<FigureFormat>) -> Vec<FigureFormat> {
    let mut unique = Vec::new();
    for format in formats {
        if !unique.contains(&format) {
            unique.push(format);
        }
    }
    unique
}

fn file_formats(names: &[String]) -> Result<Vec<FigureFormat>, Failure> {
    let formats = (names.iter())
        .map(|name| {
            FigureFormat::named(name).ok_or_else(|| {
                Diagnostic::new(format!("`figures: formats` names `{name}`"))
                    .hint("use png, svg or pdf, or `formats: [none]` for no figures")
            })
        })
        .collect::<Result<Vec<_>, _>>();
    match (names, formats) {
        ([none], _) if none.trim().eq_ignore_ascii_case("none") => Ok(Vec::new()),
        ([], _) => Err(Diagnostic::new("`figures: formats` is empty")
            .hint("name at least one of png, svg, pdf, `[none]` for no figures, or leave `formats` out for png")
            .into()),
        (_, formats) => Ok(formats?),
    }
}

/// The file's preset or explicit millimetres, if it gives either.
fn file_size(file: &FiguresSpec) -> Result<Option<FigureSize>, Failure> {
    let explicit = match (file.width_mm, file.height_mm) {
        (Some(w), Some(h)) => Some(millimetres(w, h).map_err(Diagnostic::new)?),
        (None, None) => None,
        _ => {
            return Err(
                Diagnostic::new("`figures:` gives only one of width_mm and height_mm")
                    .hint("give both, or a `size:` preset")
                    .into(),
            );
        }
    };
    match (&file.size, explicit) {
        (Some(_), Some(_)) => Err(
            Diagnostic::new("`figures:` gives both `size` and millimetres")
                .hint("keep one: a preset or width_mm and height_mm")
                .into(),
        ),
        (Some(name), None) => FigureSize::preset(name).map(Some).ok_or_else(|| {
            Diagnostic::new(format!("`figures: size` is `{name}`"))
                .hint(SIZE_HINT)
                .into()
        }),
        (None, explicit) => Ok(explicit),
    }
}

fn millimetres(width: f64, height: f64) -> Result<FigureSize, String> {
    let fits = |mm: f64| mm.is_finite() && (20.0..=MAX_MM).contains(&mm);
    if fits(width) && fits(height) {
        Ok(FigureSize::millimetres(width, height))
    } else {
        Err(format!(
            "a figure of {width} x {height} mm: each side must lie between 20 and {MAX_MM} mm"
        ))
    }
}

/// `--figure-size`: a preset's name or WIDTHxHEIGHT in millimetres.
fn parse_size(text: &str) -> Result<FigureSize, String> {
    if let Some(size) = FigureSize::preset(text) {
        return Ok(size);
    }
    let (width, height) = (text.trim().trim_end_matches("mm").split_once(['x', 'X']))
        .ok_or_else(|| format!("`{text}` is not a figure size: {SIZE_HINT}"))?;
    let number = |s: &str| {
        s.trim()
            .parse::<f64>()
            .map_err(|_| format!("`{text}`: {SIZE_HINT}"))
    };
    millimetres(number(width)?, number(height)?)
}

/// How a command's summary line names the figure files it wrote: `figures/ (N files)`, or that
/// none were drawn (`--figures none`).
pub(super) fn written_figures(files: usize) -> String {
    match files {
        0 => "no figures (`--figures none`)".to_string(),
        n => format!("figures/ ({})", crate::diag::count(n, "file")),
    }
}
