//! Output folders: a command writes its whole result into a hidden staging folder beside the
//! target and swaps it in as a whole on commit, so a folder always holds exactly one run's
//! files, and a failed or interrupted run leaves the previous result as it was.

use crate::diag::Diagnostic;
use crate::record::provenance::{FILE as PROVENANCE, Provenance};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufWriter, ErrorKind};
use std::path::{Path, PathBuf};

/// Hex SHA-256 of some bytes (provenance of input files).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A reader that passes bytes through and hashes them on the way (the SHA-256 of a file read
/// once, in a stream).
pub struct HashingReader<R> {
    inner: R,
    hash: Sha256,
}

impl<R> HashingReader<R> {
    pub fn new(inner: R) -> HashingReader<R> {
        HashingReader {
            inner,
            hash: Sha256::new(),
        }
    }

    /// The hex SHA-256 of everything read.
    pub fn sha256_hex(self) -> String {
        self.hash
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl<R: std::io::Read> std::io::Read for HashingReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buffer)?;
        self.hash.update(&buffer[..n]);
        Ok(n)
    }
}

fn failure(what: &str, path: &Path, error: std::io::Error) -> Diagnostic {
    Diagnostic::new(format!("cannot {what} `{}`: {error}", path.display()))
        .hint("choose another folder with `--out DIR`")
}

/// The command whose result an output folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Simulate,
    /// `run`, its shards and `merge`.
    Run,
    /// `fit`, with or without `--population`.
    Fit,
    Sensitivity,
    Trial,
    Calibrate,
}

impl Owner {
    pub fn command(self) -> &'static str {
        match self {
            Owner::Simulate => "simulate",
            Owner::Run => "run",
            Owner::Fit => "fit",
            Owner::Sensitivity => "sensitivity",
            Owner::Trial => "trial",
            Owner::Calibrate => "calibrate",
        }
    }
}

/// The command whose result `folder` holds, from the record every command leaves there:
/// provenance.json (its `kind`), sensitivity.json, or a shard's run.json. None when it holds
/// no cartsim record.
pub fn owner(folder: &Path) -> Option<Owner> {
    let record = |name: &str| {
        let text = std::fs::read_to_string(folder.join(name)).ok()?;
        let value: serde_json::Value = serde_json::from_str(&text).ok()?;
        value.get("cartsim_version").is_some().then_some(value)
    };
    if let Some(provenance) = record("provenance.json") {
        return match provenance["kind"].as_str()? {
            "simulate" => Some(Owner::Simulate),
            "run" => Some(Owner::Run),
            "fit" | "population" => Some(Owner::Fit),
            "trial" => Some(Owner::Trial),
            "calibrate" => Some(Owner::Calibrate),
            _ => None,
        };
    }
    if record("sensitivity.json").is_some() {
        return Some(Owner::Sensitivity);
    }
    record("run.json")
        .filter(|run| run["shard"].is_object())
        .map(|_| Owner::Run)
}

/// Where a command writes its result: the folder (`--out`), the command, whether `--force`
/// lets it replace a folder that holds something else, and the command's input files.
#[derive(Debug, Clone)]
pub struct Destination {
    pub path: PathBuf,
    pub owner: Owner,
    pub force: bool,
    /// Files the command reads: a folder holding one is never replaced, even with `force`.
    pub inputs: Vec<PathBuf>,
}

