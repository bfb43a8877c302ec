//! `cartsim report` end to end: reports of `simulate`, `run` and `fit` folders. The HTML parses
//! without errors, every image decodes, every table has the rows of the files it shows, nothing
//! outside the file is referenced, and the provenance hashes are those of the input files.

mod errors;
mod formats;

use crate::cli::{cartsim, scratch};
use crate::repo_path;
use scraper::{Html, Selector};
use sha2::{Digest, Sha256};
use std::path::Path;

fn sha256(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[track_caller]
fn succeeds(arguments: &[&str], directory: &Path) -> String {
    let output = cartsim(arguments, directory);
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{arguments:?}\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn select<'a>(html: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    html.select(&Selector::parse(css).unwrap()).collect()
}

fn text(element: &scraper::ElementRef) -> String {
    element.text().collect::<String>().trim().to_string()
}

/// Decodes a PNG; returns its size.
fn decode_png(bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    (info.width, info.height)
}

/// Parses a report: no parse errors, no reference outside the file, every image a PNG data URI
/// that decodes. Returns the document and the number of images.
fn parse_report(path: &Path) -> (Html, usize) {
    use base64::Engine;
    let source = std::fs::read_to_string(path).unwrap();
    let html = Html::parse_document(&source);
    assert!(
        html.errors.is_empty(),
        "HTML parse errors: {:?}",
        html.errors
    );
    assert!(!source.contains("http://") && !source.contains("https://"));
    for element in select(&html, "*") {
        for (name, value) in element.value().attrs() {
            if ["src", "href", "srcset", "action", "poster", "data"].contains(&name) {
                assert!(
                    value.starts_with("data:"),
                    "{name}=\"{value}\" refers outside the file"
                );
            }
        }
    }
    assert!(select(&html, "link, script, iframe, object").is_empty());
    let style = select(&html, "style").iter().map(text).collect::<String>();
    assert!(
        !style.contains("url(") && !style.contains("@import"),
        "{style}"
    );
    let images = select(&html, "img");
    for image in &images {
        let src = image.value().attr("src").unwrap();
        let data = src
            .strip_prefix("data:image/png;base64,")
            .expect("a PNG data URI");
        let png = base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap();
        let (width, height) = decode_png(&png);
        assert!(width >= 600 && height >= 400, "{width}x{height}");
    }
    let count = images.len();
    drop(images);
    (html, count)
}

/// The PNG files of an output folder.
fn pngs(folder: &Path) -> usize {
    ["", "figures"]
        .iter()
        .filter_map(|sub| std::fs::read_dir(folder.join(sub)).ok())
        .flat_map(|entries| entries.flatten())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".png"))
        .count()
}

/// Rows in the body of the tables matching `css`.
fn rows(html: &Html, css: &str) -> Vec<usize> {
    select(html, css)
        .iter()
        .map(|table| table.select(&Selector::parse("tbody tr").unwrap()).count())
        .collect()
}

/// The (role, SHA-256, status) rows of the input-file table.
fn input_rows(html: &Html) -> Vec<(String, String, String)> {
    select(html, "table.inputs tbody tr")
        .iter()
        .map(|row| {
            let cells: Vec<String> = row
                .select(&Selector::parse("td").unwrap())
                .map(|c| text(&c))
                .collect();
            (cells[0].clone(), cells[2].clone(), cells[3].clone())
        })
        .collect()
}

fn model_path(name: &str) -> String {
    repo_path(&format!("models/{name}")).display().to_string()
}

#[test]
fn report_of_a_simulation() {
    let directory = scratch("report-simulate");
    let model = model_path("stein2019_tisagenlecleucel.yaml");
    succeeds(
        &["simulate", &model, "--end", "28", "--out", "sim"],
        &directory,
    );
    let stdout = succeeds(&["report", "sim"], &directory);
    assert!(stdout.contains("sim/report.html"), "{stdout}");
    let folder = directory.join("sim");
    let (html, images) = parse_report(&folder.join("report.html"));
    assert_eq!(images, pngs(&folder));
    assert_eq!(images, 1);
    // Six parameters in the file; one row per metric of metrics.csv.
    assert_eq!(rows(&html, "table.parameters"), [6]);
    let metrics = std::fs::read_to_string(folder.join("metrics.csv")).unwrap();
    let header = metrics.lines().next().unwrap().split(',').count();
    assert_eq!(rows(&html, "table.exposure-table"), [header - 1]);
    assert_eq!(
        input_rows(&html),
        [(
            "model".to_string(),
            sha256(Path::new(&model)),
            "matches".to_string()
        )]
    );
    let body = text(&select(&html, "body")[0]);
    assert!(body.contains("24,000"), "cmax written for people");
    assert!(body.contains("dE/dt =") && body.contains("if(t < tmax, rho * E, -alpha * E)"));
}

