//! `bench`: throughput, latency, start-up time, memory and upstream calls per
//! delivery of the six service binaries, each against instant stub upstreams,
//! with distinct signed deliveries so that no dedupe short-circuits. Prints one
//! line per run and a table of medians. Run it from a release build:
//!
//! ```text
//! cargo build --release --bins
//! target/release/bench --services all --runs 3
//! ```
//!
//! The cluster services need `TEST_DATABASE_URL` (a PostgreSQL database the
//! benchmark may create and drop databases beside). See `docs/benchmarks.md`.

mod run;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use bench::services::SERVICES;

use crate::run::{Plan, Run};

/// Benchmarks the bridge's service binaries.
#[derive(Debug, Parser)]
#[command(name = "bench")]
struct Args {
    /// Services by number (01…06), comma separated, or `all`.
    #[arg(long, default_value = "all")]
    services: String,
    /// Runs per service; the table shows medians.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Concurrent connections of the load generator.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Seconds measured.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Seconds of warm-up before measuring.
    #[arg(long, default_value_t = 5)]
    warmup: u64,
    /// The bridges' `RUST_LOG` (their logs go to /dev/null).
    #[arg(long, default_value = "info")]
    log: String,
    /// Instead of the timed runs: send this many deliveries and compare resident
    /// memory after a tenth of them with memory at the end.
    #[arg(long)]
    growth: Option<u64>,
    /// An extra setting for the services, `NAME=VALUE` (repeatable), e.g.
    /// `--set MEMORY_MAX_ENTRIES=5000`.
    #[arg(long = "set", value_parser = name_value)]
    set: Vec<(String, String)>,
    /// Stub upstream worker threads.
    #[arg(long, default_value_t = 1)]
    stub_workers: usize,
}

fn name_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(format!("expected NAME=VALUE, got {text:?}")),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("bench: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(bench(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn bench(args: Args) -> Result<(), bench::Error> {
    let chosen: Vec<_> = SERVICES
        .iter()
        .filter(|s| {
            args.services == "all" || args.services.split(',').any(|n| n.trim() == s.number)
        })
        .collect();
    if chosen.is_empty() {
        return Err(format!("no service matches {:?}", args.services).into());
    }
    println!("{}", machine());

    let plan = Plan {
        connections: args.connections,
        warmup: Duration::from_secs(args.warmup),
        measure: Duration::from_secs(args.seconds),
        log: args.log.clone(),
        stub_workers: args.stub_workers,
        extra_env: args.set.clone(),
    };

    if let Some(total) = args.growth {
        for service in chosen {
            run::growth(service, &plan, total).await?;
        }
        return Ok(());
    }

    println!("{}", Run::header());
    let mut table = Vec::new();
    for service in chosen {
        let mut runs = Vec::new();
        for n in 1..=args.runs {
            let result = run::timed(service, &plan).await?;
            println!("{}", result.line(n));
            runs.push(result);
        }
        table.push((service, runs));
    }
    println!();
    println!("{}", run::median_table(&table));
    Ok(())
}

/// The machine, as `docs/benchmarks.md` describes it.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, name)| name.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "machine: {cpu}, {cores} cores; load average at start: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    )
}
