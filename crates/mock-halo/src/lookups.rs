//! The fixed reference data of the mock tenant: agents, statuses, ticket types,
//! priorities, outcomes and clients. Only the API agent is configurable.

use serde_json::{Value, json};

/// The technician that scripted notes and the HTML page act as by default.
pub const TECHNICIAN_ID: i64 = 6;
/// The status a new ticket gets.
pub const STATUS_NEW: i64 = 1;
/// The status a reopened ticket returns to.
pub const STATUS_IN_PROGRESS: i64 = 2;
/// The stock closed status.
pub const STATUS_CLOSED: i64 = 9;
/// The client a ticket gets when none is sent.
pub const DEFAULT_CLIENT_ID: i64 = 1;
/// The ticket type a ticket gets when none is sent.
pub const DEFAULT_TICKETTYPE_ID: i64 = 1;
/// The priority a ticket gets when none is sent.
pub const DEFAULT_PRIORITY_ID: i64 = 3;
/// The outcome of the action recorded when a ticket is logged.
pub const OUTCOME_NEW: &str = "New";

/// One agent of the tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub id: i64,
    pub name: String,
}

struct Status {
    id: i64,
    name: &'static str,
    closed: bool,
}

const STATUSES: &[Status] = &[
    Status {
        id: 1,
        name: "New",
        closed: false,
    },
    Status {
        id: 2,
        name: "In Progress",
        closed: false,
    },
    Status {
        id: 3,
        name: "Action Required",
        closed: false,
    },
    Status {
        id: 4,
        name: "With User",
        closed: false,
    },
    Status {
        id: 9,
        name: "Closed",
        closed: true,
    },
    Status {
        id: 10,
        name: "Cancelled",
        closed: true,
    },
];

/// Outcomes: id, name, and the status an action with it moves the ticket to.
const OUTCOMES: &[(i64, &str, Option<i64>)] = &[
    (1, "New", None),
    (2, "Public Note", None),
    (3, "Email User", None),
    (7, "Private Note", None),
    (9, "Close", Some(STATUS_CLOSED)),
    (12, "Re-open", Some(STATUS_IN_PROGRESS)),
    (20, "Rule Applied", None),
];

const TICKET_TYPES: &[(i64, &str)] = &[
    (1, "Incident"),
    (3, "Service Request"),
    (29, "Security Incident"),
];

const CLIENTS: &[(i64, &str)] = &[
    (DEFAULT_CLIENT_ID, "Default Client"),
    (12, "Contoso Ltd"),
    (14, "Fabrikam Inc"),
];

const OTHER_AGENTS: &[(i64, &str)] = &[
    (1, "Halo Administrator"),
    (TECHNICIAN_ID, "Sam Technician"),
    (8, "Alex Analyst"),
];

/// SLA ids, and per SLA the priority rows `(priorityid, name, fix hours)`.
const SLAS: &[i64] = &[1, 3];
const PRIORITIES: &[(i64, &str, f64)] = &[
    (1, "Critical", 4.0),
    (2, "High", 8.0),
    (3, "Medium", 24.0),
    (4, "Low", 72.0),
];

const CUSTOM_FIELDS: &[(i64, &str)] = &[(7, "CFExternalRef"), (11, "CFSeverity")];

/// The tenant's reference data; built once from the configured API agent.
#[derive(Debug, Clone)]
pub struct Directory {
    api_agent: Agent,
}

impl Directory {
    pub fn new(api_agent: Agent) -> Self {
        Self { api_agent }
    }

    /// The agent the API credentials log in as.
    pub fn api_agent(&self) -> &Agent {
        &self.api_agent
    }

    /// Every agent; the API agent replaces a stock agent with the same id.
    pub fn agents(&self) -> Vec<Agent> {
        let mut agents: Vec<Agent> = OTHER_AGENTS
            .iter()
            .filter(|(id, _)| *id != self.api_agent.id)
            .map(|(id, name)| Agent {
                id: *id,
                name: (*name).to_owned(),
            })
            .collect();
        agents.push(self.api_agent.clone());
        agents.sort_by_key(|a| a.id);
        agents
    }

    pub fn agent(&self, id: i64) -> Option<Agent> {
        self.agents().into_iter().find(|a| a.id == id)
    }

