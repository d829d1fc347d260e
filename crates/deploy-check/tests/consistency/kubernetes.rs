//! `deploy/kubernetes/`: the cluster edition, one folder per direction: a Deployment of
//! three replicas, a PodDisruptionBudget and a Service selecting the same pods, probes on
//! the contract's health routes and the listening port, settings from a ConfigMap and
//! secrets (with `STATE_URL` on PostgreSQL) from a Secret, a locked-down container, and
//! kustomizations that list every manifest.

use std::path::Path;

use serde_json::Value;

use crate::contract::{self, Direction, Edition};
use crate::files::{self, Problems, deploy, read_yaml_documents, str_at};

/// Every document of every manifest in `dir` except the kustomization.
fn manifests(dir: &Path) -> Vec<Value> {
    files::files_ending(dir, ".yaml")
        .into_iter()
        .filter(|p| !p.ends_with("kustomization.yaml"))
        .flat_map(|p| read_yaml_documents(&p))
        .collect()
}

fn of_kind<'a>(documents: &'a [Value], kind: &str) -> Vec<&'a Value> {
    documents.iter().filter(|d| d["kind"] == kind).collect()
}

fn named<'a>(documents: &'a [Value], kind: &str, name: &str) -> Option<&'a Value> {
    of_kind(documents, kind)
        .into_iter()
        .find(|d| d["metadata"]["name"] == name)
}

const DIRECTIONS: [Direction; 2] = [Direction::CfToHalo, Direction::HaloToCf];

/// The folder of a direction and the parsed documents in it.
fn direction_manifests(direction: Direction) -> Vec<Value> {
    manifests(&deploy(&format!("kubernetes/{}", direction.slug())))
}

/// The one Deployment of a direction's folder.
fn deployment(documents: &[Value], direction: Direction) -> &Value {
    let found = of_kind(documents, "Deployment");
    assert_eq!(found.len(), 1, "{}: want one Deployment", direction.slug());
    found[0]
}

fn bridge_container(deployment: &Value) -> &Value {
    &deployment["spec"]["template"]["spec"]["containers"][0]
}

/// Whether every label of `selector` is on `labels` with the same value.
fn selects(selector: &Value, labels: &Value) -> bool {
    selector
        .as_object()
        .is_some_and(|s| !s.is_empty() && s.iter().all(|(k, v)| labels.get(k) == Some(v)))
}

/// A container port by number, or by name resolved against the container's ports.
fn resolve_port(container: &Value, port: &Value) -> Option<u64> {
    if let Some(number) = port.as_u64() {
        return Some(number);
    }
    let name = port.as_str()?;
    container["ports"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["containerPort"].as_u64())
}

/// The `data` (ConfigMap) or `stringData`/`data` (Secret) keys of the object `name`.
fn keys_of(documents: &[Value], kind: &str, name: &str) -> Vec<String> {
    let Some(object) = named(documents, kind, name) else {
        return Vec::new();
    };
    ["data", "stringData"]
        .iter()
        .filter_map(|field| object[*field].as_object())
        .flat_map(|map| map.keys().cloned())
        .collect()
}

