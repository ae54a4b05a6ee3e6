//! `presets [--json]`: the bank presets, shipped and the user's, with the
//! banks they are chosen for.

use presets::Source;
use serde_json::json;

use crate::cli::PresetsArgs;
use crate::context::Context;
use crate::exit::Outcome;
use crate::table::Table;

/// Lists the presets.
pub fn run(ctx: &Context, args: &PresetsArgs) -> anyhow::Result<Outcome> {
    // The user's preset files are listed too when there is a configuration.
    let all = match ctx.config() {
        Ok((located, config)) => crate::presets::load(&located, &config)?,
        Err(_) => presets::Presets::builtin(),
    };
    let source = |s: &Source| match s {
        Source::Builtin => "builtin".to_owned(),
        Source::File(p) => p.display().to_string(),
    };
    if args.json {
        let list: Vec<_> = all
            .iter()
            .map(|p| {
                json!({
                    "name": p.name(),
                    "institutions": p.institutions(),
                    "description": p.description(),
                    "source": source(p.source()),
                })
            })
            .collect();
        crate::output::write(None, &format!("{}\n", serde_json::to_string_pretty(&list)?))?;
        return Ok(Outcome::Success);
    }
    let mut table = Table::new(&["NAME", "INSTITUTIONS", "FROM", "WHAT IT DOES"]);
    for p in all.iter() {
        table.row(vec![
            p.name().into(),
            short_list(p.institutions()).into(),
            source(p.source()).into(),
            p.description()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .into(),
        ]);
    }
    crate::output::write(None, &table.render(0, crate::ui::color_stdout()))?;
    Ok(Outcome::Success)
}

/// The first institutions, and how many more (`--json` lists them all).
fn short_list(ids: &[String]) -> String {
    const SHOWN: usize = 2;
    let mut s = ids
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(",");
    if ids.len() > SHOWN {
        s.push_str(&format!(" +{} more", ids.len() - SHOWN));
    }
    s
}
