//! Every variable of the contract's configuration table, read once at start-up
//! (environment over an optional TOML file named by `CONFIG_FILE`), typed, and
//! validated together so every problem is reported at once, by name. Which
//! variables apply depends on the binary's [`Direction`] and [`Edition`].
//! Nothing here opens a connection or a socket.

mod error;
mod parse;
mod source;
mod state_url;

use std::fmt;
use std::time::Duration;

use mapping::halo::{OutcomeRef, RefField};
use mapping::ticket::{ClientMap, DEFAULT_PRIORITY_MAP, PriorityMap, TicketMapping};
use upstream::Secret;

pub use crate::telemetry::LogFormat;
pub use error::{Problem, SettingsError};
pub use source::CONFIG_FILE;
pub use state_url::{StateBackend, StateUrl};

/// Which way a binary carries events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// ContraForce incidents become Halo tickets (services 01, 02, 05).
    CfToHalo,
    /// Halo actions and closes go back to ContraForce (services 03, 04, 06).
    HaloToCf,
}

/// How a binary runs; the edition sets the `STATE_URL` default and the port variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    /// Stateless, for serverless hosts; default `STATE_URL=memory:`.
    Function,
    /// One container with an embedded store; default `STATE_URL=sqlite://data/bridge.db`.
    Service,
    /// Replicas sharing PostgreSQL; `STATE_URL` has no default.
    Cluster,
}

/// The Halo API client's settings (every binary talks to Halo).
#[derive(Debug, Clone, PartialEq)]
pub struct HaloSettings {
    /// `HALO_AUTH_URL`, without a trailing slash.
    pub auth_url: String,
    /// `HALO_API_BASE_URL`, without a trailing slash.
    pub api_base_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// Hosted multi-tenant Halo only.
    pub tenant: Option<String>,
    pub scope: String,
    /// Where the `cf|{source}|{incidentId}` reference lives on a ticket.
    pub ref_field: RefField,
    /// `HALO_MAX_REQUESTS_PER_5MIN`; 0 means no limit.
    pub max_requests_per_5min: u32,
}

impl HaloSettings {
    /// Reads only the Halo connection variables (and `CONFIG_FILE`) out of `vars`,
    /// for tools that help an operator before the rest is configured.
    pub fn from_map(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<HaloSettings, SettingsError> {
        let (raw, problems) = source::layer(vars, COMMON);
        let mut r = Reader {
            raw,
            problems,
            shown: Vec::new(),
        };
        let halo = read_halo(&mut r);
        if r.problems.is_empty() {
            Ok(halo)
        } else {
            Err(SettingsError::new(r.problems))
        }
    }
}

/// What the ContraForce webhook intake and the ticket builder need (CfToHalo only).
#[derive(Debug, Clone, PartialEq)]
pub struct CfInboundSettings {
    /// `CF_WEBHOOK_SECRET`: one or more (rotation), never empty.
    pub webhook_secrets: Vec<Secret>,
    pub max_skew_secs: u64,
    pub process_test_deliveries: bool,
    pub priority_map: PriorityMap,
    pub client_map: ClientMap,
    pub default_client_id: i64,
    pub default_tickettype_id: i64,
    pub private_note_outcome: OutcomeRef,
}

impl CfInboundSettings {
    /// The tables and ids the ticket builder needs.
    pub fn ticket_mapping(&self) -> TicketMapping {
        TicketMapping {
            priorities: self.priority_map.clone(),
            clients: self.client_map.clone(),
            default_client_id: self.default_client_id,
            tickettype_id: self.default_tickettype_id,
        }
    }
}

/// The ContraForce API client's settings and what it sends on close (HaloToCf only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CfOutboundSettings {
    /// `CF_API_BASE_URL`, without a trailing slash.
    pub api_base_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// A GUID, hyphenated.
    pub workspace_id: String,
    pub close_classification: String,
    pub close_classification_reason: String,
    pub mirror_reopen: bool,
}

