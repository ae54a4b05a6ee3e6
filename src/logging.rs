//! Diagnostics: `tracing` to stderr, its level from `-v`/`-q` unless
//! `RUST_LOG` says otherwise.

use tracing_subscriber::EnvFilter;

/// Installs the stderr subscriber. `verbose` counts `-v`s.
pub fn init(verbose: u8, quiet: bool, color: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::new(spec),
        _ => EnvFilter::new(level),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .without_time()
        .with_target(verbose >= 2)
        .try_init();
}
