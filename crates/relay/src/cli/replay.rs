//! `replay`: lists the dead letters in the store `STATE_URL` names, or puts
//! one (`replay ID`) or all (`replay --all`) back in the queue. Works on the
//! store directly, so it needs no admin token and works while the service is
//! stopped; a running service (or any replica of a cluster) picks a replayed
//! delivery up within a second, a stopped one when it starts.

use std::io::{self, Write};

use store::{DeliveryStatus, Store};
use upstream::{Clock, SystemClock};

use super::table::Table;
use super::{Exit, ReplayArgs};
use crate::admin::overview::{MAX_LIMIT, Viewer};
use crate::settings::{Edition, Settings, StateBackend};

/// Opens the configured store and lists or replays.
pub async fn run(settings: &Settings, args: &ReplayArgs, out: &mut dyn Write) -> Exit {
    if settings.edition == Edition::Function {
        let _ = writeln!(
            out,
            "The function edition keeps no dead letters: a delivery it cannot finish is \
             answered 503 and the sender delivers it again."
        );
        return Exit::Settings;
    }
    if matches!(settings.state_url.backend(), StateBackend::Memory) {
        let _ = writeln!(
            out,
            "STATE_URL=memory: lives inside the service's process; replay through its admin \
             API (POST /admin/dead-letters/replay) instead."
        );
        return Exit::Settings;
    }
    let store = match store::connect(settings.state_url.expose(), settings.store_options()).await {
        Ok(store) => store,
        Err(error) => {
            let _ = writeln!(out, "Cannot open the store: {error}");
            return Exit::Failed;
        }
    };
    let viewer = Viewer::new(crate::admin::secrets_of(settings));
    with_store(
        store.as_ref(),
        &viewer,
        args,
        SystemClock.unix_millis(),
        out,
    )
    .await
    .unwrap_or(Exit::Failed)
}

/// Lists or replays in `store`, at `now` (Unix milliseconds).
pub async fn with_store(
    store: &dyn Store,
    viewer: &Viewer,
    args: &ReplayArgs,
    now: i64,
    out: &mut dyn Write,
) -> io::Result<Exit> {
    if args.all {
        return Ok(match store.replay_all(now).await {
            Ok(0) => {
                writeln!(out, "There are no dead letters.")?;
                Exit::Ok
            }
            Ok(count) => {
                let noun = if count == 1 { "letter" } else { "letters" };
                writeln!(out, "Replayed {count} dead {noun}: queued again, due now.")?;
                Exit::Ok
            }
            Err(error) => failed(out, &error)?,
        });
    }
    if let Some(id) = &args.id {
        return Ok(match store.replay(id, now).await {
            Ok(true) => {
                writeln!(out, "Replayed {id}: queued again, due now.")?;
                Exit::Ok
            }
            Ok(false) => {
                writeln!(
                    out,
                    "{id} is not a dead letter (run `replay` to list them)."
                )?;
                Exit::Failed
            }
            Err(error) => failed(out, &error)?,
        });
    }

    let dead = match viewer
        .list(store, Some(DeliveryStatus::Dead), MAX_LIMIT)
        .await
    {
        Ok(dead) => dead,
        Err(error) => return failed(out, &error),
    };
    if dead.is_empty() {
        writeln!(out, "There are no dead letters.")?;
        return Ok(Exit::Ok);
    }
    let noun = if dead.len() == 1 { "letter" } else { "letters" };
    writeln!(out, "{} dead {noun}, newest first:", dead.len())?;
    let mut table = Table::new(&[
        "id",
        "received",
        "kind",
        "event id / tickets",
        "reference",
        "attempts",
        "last error",
    ]);
    for row in dead {
        let about = match (&row.event_id, row.ticket_ids.is_empty()) {
            (Some(event), _) => event.clone(),
            (None, false) => row
                .ticket_ids
                .iter()
                .map(|id| format!("#{id}"))
                .collect::<Vec<_>>()
                .join(", "),
            (None, true) => String::new(),
        };
        table.row(vec![
            row.id,
            row.received_at,
            row.kind.to_owned(),
            about,
            row.reference.unwrap_or_default(),
            row.attempts.to_string(),
            row.last_error.unwrap_or_default(),
        ]);
    }
    table.write(out, "  ")?;
    writeln!(
        out,
        "Replay one with `replay ID`, or all with `replay --all`."
    )?;
    Ok(Exit::Ok)
}

fn failed(out: &mut dyn Write, error: &store::StoreError) -> io::Result<Exit> {
    writeln!(out, "The store failed: {error}")?;
    Ok(Exit::Failed)
}
