//! Which build this is: the package version and the git commit it was built from, captured by
//! build.rs (`--version` prints them; every record carries them).

/// The package version, `0.1.0`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The commit the binary was built from: 12 hex digits, `-dirty` added when the sources
/// (src, models, templates, build.rs, Cargo.toml, Cargo.lock) had uncommitted changes, or
/// `unknown` when built without git (from a source tarball).
pub const COMMIT: &str = env!("CARTSIM_COMMIT");

/// What `cartsim --version` prints after the name: `0.1.0 (commit 1a2b3c4d5e6f)`,
/// `0.1.0 (commit 1a2b3c4d5e6f-dirty)` or `0.1.0 (unknown commit)`.
pub const LONG_VERSION: &str = env!("CARTSIM_LONG_VERSION");

/// A build as run records compare it: `0.1.0 (commit 1a2b3c4d5e6f)`.
pub fn build(version: &str, commit: &str) -> String {
    format!("{version} (commit {commit})")
}
