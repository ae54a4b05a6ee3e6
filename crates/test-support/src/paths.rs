//! Where things are.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The team's shared folder, `../shared` beside the repository (CI has it
/// there too).
pub fn shared() -> PathBuf {
    workspace().join("../shared")
}

/// The shared fixtures (`../shared/fixtures`).
pub fn fixtures() -> PathBuf {
    shared().join("fixtures")
}
