//! Look-up calls: the bridge's own agent, and the lists an operator's settings name
//! ids from (statuses, ticket types, priorities, outcomes, agents, clients).

use serde_json::Value;

use crate::decode::{read_rows, rows};
use crate::records::{Agent, Client, Outcome, Priority, Status, TicketType};
use crate::{HaloClient, HaloError};

impl HaloClient {
    /// The agent the bridge logs in as.
    pub async fn me(&self) -> Result<Agent, HaloError> {
        let answer = self.get("/Agent/me", &[]).await?;
        Agent::from_value(answer).map_err(|e| HaloError::Decode(format!("agent: {e}")))
    }

    pub async fn statuses(&self) -> Result<Vec<Status>, HaloError> {
        self.list("/Status", &[], Status::from_value).await
    }

    pub async fn ticket_types(&self) -> Result<Vec<TicketType>, HaloError> {
        self.list("/TicketType", &[], TicketType::from_value).await
    }

    pub async fn priorities(&self) -> Result<Vec<Priority>, HaloError> {
        self.list("/Priority", &[], Priority::from_value).await
    }

    pub async fn outcomes(&self) -> Result<Vec<Outcome>, HaloError> {
        self.list("/Outcome", &[], Outcome::from_value).await
    }

    pub async fn agents(&self) -> Result<Vec<Agent>, HaloError> {
        self.list("/Agent", &[], Agent::from_value).await
    }

    /// Halo wraps this list (`{"record_count","clients":[…]}`); a bare array is read too.
    pub async fn clients(&self) -> Result<Vec<Client>, HaloError> {
        self.list("/Client", &["clients"], Client::from_value).await
    }

    async fn list<T>(
        &self,
        path: &str,
        keys: &[&str],
        read: fn(Value) -> Result<T, serde_json::Error>,
    ) -> Result<Vec<T>, HaloError> {
        let answer = self.get(path, &[]).await?;
        Ok(read_rows(rows(answer, keys)?, path, read))
    }
}
