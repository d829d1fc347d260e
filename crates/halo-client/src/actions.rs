//! Action calls: add a note to a ticket, list a ticket's actions oldest first.

use mapping::halo::{Action, NewAction};
use reqwest::Method;
use serde_json::json;
use upstream::Delivery;

use crate::decode::{read_rows, rows, single};
use crate::tickets::written_but_unread;
use crate::{HaloClient, HaloError};

/// Actions asked for in one list; far more than a security ticket collects.
const LIST_COUNT: &str = "1000";

impl HaloClient {
    /// Adds an action. Like a create, it is never retried after it may have reached
    /// Halo: an unknown outcome is [`HaloError::Uncertain`].
    pub async fn add_action(&self, action: &NewAction) -> Result<Action, HaloError> {
        let body = json!([action.to_json()]);
        let answer = self
            .call(
                Method::POST,
                "/Actions",
                &[],
                Some(&body),
                Delivery::AtMostOnce,
            )
            .await
            .map_err(written_but_unread)?;
        let record = single(answer).ok_or_else(|| {
            written_but_unread(HaloError::Decode("no action in the answer".into()))
        })?;
        Action::from_value(record).map_err(|e| written_but_unread(HaloError::Decode(e.to_string())))
    }

    /// The ticket's actions, oldest first (sorted by id; Halo lists newest first).
    /// Actions that name another ticket are dropped, in case the filter was ignored.
    pub async fn list_actions(&self, ticket_id: i64) -> Result<Vec<Action>, HaloError> {
        let id = ticket_id.to_string();
        let query = [
            ("ticket_id", id.as_str()),
            ("includehtmlnote", "true"),
            ("count", LIST_COUNT),
        ];
        let answer = self.get("/Actions", &query).await?;
        let mut actions: Vec<Action> =
            read_rows(rows(answer, &["actions"])?, "action", Action::from_value)
                .into_iter()
                .filter(|action| action.ticket_id.is_none_or(|t| t == ticket_id))
                .collect();
        actions.sort_by_key(|action| action.id);
        Ok(actions)
    }
}