    pub fn status_name(&self, id: i64) -> Option<&'static str> {
        STATUSES.iter().find(|s| s.id == id).map(|s| s.name)
    }

    /// Whether the status counts as closed; unknown statuses are open.
    pub fn is_closed_status(&self, id: i64) -> bool {
        STATUSES.iter().any(|s| s.id == id && s.closed)
    }

    /// An outcome by name (any case) or id: `(id, stock name, status it sets)`.
    pub fn outcome_by_name(&self, name: &str) -> Option<(i64, &'static str, Option<i64>)> {
        let name = name.trim();
        OUTCOMES
            .iter()
            .copied()
            .find(|(_, n, _)| n.eq_ignore_ascii_case(name))
    }

    pub fn outcome_by_id(&self, id: i64) -> Option<(i64, &'static str, Option<i64>)> {
        OUTCOMES.iter().copied().find(|(i, _, _)| *i == id)
    }

    pub fn tickettype_name(&self, id: i64) -> &'static str {
        TICKET_TYPES
            .iter()
            .find(|(i, _)| *i == id)
            .map_or("", |(_, n)| n)
    }

    pub fn client_name(&self, id: i64) -> &'static str {
        CLIENTS
            .iter()
            .find(|(i, _)| *i == id)
            .map_or("", |(_, n)| n)
    }

    pub fn custom_field_name(&self, id: i64) -> String {
        CUSTOM_FIELDS
            .iter()
            .find(|(i, _)| *i == id)
            .map_or_else(|| format!("CF{id}"), |(_, n)| (*n).to_owned())
    }

    /// `GET /api/Agent` body.
    pub fn agents_json(&self) -> Value {
        Value::Array(self.agents().iter().map(agent_json).collect())
    }

    /// `GET /api/Agent/me` body.
    pub fn me_json(&self) -> Value {
        agent_json(&self.api_agent)
    }

    /// `GET /api/Status` body.
    pub fn statuses_json(&self) -> Value {
        STATUSES
            .iter()
            .enumerate()
            .map(|(i, s)| {
                json!({
                    "id": s.id, "name": s.name, "shortname": s.name, "sequence": i + 1,
                    "type": if s.closed { 2 } else { 0 }, "colour": "#6f8ba4",
                })
            })
            .collect()
    }

    /// `GET /api/TicketType` body.
    pub fn ticket_types_json(&self) -> Value {
        TICKET_TYPES
            .iter()
            .map(|(id, name)| json!({"id": id, "name": name, "use": "ticket", "inactive": false}))
            .collect()
    }

    /// `GET /api/Priority` body: one row per priority per SLA, the row id a GUID.
    pub fn priorities_json(&self) -> Value {
        let mut rows = Vec::new();
        for sla in SLAS {
            for (priority, name, hours) in PRIORITIES {
                rows.push(json!({
                    "id": priority_row_guid(*sla, *priority),
                    "slaid": sla,
                    "priorityid": priority,
                    "name": name,
                    "fixtime": hours,
                    "fixunits": "H",
                    "ishidden": false,
                }));
            }
        }
        Value::Array(rows)
    }

    /// `GET /api/Outcome` body.
    pub fn outcomes_json(&self) -> Value {
        OUTCOMES
            .iter()
            .map(|(id, name, status)| {
                json!({
                    "id": id, "outcome": name, "name": name, "buttonname": name,
                    "new_status": status.unwrap_or(0), "hidefromuser": *name == "Private Note",
                })
            })
            .collect()
    }

    /// `GET /api/Client` body (wrapped, unlike the other look-ups).
    pub fn clients_json(&self) -> Value {
        let clients: Vec<Value> = CLIENTS
            .iter()
            .map(|(id, name)| json!({"id": id, "name": name, "inactive": false, "toplevel_id": 1}))
            .collect();
        json!({"record_count": clients.len(), "clients": clients})
    }

    /// The priority object embedded in a ticket, for the first SLA that has it.
    pub fn priority_json(&self, priority: i64, sla: i64) -> Value {
        let (name, hours) = PRIORITIES
            .iter()
            .find(|(i, _, _)| *i == priority)
            .map_or(("", 0.0), |(_, n, h)| (*n, *h));
        json!({
            "id": priority_row_guid(sla, priority),
            "slaid": sla,
            "priorityid": priority,
            "name": name,
            "fixtime": hours,
            "fixunits": "H",
        })
    }

    /// The SLA tickets are put on.
    pub fn default_sla(&self) -> i64 {
        SLAS[SLAS.len() - 1]
    }
}

fn agent_json(agent: &Agent) -> Value {
    let email = format!(
        "{}@mock-halo.invalid",
        agent.name.to_lowercase().replace(' ', ".")
    );
    json!({
        "id": agent.id, "name": agent.name, "email": email,
        "isdisabled": false, "is_agent": true, "team": "SOC", "use": "agent",
    })
}

/// A stable GUID per (SLA, priority), so the same row keeps its id across runs.
fn priority_row_guid(sla: i64, priority: i64) -> String {
    format!("b9f1c7a2-3d4e-4f50-8a61-{:08x}{:04x}", sla, priority)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory() -> Directory {
        Directory::new(Agent {
            id: 21,
            name: "ContraForce Integration".into(),
        })
    }

    #[test]
    fn the_api_agent_replaces_a_stock_agent_with_its_id() {
        let dir = Directory::new(Agent {
            id: 6,
            name: "Bot".into(),
        });
        let named_six: Vec<_> = dir.agents().into_iter().filter(|a| a.id == 6).collect();
        assert_eq!(
            named_six,
            vec![Agent {
                id: 6,
                name: "Bot".into()
            }]
        );
    }

    #[test]
    fn closed_statuses_are_9_and_one_more() {
        let dir = directory();
        assert!(dir.is_closed_status(9));
        assert!(dir.is_closed_status(10));
        assert!(!dir.is_closed_status(1));
        assert!(!dir.is_closed_status(12345));
    }

    #[test]
    fn outcomes_resolve_by_name_in_any_case_and_by_id() {
        let dir = directory();
        assert_eq!(dir.outcome_by_name("private note").map(|o| o.0), Some(7));
        assert_eq!(dir.outcome_by_id(9).map(|o| o.2), Some(Some(STATUS_CLOSED)));
        assert!(dir.outcome_by_name("Nope").is_none());
    }

    #[test]
    fn priority_rows_have_guid_ids_per_sla() {
        let rows = directory().priorities_json();
        let rows = rows.as_array().cloned().unwrap_or_default();
        assert_eq!(rows.len(), SLAS.len() * PRIORITIES.len());
        let first = &rows[0];
        assert!(first["id"].as_str().is_some_and(|id| id.len() == 36));
        assert_eq!(first["priorityid"], 1);
    }
}
