//! Build-time facts the binary carries: the git commit it was built from (for `--version` and
//! every record) and the table of the shipped model library (`models/`) it embeds.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The files whose changes make the binary differ from its commit ("-dirty").
const SOURCES: [&str; 6] = [
    "src",
    "models",
    "templates",
    "build.rs",
    "Cargo.toml",
    "Cargo.lock",
];

/// Extensions of the library files embedded (text; the catalogue's figures stay out).
const LIBRARY_EXTENSIONS: [&str; 4] = ["yaml", "yml", "csv", "md"];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    for source in SOURCES {
        println!("cargo:rerun-if-changed={source}");
    }
    let commit = commit(&manifest).unwrap_or_else(|| "unknown".to_string());
    let described = if commit == "unknown" {
        "unknown commit".to_string()
    } else {
        format!("commit {commit}")
    };
    let version = std::env::var("CARGO_PKG_VERSION").expect("cargo sets it");
    println!("cargo:rustc-env=CARTSIM_COMMIT={commit}");
    println!("cargo:rustc-env=CARTSIM_LONG_VERSION={version} ({described})");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    std::fs::write(
        out.join("library.rs"),
        library_table(&manifest.join("models")),
    )
    .expect("OUT_DIR is writable");
}

/// `git` run in the manifest folder: its trimmed output, or None when git is missing or fails.
fn git(manifest: &Path, arguments: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(manifest)
        .args(arguments)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The commit checked out (12 hex digits), with `-dirty` when the sources differ from it; None
/// outside a git work tree of this package (a tarball, or a tarball unpacked inside another
/// repository).
fn commit(manifest: &Path) -> Option<String> {
    let top = git(manifest, &["rev-parse", "--show-toplevel"])?;
    let same = |path: &Path| std::fs::canonicalize(path).ok();
    if same(Path::new(&top))? != same(manifest)? {
        return None;
    }
    let git_path = |name: &str| {
        git(manifest, &["rev-parse", "--git-path", name]).map(|path| manifest.join(path))
    };
    let mut watched: Vec<PathBuf> = ["HEAD", "packed-refs"]
        .into_iter()
        .flat_map(git_path)
        .collect();
    if let Some(branch) = git(manifest, &["symbolic-ref", "-q", "HEAD"]) {
        // A branch's ref packed by `git gc` is written anew, loose, by the next commit: then
        // its folder is watched for it.
        match git_path(&branch) {
            Some(loose) if loose.exists() => watched.push(loose),
            Some(loose) => watched.extend(loose.parent().map(Path::to_path_buf)),
            None => {}
        }
    }
    for path in watched.iter().filter(|path| path.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    let hash = git(manifest, &["rev-parse", "--short=12", "HEAD"])?;
    let mut status = vec!["status", "--porcelain", "--untracked-files=no", "--"];
    status.extend(SOURCES);
    let dirty = git(manifest, &status).is_none_or(|changes| !changes.is_empty());
    Some(if dirty { format!("{hash}-dirty") } else { hash })
}

/// Every library file under `models/` (relative path with `/`, absolute path), sorted.
fn library_files(root: &Path, folder: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            library_files(root, &path, files);
        } else if (path.extension().and_then(|e| e.to_str()))
            .is_some_and(|e| LIBRARY_EXTENSIONS.contains(&e))
        {
            let relative = path.strip_prefix(root).expect("under the root");
            let parts: Vec<_> = relative.iter().map(|p| p.to_string_lossy()).collect();
            files.push((parts.join("/"), path));
        }
    }
}

/// The Rust source of `FILES` (every library file) and `SHIPPED` (the models at the top).
fn library_table(root: &Path) -> String {
    let mut files = Vec::new();
    library_files(root, root, &mut files);
    files.sort();
    let entry = |(name, path): &(String, PathBuf)| {
        format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        )
    };
    let all: String = files.iter().map(entry).collect();
    let models: String = (files.iter())
        .filter(|(name, _)| !name.contains('/') && name.ends_with(".yaml"))
        .map(entry)
        .collect();
    format!(
        "/// (path under `models/`, text) of every file of the shipped library: models, run, trial\n\
         /// and calibration files and the catalogue, sorted by path.\n\
         pub const FILES: &[(&str, &str)] = &[\n{all}];\n\n\
         /// (file name under `models/`, file text) for every shipped model.\n\
         pub const SHIPPED: &[(&str, &str)] = &[\n{models}];\n"
    )
}
