//! The mock's memory of incidents: what the sender announced, and every comment
//! and status change the API accepted, in arrival order. No HTTP here.

use serde::Serialize;

/// Status of an incident, as ContraForce names it.
pub const STATUSES: [&str; 3] = ["New", "Active", "Closed"];
/// Close classifications ContraForce accepts.
pub const CLASSIFICATIONS: [&str; 4] = [
    "TruePositive",
    "BenignPositive",
    "FalsePositive",
    "Undetermined",
];

/// One incident with everything recorded against it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    pub id: String,
    /// Set when the sender announced the incident; `None` for incidents first
    /// seen through a comment or status change.
    pub number: Option<u64>,
    pub title: Option<String>,
    pub severity: Option<String>,
    pub source: Option<String>,
    /// Current status: `New` until a status change says otherwise.
    pub status: String,
    pub classification: Option<String>,
    pub classification_reason: Option<String>,
    pub created_at_unix_ms: i64,
    pub comments: Vec<Comment>,
    pub status_changes: Vec<StatusChange>,
}

/// A comment the API accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    /// The id the mock gave it (`c-1`, `c-2`, … across all incidents).
    pub id: String,
    pub incident_id: String,
    pub content: String,
    pub source: String,
    pub at_unix_ms: i64,
}

/// A status change the API accepted (a refused repeated close is not one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusChange {
    pub incident_id: String,
    pub from: String,
    pub status: String,
    pub classification: Option<String>,
    pub classification_reason: Option<String>,
    pub comment: Option<String>,
    pub source: String,
    pub at_unix_ms: i64,
}

/// What the sender knows about an incident it announces.
#[derive(Debug, Clone, Default)]
pub(crate) struct Announced {
    pub number: Option<u64>,
    pub title: Option<String>,
    pub severity: Option<String>,
    pub source: Option<String>,
}

/// What a status change request asks for, once validated.
#[derive(Debug, Clone)]
pub(crate) struct StatusRequest {
    pub status: String,
    pub classification: Option<String>,
    pub classification_reason: Option<String>,
    pub comment: Option<String>,
    pub source: String,
}

/// Why a status change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StatusRefusal {
    AlreadyClosed,
}

/// All incidents, in the order they were first seen.
#[derive(Debug, Default)]
pub(crate) struct Incidents {
    list: Vec<Incident>,
    next_comment: u64,
}

impl Incidents {
    pub fn all(&self) -> &[Incident] {
        &self.list
    }

    pub fn get(&self, id: &str) -> Option<&Incident> {
        self.list.iter().find(|incident| incident.id == id)
    }

    fn entry(&mut self, id: &str, now_ms: i64) -> &mut Incident {
        let index = match self.list.iter().position(|incident| incident.id == id) {
            Some(index) => index,
            None => {
                self.list.push(Incident {
                    id: id.to_owned(),
                    number: None,
                    title: None,
                    severity: None,
                    source: None,
                    status: "New".to_owned(),
                    classification: None,
                    classification_reason: None,
                    created_at_unix_ms: now_ms,
                    comments: Vec::new(),
                    status_changes: Vec::new(),
                });
                self.list.len() - 1
            }
        };
        &mut self.list[index]
    }

    /// Creates the incident if needed and fills in what the sender announced;
    /// an announcement never wipes what is already known.
    pub fn announce(&mut self, id: &str, announced: Announced, now_ms: i64) {
        let incident = self.entry(id, now_ms);
        incident.number = announced.number.or(incident.number);
        incident.title = announced.title.or(incident.title.take());
        incident.severity = announced.severity.or(incident.severity.take());
        incident.source = announced.source.or(incident.source.take());
    }

    pub fn add_comment(
        &mut self,
        id: &str,
        content: String,
        source: String,
        now_ms: i64,
    ) -> Comment {
        self.next_comment += 1;
        let comment = Comment {
            id: format!("c-{}", self.next_comment),
            incident_id: id.to_owned(),
            content,
            source,
            at_unix_ms: now_ms,
        };
        self.entry(id, now_ms).comments.push(comment.clone());
        comment
    }

    /// Applies a status change. Closing a closed incident is refused so the
    /// caller can answer 409; every other move is allowed, reopening included.
    pub fn change_status(
        &mut self,
        id: &str,
        request: StatusRequest,
        now_ms: i64,
    ) -> Result<StatusChange, StatusRefusal> {
        let incident = self.entry(id, now_ms);
        if request.status == "Closed" && incident.status == "Closed" {
            return Err(StatusRefusal::AlreadyClosed);
        }

        let change = StatusChange {
            incident_id: id.to_owned(),
            from: incident.status.clone(),
            status: request.status.clone(),
            classification: request.classification.clone(),
            classification_reason: request.classification_reason.clone(),
            comment: request.comment,
            source: request.source,
            at_unix_ms: now_ms,
        };
        incident.status = request.status;
        if incident.status == "Closed" {
            incident.classification = request.classification;
            incident.classification_reason = request.classification_reason;
        } else {
            incident.classification = None;
            incident.classification_reason = None;
        }
        incident.status_changes.push(change.clone());
        Ok(change)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: &str) -> StatusRequest {
        StatusRequest {
            status: status.to_owned(),
            classification: (status == "Closed").then(|| "Undetermined".to_owned()),
            classification_reason: (status == "Closed").then(|| "InaccurateData".to_owned()),
            comment: None,
            source: "sentinel".to_owned(),
        }
    }

    #[test]
    fn comments_keep_arrival_order_and_get_ids() {
        let mut incidents = Incidents::default();
        incidents.add_comment("a", "one".into(), "sentinel".into(), 1);
        incidents.add_comment("b", "other".into(), "sentinel".into(), 2);
        incidents.add_comment("a", "two".into(), "sentinel".into(), 3);

        let a = incidents
            .get("a")
            .map(|i| i.comments.clone())
            .unwrap_or_default();
        let texts: Vec<&str> = a.iter().map(|c| c.content.as_str()).collect();
        assert_eq!(texts, ["one", "two"]);
        assert_eq!(a[1].id, "c-3");
        assert_eq!(incidents.all().len(), 2);
    }

    #[test]
    fn second_close_is_refused_and_reopen_clears_classification() {
        let mut incidents = Incidents::default();
        assert!(incidents.change_status("a", status("Closed"), 1).is_ok());
        assert_eq!(
            incidents.change_status("a", status("Closed"), 2),
            Err(StatusRefusal::AlreadyClosed)
        );
        let reopened = incidents.change_status("a", status("Active"), 3);
        assert_eq!(reopened.map(|c| c.from), Ok("Closed".to_owned()));

        let incident = incidents.get("a").cloned();
        assert_eq!(incident.as_ref().map(|i| i.status.as_str()), Some("Active"));
        assert_eq!(
            incident.as_ref().and_then(|i| i.classification.clone()),
            None
        );
        assert_eq!(incident.map(|i| i.status_changes.len()), Some(2));
    }

    #[test]
    fn announcing_keeps_earlier_comments() {
        let mut incidents = Incidents::default();
        incidents.add_comment("a", "early".into(), "sentinel".into(), 1);
        let announced = Announced {
            number: Some(7),
            title: Some("T".into()),
            ..Announced::default()
        };
        incidents.announce("a", announced, 2);
        let incident = incidents.get("a").cloned();
        assert_eq!(incident.as_ref().and_then(|i| i.number), Some(7));
        assert_eq!(incident.map(|i| i.comments.len()), Some(1));
    }
}