/// What the Halo webhook intake needs (HaloToCf only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaloInboundSettings {
    pub webhook_secret: Secret,
    /// `HALO_CLOSED_STATUS_ID`: never empty.
    pub closed_status_ids: Vec<i64>,
    /// `HALO_INTEGRATION_AGENT_ID`: agents whose actions are never forwarded.
    pub integration_agent_ids: Vec<i64>,
}

/// A binary's whole configuration, valid by construction. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct Settings {
    pub direction: Direction,
    pub edition: Edition,
    pub halo: HaloSettings,
    /// `Some` exactly when `direction` is [`Direction::CfToHalo`].
    pub cf_inbound: Option<CfInboundSettings>,
    /// `Some` exactly when `direction` is [`Direction::HaloToCf`].
    pub cf_outbound: Option<CfOutboundSettings>,
    /// `Some` exactly when `direction` is [`Direction::HaloToCf`].
    pub halo_inbound: Option<HaloInboundSettings>,
    pub state_url: StateUrl,
    /// `PROCESS_BUDGET_MS`: how long a reply waits for the outcome before 202.
    pub process_budget: Duration,
    /// `MEMORY_MAX_ENTRIES`: with `STATE_URL=memory:`, how many processed events,
    /// reference links and tickets' progress are each kept (oldest go first).
    pub memory_max_entries: usize,
    /// `HTTP_WORKERS`: threads answering HTTP (each with its own event loop).
    pub http_workers: usize,
    /// `ADMIN_TOKEN`; `None` turns the operator view off.
    pub admin_token: Option<Secret>,
    pub max_body_bytes: usize,
    /// The port to listen on (for the function edition `FUNCTIONS_CUSTOMHANDLER_PORT`
    /// wins over `PORT`).
    pub port: u16,
    pub log_format: LogFormat,
    /// `RUST_LOG`, a valid `EnvFilter` directive list.
    pub rust_log: String,
    described: Described,
}

const DEFAULT_PORT: u16 = 8080;
const DEFAULT_MAX_BODY_BYTES: usize = 1_048_576;
const DEFAULT_PROCESS_BUDGET_MS: u64 = 5_000;
const DEFAULT_MEMORY_MAX_ENTRIES: usize = 5_000;
const DEFAULT_MAX_SKEW_SECS: u64 = 300;
const DEFAULT_MAX_REQUESTS_PER_5MIN: u32 = 300;
const DEFAULT_PRIVATE_NOTE_OUTCOME: &str = "Private Note";
const FUNCTIONS_PORT: &str = "FUNCTIONS_CUSTOMHANDLER_PORT";

/// Half the processors, at least one: the other half is left to the runtime that runs
/// the queue's worker, the store's writer and the upstream connections (and, on a small
/// machine, to whatever shares it). docs/benchmarks.md shows the effect on two cores.
fn default_http_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

/// Variables every binary reads.
const COMMON: &[&str] = &[
    "HALO_AUTH_URL",
    "HALO_API_BASE_URL",
    "HALO_CLIENT_ID",
    "HALO_CLIENT_SECRET",
    "HALO_TENANT",
    "HALO_SCOPE",
    "HALO_EXTERNAL_REF_FIELD",
    "HALO_EXTERNAL_REF_FIELD_ID",
    "HALO_MAX_REQUESTS_PER_5MIN",
    "STATE_URL",
    "PROCESS_BUDGET_MS",
    "MEMORY_MAX_ENTRIES",
    "HTTP_WORKERS",
    "ADMIN_TOKEN",
    "MAX_BODY_BYTES",
    "PORT",
    "LOG_FORMAT",
    "RUST_LOG",
];

/// Variables only the ContraForce → Halo binaries read.
const CF_TO_HALO: &[&str] = &[
    "CF_WEBHOOK_SECRET",
    "CF_MAX_SKEW_SECONDS",
    "CF_PROCESS_TEST_DELIVERIES",
    "HALO_DEFAULT_TICKETTYPE_ID",
    "HALO_DEFAULT_CLIENT_ID",
    "HALO_CLIENT_MAP",
    "HALO_PRIORITY_MAP",
    "HALO_PRIVATE_NOTE_OUTCOME",
];

