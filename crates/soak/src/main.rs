//! `soak`: the fault soak. For each chosen edition and direction it starts the
//! mock upstreams with faults, the edition's binaries as child processes (two
//! replicas on one PostgreSQL database for the cluster edition), delivers with
//! retries as the upstreams do while the processes are killed and restarted,
//! waits for the bridge to finish, and counts duplicates and missing work.
//! Exits non-zero when anything is duplicated or missing. See `docs/soak.md`.
//!
//! ```text
//! cargo build --release --bins
//! target/release/soak --scale full
//! ```

mod cf_soak;
mod chaos;
mod fleet;
mod halo_soak;
mod overload;
mod report;
mod scale;
mod sender;

use std::process::ExitCode;

use bench::services::{self, Direction, Edition};
use clap::Parser;
use mock_halo::MockHalo;

use crate::scale::Scale;

/// Runs the fault soak.
#[derive(Debug, Parser)]
#[command(name = "soak")]
struct Args {
    /// `short` (CI, a few minutes) or `full` (the documented figures).
    #[arg(long, default_value = "short")]
    scale: String,
    /// Editions, comma separated: function, service, cluster.
    #[arg(long, default_value = "function,service,cluster")]
    editions: String,
    /// Directions, comma separated: cf (ContraForce → Halo), halo (Halo → ContraForce).
    #[arg(long, default_value = "cf,halo")]
    directions: String,
    /// Seed of every random choice (faults, copies, note counts).
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Instead of the fault soak: overload one service (01…06) at ten times
    /// its sustainable rate.
    #[arg(long)]
    overload: Option<String>,
    /// Seconds of overload.
    #[arg(long, default_value_t = 30)]
    overload_seconds: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("soak: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(soak(args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("soak: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn soak(args: Args) -> Result<bool, bench::Error> {
    if let Some(number) = &args.overload {
        let spec = services::by_number(number).ok_or("--overload takes 01…06")?;
        return overload::run(spec, std::time::Duration::from_secs(args.overload_seconds)).await;
    }
    let scale = match args.scale.as_str() {
        "short" => Scale::SHORT,
        "full" => Scale::FULL,
        other => return Err(format!("unknown scale {other:?}").into()),
    };
    let editions = pick(
        &args.editions,
        &[
            ("function", Edition::Function),
            ("service", Edition::Service),
            ("cluster", Edition::Cluster),
        ],
    )?;
    let directions = pick(
        &args.directions,
        &[("cf", Direction::CfToHalo), ("halo", Direction::HaloToCf)],
    )?;

    // The scenarios run at the same time: each has its own mocks, store and
    // processes, and most of a soak is waiting out faults.
    let started = std::time::Instant::now();
    let mut runs = Vec::new();
    for direction in &directions {
        for edition in &editions {
            let Some(spec) = services::SERVICES
                .into_iter()
                .find(|s| s.direction == *direction && s.edition == *edition)
            else {
                continue;
            };
            let (direction, seed) = (*direction, args.seed);
            runs.push(tokio::spawn(async move {
                match direction {
                    Direction::CfToHalo => cf_soak::run(spec, &scale, seed).await,
                    Direction::HaloToCf => halo_soak::run(spec, &scale, seed).await,
                }
            }));
        }
    }
    let mut all_passed = true;
    let mut summary = Vec::new();
    for run in runs {
        let counts = run.await.map_err(|e| e.to_string())??;
        counts.print();
        all_passed &= counts.passed();
        summary.push(format!(
            "{} {}: duplicates {}, missing {}",
            counts.spec.number, counts.spec.binary, counts.duplicates, counts.missing
        ));
    }
    println!(
        "== {} soak in {:.0} s",
        scale.name,
        started.elapsed().as_secs_f64()
    );
    for line in summary {
        println!("  {line}");
    }
    println!("{}", if all_passed { "PASS" } else { "FAIL" });
    Ok(all_passed)
}

fn pick<T: Copy>(list: &str, names: &[(&str, T)]) -> Result<Vec<T>, bench::Error> {
    list.split(',')
        .map(|item| {
            names
                .iter()
                .find(|(name, _)| *name == item.trim())
                .map(|(_, value)| *value)
                .ok_or_else(|| format!("unknown choice {item:?}").into())
        })
        .collect()
}

/// The settings pointing a bridge's Halo client at `halo`.
fn halo_env(halo: &MockHalo) -> Vec<(String, String)> {
    let config = halo.config();
    vec![
        ("HALO_AUTH_URL".into(), halo.auth_url()),
        ("HALO_API_BASE_URL".into(), halo.api_url()),
        ("HALO_CLIENT_ID".into(), config.client_id.clone()),
        (
            "HALO_CLIENT_SECRET".into(),
            config.client_secret.expose().to_owned(),
        ),
        ("HALO_MAX_REQUESTS_PER_5MIN".into(), "0".into()),
        ("RUST_LOG".into(), "warn".into()),
    ]
}
