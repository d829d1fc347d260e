//! `deploy/azure/container-apps/`: the service edition as one Container App per
//! direction: exactly one replica, an Azure Files volume at /data holding the SQLite
//! file, probes on the contract's health routes and the port the binary listens on, and
//! every secret as a Container Apps secret.

use serde_json::Value;

use crate::arm;
use crate::contract::{self, Direction, Edition};
use crate::files::{Problems, deploy, read_json};

fn template() -> Value {
    read_json(&deploy("azure/container-apps/azuredeploy.json"))
}

fn app(t: &Value) -> &Value {
    arm::resource(t, "Microsoft.App/containerApps")
}

fn container(t: &Value) -> &Value {
    let containers = &app(t)["properties"]["template"]["containers"];
    assert_eq!(
        containers.as_array().map(Vec::len),
        Some(1),
        "the Container App must run exactly one container"
    );
    &containers[0]
}

/// The items of the array variables named, concatenated.
fn items(t: &Value, names: &[&str], problems: &mut Problems) -> Vec<Value> {
    let mut all = Vec::new();
    for name in names {
        match arm::variable(t, name).as_array() {
            Some(list) => all.extend(list.iter().cloned()),
            None => problems.add(format!("variable {name} is missing or not an array")),
        }
    }
    all
}

#[test]
fn exactly_one_replica_in_single_revision_mode() {
    let t = template();
    let properties = &app(&t)["properties"];
    let scale = &properties["template"]["scale"];
    let mut problems = Problems::default();
    problems.check(
        scale["minReplicas"] == 1 && scale["maxReplicas"] == 1,
        || format!("scale {scale}: SQLite needs min = max = 1 replica"),
    );
    problems.check(
        properties["configuration"]["activeRevisionsMode"] == "Single",
        || "activeRevisionsMode must be Single".to_owned(),
    );
    problems.finish();
}

#[test]
fn an_azure_files_volume_is_mounted_at_data_and_holds_the_state_file() {
    let t = template();
    let mut problems = Problems::default();
    let volumes = app(&t)["properties"]["template"]["volumes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mount = container(&t)["volumeMounts"]
        .as_array()
        .and_then(|mounts| mounts.iter().find(|m| m["mountPath"] == "/data").cloned());
    let Some(mount) = mount else {
        problems.add("no volume is mounted at /data");
        return problems.finish();
    };
    let volume = volumes.iter().find(|v| v["name"] == mount["volumeName"]);
    problems.check(
        volume.is_some_and(|v| v["storageType"] == "AzureFile"),
        || {
            format!(
                "the volume at /data ({}) is not an AzureFile volume",
                mount["volumeName"]
            )
        },
    );
    // The volume names environment storage that the template must also create.
    let storage_name = volume.map(|v| arm::resolve(&t, &v["storageName"]).clone());
    let declared = arm::resources(&t, "Microsoft.App/managedEnvironments/storages")
        .iter()
        .any(|s| {
            let name = s["name"].as_str().unwrap_or_default();
            storage_name
                .as_ref()
                .and_then(Value::as_str)
                .is_some_and(|n| {
                    name.ends_with(&format!("/{n}"))
                        || arm::calls(name, "variables")
                            .iter()
                            .any(|v| arm::variable(&t, v).as_str() == Some(n))
                })
        });
    problems.check(declared, || {
        format!("environment storage {storage_name:?} is not created by the template")
    });

    let state_url = items(&t, &["envCommon"], &mut problems)
        .into_iter()
        .find(|e| e["name"] == "STATE_URL")
        .and_then(|e| e["value"].as_str().map(str::to_owned));
    problems.check(
        state_url
            .as_deref()
            .is_some_and(|u| u.starts_with("sqlite:///data/")),
        || format!("STATE_URL {state_url:?} is not a SQLite file under /data"),
    );
    problems.finish();
}

#[test]
fn probes_and_ingress_use_the_contract_routes_and_the_listening_port() {
    let t = template();
    let mut problems = Problems::default();
    let port_setting = items(&t, &["envCommon"], &mut problems)
        .into_iter()
        .find(|e| e["name"] == "PORT")
        .and_then(|e| e["value"].as_str().map(str::to_owned));
    let port = match contract::listen_port(port_setting.as_deref()) {
        Ok(port) => port,
        Err(problem) => {
            problems.add(problem);
            contract::DEFAULT_PORT
        }
    };
    let probes = container(&t)["probes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (kind, path) in [
        ("Liveness", contract::HEALTHZ),
        ("Readiness", contract::READYZ),
    ] {
        let probe = probes.iter().find(|p| p["type"] == kind);
        problems.check(probe.is_some_and(|p| p["httpGet"]["path"] == path), || {
            format!("no {kind} probe on {path}")
        });
        problems.check(probe.is_some_and(|p| p["httpGet"]["port"] == port), || {
            format!("the {kind} probe does not use port {port}")
        });
    }
    let ingress = &app(&t)["properties"]["configuration"]["ingress"];
    problems.check(ingress["targetPort"] == port, || {
        format!("ingress targetPort {} is not {port}", ingress["targetPort"])
    });
    problems.finish();
}

#[test]
fn each_direction_gets_its_settings_and_secrets_by_reference() {
    let t = template();
    let mut problems = Problems::default();
    let env_expression = container(&t)["env"].as_str().unwrap_or_default();
    let secrets_expression = app(&t)["properties"]["configuration"]["secrets"]
        .as_str()
        .unwrap_or_default();
    for direction in [Direction::CfToHalo, Direction::HaloToCf] {
        let service = contract::service_of(direction, Edition::Service);
        let what = format!("container app {}", direction.slug());
        let env_names = [
            "envCommon".to_owned(),
            format!("env{}", direction.camel()),
            "envAdmin".to_owned(),
        ];
        let secret_names = [
            "secretsCommon".to_owned(),
            format!("secrets{}", direction.camel()),
            "secretsAdmin".to_owned(),
        ];
        for name in &env_names {
            problems.check(
                env_expression.contains(&format!("variables('{name}')")),
                || format!("the container's env does not use variable {name}"),
            );
        }
        for name in &secret_names {
            problems.check(
                secrets_expression.contains(&format!("variables('{name}')")),
                || format!("the app's secrets do not use variable {name}"),
            );
        }
        let env_refs: Vec<&str> = env_names.iter().map(String::as_str).collect();
        let secret_refs: Vec<&str> = secret_names.iter().map(String::as_str).collect();
        let env = items(&t, &env_refs, &mut problems);
        let secrets = items(&t, &secret_refs, &mut problems);

        let names: Vec<&str> = env.iter().filter_map(|e| e["name"].as_str()).collect();
        problems.extend(contract::check_settings(
            &what,
            service,
            names.iter().copied(),
        ));
        for entry in &env {
            let name = entry["name"].as_str().unwrap_or_default();
            match entry["secretRef"].as_str() {
                Some(reference) => problems
                    .check(secrets.iter().any(|s| s["name"] == reference), || {
                        format!("{what}: {name} refers to secret {reference}, which is not defined")
                    }),
                None => problems.check(!contract::is_secret(name), || {
                    format!("{what}: secret {name} is given as a plain value")
                }),
            }
        }
    }
    problems.finish();
}
