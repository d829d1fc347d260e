//! Halo ticket + actions → what ContraForce hears: which actions become
//! comments and in what words, and whether the incident is to be closed or
//! reopened. Remembering what was already forwarded is the store's job.

mod html_text;

pub use html_text::html_to_text;

use crate::halo::{Action, Ticket};

/// Halo's `who_type` for actions the system itself recorded.
const WHO_TYPE_SYSTEM: i64 = 0;

/// The plain text of an action's note: `note_html` converted to text, or when
/// that is absent or blank, `note`. `note` is read as HTML only when it holds a
/// `<`, so a plain note keeps its line breaks.
pub fn note_text(action: &Action) -> String {
    let from_html = action
        .note_html
        .as_deref()
        .map(html_to_text)
        .filter(|text| !text.is_empty());
    from_html
        .or_else(|| action.note.as_deref().map(plain_or_html))
        .unwrap_or_default()
}

fn plain_or_html(note: &str) -> String {
    if note.contains('<') {
        html_to_text(note)
    } else {
        html_text::tidy_lines(note.lines())
    }
}

/// Whether an action is worth a ContraForce comment: not private, not recorded
/// by the system, not blank once its HTML is removed, and not done by one of the
/// bridge's own agents (`who_agentid` or `actionby_agent_id` in `own_agent_ids`),
/// which would echo the bridge's own notes back.
pub fn is_forwardable(action: &Action, own_agent_ids: &[i64]) -> bool {
    if action.hiddenfromuser || action.who_type == Some(WHO_TYPE_SYSTEM) {
        return false;
    }
    let by_own_agent = [action.who_agentid, action.actionby_agent_id]
        .into_iter()
        .flatten()
        .any(|id| own_agent_ids.contains(&id));
    !by_own_agent && !note_text(action).is_empty()
}

/// The comment for an action:
/// `[Halo ticket #{ticketId} · action {actionId} · {who}]`, a blank line, then
/// the note as plain text. `who` is the action's `who` on one line, else `Halo`.
pub fn comment_text(ticket_id: i64, action: &Action) -> String {
    let who = action
        .who
        .as_deref()
        .map(|who| who.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|who| !who.is_empty())
        .unwrap_or_else(|| "Halo".to_owned());
    format!(
        "[Halo ticket #{ticket_id} · action {} · {who}]\n\n{}",
        action.id,
        note_text(action)
    )
}

/// Whether Halo considers the ticket closed: its `status_id` is one of
/// `closed_status_ids`. `hasbeenclosed: true` counts only for a ticket without a
/// `status_id`, because Halo keeps that flag after a reopen.
pub fn is_closed(ticket: &Ticket, closed_status_ids: &[i64]) -> bool {
    match ticket.status_id {
        Some(status) => closed_status_ids.contains(&status),
        None => ticket.hasbeenclosed == Some(true),
    }
}

/// What to tell ContraForce about the incident's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateChange {
    None,
    Close,
    Reopen,
}

