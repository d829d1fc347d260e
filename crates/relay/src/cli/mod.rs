//! The subcommands every bridge binary takes, parsed with clap. `serve` is the
//! default, so a deployment that runs the binary without arguments keeps
//! working; the others are operator tools that print a report to standard
//! output and exit 0 (all well), 1 (something failed) or 2 (the settings are
//! invalid, or the command line is).
//!
//! Each tool is a function of its inputs and a writer returning an [`Exit`],
//! so tests call them directly: [`check_config`], [`halo_ids`], [`doctor`],
//! [`send_test_event`], [`replay`]. This file only parses and dispatches.

pub mod check_config;
pub mod doctor;
pub mod halo_ids;
pub mod replay;
pub mod send_test_event;
mod table;

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use halo_client::{HaloClient, HaloError};
use upstream::{NoopObserver, RetryPolicy, SystemClock};

use crate::settings::{Direction, Edition, HaloSettings, Settings, SettingsError};

/// How a tool ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything checked out (or was done).
    Ok,
    /// Something the tool checked or did failed; the report says what.
    Failed,
    /// The settings are invalid, so the tool could not run.
    Settings,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Failed => 1,
            Exit::Settings => 2,
        }
    }
}

/// A bridge binary's command line.
#[derive(Debug, Parser)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the webhooks (the default when no subcommand is given).
    Serve,
    /// Load the settings as `serve` would, print them with secrets masked, and
    /// list every problem.
    CheckConfig,
    /// Read set-up information out of Halo.
    Halo {
        #[command(subcommand)]
        command: HaloCommand,
    },
    /// Check the configured tenants step by step; each failure comes with its fix.
    Doctor(DoctorArgs),
    /// Sign and post a sample delivery to a bridge, as the sender would, and
    /// print the answer.
    SendTestEvent(SendArgs),
    /// List the dead letters, or replay one or all of them (service and cluster
    /// editions).
    Replay(ReplayArgs),
}

#[derive(Debug, Subcommand)]
pub enum HaloCommand {
    /// Print the ids of ticket types, statuses, priorities, outcomes, agents and
    /// clients, and suggest the settings lines to paste.
    Ids,
}

#[derive(Debug, Clone, Default, Args)]
pub struct DoctorArgs {
    /// Also create a pilot ticket in Halo to prove that the reference field is
    /// stored and found, then close it (this writes to Halo).
    #[arg(long)]
    pub write: bool,
}

