//! Progress on stderr while accounts are fetched: a bar when stderr is a
//! terminal, otherwise `-v` lines through `tracing`.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Progress over a number of accounts.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A progress display for `total` accounts, `verb` saying what happens
    /// to them ("fetching").
    pub fn new(total: usize, verb: &str) -> Progress {
        let show = std::io::stderr().is_terminal() && !crate::ui::quiet() && total > 0;
        let bar = show.then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} {prefix} [{bar:30}] {pos}/{len} {wide_msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(verb.to_owned());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Progress { bar }
    }

    /// An account has started.
    pub fn start(&self, label: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(label.to_owned()),
            None => tracing::info!("fetching {label}"),
        }
    }

    /// An account is done.
    pub fn done(&self, label: &str, summary: &str) {
        match &self.bar {
            Some(bar) => {
                bar.inc(1);
                bar.set_message(format!("{label}: {summary}"));
            }
            None => tracing::info!("{label}: {summary}"),
        }
    }

    /// Prints a line above the bar (or plainly when there is none), so
    /// warnings are not drawn over.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Removes the bar.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
