//! Writing results: files are written under a temporary name and renamed into place, so a
//! failed run never leaves a half-written file.

use crate::diag::Diagnostic;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Hex SHA-256 of some bytes (provenance of input files).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes every (file name, contents) into `directory`, creating it; each file appears whole
/// or not at all.
pub fn write_files(directory: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), Diagnostic> {
    let fail = |what: &str, path: &Path, error: std::io::Error| {
        Diagnostic::new(format!("cannot {what} `{}`: {error}", path.display()))
            .hint("choose another folder with `--out DIR`")
    };
    std::fs::create_dir_all(directory).map_err(|e| fail("create folder", directory, e))?;
    for (name, contents) in files {
        let target = directory.join(name);
        let temporary = directory.join(format!(".{name}.partial-{}", std::process::id()));
        std::fs::write(&temporary, contents).map_err(|e| fail("write", &temporary, e))?;
        std::fs::rename(&temporary, &target).map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            fail("rename into", &target, e)
        })?;
    }
    Ok(())
}
