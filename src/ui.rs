//! Messages to the user on stderr, and colour.
//!
//! stdout carries Beancount (or a command's table or JSON) and nothing else;
//! warnings, notes and errors go through here to stderr.
//!
//! Messages quote what servers and banks send. Each piece of such text is
//! made one safe line where it enters a message (`source::terminal::line`);
//! as a last defence, everything printed here goes through [`sanitize`]:
//! every secret of the run masked, escape sequences shown rather than
//! obeyed, and no line that could pass for one of the tool's own.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

use crate::cli::ColorChoice;

#[derive(Debug, Clone, Copy)]
struct Settings {
    quiet: bool,
    color_stderr: bool,
    color_stdout: bool,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

fn settings() -> Settings {
    *SETTINGS.get_or_init(|| Settings {
        quiet: false,
        color_stderr: false,
        color_stdout: false,
    })
}

/// Decides, once per process, whether to colour and whether to be quiet.
pub fn init(choice: ColorChoice, quiet: bool) {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let decide = |is_tty: bool| match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_tty && !no_color && std::env::var("TERM").ok().as_deref() != Some("dumb")
        }
    };
    let _ = SETTINGS.set(Settings {
        quiet,
        color_stderr: decide(std::io::stderr().is_terminal()),
        color_stdout: decide(std::io::stdout().is_terminal()),
    });
}

/// Whether stderr gets colour.
pub fn color_stderr() -> bool {
    settings().color_stderr
}

/// Whether stdout tables get colour (never Beancount output).
pub fn color_stdout() -> bool {
    settings().color_stdout
}

/// Whether `-q` was given.
pub fn quiet() -> bool {
    settings().quiet
}

/// ANSI styles, applied only when colour is on.
#[derive(Debug, Clone, Copy)]
pub enum Style {
    /// Errors.
    Red,
    /// Warnings and attention.
    Yellow,
    /// Good news.
    Green,
    /// Commands to run, headings.
    Bold,
    /// Secondary information.
    Dim,
}

/// `text` in `style` when `on`.
pub fn paint(text: &str, style: Style, on: bool) -> String {
    if !on {
        return text.to_owned();
    }
    let code = match style {
        Style::Red => "1;31",
        Style::Yellow => "1;33",
        Style::Green => "32",
        Style::Bold => "1",
        Style::Dim => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// Text as it may reach stderr: every secret of the run masked, every
/// control character but the newline shown as an escape (colour sequences
/// kept when `color`, being ours), and every line after the first that does
/// not start with a space indented, so that no quoted text can start a line
/// that looks like the tool's (`error: …`).
pub fn sanitize(text: &str, color: bool) -> String {
    let masked = source::redact::text(text);
    let shown = if color {
        source::terminal::styled_lines(&masked)
    } else {
        source::terminal::lines(&masked)
    };
    let mut out = String::with_capacity(shown.len());
    for (i, line) in shown.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            if !line.is_empty() && !line.starts_with(' ') {
                out.push_str("  ");
            }
        }
        out.push_str(line);
    }
    out
}

fn emit(label: &str, style: Style, msg: &str) {
    let color = color_stderr();
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "{}: {}",
        paint(label, style, color),
        sanitize(msg, color)
    );
}

/// A warning on stderr (silenced by `-q`).
pub fn warn(msg: impl AsRef<str>) {
    if !quiet() {
        emit("warning", Style::Yellow, msg.as_ref());
    }
}

/// A note on stderr (silenced by `-q`).
pub fn note(msg: impl AsRef<str>) {
    if !quiet() {
        emit("note", Style::Green, msg.as_ref());
    }
}

/// A plain informational line on stderr (silenced by `-q`).
pub fn info(msg: impl AsRef<str>) {
    if !quiet() {
        let text = sanitize(msg.as_ref(), color_stderr());
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }
}

/// An error on stderr (never silenced), with its causes on following lines.
pub fn error(err: &anyhow::Error) {
    let mut out = format!("{err}");
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        // anyhow contexts often repeat their source's message; say it once.
        if !out.contains(&text) {
            out.push_str(&format!("\n  caused by: {text}"));
        }
    }
    emit("error", Style::Red, &out);
}

/// A command for the user to run, highlighted.
pub fn command(cmd: &str, on: bool) -> String {
    paint(cmd, Style::Bold, on)
}

/// An error line for one part of a run that goes on (never silenced).
pub fn error_line(msg: impl AsRef<str>) {
    emit("error", Style::Red, msg.as_ref());
}
