//! Reports of folders whose figures are SVG (issue 19): the HTML shows the SVG and names it in
//! the caption, an SVG-only folder still gives every figure, and its Markdown links the SVGs
//! and says they are SVG only.

use super::{model_path, select, succeeds};
use crate::cli::scratch;
use crate::repo_path;
use scraper::Html;
use std::path::Path;

/// A small population run written with `--figures FORMATS` into `run/` of a new folder.
fn run_with_figures(name: &str, formats: &str) -> std::path::PathBuf {
    let directory = scratch(name);
    let fixture = std::fs::read_to_string(repo_path("tests/fixtures/runs/cart3_small.yaml"))
        .unwrap()
        .replace("../../../models/cart3.yaml", &model_path("cart3.yaml"))
        .replace("n: 25", "n: 6");
    std::fs::write(directory.join("small.yaml"), fixture).unwrap();
    let arguments = ["run", "small.yaml", "--out", "run", "--threads", "1"];
    let figures = ["--figures", formats];
    succeeds(&[&arguments[..], &figures].concat(), &directory);
    directory
}

/// The figure files of an output folder with extension `extension`, as paths inside it.
fn figure_files(folder: &Path, extension: &str) -> Vec<String> {
    let mut names: Vec<String> = (std::fs::read_dir(folder.join("figures")).unwrap())
        .flatten()
        .map(|e| format!("figures/{}", e.file_name().to_string_lossy()))
        .filter(|n| n.ends_with(&format!(".{extension}")))
        .collect();
    names.sort();
    names
}

/// The HTML report's images (their `src`) and the file names its captions give, in order.
fn html_figures(path: &Path) -> (Vec<String>, Vec<String>) {
    let html = Html::parse_document(&std::fs::read_to_string(path).unwrap());
    let sources = (select(&html, "figure img").iter())
        .map(|i| i.value().attr("src").unwrap().to_string())
        .collect();
    let named = (select(&html, "figcaption span.ci").iter())
        .map(|s| super::text(s).trim_matches(['(', ')']).to_string())
        .collect();
    (sources, named)
}

/// The targets of the Markdown image links of `markdown`.
fn markdown_links(markdown: &str) -> Vec<&str> {
    (markdown.lines())
        .filter_map(|l| l.strip_prefix("!["))
        .filter_map(|l| l.split("](").nth(1)?.strip_suffix(')'))
        .collect()
}

#[test]
fn an_svg_only_folder_reports_its_figures() {
    let directory = run_with_figures("report-svg-only", "svg");
    let folder = directory.join("run");
    let svgs = figure_files(&folder, "svg");
    assert!(figure_files(&folder, "png").is_empty());
    assert!(svgs.len() >= 5, "{svgs:?}");

    succeeds(&["report", "run"], &directory);
    let (sources, mut named) = html_figures(&folder.join("report.html"));
    assert_eq!(sources.len(), svgs.len());
    assert!(
        (sources.iter()).all(|s| s.starts_with("data:image/svg+xml;base64,")),
        "{sources:?}"
    );
    named.sort();
    assert_eq!(named, svgs);

    succeeds(&["report", "run", "--format", "md"], &directory);
    let markdown = std::fs::read_to_string(folder.join("report.md")).unwrap();
    let mut links = markdown_links(&markdown);
    links.sort();
    assert_eq!(links, svgs);
    assert_eq!(markdown.matches("SVG only").count(), svgs.len());
}

#[test]
fn html_shows_and_names_the_svg_and_markdown_links_the_png() {
    let directory = run_with_figures("report-png-svg", "png,svg");
    let folder = directory.join("run");
    let (pngs, svgs) = (figure_files(&folder, "png"), figure_files(&folder, "svg"));
    assert_eq!(pngs.len(), svgs.len());

    succeeds(&["report", "run"], &directory);
    let (sources, mut named) = html_figures(&folder.join("report.html"));
    assert_eq!(sources.len(), svgs.len());
    assert!((sources.iter()).all(|s| s.starts_with("data:image/svg+xml;base64,")));
    named.sort();
    assert_eq!(named, svgs);

    succeeds(&["report", "run", "--format", "md"], &directory);
    let markdown = std::fs::read_to_string(folder.join("report.md")).unwrap();
    let mut links = markdown_links(&markdown);
    links.sort();
    assert_eq!(links, pngs);
    assert!(!markdown.contains("SVG only"));
}
