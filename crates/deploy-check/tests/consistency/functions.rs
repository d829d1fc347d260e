//! `deploy/azure/functions/`: the custom handler's host.json, one function per contract
//! route, package.sh, and the ARM template (system identity, Key Vault references for
//! every secret, the Key Vault Secrets User role on the vault, the settings of each
//! direction).

use serde_json::Value;

use crate::arm;
use crate::contract::{self, Direction, Edition};
use crate::files::{self, Problems, deploy, read_json, read_text, str_at};

/// The built-in role that may read secret values, and nothing else.
const KEY_VAULT_SECRETS_USER: &str = "4633458b-17de-408a-b874-0445c86b69e6";
const KEY_VAULT_REFERENCE: &str = "@Microsoft.KeyVault(SecretUri=";

fn template() -> Value {
    read_json(&deploy("azure/functions/azuredeploy.json"))
}

/// The function folders and their parsed function.json, by folder name.
fn functions() -> Vec<(String, Value)> {
    files::sub_folders(&deploy("azure/functions"))
        .into_iter()
        .filter(|dir| dir.join("function.json").is_file())
        .map(|dir| {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, read_json(&dir.join("function.json")))
        })
        .collect()
}

#[test]
fn host_json_runs_a_function_edition_binary_with_http_forwarding() {
    let host = read_json(&deploy("azure/functions/host.json"));
    let mut problems = Problems::default();

    let function_binaries: Vec<String> = contract::SERVICES
        .iter()
        .filter(|s| s.edition == Edition::Function)
        .map(|s| files::service_package_name(s.folder))
        .collect();
    let executable = str_at(&host, "customHandler/description/defaultExecutablePath");
    problems.check(
        executable.is_some_and(|e| function_binaries.iter().any(|b| b == e)),
        || format!("defaultExecutablePath {executable:?} is none of {function_binaries:?}"),
    );
    problems.check(
        host["customHandler"]["enableForwardingHttpRequest"] == Value::Bool(true),
        || "customHandler.enableForwardingHttpRequest must be true".to_owned(),
    );
    problems.check(host["version"] == "2.0", || {
        "host.json version must be 2.0".into()
    });
    problems.check(
        str_at(&host, "extensionBundle/id") == Some("Microsoft.Azure.Functions.ExtensionBundle"),
        || "host.json needs the Functions extension bundle".to_owned(),
    );
    // The function edition answers under /api because that is the host's default prefix.
    let prefix = str_at(&host, "extensions/http/routePrefix");
    problems.check(prefix.is_none() || prefix == Some("api"), || {
        format!("routePrefix {prefix:?}: the function edition serves /api/<route> only")
    });
    problems.finish();
}

#[test]
fn one_http_function_per_contract_route() {
    let mut problems = Problems::default();
    let mut routes = Vec::new();
    for (name, function) in functions() {
        let bindings = function["bindings"].as_array().cloned().unwrap_or_default();
        let triggers: Vec<&Value> = bindings
            .iter()
            .filter(|b| b["type"] == "httpTrigger")
            .collect();
        let outputs = bindings
            .iter()
            .filter(|b| b["type"] == "http" && b["direction"] == "out")
            .count();
        problems.check(
            triggers.len() == 1 && outputs == 1 && bindings.len() == 2,
            || format!("{name}: want one httpTrigger and one http output binding"),
        );
        let Some(trigger) = triggers.first() else {
            continue;
        };
        let route = format!("/{}", trigger["route"].as_str().unwrap_or_default());
        let methods: Vec<String> = trigger["methods"]
            .as_array()
            .map(|m| {
                m.iter()
                    .filter_map(|v| v.as_str())
                    .map(str::to_lowercase)
                    .collect()
            })
            .unwrap_or_default();
        let webhook = route.ends_with("/webhooks");
        let want_method = if webhook { "post" } else { "get" };
        problems.check(methods == [want_method], || {
            format!("{name}: {route} takes {methods:?}, the contract says [{want_method}]")
        });
        // The webhooks authenticate themselves and the probes reveal nothing, so the
        // platform's key must not stand in front of them.
        if route != contract::METRICS {
            problems.check(trigger["authLevel"] == "anonymous", || {
                format!("{name}: {route} must be anonymous")
            });
        }
        routes.push(route);
    }
    routes.sort();
    let mut want: Vec<String> = contract::ROUTES.iter().map(|r| r.to_string()).collect();
    want.sort();
    problems.check(routes == want, || {
        format!("function routes {routes:?} differ from the contract's {want:?}")
    });
    problems.finish();
}

