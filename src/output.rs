//! Writing results: files are written under temporary names and renamed into place only when
//! all of them are complete, so a failed run never leaves a half-written file.

use crate::diag::Diagnostic;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// Hex SHA-256 of some bytes (provenance of input files).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn failure(what: &str, path: &Path, error: std::io::Error) -> Diagnostic {
    Diagnostic::new(format!("cannot {what} `{}`: {error}", path.display()))
        .hint("choose another folder with `--out DIR`")
}

/// Output files being written into a folder: each under a temporary name until `commit`
/// renames them all into place. Dropped without `commit`, it removes what it wrote.
pub struct Staging {
    directory: PathBuf,
    /// (temporary path, final path)
    files: Vec<(PathBuf, PathBuf)>,
    committed: bool,
}

impl Staging {
    pub fn new(directory: &Path) -> Result<Staging, Diagnostic> {
        std::fs::create_dir_all(directory).map_err(|e| failure("create folder", directory, e))?;
        Ok(Staging {
            directory: directory.to_path_buf(),
            files: Vec::new(),
            committed: false,
        })
    }

    fn stage(&mut self, name: &str) -> Result<PathBuf, Diagnostic> {
        let target = self.directory.join(name);
        let folder = target.parent().unwrap_or(&self.directory).to_path_buf();
        std::fs::create_dir_all(&folder).map_err(|e| failure("create folder", &folder, e))?;
        let file_name = target.file_name().and_then(|n| n.to_str()).unwrap_or(name);
        let temporary = folder.join(format!(".{file_name}.partial-{}", std::process::id()));
        self.files.push((temporary.clone(), target));
        Ok(temporary)
    }

    /// Writes a whole file.
    pub fn write(&mut self, name: &str, contents: &[u8]) -> Result<(), Diagnostic> {
        let temporary = self.stage(name)?;
        std::fs::write(&temporary, contents).map_err(|e| failure("write", &temporary, e))
    }

    /// Opens a file to stream into (for tables that grow with the population).
    pub fn create(&mut self, name: &str) -> Result<BufWriter<File>, Diagnostic> {
        let temporary = self.stage(name)?;
        File::create(&temporary)
            .map(BufWriter::new)
            .map_err(|e| failure("write", &temporary, e))
    }

    /// Renames every file into place.
    pub fn commit(mut self) -> Result<(), Diagnostic> {
        for (temporary, target) in &self.files {
            std::fs::rename(temporary, target).map_err(|e| failure("rename into", target, e))?;
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            for (temporary, _) in &self.files {
                let _ = std::fs::remove_file(temporary);
            }
        }
    }
}

/// Writes every (file name, contents) into `directory`, all or (when writing fails) none.
pub fn write_files(directory: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), Diagnostic> {
    let mut staging = Staging::new(directory)?;
    for (name, contents) in files {
        staging.write(name, contents)?;
    }
    staging.commit()
}
