//! The tenant's tickets and actions in memory, and the rules that change them
//! (defaults, validation, status and closed-ness, per-ticket action ids). No
//! locking, no HTTP: callers hold the lock and turn results into answers.

use std::collections::BTreeMap;

use serde_json::Value;
use time::OffsetDateTime;

use crate::config::{FilterMode, Settings};
use crate::error::MockError;
use crate::input::{ActionInput, TicketInput, paragraph};
use crate::lookups::{self, Agent, Directory};
use crate::model::{Action, CustomFieldValue, Ticket, TicketWithActions};

/// What a successful change did, for webhooks and waiters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Change {
    pub kind: ChangeKind,
    pub ticket: Ticket,
    pub action: Option<Action>,
    pub agent_id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChangeKind {
    Created,
    Updated,
    StatusChanged,
    ActionAdded,
}

/// A reference filter of `GET /api/Tickets`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RefFilter {
    ThirdPartyNumber(String),
    ThirdPartyIdString(String),
    CustomField(i64, String),
}

/// Which tickets a list asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TicketFilter {
    pub open_only: bool,
    pub closed_only: bool,
    pub refs: Vec<RefFilter>,
}

/// An action input checked against the tenant's outcomes, statuses and agents.
struct ResolvedAction {
    outcome_id: i64,
    outcome: String,
    new_status: Option<i64>,
    agent: Agent,
}

#[derive(Debug)]
pub(crate) struct TicketStore {
    entries: BTreeMap<i64, TicketWithActions>,
    next_id: i64,
}

