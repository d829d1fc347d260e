//! Halo → ContraForce, service edition (one long-running container with a durable SQLite store).

use relay::settings::{Direction, Edition};

fn main() -> std::process::ExitCode {
    relay::run(Direction::HaloToCf, Edition::Service)
}
