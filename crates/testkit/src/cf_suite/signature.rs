//! Contract §3 step 3: the ContraForce signature. Right and wrong secrets, a
//! rotated second secret, the clock skew limits (equal is accepted), a tampered
//! body and each missing header; every refusal is the same 401 and calls nothing.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::harness::{CfBed, INCIDENT_CREATED, Target, assert_reply, created_id, signed_headers};
use crate::Reply;
use crate::{CF_SECRET, CF_SECRET_ROTATED, Incident};

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

fn invalid(reply: &Reply) {
    assert_reply(reply, 401, json!({"error": "invalid signature"}));
}

/// Posts `incident` signed with `secret` at `timestamp`.
async fn post_signed(
    bed: &CfBed,
    event_id: &str,
    incident: &Incident,
    secret: &str,
    timestamp: &str,
) -> Reply {
    let body = incident.text();
    let mut headers = signed_headers(Some(event_id), &body, secret, timestamp);
    headers.push(("X-CF-Schema", INCIDENT_CREATED.to_owned()));
    bed.post(&headers, &body).await
}

/// A good signature creates; a wrong secret, a tampered body, a signature
/// without its prefix or in upper case, and each missing header are refused.
pub async fn only_a_correct_signature_is_accepted(target: Target) {
    let Some(bed) = CfBed::start(target.edition, |v| v).await else {
        return;
    };
    let incident = Incident::new("inc-sig");
    let body = incident.text();
    let now = unix_now().to_string();

    invalid(&post_signed(&bed, "g-1", &incident, "not-the-secret", &now).await);
    invalid(&post_signed(&bed, "g-2", &incident, CF_SECRET_ROTATED, &now).await);

    let good = signed_headers(Some("g-3"), &body, CF_SECRET, &now);
    let tampered = body.replace("Suspicious", "Harmless");
    assert_ne!(tampered, body);
    invalid(&bed.post(&good, &tampered).await);

    let signature = good
        .iter()
        .find(|(name, _)| *name == "X-CF-Signature")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    for changed in [
        signature.trim_start_matches("sha256=").to_owned(),
        signature.to_uppercase().replace("SHA256=", "sha256="),
        format!("sha1={}", signature.trim_start_matches("sha256=")),
        String::new(),
    ] {
        let mut headers = good.clone();
        headers.retain(|(name, _)| *name != "X-CF-Signature");
        headers.push(("X-CF-Signature", changed));
        invalid(&bed.post(&headers, &body).await);
    }
    for dropped in ["X-CF-Signature", "X-CF-Timestamp"] {
        let mut headers = good.clone();
        headers.retain(|(name, _)| *name != dropped);
        invalid(&bed.post(&headers, &body).await);
    }
    // A timestamp other than the signed one breaks the signature too.
    let mut moved = good.clone();
    moved.retain(|(name, _)| *name != "X-CF-Timestamp");
    moved.push(("X-CF-Timestamp", (unix_now() - 1).to_string()));
    invalid(&bed.post(&moved, &body).await);
    assert_eq!(
        bed.halo.counters().total(),
        0,
        "a refused delivery reached Halo"
    );

    let ticket_id = created_id(&bed.post(&good, &body).await);
    assert_eq!(bed.only_ticket(&incident.reference()).id, ticket_id);
    bed.stop().await;
}

/// `CF_WEBHOOK_SECRET="a,b"`: either secret is accepted during a rotation.
pub async fn both_secrets_of_a_rotation_are_accepted(target: Target) {
    let secrets = format!("{CF_SECRET}, {CF_SECRET_ROTATED}");
    let Some(bed) = CfBed::start(target.edition, |v| v.set("CF_WEBHOOK_SECRET", secrets)).await
    else {
        return;
    };
    let now = unix_now().to_string();
    let first = Incident::new("inc-rot-1");
    let second = Incident::new("inc-rot-2");
    created_id(&post_signed(&bed, "r-1", &first, CF_SECRET, &now).await);
    created_id(&post_signed(&bed, "r-2", &second, CF_SECRET_ROTATED, &now).await);
    invalid(&post_signed(&bed, "r-3", &first, "third-secret", &now).await);
    assert_eq!(bed.halo.tickets().len(), 2);
    bed.stop().await;
}

/// The default skew of 300 s: a timestamp exactly 300 s old or ahead is
/// accepted, 301 s is refused either way.
pub async fn timestamps_within_the_skew_are_accepted(target: Target) {
    let Some(bed) = CfBed::start(target.edition, |v| v).await else {
        return;
    };
    let cases = [
        (-300, true, "skew-old-ok"),
        (300, true, "skew-new-ok"),
        (-301, false, "skew-old"),
        (301, false, "skew-new"),
    ];
    for (offset, accepted, label) in cases {
        let (reply, incident) = at_offset(&bed, label, offset).await;
        if accepted {
            let ticket_id = created_id(&reply);
            assert_eq!(bed.only_ticket(&incident.reference()).id, ticket_id);
        } else {
            invalid(&reply);
            assert!(bed.tickets_for(&incident.reference()).is_empty());
        }
    }
    bed.stop().await;
}

/// Sends a new incident with the timestamp `offset` seconds from now. The
/// bridge reads its own clock in between, in whole seconds, so a try during
/// which the second changed says nothing about the boundary: it is made again
/// with another incident, early in the next second.
async fn at_offset(bed: &CfBed, label: &str, offset: i64) -> (Reply, Incident) {
    for n in 0..10 {
        early_in_a_second().await;
        let id = format!("{label}-{n}");
        let incident = Incident::new(&id);
        let before = unix_now();
        let timestamp = (before + offset).to_string();
        let reply = post_signed(bed, &id, &incident, CF_SECRET, &timestamp).await;
        if unix_now() == before {
            return (reply, incident);
        }
    }
    panic!("the second changed during every try");
}

/// Waits, when the current second is half gone, for the start of the next.
async fn early_in_a_second() {
    let into = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_millis())
        .unwrap_or_default();
    if into > 500 {
        let rest = u64::from(1000 - into) + 5;
        tokio::time::sleep(std::time::Duration::from_millis(rest)).await;
    }
}
