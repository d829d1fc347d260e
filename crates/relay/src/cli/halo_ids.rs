//! `halo ids`: the ids an operator would otherwise read out of Halo by hand,
//! as tables (ticket types, statuses, priorities per SLA, outcomes, agents,
//! clients), with the configured values marked, and the settings lines to
//! paste for this binary's direction. Reads only.
//!
//! Halo has no documented "closed" flag on a status (closed-ness is a tenant's
//! choice), so statuses are marked closed when `HALO_CLOSED_STATUS_ID` names
//! them, and "by name" when their name says so; the suggestion is a starting
//! point to check, not a fact.

use std::io::{self, Write};

use halo_client::{Agent, Client, HaloClient, HaloError, Outcome, Priority, Status, TicketType};
use mapping::halo::OutcomeRef;

use super::table::Table;
use super::{Exit, tool_halo_client};
use crate::settings::{Direction, HaloSettings, Settings};

/// The severities ContraForce sends, in the order of `HALO_PRIORITY_MAP`.
const SEVERITIES: [&str; 4] = ["High", "Medium", "Low", "Informational"];

/// Words that make a status name look closed.
const CLOSED_WORDS: [&str; 4] = ["closed", "cancel", "resolved", "complete"];

/// Everything read from Halo; each list may have failed on its own.
pub struct Lookups {
    pub me: Result<Agent, HaloError>,
    pub ticket_types: Result<Vec<TicketType>, HaloError>,
    pub statuses: Result<Vec<Status>, HaloError>,
    pub priorities: Result<Vec<Priority>, HaloError>,
    pub outcomes: Result<Vec<Outcome>, HaloError>,
    pub agents: Result<Vec<Agent>, HaloError>,
    pub clients: Result<Vec<Client>, HaloError>,
}

impl Lookups {
    pub async fn read(halo: &HaloClient) -> Lookups {
        Lookups {
            me: halo.me().await,
            ticket_types: halo.ticket_types().await,
            statuses: halo.statuses().await,
            priorities: halo.priorities().await,
            outcomes: halo.outcomes().await,
            agents: halo.agents().await,
            clients: halo.clients().await,
        }
    }

    fn failures(&self) -> usize {
        [
            self.me.is_err(),
            self.ticket_types.is_err(),
            self.statuses.is_err(),
            self.priorities.is_err(),
            self.outcomes.is_err(),
            self.agents.is_err(),
            self.clients.is_err(),
        ]
        .into_iter()
        .filter(|failed| *failed)
        .count()
    }
}

/// Prints Halo's ids; `settings` (when complete) marks the configured ones.
pub async fn run(
    halo: &HaloSettings,
    settings: Option<&Settings>,
    direction: Direction,
    out: &mut dyn Write,
) -> Exit {
    let client = match tool_halo_client(halo) {
        Ok(client) => client,
        Err(error) => {
            let _ = writeln!(out, "Cannot talk to Halo: {error}");
            return Exit::Settings;
        }
    };
    let lookups = Lookups::read(&client).await;
    report(halo, settings, direction, &lookups, out).unwrap_or(Exit::Failed)
}

