//! Turning library errors into messages that say what to do.

/// Whether a library error is a configuration error (exit status 2).
pub fn is_config_error(err: &(dyn std::error::Error + 'static)) -> bool {
    err.is::<importer::ConfigError>()
}
