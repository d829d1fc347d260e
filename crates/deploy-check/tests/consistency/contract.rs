//! The contract's surface as the deploy artefacts see it: the six services, their
//! routes and ports, and the settings table of §5 (which service reads which variable,
//! which are required, which are secret). Hard-coded on purpose: a change to the
//! contract has to be made here too, and the tests then say which artefact disagrees.

/// Which way a service carries events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    CfToHalo,
    HaloToCf,
}

/// How a service runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    Function,
    Service,
    Cluster,
}

/// One of the six bridge binaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    pub number: u8,
    pub folder: &'static str,
    pub binary: &'static str,
    pub direction: Direction,
    pub edition: Edition,
}

pub const SERVICES: [Service; 6] = [
    Service {
        number: 1,
        folder: "01-cf-to-halo-function",
        binary: "cf-to-halo-function",
        direction: Direction::CfToHalo,
        edition: Edition::Function,
    },
    Service {
        number: 2,
        folder: "02-cf-to-halo-service",
        binary: "cf-to-halo-service",
        direction: Direction::CfToHalo,
        edition: Edition::Service,
    },
    Service {
        number: 3,
        folder: "03-halo-to-cf-function",
        binary: "halo-to-cf-function",
        direction: Direction::HaloToCf,
        edition: Edition::Function,
    },
    Service {
        number: 4,
        folder: "04-halo-to-cf-service",
        binary: "halo-to-cf-service",
        direction: Direction::HaloToCf,
        edition: Edition::Service,
    },
    Service {
        number: 5,
        folder: "05-cf-to-halo-cluster",
        binary: "cf-to-halo-cluster",
        direction: Direction::CfToHalo,
        edition: Edition::Cluster,
    },
    Service {
        number: 6,
        folder: "06-halo-to-cf-cluster",
        binary: "halo-to-cf-cluster",
        direction: Direction::HaloToCf,
        edition: Edition::Cluster,
    },
];

/// The service with this number (1 to 6).
pub fn service(number: u8) -> Service {
    SERVICES
        .into_iter()
        .find(|s| s.number == number)
        .unwrap_or_else(|| panic!("no service {number}"))
}

/// The service of this edition and direction.
pub fn service_of(direction: Direction, edition: Edition) -> Service {
    SERVICES
        .into_iter()
        .find(|s| s.direction == direction && s.edition == edition)
        .unwrap_or_else(|| panic!("no {edition:?} service for {direction:?}"))
}

impl Direction {
    /// The name the deploy templates use for the direction (their `direction` parameter
    /// and folder names).
    pub fn slug(self) -> &'static str {
        match self {
            Direction::CfToHalo => "cf-to-halo",
            Direction::HaloToCf => "halo-to-cf",
        }
    }

    /// The direction in the templates' variable names (`envCfToHalo`, ...).
    pub fn camel(self) -> &'static str {
        match self {
            Direction::CfToHalo => "CfToHalo",
            Direction::HaloToCf => "HaloToCf",
        }
    }

    /// The webhook route this direction receives.
    pub fn webhook_route(self) -> &'static str {
        match self {
            Direction::CfToHalo => "/cf/webhooks",
            Direction::HaloToCf => "/halo/webhooks",
        }
    }
}

pub const HEALTHZ: &str = "/healthz";
pub const READYZ: &str = "/readyz";
pub const METRICS: &str = "/metrics";

/// Every route of §2 that a deploy artefact may expose (the operator view aside).
pub const ROUTES: [&str; 5] = ["/cf/webhooks", "/halo/webhooks", HEALTHZ, READYZ, METRICS];

/// The port a bridge listens on when neither `PORT` nor the Functions variable is set.
pub const DEFAULT_PORT: u16 = 8080;

