//! The end-to-end scenarios of contract §4 that every Halo → ContraForce edition
//! must pass, each an async function of the [`Edition`]; [`crate::halo_suite!`]
//! turns them into the `#[tokio::test]`s of one service. Crash, restart and
//! replica scenarios need the service's own binary and live in its test file.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mock_contraforce::{Fault, FaultSettings, Route as CfRoute};
use mock_halo::{
    ActionInput, Fault as HaloFault, Route as HaloRoute, RouteFaults, SecretPlacement, TicketInput,
};
use mock_halo::{MockHaloConfig, STATUS_CLOSED, TECHNICIAN_ID, WebhookConfig};
use relay::settings::Edition;
use serde_json::{Value, json};

use crate::HALO_WEBHOOK_SECRET;
use crate::halo_world::{
    HaloWorld, SOURCE, TECHNICIAN, Upstreams, WAIT, comment, expect, expect_ok, expect_pending,
    ignored, marker, processed, webhook,
};
use crate::send::{Reply, Sender, reply};

/// Generates one `#[tokio::test]` per shared scenario for `$edition`, plus the
/// settings check of `$binary` (pass `env!("CARGO_BIN_EXE_<name>")`).
#[macro_export]
macro_rules! halo_suite {
    ($edition:expr, $binary:expr) => {
        $crate::halo_suite!(@each $edition;
            wrong_or_missing_secret_is_refused,
            secret_is_accepted_in_each_place,
            real_webhooks_carry_the_secret_in_each_place,
            authentication_comes_before_parsing,
            payload_without_a_ticket_id_is_ignored,
            ticket_id_forms_and_precedence,
            unknown_ticket_is_ignored,
            halo_refusing_or_failing_is_an_upstream_failure,
            ticket_without_a_reference_is_ignored,
            reference_is_read_from_the_configured_field,
            public_note_becomes_one_plain_text_comment,
            private_system_and_own_actions_are_not_forwarded,
            own_agent_is_learned_from_halo,
            batch_is_answered_once_with_the_sum,
            event_information_only_payload_is_enough,
            same_webhook_five_times_forwards_once,
            twenty_webhooks_at_once_forward_each_note_once,
            close_is_reported_once_and_reopen_once,
            reopen_is_not_mirrored_when_turned_off,
            closed_statuses_come_from_the_setting,
            contraforce_outage_loses_and_doubles_nothing,
            contraforce_refusing_credentials_is_an_upstream_failure,
            history_of_ten_notes_is_forwarded_once_in_order,
            slow_contraforce_is_answered_within_the_budget,
            body_limit_applies,
        );

        #[test]
        fn missing_settings_are_listed() {
            $crate::halo_suite::missing_settings_are_listed($binary, $edition);
        }
    };
    (@each $edition:expr; $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if $crate::halo_world::edition_ready($edition) {
                    $crate::halo_suite::$name($edition).await;
                }
            }
        )*
    };
}

/// A ticket id no mock ticket has.
const UNKNOWN_TICKET: i64 = 999_999;

