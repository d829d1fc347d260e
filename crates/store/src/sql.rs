//! What the SQLite and PostgreSQL backends share: every statement together with the
//! order of its parameters (both drivers number them `$1`, `$2`, …), the decoding of a
//! delivery row, and the mapping of driver errors. Each statement is a macro that
//! builds the bound query, so the driver is inferred where it runs; how and where each
//! backend runs it lives in its own module.

use crate::{DeliveryRecord, DeliveryStatus, Kind, Outcome, StoreError};
use sqlx::types::Json;

/// The delivery columns every read returns, in [`DeliveryRow`]'s names.
macro_rules! columns {
    () => {
        "id, kind, event_id, subject, headers, body, status, attempts, next_attempt_at, \
         lease_owner, lease_until, last_error, outcome, received_at, updated_at"
    };
}

/// Inserts a new delivery unless one of its kind has its event id; when nothing was
/// inserted the caller reads the existing one. A repeated `id` is an error. `$claim` is
/// `None` for a pending delivery, due now, or `Some((worker, lease_until))` for one
/// recorded already claimed (in flight, first attempt), which saves the intake a write.
macro_rules! enqueue {
    ($delivery:expr, $claim:expr) => {{
        let claim: Option<(&str, i64)> = $claim;
        sqlx::query(
            "INSERT INTO deliveries (id, kind, event_id, subject, headers, body, status, \
             attempts, next_attempt_at, received_at, updated_at, lease_owner, lease_until) \
             VALUES ($1, $2, $3, $4, $5, $6, $8, $9, $7, $7, $7, $10, $11) \
             ON CONFLICT (kind, event_id) WHERE event_id IS NOT NULL DO NOTHING",
        )
        .bind(&$delivery.id)
        .bind($delivery.kind.as_str())
        .bind(&$delivery.event_id)
        .bind(&$delivery.subject)
        .bind(sqlx::types::Json(&$delivery.headers))
        .bind(&$delivery.body)
        .bind($delivery.received_at)
        .bind(match claim {
            Some(_) => $crate::DeliveryStatus::InFlight.as_str(),
            None => $crate::DeliveryStatus::Pending.as_str(),
        })
        .bind(i64::from(claim.is_some()))
        .bind(claim.map(|(worker, _)| worker.to_owned()))
        .bind(claim.map(|(_, until)| until))
    }};
}

macro_rules! by_id {
    ($id:expr) => {
        sqlx::query_as::<_, $crate::sql::DeliveryRow>(concat!(
            "SELECT ",
            $crate::sql::columns!(),
            " FROM deliveries WHERE id = $1"
        ))
        .bind($id)
    };
}

macro_rules! by_event {
    ($kind:expr, $event_id:expr) => {
        sqlx::query_as::<_, $crate::sql::DeliveryRow>(concat!(
            "SELECT ",
            $crate::sql::columns!(),
            " FROM deliveries WHERE kind = $1 AND event_id = $2"
        ))
        .bind($kind.as_str())
        .bind($event_id)
    };
}

/// Claims due deliveries, oldest `next_attempt_at` first. The SQLite backend runs it on
/// its single writer, so it needs no row locks (`$lock` empty); PostgreSQL passes
/// `FOR UPDATE SKIP LOCKED` so replicas claiming at once take different rows instead
/// of waiting on each other. The choice sits in a CTE because PostgreSQL evaluates a
/// row-locking CTE exactly once, where a plain subquery could be re-run and lock more
/// than the limit.
macro_rules! claim_due {
    ($lock:literal, $worker:expr, $now:expr, $lease_until:expr, $limit:expr) => {
        sqlx::query_as::<_, $crate::sql::DeliveryRow>(concat!(
            "WITH due AS (SELECT seq FROM deliveries \
               WHERE (status = 'pending' AND next_attempt_at <= $2) \
                  OR (status = 'in_flight' AND lease_until < $2) \
               ORDER BY next_attempt_at, seq LIMIT $4 ",
            $lock,
            ") UPDATE deliveries SET status = 'in_flight', lease_owner = $1, \
             lease_until = $3, attempts = attempts + 1, updated_at = $2, \
             last_error = CASE WHEN status = 'in_flight' \
               THEN 'attempt interrupted: its lease ended' ELSE last_error END \
             WHERE seq IN (SELECT seq FROM due) RETURNING ",
            $crate::sql::columns!()
        ))
        .bind($worker)
        .bind($now)
        .bind($lease_until)
        .bind(i64::from($limit))
    };
}

macro_rules! claim_one {
    ($id:expr, $worker:expr, $now:expr, $lease_until:expr) => {
        sqlx::query_as::<_, $crate::sql::DeliveryRow>(concat!(
            "UPDATE deliveries SET status = 'in_flight', lease_owner = $2, lease_until = $4, \
             attempts = attempts + 1, updated_at = $3, \
             last_error = CASE WHEN status = 'in_flight' \
               THEN 'attempt interrupted: its lease ended' ELSE last_error END \
             WHERE id = $1 \
             AND (status = 'pending' OR (status = 'in_flight' AND lease_until < $3)) \
             RETURNING ",
            $crate::sql::columns!()
        ))
        .bind($id)
        .bind($worker)
        .bind($now)
        .bind($lease_until)
    };
}