/// Whether a variable is a secret, required, and which services read it.
struct Var {
    name: &'static str,
    used_by: &'static [u8],
    required: Required,
    secret: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Required {
    No,
    Yes,
    /// Required only by the cluster edition (`STATE_URL`: it has no default there).
    ClusterOnly,
}

use Required::{ClusterOnly, No, Yes};

const ALL: &[u8] = &[1, 2, 3, 4, 5, 6];
const CF_TO_HALO: &[u8] = &[1, 2, 5];
const HALO_TO_CF: &[u8] = &[3, 4, 6];
const LONG_RUNNING: &[u8] = &[2, 4, 5, 6];
const FUNCTIONS: &[u8] = &[1, 3];

const SECRET: bool = true;
const PLAIN: bool = false;

const fn var(name: &'static str, used_by: &'static [u8], required: Required, secret: bool) -> Var {
    Var {
        name,
        used_by,
        required,
        secret,
    }
}

/// Contract §5, plus the three process-level variables the binaries also read:
/// `BIND` (the address to listen on), `FUNCTIONS_CUSTOMHANDLER_PORT` (set by the
/// Functions host) and `CONFIG_FILE`.
const VARS: &[Var] = &[
    var("CF_WEBHOOK_SECRET", CF_TO_HALO, Yes, SECRET),
    var("CF_MAX_SKEW_SECONDS", CF_TO_HALO, No, PLAIN),
    var("CF_PROCESS_TEST_DELIVERIES", CF_TO_HALO, No, PLAIN),
    var("CF_API_BASE_URL", HALO_TO_CF, Yes, PLAIN),
    var("CF_SERVICE_ACCOUNT_CLIENT_ID", HALO_TO_CF, Yes, PLAIN),
    var("CF_SERVICE_ACCOUNT_CLIENT_SECRET", HALO_TO_CF, Yes, SECRET),
    var("CF_WORKSPACE_ID", HALO_TO_CF, Yes, PLAIN),
    var("CF_CLOSE_CLASSIFICATION", HALO_TO_CF, No, PLAIN),
    var("CF_CLOSE_CLASSIFICATION_REASON", HALO_TO_CF, No, PLAIN),
    var("CF_MIRROR_REOPEN", HALO_TO_CF, No, PLAIN),
    var("HALO_AUTH_URL", ALL, Yes, PLAIN),
    var("HALO_API_BASE_URL", ALL, Yes, PLAIN),
    var("HALO_CLIENT_ID", ALL, Yes, PLAIN),
    var("HALO_CLIENT_SECRET", ALL, Yes, SECRET),
    var("HALO_TENANT", ALL, No, PLAIN),
    var("HALO_SCOPE", ALL, No, PLAIN),
    var("HALO_DEFAULT_TICKETTYPE_ID", CF_TO_HALO, Yes, PLAIN),
    var("HALO_DEFAULT_CLIENT_ID", CF_TO_HALO, Yes, PLAIN),
    var("HALO_CLIENT_MAP", CF_TO_HALO, No, PLAIN),
    var("HALO_PRIORITY_MAP", CF_TO_HALO, No, PLAIN),
    var("HALO_PRIVATE_NOTE_OUTCOME", CF_TO_HALO, No, PLAIN),
    var("HALO_EXTERNAL_REF_FIELD", ALL, No, PLAIN),
    var("HALO_EXTERNAL_REF_FIELD_ID", ALL, No, PLAIN),
    var("HALO_CLOSED_STATUS_ID", HALO_TO_CF, Yes, PLAIN),
    var("HALO_WEBHOOK_SECRET", HALO_TO_CF, Yes, SECRET),
    var("HALO_INTEGRATION_AGENT_ID", HALO_TO_CF, No, PLAIN),
    var("HALO_MAX_REQUESTS_PER_5MIN", ALL, No, PLAIN),
    var("STATE_URL", ALL, ClusterOnly, PLAIN),
    var("PROCESS_BUDGET_MS", LONG_RUNNING, No, PLAIN),
    var("ADMIN_TOKEN", LONG_RUNNING, No, SECRET),
    var("MAX_BODY_BYTES", ALL, No, PLAIN),
    var("PORT", ALL, No, PLAIN),
    var("LOG_FORMAT", ALL, No, PLAIN),
    var("RUST_LOG", ALL, No, PLAIN),
    var("BIND", ALL, No, PLAIN),
    var("FUNCTIONS_CUSTOMHANDLER_PORT", FUNCTIONS, No, PLAIN),
    var("CONFIG_FILE", ALL, No, PLAIN),
];

fn lookup(name: &str) -> Option<&'static Var> {
    VARS.iter().find(|v| v.name == name)
}

/// Whether the contract (or the three process-level additions) defines `name`.
pub fn is_defined(name: &str) -> bool {
    lookup(name).is_some()
}

/// Whether `service` reads `name`.
pub fn reads(service: Service, name: &str) -> bool {
    lookup(name).is_some_and(|v| v.used_by.contains(&service.number))
}

/// Whether `name` holds a secret (it must come from a secret store, never plain text).
pub fn is_secret(name: &str) -> bool {
    lookup(name).is_some_and(|v| v.secret)
}

/// The variables `service` cannot start without.
pub fn required_by(service: Service) -> Vec<&'static str> {
    VARS.iter()
        .filter(|v| v.used_by.contains(&service.number))
        .filter(|v| match v.required {
            Required::No => false,
            Required::Yes => true,
            Required::ClusterOnly => service.edition == Edition::Cluster,
        })
        .map(|v| v.name)
        .collect()
}

/// Problems with the variables an artefact sets for `service`: names the contract does
/// not define, names the service does not read, and required names that are missing.
/// `what` says where they were found, for the messages.
pub fn check_settings<'a>(
    what: &str,
    service: Service,
    names: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let names: Vec<&str> = names.into_iter().collect();
    let mut problems = Vec::new();
    for name in &names {
        if !is_defined(name) {
            problems.push(format!("{what}: {name} is not a variable of the contract"));
        } else if !reads(service, name) {
            problems.push(format!(
                "{what}: {name} is set but {} does not read it",
                service.binary
            ));
        }
    }
    for name in required_by(service) {
        if !names.contains(&name) {
            problems.push(format!(
                "{what}: {name} is required by {} but not set",
                service.binary
            ));
        }
    }
    problems
}

/// The port `service` listens on given the `PORT` an artefact sets (function editions
/// behind the Functions host get theirs from the host and are not asked).
pub fn listen_port(port_setting: Option<&str>) -> Result<u16, String> {
    match port_setting.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(DEFAULT_PORT),
        Some(text) => text
            .parse()
            .map_err(|_| format!("PORT {text:?} is not a port number")),
    }
}