/// Writes the tables and the suggestions for `lookups`.
pub fn report(
    halo: &HaloSettings,
    settings: Option<&Settings>,
    direction: Direction,
    lookups: &Lookups,
    out: &mut dyn Write,
) -> io::Result<Exit> {
    writeln!(out, "Halo at {}", halo.api_base_url)?;
    if lookups.failures() == 7 {
        if let Err(error) = &lookups.me {
            writeln!(out, "Halo answered nothing: {error}")?;
        }
        writeln!(out, "Run `doctor` for the reason and the fix.")?;
        return Ok(Exit::Failed);
    }
    let marks = Marks::of(settings);

    section(out, "Ticket types", "HALO_DEFAULT_TICKETTYPE_ID")?;
    listed(out, &lookups.ticket_types, |types| {
        let mut table = Table::new(&["id", "name", ""]);
        for t in types {
            let mark = marked(marks.tickettype == Some(t.id), "configured");
            table.row(vec![t.id.to_string(), name(&t.name), mark]);
        }
        table
    })?;

    section(
        out,
        "Statuses",
        "HALO_CLOSED_STATUS_ID lists the closed ones",
    )?;
    listed(out, &lookups.statuses, |statuses| {
        let mut table = Table::new(&["id", "name", "closed"]);
        for s in statuses {
            let closed = if marks.closed.contains(&s.id) {
                "yes (configured)"
            } else if looks_closed(s) {
                "by name"
            } else {
                ""
            };
            table.row(vec![s.id.to_string(), name(&s.name), closed.to_owned()]);
        }
        table
    })?;

    section(
        out,
        "Priorities per SLA",
        "HALO_PRIORITY_MAP takes the priorityid",
    )?;
    listed(out, &lookups.priorities, |rows| {
        let mut table = Table::new(&["sla", "priorityid", "name", "row id"]);
        for p in rows {
            table.row(vec![
                opt_id(p.slaid),
                opt_id(p.priorityid),
                name(&p.name),
                p.id.clone().unwrap_or_default(),
            ]);
        }
        table
    })?;

    section(
        out,
        "Outcomes",
        "HALO_PRIVATE_NOTE_OUTCOME takes the name or the id",
    )?;
    listed(out, &lookups.outcomes, |outcomes| {
        let mut table = Table::new(&["id", "name", ""]);
        for o in outcomes {
            let mark = marked(marks.outcome_is(o), "configured");
            table.row(vec![o.id.to_string(), name(&o.name), mark]);
        }
        table
    })?;

    let me = lookups.me.as_ref().ok().map(|a| a.id);
    section(out, "Agents", "the bridge learns its own through Agent/me")?;
    listed(out, &lookups.agents, |agents| {
        let mut table = Table::new(&["id", "name", "email", ""]);
        for a in agents {
            let mark = if me == Some(a.id) {
                "the bridge (Agent/me)".to_owned()
            } else {
                marked(
                    marks.integration_agents.contains(&a.id),
                    "HALO_INTEGRATION_AGENT_ID",
                )
            };
            table.row(vec![
                a.id.to_string(),
                name(&a.name),
                a.email.clone().unwrap_or_default(),
                mark,
            ]);
        }
        table
    })?;
    if let Err(error) = &lookups.me {
        writeln!(out, "  Agent/me did not answer: {error}")?;
    }

    section(
        out,
        "Clients",
        "HALO_DEFAULT_CLIENT_ID, and HALO_CLIENT_MAP pairs accountId=id",
    )?;
    listed(out, &lookups.clients, |clients| {
        let mut table = Table::new(&["id", "name", ""]);
        for c in clients {
            let mark = if marks.default_client == Some(c.id) {
                "default (configured)".to_owned()
            } else {
                marked(marks.mapped_clients.contains(&c.id), "in HALO_CLIENT_MAP")
            };
            table.row(vec![c.id.to_string(), name(&c.name), mark]);
        }
        table
    })?;

    writeln!(out)?;
    writeln!(out, "Settings to paste (check each before use):")?;
    for line in suggestions(direction, settings, lookups) {
        writeln!(out, "{line}")?;
    }
    Ok(if lookups.failures() > 0 {
        Exit::Failed
    } else {
        Exit::Ok
    })
}

fn section(out: &mut dyn Write, title: &str, hint: &str) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{title} ({hint})")
}

fn listed<T>(
    out: &mut dyn Write,
    list: &Result<Vec<T>, HaloError>,
    table: impl FnOnce(&[T]) -> Table,
) -> io::Result<()> {
    match list {
        Ok(items) if items.is_empty() => writeln!(
            out,
            "  (none listed: the agent the application logs in as may not see them)"
        ),
        Ok(items) => table(items).write(out, "  "),
        Err(error) => writeln!(out, "  could not read them: {error}"),
    }
}

fn name(name: &Option<String>) -> String {
    name.clone().unwrap_or_default()
}

fn opt_id(id: Option<i64>) -> String {
    id.map(|i| i.to_string()).unwrap_or_default()
}

