//! Diagnostics: `tracing` to stderr, its level from `-v`/`-q` unless
//! `RUST_LOG` says otherwise. Each event goes through [`ui::sanitize`]
//! like every other line on stderr: a server's text in a field can neither
//! reveal a secret nor drive the terminal.
//!
//! [`ui::sanitize`]: crate::ui::sanitize

use std::io::Write;

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
        .with_writer(SafeStderr { color })
        .with_ansi(color)
        .without_time()
        .with_target(verbose >= 2)
        .try_init();
}

/// Makes one [`EventWriter`] per event.
struct SafeStderr {
    color: bool,
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for SafeStderr {
    type Writer = EventWriter;

    fn make_writer(&'a self) -> EventWriter {
        EventWriter {
            color: self.color,
            buf: Vec::new(),
        }
    }
}

/// Collects one formatted event, and prints it sanitised when dropped.
struct EventWriter {
    color: bool,
    buf: Vec<u8>,
}

impl Write for EventWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.buf);
        let body = text.strip_suffix('\n').unwrap_or(&text);
        let safe = crate::ui::sanitize(body, self.color);
        let _ = writeln!(std::io::stderr().lock(), "{safe}");
    }
}
