//! Ticket calls: read one, find one by the ContraForce reference, create, update.

use mapping::halo::{NewTicket, Ticket};
use reqwest::Method;
use serde_json::{Value, json};
use upstream::Delivery;

use crate::decode::{kind, read_rows, rows, single};
use crate::{HaloClient, HaloError};

/// How long one ticket create keeps the others waiting. Halo answers a create in well
/// under a second when it is well; one it holds for the whole request timeout must not
/// stall every incident behind it.
pub const CREATE_TURN: std::time::Duration = std::time::Duration::from_secs(2);

/// Tickets asked for when searching by reference; Halo caps a page at 100.
const SEARCH_PAGE_SIZE: &str = "100";

impl HaloClient {
    /// The ticket `id`, or `None` when Halo does not know it.
    pub async fn get_ticket(&self, id: i64) -> Result<Option<Ticket>, HaloError> {
        match self.get(&format!("/Tickets/{id}"), &[]).await {
            Ok(answer) => read_ticket(answer).map(Some),
            Err(HaloError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The ticket whose reference field holds exactly `reference`, open or closed.
    /// Halo's filter is only a hint: a ticket is returned only if it really carries
    /// the reference; if several do, the oldest (lowest id).
    pub async fn find_by_reference(&self, reference: &str) -> Result<Option<Ticket>, HaloError> {
        if reference.trim().is_empty() {
            return Ok(None);
        }
        let field = self.ref_field();
        let filter = field.filter_param();
        let query = [
            (filter.as_str(), reference),
            ("open_only", "false"),
            ("pageinate", "true"),
            ("page_size", SEARCH_PAGE_SIZE),
            ("page_no", "1"),
        ];

        let answer = self.get("/Tickets", &query).await?;
        let tickets = read_rows(
            rows(answer, &["tickets", "faults"])?,
            "ticket",
            Ticket::from_value,
        );
        Ok(tickets
            .into_iter()
            .filter(|ticket| ticket.reference(field).as_deref() == Some(reference))
            .min_by_key(|ticket| ticket.id))
    }

    /// Creates a ticket. Never retried after it may have reached Halo: a timeout,
    /// 5xx or lost connection gives [`HaloError::Uncertain`], and so does a success
    /// whose answer cannot be read; look the reference up before trying again.
    pub async fn create_ticket(&self, ticket: &NewTicket) -> Result<Ticket, HaloError> {
        let body = json!([ticket.to_json(self.ref_field())]);
        let one_at_a_time = self.inner.creating.lock().await;
        let call = self.call(
            Method::POST,
            "/Tickets",
            &[],
            Some(&body),
            Delivery::AtMostOnce,
        );
        tokio::pin!(call);
        // Creates go one at a time (Halo's numbering race), but one that hangs does
        // not hold up every other: past `CREATE_TURN` the next may start. A race lost
        // then fails as any uncertain create does and is looked up before a retry.
        let answer = tokio::select! {
            answer = &mut call => answer,
            () = tokio::time::sleep(CREATE_TURN) => {
                drop(one_at_a_time);
                call.await
            }
        };
        read_ticket(answer.map_err(written_but_unread)?).map_err(written_but_unread)
    }

    /// Updates only the fields given (a JSON object; `id` is added) and returns the
    /// ticket as Halo answers it.
    pub async fn update_ticket(&self, id: i64, fields: Value) -> Result<Ticket, HaloError> {
        let Value::Object(mut fields) = fields else {
            return Err(HaloError::Config(format!(
                "ticket fields to update must be an object, not {}",
                kind(&fields)
            )));
        };
        fields.insert("id".to_owned(), json!(id));
        let body = Value::Array(vec![Value::Object(fields)]);
        let answer = self
            .call(
                Method::POST,
                "/Tickets",
                &[],
                Some(&body),
                Delivery::Idempotent,
            )
            .await?;
        read_ticket(answer)
    }
}

fn read_ticket(answer: Value) -> Result<Ticket, HaloError> {
    let record =
        single(answer).ok_or_else(|| HaloError::Decode("no ticket in the answer".into()))?;
    Ticket::from_value(record).map_err(|e| HaloError::Decode(format!("ticket: {e}")))
}

/// After a write reached Halo, an unreadable answer still means the write happened.
pub(crate) fn written_but_unread(error: HaloError) -> HaloError {
    match error {
        HaloError::Decode(detail) => HaloError::Uncertain(format!(
            "Halo accepted the write but its answer could not be read: {detail}"
        )),
        other => other,
    }
}
