//! How many enqueues per second the SQLite backend takes with fsync on, by number of
//! concurrent callers. A measurement, not run by default (timing depends on the disk):
//! `cargo test -p store --release --test store throughput -- --ignored --nocapture`.

use crate::backends::{Fixture, T0, delivery};
use std::time::Instant;
use store::Enqueued;

/// The service edition's target with many webhooks arriving at once.
const TARGET_PER_SECOND: f64 = 2_500.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement; run in release with --ignored --nocapture"]
async fn sqlite_enqueue_throughput() {
    let fixture = Fixture::sqlite();
    let store = fixture.connect().await;
    let body = vec![b'x'; 1024];
    let mut rate_at_64 = 0.0;

    for (round, (callers, per_caller)) in [(1, 200), (16, 250), (64, 150), (256, 60)]
        .into_iter()
        .enumerate()
    {
        let started = Instant::now();
        let tasks: Vec<_> = (0..callers)
            .map(|caller| {
                let (store, body) = (store.clone(), body.clone());
                tokio::spawn(async move {
                    for n in 0..per_caller {
                        let id = format!("r{round}-c{caller}-n{n}");
                        let mut new = delivery(&id, Some(&id), T0);
                        new.body = body.clone();
                        let result = store.enqueue(new).await.expect("enqueue");
                        assert_eq!(result, Enqueued::New);
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("caller");
        }

        let (total, seconds) = (callers * per_caller, started.elapsed().as_secs_f64());
        let rate = total as f64 / seconds;
        let ms = seconds * 1000.0;
        println!(
            "sqlite enqueue, {callers:>3} callers: {total:>6} in {ms:>6.0} ms = {rate:>5.0}/s"
        );
        if callers == 64 {
            rate_at_64 = rate;
        }
    }

    assert!(
        rate_at_64 >= TARGET_PER_SECOND,
        "{rate_at_64:.0}/s with 64 callers"
    );
}
