//! The store's one integration-test binary. Every case in `queue`, `state` and
//! `concurrency` runs against each backend (`memory::…`, `sqlite::…`, `postgres::…`;
//! PostgreSQL when `TEST_DATABASE_URL` is set, see `.ci/postgres.sh`); `connect` holds
//! what is particular to one backend.

mod backends;
mod concurrency;
mod connect;
mod queue;
mod state;
mod throughput;

/// One test per backend and case; each gets a store of its own.
macro_rules! conformance {
    ($($module:ident :: $case:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let fixture = crate::backends::Fixture::memory();
                    crate::$module::$case(fixture.connect().await).await;
                }
            )*
        }

        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let fixture = crate::backends::Fixture::sqlite();
                    crate::$module::$case(fixture.connect().await).await;
                    fixture.close().await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(fixture) = crate::backends::Fixture::postgres().await else {
                        return;
                    };
                    crate::$module::$case(fixture.connect().await).await;
                    fixture.close().await;
                }
            )*
        }
    };
}

conformance!(
    queue::enqueue_records_a_pending_delivery,
    queue::enqueue_returns_the_existing_delivery_in_any_status,
    queue::event_ids_are_unique_per_kind_and_optional,
    queue::claim_due_takes_due_deliveries_oldest_first,
    queue::an_expired_lease_is_reclaimed_with_attempts_increased,
    queue::claim_takes_one_delivery_when_free,
    queue::an_interrupted_attempt_says_so_in_last_error,
    queue::enqueue_claimed_records_a_delivery_already_claimed,
    queue::complete_records_the_outcome,
    queue::retry_later_waits_for_the_next_attempt,
    queue::dead_letters_wait_for_replay,
    queue::forget_removes_so_the_event_counts_as_new,
    queue::release_worker_returns_its_deliveries,
    queue::recent_lists_newest_first,
    queue::counts_by_status,
    queue::prune_done_deletes_only_old_done_deliveries,
    state::try_lock_excludes_others_until_expiry,
    state::unlock_releases_only_the_holders_lock,
    state::the_first_link_wins,
    state::ticket_progress_tracks_forwarded_actions_and_reported_state,
    state::ping_answers,
    concurrency::fifty_concurrent_copies_of_one_event_record_it_once,
    concurrency::concurrent_claimers_take_each_delivery_once,
    concurrency::concurrent_claimed_copies_of_one_event_record_it_once,
    concurrency::a_failing_write_fails_alone_among_concurrent_ones,
);
