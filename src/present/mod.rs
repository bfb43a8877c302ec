//! Presentation: a command's results and resolved settings turned into named files (tables,
//! figures, records) without touching the disk. One module per command; the command line
//! (`cli`) resolves arguments into settings, runs the pipeline, calls `present` and commits
//! the files into the output folder. Tables too large to hold are written through a
//! `std::io::Write` the caller provides.

pub mod fit;
pub mod run;
pub mod sensitivity;
pub mod simulate;

/// A file of an output folder, not yet written: its name relative to the folder, and its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl NamedFile {
    pub fn new(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> NamedFile {
        NamedFile {
            name: name.into(),
            bytes: bytes.into(),
        }
    }
}