macro_rules! complete {
    ($id:expr, $outcome:expr, $now:expr) => {
        sqlx::query(
            "UPDATE deliveries SET status = 'done', outcome = $2, lease_owner = NULL, \
             lease_until = NULL, updated_at = $3 WHERE id = $1",
        )
        .bind($id)
        .bind(sqlx::types::Json($outcome))
        .bind($now)
    };
}

macro_rules! retry_later {
    ($id:expr, $next_attempt_at:expr, $error:expr, $now:expr) => {
        sqlx::query(
            "UPDATE deliveries SET status = 'pending', next_attempt_at = $2, last_error = $3, \
             lease_owner = NULL, lease_until = NULL, updated_at = $4 WHERE id = $1",
        )
        .bind($id)
        .bind($next_attempt_at)
        .bind($error)
        .bind($now)
    };
}

macro_rules! dead_letter {
    ($id:expr, $error:expr, $now:expr) => {
        sqlx::query(
            "UPDATE deliveries SET status = 'dead', last_error = $2, lease_owner = NULL, \
             lease_until = NULL, updated_at = $3 WHERE id = $1",
        )
        .bind($id)
        .bind($error)
        .bind($now)
    };
}

macro_rules! forget {
    ($id:expr) => {
        sqlx::query("DELETE FROM deliveries WHERE id = $1").bind($id)
    };
}

macro_rules! release_worker {
    ($worker:expr, $now:expr) => {
        sqlx::query(
            "UPDATE deliveries SET status = 'pending', next_attempt_at = $2, \
             lease_owner = NULL, lease_until = NULL, updated_at = $2, \
             last_error = 'attempt interrupted: its process stopped' \
             WHERE status = 'in_flight' AND lease_owner = $1",
        )
        .bind($worker)
        .bind($now)
    };
}

/// Dead letters back to pending; `$id` `None` replays them all.
macro_rules! replay {
    ($id:expr, $now:expr) => {
        sqlx::query(
            "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1, \
             updated_at = $1 WHERE status = 'dead' AND ($2 IS NULL OR id = $2)",
        )
        .bind($now)
        .bind($id)
    };
}

/// Newest first; `$status` `None` lists every status.
macro_rules! recent {
    ($status:expr, $limit:expr) => {
        sqlx::query_as::<_, $crate::sql::DeliveryRow>(concat!(
            "SELECT ",
            $crate::sql::columns!(),
            " FROM deliveries WHERE ($1 IS NULL OR status = $1) \
             ORDER BY received_at DESC, seq DESC LIMIT $2"
        ))
        .bind($status.map(|status: $crate::DeliveryStatus| status.as_str()))
        .bind(i64::from($limit))
    };
}

macro_rules! counts {
    () => {
        sqlx::query_as::<_, (String, i64)>(
            "SELECT status, COUNT(*) FROM deliveries GROUP BY status",
        )
    };
}

macro_rules! prune_done {
    ($finished_before:expr, $limit:expr) => {
        sqlx::query(
            "DELETE FROM deliveries WHERE seq IN (SELECT seq FROM deliveries \
             WHERE status = 'done' AND updated_at < $1 ORDER BY updated_at LIMIT $2)",
        )
        .bind($finished_before)
        .bind(i64::from($limit))
    };
}

/// One row affected means the lock is `$owner`'s until `$until`.
macro_rules! try_lock {
    ($key:expr, $owner:expr, $now:expr, $until:expr) => {
        sqlx::query(
            "INSERT INTO locks (key, owner, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE \
             SET owner = excluded.owner, expires_at = excluded.expires_at \
             WHERE locks.expires_at < $4 OR locks.owner = excluded.owner",
        )
        .bind($key)
        .bind($owner)
        .bind($until)
        .bind($now)
    };
}

macro_rules! unlock {
    ($key:expr, $owner:expr) => {
        sqlx::query("DELETE FROM locks WHERE key = $1 AND owner = $2")
            .bind($key)
            .bind($owner)
    };
}

macro_rules! find_link {
    ($reference:expr) => {
        sqlx::query_scalar::<_, i64>("SELECT ticket_id FROM links WHERE reference = $1")
            .bind($reference)
    };
}

/// First link wins: saving another ticket for a linked reference changes nothing.
macro_rules! save_link {
    ($reference:expr, $ticket_id:expr) => {
        sqlx::query(
            "INSERT INTO links (reference, ticket_id) VALUES ($1, $2) \
             ON CONFLICT (reference) DO NOTHING",
        )
        .bind($reference)
        .bind($ticket_id)
    };
}

