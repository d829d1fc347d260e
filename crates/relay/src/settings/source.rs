//! Where the settings' raw text comes from: the environment layered over an
//! optional TOML file named by `CONFIG_FILE` (same keys, lower case), merged with
//! the `config` crate. Only text leaves this module; typing and validation do not
//! live here.

use std::collections::HashMap;

use config::{Config, Environment, File, FileFormat, Map, Source, Value, ValueKind};

use super::error::Problem;

/// The variable that names the optional TOML file.
pub const CONFIG_FILE: &str = "CONFIG_FILE";

/// The effective text of each known variable that is set: trimmed, never empty.
#[derive(Default)]
pub(crate) struct RawValues {
    values: HashMap<&'static str, String>,
    config_file: Option<String>,
}

impl RawValues {
    /// The `CONFIG_FILE` path, when one was named.
    pub(crate) fn config_file(&self) -> Option<&str> {
        self.config_file.as_deref()
    }

    /// The variable's text, or `None` when it is unset or blank everywhere.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

/// Merges `vars` (the environment, or a test's stand-in for it) over the file named
/// by `CONFIG_FILE` in `vars`, keeping only the `known` variables.
///
/// Blank values count as unset on both layers, so a blank line in the environment
/// lets the file's value through instead of hiding it.
pub(crate) fn layer(
    vars: impl IntoIterator<Item = (String, String)>,
    known: &[&'static str],
) -> (RawValues, Vec<Problem>) {
    let env: Map<String, String> = vars
        .into_iter()
        .filter(|(name, value)| {
            (name == CONFIG_FILE || known.contains(&name.as_str())) && !value.trim().is_empty()
        })
        .collect();

    let mut problems = Vec::new();
    let config_file = env.get(CONFIG_FILE).map(|path| path.trim().to_owned());
    let mut builder = Config::builder();
    if let Some(path) = &config_file {
        match read_file(path) {
            Ok(file) => builder = builder.add_source(file),
            Err(problem) => problems.push(problem),
        }
    }
    builder = builder.add_source(Environment::default().source(Some(env)));

    let merged = match builder.build().and_then(|config| config.collect()) {
        Ok(merged) => merged,
        Err(_) => {
            // Only the file can fail to merge; its error text may quote file content.
            problems.push(problem(
                CONFIG_FILE,
                "could not be merged with the environment",
            ));
            return (RawValues::default(), problems);
        }
    };

    let mut raw = RawValues {
        values: HashMap::new(),
        config_file,
    };
    // Lower-case keys first: they are the documented spelling and the only one the
    // environment layer produces, so a file's `HALO_SCOPE` never hides an
    // environment `HALO_SCOPE` (merged as `halo_scope`).
    let mut entries: Vec<(String, Value)> = merged.into_iter().collect();
    entries.sort_by_key(|(key, _)| *key != key.to_ascii_lowercase());
    for (key, value) in entries {
        let upper = key.to_ascii_uppercase();
        let Some(name) = known.iter().copied().find(|known| **known == upper) else {
            continue;
        };
        if raw.values.contains_key(name) {
            continue;
        }
        match text_of(value) {
            Ok(Some(text)) => {
                raw.values.insert(name, text);
            }
            Ok(None) => {}
            Err(message) => problems.push(problem(name, message)),
        }
    }
    (raw, problems)
}

fn read_file(path: &str) -> Result<File<config::FileSourceString, FileFormat>, Problem> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| problem(CONFIG_FILE, format!("cannot read {path:?}: {e}")))?;

    // Parse once here so a syntax error is reported by position only: the parser's
    // own message quotes the offending line, which may hold a secret.
    File::from_str(&text, FileFormat::Toml)
        .collect()
        .map_err(|e| {
            problem(
                CONFIG_FILE,
                format!("{path:?} is not valid TOML{}", position(&e)),
            )
        })?;
    Ok(File::from_str(&text, FileFormat::Toml))
}

/// `" (line L, column C)"` from a TOML parse error, or nothing when it has none.
fn position(error: &config::ConfigError) -> String {
    let text = error.to_string();
    let first = text.lines().next().unwrap_or_default();
    match first.find("at line ") {
        Some(at) => format!(" ({})", &first[at + 3..]),
        None => String::new(),
    }
}

/// A file value as setting text: scalars as written, arrays joined with commas
/// (so `cf_webhook_secret = ["a", "b"]` means `a,b`); blank means unset.
fn text_of(value: Value) -> Result<Option<String>, String> {
    let text = match value.kind {
        ValueKind::Nil => return Ok(None),
        ValueKind::Table(_) => return Err("expected a value, got a table".to_owned()),
        ValueKind::Array(items) => {
            let mut parts = Vec::with_capacity(items.len());
            for item in items {
                if let Some(part) = text_of(item)? {
                    parts.push(part);
                }
            }
            parts.join(",")
        }
        ValueKind::String(text) => text,
        ValueKind::Boolean(b) => b.to_string(),
        ValueKind::I64(n) => n.to_string(),
        ValueKind::I128(n) => n.to_string(),
        ValueKind::U64(n) => n.to_string(),
        ValueKind::U128(n) => n.to_string(),
        ValueKind::Float(n) => n.to_string(),
    };
    let text = text.trim();
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

fn problem(variable: &str, message: impl Into<String>) -> Problem {
    Problem {
        variable: variable.to_owned(),
        message: message.into(),
    }
}
