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

/// Writes every (file name, contents) into `directory`, creating it. All files are first
/// written under temporary names and only then renamed into place, so a failure while writing
/// (a full disk, say) leaves none of them behind, and no file is ever seen half-written.
pub fn write_files(directory: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), Diagnostic> {
    let fail = |what: &str, path: &Path, error: std::io::Error| {
        Diagnostic::new(format!("cannot {what} `{}`: {error}", path.display()))
            .hint("choose another folder with `--out DIR`")
    };
    std::fs::create_dir_all(directory).map_err(|e| fail("create folder", directory, e))?;
    let temporary = |name: &str| directory.join(format!(".{name}.partial-{}", std::process::id()));
    let remove_all = || {
        for (name, _) in files {
            let _ = std::fs::remove_file(temporary(name));
        }
    };
    for (name, contents) in files {
        if let Err(error) = std::fs::write(temporary(name), contents) {
            remove_all();
            return Err(fail("write", &temporary(name), error));
        }
    }
    for (name, _) in files {
        if let Err(error) = std::fs::rename(temporary(name), directory.join(name)) {
            remove_all();
            return Err(fail("rename into", &directory.join(name), error));
        }
    }
    Ok(())
}
