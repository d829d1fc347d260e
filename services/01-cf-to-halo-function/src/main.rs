//! ContraForce → Halo, function edition (stateless; for serverless hosts such as an Azure
//! Functions custom handler).

use relay::settings::{Direction, Edition};

fn main() -> std::process::ExitCode {
    relay::run(Direction::CfToHalo, Edition::Function)
}