/// Variables only the Halo → ContraForce binaries read.
const HALO_TO_CF: &[&str] = &[
    "CF_API_BASE_URL",
    "CF_SERVICE_ACCOUNT_CLIENT_ID",
    "CF_SERVICE_ACCOUNT_CLIENT_SECRET",
    "CF_WORKSPACE_ID",
    "CF_CLOSE_CLASSIFICATION",
    "CF_CLOSE_CLASSIFICATION_REASON",
    "CF_MIRROR_REOPEN",
    "HALO_CLOSED_STATUS_ID",
    "HALO_WEBHOOK_SECRET",
    "HALO_INTEGRATION_AGENT_ID",
];

impl Settings {
    /// Reads the process environment (and the file named by its `CONFIG_FILE`).
    pub fn from_env(direction: Direction, edition: Edition) -> Result<Settings, SettingsError> {
        let known = variables(direction, edition);
        let mut problems = Vec::new();
        let mut vars = Vec::new();
        for (name, value) in std::env::vars_os() {
            let Ok(name) = name.into_string() else {
                continue;
            };
            match value.into_string() {
                Ok(value) => vars.push((name, value)),
                Err(_) if name == CONFIG_FILE || known.contains(&name.as_str()) => {
                    problems.push(Problem {
                        variable: name,
                        message: "not valid UTF-8".to_owned(),
                    });
                }
                Err(_) => {}
            }
        }
        read(direction, edition, vars, problems)
    }

    /// Reads `vars` as if they were the whole environment (`CONFIG_FILE` included),
    /// without looking at the process environment.
    pub fn from_map(
        direction: Direction,
        edition: Edition,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, SettingsError> {
        read(direction, edition, vars, Vec::new())
    }

    /// Every variable this binary reads with its effective value (after the file,
    /// the environment and the defaults), sorted by name. Secrets show as `***`,
    /// a `STATE_URL` password too; unset optional variables as `(unset)`.
    pub fn describe(&self) -> Vec<(String, String)> {
        self.described.0.clone()
    }
}

/// The variables a binary of this direction and edition reads, besides `CONFIG_FILE`.
fn variables(direction: Direction, edition: Edition) -> Vec<&'static str> {
    let mut names = COMMON.to_vec();
    names.extend_from_slice(match direction {
        Direction::CfToHalo => CF_TO_HALO,
        Direction::HaloToCf => HALO_TO_CF,
    });
    if edition == Edition::Function {
        names.push(FUNCTIONS_PORT);
    }
    names
}

fn read(
    direction: Direction,
    edition: Edition,
    vars: impl IntoIterator<Item = (String, String)>,
    mut problems: Vec<Problem>,
) -> Result<Settings, SettingsError> {
    let (raw, layer_problems) = source::layer(vars, &variables(direction, edition));
    problems.extend(layer_problems);
    let mut r = Reader {
        raw,
        problems,
        shown: Vec::new(),
    };

    let config_file = r.raw.config_file().unwrap_or(UNSET).to_owned();
    r.show(CONFIG_FILE, config_file);
    let halo = read_halo(&mut r);
    let cf_inbound = (direction == Direction::CfToHalo).then(|| read_cf_inbound(&mut r));
    let (cf_outbound, halo_inbound) = match direction {
        Direction::HaloToCf => (
            Some(read_cf_outbound(&mut r)),
            Some(read_halo_inbound(&mut r)),
        ),
        Direction::CfToHalo => (None, None),
    };
    let state_url = read_state_url(&mut r, edition);
    let process_budget = Duration::from_millis(r.parsed(
        "PROCESS_BUDGET_MS",
        DEFAULT_PROCESS_BUDGET_MS,
        |t| parse::integer(t, 0, u64::MAX.into()),
    ));
    let memory_max_entries = r.parsed("MEMORY_MAX_ENTRIES", DEFAULT_MEMORY_MAX_ENTRIES, |t| {
        parse::integer(t, 100, 100_000_000)
    });
    let http_workers = r.parsed("HTTP_WORKERS", default_http_workers(), |t| {
        parse::integer(t, 1, 256)
    });
    let admin_token = r.optional_secret("ADMIN_TOKEN");
    let max_body_bytes = r.parsed("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, |t| {
        parse::integer(t, 1, usize::MAX as i128)
    });
    let port = read_port(&mut r, edition);
    let log_format = r.parsed("LOG_FORMAT", LogFormat::Text, |t| t.parse());
    let rust_log = r.parsed("RUST_LOG", "info".to_owned(), |t| {
        tracing_subscriber::EnvFilter::try_new(t)
            .map(|_| t.to_owned())
            .map_err(|e| format!("not a valid log filter: {e}"))
    });

    if !r.problems.is_empty() {
        return Err(SettingsError::new(r.problems));
    }
    r.shown.sort();
    Ok(Settings {
        direction,
        edition,
        halo,
        cf_inbound,
        cf_outbound,
        halo_inbound,
        state_url,
        process_budget,
        memory_max_entries,
        http_workers,
        admin_token,
        max_body_bytes,
        port,
        log_format,
        rust_log,
        described: Described(r.shown),
    })
}

