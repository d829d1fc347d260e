//! The end-to-end scenarios every ContraForce → Halo service (01 function,
//! 02 service, 05 cluster) must pass, written once against contract §3 and run
//! by each service's test file through [`cf_to_halo_e2e!`](crate::cf_to_halo_e2e).
//! Scenarios that only one edition has (crashes, replicas, `/api` routes) live in
//! that service's own tests and use the [`CfBed`] from here.

mod harness;
mod intake;
mod mapping;
mod outages;
mod probes;
mod races;
mod signature;

pub use harness::{
    CfBed, INCIDENT_CREATED, SETTLE, Target, assert_not_finished, assert_reply, created_id,
    delivery_headers, duplicate, private_notes, signed_headers, updated, wait_settled,
};
pub use intake::*;
pub use mapping::*;
pub use outages::*;
pub use probes::*;
pub use races::*;
pub use relay::settings::Edition;
pub use signature::*;

/// Generates one `#[tokio::test]` per shared scenario for an edition:
/// `testkit::cf_to_halo_e2e!(Service, env!("CARGO_BIN_EXE_cf-to-halo-service"));`
#[macro_export]
macro_rules! cf_to_halo_e2e {
    ($edition:ident, $binary:expr) => {
        $crate::cf_to_halo_e2e!(@each $edition, $binary;
            body_of_exactly_the_limit_is_accepted_one_more_byte_is_413,
            missing_or_empty_event_id_is_400,
            only_a_correct_signature_is_accepted,
            both_secrets_of_a_rotation_are_accepted,
            timestamps_within_the_skew_are_accepted,
            unhandled_schema_is_ignored_by_header_or_body_type,
            malformed_payloads_name_the_field,
            optional_fields_may_be_absent_or_null,
            test_deliveries_leave_halo_alone,
            test_deliveries_are_processed_when_configured,
            a_repeated_event_is_a_duplicate_without_halo_calls,
            a_new_event_for_a_known_incident_adds_a_private_note,
            the_note_outcome_may_be_an_outcome_id,
            fifty_copies_of_one_event_make_one_ticket,
            fifty_events_of_one_incident_make_one_ticket_and_49_notes,
            ticket_creates_failing_with_500s_then_recovering,
            ticket_searches_rate_limited_then_recovering,
            token_requests_timing_out_then_recovering,
            a_create_answered_504_after_storing_makes_one_ticket,
            a_create_timing_out_after_storing_makes_one_ticket,
            a_lost_create_stays_suspected_through_a_later_failure,
            a_note_whose_reply_is_lost_is_not_doubled,
            a_failed_note_is_not_mistaken_for_a_similar_events_note,
            a_ticket_carries_every_mapped_field,
            summaries_are_prefixed_and_cut_to_200_chars,
            markup_in_incident_values_is_escaped_in_the_details,
            priority_follows_the_default_map,
            priority_follows_a_custom_map,
            client_follows_the_client_map_else_the_default,
            reference_in_thirdpartynumber_by_default,
            reference_in_third_party_id_string,
            reference_in_a_custom_field_wins_over_the_named_field,
            a_ticket_with_a_similar_reference_is_not_taken,
            health_readiness_and_metrics_answer,
            missing_settings_are_named_and_the_binary_exits,
        );
    };
    (@each $edition:ident, $binary:expr; $($scenario:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $scenario() {
                let target = $crate::cf_suite::Target {
                    edition: $crate::cf_suite::Edition::$edition,
                    binary: $binary,
                };
                $crate::cf_suite::$scenario(target).await;
            }
        )*
    };
}
