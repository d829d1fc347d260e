//! `doctor`: checks the configured tenants in the order a set-up goes wrong,
//! and reports each check as ok, failed (with the reason and the fix) or
//! skipped (with why):
//!
//! 1. the Halo token (wrong grant, tenant, client, scope, URL);
//! 2. the scopes the direction needs, and a read that proves the API answers;
//! 3. `Agent/me`;
//! 4. the configured ids exist: ticket type, priorities, clients and outcome
//!    (ContraForce → Halo), closed statuses and integration agents (Halo →
//!    ContraForce);
//! 5. with `--write` only, since it creates data: a pilot ticket that proves the
//!    reference field is stored and found by Halo's filter, then closed;
//! 6. Halo → ContraForce: the ContraForce credentials and workspace, with a
//!    probe that changes nothing (see `doctor/contraforce.rs` for its limits).
//!
//! Checks after a failed token are skipped: they would only repeat its failure.

mod configured;
mod contraforce;
mod pilot;
mod token;

use std::io::{self, Write};

use super::{DoctorArgs, Exit, tool_halo_client};
use crate::settings::{Direction, Settings};

const HALO_CLIENT: &str = "Halo client";

/// How one check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    Failed,
    Skipped,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub verdict: Verdict,
    /// What was found (ok), what is wrong (failed), or why it did not run (skipped).
    pub detail: String,
    /// What to do about a failure.
    pub fix: Option<String>,
}

impl Check {
    pub fn ok(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            name,
            verdict: Verdict::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    pub fn failed(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            name,
            verdict: Verdict::Failed,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    pub fn skipped(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            name,
            verdict: Verdict::Skipped,
            detail: detail.into(),
            fix: None,
        }
    }
}

/// Runs every check, printing each as it completes, then a summary.
pub async fn run(settings: &Settings, args: &DoctorArgs, out: &mut dyn Write) -> Exit {
    let mut printed = Ok(());
    let checks = diagnose(settings, args.write, &mut |check| {
        if printed.is_ok() {
            printed = print(check, out);
        }
    })
    .await;
    let failed = checks
        .iter()
        .filter(|c| c.verdict == Verdict::Failed)
        .count();
    let summary = if failed == 0 {
        writeln!(out, "\nAll checks passed.")
    } else {
        let noun = if failed == 1 { "check" } else { "checks" };
        writeln!(out, "\n{failed} {noun} failed.")
    };
    match (printed.and(summary), failed) {
        (Ok(()), 0) => Exit::Ok,
        _ => Exit::Failed,
    }
}

fn print(check: &Check, out: &mut dyn Write) -> io::Result<()> {
    let mark = match check.verdict {
        Verdict::Ok => "[ ok ]",
        Verdict::Failed => "[FAIL]",
        Verdict::Skipped => "[skip]",
    };
    writeln!(out, "{mark} {}: {}", check.name, check.detail)?;
    if let Some(fix) = &check.fix {
        writeln!(out, "       fix: {fix}")?;
    }
    Ok(())
}

/// Runs the checks for `settings`, handing each to `report` as it completes.
pub async fn diagnose(
    settings: &Settings,
    write: bool,
    report: &mut dyn FnMut(&Check),
) -> Vec<Check> {
    let mut doctor = Doctor {
        checks: Vec::new(),
        report,
    };
    halo_checks(settings, write, &mut doctor).await;
    if let Some(outbound) = &settings.cf_outbound {
        doctor.add(contraforce::check(outbound).await);
    }
    doctor.checks
}

struct Doctor<'r> {
    checks: Vec<Check>,
    report: &'r mut dyn FnMut(&Check),
}

impl Doctor<'_> {
    fn add(&mut self, check: Check) {
        (self.report)(&check);
        self.checks.push(check);
    }

    /// Marks the Halo checks after `from` as skipped.
    fn skip_after(&mut self, settings: &Settings, from: usize, why: &str) {
        for name in halo_check_names(settings.direction).into_iter().skip(from) {
            self.add(Check::skipped(name, why));
        }
    }
}

/// The Halo checks in order, after the token.
fn halo_check_names(direction: Direction) -> Vec<&'static str> {
    let mut names = vec![token::SCOPES, configured::AGENT_ME];
    names.extend(configured::names(direction));
    names.push(pilot::PILOT);
    names
}

async fn halo_checks(settings: &Settings, write: bool, doctor: &mut Doctor<'_>) {
    let token = token::check(&settings.halo).await;
    let granted = token.granted.clone();
    doctor.add(token.check);
    let Some(granted) = granted else {
        doctor.skip_after(settings, 0, "needs a Halo token");
        return;
    };

    let client = match tool_halo_client(&settings.halo) {
        Ok(client) => client,
        Err(error) => {
            let fix = "check HALO_AUTH_URL and HALO_API_BASE_URL (run check-config)";
            doctor.add(Check::failed(HALO_CLIENT, error.to_string(), fix));
            doctor.skip_after(settings, 0, "needs a Halo client");
            return;
        }
    };
    let (scopes, api_answers) = token::scopes(settings.direction, &granted, &client).await;
    doctor.add(scopes);
    if !api_answers {
        doctor.skip_after(settings, 1, "needs a Halo API that answers");
        return;
    }
    doctor.add(configured::agent_me(settings, &client).await);
    for check in configured::checks(settings, &client).await {
        doctor.add(check);
    }
    if write {
        for check in pilot::run(settings, &client).await {
            doctor.add(check);
        }
    } else {
        doctor.add(Check::skipped(
            pilot::PILOT,
            "creates a ticket in Halo; run `doctor --write` to prove that the reference \
             field is stored and found",
        ));
    }
}