impl Destination {
    /// Refuses a folder the result may not replace: the current folder, the home folder, the
    /// root or an ancestor of them, and a folder holding one of the command's inputs (always),
    /// and a non-empty folder that holds no result of the same command (unless `force`).
    /// Commands call it before they start working.
    pub fn check(&self) -> Result<(), Diagnostic> {
        let shown = self.path.display();
        let metadata = match std::fs::metadata(&self.path) {
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(failure("read", &self.path, error)),
            Ok(metadata) => metadata,
        };
        if !metadata.is_dir() {
            return Err(
                Diagnostic::new(format!("`{shown}` exists and is not a folder"))
                    .hint("choose a new folder with `--out DIR`"),
            );
        }
        let real = std::fs::canonicalize(&self.path).map_err(|e| failure("read", &self.path, e))?;
        if let Some(what) = protected(&real) {
            return Err(Diagnostic::new(format!(
                "`{shown}` is {what}: cartsim replaces its output folder as a whole, so it never writes into it"
            ))
            .hint(format!("write into a new subfolder, e.g. `--out {}`", self.path.join("results").display())));
        }
        let holds =
            |input: &&PathBuf| std::fs::canonicalize(input).is_ok_and(|i| i.starts_with(&real));
        if let Some(input) = self.inputs.iter().find(holds) {
            return Err(Diagnostic::new(format!(
                "`{shown}` holds `{}`, an input of this command: cartsim replaces its output folder as a whole, so it never writes where its inputs are",
                input.display()
            ))
            .hint(format!("write into a new subfolder, e.g. `--out {}`", self.path.join("results").display())));
        }
        let empty = std::fs::read_dir(&real)
            .map_err(|e| failure("read", &self.path, e))?
            .next()
            .is_none();
        let command = self.owner.command();
        match owner(&real) {
            _ if empty || self.force => Ok(()),
            Some(found) if found == self.owner => Ok(()),
            Some(found) => Err(Diagnostic::new(format!(
                "`{shown}` holds the result of `cartsim {}`, which `cartsim {command}` would replace",
                found.command()
            ))
            .hint("choose another folder with `--out DIR`, or add `--force` to replace it")),
            None => Err(Diagnostic::new(format!(
                "`{shown}` is not empty and holds no cartsim result (no provenance.json)"
            ))
            .hint("choose a new or empty folder with `--out DIR`, or add `--force` to replace everything in it")),
        }
    }
}

/// Why a folder may never be replaced: it is the root, the current folder, the home folder
/// or an ancestor of one of them.
fn protected(real: &Path) -> Option<&'static str> {
    let canonical = |path: Option<PathBuf>| path.and_then(|p| std::fs::canonicalize(p).ok());
    let current = canonical(std::env::current_dir().ok());
    let home = canonical(std::env::var_os("HOME").map(PathBuf::from));
    if real.parent().is_none() {
        Some("the root folder")
    } else if current.as_deref() == Some(real) {
        Some("the current folder")
    } else if home.as_deref() == Some(real) {
        Some("your home folder")
    } else if current.is_some_and(|c| c.starts_with(real))
        || home.is_some_and(|h| h.starts_with(real))
    {
        Some("a folder that holds the current or the home folder")
    } else {
        None
    }
}

/// A hidden sibling of `target` for this process: `.<name>.cartsim-<what>-<pid>`.
fn sibling(target: &Path, what: &str) -> PathBuf {
    let name = target
        .file_name()
        .map_or("out".into(), |n| n.to_string_lossy());
    let parent = target.parent().unwrap_or(Path::new("."));
    parent.join(format!(".{name}.cartsim-{what}-{}", std::process::id()))
}

/// The staging folder's subfolder of scratch files (see `Staging::scratch`).
const SCRATCH: &str = ".scratch";

/// A command's result being written into a staging folder beside its destination; `commit`
/// swaps it in for the previous result. Dropped without `commit`, it removes what it wrote.
pub struct Staging {
    target: PathBuf,
    folder: PathBuf,
    files: Vec<String>,
    record: Option<Provenance>,
    committed: bool,
}

