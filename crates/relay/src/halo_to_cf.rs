//! Halo → ContraForce (contract §4 steps 3–7): a Halo webhook names tickets; for
//! each, the bridge reads the ticket and its actions, forwards every public note
//! not forwarded before as a ContraForce comment (oldest first), then reports a
//! close or a reopen once. What was forwarded and reported is kept in the store,
//! so redeliveries, concurrent webhooks, restarts and replicas add nothing twice.

use std::sync::Arc;

use async_trait::async_trait;
use cf_client::{CfClient, CfError};
use halo_client::HaloClient;
use mapping::comments::{StateChange, comment_text, is_closed, is_forwardable, state_change};
use mapping::halo::RefField;
use mapping::halo_webhook;
use mapping::reference::Reference;
use store::DeliveryRecord;
use tokio::sync::OnceCell;

use crate::answer::Answer;
use crate::cf_to_halo::halo_failure;
use crate::engine::{Core, Failure, Pipeline};

/// How the incident is closed in ContraForce.
#[derive(Debug, Clone)]
pub struct CloseSettings {
    pub classification: String,
    pub reason: String,
    pub mirror_reopen: bool,
    pub closed_status_ids: Vec<i64>,
}

pub struct HaloToCf {
    pub halo: HaloClient,
    pub cf: CfClient,
    pub ref_field: RefField,
    pub close: CloseSettings,
    pub agents: Arc<OwnAgents>,
}

/// The Halo agents whose actions are never sent back: the bridge's own (learned
/// from `Agent/me`) and those configured in `HALO_INTEGRATION_AGENT_ID`.
pub struct OwnAgents {
    configured: Vec<i64>,
    me: OnceCell<i64>,
}

impl OwnAgents {
    pub fn new(configured: Vec<i64>) -> Self {
        Self {
            configured,
            me: OnceCell::new(),
        }
    }

    /// The bridge's own agent id, asking Halo if it is not known yet.
    pub async fn learn(&self, halo: &HaloClient) -> Result<i64, Failure> {
        let me = self
            .me
            .get_or_try_init(|| async {
                halo.me()
                    .await
                    .map(|agent| agent.id)
                    .map_err(|e| halo_failure("read Agent/me", &e))
            })
            .await?;
        Ok(*me)
    }

    /// Every agent to skip. Fails when the bridge's own id cannot be learned,
    /// since forwarding without it could echo the bridge's own notes.
    async fn ids(&self, halo: &HaloClient) -> Result<Vec<i64>, Failure> {
        let mut ids = self.configured.clone();
        ids.push(self.learn(halo).await?);
        Ok(ids)
    }
}

/// What syncing one ticket did.
enum Synced {
    Done { forwarded: u64, closed: bool },
    Ignored(&'static str),
}

#[async_trait]
impl Pipeline for HaloToCf {
    async fn process(&self, core: &Core, delivery: &DeliveryRecord) -> Result<Answer, Failure> {
        let Ok(events) = halo_webhook::parse_events(&delivery.body) else {
            return Ok(Answer::malformed_halo());
        };
        let ids = ticket_ids(&events);
        if ids.is_empty() {
            return Ok(Answer::ignored("no ticket id in payload"));
        }

        let (mut forwarded, mut closed) = (0, false);
        for &ticket_id in &ids {
            let held = core.hold(&format!("ticket:{ticket_id}")).await?;
            let synced = self.sync(core, ticket_id).await;
            held.release().await;
            match synced? {
                Synced::Done {
                    forwarded: n,
                    closed: c,
                } => {
                    forwarded += n;
                    closed |= c;
                }
                Synced::Ignored(reason) if ids.len() == 1 => return Ok(Answer::ignored(reason)),
                Synced::Ignored(_) => {}
            }
        }
        Ok(Answer::processed(forwarded, closed))
    }
}

/// The distinct ticket ids a webhook body names, in order.
pub fn ticket_ids(events: &[serde_json::Value]) -> Vec<i64> {
    let mut ids = Vec::new();
    for id in events.iter().filter_map(halo_webhook::ticket_id) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

impl HaloToCf {
    async fn sync(&self, core: &Core, ticket_id: i64) -> Result<Synced, Failure> {
        let ticket = match self.halo.get_ticket(ticket_id).await {
            Ok(Some(ticket)) => ticket,
            Ok(None) => return Ok(Synced::Ignored("ticket not found")),
            Err(error) => return Err(halo_failure("read ticket", &error)),
        };
        let Some(reference) = ticket
            .reference(&self.ref_field)
            .as_deref()
            .and_then(Reference::parse)
        else {
            return Ok(Synced::Ignored("not a CF-linked ticket"));
        };

        let skip_agents = self.agents.ids(&self.halo).await?;
        let progress = core.store.ticket_progress(ticket_id).await?;
        let actions = self
            .halo
            .list_actions(ticket_id)
            .await
            .map_err(|e| halo_failure("list actions", &e))?;

        let mut forwarded = 0;
        for action in &actions {
            if progress.forwarded.contains(&action.id) || !is_forwardable(action, &skip_agents) {
                continue;
            }
            let text = comment_text(ticket_id, action);
            self.cf
                .add_comment(&reference.incident_id, &reference.source, &text)
                .await
                .map_err(|e| cf_failure("add comment", &e))?;
            core.store.mark_forwarded(ticket_id, action.id).await?;
            forwarded += 1;
        }

        let closed_now = is_closed(&ticket, &self.close.closed_status_ids);
        let change = state_change(
            closed_now,
            progress.reported_closed,
            self.close.mirror_reopen,
        );
        let mut reported_close = false;
        match change {
            StateChange::Close => {
                let comment = format!("Closed in Halo (ticket #{ticket_id}).");
                self.cf
                    .close(
                        &reference.incident_id,
                        &reference.source,
                        &self.close.classification,
                        &self.close.reason,
                        &comment,
                    )
                    .await
                    .map_err(|e| cf_failure("close incident", &e))?;
                core.store.set_reported_closed(ticket_id, true).await?;
                reported_close = true;
            }
            StateChange::Reopen => {
                self.cf
                    .reopen(&reference.incident_id, &reference.source)
                    .await
                    .map_err(|e| cf_failure("reopen incident", &e))?;
                core.store.set_reported_closed(ticket_id, false).await?;
            }
            StateChange::None => {}
        }
        Ok(Synced::Done {
            forwarded,
            closed: reported_close,
        })
    }
}

fn cf_failure(what: &str, error: &CfError) -> Failure {
    if !error.is_transient() {
        tracing::error!(
            %error,
            "ContraForce refused to {what}; check the bridge's ContraForce settings"
        );
    }
    Failure::new(format!("contraforce: {what}: {error}"), error.retry_after())
}
