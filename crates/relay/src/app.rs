//! Start-up and shutdown: settings → telemetry → store → upstream clients →
//! engine → HTTP server and worker. [`run`] is what each binary's `main` calls;
//! [`Bridge::start`] is the same start-up for tests and tools, in-process.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, web};
use cf_client::{CfClient, CfConfig};
use halo_client::{HaloClient, HaloConfig};
use mapping::ticket::TicketMapping;
use signing::CfVerifier;
use store::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use upstream::{Clock, RetryPolicy, SystemClock};

use crate::admin::{self, Admin};
use crate::cf_to_halo::CfToHalo;
use crate::engine::{Core, Engine, Pipeline};
use crate::halo_to_cf::{CloseSettings, HaloToCf, OwnAgents};
use crate::http::{self, Front, Inbound};
use crate::metrics::Metrics;
use crate::settings::{Direction, Edition, HaloSettings, Settings, StateBackend};
use crate::telemetry;

/// The longest a single upstream exchange may take.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a graceful stop waits for requests in progress.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// The worker id of the single-process service edition: stable across restarts,
/// so a restarted process takes back what its predecessor left in flight.
const SERVICE_WORKER: &str = "service";

/// Runs a bridge binary: reads its subcommand from the command line (`serve`
/// when there is none) and runs it; see [`crate::cli`].
pub fn run(direction: Direction, edition: Edition) -> ExitCode {
    crate::cli::main(direction, edition, std::env::args_os())
}