impl Settings {
    /// How the store is opened: the memory bounds from `MEMORY_MAX_ENTRIES`.
    pub fn store_options(&self) -> store::ConnectOptions {
        store::ConnectOptions {
            memory_max_finished: self.memory_max_entries,
            memory_max_links: self.memory_max_entries,
            memory_max_tickets: self.memory_max_entries,
            ..store::ConnectOptions::default()
        }
    }
}

fn read_halo(r: &mut Reader) -> HaloSettings {
    let auth_url = r.required_parsed("HALO_AUTH_URL", parse::http_url);
    let api_base_url = r.required_parsed("HALO_API_BASE_URL", parse::http_url);
    let client_id = r.required_text("HALO_CLIENT_ID");
    let client_secret = r.required_secret("HALO_CLIENT_SECRET");
    let tenant = r.optional_text("HALO_TENANT");
    let scope = r.text_or("HALO_SCOPE", "all");
    let named_field = r.parsed_with_default_text(
        "HALO_EXTERNAL_REF_FIELD",
        "thirdpartynumber",
        RefField::ThirdPartyNumber,
        |t| match t.to_ascii_lowercase().as_str() {
            "thirdpartynumber" => Ok(RefField::ThirdPartyNumber),
            "third_party_id_string" => Ok(RefField::ThirdPartyIdString),
            _ => Err(format!(
                "expected thirdpartynumber or third_party_id_string, got {t:?}"
            )),
        },
    );
    let custom_field = r.optional_parsed("HALO_EXTERNAL_REF_FIELD_ID", |t| {
        parse::integer::<i64>(t, 1, i64::MAX.into())
    });
    if custom_field.is_some() {
        r.show_instead(
            "HALO_EXTERNAL_REF_FIELD",
            "(not used: HALO_EXTERNAL_REF_FIELD_ID is set)",
        );
    }
    let max_requests_per_5min = r.parsed(
        "HALO_MAX_REQUESTS_PER_5MIN",
        DEFAULT_MAX_REQUESTS_PER_5MIN,
        |t| parse::integer(t, 0, u32::MAX.into()),
    );
    HaloSettings {
        auth_url,
        api_base_url,
        client_id,
        client_secret,
        tenant,
        scope,
        // A custom field id is the more specific choice, so it wins.
        ref_field: custom_field.map_or(named_field, RefField::CustomField),
        max_requests_per_5min,
    }
}

