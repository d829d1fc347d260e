//! The checks that the ids the settings name exist in Halo: the bridge's own
//! agent (`Agent/me`), then per direction the ticket type, priorities, clients
//! and private-note outcome, or the closed statuses and integration agents.
//! Each failure names the ids Halo does have.

use halo_client::{HaloClient, HaloError};

use super::Check;
use crate::cli::halo_ids::{map_ids, outcome_matches};
use crate::settings::{Direction, Settings};

pub(super) const AGENT_ME: &str = "Halo agent (Agent/me)";
const TICKET_TYPE: &str = "ticket type";
const PRIORITIES: &str = "priorities";
const CLIENTS: &str = "clients";
const OUTCOME: &str = "private note outcome";
const CLOSED: &str = "closed statuses";
const AGENTS: &str = "integration agents";

/// How many choices a failure lists.
const CHOICES: usize = 12;

/// The checks of this file after `Agent/me`, in order.
pub(super) fn names(direction: Direction) -> Vec<&'static str> {
    match direction {
        Direction::CfToHalo => vec![TICKET_TYPE, PRIORITIES, CLIENTS, OUTCOME],
        Direction::HaloToCf => vec![CLOSED, AGENTS],
    }
}

pub(super) async fn agent_me(settings: &Settings, halo: &HaloClient) -> Check {
    let configured = settings
        .halo_inbound
        .as_ref()
        .is_some_and(|h| !h.integration_agent_ids.is_empty());
    match halo.me().await {
        Ok(agent) => Check::ok(
            AGENT_ME,
            format!(
                "the application logs in as agent {} ({})",
                agent.id,
                agent.name.unwrap_or_default()
            ),
        ),
        Err(HaloError::NotFound) if configured => Check::ok(
            AGENT_ME,
            "this Halo has no Agent/me; HALO_INTEGRATION_AGENT_ID names the bridge's agent",
        ),
        Err(error) => {
            let fix = match (&error, settings.direction) {
                (HaloError::NotFound, Direction::HaloToCf) => {
                    "set HALO_INTEGRATION_AGENT_ID to the agent the application logs in as, so \
                     the bridge never echoes its own notes"
                }
                (HaloError::Forbidden, _) => {
                    "the application must log in as an agent: set \"Agent to log in as\" on the \
                     application in Halo"
                }
                _ => "check that the application logs in as an active agent",
            };
            Check::failed(AGENT_ME, format!("Agent/me failed: {error}"), fix)
        }
    }
}

pub(super) async fn checks(settings: &Settings, halo: &HaloClient) -> Vec<Check> {
    let mut checks = Vec::new();
    if let Some(cf) = &settings.cf_inbound {
        checks.push(ticket_type(cf.default_tickettype_id, halo).await);
        checks.push(priorities(settings, halo).await);
        checks.push(clients(settings, cf.default_client_id, halo).await);
        checks.push(outcome(&cf.private_note_outcome, halo).await);
    }
    if let Some(inbound) = &settings.halo_inbound {
        checks.push(closed_statuses(&inbound.closed_status_ids, halo).await);
        checks.push(integration_agents(&inbound.integration_agent_ids, halo).await);
    }
    checks
}

async fn ticket_type(id: i64, halo: &HaloClient) -> Check {
    let types = match halo.ticket_types().await {
        Ok(types) => types,
        Err(error) => return unreadable(TICKET_TYPE, "ticket types", &error, "read:lookups"),
    };
    let known: Vec<(i64, String)> = types
        .into_iter()
        .map(|t| (t.id, t.name.unwrap_or_default()))
        .collect();
    match named(&known, id) {
        Some(name) => Check::ok(
            TICKET_TYPE,
            format!("HALO_DEFAULT_TICKETTYPE_ID={id} is {name}"),
        ),
        None => Check::failed(
            TICKET_TYPE,
            format!("HALO_DEFAULT_TICKETTYPE_ID={id} is not a ticket type in Halo"),
            format!("use one of: {} (see `halo ids`)", choices(&known)),
        ),
    }
}

async fn priorities(settings: &Settings, halo: &HaloClient) -> Check {
    let rows = match halo.priorities().await {
        Ok(rows) => rows,
        Err(error) => return unreadable(PRIORITIES, "priorities", &error, "read:lookups"),
    };
    let mut known: Vec<(i64, String)> = rows
        .into_iter()
        .filter_map(|p| Some((p.priorityid?, p.name.unwrap_or_default())))
        .collect();
    known.sort();
    known.dedup();
    let missing: Vec<String> = map_ids(settings, "HALO_PRIORITY_MAP")
        .into_iter()
        .filter(|(_, id)| named(&known, *id).is_none())
        .map(|(severity, id)| format!("{severity}={id}"))
        .collect();
    if missing.is_empty() {
        Check::ok(PRIORITIES, "every priority HALO_PRIORITY_MAP names exists")
    } else {
        Check::failed(
            PRIORITIES,
            format!(
                "HALO_PRIORITY_MAP names priorities Halo lacks: {}",
                missing.join(", ")
            ),
            format!(
                "use priorityid values: {} (see `halo ids`)",
                choices(&known)
            ),
        )
    }
}