/// One way of presenting the shared secret on a raw request.
#[derive(Debug, Clone, Copy)]
pub enum Presented<'a> {
    Header(&'a str),
    Basic { user: &'a str, password: &'a str },
    Bearer(&'a str),
    Query(&'a str),
}

/// Posts `body` to `path` with exactly the given presentations of the secret.
pub async fn post_raw(
    sender: &Sender,
    path: &str,
    presented: &[Presented<'_>],
    body: impl Into<Vec<u8>>,
) -> Reply {
    let mut request = sender
        .http
        .post(format!("{}{path}", sender.base_url))
        .header("Content-Type", "application/json")
        .body(body.into());
    for presentation in presented {
        request = match *presentation {
            Presented::Header(secret) => request.header("X-Halo-Secret", secret),
            Presented::Basic { user, password } => request.basic_auth(user, Some(password)),
            Presented::Bearer(secret) => request.bearer_auth(secret),
            Presented::Query(secret) => request.query(&[("secret", secret)]),
        };
    }
    reply(request.send().await.expect("the bridge answers")).await
}

// ---- step 1: the shared secret ------------------------------------------------------

pub async fn wrong_or_missing_secret_is_refused(edition: Edition) {
    let world = HaloWorld::start(edition).await;
    let ticket = world.linked_ticket("incident-auth");
    world.note(ticket, "<p>Only for the bridge.</p>");
    let body = webhook(ticket).to_string();
    let refused = json!({"error": "invalid callback secret"});
    let longer = format!("{HALO_WEBHOOK_SECRET}x");
    let cases: [(&str, Vec<Presented>); 9] = [
        ("no secret anywhere", vec![]),
        ("wrong X-Halo-Secret", vec![Presented::Header("wrong")]),
        ("empty X-Halo-Secret", vec![Presented::Header("")]),
        ("secret plus a character", vec![Presented::Header(&longer)]),
        (
            "wrong Basic password",
            vec![Presented::Basic {
                user: "halo",
                password: "wrong",
            }],
        ),
        (
            "secret as the Basic user name",
            vec![Presented::Basic {
                user: HALO_WEBHOOK_SECRET,
                password: "wrong",
            }],
        ),
        ("wrong Bearer", vec![Presented::Bearer("wrong")]),
        ("wrong query secret", vec![Presented::Query("wrong")]),
        (
            "wrong everywhere",
            vec![
                Presented::Header("a"),
                Presented::Bearer("b"),
                Presented::Query("c"),
            ],
        ),
    ];
    for (step, presented) in &cases {
        let answer = post_raw(&world.sender, "/halo/webhooks", presented, body.clone()).await;
        expect(&answer, 401, &refused, step);
    }

    assert_eq!(world.halo.counters().route_total(HaloRoute::TicketGet), 0);
    assert!(world.comments("incident-auth").is_empty());
    world.stop().await;
}

pub async fn secret_is_accepted_in_each_place(edition: Edition) {
    let world = HaloWorld::start(edition).await;
    let ticket = world.linked_ticket("incident-places");
    let secret = HALO_WEBHOOK_SECRET;
    let cases: [(&str, Vec<Presented>); 6] = [
        ("X-Halo-Secret header", vec![Presented::Header(secret)]),
        (
            "Basic password, user halo",
            vec![Presented::Basic {
                user: "halo",
                password: secret,
            }],
        ),
        (
            "Basic password, any user",
            vec![Presented::Basic {
                user: "someone-else",
                password: secret,
            }],
        ),
        ("Authorization: Bearer", vec![Presented::Bearer(secret)]),
        ("query ?secret=", vec![Presented::Query(secret)]),
        (
            "right in the query, wrong in the header",
            vec![Presented::Header("wrong"), Presented::Query(secret)],
        ),
    ];
    let mut expected = Vec::new();
    for (i, (step, presented)) in cases.iter().enumerate() {
        let text = format!("Accepted through place {i}.");
        expected.push(world.public_note(ticket, &text));
        let body = webhook(ticket).to_string();
        let answer = post_raw(&world.sender, "/halo/webhooks", presented, body).await;
        expect_ok(&answer, &processed(1, false), step);
    }

    assert_eq!(world.comments("incident-places"), expected);
    world.stop().await;
}

pub async fn real_webhooks_carry_the_secret_in_each_place(edition: Edition) {
    let world = HaloWorld::start(edition).await;
    let url = format!("{}/halo/webhooks", world.bridge.url());
    let hook = |secret: &str, placement: SecretPlacement| WebhookConfig {
        max_attempts: 1,
        ..WebhookConfig::new(url.clone()).with_secret(secret, placement)
    };
    let set = |config: WebhookConfig| world.halo.set_webhook(Some(config)).expect("webhook set");
    let incident = "incident-real-webhooks";

    // Logging the ticket sends "new ticket logged"; its first action is blank.
    set(hook(HALO_WEBHOOK_SECRET, SecretPlacement::Header));
    let ticket = world.linked_ticket(incident);
    let mut sent = 1;
    world
        .halo
        .wait_for_deliveries(sent, WAIT)
        .await
        .expect("delivered");

    let mut expected = Vec::new();
    for placement in [
        SecretPlacement::Header,
        SecretPlacement::Basic,
        SecretPlacement::Bearer,
        SecretPlacement::Query,
    ] {
        set(hook(HALO_WEBHOOK_SECRET, placement));
        let text = format!("Sent with the secret in {placement:?}.");
        expected.push(world.public_note(ticket, &text));
        sent += 1;
        world.await_comments(incident, expected.len()).await;
    }

    // A wrong secret is refused, so the note waits for the next webhook.
    set(hook("not-the-secret", SecretPlacement::Bearer));
    let missed = world.note(ticket, "<p>Sent with a wrong secret.</p>");
    sent += 1;
    let log = world.halo.wait_for_deliveries(sent, WAIT).await;
    assert_eq!(
        log.expect("delivered").last().and_then(|d| d.status),
        Some(401)
    );
    assert_eq!(world.comments(incident).len(), expected.len());

    // "Event information only": ids alone; the missed note comes along.
    set(WebhookConfig {
        event_info_only: true,
        ..hook(HALO_WEBHOOK_SECRET, SecretPlacement::Query)
    });
    let info_only = world.note(ticket, "<p>Sent as event information only.</p>");
    expected.push(comment(ticket, missed, "Sent with a wrong secret."));
    expected.push(comment(
        ticket,
        info_only,
        "Sent as event information only.",
    ));
    sent += 1;
    world.await_comments(incident, expected.len()).await;

    // Batching: two notes in one window arrive as one array.
    set(hook(HALO_WEBHOOK_SECRET, SecretPlacement::Basic).batched(Duration::from_millis(300)));
    for text in ["First of a batch.", "Second of a batch."] {
        expected.push(world.public_note(ticket, text));
    }
    sent += 1;
    world.await_comments(incident, expected.len()).await;
    let batch_index = sent - 1;

    // Closing sends "ticket status changed"; the close is reported once.
    world.close(ticket);
    sent += 1;
    let closes = world.cf.wait_for_status_changes(incident, 1, WAIT).await;
    assert_eq!(closes.expect("close reported")[0].status, "Closed");

    let deliveries = world
        .halo
        .wait_for_deliveries(sent, WAIT)
        .await
        .expect("every delivery recorded");
    assert_eq!(deliveries.len(), sent, "{deliveries:?}");
    let statuses: Vec<Option<u16>> = deliveries.iter().map(|d| d.status).collect();
    let mut want = vec![Some(200); sent];
    want[5] = Some(401);
    assert_eq!(statuses, want);
    let batch = &deliveries[batch_index].body;
    assert_eq!(batch.as_array().map(Vec::len), Some(2), "{batch}");
    assert_eq!(world.comments(incident), expected);
    assert_eq!(world.status_changes(incident).len(), 1);
    world.stop().await;
}

pub async fn authentication_comes_before_parsing(edition: Edition) {
    let world = HaloWorld::start(edition).await;
    let refused = json!({"error": "invalid callback secret"});
    let malformed = json!({"error": "malformed payload"});
    let not_json = "ticket_id=5&event=updated";
    let path = "/halo/webhooks";

    let wrong = post_raw(&world.sender, path, &[Presented::Header("x")], not_json).await;
    expect(&wrong, 401, &refused, "wrong secret, body not JSON");
    let none = post_raw(&world.sender, path, &[], "{oops").await;
    expect(&none, 401, &refused, "no secret, broken JSON");

    let secret = [Presented::Header(HALO_WEBHOOK_SECRET)];

    for (step, body) in [
        ("form text", not_json),
        ("broken JSON", "{\"ticket_id\": 5"),
        ("an empty body", ""),
        ("an unclosed array", "["),
    ] {
        let answer = post_raw(&world.sender, path, &secret, body).await;
        expect(&answer, 400, &malformed, step);
    }

    assert_eq!(world.halo.counters().route_total(HaloRoute::TicketGet), 0);
    world.stop().await;
}

// ---- step 2: which ticket ----------------------------------------------------------

pub async fn payload_without_a_ticket_id_is_ignored(edition: Edition) {
    let world = HaloWorld::start(edition).await;
    let guid_only = json!({
        "id": "3f0e9a4c-2b7d-4e61-9c58-0a1b2c3d4e5f",
        "webhook_id": "a1b2c3d4-0000-4000-8000-00000000abcd",
        "event": "ticket updated by agent",
        "timestamp": "2026-04-22T16:02:11.9876543Z",
    });
    let no_ticket = ignored("no ticket id in payload");
    for (step, body) in [
        ("a GUID-only event", guid_only.clone()),
        (
            "a batch of GUID-only events",
            json!([guid_only.clone(), guid_only]),
        ),
        ("an empty batch", json!([])),
        (
            "ids that are not numbers",
            json!({"id": "x", "object_id": "n/a", "ticket": {"id": "abc"}}),
        ),
    ] {
        expect_ok(&world.post(&body).await, &no_ticket, step);
    }
    assert_eq!(world.halo.counters().route_total(HaloRoute::TicketGet), 0);
    world.stop().await;
}

pub async fn ticket_id_forms_and_precedence(edition: Edition) {
    let world = HaloWorld::start(edition).await;
    let incident = "incident-ids";
    let t = world.linked_ticket(incident);
    let u = UNKNOWN_TICKET;
    let guid = "5a6b7c8d-1111-4222-8333-444455556666";

    // Each of these names ticket t; a new note before each shows it was read.
    let found = [
        (
            "ticket_id as an integer",
            json!({"id": guid, "ticket_id": t}),
        ),
        (
            "ticket_id as a float",
            json!({"id": guid, "ticket_id": t as f64}),
        ),
        (
            "ticket_id as text",
            json!({"id": guid, "ticket_id": t.to_string()}),
        ),
        (
            "ticket_id before everything else",
            json!({"ticket_id": t, "ticket": {"id": u}, "object_id": u, "id": u}),
        ),
        (
            "ticket.id before object_id and id",
            json!({"ticket": {"id": t.to_string()}, "object_id": u, "id": u}),
        ),
        ("object_id before id", json!({"object_id": t, "id": u})),
        (
            "object_id as a float",
            json!({"id": guid, "object_id": t as f64}),
        ),
        ("id when nothing else", json!({"id": t})),
        ("id as text", json!({"id": t.to_string(), "event": "x"})),
    ];
    let mut expected = Vec::new();
    for (step, body) in &found {
        let text = format!("Read from {step}.");
        expected.push(world.public_note(t, &text));
        expect_ok(&world.post(body).await, &processed(1, false), step);
    }
    assert_eq!(world.comments(incident), expected);

    // The earlier field wins even when it names a ticket Halo does not have.
    world.note(t, "<p>Never read through these.</p>");
    for (step, body) in [
        (
            "ticket_id wins",
            json!({"ticket_id": u, "ticket": {"id": t}, "object_id": t, "id": t}),
        ),
        (
            "ticket.id wins",
            json!({"ticket": {"id": u}, "object_id": t, "id": t}),
        ),
        ("object_id wins", json!({"object_id": u, "id": t})),
    ] {
        expect_ok(&world.post(&body).await, &ignored("ticket not found"), step);
    }
    assert_eq!(world.comments(incident).len(), expected.len());
    world.stop().await;
}

// ---- step 3: the ticket --------------------------------------------------------------

pub async fn unknown_ticket_is_ignored(edition: Edition) {
    let world = HaloWorld::start(edition).await;
    let answer = world.poke(UNKNOWN_TICKET).await;
    expect_ok(&answer, &ignored("ticket not found"), "unknown ticket");
    assert_eq!(world.halo.counters().get(HaloRoute::TicketGet, 404), 1);
    world.stop().await;
}

/// Halo answering 403, 500, 401 or 429 on the ticket (or failing the action list) is
/// an outage, never "not found": pending (503 or 202), nothing forwarded, and
/// the note arrives once Halo is well again (by redelivery in the function
/// edition, by the worker otherwise).
pub async fn halo_refusing_or_failing_is_an_upstream_failure(edition: Edition) {
    // A scope without tickets: the ticket read is refused while scopes are enforced.
    let world = HaloWorld::start_with(edition, |v| v.set("HALO_SCOPE", "read:actions")).await;
    let incident = "incident-halo-down";
    let ticket = world.linked_ticket(incident);
    let mut expected = Vec::new();
    let all_500 = RouteFaults {
        share_500: 1.0,
        ..RouteFaults::default()
    };

    type Knob<'a> = &'a dyn Fn(&HaloWorld);
    let phases: [(&str, HaloRoute, u16, Knob, Knob); 5] = [
        (
            "403 on the ticket",
            HaloRoute::TicketGet,
            403,
            &|_| {},
            &|w| w.halo.update_settings(|s| s.enforce_scopes = false),
        ),
        (
            "500 on the ticket",
            HaloRoute::TicketGet,
            500,
            &|w| {
                w.halo
                    .set_route_faults(HaloRoute::TicketGet, all_500.clone())
            },
            &|w| w.halo.clear_faults(),
        ),
        (
            "401 on the ticket",
            HaloRoute::TicketGet,
            401,
            &|w| {
                w.halo.set_token_lifetime(0);
                w.halo.revoke_tokens();
            },
            &|w| w.halo.set_token_lifetime(3600),
        ),
        (
            "429 on the ticket",
            HaloRoute::TicketGet,
            429,
            &|w| {
                let limited = HaloFault::RateLimited {
                    retry_after_secs: Some(1),
                };
                w.halo.script_faults(HaloRoute::TicketGet, [limited; 3]);
            },
            &|_| {},
        ),
        (
            "500 on the action list",
            HaloRoute::ActionsGet,
            500,
            &|w| {
                w.halo
                    .set_route_faults(HaloRoute::ActionsGet, all_500.clone())
            },
            &|w| w.halo.clear_faults(),
        ),
    ];
    for (step, route, status, break_halo, mend_halo) in phases {
        expected.push(world.public_note(ticket, &format!("Sent during the {step}.")));
        break_halo(&world);
        let body = webhook(ticket);
        expect_pending(edition, &world.post(&body).await, step);
        assert!(
            world.halo.counters().get(route, status) > 0,
            "{step}: not seen"
        );
        assert_eq!(world.comments(incident).len(), expected.len() - 1, "{step}");

        mend_halo(&world);
        finish_after_recovery(&world, &body, &processed(1, false), step).await;
        assert_eq!(world.comments(incident), expected, "{step}");
    }
    expect_ok(
        &world.poke(ticket).await,
        &processed(0, false),
        "after the outages",
    );
    world.stop().await;
}

/// After an upstream recovers: the function edition forgot the delivery and
/// asked for it again, so it is redelivered and answers `after`; the others
/// finish it in the background.
async fn finish_after_recovery(world: &HaloWorld, body: &Value, after: &Value, step: &str) {
    if world.edition == Edition::Function {
        expect_ok(&world.post(body).await, after, step);
    } else {
        world.settled().await;
    }
}

// ---- step 4: the reference -------------------------------------------------------------

pub async fn ticket_without_a_reference_is_ignored(edition: Edition) {
    let world = HaloWorld::start(edition).await;
    let not_linked = ignored("not a CF-linked ticket");
    for (step, reference) in [
        ("no reference", None),
        ("another system's number", Some("INC-4411")),
        ("a reference without an id", Some("cf|sentinel|")),
    ] {
        let ticket = world.ticket(TicketInput {
            thirdpartynumber: reference.map(str::to_owned),
            ..TicketInput::with_summary("Printer on fire")
        });
        world.note(ticket, "<p>Not for ContraForce.</p>");
        expect_ok(&world.poke(ticket).await, &not_linked, step);
    }
    assert!(world.cf.incidents().is_empty());
    world.stop().await;
}

pub async fn reference_is_read_from_the_configured_field(edition: Edition) {
    let world = HaloWorld::start_with(edition, |v| v.set("HALO_EXTERNAL_REF_FIELD_ID", "7")).await;
    // The incident id keeps its own bars: the reference splits at the first two.
    let incident = "inc|with|bars";
    let in_field = world.ticket(TicketInput {
        customfields: vec![(7, json!(format!("cf|defenderxdr|{incident}")))],
        ..TicketInput::with_summary("Linked through custom field 7")
    });
    let action = world.note(in_field, "<p>Seen through the custom field.</p>");
    expect_ok(
        &world.poke(in_field).await,
        &processed(1, false),
        "custom field",
    );
    let comments = world.cf.comments(incident);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert_eq!(comments[0].source, "defenderxdr");
    assert_eq!(
        comments[0].content,
        comment(in_field, action, "Seen through the custom field.")
    );

    let elsewhere = world.linked_ticket("incident-in-thirdpartynumber");
    world.note(elsewhere, "<p>Linked in the wrong field.</p>");
    let answer = world.poke(elsewhere).await;
    expect_ok(
        &answer,
        &ignored("not a CF-linked ticket"),
        "thirdpartynumber",
    );
    world.stop().await;
}

// ---- step 5: the comments ----------------------------------------------------------------

pub async fn public_note_becomes_one_plain_text_comment(edition: Edition) {
    let world = HaloWorld::start(edition).await;
    let incident = "7d1e0c2a-46b4-4c0f-9d61-3f5a8b2e9c11";
    let ticket = world.linked_ticket(incident);
    let html = "<p>Reset the password &amp; revoked sessions.</p>\
                <p>Steps:<br>one<br/>two</p>\
                <ul><li>MFA re-enrolled</li><li>Mailbox rules &lt;checked&gt;</li></ul>\
                <p>It&#39;s done&nbsp;now.</p>";
    let action = world.note(ticket, html);

    let answer = world.poke(ticket).await;
    expect_ok(&answer, &processed(1, false), "one public note");

    let comments = world.cf.comments(incident);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert_eq!(comments[0].incident_id, incident);
    assert_eq!(comments[0].source, SOURCE);
    assert_eq!(
        comments[0].content,
        format!(
            "{}\n\n\
             Reset the password & revoked sessions.\n\n\
             Steps:\none\ntwo\n\n\
             - MFA re-enrolled\n\
             - Mailbox rules <checked>\n\n\
             It's done now.",
            marker(ticket, action, TECHNICIAN)
        )
    );
    world.stop().await;
}

pub async fn private_system_and_own_actions_are_not_forwarded(edition: Edition) {
    let world =
        HaloWorld::start_with(edition, |v| v.set("HALO_INTEGRATION_AGENT_ID", " 1, 8 ")).await;
    let incident = "incident-skips";
    let ticket = world.linked_ticket(incident);
    let halo = &world.halo;
    let own_agent = halo.api_agent_id();
    assert_eq!(own_agent, 21);

    halo.add_note(
        ticket,
        TECHNICIAN_ID,
        "<p>Private: call the user.</p>",
        true,
    )
    .expect("private note");
    halo.add_action(&ActionInput {
        ticket_id: ticket,
        outcome: Some("Public Note".into()),
        note_html: Some("<p>SLA timer started.</p>".into()),
        who_type: Some(0),
        ..ActionInput::default()
    })
    .expect("system action");
    halo.add_note(ticket, own_agent, "<p>Written by the bridge.</p>", false)
        .expect("bridge's note");
    halo.add_note(ticket, 8, "<p>Written by another integration.</p>", false)
        .expect("integration note");
    halo.add_note(ticket, 1, "<p>Written by a second integration.</p>", false)
        .expect("second integration note");
    world.note(ticket, "<p>&nbsp;</p><br><div> </div>");
    let actions = halo.actions(ticket);
    assert_eq!(
        actions[2].who_type, 0,
        "the system action is recorded as such"
    );

    let answer = world.poke(ticket).await;
    expect_ok(&answer, &processed(0, false), "nothing forwardable");
    assert!(world.comments(incident).is_empty());

    let expected = vec![world.public_note(ticket, "Public, by the technician.")];
    let answer = world.poke(ticket).await;
    expect_ok(&answer, &processed(1, false), "one public note after them");
    assert_eq!(world.comments(incident), expected);
    world.stop().await;
}

/// The bridge's own agent is whoever Halo says it logs in as (here 8, not the
/// usual 21); until Halo says so, nothing is forwarded, lest the bridge echo
/// its own notes.
pub async fn own_agent_is_learned_from_halo(edition: Edition) {
    let config = MockHaloConfig {
        agent_id: 8,
        agent_name: "Bridge Login".to_owned(),
        ..MockHaloConfig::default()
    };
    let up = Upstreams::start_with(config).await;
    let all_500 = RouteFaults {
        share_500: 1.0,
        ..RouteFaults::default()
    };
    up.halo.set_route_faults(HaloRoute::Lookups, all_500);
    let world = HaloWorld::start_on(up, edition, |v| v).await;
    let incident = "incident-own-agent";
    let ticket = world.linked_ticket(incident);
    world
        .halo
        .add_note(
            ticket,
            8,
            "<p>Written through the bridge's login.</p>",
            false,
        )
        .expect("note by the bridge's login");
    let expected = vec![world.public_note(ticket, "Written by the technician.")];

    let body = webhook(ticket);
    expect_pending(edition, &world.post(&body).await, "Agent/me failing");
    assert!(world.halo.counters().get(HaloRoute::Lookups, 500) > 0);
    assert!(world.comments(incident).is_empty());

    world.halo.clear_faults();
    finish_after_recovery(&world, &body, &processed(1, false), "Agent/me back").await;
    assert_eq!(world.comments(incident), expected);
    world.stop().await;
}

// ---- steps 2 and 7: batches and "event information only" -------------------------

pub async fn batch_is_answered_once_with_the_sum(edition: Edition) {
    let world = HaloWorld::start(edition).await;
    let first = world.linked_ticket("incident-batch-1");
    let second = world.linked_ticket("incident-batch-2");
    let unlinked = world.ticket(TicketInput::with_summary("Not linked"));
    world.note(first, "<p>One.</p>");
    world.note(first, "<p>Two.</p>");
    world.note(second, "<p>Three.</p>");
    world.close(second);

    let mut closed_event = webhook(second);
    closed_event["event"] = json!("ticket status changed");
    closed_event["ticket"] =
        json!({"id": second, "status_id": STATUS_CLOSED, "hasbeenclosed": true});
    let batch = json!([
        webhook(first),
        webhook(second),
        closed_event,
        {"id": "77777777-8888-4999-aaaa-bbbbbbbbbbbb", "event": "no ids"},
        webhook(unlinked),
        webhook(UNKNOWN_TICKET),
        webhook(first),
    ]);
    expect_ok(&world.post(&batch).await, &processed(3, true), "the batch");
    assert_eq!(world.comments("incident-batch-1").len(), 2);
    assert_eq!(world.comments("incident-batch-2").len(), 1);
    assert_eq!(world.status_changes("incident-batch-2").len(), 1);

    expect_ok(
        &world.post(&batch).await,
        &processed(0, false),
        "the batch again",
    );
    assert_eq!(world.comments("incident-batch-1").len(), 2);
    assert_eq!(world.cf.counters().total(CfRoute::Status), 1);
    world.stop().await;
}

pub async fn event_information_only_payload_is_enough(edition: Edition) {
    let world = HaloWorld::start(edition).await;
    let incident = "incident-info-only";
    let ticket = world.linked_ticket(incident);
    let expected = vec![world.public_note(ticket, "Found through ids alone.")];
    let body = json!({
        "id": "77777777-8888-4999-aaaa-bbbbbbbbbbbb",
        "webhook_id": "a1b2c3d4-0000-4000-8000-00000000abcd",
        "notification_id": 21,
        "escmsg_id": "12121212-3434-4565-8787-909090909090",
        "event": "new ticket logged",
        "object_id": ticket.to_string(),
        "timestamp": "2026-04-22T14:55:05",
    });
    expect_ok(&world.post(&body).await, &processed(1, false), "ids only");
    assert_eq!(world.comments(incident), expected);
    world.stop().await;
}

// ---- exactly once ------------------------------------------------------------------------

pub async fn same_webhook_five_times_forwards_once(edition: Edition) {
    let world = HaloWorld::start(edition).await;
    let incident = "incident-redelivered";
    let ticket = world.linked_ticket(incident);
    let expected = vec![
        world.public_note(ticket, "First."),
        world.public_note(ticket, "Second."),
    ];
    let body = webhook(ticket);

    expect_ok(&world.post(&body).await, &processed(2, false), "delivery 1");
    for n in 2..=5 {
        let step = format!("delivery {n}");
        expect_ok(&world.post(&body).await, &processed(0, false), &step);
    }
    assert_eq!(world.comments(incident), expected);
    world.stop().await;
}

pub async fn twenty_webhooks_at_once_forward_each_note_once(edition: Edition) {
    let world = HaloWorld::start(edition).await;
    let incident = "incident-concurrent";
    let ticket = world.linked_ticket(incident);
    let expected: Vec<String> = ["Alpha.", "Bravo.", "Charlie."]
        .iter()
        .map(|text| world.public_note(ticket, text))
        .collect();
    world.close(ticket);

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let sender = world.sender.clone();
        tasks.spawn(async move { sender.halo(&webhook(ticket)).await });
    }
    let (mut forwarded, mut closes) = (0, 0);
    while let Some(answer) = tasks.join_next().await {
        let answer = answer.expect("the task ends");
        let n = answer.body["actionsForwarded"].as_u64().unwrap_or(99);
        let closed = answer.body["closed"].as_bool().unwrap_or_default();
        expect_ok(&answer, &processed(n, closed), "one of twenty");
        forwarded += n;
        closes += u64::from(closed);
    }
    assert_eq!((forwarded, closes), (3, 1));
    assert_eq!(world.comments(incident), expected);
    assert_eq!(world.status_changes(incident).len(), 1);
    assert_eq!(world.cf.counters().total(CfRoute::Status), 1);
    world.stop().await;
}

pub async fn history_of_ten_notes_is_forwarded_once_in_order(edition: Edition) {
    let world = HaloWorld::start(edition).await;
    let incident = "incident-history";
    let ticket = world.linked_ticket(incident);
    let expected = ten_notes(&world, ticket);

    expect_ok(
        &world.poke(ticket).await,
        &processed(10, false),
        "first sight",
    );
    assert_eq!(world.comments(incident), expected);
    expect_ok(
        &world.poke(ticket).await,
        &processed(0, false),
        "second sight",
    );
    assert_eq!(world.comments(incident), expected);
    world.stop().await;
}

/// Adds ten public notes to `ticket`; returns their comments, oldest first.
pub fn ten_notes(up: &crate::halo_world::Upstreams, ticket: i64) -> Vec<String> {
    (1..=10)
        .map(|n| up.public_note(ticket, &format!("Step {n} of ten.")))
        .collect()
}

// ---- step 6: close and reopen --------------------------------------------------------------

pub async fn close_is_reported_once_and_reopen_once(edition: Edition) {
    let world = HaloWorld::start_with(edition, |v| {
        v.set("CF_CLOSE_CLASSIFICATION", "TruePositive")
            .set("CF_CLOSE_CLASSIFICATION_REASON", "SuspiciousActivity")
    })
    .await;
    let incident = "incident-close";
    let ticket = world.linked_ticket(incident);
    let note = world.note(ticket, "<p>Password reset.</p>");
    let closing = world
        .halo
        .close_ticket(ticket, TECHNICIAN_ID, "<p>Resolved with the user.</p>")
        .expect("closed")
        .id;
    let closed = (
        "Closed".to_owned(),
        Some("TruePositive".to_owned()),
        Some("SuspiciousActivity".to_owned()),
    );
    let active = ("Active".to_owned(), None, None);

    expect_ok(&world.poke(ticket).await, &processed(2, true), "closed");
    assert_eq!(
        world.comments(incident),
        vec![
            comment(ticket, note, "Password reset."),
            comment(ticket, closing, "Resolved with the user."),
        ]
    );
    assert_eq!(world.status_changes(incident), vec![closed.clone()]);
    let change = &world.cf.status_changes(incident)[0];
    assert_eq!(change.source, SOURCE);

    expect_ok(
        &world.poke(ticket).await,
        &processed(0, false),
        "closed again",
    );
    assert_eq!(world.cf.counters().total(CfRoute::Status), 1);

    world.reopen(ticket);
    expect_ok(&world.poke(ticket).await, &processed(0, false), "reopened");
    assert_eq!(
        world.status_changes(incident),
        vec![closed.clone(), active.clone()]
    );
    expect_ok(
        &world.poke(ticket).await,
        &processed(0, false),
        "reopened again",
    );
    assert_eq!(world.cf.counters().total(CfRoute::Status), 2);

    // Cancelled (10) is a closed status too.
    world
        .halo
        .set_status(ticket, 10, TECHNICIAN_ID, "")
        .expect("cancelled");
    expect_ok(&world.poke(ticket).await, &processed(0, true), "cancelled");
    assert_eq!(
        world.status_changes(incident),
        vec![closed.clone(), active, closed]
    );
    assert_eq!(world.cf.counters().total(CfRoute::Status), 3);
    assert_eq!(world.comments(incident).len(), 2);
    world.stop().await;
}

pub async fn reopen_is_not_mirrored_when_turned_off(edition: Edition) {
    let world = HaloWorld::start_with(edition, |v| v.set("CF_MIRROR_REOPEN", "false")).await;
    let incident = "incident-no-reopen";
    let ticket = world.linked_ticket(incident);
    world.close(ticket);
    expect_ok(&world.poke(ticket).await, &processed(0, true), "closed");
    let closed = (
        "Closed".to_owned(),
        Some("Undetermined".to_owned()),
        Some("InaccurateData".to_owned()),
    );
    assert_eq!(world.status_changes(incident), vec![closed.clone()]);

    world.reopen(ticket);
    expect_ok(&world.poke(ticket).await, &processed(0, false), "reopened");
    // Closing again changes nothing: ContraForce still has it closed.
    world.close(ticket);
    expect_ok(
        &world.poke(ticket).await,
        &processed(0, false),
        "closed again",
    );
    assert_eq!(world.status_changes(incident), vec![closed]);
    assert_eq!(world.cf.counters().total(CfRoute::Status), 1);
    world.stop().await;
}

/// Closed means a status in `HALO_CLOSED_STATUS_ID`, whatever the status is
/// called and whatever `hasbeenclosed` says.
pub async fn closed_statuses_come_from_the_setting(edition: Edition) {
    let world = HaloWorld::start_with(edition, |v| v.set("HALO_CLOSED_STATUS_ID", "4")).await;
    let incident = "incident-custom-closed";
    let ticket = world.linked_ticket(incident);

    world.close(ticket);
    let answer = world.poke(ticket).await;
    expect_ok(
        &answer,
        &processed(0, false),
        "stock Closed, not configured",
    );
    assert!(
        world
            .halo
            .ticket(ticket)
            .is_some_and(|t| t.ticket.hasbeenclosed)
    );

    world
        .halo
        .set_status(ticket, 4, TECHNICIAN_ID, "")
        .expect("status 4");
    expect_ok(&world.poke(ticket).await, &processed(0, true), "status 4");
    let statuses: Vec<String> = world
        .status_changes(incident)
        .into_iter()
        .map(|(status, _, _)| status)
        .collect();
    assert_eq!(statuses, ["Closed"]);
    world.stop().await;
}

// ---- step 7: ContraForce unavailable ----------------------------------------------------------

pub async fn contraforce_outage_loses_and_doubles_nothing(edition: Edition) {
    let world = HaloWorld::start(edition).await;
    let incident = "incident-cf-down";
    let ticket = world.linked_ticket(incident);
    let mut expected = vec![world.public_note(ticket, "Before the outage.")];
    expect_ok(&world.poke(ticket).await, &processed(1, false), "healthy");

    // 500s on comments: nothing forwarded until ContraForce is back.
    expected.push(world.public_note(ticket, "During the 500s, first."));
    expected.push(world.public_note(ticket, "During the 500s, second."));
    world
        .cf
        .set_faults(CfRoute::Comments, FaultSettings::none().server_errors(1.0));
    let body = webhook(ticket);
    expect_pending(edition, &world.post(&body).await, "comments answer 500");
    assert_eq!(world.comments(incident).len(), 1);
    world.cf.clear_faults(1);
    finish_after_recovery(&world, &body, &processed(2, false), "after the 500s").await;
    assert_eq!(world.comments(incident), expected);

    // 429 with Retry-After: 1, three times: the client's own retries run out.
    expected.push(world.public_note(ticket, "During the 429s, first."));
    expected.push(world.public_note(ticket, "During the 429s, second."));
    let limited = Fault::RateLimited {
        retry_after_secs: Some(1),
    };
    world.cf.queue_faults(CfRoute::Comments, [limited; 3]);
    let body = webhook(ticket);
    let wait = expect_pending(edition, &world.post(&body).await, "comments answer 429");
    if edition == Edition::Function {
        assert_eq!(wait, 1, "Retry-After passes on ContraForce's wait");
    }
    assert_eq!(world.comments(incident).len(), 3);
    finish_after_recovery(&world, &body, &processed(2, false), "after the 429s").await;
    assert_eq!(world.comments(incident), expected);

    // The note before the close goes through, the close waits out a status
    // outage; then the close is reported once and the note is not sent again.
    expected.push(world.public_note(ticket, "Last words before closing."));
    world.close(ticket);
    world
        .cf
        .set_faults(CfRoute::Status, FaultSettings::none().server_errors(1.0));
    let body = webhook(ticket);
    expect_pending(edition, &world.post(&body).await, "status answers 500");
    assert_eq!(world.comments(incident), expected);
    assert!(world.status_changes(incident).is_empty());
    world.cf.clear_faults(1);
    finish_after_recovery(&world, &body, &processed(0, true), "after the status 500s").await;
    assert_eq!(world.status_changes(incident).len(), 1);

    expect_ok(
        &world.poke(ticket).await,
        &processed(0, false),
        "all caught up",
    );
    assert_eq!(world.comments(incident), expected);
    let counters = world.cf.counters();
    assert!(counters.get(CfRoute::Comments, 500) > 0);
    assert_eq!(counters.get(CfRoute::Comments, 429), 3);
    assert!(counters.get(CfRoute::Status, 500) > 0);
    assert_eq!(counters.get(CfRoute::Comments, 201), 6);
    assert_eq!(counters.get(CfRoute::Status, 200), 1);
    world.stop().await;
}

/// ContraForce refusing the bridge's credentials is an outage to wait out, like
/// a 5xx: pending, and nothing recorded as done.
pub async fn contraforce_refusing_credentials_is_an_upstream_failure(edition: Edition) {
    let wrong = |v: crate::Vars| v.set("CF_SERVICE_ACCOUNT_CLIENT_SECRET", "not-the-secret");
    let world = HaloWorld::start_with(edition, wrong).await;
    let incident = "incident-cf-refuses";
    let ticket = world.linked_ticket(incident);
    world.note(ticket, "<p>Refused at the door.</p>");

    expect_pending(edition, &world.poke(ticket).await, "401 from ContraForce");
    assert!(world.cf.counters().get(CfRoute::Comments, 401) > 0);
    assert!(world.comments(incident).is_empty());
    world.stop().await;
}

/// ContraForce answering slowly: the function edition waits for the outcome;
/// the others answer 202 once `PROCESS_BUDGET_MS` has passed and finish in the
/// background, once.
pub async fn slow_contraforce_is_answered_within_the_budget(edition: Edition) {
    let world = HaloWorld::start_with(edition, |v| v.set("PROCESS_BUDGET_MS", "300")).await;
    let incident = "incident-slow";
    let ticket = world.linked_ticket(incident);
    let expected = vec![world.public_note(ticket, "Worth the wait.")];
    let slow = FaultSettings::none().latency(Duration::from_millis(2000));
    world.cf.set_faults(CfRoute::Comments, slow);

    let started = Instant::now();
    let answer = world.poke(ticket).await;
    if edition == Edition::Function {
        expect_ok(&answer, &processed(1, false), "slow but within the budget");
    } else {
        expect_pending(edition, &answer, "slower than the budget");
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "{:?}",
            started.elapsed()
        );
        world.await_comments(incident, 1).await;
        world.settled().await;
    }
    world
        .cf
        .set_faults(CfRoute::Comments, FaultSettings::none());
    expect_ok(
        &world.poke(ticket).await,
        &processed(0, false),
        "afterwards",
    );
    assert_eq!(world.comments(incident), expected);
    world.stop().await;
}

/// `MAX_BODY_BYTES` holds on this route too: a body of exactly the limit is
/// read, one byte more is refused before anything else.
pub async fn body_limit_applies(edition: Edition) {
    const LIMIT: usize = 2048;
    let world =
        HaloWorld::start_with(edition, |v| v.set("MAX_BODY_BYTES", LIMIT.to_string())).await;
    let incident = "incident-body-limit";
    let ticket = world.linked_ticket(incident);
    world.public_note(ticket, "Padded.");
    let padded = |size: usize| {
        let bare = json!({"ticket_id": ticket, "pad": ""}).to_string();
        json!({"ticket_id": ticket, "pad": "x".repeat(size - bare.len())}).to_string()
    };
    let secret = [Presented::Header(HALO_WEBHOOK_SECRET)];

    let too_large = post_raw(&world.sender, "/halo/webhooks", &secret, padded(LIMIT + 1)).await;
    expect(
        &too_large,
        413,
        &json!({"error": "payload too large"}),
        "limit + 1",
    );
    let at_limit = post_raw(&world.sender, "/halo/webhooks", &secret, padded(LIMIT)).await;
    expect_ok(&at_limit, &processed(1, false), "exactly the limit");
    world.stop().await;
}

// ---- contract §5: settings --------------------------------------------------------------------

/// What a Halo → ContraForce binary needs, and the cluster's `STATE_URL`.
fn required(edition: Edition) -> Vec<&'static str> {
    let mut names = vec![
        "CF_API_BASE_URL",
        "CF_SERVICE_ACCOUNT_CLIENT_ID",
        "CF_SERVICE_ACCOUNT_CLIENT_SECRET",
        "CF_WORKSPACE_ID",
        "HALO_API_BASE_URL",
        "HALO_AUTH_URL",
        "HALO_CLIENT_ID",
        "HALO_CLIENT_SECRET",
        "HALO_CLOSED_STATUS_ID",
        "HALO_WEBHOOK_SECRET",
    ];
    if edition == Edition::Cluster {
        names.push("STATE_URL");
    }
    names
}