/// `serve`: loads the settings (exiting 2 with every problem listed when they
/// are wrong), then serves until SIGINT or SIGTERM.
pub fn serve(direction: Direction, edition: Edition) -> ExitCode {
    let settings = match Settings::from_env(direction, edition) {
        Ok(settings) => settings,
        Err(problems) => {
            eprintln!("the bridge cannot start; fix these settings:\n{problems}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format, &settings.rust_log);

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("the bridge cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let bind = bind_address();
        match Bridge::start(settings, bind, true).await {
            Ok(bridge) => {
                tracing::info!(url = %bridge.url(), "bridge listening");
                bridge.wait().await;
                ExitCode::SUCCESS
            }
            Err(error) => {
                tracing::error!(%error, "the bridge could not start");
                eprintln!("the bridge could not start: {error}");
                ExitCode::FAILURE
            }
        }
    })
}

/// `BIND` (an IP address; default all interfaces, as containers need).
fn bind_address() -> IpAddr {
    std::env::var("BIND")
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Why start-up failed.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("state store: {0}")]
    Store(#[from] store::StoreError),
    #[error("Halo client: {0}")]
    Halo(#[from] halo_client::HaloError),
    #[error("ContraForce client: {0}")]
    Cf(#[from] cf_client::CfError),
    #[error("the settings lack the sections of the binary's direction")]
    Incomplete,
    #[error("cannot listen: {0}")]
    Listen(#[from] std::io::Error),
}

/// A running bridge.
pub struct Bridge {
    addr: SocketAddr,
    server: ServerHandle,
    served: JoinHandle<std::io::Result<()>>,
    stop_worker: watch::Sender<bool>,
    worker: Option<JoinHandle<()>>,
    learner: Option<JoinHandle<()>>,
    pub engine: Arc<Engine>,
    pub metrics: Arc<Metrics>,
}

impl Bridge {
    /// Starts a bridge on `bind` and the configured port (0 picks a free one).
    /// With `signals`, SIGINT and SIGTERM stop it gracefully.
    pub async fn start(
        settings: Settings,
        bind: IpAddr,
        signals: bool,
    ) -> Result<Bridge, StartError> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let metrics = Arc::new(Metrics::default());
        let store = store::connect(settings.state_url.expose(), settings.store_options()).await?;
        let shared_store = matches!(settings.state_url.backend(), StateBackend::Postgres);

        let worker_id = match settings.edition {
            Edition::Service => SERVICE_WORKER.to_owned(),
            _ => format!("{}-{}", host_name(), uuid::Uuid::new_v4().simple()),
        };
        if settings.edition == Edition::Service {
            let released = store
                .release_worker(&worker_id, clock.unix_millis())
                .await?;
            if released > 0 {
                tracing::info!(
                    released,
                    "took back deliveries left in flight by the last run"
                );
            }
        }

        let halo = HaloClient::new(halo_config(&settings.halo), clock.clone(), metrics.clone())?;
        let (pipeline, inbound, learner): (Arc<dyn Pipeline>, Inbound, _) =
            build_direction(&settings, halo, clock.clone(), metrics.clone())?;

        let core = Core::new(
            settings.edition,
            store.clone(),
            shared_store,
            clock.clone(),
            metrics.clone(),
            worker_id,
            settings.process_budget,
        );
        let engine = Engine::new(core, pipeline);
        let front = web::Data::new(Front {
            engine: engine.clone(),
            inbound,
            max_body_bytes: settings.max_body_bytes,
        });

        let function = settings.edition == Edition::Function;
        let operator_view = web::Data::new(Admin::from_settings(&settings));
        let mut server = actix_web::HttpServer::new(move || {
            let app = App::new().app_data(front.clone()).configure(http::routes);
            if function {
                app.service(web::scope("/api").configure(http::routes))
            } else {
                // The operator view: only the editions with a store worth showing.
                app.app_data(operator_view.clone())
                    .configure(admin::routes)
                    .service(web::scope("/api").configure(|_| {}))
            }
        })
        .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
        .workers(settings.http_workers)
        .bind((bind, settings.port))?;
        if !signals {
            server = server.disable_signals();
        }
        let addr = server.addrs().first().copied().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::AddrNotAvailable, "no listening address")
        })?;
        let server = server.run();
        let handle = server.handle();
        let served = tokio::spawn(server);

        let (stop_worker, stop) = watch::channel(false);
        let worker = (settings.edition != Edition::Function)
            .then(|| tokio::spawn(engine.clone().work(stop)));

        Ok(Bridge {
            addr,
            server: handle,
            served,
            stop_worker,
            worker,
            learner,
            engine,
            metrics,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ip:port`, with 127.0.0.1 for an all-interfaces bind.
    pub fn url(&self) -> String {
        let ip = if self.addr.ip().is_unspecified() {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            self.addr.ip()
        };
        format!("http://{}", SocketAddr::new(ip, self.addr.port()))
    }

    /// The store it uses.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.engine.core.store
    }

    /// Waits until the server stops (on a signal), then stops the worker.
    pub async fn wait(mut self) {
        let _ = (&mut self.served).await;
        self.finish().await;
    }

    /// Stops gracefully: no new requests, requests in progress finish, the
    /// worker finishes or hands back what it holds.
    pub async fn stop(mut self) {
        self.server.stop(true).await;
        let _ = (&mut self.served).await;
        self.finish().await;
    }

    async fn finish(&mut self) {
        let _ = self.stop_worker.send(true);
        if let Some(worker) = self.worker.take() {
            let _ = worker.await;
        }
        if let Some(learner) = self.learner.take() {
            learner.abort();
        }
        if self.engine.core.edition == Edition::Service {
            let core = &self.engine.core;
            let _ = core
                .store
                .release_worker(&core.worker_id, core.clock.unix_millis())
                .await;
        }
    }
}

fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "bridge".into())
}

pub(crate) fn halo_config(halo: &HaloSettings) -> HaloConfig {
    HaloConfig {
        auth_url: halo.auth_url.clone(),
        api_base_url: halo.api_base_url.clone(),
        client_id: halo.client_id.clone(),
        client_secret: halo.client_secret.clone(),
        tenant: halo.tenant.clone(),
        scope: halo.scope.clone(),
        ref_field: halo.ref_field.clone(),
        max_requests_per_5min: halo.max_requests_per_5min,
        request_timeout: UPSTREAM_TIMEOUT,
        retry: RetryPolicy::default(),
    }
}

type Direction3 = (Arc<dyn Pipeline>, Inbound, Option<JoinHandle<()>>);

/// The pipeline, intake and background tasks of the configured direction.
fn build_direction(
    settings: &Settings,
    halo: HaloClient,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
) -> Result<Direction3, StartError> {
    if let Some(cf) = &settings.cf_inbound {
        let mapping = TicketMapping {
            priorities: cf.priority_map.clone(),
            clients: cf.client_map.clone(),
            default_client_id: cf.default_client_id,
            tickettype_id: cf.default_tickettype_id,
        };
        let pipeline = CfToHalo {
            halo,
            mapping,
            note_outcome: cf.private_note_outcome.clone(),
        };
        let inbound = Inbound::Cf {
            verifier: CfVerifier::new(cf.webhook_secrets.clone(), cf.max_skew_secs),
            process_tests: cf.process_test_deliveries,
        };
        return Ok((Arc::new(pipeline), inbound, None));
    }

    let (Some(outbound), Some(inbound)) = (&settings.cf_outbound, &settings.halo_inbound) else {
        return Err(StartError::Incomplete);
    };
    let cf_config = CfConfig {
        base_url: outbound.api_base_url.clone(),
        client_id: outbound.client_id.clone(),
        client_secret: outbound.client_secret.clone(),
        workspace_id: outbound.workspace_id.clone(),
        request_timeout: UPSTREAM_TIMEOUT,
        retry: RetryPolicy::default(),
    };
    let cf = CfClient::new(cf_config, clock.clone(), metrics)?;
    let agents = Arc::new(OwnAgents::new(inbound.integration_agent_ids.clone()));
    let learner = tokio::spawn(learn_own_agent(agents.clone(), halo.clone(), clock));
    let pipeline = HaloToCf {
        halo,
        cf,
        ref_field: settings.halo.ref_field.clone(),
        close: CloseSettings {
            classification: outbound.close_classification.clone(),
            reason: outbound.close_classification_reason.clone(),
            mirror_reopen: outbound.mirror_reopen,
            closed_status_ids: inbound.closed_status_ids.clone(),
        },
        agents,
    };
    let inbound = Inbound::Halo {
        secret: inbound.webhook_secret.clone(),
    };
    Ok((Arc::new(pipeline), inbound, Some(learner)))
}

/// Learns the bridge's own Halo agent at start-up, retrying in the background
/// while Halo is down (processing asks again itself when it needs the id).
async fn learn_own_agent(agents: Arc<OwnAgents>, halo: HaloClient, clock: Arc<dyn Clock>) {
    let mut wait = Duration::from_secs(1);
    loop {
        match agents.learn(&halo).await {
            Ok(id) => {
                tracing::info!(agent_id = id, "learned the bridge's own Halo agent");
                return;
            }
            Err(failure) => {
                tracing::warn!(
                    reason = %failure.reason,
                    "cannot learn the bridge's Halo agent yet"
                );
                clock.sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(60));
            }
        }
    }
}