fn marked(yes: bool, mark: &str) -> String {
    if yes { mark.to_owned() } else { String::new() }
}

fn looks_closed(status: &Status) -> bool {
    let name = status.name.as_deref().unwrap_or_default().to_lowercase();
    CLOSED_WORDS.iter().any(|word| name.contains(word))
}

/// The configured values the tables mark.
#[derive(Default)]
struct Marks {
    tickettype: Option<i64>,
    default_client: Option<i64>,
    mapped_clients: Vec<i64>,
    outcome: Option<OutcomeRef>,
    closed: Vec<i64>,
    integration_agents: Vec<i64>,
}

impl Marks {
    fn of(settings: Option<&Settings>) -> Self {
        let Some(settings) = settings else {
            return Self::default();
        };
        let mut marks = Self::default();
        if let Some(cf) = &settings.cf_inbound {
            marks.tickettype = Some(cf.default_tickettype_id);
            marks.default_client = Some(cf.default_client_id);
            marks.mapped_clients = map_ids(settings, "HALO_CLIENT_MAP")
                .into_iter()
                .map(|(_, id)| id)
                .collect();
            marks.outcome = Some(cf.private_note_outcome.clone());
        }
        if let Some(halo) = &settings.halo_inbound {
            marks.closed = halo.closed_status_ids.clone();
            marks.integration_agents = halo.integration_agent_ids.clone();
        }
        marks
    }

    fn outcome_is(&self, outcome: &Outcome) -> bool {
        self.outcome
            .as_ref()
            .is_some_and(|wanted| outcome_matches(wanted, outcome))
    }
}

/// Whether a Halo outcome is the one a setting names (names compare without case).
pub fn outcome_matches(wanted: &OutcomeRef, outcome: &Outcome) -> bool {
    match wanted {
        OutcomeRef::Id(id) => outcome.id == *id,
        OutcomeRef::Name(wanted) => outcome
            .name
            .as_deref()
            .is_some_and(|name| name.trim().eq_ignore_ascii_case(wanted.trim())),
    }
}

/// The `name=id` pairs of a map setting (`HALO_CLIENT_MAP`, `HALO_PRIORITY_MAP`)
/// as it took effect; the settings already checked the text.
pub fn map_ids(settings: &Settings, variable: &str) -> Vec<(String, i64)> {
    let text = settings
        .describe()
        .into_iter()
        .find(|(name, _)| name == variable)
        .map(|(_, value)| value)
        .unwrap_or_default();
    text.split(',')
        .filter_map(|item| {
            let (name, id) = item.split_once('=')?;
            Some((name.trim().to_owned(), id.trim().parse().ok()?))
        })
        .collect()
}

/// The settings lines for this direction, from what Halo has and what is set.
pub fn suggestions(
    direction: Direction,
    settings: Option<&Settings>,
    lookups: &Lookups,
) -> Vec<String> {
    match direction {
        Direction::CfToHalo => cf_to_halo_lines(settings, lookups),
        Direction::HaloToCf => halo_to_cf_lines(settings, lookups),
    }
}