/// Close when the ticket is closed now and that was not reported yet; reopen
/// (when mirroring reopens) only after a reported close, once the ticket is
/// open again. `reported_closed` is `None` for a ticket never reported on,
/// which is never reopened.
pub fn state_change(
    closed_now: bool,
    reported_closed: Option<bool>,
    mirror_reopen: bool,
) -> StateChange {
    let reported = reported_closed == Some(true);
    match (closed_now, reported) {
        (true, false) => StateChange::Close,
        (false, true) if mirror_reopen => StateChange::Reopen,
        _ => StateChange::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const ACTIONS: &str = include_str!("../../tests/data/halo-actions.json");
    /// The bridge's own API agent in the sample data.
    const BRIDGE_AGENT: i64 = 21;

    fn sample_actions() -> Vec<Action> {
        let doc: Value = serde_json::from_str(ACTIONS).unwrap();
        doc["response"]["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| Action::from_value(a.clone()).unwrap())
            .collect()
    }

    fn action(value: Value) -> Action {
        Action::from_value(value).unwrap()
    }

    fn ticket(value: Value) -> Ticket {
        Ticket::from_value(value).unwrap()
    }

    #[test]
    fn from_the_sample_only_the_public_closing_note_is_forwarded() {
        let forwardable: Vec<i64> = sample_actions()
            .iter()
            .filter(|a| is_forwardable(a, &[BRIDGE_AGENT]))
            .map(|a| a.id)
            .collect();
        assert_eq!(forwardable, vec![4]);
    }

    #[test]
    fn the_sample_closing_note_as_a_comment() {
        let closing = sample_actions().into_iter().find(|a| a.id == 4).unwrap();
        assert_eq!(
            comment_text(5123, &closing),
            "[Halo ticket #5123 · action 4 · Sam Technician]\n\n\
             Password reset and sessions revoked."
        );
    }

    #[test]
    fn private_actions_are_skipped() {
        let a = action(json!({"id": 3, "who_type": 1, "note": "x", "hiddenfromuser": true}));
        assert!(!is_forwardable(&a, &[]));
    }

    #[test]
    fn system_actions_are_skipped() {
        let a = action(json!({"id": 2, "who_type": 0, "note": "Ticket assigned by rule"}));
        assert!(!is_forwardable(&a, &[]));
        let agent = action(json!({"id": 2, "who_type": 1, "note": "Ticket assigned by rule"}));
        assert!(is_forwardable(&agent, &[]));
        let unknown = action(json!({"id": 2, "note": "no who_type at all"}));
        assert!(is_forwardable(&unknown, &[]));
    }

    #[test]
    fn blank_notes_are_skipped() {
        for note in [
            json!({"id": 5, "who_type": 1}),
            json!({"id": 5, "who_type": 1, "note": "   "}),
            json!({"id": 5, "who_type": 1, "note_html": "<p>&nbsp;</p><br>"}),
            json!({"id": 5, "who_type": 1, "note_html": "<p></p>", "note": ""}),
            json!({"id": 5, "who_type": 1, "note": "<div> </div>"}),
        ] {
            assert!(!is_forwardable(&action(note.clone()), &[]), "{note}");
        }
    }

    #[test]
    fn actions_by_own_agents_are_skipped() {
        let by = |who: Value, actionby: Value| {
            action(json!({"id": 6, "who_type": 1, "note": "hello",
                          "who_agentid": who, "actionby_agent_id": actionby}))
        };
        assert!(!is_forwardable(&by(json!(21), json!(21)), &[21]));
        assert!(!is_forwardable(&by(json!("30"), json!(null)), &[21, 30]));
        assert!(!is_forwardable(&by(json!(null), json!(30.0)), &[21, 30]));
        assert!(is_forwardable(&by(json!(6), json!(6)), &[21, 30]));
        assert!(is_forwardable(&by(json!(21), json!(21)), &[]));
    }

    #[test]
    fn note_html_is_preferred_over_note() {
        let a = action(json!({"id": 1, "note": "plain", "note_html": "<p>from <b>html</b></p>"}));
        assert_eq!(note_text(&a), "from html");
        let blank_html = action(json!({"id": 1, "note": "plain", "note_html": "<p> </p>"}));
        assert_eq!(note_text(&blank_html), "plain");
    }

    #[test]
    fn a_plain_note_keeps_its_lines_and_an_html_note_is_converted() {
        let plain = action(json!({"id": 1, "note": "line one\r\nline two\n\n\n\nend  "}));
        assert_eq!(note_text(&plain), "line one\nline two\n\nend");
        let html = action(json!({"id": 1, "note": "<p>a</p><p>b &amp; c</p>"}));
        assert_eq!(note_text(&html), "a\n\nb & c");
    }

    #[test]
    fn comment_text_uses_halo_without_a_who() {
        let a = action(json!({"id": 9, "note_html": "<p>hi</p>"}));
        assert_eq!(
            comment_text(77, &a),
            "[Halo ticket #77 · action 9 · Halo]\n\nhi"
        );
        let blank = action(json!({"id": 9, "who": "  ", "note_html": "<p>hi</p>"}));
        assert_eq!(
            comment_text(77, &blank),
            "[Halo ticket #77 · action 9 · Halo]\n\nhi"
        );
        let multi = action(json!({"id": 9, "who": " Sam\nTech ", "note": "hi"}));
        assert_eq!(
            comment_text(77, &multi),
            "[Halo ticket #77 · action 9 · Sam Tech]\n\nhi"
        );
    }

    #[test]
    fn comment_text_is_plain_text_not_raw_html() {
        let a = action(json!({"id": 4, "who": "Sam",
            "note_html": "<p>Steps:</p><ul><li>reset &amp; revoke</li></ul><script>x()</script>"}));
        assert_eq!(
            comment_text(5123, &a),
            "[Halo ticket #5123 · action 4 · Sam]\n\nSteps:\n\n- reset & revoke"
        );
    }

    #[test]
    fn closed_by_status_id_in_the_list() {
        let closed = [9, 12];
        assert!(is_closed(
            &ticket(json!({"id": 1, "status_id": 9})),
            &closed
        ));
        assert!(is_closed(
            &ticket(json!({"id": 1, "status_id": "12"})),
            &closed
        ));
        assert!(!is_closed(
            &ticket(json!({"id": 1, "status_id": 2})),
            &closed
        ));
    }

    #[test]
    fn hasbeenclosed_counts_only_without_a_status_id() {
        let closed = [9];
        let reopened = ticket(json!({"id": 1, "status_id": 2, "hasbeenclosed": true}));
        assert!(!is_closed(&reopened, &closed));
        let flag_only = ticket(json!({"id": 1, "hasbeenclosed": true}));
        assert!(is_closed(&flag_only, &closed));
        let neither = ticket(json!({"id": 1, "hasbeenclosed": false}));
        assert!(!is_closed(&neither, &closed));
        assert!(!is_closed(&ticket(json!({"id": 1})), &closed));
    }

    #[test]
    fn state_change_table() {
        use StateChange as S;
        let rows = [
            // closed now, reported closed, mirror reopen → change
            (true, None, true, S::Close),
            (true, Some(false), true, S::Close),
            (true, Some(true), true, S::None),
            (true, None, false, S::Close),
            (false, Some(true), true, S::Reopen),
            (false, Some(true), false, S::None),
            (false, Some(false), true, S::None),
            (false, None, true, S::None),
        ];
        for (closed_now, reported, mirror, expected) in rows {
            assert_eq!(
                state_change(closed_now, reported, mirror),
                expected,
                "{closed_now} {reported:?} {mirror}"
            );
        }
    }
}
