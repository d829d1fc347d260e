//! The six services as the tools see them: binary name, direction and edition,
//! and a fresh, empty state store for a run (nothing for the function edition,
//! a new SQLite file for the service edition, a new PostgreSQL database beside
//! `TEST_DATABASE_URL` for the cluster edition), removed again afterwards.

use sqlx::Connection;

use crate::Error;

/// Which way deliveries flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    CfToHalo,
    HaloToCf,
}

/// The runtime profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    Function,
    Service,
    Cluster,
}

/// One of the six services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub number: &'static str,
    pub binary: &'static str,
    pub direction: Direction,
    pub edition: Edition,
}

pub const SERVICES: [Spec; 6] = [
    Spec {
        number: "01",
        binary: "cf-to-halo-function",
        direction: Direction::CfToHalo,
        edition: Edition::Function,
    },
    Spec {
        number: "02",
        binary: "cf-to-halo-service",
        direction: Direction::CfToHalo,
        edition: Edition::Service,
    },
    Spec {
        number: "03",
        binary: "halo-to-cf-function",
        direction: Direction::HaloToCf,
        edition: Edition::Function,
    },
    Spec {
        number: "04",
        binary: "halo-to-cf-service",
        direction: Direction::HaloToCf,
        edition: Edition::Service,
    },
    Spec {
        number: "05",
        binary: "cf-to-halo-cluster",
        direction: Direction::CfToHalo,
        edition: Edition::Cluster,
    },
    Spec {
        number: "06",
        binary: "halo-to-cf-cluster",
        direction: Direction::HaloToCf,
        edition: Edition::Cluster,
    },
];

/// The service with `number` (`01`…`06`).
pub fn by_number(number: &str) -> Option<Spec> {
    SERVICES.into_iter().find(|s| s.number == number)
}

/// The ContraForce webhook secret the tools configure.
pub const CF_SECRET: &str = "tool-cf-webhook-secret-7d1c";
/// The Halo webhook secret the tools configure.
pub const HALO_WEBHOOK_SECRET: &str = "tool-halo-webhook-secret-52be";

/// A state store made for one run.
#[derive(Debug)]
pub enum State {
    /// The function edition's default `memory:`.
    Memory,
    /// A SQLite file in its own temporary folder.
    Sqlite {
        url: String,
        dir: std::path::PathBuf,
    },
    /// A PostgreSQL database made for the run.
    Postgres {
        url: String,
        admin: String,
        name: String,
    },
}

impl State {
    /// An empty store in `edition`'s backend.
    pub async fn fresh(edition: Edition) -> Result<State, Error> {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        match edition {
            Edition::Function => Ok(State::Memory),
            Edition::Service => {
                let dir = std::env::temp_dir().join(format!("bridge-tool-{tag}"));
                let url = format!("sqlite://{}/bridge.db", dir.display());
                Ok(State::Sqlite { url, dir })
            }
            Edition::Cluster => {
                let admin = std::env::var("TEST_DATABASE_URL")
                    .ok()
                    .filter(|u| !u.is_empty())
                    .ok_or(
                        "the cluster edition needs TEST_DATABASE_URL \
                         (eval \"$(bash .ci/postgres.sh)\")",
                    )?;
                let name = format!("bridge_tool_{tag}");
                let mut conn = sqlx::PgConnection::connect(&admin).await?;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await?;
                let (prefix, _) = admin
                    .rsplit_once('/')
                    .ok_or("TEST_DATABASE_URL names no database")?;
                let url = format!("{prefix}/{name}");
                Ok(State::Postgres { url, admin, name })
            }
        }
    }

    /// The `STATE_URL` to configure, if any.
    pub fn url(&self) -> Option<&str> {
        match self {
            State::Memory => None,
            State::Sqlite { url, .. } | State::Postgres { url, .. } => Some(url),
        }
    }

    /// Deletes the file or database (after every process using it has stopped).
    pub async fn remove(self) {
        match self {
            State::Memory => {}
            State::Sqlite { dir, .. } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            State::Postgres { admin, name, .. } => {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(&drop).execute(&mut conn).await;
                }
            }
        }
    }
}

/// The settings every bridge of `direction` needs besides its upstream URLs
/// and credentials.
pub fn direction_env(direction: Direction) -> Vec<(String, String)> {
    let pairs: &[(&str, &str)] = match direction {
        Direction::CfToHalo => &[
            ("CF_WEBHOOK_SECRET", CF_SECRET),
            ("HALO_DEFAULT_TICKETTYPE_ID", "29"),
            ("HALO_DEFAULT_CLIENT_ID", "1"),
            ("HALO_CLIENT_MAP", "5b0c3f0e-2d7a-4f5e-9a51-2f7d3c1e9b10=12"),
        ],
        Direction::HaloToCf => &[
            ("HALO_WEBHOOK_SECRET", HALO_WEBHOOK_SECRET),
            ("HALO_CLOSED_STATUS_ID", "9,10"),
        ],
    };
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}