fn cf_to_halo_lines(settings: Option<&Settings>, lookups: &Lookups) -> Vec<String> {
    let cf = settings.and_then(|s| s.cf_inbound.as_ref());
    let mut lines = Vec::new();

    let types = lookups.ticket_types.as_deref().unwrap_or_default();
    let configured = cf
        .map(|c| c.default_tickettype_id)
        .filter(|id| types.iter().any(|t| t.id == *id));
    let by_name = |word: &str| {
        types
            .iter()
            .find(|t| name(&t.name).to_lowercase().contains(word))
    };
    let tickettype = configured
        .or_else(|| {
            by_name("security")
                .or_else(|| by_name("incident"))
                .map(|t| t.id)
        })
        .or_else(|| types.first().map(|t| t.id));
    lines.push(line(
        "HALO_DEFAULT_TICKETTYPE_ID",
        tickettype,
        "a ticket type id",
    ));

    let clients = lookups.clients.as_deref().unwrap_or_default();
    let default_client = cf
        .map(|c| c.default_client_id)
        .filter(|id| clients.iter().any(|c| c.id == *id))
        .or_else(|| {
            clients
                .iter()
                .find(|c| name(&c.name).to_lowercase().contains("default"))
                .map(|c| c.id)
        });
    lines.push(line(
        "HALO_DEFAULT_CLIENT_ID",
        default_client,
        "the client for accounts HALO_CLIENT_MAP does not name",
    ));

    let mapped = settings
        .map(|s| map_ids(s, "HALO_CLIENT_MAP"))
        .unwrap_or_default();
    if mapped.is_empty() {
        lines.push(
            "# HALO_CLIENT_MAP=<ContraForce accountId>=<client id>,… (one pair per account)"
                .to_owned(),
        );
    } else {
        let pairs: Vec<String> = mapped.iter().map(|(a, id)| format!("{a}={id}")).collect();
        lines.push(format!("HALO_CLIENT_MAP={}", pairs.join(",")));
    }

    lines.push(priority_line(settings, lookups));

    let outcomes = lookups.outcomes.as_deref().unwrap_or_default();
    let configured = cf
        .map(|c| &c.private_note_outcome)
        .and_then(|wanted| outcomes.iter().find(|o| outcome_matches(wanted, o)));
    let outcome = configured
        .or_else(|| {
            outcomes
                .iter()
                .find(|o| name(&o.name).eq_ignore_ascii_case("Private Note"))
        })
        .or_else(|| {
            outcomes
                .iter()
                .find(|o| name(&o.name).to_lowercase().contains("private"))
        });
    lines.push(match outcome.and_then(|o| o.name.clone()) {
        Some(name) => format!("HALO_PRIVATE_NOTE_OUTCOME={name}"),
        None => "# HALO_PRIVATE_NOTE_OUTCOME=<the outcome of private notes>".to_owned(),
    });
    lines
}

/// `HALO_PRIORITY_MAP`: per severity, the priority of the same name, else the
/// configured (or default) id; Informational without a priority of its own
/// follows Low, never anything more urgent.
fn priority_line(settings: Option<&Settings>, lookups: &Lookups) -> String {
    let rows = lookups.priorities.as_deref().unwrap_or_default();
    let current = settings.and_then(|s| s.cf_inbound.as_ref());
    let by_name = |severity: &str| {
        rows.iter()
            .find(|p| name(&p.name).eq_ignore_ascii_case(severity))
            .and_then(|p| p.priorityid)
    };
    let configured = |severity: &str| match current {
        Some(cf) => cf.priority_map.priority_for(Some(severity)),
        None => mapping::ticket::PriorityMap::default().priority_for(Some(severity)),
    };
    let low = by_name("Low").unwrap_or_else(|| configured("Low"));
    let items: Vec<String> = SEVERITIES
        .iter()
        .map(|severity| {
            let id = match (by_name(severity), *severity) {
                (Some(id), _) => id,
                (None, "Informational") => low,
                (None, _) => configured(severity),
            };
            format!("{severity}={id}")
        })
        .collect();
    format!("HALO_PRIORITY_MAP={}", items.join(","))
}

fn halo_to_cf_lines(settings: Option<&Settings>, lookups: &Lookups) -> Vec<String> {
    let mut lines = Vec::new();
    let statuses = lookups.statuses.as_deref().unwrap_or_default();
    let configured: Vec<i64> = settings
        .and_then(|s| s.halo_inbound.as_ref())
        .map(|h| h.closed_status_ids.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|id| statuses.iter().any(|s| s.id == *id))
        .collect();
    let closed = if configured.is_empty() {
        statuses
            .iter()
            .filter(|s| looks_closed(s))
            .map(|s| s.id)
            .collect()
    } else {
        configured
    };
    if closed.is_empty() {
        lines.push("# HALO_CLOSED_STATUS_ID=<the ids of the statuses that close a ticket>".into());
    } else {
        let ids: Vec<String> = closed.iter().map(i64::to_string).collect();
        lines.push(format!("HALO_CLOSED_STATUS_ID={}", ids.join(",")));
    }

    match &lookups.me {
        Ok(me) => lines.push(format!(
            "# HALO_INTEGRATION_AGENT_ID is not needed for the bridge itself (agent {}, \
             learned through Agent/me); list other integrations' agents there",
            me.id
        )),
        Err(_) => lines.push(
            "# Agent/me is unavailable: set HALO_INTEGRATION_AGENT_ID=<id of the agent the \
             application logs in as>"
                .into(),
        ),
    }
    lines
}