/// Starts `binary` with only `vars`; returns its exit code and standard error.
fn run_briefly(binary: &str, vars: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut child = Command::new(binary)
        .env_clear()
        .envs(vars.iter().copied())
        .env("BIND", "127.0.0.1")
        .env("PORT", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let started = Instant::now();
    while child.try_wait().expect("the child's state").is_none() {
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("{binary} kept running with settings missing");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("the child's output");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stderr)
}

/// The binary refuses to start without its settings: a non-zero exit, every
/// missing or malformed variable named on stderr, no panic, no secret.
pub fn missing_settings_are_listed(binary: &str, edition: Edition) {
    let (code, stderr) = run_briefly(binary, &[]);
    assert!(
        code.is_some_and(|c| c != 0),
        "exit {code:?}; stderr:\n{stderr}"
    );
    for name in required(edition) {
        assert!(stderr.contains(name), "{name} not named; stderr:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "a panic:\n{stderr}");
    assert!(
        !stderr.contains("CF_WEBHOOK_SECRET"),
        "another direction's setting:\n{stderr}"
    );

    // Some set, some malformed, one missing: only the wrong ones are named.
    let (code, stderr) = run_briefly(
        binary,
        &[
            ("HALO_AUTH_URL", "http://127.0.0.1:9/auth"),
            ("HALO_API_BASE_URL", "http://127.0.0.1:9/api"),
            ("HALO_CLIENT_ID", "bridge"),
            ("HALO_CLIENT_SECRET", "halo-client-s3cret"),
            ("CF_API_BASE_URL", "http://127.0.0.1:9/api/v2"),
            ("CF_SERVICE_ACCOUNT_CLIENT_ID", "bridge"),
            ("CF_SERVICE_ACCOUNT_CLIENT_SECRET", "cf-account-s3cret"),
            ("CF_WORKSPACE_ID", "not-a-guid"),
            ("HALO_CLOSED_STATUS_ID", "closed"),
            ("HALO_WEBHOOK_SECRET", ""),
            ("CF_MIRROR_REOPEN", "sometimes"),
        ],
    );
    assert!(
        code.is_some_and(|c| c != 0),
        "exit {code:?}; stderr:\n{stderr}"
    );
    let mut wrong = vec![
        "CF_MIRROR_REOPEN",
        "CF_WORKSPACE_ID",
        "HALO_CLOSED_STATUS_ID",
        "HALO_WEBHOOK_SECRET",
    ];
    if edition == Edition::Cluster {
        wrong.push("STATE_URL");
    }
    for name in &wrong {
        assert!(stderr.contains(name), "{name} not named; stderr:\n{stderr}");
    }
    for name in required(edition).iter().filter(|n| !wrong.contains(n)) {
        assert!(
            !stderr.contains(name),
            "{name} named but set; stderr:\n{stderr}"
        );
    }
    assert!(!stderr.contains("panicked"), "a panic:\n{stderr}");
    assert!(!stderr.contains("s3cret"), "a secret shown:\n{stderr}");
}
