//! The demo's one scenario, driven over HTTP so it runs the same against
//! in-process mocks and against containers: ContraForce sends a signed incident,
//! a ticket appears in Halo under the mapped client, a technician adds a public
//! note and closes the ticket, and the incident in ContraForce gets the comment
//! and is closed with the configured classification.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode as encode};
use serde_json::{Value, json};

/// Where everything is.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// mock-halo's base URL.
    pub halo: String,
    /// mock-contraforce's base URL.
    pub cf: String,
    /// The bridge pairs to drive, one pass each.
    pub pairs: Vec<Pair>,
}

/// One ContraForce → Halo service and one Halo → ContraForce service.
#[derive(Debug, Clone)]
pub struct Pair {
    pub name: String,
    pub cf_to_halo: String,
    pub halo_to_cf: String,
}

/// What the bridges were configured with, so the demo can check it.
#[derive(Debug, Clone)]
pub struct Expected {
    pub cf_webhook_secret: String,
    pub halo_webhook_secret: String,
    pub account_id: String,
    pub client_id: i64,
    pub classification: String,
}

/// A step that did not hold.
#[derive(Debug, thiserror::Error)]
#[error("step failed: {step}: {detail}")]
pub struct StepFailed {
    pub step: String,
    pub detail: String,
}

fn failed(step: &str, detail: impl Into<String>) -> StepFailed {
    StepFailed {
        step: step.to_owned(),
        detail: detail.into(),
    }
}

/// How long the demo waits for something to happen before calling it failed.
const PATIENCE: Duration = Duration::from_secs(60);

pub struct Demo {
    http: reqwest::Client,
    endpoints: Endpoints,
    expected: Expected,
    /// Where people open the two mocks' pages (Halo, ContraForce).
    pages: (String, String),
}