impl Staging {
    /// Checks the destination (see `Destination::check`) and creates the staging folder.
    pub fn new(destination: &Destination) -> Result<Staging, Diagnostic> {
        destination.check()?;
        let path = &destination.path;
        let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        if target.file_name().is_none() {
            return Err(
                Diagnostic::new(format!("`--out {}` names no folder", path.display()))
                    .hint("give a folder name, e.g. `--out results`"),
            );
        }
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| failure("create folder", parent, e))?;
        }
        let folder = sibling(&target, "staging");
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir(&folder).map_err(|e| failure("create folder", &folder, e))?;
        Ok(Staging {
            target,
            folder,
            files: Vec::new(),
            record: None,
            committed: false,
        })
    }

    /// Sets the provenance record, written by `commit` with the list of every file written.
    pub fn record(&mut self, record: Provenance) {
        self.record = Some(record);
    }

    /// The staging folder (the result until `commit`).
    pub fn path(&self) -> &Path {
        &self.folder
    }

    /// The files written so far, in order, relative to the folder (for the run's record).
    pub fn files(&self) -> &[String] {
        &self.files
    }

    fn stage(&mut self, name: &str) -> Result<PathBuf, Diagnostic> {
        let path = self.folder.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| failure("create folder", parent, e))?;
        }
        self.files.push(name.to_string());
        Ok(path)
    }

    /// Writes a whole file.
    pub fn write(&mut self, name: &str, contents: &[u8]) -> Result<(), Diagnostic> {
        let path = self.stage(name)?;
        std::fs::write(&path, contents).map_err(|e| failure("write", &path, e))
    }

    /// Opens a file to stream into (for tables that grow with the population).
    pub fn create(&mut self, name: &str) -> Result<BufWriter<File>, Diagnostic> {
        let path = self.stage(name)?;
        File::create(&path)
            .map(BufWriter::new)
            .map_err(|e| failure("write", &path, e))
    }

    /// A file for the command's own use while it runs (a table spilled to disk), in the
    /// staging folder but not part of the result: `commit` removes it with the others.
    pub fn scratch(&mut self, name: &str) -> Result<(PathBuf, File), Diagnostic> {
        let folder = self.folder.join(SCRATCH);
        std::fs::create_dir_all(&folder).map_err(|e| failure("create folder", &folder, e))?;
        let path = folder.join(name);
        let file = (File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true))
        .open(&path)
        .map_err(|e| failure("write", &path, e))?;
        Ok((path, file))
    }

    /// Replaces the previous result with this one: the old folder is renamed aside, the
    /// staging folder renamed into place, then the old one removed. When the second rename
    /// fails, the old folder is renamed back. Writes the record first (see `record`).
    /// Refused once a stop was requested.
    pub fn commit(mut self) -> Result<(), Diagnostic> {
        if let Some(signal) = crate::interrupt::requested() {
            return Err(crate::interrupt::stopped(signal));
        }
        let scratch = self.folder.join(SCRATCH);
        if scratch.exists() {
            std::fs::remove_dir_all(&scratch).map_err(|e| failure("remove", &scratch, e))?;
        }
        if let Some(mut record) = self.record.take() {
            let mut files = self.files.clone();
            files.push(PROVENANCE.to_string());
            record.files = Some(files);
            self.write(PROVENANCE, record.to_json().as_bytes())?;
        }
        let aside = sibling(&self.target, "previous");
        let replaced = match std::fs::rename(&self.target, &aside) {
            Ok(()) => true,
            Err(error) if error.kind() == ErrorKind::NotFound => false,
            Err(error) => {
                return Err(failure(
                    "move aside the previous result",
                    &self.target,
                    error,
                ));
            }
        };
        if let Err(error) = std::fs::rename(&self.folder, &self.target) {
            let restored = !replaced || std::fs::rename(&aside, &self.target).is_ok();
            let kept = if restored {
                "the previous result is left as it was".to_string()
            } else {
                format!("the previous result is in `{}`", aside.display())
            };
            return Err(failure("move the new result into", &self.target, error).note(kept));
        }
        self.committed = true;
        if replaced {
            let _ = std::fs::remove_dir_all(&aside);
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.folder);
        }
    }
}

/// Files added to an existing folder (a report beside a result): each written under a
/// temporary name and renamed into place by `commit`; dropped without it, removed.
pub struct Additions {
    directory: PathBuf,
    /// (temporary path, final path)
    files: Vec<(PathBuf, PathBuf)>,
    committed: bool,
}

impl Additions {
    pub fn new(directory: &Path) -> Result<Additions, Diagnostic> {
        std::fs::create_dir_all(directory).map_err(|e| failure("create folder", directory, e))?;
        Ok(Additions {
            directory: directory.to_path_buf(),
            files: Vec::new(),
            committed: false,
        })
    }

    /// Writes a whole file.
    pub fn write(&mut self, name: &str, contents: &[u8]) -> Result<(), Diagnostic> {
        let target = self.directory.join(name);
        let folder = target.parent().unwrap_or(&self.directory).to_path_buf();
        std::fs::create_dir_all(&folder).map_err(|e| failure("create folder", &folder, e))?;
        let file_name = target.file_name().and_then(|n| n.to_str()).unwrap_or(name);
        let temporary = folder.join(format!(".{file_name}.partial-{}", std::process::id()));
        self.files.push((temporary.clone(), target));
        std::fs::write(&temporary, contents).map_err(|e| failure("write", &temporary, e))
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

impl Drop for Additions {
    fn drop(&mut self) {
        if !self.committed {
            for (temporary, _) in &self.files {
                let _ = std::fs::remove_file(temporary);
            }
        }
    }
}

#[cfg(test)]
mod tests;