impl TicketStore {
    pub fn new(first_id: i64) -> Self {
        Self {
            entries: BTreeMap::new(),
            next_id: first_id.max(1),
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn ticket(&self, id: i64) -> Option<&Ticket> {
        self.entries.get(&id).map(|e| &e.ticket)
    }

    pub fn entry(&self, id: i64) -> Option<&TicketWithActions> {
        self.entries.get(&id)
    }

    /// Every ticket with its actions, lowest id first.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &TicketWithActions> {
        self.entries.values()
    }

    /// Refuses what a create or update would refuse, without changing anything,
    /// so a batch can be checked whole before any element is applied.
    pub fn check_ticket(
        &self,
        id: Option<i64>,
        input: &TicketInput,
        dir: &Directory,
    ) -> Result<(), MockError> {
        match id {
            Some(id) if !self.entries.contains_key(&id) => {
                return Err(MockError::TicketNotFound(id));
            }
            Some(_) => {
                if input
                    .summary
                    .as_deref()
                    .is_some_and(|s| s.trim().is_empty())
                {
                    return Err(MockError::SummaryRequired);
                }
            }
            None => {
                if input.summary.as_deref().is_none_or(|s| s.trim().is_empty()) {
                    return Err(MockError::SummaryRequired);
                }
            }
        }
        if let Some(status) = input.status_id {
            dir.status_name(status)
                .ok_or(MockError::UnknownStatus(status))?;
        }
        Ok(())
    }

    /// Logs a new ticket and its first action ("New", by `by`).
    pub fn create(
        &mut self,
        input: &TicketInput,
        by: &Agent,
        now: OffsetDateTime,
        dir: &Directory,
        settings: &Settings,
    ) -> Result<Change, MockError> {
        self.check_ticket(None, input, dir)?;
        let id = self.next_id;
        self.next_id += 1;
        let mut ticket = Ticket {
            id,
            summary: String::new(),
            details_html: String::new(),
            tickettype_id: lookups::DEFAULT_TICKETTYPE_ID,
            client_id: lookups::DEFAULT_CLIENT_ID,
            priority_id: lookups::DEFAULT_PRIORITY_ID,
            status_id: lookups::STATUS_NEW,
            agent_id: 0,
            thirdpartynumber: String::new(),
            third_party_id_string: String::new(),
            customfields: Vec::new(),
            hasbeenclosed: false,
            created_at: now,
            updated_at: now,
            closed_at: None,
        };
        apply_fields(&mut ticket, input, now, dir, settings);
        let first = Action {
            id: 1,
            ticket_id: id,
            outcome: lookups::OUTCOME_NEW.to_owned(),
            outcome_id: dir.outcome_by_name(lookups::OUTCOME_NEW).map_or(0, |o| o.0),
            who: by.name.clone(),
            who_type: 1,
            who_agentid: by.id,
            datetime: now,
            note: html_to_text(&ticket.details_html),
            note_html: ticket.details_html.clone(),
            hiddenfromuser: false,
            new_status: None,
        };
        self.entries.insert(
            id,
            TicketWithActions {
                ticket: ticket.clone(),
                actions: vec![first.clone()],
            },
        );
        Ok(Change {
            kind: ChangeKind::Created,
            ticket,
            action: Some(first),
            agent_id: by.id,
        })
    }

    /// Changes only the fields sent.
    pub fn update(
        &mut self,
        id: i64,
        input: &TicketInput,
        by: &Agent,
        now: OffsetDateTime,
        dir: &Directory,
        settings: &Settings,
    ) -> Result<Change, MockError> {
        self.check_ticket(Some(id), input, dir)?;
        let entry = self
            .entries
            .get_mut(&id)
            .ok_or(MockError::TicketNotFound(id))?;
        let before = entry.ticket.status_id;
        apply_fields(&mut entry.ticket, input, now, dir, settings);
        entry.ticket.updated_at = now;
        let kind = if entry.ticket.status_id == before {
            ChangeKind::Updated
        } else {
            ChangeKind::StatusChanged
        };
        Ok(Change {
            kind,
            ticket: entry.ticket.clone(),
            action: None,
            agent_id: by.id,
        })
    }

    /// Refuses what [`TicketStore::add_action`] would refuse, changing nothing.
    pub fn check_action(
        &self,
        input: &ActionInput,
        default_agent: &Agent,
        dir: &Directory,
    ) -> Result<(), MockError> {
        self.resolve_action(input, default_agent, dir).map(|_| ())
    }

    /// Adds an action; `default_agent` acts when the input names none.
    pub fn add_action(
        &mut self,
        input: &ActionInput,
        default_agent: &Agent,
        now: OffsetDateTime,
        dir: &Directory,
    ) -> Result<Change, MockError> {
        let resolved = self.resolve_action(input, default_agent, dir)?;
        let entry = self
            .entries
            .get_mut(&input.ticket_id)
            .ok_or(MockError::TicketNotFound(input.ticket_id))?;
        let who_type = input.who_type.unwrap_or(1);
        let (note, note_html) = match (&input.note_html, &input.note) {
            (Some(html), _) => (html_to_text(html), html.clone()),
            (None, Some(text)) => (text.clone(), paragraph(text)),
            (None, None) => (String::new(), String::new()),
        };
        let action = Action {
            id: entry.actions.iter().map(|a| a.id).max().unwrap_or(0) + 1,
            ticket_id: input.ticket_id,
            outcome: resolved.outcome,
            outcome_id: resolved.outcome_id,
            who: input
                .who
                .clone()
                .unwrap_or_else(|| resolved.agent.name.clone()),
            who_type,
            who_agentid: if who_type == 0 { 0 } else { resolved.agent.id },
            datetime: now,
            note,
            note_html,
            hiddenfromuser: input.hiddenfromuser,
            new_status: resolved.new_status,
        };
        if let Some(status) = resolved.new_status {
            set_status(&mut entry.ticket, status, now, dir);
        }
        entry.ticket.updated_at = now;
        entry.actions.push(action.clone());
        Ok(Change {
            kind: ChangeKind::ActionAdded,
            ticket: entry.ticket.clone(),
            action: Some(action),
            agent_id: resolved.agent.id,
        })
    }

    fn resolve_action(
        &self,
        input: &ActionInput,
        default_agent: &Agent,
        dir: &Directory,
    ) -> Result<ResolvedAction, MockError> {
        if !self.entries.contains_key(&input.ticket_id) {
            return Err(MockError::TicketNotFound(input.ticket_id));
        }
        let (outcome_id, outcome, outcome_status) = match (input.outcome_id, &input.outcome) {
            (Some(id), _) => {
                let (id, name, status) = dir
                    .outcome_by_id(id)
                    .ok_or_else(|| MockError::UnknownOutcome(id.to_string()))?;
                (id, name.to_owned(), status)
            }
            (None, Some(name)) => match dir.outcome_by_name(name) {
                Some((id, stock, status)) => (id, stock.to_owned(), status),
                None => (0, name.trim().to_owned(), None),
            },
            (None, None) => return Err(MockError::OutcomeRequired),
        };
        let new_status = input.new_status.or(outcome_status);
        if let Some(status) = new_status {
            dir.status_name(status)
                .ok_or(MockError::UnknownStatus(status))?;
        }
        let agent = match input.who_agentid {
            Some(id) => dir.agent(id).ok_or(MockError::UnknownAgent(id))?,
            None => default_agent.clone(),
        };
        Ok(ResolvedAction {
            outcome_id,
            outcome,
            new_status,
            agent,
        })
    }

    /// Tickets matching `filter`, newest (highest id) first.
    pub fn matching(
        &self,
        filter: &TicketFilter,
        mode: FilterMode,
        dir: &Directory,
    ) -> Vec<&Ticket> {
        self.entries
            .values()
            .rev()
            .map(|e| &e.ticket)
            .filter(|t| !filter.open_only || !dir.is_closed_status(t.status_id))
            .filter(|t| !filter.closed_only || dir.is_closed_status(t.status_id))
            .filter(|t| filter.refs.iter().all(|f| ref_matches(t, f, mode)))
            .collect()
    }
}

fn apply_fields(
    ticket: &mut Ticket,
    input: &TicketInput,
    now: OffsetDateTime,
    dir: &Directory,
    settings: &Settings,
) {
    let set_text = |target: &mut String, value: &Option<String>| {
        if let Some(value) = value {
            target.clone_from(value);
        }
    };
    set_text(&mut ticket.summary, &input.summary);
    set_text(&mut ticket.details_html, &input.details_html);
    if !settings.drops("thirdpartynumber") {
        set_text(&mut ticket.thirdpartynumber, &input.thirdpartynumber);
    }
    if !settings.drops("third_party_id_string") {
        set_text(
            &mut ticket.third_party_id_string,
            &input.third_party_id_string,
        );
    }
    for (target, value) in [
        (&mut ticket.tickettype_id, input.tickettype_id),
        (&mut ticket.client_id, input.client_id),
        (&mut ticket.priority_id, input.priority_id),
        (&mut ticket.agent_id, input.agent_id),
    ] {
        if let Some(value) = value {
            *target = value;
        }
    }
    for (id, value) in &input.customfields {
        if settings.drops(&format!("customfield_{id}")) {
            continue;
        }
        match ticket.customfields.iter_mut().find(|f| f.id == *id) {
            Some(field) => field.value = value.clone(),
            None => ticket.customfields.push(CustomFieldValue {
                id: *id,
                name: dir.custom_field_name(*id),
                value: value.clone(),
            }),
        }
    }
    if let Some(status) = input.status_id {
        set_status(ticket, status, now, dir);
    }
}

/// Moves a ticket to `status`; a closed status sets `hasbeenclosed`, which
/// (as in Halo) nothing ever clears.
fn set_status(ticket: &mut Ticket, status: i64, now: OffsetDateTime, dir: &Directory) {
    if dir.is_closed_status(status) && !dir.is_closed_status(ticket.status_id) {
        ticket.closed_at = Some(now);
    }
    if dir.is_closed_status(status) {
        ticket.hasbeenclosed = true;
    }
    ticket.status_id = status;
}

fn ref_matches(ticket: &Ticket, filter: &RefFilter, mode: FilterMode) -> bool {
    let (stored, wanted) = match filter {
        RefFilter::ThirdPartyNumber(v) => (Some(ticket.thirdpartynumber.clone()), v),
        RefFilter::ThirdPartyIdString(v) => (Some(ticket.third_party_id_string.clone()), v),
        RefFilter::CustomField(id, v) => (ticket.custom_field(*id).and_then(value_text), v),
    };
    if wanted.is_empty() {
        return true;
    }
    let stored = stored.unwrap_or_default();
    match mode {
        FilterMode::Ignored => true,
        FilterMode::Exact => stored == *wanted,
        FilterMode::Contains => stored.to_lowercase().contains(&wanted.to_lowercase()),
    }
}

fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The text of an HTML note: tags dropped, entities decoded, blank runs joined.
pub(crate) fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let decoded = html_escape::decode_html_entities(&text);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dir() -> Directory {
        Directory::new(Agent {
            id: 21,
            name: "ContraForce Integration".into(),
        })
    }

