//! What a soak counts and how it is printed: the figures of one direction and
//! edition, the senders' view (attempts, 503s with and without `Retry-After`,
//! give-ups), the kills, and the verdict: no duplicate, nothing missing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use bench::services::Spec;

use crate::sender::Sent;

/// The senders' side of a soak.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub deliveries: u64,
    pub attempts: u64,
    pub unanswered: u64,
    pub unavailable: u64,
    pub unavailable_with_retry_after: u64,
    pub gave_up: u64,
    /// Final answers by status and JSON `status` field.
    pub answers: BTreeMap<String, u64>,
}

impl Tally {
    pub fn add(&mut self, sent: &Sent) {
        self.deliveries += 1;
        self.attempts += u64::from(sent.attempts);
        self.unanswered += u64::from(sent.unanswered);
        self.unavailable += u64::from(sent.unavailable);
        self.unavailable_with_retry_after += u64::from(sent.unavailable_with_retry_after);
        let key = match &sent.answer {
            Some(answer) => {
                let body = answer.json();
                let status = body["status"].as_str().unwrap_or("?").to_owned();
                format!("{} {status}", answer.status)
            }
            None => {
                self.gave_up += 1;
                "given up".to_owned()
            }
        };
        *self.answers.entry(key).or_default() += 1;
    }
}

/// The result of one direction in one edition.
#[derive(Debug, Clone)]
pub struct Counts {
    pub direction: &'static str,
    pub spec: Spec,
    pub figures: BTreeMap<&'static str, u64>,
    pub duplicates: u64,
    pub missing: u64,
    pub tally: Tally,
    pub kills: Vec<String>,
    /// Whether the bridge's queue emptied within the settle time.
    pub drained: bool,
    pub log: PathBuf,
}

impl Counts {
    /// Duplicates 0, missing 0, and every delivery eventually acknowledged.
    pub fn passed(&self) -> bool {
        self.duplicates == 0 && self.missing == 0 && self.tally.gave_up == 0
    }

    pub fn print(&self) {
        println!(
            "== {} {} ({}): {}",
            self.spec.number,
            self.spec.binary,
            self.direction,
            if self.passed() { "PASS" } else { "FAIL" }
        );
        for (name, value) in &self.figures {
            println!("  {name}: {value}");
        }
        println!("  duplicates: {}", self.duplicates);
        println!("  missing: {}", self.missing);
        let t = &self.tally;
        println!(
            "  sender: {} deliveries, {} attempts, {} unanswered, {} answered 503 ({} with \
             Retry-After), {} given up",
            t.deliveries,
            t.attempts,
            t.unanswered,
            t.unavailable,
            t.unavailable_with_retry_after,
            t.gave_up
        );
        println!("  final answers: {:?}", t.answers);
        for kill in &self.kills {
            println!("  {kill}");
        }
        if !self.drained {
            println!("  the bridge's queue did not empty within the settle time");
        }
        println!("  bridge log: {}", self.log.display());
    }
}