fn read_cf_inbound(r: &mut Reader) -> CfInboundSettings {
    let webhook_secrets = r.required_secret_list("CF_WEBHOOK_SECRET");
    let max_skew_secs = r.parsed("CF_MAX_SKEW_SECONDS", DEFAULT_MAX_SKEW_SECS, |t| {
        parse::integer(t, 0, u64::MAX.into())
    });
    let process_test_deliveries = r.parsed("CF_PROCESS_TEST_DELIVERIES", false, parse::boolean);
    let priority_map = r.parsed_with_default_text(
        "HALO_PRIORITY_MAP",
        DEFAULT_PRIORITY_MAP,
        PriorityMap::default(),
        PriorityMap::parse,
    );
    let client_map = r.parsed_with_default_text(
        "HALO_CLIENT_MAP",
        "(empty)",
        ClientMap::default(),
        ClientMap::parse,
    );
    let default_client_id = r.required_parsed("HALO_DEFAULT_CLIENT_ID", positive_id);
    let default_tickettype_id = r.required_parsed("HALO_DEFAULT_TICKETTYPE_ID", positive_id);
    let private_note_outcome =
        OutcomeRef::parse(&r.text_or("HALO_PRIVATE_NOTE_OUTCOME", DEFAULT_PRIVATE_NOTE_OUTCOME));
    CfInboundSettings {
        webhook_secrets,
        max_skew_secs,
        process_test_deliveries,
        priority_map,
        client_map,
        default_client_id,
        default_tickettype_id,
        private_note_outcome,
    }
}

fn read_cf_outbound(r: &mut Reader) -> CfOutboundSettings {
    CfOutboundSettings {
        api_base_url: r.required_parsed("CF_API_BASE_URL", parse::http_url),
        client_id: r.required_text("CF_SERVICE_ACCOUNT_CLIENT_ID"),
        client_secret: r.required_secret("CF_SERVICE_ACCOUNT_CLIENT_SECRET"),
        workspace_id: r.required_parsed("CF_WORKSPACE_ID", parse::guid),
        close_classification: r.text_or("CF_CLOSE_CLASSIFICATION", "Undetermined"),
        close_classification_reason: r.text_or("CF_CLOSE_CLASSIFICATION_REASON", "InaccurateData"),
        mirror_reopen: r.parsed("CF_MIRROR_REOPEN", true, parse::boolean),
    }
}

fn read_halo_inbound(r: &mut Reader) -> HaloInboundSettings {
    let webhook_secret = r.required_secret("HALO_WEBHOOK_SECRET");
    let closed_status_ids = r.required_parsed("HALO_CLOSED_STATUS_ID", |t| {
        let ids = parse::integer_list(t)?;
        if ids.is_empty() {
            return Err("required".to_owned());
        }
        Ok(ids)
    });
    let integration_agent_ids =
        r.parsed_with_default_text("HALO_INTEGRATION_AGENT_ID", UNSET, Vec::new(), |t| {
            parse::integer_list(t)
        });
    HaloInboundSettings {
        webhook_secret,
        closed_status_ids,
        integration_agent_ids,
    }
}

fn read_state_url(r: &mut Reader, edition: Edition) -> StateUrl {
    const NAME: &str = "STATE_URL";
    let default = match edition {
        Edition::Function => Some("memory:"),
        Edition::Service => Some("sqlite://data/bridge.db"),
        Edition::Cluster => None,
    };
    let Some(text) = r.raw.get(NAME).or(default).map(str::to_owned) else {
        r.problem(
            NAME,
            "required: the cluster edition has no default (e.g. postgres://user:password@host/db)",
        );
        return StateUrl::memory();
    };
    match StateUrl::parse(&text) {
        Ok(url) => {
            r.show(NAME, url.redacted());
            url
        }
        Err(message) => {
            r.problem(NAME, message);
            StateUrl::memory()
        }
    }
}

/// `FUNCTIONS_CUSTOMHANDLER_PORT` (function edition only), else `PORT`, else 8080.
fn read_port(r: &mut Reader, edition: Edition) -> u16 {
    let port = |t: &str| parse::integer::<u16>(t, 0, u16::MAX.into());
    if edition == Edition::Function {
        if r.raw.get(FUNCTIONS_PORT).is_some() {
            r.show("PORT", format!("(not used: {FUNCTIONS_PORT} is set)"));
            return r.parsed(FUNCTIONS_PORT, DEFAULT_PORT, port);
        }
        r.show(FUNCTIONS_PORT, UNSET);
    }
    r.parsed("PORT", DEFAULT_PORT, port)
}

fn positive_id(text: &str) -> Result<i64, String> {
    parse::integer(text, 1, i64::MAX.into())
}

