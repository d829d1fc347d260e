//! ContraForce → Halo, service edition (one long-running container with a durable SQLite queue).

use relay::settings::{Direction, Edition};

fn main() -> std::process::ExitCode {
    relay::run(Direction::CfToHalo, Edition::Service)
}
