//! Starting and stopping a mock: the actix server on its address, its URLs,
//! and the [`MockControl`] it hands out.

use std::net::{SocketAddr, ToSocketAddrs};
use std::ops::Deref;
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};
use tokio::task::JoinHandle;

use crate::config::MockCfConfig;
use crate::control::MockControl;
use crate::shared::Shared;
use crate::{admin, api, page};

/// A running mock ContraForce. Dereferences to its [`MockControl`], so
/// `mock.comments(id)` and `mock.send_incident(&template)` work directly.
/// Dropping it stops the server.
#[derive(Debug)]
pub struct MockContraForce {
    control: MockControl,
    addr: SocketAddr,
    handle: ServerHandle,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl MockContraForce {
    /// Starts a mock on `127.0.0.1` with a free port; it is listening when
    /// this returns.
    pub async fn start(config: MockCfConfig) -> std::io::Result<Self> {
        Self::start_on(("127.0.0.1", 0), config).await
    }

    /// Starts a mock on `addr` (for the binary: `BIND`, `PORT`).
    pub async fn start_on(addr: impl ToSocketAddrs, config: MockCfConfig) -> std::io::Result<Self> {
        let shared = Arc::new(Shared::new(config)?);
        let control = MockControl::new(Arc::clone(&shared));

        let shared_data = web::Data::from(shared);
        let control_data = web::Data::new(control.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared_data.clone())
                .app_data(control_data.clone())
                .configure(api::configure)
                // Before the `/_admin` scope, which would otherwise claim the
                // page's `/_admin/ui/...` form targets and answer 404.
                .configure(page::configure)
                .configure(admin::configure)
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .bind(addr)?;

        let addr = server
            .addrs()
            .first()
            .copied()
            .ok_or_else(|| std::io::Error::other("the server bound no address"))?;
        let server = server.run();
        let handle = server.handle();
        let task = tokio::spawn(server);
        tracing::debug!(%addr, "mock ContraForce listening");
        Ok(Self {
            control,
            addr,
            handle,
            task: Some(task),
        })
    }

    /// The address the mock listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the HTML view and the root of `/_admin`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `{base}/api/v2`: what the bridge takes as `CF_API_BASE_URL`.
    pub fn api_url(&self) -> String {
        format!("{}/api/v2", self.base_url())
    }

    /// A handle that outlives borrows of the mock (for tasks and closures).
    pub fn control(&self) -> MockControl {
        self.control.clone()
    }

    /// Stops the server and waits until it has.
    pub async fn stop(mut self) {
        self.handle.stop(false).await;
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Runs until the server stops (for the binary, which stops it on a signal).
    pub async fn wait(mut self) -> std::io::Result<()> {
        match self.task.take() {
            Some(task) => task.await.map_err(std::io::Error::other)?,
            None => Ok(()),
        }
    }

    /// A handle that can stop the server from elsewhere.
    pub fn server_handle(&self) -> ServerHandle {
        self.handle.clone()
    }
}

impl Deref for MockContraForce {
    type Target = MockControl;

    fn deref(&self) -> &MockControl {
        &self.control
    }
}

impl Drop for MockContraForce {
    fn drop(&mut self) {
        if self.task.is_some() {
            // The command is sent at once; the returned future only reports
            // completion, which a destructor cannot wait for.
            drop(self.handle.stop(false));
        }
    }
}