    fn api() -> Agent {
        dir().api_agent().clone()
    }

    fn now() -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH
    }

    fn created(store: &mut TicketStore, input: TicketInput) -> Ticket {
        store
            .create(&input, &api(), now(), &dir(), &Settings::default())
            .unwrap()
            .ticket
    }

    #[test]
    fn create_gives_status_new_and_records_action_one_by_the_api_agent() {
        let mut store = TicketStore::new(100);
        let ticket = created(&mut store, TicketInput::with_summary("s"));
        assert_eq!(ticket.id, 100);
        assert_eq!(ticket.status_id, lookups::STATUS_NEW);
        let actions = &store.entry(100).unwrap().actions;
        assert_eq!(actions.len(), 1);
        assert_eq!((actions[0].id, actions[0].who_agentid), (1, 21));
        assert_eq!(actions[0].outcome, "New");
    }

    #[test]
    fn create_without_summary_is_refused() {
        let mut store = TicketStore::new(1);
        let err = store.create(
            &TicketInput::default(),
            &api(),
            now(),
            &dir(),
            &Settings::default(),
        );
        assert_eq!(err, Err(MockError::SummaryRequired));
        assert_eq!(store.len(), 0);
    }

    #[test]
    fn update_changes_only_fields_sent_and_merges_custom_fields() {
        let mut store = TicketStore::new(1);
        let mut input = TicketInput::with_summary("s");
        input.client_id = Some(12);
        input.customfields = vec![(7, json!("a")), (11, json!(3))];
        created(&mut store, input);

        let update = TicketInput {
            customfields: vec![(7, json!("b"))],
            ..TicketInput::default()
        };
        let change = store
            .update(1, &update, &api(), now(), &dir(), &Settings::default())
            .unwrap();
        assert_eq!(change.kind, ChangeKind::Updated);
        assert_eq!(change.ticket.summary, "s");
        assert_eq!(change.ticket.client_id, 12);
        assert_eq!(change.ticket.custom_field(7), Some(&json!("b")));
        assert_eq!(change.ticket.custom_field(11), Some(&json!(3)));
        assert_eq!(change.ticket.customfields[0].name, "CFExternalRef");
    }

    #[test]
    fn dropped_fields_are_not_stored() {
        let mut store = TicketStore::new(1);
        let settings = Settings {
            dropped_fields: vec!["thirdpartynumber".into(), "customfield_7".into()],
            ..Settings::default()
        };
        let mut input = TicketInput::with_summary("s");
        input.thirdpartynumber = Some("cf|x|1".into());
        input.customfields = vec![(7, json!("cf|x|1"))];
        let ticket = store
            .create(&input, &api(), now(), &dir(), &settings)
            .unwrap()
            .ticket;
        assert_eq!(ticket.thirdpartynumber, "");
        assert!(ticket.custom_field(7).is_none());
    }

    #[test]
    fn action_ids_are_per_ticket_and_need_an_outcome() {
        let mut store = TicketStore::new(1);
        created(&mut store, TicketInput::with_summary("a"));
        created(&mut store, TicketInput::with_summary("b"));
        let tech = dir().agent(lookups::TECHNICIAN_ID).unwrap();
        let note = ActionInput::public_note(1, 6, "<p>x</p>");
        assert_eq!(
            store
                .add_action(&note, &tech, now(), &dir())
                .unwrap()
                .action
                .unwrap()
                .id,
            2
        );
        let note = ActionInput::public_note(2, 6, "<p>y</p>");
        assert_eq!(
            store
                .add_action(&note, &tech, now(), &dir())
                .unwrap()
                .action
                .unwrap()
                .id,
            2
        );

        let bare = ActionInput {
            ticket_id: 1,
            ..ActionInput::default()
        };
        assert_eq!(
            store.add_action(&bare, &tech, now(), &dir()),
            Err(MockError::OutcomeRequired)
        );
        let lost = ActionInput::public_note(99, 6, "z");
        assert_eq!(
            store.add_action(&lost, &tech, now(), &dir()),
            Err(MockError::TicketNotFound(99))
        );
    }

    #[test]
    fn closing_sets_hasbeenclosed_which_a_reopen_keeps() {
        let mut store = TicketStore::new(1);
        created(&mut store, TicketInput::with_summary("a"));
        let tech = dir().agent(6).unwrap();
        let close = ActionInput {
            ticket_id: 1,
            outcome: Some("Close".into()),
            ..ActionInput::default()
        };
        let ticket = store
            .add_action(&close, &tech, now(), &dir())
            .unwrap()
            .ticket;
        assert_eq!(
            (ticket.status_id, ticket.hasbeenclosed),
            (lookups::STATUS_CLOSED, true)
        );
        assert!(ticket.closed_at.is_some());

        let reopen = ActionInput {
            new_status: Some(2),
            ..close
        };
        let ticket = store
            .add_action(&reopen, &tech, now(), &dir())
            .unwrap()
            .ticket;
        assert_eq!((ticket.status_id, ticket.hasbeenclosed), (2, true));
    }

    #[test]
    fn reference_filters_are_approximate_by_default() {
        let mut store = TicketStore::new(1);
        for reference in ["cf|s|ABC", "cf|s|abc-2", "other"] {
            let mut input = TicketInput::with_summary("t");
            input.thirdpartynumber = Some(reference.into());
            created(&mut store, input);
        }
        let filter = TicketFilter {
            refs: vec![RefFilter::ThirdPartyNumber("cf|s|abc".into())],
            ..TicketFilter::default()
        };
        let ids = |mode| -> Vec<i64> {
            store
                .matching(&filter, mode, &dir())
                .iter()
                .map(|t| t.id)
                .collect()
        };
        assert_eq!(ids(FilterMode::Contains), vec![2, 1]);
        assert_eq!(ids(FilterMode::Exact), Vec::<i64>::new());
        assert_eq!(ids(FilterMode::Ignored), vec![3, 2, 1]);
    }

    #[test]
    fn html_to_text_drops_tags_and_decodes_entities() {
        assert_eq!(html_to_text("<p>a &amp; <b>b</b></p>\n<p>c</p>"), "a & b c");
    }
}
