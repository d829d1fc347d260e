//! Overload: find the rate one service sustains, then offer it ten times that.

use std::time::Duration;

use bench::services::Spec;

pub async fn run(spec: Spec, seconds: Duration) -> Result<bool, bench::Error> {
    let _ = (spec, seconds);
    Err("overload: not written yet".into())
}