#[test]
fn package_script_packs_each_direction_with_its_webhook() {
    let script = read_text(&deploy("azure/functions/package.sh"));
    let mut problems = Problems::default();
    for direction in [Direction::CfToHalo, Direction::HaloToCf] {
        let service = contract::service_of(direction, Edition::Function);
        let binary = files::service_package_name(service.folder);
        let webhook = functions()
            .into_iter()
            .find(|(_, f)| {
                format!(
                    "/{}",
                    f["bindings"][0]["route"].as_str().unwrap_or_default()
                ) == direction.webhook_route()
            })
            .map(|(name, _)| name)
            .unwrap_or_default();
        problems.check(
            script.contains(&format!("{binary}) webhook={webhook} ;;")),
            || format!("package.sh does not pair {binary} with the {webhook} function"),
        );
    }
    problems.check(
        script.contains("\"$webhook\" healthz readyz metrics"),
        || "package.sh must pack the webhook, healthz, readyz and metrics functions".to_owned(),
    );
    for probe in ["healthz", "readyz", "metrics"] {
        problems.check(
            deploy("azure/functions")
                .join(probe)
                .join("function.json")
                .is_file(),
            || format!("package.sh packs {probe}/ but it has no function.json"),
        );
    }
    problems.check(script.contains("crt-static"), || {
        "package.sh must build the binary statically".to_owned()
    });
    problems.finish();
}

#[test]
fn function_app_has_a_system_assigned_identity_on_linux_consumption() {
    let t = template();
    let site = arm::resource(&t, "Microsoft.Web/sites");
    let plan = arm::resource(&t, "Microsoft.Web/serverfarms");
    let mut problems = Problems::default();
    problems.check(site["identity"]["type"] == "SystemAssigned", || {
        format!("site identity is {}", site["identity"])
    });
    problems.check(
        site["kind"]
            .as_str()
            .is_some_and(|k| k.contains("functionapp") && k.contains("linux")),
        || format!("site kind {} is not a Linux function app", site["kind"]),
    );
    problems.check(
        plan["sku"]["name"] == "Y1" && plan["sku"]["tier"] == "Dynamic",
        || format!("plan sku {} is not Consumption (Y1/Dynamic)", plan["sku"]),
    );
    problems.check(plan["properties"]["reserved"] == true, || {
        "the plan must be Linux (reserved: true)".to_owned()
    });
    let platform = arm::variable(&t, "platformSettings");
    problems.check(platform["FUNCTIONS_WORKER_RUNTIME"] == "custom", || {
        "FUNCTIONS_WORKER_RUNTIME must be custom".to_owned()
    });
    problems.finish();
}

/// The names of the Key Vault secrets the template creates.
fn vault_secret_names(t: &Value) -> Vec<String> {
    arm::resources(t, "Microsoft.KeyVault/vaults/secrets")
        .into_iter()
        .filter_map(|r| r["name"].as_str())
        .filter_map(|name| arm::literals(name).last().map(|s| s.to_string()))
        .collect()
}

