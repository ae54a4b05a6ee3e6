//! Why a preset file cannot be used.

use std::path::PathBuf;

/// A preset file that cannot be read or is not valid. Applying a preset
/// never fails; only loading one does.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PresetError {
    /// The file could not be read.
    #[error("{}: cannot read the preset file: {source} (check the path given for preset files)", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid preset, at a known position.
    #[error("{origin}:{line}:{column}: {message}")]
    Invalid {
        /// The file (`builtin:NAME.yaml` for a shipped preset).
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong and what to do, with the key path when there is
        /// one (`steps[2].if.remittance: invalid regex …`).
        message: String,
    },
    /// The file is not a valid preset, at no particular position.
    #[error("{origin}: {message}")]
    Other {
        /// The file.
        origin: String,
        /// What is wrong and what to do.
        message: String,
    },
}

/// Turns a YAML error into a [`PresetError`] with its position.
pub(crate) fn yaml_error(e: &serde_norway::Error, origin: &str) -> PresetError {
    let full = e.to_string();
    let Some(loc) = e.location() else {
        return PresetError::Other {
            origin: origin.to_owned(),
            message: full,
        };
    };
    // "path: message at line L column C": the position is reported apart.
    let message = match full.rfind(" at line ") {
        Some(i) => &full[..i],
        None => full.as_str(),
    };
    PresetError::Invalid {
        origin: origin.to_owned(),
        line: loc.line(),
        column: loc.column(),
        message: message.to_owned(),
    }
}
