//! `unlink REQUISITION_ID`: delete a requisition and the access it gave.

use std::io::{BufRead, IsTerminal, Write};

use crate::cli::UnlinkArgs;
use crate::context::Context;
use crate::exit::{Outcome, usage};

/// Deletes the requisition, after confirmation on a terminal.
pub fn run(ctx: &Context, args: &UnlinkArgs) -> anyhow::Result<Outcome> {
    let (located, config) = ctx.config()?;
    let store = crate::connect::open_store(ctx, &located, &config)?;
    let client = crate::connect::client(ctx, &located, &config, &store)?;
    let id = args.requisition.trim();
    let req = client.requisition(id).map_err(crate::errors::with_advice)?;
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(usage(format!(
                "unlink deletes requisition {id} and the access to its {} account(s); pass --yes \
                 to confirm when not on a terminal",
                req.accounts.len()
            )));
        }
        eprint!(
            "Delete requisition {id} ({}, reference {}) and the access to its {} account(s)? [y/N] ",
            req.institution_id,
            req.reference.as_deref().unwrap_or("-"),
            req.accounts.len()
        );
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
            crate::ui::info("nothing deleted");
            return Ok(Outcome::Success);
        }
    }
    client
        .delete_requisition(id)
        .map_err(crate::errors::with_advice)?;
    crate::ui::info(format!(
        "deleted requisition {id} ({}); remove its accounts from {}",
        req.institution_id,
        located.path.display()
    ));
    Ok(Outcome::Success)
}