const UNSET: &str = "(unset)";
const HIDDEN: &str = "***";

/// Reads typed values out of the layered text, collecting problems instead of
/// stopping at the first, and noting each variable's effective value for
/// [`Settings::describe`]. A failed value yields a placeholder so reading goes
/// on; placeholders never escape because any problem turns the result into an error.
struct Reader {
    raw: source::RawValues,
    problems: Vec<Problem>,
    shown: Vec<(String, String)>,
}

impl Reader {
    fn problem(&mut self, name: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            variable: name.to_owned(),
            message: message.into(),
        });
    }

    fn show(&mut self, name: &str, value: impl Into<String>) {
        self.shown.push((name.to_owned(), value.into()));
    }

    /// Replaces what was noted for `name`, for a value another variable overrides.
    fn show_instead(&mut self, name: &str, value: &str) {
        self.shown.retain(|(shown, _)| shown != name);
        self.show(name, value);
    }

    fn text_or(&mut self, name: &str, default: &str) -> String {
        let text = self.raw.get(name).unwrap_or(default).to_owned();
        self.show(name, text.clone());
        text
    }

    fn optional_text(&mut self, name: &str) -> Option<String> {
        let text = self.raw.get(name).map(str::to_owned);
        self.show(name, text.as_deref().unwrap_or(UNSET));
        text
    }

    fn required_text(&mut self, name: &str) -> String {
        self.required_parsed(name, |t| Ok(t.to_owned()))
    }

    /// A value that must be set; `parse` must not quote it if it may be secret.
    fn required_parsed<T: Default>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> T {
        let Some(text) = self.raw.get(name).map(str::to_owned) else {
            self.problem(name, "required");
            return T::default();
        };
        self.show(name, text.clone());
        parse(&text).unwrap_or_else(|message| {
            self.problem(name, message);
            T::default()
        })
    }

    fn optional_parsed<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let Some(text) = self.raw.get(name).map(str::to_owned) else {
            self.show(name, UNSET);
            return None;
        };
        self.show(name, text.clone());
        match parse(&text) {
            Ok(value) => Some(value),
            Err(message) => {
                self.problem(name, message);
                None
            }
        }
    }

    /// An optional value whose default is shown as `default`'s own text.
    fn parsed<T: Clone + fmt::Display>(
        &mut self,
        name: &str,
        default: T,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> T {
        let shown_default = default.to_string();
        self.parsed_with_default_text(name, &shown_default, default, parse)
    }

    fn parsed_with_default_text<T>(
        &mut self,
        name: &str,
        default_text: &str,
        default: T,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> T {
        self.optional_parsed(name, parse).unwrap_or_else(|| {
            if self.raw.get(name).is_none() {
                self.show_instead(name, default_text);
            }
            default
        })
    }

    fn required_secret(&mut self, name: &str) -> Secret {
        match self.raw.get(name).map(Secret::new) {
            Some(secret) => {
                self.show(name, HIDDEN);
                secret
            }
            None => {
                self.problem(name, "required");
                Secret::new("")
            }
        }
    }

    fn optional_secret(&mut self, name: &str) -> Option<Secret> {
        let secret = self.raw.get(name).map(Secret::new);
        self.show(name, if secret.is_some() { HIDDEN } else { UNSET });
        secret
    }

    /// A comma list of secrets (rotation); blank items are dropped and at least one must remain.
    fn required_secret_list(&mut self, name: &str) -> Vec<Secret> {
        let secrets: Vec<Secret> = self
            .raw
            .get(name)
            .map(|t| parse::list(t).into_iter().map(Secret::new).collect())
            .unwrap_or_default();
        if secrets.is_empty() {
            self.problem(name, "required");
        } else {
            self.show(name, HIDDEN);
        }
        secrets
    }
}

/// The effective values noted while reading; kept out of `Debug` as noise.
#[derive(Clone)]
struct Described(Vec<(String, String)>);

impl fmt::Debug for Described {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} variables", self.0.len())
    }
}

#[cfg(test)]
mod tests;
