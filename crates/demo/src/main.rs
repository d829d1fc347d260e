//! `demo`: one incident travels ContraForce → Halo → ContraForce through the
//! bridge, on the mock upstreams, with a short transcript of each step. Exits 0
//! when every step held, 1 with the failing step otherwise.
//!
//! Without arguments it starts everything inside this process (no Docker
//! needed). Given the URLs (as the compose file does), it drives services that
//! run elsewhere.

mod embedded;
mod scenario;

use std::process::ExitCode;

use clap::Parser;
use scenario::{Demo, Endpoints, Expected, Pair};

#[derive(Debug, Parser)]
#[command(about = "Watch an incident travel ContraForce → Halo → ContraForce through the bridge")]
struct Args {
    /// mock-halo's base URL; unset: start everything in this process.
    #[arg(long, env = "DEMO_HALO_URL")]
    halo_url: Option<String>,
    /// mock-contraforce's base URL.
    #[arg(long, env = "DEMO_CF_URL")]
    cf_url: Option<String>,
    /// Bridge pairs `NAME=CF_TO_HALO_URL,HALO_TO_CF_URL`, separated by `;`.
    #[arg(long, env = "DEMO_PAIRS")]
    pairs: Option<String>,
    /// The `CF_WEBHOOK_SECRET` the ContraForce → Halo bridges use.
    #[arg(
        long,
        env = "DEMO_CF_WEBHOOK_SECRET",
        default_value = "demo-webhook-secret"
    )]
    cf_webhook_secret: String,
    /// The `HALO_WEBHOOK_SECRET` the Halo → ContraForce bridges use.
    #[arg(
        long,
        env = "DEMO_HALO_WEBHOOK_SECRET",
        default_value = "demo-halo-secret"
    )]
    halo_webhook_secret: String,
    /// The ContraForce account mapped to a Halo client in `HALO_CLIENT_MAP`.
    #[arg(
        long,
        env = "DEMO_ACCOUNT_ID",
        default_value = "5b0c3f0e-2d7a-4f5e-9a51-2f7d3c1e9b10"
    )]
    account_id: String,
    /// The Halo client that account maps to.
    #[arg(long, env = "DEMO_CLIENT_ID", default_value_t = 12)]
    client_id: i64,
    /// The `CF_CLOSE_CLASSIFICATION` the Halo → ContraForce bridges use.
    #[arg(long, env = "DEMO_CLASSIFICATION", default_value = "Undetermined")]
    classification: String,
    /// The address people open mock Halo's page at, when it differs from `--halo-url`.
    #[arg(long, env = "DEMO_HALO_PAGE")]
    halo_page: Option<String>,
    /// The address people open mock ContraForce's page at, when it differs from `--cf-url`.
    #[arg(long, env = "DEMO_CF_PAGE")]
    cf_page: Option<String>,
    /// After the scenario, keep the in-process mocks up until Ctrl-C.
    #[arg(long)]
    stay: bool,
}

fn parse_pairs(text: &str) -> Result<Vec<Pair>, String> {
    text.split(';')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let (name, urls) = item
                .split_once('=')
                .ok_or(format!("{item}: expected NAME=URL,URL"))?;
            let (cf_to_halo, halo_to_cf) = urls
                .split_once(',')
                .ok_or(format!("{item}: expected two URLs"))?;
            Ok(Pair {
                name: name.trim().to_owned(),
                cf_to_halo: cf_to_halo.trim().trim_end_matches('/').to_owned(),
                halo_to_cf: halo_to_cf.trim().trim_end_matches('/').to_owned(),
            })
        })
        .collect()
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let expected = Expected {
        cf_webhook_secret: args.cf_webhook_secret.clone(),
        halo_webhook_secret: args.halo_webhook_secret.clone(),
        account_id: args.account_id.clone(),
        client_id: args.client_id,
        classification: args.classification.clone(),
    };

    let (endpoints, running) = match (&args.halo_url, &args.cf_url, &args.pairs) {
        (Some(halo), Some(cf), Some(pairs)) => match parse_pairs(pairs) {
            Ok(pairs) if !pairs.is_empty() => {
                let halo = halo.trim_end_matches('/').to_owned();
                let cf = cf.trim_end_matches('/').to_owned();
                (Endpoints { halo, cf, pairs }, None)
            }
            Ok(_) => return usage("DEMO_PAIRS names no pair"),
            Err(problem) => return usage(&problem),
        },
        (None, None, None) => match embedded::start(&expected).await {
            Ok(running) => (running.endpoints.clone(), Some(running)),
            Err(failure) => {
                eprintln!("{failure}");
                return ExitCode::FAILURE;
            }
        },
        _ => return usage("give all of --halo-url, --cf-url and --pairs, or none"),
    };

    let pages = (
        args.halo_page
            .clone()
            .unwrap_or_else(|| endpoints.halo.clone()),
        args.cf_page.clone().unwrap_or_else(|| endpoints.cf.clone()),
    );
    let outcome = match Demo::new(endpoints, expected, pages) {
        Ok(demo) => demo.run().await,
        Err(failure) => Err(failure),
    };
    if let Err(failure) = &outcome {
        eprintln!("\nDEMO FAILED: {failure}");
    }

    if running.is_some() && !args.stay {
        println!("(run with --stay to keep everything up and browse the pages)");
    }
    if args.stay && running.is_some() {
        println!("Press Ctrl-C to stop.");
        let _ = tokio::signal::ctrl_c().await;
    }
    if let Some(running) = running {
        for bridge in running.bridges {
            bridge.stop().await;
        }
        running.halo.stop().await;
        running.cf.stop().await;
    }
    if outcome.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("demo: {problem}");
    ExitCode::from(2)
}