#[test]
fn three_replicas_with_a_disruption_budget_and_a_service_on_the_same_pods() {
    let mut problems = Problems::default();
    for direction in DIRECTIONS {
        let documents = direction_manifests(direction);
        let deployment = deployment(&documents, direction);
        let name = direction.slug();
        let selector = &deployment["spec"]["selector"]["matchLabels"];
        let pod_labels = &deployment["spec"]["template"]["metadata"]["labels"];

        problems.check(deployment["spec"]["replicas"] == 3, || {
            format!(
                "{name}: replicas {} (want 3)",
                deployment["spec"]["replicas"]
            )
        });
        problems.check(selects(selector, pod_labels), || {
            format!("{name}: the Deployment's selector does not match its own pods")
        });

        let budgets = of_kind(&documents, "PodDisruptionBudget");
        problems.check(budgets.len() == 1, || {
            format!("{name}: want one PodDisruptionBudget")
        });
        for budget in budgets {
            let spec = &budget["spec"];
            problems.check(spec["selector"]["matchLabels"] == *selector, || {
                format!(
                    "{name}: the PDB selects {} instead of {selector}",
                    spec["selector"]
                )
            });
            problems.check(
                spec["minAvailable"] == 2 || spec["maxUnavailable"] == 1,
                || format!("{name}: the PDB must keep 2 of 3 (minAvailable 2 or maxUnavailable 1)"),
            );
        }

        let services = of_kind(&documents, "Service");
        problems.check(services.len() == 1, || format!("{name}: want one Service"));
        for service in services {
            problems.check(selects(&service["spec"]["selector"], pod_labels), || {
                format!("{name}: the Service does not select the Deployment's pods")
            });
            let container = bridge_container(deployment);
            let ports = service["spec"]["ports"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for port in ports {
                problems.check(
                    resolve_port(container, &port["targetPort"]) == Some(8080),
                    || {
                        format!(
                            "{name}: Service targetPort {} is not 8080",
                            port["targetPort"]
                        )
                    },
                );
            }
        }
    }
    problems.finish();
}

#[test]
fn probes_use_the_health_routes_on_the_listening_port() {
    let mut problems = Problems::default();
    for direction in DIRECTIONS {
        let documents = direction_manifests(direction);
        let deployment = deployment(&documents, direction);
        let container = bridge_container(deployment);
        let name = direction.slug();
        let config = named(&documents, "ConfigMap", &config_name(direction));
        let port = contract::listen_port(config.and_then(|c| str_at(c, "data/PORT")));
        let port = match port {
            Ok(port) => u64::from(port),
            Err(problem) => {
                problems.add(format!("{name}: {problem}"));
                continue;
            }
        };
        for (probe, path) in [
            ("livenessProbe", contract::HEALTHZ),
            ("readinessProbe", contract::READYZ),
        ] {
            let http = &container[probe]["httpGet"];
            problems.check(http["path"] == path, || {
                format!("{name}: {probe} path {} (want {path})", http["path"])
            });
            problems.check(resolve_port(container, &http["port"]) == Some(port), || {
                format!(
                    "{name}: {probe} port {} is not the listening port {port}",
                    http["port"]
                )
            });
        }
    }
    problems.finish();
}

fn config_name(direction: Direction) -> String {
    contract::service_of(direction, Edition::Cluster)
        .binary
        .to_owned()
}

#[test]
fn settings_come_from_a_config_map_and_secrets_from_a_secret() {
    let mut problems = Problems::default();
    for direction in DIRECTIONS {
        let service = contract::service_of(direction, Edition::Cluster);
        let documents = direction_manifests(direction);
        let deployment = deployment(&documents, direction);
        let container = bridge_container(deployment);
        let what = format!("kubernetes {}", direction.slug());

        problems.check(
            container["image"]
                .as_str()
                .is_some_and(|i| i.contains(service.binary)),
            || {
                format!(
                    "{what}: image {} is not {}",
                    container["image"], service.binary
                )
            },
        );
        problems.check(container.get("env").is_none(), || {
            format!("{what}: settings belong in the ConfigMap and Secret, not in env")
        });
        let sources = container["envFrom"].as_array().cloned().unwrap_or_default();
        let config_map = sources
            .iter()
            .find_map(|s| s["configMapRef"]["name"].as_str());
        let secret = sources.iter().find_map(|s| s["secretRef"]["name"].as_str());
        let (Some(config_map), Some(secret)) = (config_map, secret) else {
            problems.add(format!(
                "{what}: envFrom needs a configMapRef and a secretRef"
            ));
            continue;
        };
        let config_keys = keys_of(&documents, "ConfigMap", config_map);
        let secret_keys = keys_of(&documents, "Secret", secret);
        problems.check(!config_keys.is_empty(), || {
            format!("{what}: ConfigMap {config_map} is missing or empty")
        });
        problems.check(!secret_keys.is_empty(), || {
            format!("{what}: Secret {secret} is missing or empty")
        });

        let all = config_keys.iter().chain(&secret_keys).map(String::as_str);
        problems.extend(contract::check_settings(&what, service, all));
        for key in &config_keys {
            problems.check(!contract::is_secret(key) && key != "STATE_URL", || {
                format!("{what}: {key} is a secret but sits in the ConfigMap")
            });
        }
        let state_url = named(&documents, "Secret", secret)
            .and_then(|s| str_at(s, "stringData/STATE_URL"))
            .unwrap_or_default();
        problems.check(state_url.starts_with("postgres://"), || {
            format!("{what}: STATE_URL in the Secret must point at PostgreSQL")
        });
    }
    problems.finish();
}

#[test]
fn containers_run_as_non_root_on_a_read_only_root_with_bounded_resources() {
    let mut problems = Problems::default();
    for direction in DIRECTIONS {
        let documents = direction_manifests(direction);
        let deployment = deployment(&documents, direction);
        let pod = &deployment["spec"]["template"]["spec"];
        let container = bridge_container(deployment);
        let name = direction.slug();
        let non_root = pod["securityContext"]["runAsNonRoot"] == true
            || container["securityContext"]["runAsNonRoot"] == true;
        problems.check(non_root, || format!("{name}: runAsNonRoot is not set"));
        problems.check(
            container["securityContext"]["readOnlyRootFilesystem"] == true,
            || format!("{name}: readOnlyRootFilesystem is not set"),
        );
        problems.check(
            container["securityContext"]["allowPrivilegeEscalation"] == false,
            || format!("{name}: allowPrivilegeEscalation must be false"),
        );
        let resources = &container["resources"];
        for field in ["requests/cpu", "requests/memory", "limits/memory"] {
            problems.check(str_at(resources, field).is_some(), || {
                format!("{name}: resources.{field} is not set")
            });
        }
    }
    problems.finish();
}

#[test]
fn kustomizations_list_every_manifest() {
    let mut problems = Problems::default();
    let root = deploy("kubernetes");
    let listed = |dir: &Path| -> Vec<String> {
        let documents = read_yaml_documents(&dir.join("kustomization.yaml"));
        documents
            .first()
            .and_then(|k| k["resources"].as_array())
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    for direction in DIRECTIONS {
        let dir = root.join(direction.slug());
        let mut want: Vec<String> = files::files_ending(&dir, ".yaml")
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .filter(|n| n != "kustomization.yaml")
            .collect();
        want.sort();
        let mut have = listed(&dir);
        have.sort();
        problems.check(have == want, || {
            format!(
                "{}: kustomization lists {have:?}, the folder holds {want:?}",
                direction.slug()
            )
        });
    }
    let top = listed(&root);
    for entry in ["namespace.yaml", "cf-to-halo", "halo-to-cf"] {
        problems.check(top.iter().any(|r| r == entry), || {
            format!("kubernetes/kustomization.yaml does not include {entry}")
        });
    }
    problems.finish();
}