async fn clients(settings: &Settings, default_client: i64, halo: &HaloClient) -> Check {
    let clients = match halo.clients().await {
        Ok(clients) => clients,
        Err(error) => return unreadable(CLIENTS, "clients", &error, "read:customers"),
    };
    let known: Vec<(i64, String)> = clients
        .into_iter()
        .map(|c| (c.id, c.name.unwrap_or_default()))
        .collect();
    let mut missing = Vec::new();
    if named(&known, default_client).is_none() {
        missing.push(format!("HALO_DEFAULT_CLIENT_ID={default_client}"));
    }
    for (account, id) in map_ids(settings, "HALO_CLIENT_MAP") {
        if named(&known, id).is_none() {
            missing.push(format!("HALO_CLIENT_MAP {account}={id}"));
        }
    }
    if missing.is_empty() {
        let name = named(&known, default_client).unwrap_or_default();
        Check::ok(
            CLIENTS,
            format!("the default client {default_client} ({name}) and every mapped client exist"),
        )
    } else {
        Check::failed(
            CLIENTS,
            format!("not clients in Halo: {}", missing.join(", ")),
            format!("use client ids: {} (see `halo ids`)", choices(&known)),
        )
    }
}

async fn outcome(wanted: &mapping::halo::OutcomeRef, halo: &HaloClient) -> Check {
    let outcomes = match halo.outcomes().await {
        Ok(outcomes) => outcomes,
        Err(error) => return unreadable(OUTCOME, "outcomes", &error, "read:lookups"),
    };
    let shown = match wanted {
        mapping::halo::OutcomeRef::Id(id) => id.to_string(),
        mapping::halo::OutcomeRef::Name(name) => format!("\"{name}\""),
    };
    if let Some(found) = outcomes.iter().find(|o| outcome_matches(wanted, o)) {
        return Check::ok(
            OUTCOME,
            format!(
                "HALO_PRIVATE_NOTE_OUTCOME={shown} is outcome {} ({})",
                found.id,
                found.name.clone().unwrap_or_default()
            ),
        );
    }
    let known: Vec<(i64, String)> = outcomes
        .into_iter()
        .map(|o| (o.id, o.name.unwrap_or_default()))
        .collect();
    Check::failed(
        OUTCOME,
        format!(
            "HALO_PRIVATE_NOTE_OUTCOME={shown} is not an outcome in Halo, so every update \
             note would be refused"
        ),
        format!(
            "set it to one of: {} (a name, or a number for the id)",
            choices(&known)
        ),
    )
}

async fn closed_statuses(ids: &[i64], halo: &HaloClient) -> Check {
    let statuses = match halo.statuses().await {
        Ok(statuses) => statuses,
        Err(error) => return unreadable(CLOSED, "statuses", &error, "read:lookups"),
    };
    let known: Vec<(i64, String)> = statuses
        .into_iter()
        .map(|s| (s.id, s.name.unwrap_or_default()))
        .collect();
    let (found, missing): (Vec<i64>, Vec<i64>) =
        ids.iter().partition(|id| named(&known, **id).is_some());
    if missing.is_empty() {
        let names: Vec<String> = found
            .iter()
            .map(|id| format!("{id} {}", named(&known, *id).unwrap_or_default()))
            .collect();
        Check::ok(
            CLOSED,
            format!("HALO_CLOSED_STATUS_ID: {}", names.join(", ")),
        )
    } else {
        let missing: Vec<String> = missing.iter().map(i64::to_string).collect();
        Check::failed(
            CLOSED,
            format!("not statuses in Halo: {}", missing.join(", ")),
            format!("HALO_CLOSED_STATUS_ID takes ids of: {}", choices(&known)),
        )
    }
}

async fn integration_agents(ids: &[i64], halo: &HaloClient) -> Check {
    if ids.is_empty() {
        return Check::ok(
            AGENTS,
            "none configured (the bridge's own agent comes from Agent/me)",
        );
    }
    let agents = match halo.agents().await {
        Ok(agents) => agents,
        Err(error) => return unreadable(AGENTS, "agents", &error, "read:agents"),
    };
    let known: Vec<(i64, String)> = agents
        .into_iter()
        .map(|a| (a.id, a.name.unwrap_or_default()))
        .collect();
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| named(&known, **id).is_none())
        .map(i64::to_string)
        .collect();
    if missing.is_empty() {
        Check::ok(AGENTS, "every agent HALO_INTEGRATION_AGENT_ID names exists")
    } else {
        Check::failed(
            AGENTS,
            format!("not agents in Halo: {}", missing.join(", ")),
            format!(
                "HALO_INTEGRATION_AGENT_ID takes ids of: {}",
                choices(&known)
            ),
        )
    }
}

fn named(known: &[(i64, String)], id: i64) -> Option<String> {
    known.iter().find(|(k, _)| *k == id).map(|(_, n)| n.clone())
}

fn choices(known: &[(i64, String)]) -> String {
    if known.is_empty() {
        return "(Halo listed none: the agent the application logs in as may not see them)"
            .to_owned();
    }
    let mut listed: Vec<String> = known
        .iter()
        .take(CHOICES)
        .map(|(id, name)| format!("{id} {name}"))
        .collect();
    if known.len() > CHOICES {
        listed.push(format!("and {} more", known.len() - CHOICES));
    }
    listed.join(", ")
}

fn unreadable(name: &'static str, what: &str, error: &HaloError, scope: &str) -> Check {
    let fix = match error {
        HaloError::Forbidden => format!(
            "tick {scope} on the application's Permissions tab in Halo (and in HALO_SCOPE \
             unless it is `all`)"
        ),
        _ => "see the checks above; Halo may be down".to_owned(),
    };
    Check::failed(name, format!("could not read the {what}: {error}"), fix)
}
