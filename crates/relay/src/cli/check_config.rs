//! `check-config`: the settings exactly as `serve` would load them, printed with
//! every secret masked, or every problem listed; plus notes on choices that are
//! valid but probably not meant. Opens no connection.

use std::io::{self, Write};

use super::Exit;
use super::table::Table;
use crate::settings::{Edition, Settings, SettingsError, StateBackend};

/// An admin token shorter than this is accepted but worth a note.
const SHORT_TOKEN_CHARS: usize = 24;

/// Reports `loaded` (what [`Settings::from_env`] gave) to `out`.
pub fn run(loaded: &Result<Settings, SettingsError>, out: &mut dyn Write) -> Exit {
    report(loaded, out).unwrap_or(Exit::Failed)
}

fn report(loaded: &Result<Settings, SettingsError>, out: &mut dyn Write) -> io::Result<Exit> {
    let settings = match loaded {
        Ok(settings) => settings,
        Err(problems) => {
            let count = problems.problems().len();
            let noun = if count == 1 { "problem" } else { "problems" };
            writeln!(
                out,
                "The settings have {count} {noun}; the bridge would not start:"
            )?;
            for problem in problems.problems() {
                writeln!(out, "  {problem}")?;
            }
            return Ok(Exit::Settings);
        }
    };

    writeln!(out, "Effective settings (secrets masked):")?;
    let mut table = Table::new(&["variable", "value"]);
    for (name, value) in settings.describe() {
        table.row(vec![name, value]);
    }
    table.write(out, "  ")?;
    writeln!(out)?;
    writeln!(out, "The settings are valid.")?;
    for note in notes(settings) {
        writeln!(out, "Note: {note}")?;
    }
    Ok(Exit::Ok)
}

/// Valid choices that are likely mistakes, in words.
fn notes(settings: &Settings) -> Vec<String> {
    let mut notes = Vec::new();
    let backend = settings.state_url.backend();
    match settings.edition {
        Edition::Function => {}
        Edition::Service | Edition::Cluster => match &settings.admin_token {
            None => notes.push(
                "ADMIN_TOKEN is unset, so the operator view (/ and /admin/) is off.".to_owned(),
            ),
            Some(token) if token.expose().chars().count() < SHORT_TOKEN_CHARS => {
                notes.push(format!(
                    "ADMIN_TOKEN is short; use at least {SHORT_TOKEN_CHARS} random characters."
                ))
            }
            Some(_) => {}
        },
    }
    if settings.edition != Edition::Function && matches!(backend, StateBackend::Memory) {
        notes.push(
            "STATE_URL=memory: keeps nothing across a restart; queued deliveries would be lost."
                .to_owned(),
        );
    }
    if settings.edition == Edition::Cluster && !matches!(backend, StateBackend::Postgres) {
        notes.push(
            "the cluster edition shares its queue only through PostgreSQL; with this STATE_URL \
             replicas would not see each other's work."
                .to_owned(),
        );
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Direction;

    fn vars(extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut vars = vec![
            ("HALO_AUTH_URL", "https://acme.halopsa.com/auth"),
            ("HALO_API_BASE_URL", "https://acme.halopsa.com/api"),
            ("HALO_CLIENT_ID", "bridge"),
            ("HALO_CLIENT_SECRET", "halo-client-secret-value"),
            ("CF_WEBHOOK_SECRET", "cf-webhook-secret-value"),
            ("HALO_DEFAULT_TICKETTYPE_ID", "29"),
            ("HALO_DEFAULT_CLIENT_ID", "1"),
            ("STATE_URL", "memory:"),
        ];
        vars.extend_from_slice(extra);
        vars.into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn check(vars: Vec<(String, String)>) -> (Exit, String) {
        let loaded = Settings::from_map(Direction::CfToHalo, Edition::Service, vars);
        let mut out = Vec::new();
        let exit = run(&loaded, &mut out);
        (exit, String::from_utf8(out).unwrap())
    }

    #[test]
    fn valid_settings_print_masked_with_notes() {
        let (exit, text) = check(vars(&[("ADMIN_TOKEN", "short-admin")]));
        assert_eq!(exit, Exit::Ok);
        assert!(text.contains("HALO_DEFAULT_TICKETTYPE_ID  29"), "{text}");
        assert!(text.contains("CF_WEBHOOK_SECRET"), "{text}");
        for secret in [
            "halo-client-secret-value",
            "cf-webhook-secret-value",
            "short-admin",
        ] {
            assert!(!text.contains(secret), "{secret} shown in {text}");
        }
        assert!(text.contains("Note: ADMIN_TOKEN is short"), "{text}");
        assert!(text.contains("Note: STATE_URL=memory:"), "{text}");
    }

    #[test]
    fn every_problem_is_listed_and_the_exit_says_settings() {
        let mut vars = vars(&[("CF_MAX_SKEW_SECONDS", "soon")]);
        vars.retain(|(k, _)| k != "HALO_CLIENT_ID" && k != "HALO_DEFAULT_CLIENT_ID");
        let (exit, text) = check(vars);
        assert_eq!(exit, Exit::Settings);
        assert!(text.starts_with("The settings have 3 problems"), "{text}");
        for name in [
            "CF_MAX_SKEW_SECONDS:",
            "HALO_CLIENT_ID: required",
            "HALO_DEFAULT_CLIENT_ID: required",
        ] {
            assert!(text.contains(name), "{name} missing from {text}");
        }
    }
}
