//! Consistency tests of `deploy/`: every artefact is parsed (JSON with serde_json, YAML
//! with serde_norway, the Dockerfile as text) and checked against the contract: the
//! variables it sets, the routes and ports it probes, and the shape each platform needs.
//! Nothing here talks to Docker, Azure or Kubernetes.

// A test target's root file resolves `mod` beside itself, so the modules name their
// folder explicitly.
#[path = "consistency/arm.rs"]
mod arm;
#[path = "consistency/container_apps.rs"]
mod container_apps;
#[path = "consistency/contract.rs"]
mod contract;
#[path = "consistency/docker.rs"]
mod docker;
#[path = "consistency/files.rs"]
mod files;
#[path = "consistency/functions.rs"]
mod functions;
#[path = "consistency/kubernetes.rs"]
mod kubernetes;

/// The READMEs run the scripts directly, and git keeps the mode the checkout gets.
mod scripts {
    use std::os::unix::fs::PermissionsExt;

    use crate::files::{self, Problems, deploy};

    #[test]
    fn every_shell_script_under_deploy_is_executable() {
        let mut problems = Problems::default();
        let mut scripts = 0;
        for folder in ["docker", "azure/functions"] {
            for script in files::files_ending(&deploy(folder), ".sh") {
                scripts += 1;
                let mode = std::fs::metadata(&script).map_or(0, |m| m.permissions().mode());
                problems.check(mode & 0o111 == 0o111, || {
                    format!("{} is not executable (mode {mode:o})", script.display())
                });
            }
        }
        problems.check(scripts == 3, || {
            format!("expected 3 scripts, found {scripts}")
        });
        problems.finish();
    }
}

/// The checkers themselves must be able to fail, or a green run would prove nothing.
mod checkers {
    use crate::{arm, contract, files};

    #[test]
    fn expression_syntax_finds_unbalanced_and_unterminated_expressions() {
        assert_eq!(arm::expression_syntax("[concat('a', 'b')]"), None);
        assert_eq!(arm::expression_syntax("[[literal"), None);
        assert_eq!(arm::expression_syntax("plain text"), None);
        assert_eq!(arm::expression_syntax("[format('it''s {0}', 'x')]"), None);
        assert!(arm::expression_syntax("[concat('a', 'b']").is_some());
        assert!(arm::expression_syntax("[concat('a, 'b')]").is_some());
        assert!(arm::expression_syntax("[concat('a')").is_some());
    }

    #[test]
    fn undeclared_parameters_and_variables_are_reported() {
        let template = serde_json::json!({
            "parameters": { "known": {} },
            "variables": { "v": "x" },
            "resources": [{ "name": "[concat(parameters('known'), variables('missing'))]" }]
        });
        let problems = arm::check_expressions(&template);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("variables('missing')"));
    }

    #[test]
    fn calls_skip_longer_function_names() {
        let text = "[subscriptionResourceId('a', resourceId('b'), variables('c'))]";
        assert_eq!(arm::calls(text, "resourceId"), ["b"]);
        assert_eq!(arm::calls(text, "variables"), ["c"]);
    }

    #[test]
    fn settings_check_reports_unknown_unread_and_missing_variables() {
        let service = contract::service(1);
        let problems = contract::check_settings(
            "t",
            service,
            ["HALO_AUTH_URL", "NOT_A_SETTING", "HALO_WEBHOOK_SECRET"],
        );
        let text = problems.join("\n");
        assert!(text.contains("NOT_A_SETTING is not a variable"), "{text}");
        assert!(text.contains("HALO_WEBHOOK_SECRET is set but"), "{text}");
        assert!(text.contains("CF_WEBHOOK_SECRET is required"), "{text}");
        assert!(!text.contains("HALO_AUTH_URL"), "{text}");
    }

    #[test]
    fn only_the_cluster_edition_requires_state_url() {
        assert!(contract::required_by(contract::service(5)).contains(&"STATE_URL"));
        assert!(!contract::required_by(contract::service(2)).contains(&"STATE_URL"));
    }

    #[test]
    fn yaml_documents_are_split_and_parsed() {
        let documents = files::yaml_documents("a: 1\n---\nb: [x]\n").expect("valid YAML");
        assert_eq!(documents.len(), 2);
        assert_eq!(documents[1]["b"][0], "x");
        assert!(files::yaml_documents("a: [unclosed\n").is_err());
    }

    #[test]
    fn package_name_reads_the_package_table_only() {
        let manifest = "[dependencies]\nname = \"no\"\n\n[package]\nname = \"yes\"\n";
        assert_eq!(files::package_name(manifest).as_deref(), Some("yes"));
    }
}