#[test]
fn report_of_a_population_run() {
    let directory = scratch("report-run");
    let fixture = std::fs::read_to_string(repo_path("tests/fixtures/runs/cart3_small.yaml"))
        .unwrap()
        .replace("../../../models/cart3.yaml", &model_path("cart3.yaml"))
        .replace("n: 25", "n: 6");
    std::fs::write(directory.join("small.yaml"), fixture).unwrap();
    let stdout = succeeds(
        &[
            "run",
            "small.yaml",
            "--out",
            "run",
            "--report",
            "--threads",
            "1",
        ],
        &directory,
    );
    assert!(stdout.contains("run/report.html"), "{stdout}");
    let folder = directory.join("run");
    let (html, images) = parse_report(&folder.join("report.html"));
    assert_eq!(images, pngs(&folder));
    assert!(images >= 5, "{images}");
    let summary = std::fs::read_to_string(folder.join("summary.csv")).unwrap();
    let per_scenario = |name: &str| {
        summary
            .lines()
            .filter(|l| l.starts_with(&format!("{name},")))
            .count()
    };
    assert_eq!(
        rows(&html, "table.summary-table"),
        [per_scenario("single"), per_scenario("split")]
    );
    assert_eq!(rows(&html, "table.fractions"), [2]);
    assert_eq!(rows(&html, "table.variability"), [4]);
    assert_eq!(rows(&html, "table.doses"), [4]);
    assert_eq!(
        input_rows(&html),
        [
            (
                "run file".to_string(),
                sha256(&directory.join("small.yaml")),
                "matches".to_string()
            ),
            (
                "model".to_string(),
                sha256(&repo_path("models/cart3.yaml")),
                "matches".to_string()
            ),
        ]
    );
    let summary_text = text(&select(&html, "p.summary")[0]);
    assert!(
        summary_text.contains("2 scenarios (single, split)") && summary_text.contains("seed 7"),
        "{summary_text}"
    );
}

#[test]
fn report_of_a_fit_in_html_and_markdown() {
    let directory = scratch("report-fit");
    let data = directory.join("stein.csv");
    crate::fit::cli::write_dataset(&data, 2);
    let model = model_path("stein2019_tisagenlecleucel.yaml");
    succeeds(
        &[
            "fit",
            &model,
            "--data",
            "stein.csv",
            "--estimate",
            "foldx,cmax,alpha,fb",
            "--out",
            "fit",
            "--report",
        ],
        &directory,
    );
    let folder = directory.join("fit");
    let (html, images) = parse_report(&folder.join("report.html"));
    assert_eq!(images, pngs(&folder));
    let estimates = std::fs::read_to_string(folder.join("estimates.csv")).unwrap();
    assert_eq!(
        rows(&html, "table.estimates"),
        [estimates.lines().count() - 1]
    );
    // Two patients and the dose-only ID 99, which cannot be fitted.
    assert_eq!(rows(&html, "table.fits"), [3]);
    let inputs = input_rows(&html);
    assert_eq!(inputs[0].1, sha256(Path::new(&model)));
    assert_eq!(inputs[1].1, sha256(&data));
    assert!(inputs.iter().all(|(_, _, status)| status == "matches"));
    let warnings = text(&select(&html, "section.provenance ul")[0]);
    assert!(warnings.contains("ID 99: not fitted"), "{warnings}");

    // Markdown elsewhere: the figures are copied beside it and every link resolves.
    succeeds(
        &[
            "report",
            "fit",
            "--format",
            "md",
            "--out",
            "elsewhere/fit.md",
        ],
        &directory,
    );
    let markdown = std::fs::read_to_string(directory.join("elsewhere/fit.md")).unwrap();
    let links: Vec<&str> = markdown
        .lines()
        .filter_map(|l| l.strip_prefix("!["))
        .filter_map(|l| l.split("](").nth(1)?.strip_suffix(')'))
        .collect();
    assert_eq!(links.len(), images);
    for link in links {
        assert!(link.starts_with("fit_files/figures/"), "{link}");
        decode_png(&std::fs::read(directory.join("elsewhere").join(link)).unwrap());
    }
    assert!(markdown.contains(&sha256(&data)));
}