fn line(variable: &str, value: Option<i64>, what: &str) -> String {
    match value {
        Some(id) => format!("{variable}={id}"),
        None => format!("# {variable}=<{what}>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lookups() -> Lookups {
        let status = |id, name: &str| Status::from_value(json!({"id": id, "name": name})).unwrap();
        let priority = |sla, id, name: &str| {
            Priority::from_value(json!({"id": "g", "slaid": sla, "priorityid": id, "name": name}))
                .unwrap()
        };
        Lookups {
            me: Ok(Agent::from_value(json!({"id": 21, "name": "Bridge"})).unwrap()),
            ticket_types: Ok(vec![
                TicketType::from_value(json!({"id": 1, "name": "Incident"})).unwrap(),
                TicketType::from_value(json!({"id": 29, "name": "Security Incident"})).unwrap(),
            ]),
            statuses: Ok(vec![
                status(1, "New"),
                status(9, "Closed"),
                status(10, "Cancelled"),
            ]),
            priorities: Ok(vec![
                priority(1, 1, "Critical"),
                priority(1, 2, "High"),
                priority(1, 3, "Medium"),
                priority(1, 4, "Low"),
            ]),
            outcomes: Ok(vec![
                Outcome::from_value(json!({"id": 7, "outcome": "Private Note"})).unwrap(),
            ]),
            agents: Ok(vec![]),
            clients: Ok(vec![
                Client::from_value(json!({"id": 1, "name": "Default Client"})).unwrap(),
                Client::from_value(json!({"id": 12, "name": "Contoso"})).unwrap(),
            ]),
        }
    }

    #[test]
    fn suggestions_without_settings_come_from_names() {
        let lines = suggestions(Direction::CfToHalo, None, &lookups());
        assert_eq!(
            lines,
            vec![
                "HALO_DEFAULT_TICKETTYPE_ID=29",
                "HALO_DEFAULT_CLIENT_ID=1",
                "# HALO_CLIENT_MAP=<ContraForce accountId>=<client id>,… (one pair per account)",
                "HALO_PRIORITY_MAP=High=2,Medium=3,Low=4,Informational=4",
                "HALO_PRIVATE_NOTE_OUTCOME=Private Note",
            ]
        );
        let lines = suggestions(Direction::HaloToCf, None, &lookups());
        assert_eq!(lines[0], "HALO_CLOSED_STATUS_ID=9,10");
        assert!(lines[1].contains("agent 21"));
    }

    #[test]
    fn a_tenant_that_answers_nothing_fails() {
        let mut lookups = lookups();
        let refused = || HaloError::Unauthorized("invalid_client".into());
        lookups.me = Err(refused());
        lookups.ticket_types = Err(refused());
        lookups.statuses = Err(refused());
        lookups.priorities = Err(refused());
        lookups.outcomes = Err(refused());
        lookups.agents = Err(refused());
        lookups.clients = Err(refused());
        let halo = HaloSettings::from_map([
            ("HALO_AUTH_URL".to_owned(), "https://h/auth".to_owned()),
            ("HALO_API_BASE_URL".to_owned(), "https://h/api".to_owned()),
            ("HALO_CLIENT_ID".to_owned(), "id".to_owned()),
            ("HALO_CLIENT_SECRET".to_owned(), "secret".to_owned()),
        ])
        .unwrap();
        let mut out = Vec::new();
        let exit = report(&halo, None, Direction::CfToHalo, &lookups, &mut out).unwrap();
        assert_eq!(exit, Exit::Failed);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("Run `doctor`"), "{text}");
    }
}