#[derive(Debug, Clone, Default, Args)]
pub struct SendArgs {
    /// The bridge: its base URL (the webhook route is added), or the full
    /// webhook URL.
    pub url: String,
    /// Send this file's bytes as the body instead of the sample.
    #[arg(long, value_name = "FILE")]
    pub body: Option<PathBuf>,
    /// Send a real delivery, which the bridge acts on, instead of a test
    /// delivery.
    #[arg(long)]
    pub real: bool,
    /// Halo → ContraForce only: the ticket a real sample event names.
    #[arg(long, value_name = "ID")]
    pub ticket: Option<i64>,
    /// The event id to send (default: a new one).
    #[arg(long, value_name = "ID")]
    pub event_id: Option<String>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct ReplayArgs {
    /// The dead letter to replay, by the delivery id the listing shows.
    pub id: Option<String>,
    /// Replay every dead letter.
    #[arg(long, conflicts_with = "id")]
    pub all: bool,
}

/// Parses `args` (the program name first) and runs the subcommand.
pub fn main(
    direction: Direction,
    edition: Edition,
    args: impl IntoIterator<Item = OsString>,
) -> ExitCode {
    let args: Vec<OsString> = args.into_iter().collect();
    let name = args
        .first()
        .and_then(|program| Path::new(program).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bridge".to_owned());
    let command = Cli::command()
        .bin_name(name)
        .about(about(direction, edition))
        .after_help("Settings come from the environment (and CONFIG_FILE) as for `serve`.");
    let parsed = command
        .try_get_matches_from(args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };

    let command = cli.command.unwrap_or(Command::Serve);
    if matches!(command, Command::Serve) {
        return crate::app::serve(direction, edition);
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let exit = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(tool(direction, edition, command, &mut out)),
        Err(error) => {
            eprintln!("cannot start: {error}");
            Exit::Failed
        }
    };
    let _ = out.flush();
    ExitCode::from(exit.code())
}

fn about(direction: Direction, edition: Edition) -> String {
    let direction = match direction {
        Direction::CfToHalo => "ContraForce → Halo",
        Direction::HaloToCf => "Halo → ContraForce",
    };
    let edition = format!("{edition:?}").to_lowercase();
    format!("The {direction} bridge, {edition} edition.")
}

async fn tool(
    direction: Direction,
    edition: Edition,
    command: Command,
    out: &mut dyn Write,
) -> Exit {
    match command {
        Command::Serve => Exit::Ok,
        Command::CheckConfig => check_config::run(&Settings::from_env(direction, edition), out),
        Command::Halo {
            command: HaloCommand::Ids,
        } => match Settings::from_env(direction, edition) {
            Ok(settings) => halo_ids::run(&settings.halo, Some(&settings), direction, out).await,
            // `halo ids` is how an operator finds the ids the rest needs.
            Err(_) => match HaloSettings::from_map(env_vars()) {
                Ok(halo) => {
                    let _ = writeln!(
                        out,
                        "The other settings are not complete yet (see check-config); \
                         showing what Halo has.\n"
                    );
                    halo_ids::run(&halo, None, direction, out).await
                }
                Err(halo_problems) => {
                    let _ = writeln!(out, "The Halo settings are not usable yet:");
                    settings_problems(&halo_problems, out);
                    Exit::Settings
                }
            },
        },
        Command::Doctor(args) => match load(direction, edition, out) {
            Some(settings) => doctor::run(&settings, &args, out).await,
            None => Exit::Settings,
        },
        Command::SendTestEvent(args) => match load(direction, edition, out) {
            Some(settings) => send_test_event::run(&settings, &args, out).await,
            None => Exit::Settings,
        },
        Command::Replay(args) => match load(direction, edition, out) {
            Some(settings) => replay::run(&settings, &args, out).await,
            None => Exit::Settings,
        },
    }
}

/// The settings, or `None` after printing why they cannot be used.
fn load(direction: Direction, edition: Edition, out: &mut dyn Write) -> Option<Settings> {
    match Settings::from_env(direction, edition) {
        Ok(settings) => Some(settings),
        Err(problems) => {
            let _ = writeln!(out, "The settings are invalid:");
            settings_problems(&problems, out);
            let _ = writeln!(out, "Run `check-config` for the whole picture.");
            None
        }
    }
}

fn settings_problems(problems: &SettingsError, out: &mut dyn Write) {
    for problem in problems.problems() {
        let _ = writeln!(out, "  {problem}");
    }
}

/// The process environment as text (variables that are not UTF-8 are skipped;
/// `check-config` reports those the bridge reads).
fn env_vars() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
        .collect()
}

/// A Halo client for a one-off tool: the service's settings, but at most two
/// attempts and short waits, so a wrong URL fails in seconds, not minutes.
pub(crate) fn tool_halo_client(halo: &HaloSettings) -> Result<HaloClient, HaloError> {
    let mut config = crate::app::halo_config(halo);
    config.retry = RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(2),
    };
    HaloClient::new(config, Arc::new(SystemClock), Arc::new(NoopObserver))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        let matches = Cli::command().try_get_matches_from(args)?;
        Cli::from_arg_matches(&matches)
    }

    #[test]
    fn no_subcommand_means_serve() {
        assert!(parse(&["bridge"]).unwrap().command.is_none());
        assert!(matches!(
            parse(&["bridge", "serve"]).unwrap().command,
            Some(Command::Serve)
        ));
    }

    #[test]
    fn every_tool_parses() {
        assert!(matches!(
            parse(&["b", "halo", "ids"]).unwrap().command,
            Some(Command::Halo { .. })
        ));
        let Some(Command::Doctor(args)) = parse(&["b", "doctor", "--write"]).unwrap().command
        else {
            panic!("doctor");
        };
        assert!(args.write);
        let Some(Command::SendTestEvent(args)) = parse(&[
            "b",
            "send-test-event",
            "http://x",
            "--real",
            "--body",
            "f.json",
        ])
        .unwrap()
        .command
        else {
            panic!("send-test-event");
        };
        assert_eq!(
            (args.url.as_str(), args.real, args.body),
            ("http://x", true, Some(PathBuf::from("f.json")))
        );
        assert!(parse(&["b", "replay", "abc", "--all"]).is_err());
        assert!(parse(&["b", "send-test-event"]).is_err());
    }
}