impl Demo {
    pub fn new(
        endpoints: Endpoints,
        expected: Expected,
        pages: (String, String),
    ) -> Result<Self, StepFailed> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| failed("start an HTTP client", e.to_string()))?;
        Ok(Self {
            http,
            endpoints,
            expected,
            pages,
        })
    }

    /// Runs every pass, printing the transcript as it goes.
    pub async fn run(&self) -> Result<(), StepFailed> {
        self.wait_until_up().await?;
        for pair in &self.endpoints.pairs {
            self.pass(pair).await?;
        }
        println!("\nEvery step held. The mock upstreams' pages:");
        println!("  Halo (mock):        {}/", self.pages.0);
        println!("  ContraForce (mock): {}/", self.pages.1);
        Ok(())
    }

    async fn wait_until_up(&self) -> Result<(), StepFailed> {
        // The mocks' pages answer once they serve; the bridges have /healthz.
        let mut services = vec![
            ("mock Halo (page)", self.endpoints.halo.clone(), "/"),
            ("mock ContraForce (page)", self.endpoints.cf.clone(), "/"),
        ];
        for pair in &self.endpoints.pairs {
            services.push((
                "ContraForce → Halo bridge",
                pair.cf_to_halo.clone(),
                "/healthz",
            ));
            services.push((
                "Halo → ContraForce bridge",
                pair.halo_to_cf.clone(),
                "/healthz",
            ));
        }
        println!("Services:");
        for (name, url, probe) in &services {
            let started = Instant::now();
            loop {
                let answer = self.http.get(format!("{url}{probe}")).send().await;
                if answer.is_ok_and(|r| r.status().is_success()) {
                    println!("  {name:<26} {url}  (healthy)");
                    break;
                }
                if started.elapsed() > PATIENCE {
                    return Err(failed("wait for the services", format!("{name} at {url}")));
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        Ok(())
    }

    async fn pass(&self, pair: &Pair) -> Result<(), StepFailed> {
        let (halo, cf) = (&self.endpoints.halo, &self.endpoints.cf);
        println!("\n== {} ==", pair.name);

        let step = "point the mocks at this pair";
        self.send(
            step,
            "PUT",
            &format!("{cf}/_admin/sender"),
            json!({
                "url": format!("{}/cf/webhooks", pair.cf_to_halo),
                "secret": self.expected.cf_webhook_secret,
            }),
        )
        .await?;
        self.send(
            step,
            "PUT",
            &format!("{halo}/_admin/webhook"),
            json!({
                "url": format!("{}/halo/webhooks", pair.halo_to_cf),
                "secret": self.expected.halo_webhook_secret,
                "secret_in": "header",
            }),
        )
        .await?;

        let step = "1. ContraForce sends a signed incident.created.v1";
        let title = format!("Demo: impossible travel for j.doe ({})", pair.name);
        let delivery = self
            .send(
                step,
                "POST",
                &format!("{cf}/_admin/send/incident"),
                json!({
                    "title": title,
                    "severity": "High",
                    "accountId": self.expected.account_id,
                }),
            )
            .await?;
        let incident_id = text(&delivery["incidentId"]);
        let answer = &delivery["body"];
        println!(
            "{step}\n   incident {incident_id}, event {}",
            text(&delivery["eventId"])
        );
        println!("   bridge answered {} {answer}", delivery["status"]);
        if answer["status"] != "created" {
            return Err(failed(
                step,
                format!("expected status created, got {answer}"),
            ));
        }
        let ticket_id = answer["ticketId"]
            .as_i64()
            .ok_or_else(|| failed(step, "the answer carries no ticketId"))?;

        let step = "2. Halo holds one ticket under the mapped client";
        let ticket = self
            .get(step, &format!("{halo}/_admin/tickets/{ticket_id}"))
            .await?;
        let ticket = &ticket["ticket"];
        let reference = format!("cf|sentinel|{incident_id}");
        let client = number(&ticket["client_id"]);
        println!(
            "{step}\n   ticket #{ticket_id} \"{}\"",
            text(&ticket["summary"])
        );
        println!(
            "   client {client:?}, reference {}",
            text(&ticket["thirdpartynumber"])
        );
        if client != Some(self.expected.client_id) {
            return Err(failed(
                step,
                format!("client {client:?}, expected {}", self.expected.client_id),
            ));
        }
        if text(&ticket["thirdpartynumber"]) != reference {
            return Err(failed(step, format!("reference is not {reference}")));
        }

        let step = "3. A technician adds a public note and closes the ticket";
        let note = "Password reset and all sessions revoked; travel not confirmed by the user.";
        self.send(
            step,
            "POST",
            &format!("{halo}/_admin/tickets/{ticket_id}/actions"),
            json!({
                "note_html": format!("<p>{note}</p>"),
                "private": false,
                "agent_id": 6,
            }),
        )
        .await?;
        self.send(
            step,
            "POST",
            &format!("{halo}/_admin/tickets/{ticket_id}/close"),
            json!({
                "agent_id": 6,
            }),
        )
        .await?;
        println!("{step}\n   note: \"{note}\"");

        let step = "4. ContraForce has the comment and the incident is closed";
        let incident = self.wait_for_close(step, &incident_id, note).await?;
        let comments = incident["comments"].as_array().cloned().unwrap_or_default();
        println!("{step}");
        for comment in &comments {
            let content = text(&comment["content"]);
            let mut shown = String::new();
            for line in content.lines() {
                let _ = write!(shown, "\n     | {line}");
            }
            println!("   comment:{shown}");
        }
        println!(
            "   status {} ({} / {})",
            text(&incident["status"]),
            text(&incident["classification"]),
            text(&incident["classificationReason"])
        );
        let ours = comments
            .iter()
            .filter(|c| text(&c["content"]).contains(note))
            .count();
        if ours != 1 {
            return Err(failed(
                step,
                format!("the note arrived {ours} times, not once"),
            ));
        }
        Ok(())
    }

    async fn wait_for_close(
        &self,
        step: &str,
        incident_id: &str,
        note: &str,
    ) -> Result<Value, StepFailed> {
        let url = format!(
            "{}/_admin/incidents/{}",
            self.endpoints.cf,
            encode(incident_id, NON_ALPHANUMERIC)
        );
        let started = Instant::now();
        loop {
            if let Ok(incident) = self.get(step, &url).await {
                let has_note = incident["comments"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|c| text(&c["content"]).contains(note)));
                let closed = incident["status"] == "Closed"
                    && incident["classification"] == self.expected.classification.as_str();
                if has_note && closed {
                    return Ok(incident);
                }
            }
            if started.elapsed() > PATIENCE {
                return Err(failed(step, "no comment and close within a minute"));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn send(
        &self,
        step: &str,
        method: &str,
        url: &str,
        body: Value,
    ) -> Result<Value, StepFailed> {
        let request = match method {
            "PUT" => self.http.put(url),
            _ => self.http.post(url),
        };
        let response = request
            .json(&body)
            .send()
            .await
            .map_err(|e| failed(step, e.to_string()))?;
        read(step, url, response).await
    }

    async fn get(&self, step: &str, url: &str) -> Result<Value, StepFailed> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| failed(step, e.to_string()))?;
        read(step, url, response).await
    }
}

async fn read(step: &str, url: &str, response: reqwest::Response) -> Result<Value, StepFailed> {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(failed(step, format!("{url} answered {status}: {body}")));
    }
    serde_json::from_str(&body).map_err(|e| failed(step, format!("{url}: not JSON: {e}")))
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A Halo id however the mock writes it (`12`, `12.0`, `"12"`).
fn number(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_f64().map(|f| f as i64))
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}
