//! What every command needs: the global options, the configuration, the
//! clock.

use std::sync::Arc;

use chrono::NaiveDate;
use gocardless::Clock;
use importer::Config;

use crate::cli::GlobalArgs;
use crate::config_path::{self, Located};

/// The state shared by the commands of one run.
pub struct Context {
    /// The global command-line options.
    pub global: GlobalArgs,
    /// The clock (the system's, or `GC_BEANCOUNT_NOW` in tests).
    pub clock: Arc<dyn Clock>,
}

impl Context {
    /// Builds the context from the global options.
    pub fn new(global: GlobalArgs) -> anyhow::Result<Context> {
        Ok(Context {
            global,
            clock: crate::clock::from_env()?,
        })
    }

    /// Finds and loads the configuration, printing its notes (keys of the
    /// Python importer that are ignored) once.
    pub fn config(&self) -> anyhow::Result<(Located, Config)> {
        let located = config_path::locate(self.global.config.as_deref())?;
        tracing::info!(
            "configuration: {} (from {})",
            located.path.display(),
            located.how
        );
        let config = importer::config::load(&located.path)?;
        crate::sources::check_providers(&config)?;
        for note in &config.notes {
            crate::ui::note(note);
        }
        Ok((located, config))
    }

    /// Today in the user's time zone, by the run's clock.
    pub fn today(&self) -> NaiveDate {
        self.clock.now().with_timezone(&chrono::Local).date_naive()
    }
}
