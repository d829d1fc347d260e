//! The records the [`crate::Store`] keeps and hands out.

use serde::{Deserialize, Serialize};

/// Which pipeline a delivery belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A ContraForce webhook (`POST /cf/webhooks`).
    Cf,
    /// A Halo webhook (`POST /halo/webhooks`).
    Halo,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cf => "cf",
            Kind::Halo => "halo",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "cf" => Some(Kind::Cf),
            "halo" => Some(Kind::Halo),
            _ => None,
        }
    }
}

/// Where a delivery is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt.
    Pending,
    /// Claimed by a worker whose lease has not ended.
    InFlight,
    /// Processed; `outcome` holds the answer.
    Done,
    /// Given up on; waits for a replay.
    Dead,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::InFlight => "in_flight",
            DeliveryStatus::Done => "done",
            DeliveryStatus::Dead => "dead",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(DeliveryStatus::Pending),
            "in_flight" => Some(DeliveryStatus::InFlight),
            "done" => Some(DeliveryStatus::Done),
            "dead" => Some(DeliveryStatus::Dead),
            _ => None,
        }
    }
}

/// A verified delivery to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// The bridge's own id for this delivery (a UUID), unique.
    pub id: String,
    pub kind: Kind,
    /// The sender's event id (`X-CF-Event-Id`), unique per kind when present.
    pub event_id: Option<String>,
    /// What the delivery is about, for people: the reference or ticket ids.
    pub subject: Option<String>,
    /// The request headers worth keeping (never secrets or signatures).
    pub headers: Vec<(String, String)>,
    /// The raw request body, byte for byte.
    pub body: Vec<u8>,
    pub received_at: i64,
}

/// How `last_error` begins when an attempt ended without saying how: its process
/// stopped (released at the next start) or its lease ran out (taken over by another
/// worker), or it was cut off for taking too long. Whatever it was writing may or may
/// not have landed.
pub const INTERRUPTED: &str = "attempt interrupted";

/// What [`crate::Store::enqueue`] did.
#[derive(Debug, Clone, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "returned once per call and never stored in bulk; boxing would only add an allocation"
)]
pub enum Enqueued {
    /// Recorded as a new `Pending` delivery, due now.
    New,
    /// A delivery with the same kind and event id was already there.
    Existing(DeliveryRecord),
}

/// What [`crate::Store::enqueue_claimed`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Intake {
    /// Recorded as a new delivery already claimed by the caller, as it now stands.
    Claimed(DeliveryRecord),
    /// A delivery with the same kind and event id was already there.
    Existing(DeliveryRecord),
}

impl From<Intake> for Enqueued {
    /// What a plain enqueue reports of an intake: whether it was new.
    fn from(intake: Intake) -> Self {
        match intake {
            Intake::Claimed(_) => Enqueued::New,
            Intake::Existing(existing) => Enqueued::Existing(existing),
        }
    }
}

impl NewDelivery {
    /// The record this delivery becomes when recorded at `received_at`: pending and due
    /// at once, or, with `claimed_by = Some((worker, lease_until))`, in flight on its
    /// first attempt, as a claim would leave it.
    pub fn into_record(self, claimed_by: Option<(&str, i64)>) -> DeliveryRecord {
        let status = match claimed_by {
            Some(_) => DeliveryStatus::InFlight,
            None => DeliveryStatus::Pending,
        };
        DeliveryRecord {
            id: self.id,
            kind: self.kind,
            event_id: self.event_id,
            subject: self.subject,
            headers: self.headers,
            body: self.body,
            status,
            attempts: u32::from(claimed_by.is_some()),
            next_attempt_at: self.received_at,
            lease_owner: claimed_by.map(|(worker, _)| worker.to_owned()),
            lease_until: claimed_by.map(|(_, until)| until),
            last_error: None,
            outcome: None,
            received_at: self.received_at,
            updated_at: self.received_at,
        }
    }
}

/// The final answer a processed delivery produced: the HTTP status and the exact
/// JSON body, so a duplicate or a waiting copy can answer the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub status: u16,
    pub body: serde_json::Value,
}

/// A delivery as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRecord {
    pub id: String,
    pub kind: Kind,
    pub event_id: Option<String>,
    pub subject: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: i64,
    /// The worker holding it while `InFlight`.
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    pub last_error: Option<String>,
    pub outcome: Option<Outcome>,
    pub received_at: i64,
    pub updated_at: i64,
}

/// How many deliveries are in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub pending: u64,
    pub in_flight: u64,
    pub done: u64,
    pub dead: u64,
}

/// A backend failure. The message never contains credentials from `STATE_URL`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported STATE_URL: {0}")]
    UnsupportedUrl(String),
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("store data is corrupt: {0}")]
    Corrupt(String),
}