#[test]
fn each_direction_gets_its_settings_with_every_secret_from_key_vault() {
    let t = template();
    let secrets_created = vault_secret_names(&t);
    let mut problems = Problems::default();
    for direction in [Direction::CfToHalo, Direction::HaloToCf] {
        let service = contract::service_of(direction, Edition::Function);
        let mut settings = serde_json::Map::new();
        for name in [
            "bridgeSettingsCommon".to_owned(),
            format!("bridgeSettings{}", direction.camel()),
        ] {
            match arm::variable(&t, &name).as_object() {
                Some(map) => settings.extend(map.clone()),
                None => problems.add(format!("variable {name} is missing or not an object")),
            }
        }
        let what = format!("functions {}", direction.slug());
        problems.extend(contract::check_settings(
            &what,
            service,
            settings.keys().map(String::as_str),
        ));
        problems.check(
            !settings.contains_key("FUNCTIONS_CUSTOMHANDLER_PORT"),
            || format!("{what}: the Functions host sets FUNCTIONS_CUSTOMHANDLER_PORT itself"),
        );
        for (name, value) in &settings {
            let text = value.as_str().unwrap_or_default();
            let is_reference = text.contains(KEY_VAULT_REFERENCE);
            if contract::is_secret(name) {
                problems.check(is_reference, || {
                    format!("{what}: secret {name} is not a Key Vault reference: {text}")
                });
                let created = secrets_created
                    .iter()
                    .any(|s| text.contains(&format!("/secrets/{s}/")));
                problems.check(created, || {
                    format!("{what}: {name} names a vault secret the template does not create")
                });
            } else {
                problems.check(!is_reference, || {
                    format!("{what}: {name} is not a secret but reads from Key Vault")
                });
            }
        }
    }

    let app_settings = arm::resources(&t, "Microsoft.Web/sites/config");
    let expression = app_settings
        .first()
        .and_then(|r| r["properties"].as_str())
        .unwrap_or_default();
    for name in [
        "platformSettings",
        "bridgeSettingsCommon",
        "bridgeSettingsCfToHalo",
        "bridgeSettingsHaloToCf",
    ] {
        problems.check(expression.contains(&format!("variables('{name}')")), || {
            format!("the appsettings resource does not apply variable {name}")
        });
    }
    problems.finish();
}

#[test]
fn the_app_identity_may_read_the_vault_secrets_and_settings_wait_for_it() {
    let t = template();
    let vault = arm::resource(&t, "Microsoft.KeyVault/vaults");
    let assignment = arm::resource(&t, "Microsoft.Authorization/roleAssignments");
    let mut problems = Problems::default();

    problems.check(
        vault["properties"]["enableRbacAuthorization"] == true,
        || "the vault must use RBAC (enableRbacAuthorization: true)".to_owned(),
    );
    let role = assignment["properties"]["roleDefinitionId"]
        .as_str()
        .unwrap_or_default();
    let role_id_named = role.contains(KEY_VAULT_SECRETS_USER)
        || arm::calls(role, "variables")
            .iter()
            .any(|v| arm::variable(&t, v) == KEY_VAULT_SECRETS_USER);
    problems.check(role_id_named, || {
        format!("role assignment {role} is not Key Vault Secrets User ({KEY_VAULT_SECRETS_USER})")
    });
    let scope = assignment["scope"].as_str().unwrap_or_default();
    problems.check(scope.contains("Microsoft.KeyVault/vaults/"), || {
        format!("the role assignment's scope {scope:?} is not the vault")
    });
    let principal = assignment["properties"]["principalId"]
        .as_str()
        .unwrap_or_default();
    problems.check(
        principal.contains("Microsoft.Web/sites") && principal.contains("identity.principalId"),
        || format!("the role goes to {principal:?}, not the Function App's identity"),
    );
    problems.check(
        assignment["properties"]["principalType"] == "ServicePrincipal",
        || "principalType must be ServicePrincipal (a managed identity)".to_owned(),
    );
    // References resolve at start-up; settings written before the role exists fail
    // until the next restart.
    let settings = arm::resource(&t, "Microsoft.Web/sites/config");
    let waits = settings["dependsOn"].as_array().is_some_and(|deps| {
        deps.iter()
            .filter_map(Value::as_str)
            .any(|d| d.contains("Microsoft.Authorization/roleAssignments"))
    });
    problems.check(waits, || {
        "the appsettings resource must depend on the role assignment".to_owned()
    });
    problems.finish();
}

#[test]
fn secret_parameters_are_secure_strings() {
    let t = template();
    let mut problems = Problems::default();
    let parameters = t["parameters"].as_object().cloned().unwrap_or_default();
    for resource in arm::resources(&t, "Microsoft.KeyVault/vaults/secrets") {
        let value = resource["properties"]["value"].as_str().unwrap_or_default();
        for name in arm::calls(value, "parameters") {
            problems.check(parameters[name]["type"] == "securestring", || {
                format!("parameter {name} feeds a vault secret but is not a securestring")
            });
        }
    }
    problems.finish();
}