/// A ticket's forwarded actions and its last reported state in one round trip: a row
/// per forwarded action (`action_id` set) and at most one with `reported_closed` set.
/// Read with [`progress`].
macro_rules! ticket_progress {
    ($ticket_id:expr) => {
        sqlx::query_as::<_, (Option<i64>, Option<bool>)>(
            "SELECT action_id, NULL AS reported_closed FROM forwarded_actions \
             WHERE ticket_id = $1 \
             UNION ALL SELECT NULL, reported_closed FROM ticket_state WHERE ticket_id = $1",
        )
        .bind($ticket_id)
    };
}

macro_rules! mark_forwarded {
    ($ticket_id:expr, $action_id:expr) => {
        sqlx::query(
            "INSERT INTO forwarded_actions (ticket_id, action_id) VALUES ($1, $2) \
             ON CONFLICT (ticket_id, action_id) DO NOTHING",
        )
        .bind($ticket_id)
        .bind($action_id)
    };
}

macro_rules! set_reported_closed {
    ($ticket_id:expr, $closed:expr) => {
        sqlx::query(
            "INSERT INTO ticket_state (ticket_id, reported_closed) VALUES ($1, $2) \
             ON CONFLICT (ticket_id) DO UPDATE SET reported_closed = excluded.reported_closed",
        )
        .bind($ticket_id)
        .bind($closed)
    };
}

pub(crate) use {
    by_event, by_id, claim_due, claim_one, columns, complete, counts, dead_letter, enqueue,
    find_link, forget, mark_forwarded, prune_done, recent, release_worker, replay, retry_later,
    save_link, set_reported_closed, ticket_progress, try_lock, unlock,
};

/// A delivery row as both drivers decode it; [`DeliveryRecord`] is its checked form.
#[derive(sqlx::FromRow)]
pub(crate) struct DeliveryRow {
    id: String,
    kind: String,
    event_id: Option<String>,
    subject: Option<String>,
    headers: Json<Vec<(String, String)>>,
    body: Vec<u8>,
    status: String,
    attempts: i64,
    next_attempt_at: i64,
    lease_owner: Option<String>,
    lease_until: Option<i64>,
    last_error: Option<String>,
    outcome: Option<Json<Outcome>>,
    received_at: i64,
    updated_at: i64,
}

impl TryFrom<DeliveryRow> for DeliveryRecord {
    type Error = StoreError;

    fn try_from(row: DeliveryRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("delivery {}: {what}", row.id));
        let kind = Kind::parse(&row.kind).ok_or_else(|| corrupt("unknown kind"))?;
        let status = DeliveryStatus::parse(&row.status).ok_or_else(|| corrupt("unknown status"))?;
        let attempts = u32::try_from(row.attempts).map_err(|_| corrupt("attempts out of range"))?;

        Ok(DeliveryRecord {
            id: row.id,
            kind,
            event_id: row.event_id,
            subject: row.subject,
            headers: row.headers.0,
            body: row.body,
            status,
            attempts,
            next_attempt_at: row.next_attempt_at,
            lease_owner: row.lease_owner,
            lease_until: row.lease_until,
            last_error: row.last_error,
            outcome: row.outcome.map(|json| json.0),
            received_at: row.received_at,
            updated_at: row.updated_at,
        })
    }
}

/// Decodes rows into records, failing on the first that does not decode.
pub(crate) fn records(rows: Vec<DeliveryRow>) -> Result<Vec<DeliveryRecord>, StoreError> {
    rows.into_iter().map(DeliveryRecord::try_from).collect()
}

/// Rows of [`COUNTS`] folded into [`crate::Counts`]; an unknown status is corruption.
/// What [`ticket_progress!`]'s rows say.
pub(crate) fn progress(rows: Vec<(Option<i64>, Option<bool>)>) -> crate::TicketProgress {
    let mut progress = crate::TicketProgress::default();
    for (action_id, reported_closed) in rows {
        progress.forwarded.extend(action_id);
        progress.reported_closed = reported_closed.or(progress.reported_closed);
    }
    progress
}

pub(crate) fn tally(rows: Vec<(String, i64)>) -> Result<crate::Counts, StoreError> {
    let mut counts = crate::Counts::default();
    for (status, count) in rows {
        let count = u64::try_from(count).unwrap_or(0);
        match DeliveryStatus::parse(&status) {
            Some(DeliveryStatus::Pending) => counts.pending = count,
            Some(DeliveryStatus::InFlight) => counts.in_flight = count,
            Some(DeliveryStatus::Done) => counts.done = count,
            Some(DeliveryStatus::Dead) => counts.dead = count,
            None => {
                return Err(StoreError::Corrupt(format!(
                    "unknown delivery status {status}"
                )));
            }
        }
    }
    Ok(counts)
}

/// Lease and lock ends, saturating so no caller-supplied duration can overflow.
pub(crate) fn until(now: i64, duration_ms: i64) -> i64 {
    now.saturating_add(duration_ms)
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
                StoreError::Corrupt(error.to_string())
            }
            other => StoreError::Unavailable(other.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        StoreError::Unavailable(format!("schema migration failed: {error}"))
    }
}
