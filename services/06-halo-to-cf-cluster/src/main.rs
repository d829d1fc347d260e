//! Halo → ContraForce, cluster edition (any number of replicas sharing one PostgreSQL database).

use relay::settings::{Direction, Edition};

fn main() -> std::process::ExitCode {
    relay::run(Direction::HaloToCf, Edition::Cluster)
}
