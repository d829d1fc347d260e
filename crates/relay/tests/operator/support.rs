//! What the operator tests share: settings pointing at the mocks, and running a
//! tool into a buffer.

use relay::cli::Exit;
use relay::settings::{Direction, Edition, Settings};
use testkit::Vars;

/// Settings from `vars`, which the test means to be valid.
pub fn settings(direction: Direction, edition: Edition, vars: &Vars) -> Settings {
    let vars = vars.clone().set("STATE_URL", "memory:");
    Settings::from_map(direction, edition, vars.0)
        .unwrap_or_else(|problems| panic!("test settings are wrong:\n{problems}"))
}

/// A tool's exit and what it printed.
pub struct Output {
    pub exit: Exit,
    pub text: String,
}

impl Output {
    pub fn new(exit: Exit, out: Vec<u8>) -> Self {
        let text = String::from_utf8(out).expect("the tools print UTF-8");
        Self { exit, text }
    }

    /// The JSON answer `send-test-event` printed last.
    pub fn answer(&self) -> serde_json::Value {
        let last = self.text.lines().last().unwrap_or_default();
        serde_json::from_str(last).unwrap_or(serde_json::Value::Null)
    }

    /// The line that reports the check `name`, and the fix line after it.
    pub fn check(&self, name: &str) -> String {
        let prefix = format!(" {name}: ");
        let mut lines = self.text.lines();
        let mut found = String::new();
        while let Some(line) = lines.next() {
            if line.contains(&prefix) && line.starts_with('[') {
                found = line.to_owned();
                if let Some(next) = lines.next()
                    && next.trim_start().starts_with("fix:")
                {
                    found.push('\n');
                    found.push_str(next);
                }
                break;
            }
        }
        assert!(!found.is_empty(), "no check {name:?} in:\n{}", self.text);
        found
    }
}
