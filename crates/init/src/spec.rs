//! The `services.json` format of a system directory: serde types, loading and
//! validation (unknown fields, bad values, unknown dependencies, ordering cycles), and
//! the fingerprint that decides whether a service changed on re-activation.
//! The format is documented in `crates/init/SERVICES.md`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The only `version` of `services.json` this init understands.
pub const FORMAT_VERSION: u32 = 1;

/// Default ordering/enablement target: services whose `wantedBy` names it start at boot.
pub const DEFAULT_TARGET: &str = "multi-user.target";

/// Restart delay when `restartSec` is not given (systemd's default).
pub const DEFAULT_RESTART_SEC: f64 = 0.1;
/// Upper bound of the doubling restart back-off when `restartMaxDelaySec` is not given.
pub const DEFAULT_RESTART_MAX_DELAY_SEC: f64 = 30.0;
/// Time between the stop signal and SIGKILL when `stopTimeoutSec` is not given.
pub const DEFAULT_STOP_TIMEOUT_SEC: f64 = 10.0;
/// Time a `notify` service has to create its ready file when `startTimeoutSec` is not given.
pub const DEFAULT_START_TIMEOUT_SEC: f64 = 90.0;

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    File { path: PathBuf, message: String },
    #[error("{}: service `{service}`: {message}", path.display())]
    Service {
        path: PathBuf,
        service: String,
        message: String,
    },
    #[error("{}: ordering cycle between services: {}", path.display(), cycle.join(" -> "))]
    Cycle { path: PathBuf, cycle: Vec<String> },
}

/// The top level of `services.json`, as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawFile {
    version: u32,
    #[serde(default)]
    default_target: Option<String>,
    #[serde(default)]
    environment: BTreeMap<String, String>,
    #[serde(default)]
    services: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceType {
    #[default]
    Simple,
    Oneshot,
    Notify,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicy {
    #[default]
    No,
    OnFailure,
    Always,
}

/// A command: a string is a shell script (`/bin/sh -e -c`), a list is an argv.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Exec {
    Script(String),
    Argv(Vec<String>),
}

/// One service of `services.json`, as written.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceDef {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub command: Option<Vec<String>>,
    #[serde(default)]
    pub script: Option<String>,
    #[serde(default)]
    pub shell: Option<String>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    #[serde(default)]
    pub working_directory: Option<PathBuf>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub wants: Vec<String>,
    #[serde(default)]
    pub after: Vec<String>,
    #[serde(default)]
    pub before: Vec<String>,
    #[serde(default)]
    pub wanted_by: Vec<String>,
    #[serde(default = "yes")]
    pub enable: bool,
    #[serde(default, rename = "type")]
    pub kind: ServiceType,
    #[serde(default)]
    pub remain_after_exit: bool,
    #[serde(default)]
    pub ready_file: Option<PathBuf>,
    #[serde(default)]
    pub start_timeout_sec: Option<f64>,
    #[serde(default)]
    pub restart: RestartPolicy,
    #[serde(default)]
    pub restart_sec: Option<f64>,
    #[serde(default)]
    pub restart_max_delay_sec: Option<f64>,
    #[serde(default)]
    pub stop_signal: Option<String>,
    #[serde(default)]
    pub stop_timeout_sec: Option<f64>,
    #[serde(default)]
    pub exec_stop: Option<Exec>,
    #[serde(default)]
    pub pre_start: Option<Exec>,
    #[serde(default)]
    pub post_start: Option<Exec>,
    #[serde(default = "yes")]
    pub restart_if_changed: bool,
    #[serde(default)]
    pub definition: Option<String>,
}

fn yes() -> bool {
    true
}

/// A validated service: its definition plus everything derived from it once.
#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub def: ServiceDef,
    /// The main command as an argv (a `script` already wrapped in the shell).
    pub argv: Vec<String>,
    /// `environment` of the file merged under the service's own.
    pub env: BTreeMap<String, String>,
    pub stop_signal: nix::sys::signal::Signal,
    /// Equal fingerprints mean "unchanged" on re-activation.
    pub fingerprint: String,
    /// Service names (not targets) this one is ordered after, `before` of others included
    /// by [`Spec`].
    pub after: Vec<String>,
    pub requires: Vec<String>,
    pub wants: Vec<String>,
}

impl Service {
    pub fn restart_sec(&self) -> Duration {
        secs(self.def.restart_sec.unwrap_or(DEFAULT_RESTART_SEC))
    }
    pub fn restart_max_delay(&self) -> Duration {
        let max = self
            .def
            .restart_max_delay_sec
            .unwrap_or(DEFAULT_RESTART_MAX_DELAY_SEC);
        secs(max).max(self.restart_sec())
    }
    pub fn stop_timeout(&self) -> Duration {
        secs(
            self.def
                .stop_timeout_sec
                .unwrap_or(DEFAULT_STOP_TIMEOUT_SEC),
        )
    }
    pub fn start_timeout(&self) -> Duration {
        secs(
            self.def
                .start_timeout_sec
                .unwrap_or(DEFAULT_START_TIMEOUT_SEC),
        )
    }
    /// The argv of a `preStart`/`postStart`/`execStop` entry.
    pub fn exec_argv(&self, exec: &Exec) -> Vec<String> {
        match exec {
            Exec::Argv(v) => v.clone(),
            Exec::Script(s) => script_argv(self.def.shell.as_deref(), s, &self.name),
        }
    }
    /// A short, stable hash of the fingerprint, shown in status.
    pub fn definition_hash(&self) -> String {
        format!("{:016x}", fnv1a64(self.fingerprint.as_bytes()))
    }
}

fn script_argv(shell: Option<&str>, script: &str, name: &str) -> Vec<String> {
    vec![
        shell.unwrap_or("/bin/sh").to_string(),
        "-e".to_string(),
        "-c".to_string(),
        script.to_string(),
        name.to_string(),
    ]
}

fn secs(s: f64) -> Duration {
    // Values were validated finite and non-negative at load time.
    Duration::try_from_secs_f64(s).unwrap_or(Duration::ZERO)
}

/// FNV-1a: tiny, stable across builds (unlike `DefaultHasher`), enough for display.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// A loaded, validated `services.json`.
#[derive(Debug, Clone)]
pub struct Spec {
    pub path: PathBuf,
    pub default_target: String,
    pub services: BTreeMap<String, Service>,
}

/// Strips a `.service` suffix; returns `None` for targets (`*.target`), which are
/// synchronisation points nest does not model.
pub fn unit_name(reference: &str) -> Option<&str> {
    if reference.ends_with(".target") {
        return None;
    }
    Some(reference.strip_suffix(".service").unwrap_or(reference))
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && !name.ends_with(".target")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@:".contains(c))
}

/// Parses a signal name (`SIGTERM`, `TERM`) or number.
pub fn parse_signal(s: &str) -> Option<nix::sys::signal::Signal> {
    use std::str::FromStr;
    if let Ok(n) = s.parse::<i32>() {
        return nix::sys::signal::Signal::try_from(n).ok();
    }
    let upper = s.to_ascii_uppercase();
    let full = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    nix::sys::signal::Signal::from_str(&full).ok()
}

impl Spec {
    /// An empty system: no services.
    pub fn empty(path: PathBuf) -> Spec {
        Spec {
            path,
            default_target: DEFAULT_TARGET.to_string(),
            services: BTreeMap::new(),
        }
    }

    pub fn load(path: &Path) -> Result<Spec, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|source| SpecError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Spec::parse(&text, path)
    }

    /// Parses and validates; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Spec, SpecError> {
        let file_err = |message: String| SpecError::File {
            path: path.to_path_buf(),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| file_err(format!("invalid JSON: {e}")))?;
        if let Some(v) = value.get("version") {
            if v.as_u64() != Some(u64::from(FORMAT_VERSION)) {
                return Err(file_err(format!(
                    "unsupported version {v} (this nest reads version {FORMAT_VERSION})"
                )));
            }
        }
        let raw: RawFile = serde_json::from_value(value).map_err(|e| file_err(e.to_string()))?;
        let default_target = raw
            .default_target
            .unwrap_or_else(|| DEFAULT_TARGET.to_string());
        let mut defs = BTreeMap::new();
        for (name, v) in raw.services {
            let svc_err = |message: String| SpecError::Service {
                path: path.to_path_buf(),
                service: name.clone(),
                message,
            };
            if !valid_name(&name) {
                return Err(svc_err(
                    "invalid name (use letters, digits and `-_.@:`, not ending in .target)"
                        .to_string(),
                ));
            }
            let def: ServiceDef = serde_json::from_value(v).map_err(|e| svc_err(e.to_string()))?;
            if def.enable {
                defs.insert(name, def);
            }
        }
        let mut services = BTreeMap::new();
        for (name, def) in &defs {
            let svc = build_service(name, def, &raw.environment, &defs).map_err(|message| {
                SpecError::Service {
                    path: path.to_path_buf(),
                    service: name.clone(),
                    message,
                }
            })?;
            services.insert(name.clone(), svc);
        }
        // `before` of one service is `after` of the other.
        let befores: Vec<(String, String)> = services
            .values()
            .flat_map(|s| {
                s.def
                    .before
                    .iter()
                    .filter_map(|b| unit_name(b))
                    .filter(|b| defs.contains_key(*b))
                    .map(|b| (b.to_string(), s.name.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        for (later, earlier) in befores {
            if let Some(s) = services.get_mut(&later) {
                if !s.after.contains(&earlier) {
                    s.after.push(earlier);
                }
            }
        }
        let spec = Spec {
            path: path.to_path_buf(),
            default_target,
            services,
        };
        if let Err(cycle) = crate::graph::start_order(&spec) {
            return Err(SpecError::Cycle {
                path: path.to_path_buf(),
                cycle,
            });
        }
        Ok(spec)
    }
}

fn build_service(
    name: &str,
    def: &ServiceDef,
    global_env: &BTreeMap<String, String>,
    all: &BTreeMap<String, ServiceDef>,
) -> Result<Service, String> {
    let argv = match (&def.command, &def.script) {
        (Some(_), Some(_)) => return Err("give either `command` or `script`, not both".into()),
        (None, None) => return Err("missing `command` or `script`".into()),
        (Some(cmd), None) => {
            if cmd.is_empty() || cmd[0].is_empty() {
                return Err(
                    "`command` must be a non-empty list whose first item is the program".into(),
                );
            }
            cmd.clone()
        }
        (None, Some(s)) => script_argv(def.shell.as_deref(), s, name),
    };
    for exec in [&def.pre_start, &def.post_start, &def.exec_stop]
        .into_iter()
        .flatten()
    {
        if let Exec::Argv(v) = exec {
            if v.is_empty() || v[0].is_empty() {
                return Err(
                    "an argv in `preStart`/`postStart`/`execStop` must not be empty".into(),
                );
            }
        }
    }
    for (field, v) in [
        ("startTimeoutSec", def.start_timeout_sec),
        ("restartSec", def.restart_sec),
        ("restartMaxDelaySec", def.restart_max_delay_sec),
        ("stopTimeoutSec", def.stop_timeout_sec),
    ] {
        if let Some(v) = v {
            if !v.is_finite() || !(0.0..=1.0e6).contains(&v) {
                return Err(format!(
                    "`{field}` must be a number of seconds between 0 and 1000000"
                ));
            }
        }
    }
    if def.kind == ServiceType::Oneshot && def.restart == RestartPolicy::Always {
        return Err("`restart: always` is not allowed for `type: oneshot` (use on-failure)".into());
    }
    if def.kind == ServiceType::Notify && def.ready_file.is_none() {
        return Err(
            "`type: notify` needs `readyFile` (the file the service creates when ready)".into(),
        );
    }
    if def.kind != ServiceType::Notify && def.ready_file.is_some() {
        return Err("`readyFile` is only meaningful with `type: notify`".into());
    }
    if def.remain_after_exit && def.kind != ServiceType::Oneshot {
        return Err("`remainAfterExit` is only meaningful with `type: oneshot`".into());
    }
    if let Some(rf) = &def.ready_file {
        if !rf.is_absolute() {
            return Err("`readyFile` must be an absolute path".into());
        }
    }
    if let Some(wd) = &def.working_directory {
        if !wd.is_absolute() {
            return Err("`workingDirectory` must be an absolute path".into());
        }
    }
    let stop_signal = match &def.stop_signal {
        None => nix::sys::signal::Signal::SIGTERM,
        Some(s) => parse_signal(s).ok_or_else(|| format!("unknown `stopSignal` {s:?}"))?,
    };
    for key in global_env.keys().chain(def.environment.keys()) {
        if key.is_empty() || key.contains('=') || key.contains('\0') {
            return Err(format!("invalid environment variable name {key:?}"));
        }
    }
    let mut requires = Vec::new();
    for r in &def.requires {
        if let Some(n) = unit_name(r) {
            if !all.contains_key(n) {
                return Err(format!(
                    "requires `{r}`, which is not a (enabled) service of this system"
                ));
            }
            requires.push(n.to_string());
        }
    }
    let collect = |list: &[String]| -> Vec<String> {
        list.iter()
            .filter_map(|r| unit_name(r))
            .filter(|n| all.contains_key(*n) && *n != name)
            .map(str::to_string)
            .collect()
    };
    let wants = collect(&def.wants);
    let after = collect(&def.after);
    let mut env = global_env.clone();
    env.extend(def.environment.iter().map(|(k, v)| (k.clone(), v.clone())));
    let fingerprint = match &def.definition {
        Some(d) => format!("definition:{d}"),
        None => {
            // serde_json's map is a BTreeMap here, so this is canonical (sorted keys).
            let v = serde_json::json!({ "service": def, "environment": global_env });
            v.to_string()
        }
    };
    Ok(Service {
        name: name.to_string(),
        def: def.clone(),
        argv,
        env,
        stop_signal,
        fingerprint,
        after,
        requires,
        wants,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Spec, SpecError> {
        Spec::parse(s, Path::new("/sys/services.json"))
    }

    #[test]
    fn minimal_file_parses() {
        let spec = parse(r#"{"version":1,"services":{"a":{"command":["/bin/true"]}}}"#).unwrap();
        assert_eq!(spec.services["a"].argv, vec!["/bin/true"]);
        assert_eq!(spec.default_target, DEFAULT_TARGET);
    }

    #[test]
    fn script_is_wrapped_in_shell() {
        let spec = parse(r#"{"version":1,"services":{"a":{"script":"echo hi"}}}"#).unwrap();
        assert_eq!(
            spec.services["a"].argv,
            vec!["/bin/sh", "-e", "-c", "echo hi", "a"]
        );
    }

    #[test]
    fn unknown_field_names_file_and_service() {
        let e = parse(r#"{"version":1,"services":{"web":{"command":["x"],"bogus":1}}}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("/sys/services.json"), "{e}");
        assert!(e.contains("service `web`"), "{e}");
        assert!(e.contains("unknown field `bogus`"), "{e}");
    }

    #[test]
    fn wrong_version_is_rejected() {
        let e = parse(r#"{"version":2,"services":{}}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unsupported version 2"), "{e}");
        let e = parse(r#"{"services":{}}"#).unwrap_err().to_string();
        assert!(e.contains("missing field `version`"), "{e}");
    }

    #[test]
    fn invalid_json_is_a_file_error() {
        let e = parse("{").unwrap_err().to_string();
        assert!(e.starts_with("/sys/services.json: invalid JSON"), "{e}");
    }

    #[test]
    fn command_and_script_are_exclusive() {
        let e = parse(r#"{"version":1,"services":{"a":{"command":["x"],"script":"y"}}}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("either `command` or `script`"), "{e}");
        let e = parse(r#"{"version":1,"services":{"a":{}}}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing `command` or `script`"), "{e}");
    }

    #[test]
    fn requires_unknown_service_is_an_error_but_targets_are_not() {
        let e = parse(r#"{"version":1,"services":{"a":{"command":["x"],"requires":["b"]}}}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("requires `b`"), "{e}");
        let ok = parse(
            r#"{"version":1,"services":{"a":{"command":["x"],"requires":["network.target"],"after":["nope.service"]}}}"#,
        )
        .unwrap();
        assert!(ok.services["a"].requires.is_empty());
        assert!(ok.services["a"].after.is_empty());
    }

    #[test]
    fn before_becomes_after_of_the_other() {
        let spec = parse(
            r#"{"version":1,"services":{"a":{"command":["x"],"before":["b.service"]},"b":{"command":["y"]}}}"#,
        )
        .unwrap();
        assert_eq!(spec.services["b"].after, vec!["a"]);
    }

    #[test]
    fn disabled_services_are_not_loaded() {
        let spec =
            parse(r#"{"version":1,"services":{"a":{"command":["x"],"enable":false}}}"#).unwrap();
        assert!(spec.services.is_empty());
    }

    #[test]
    fn bad_values_are_rejected() {
        for (svc, needle) in [
            (
                r#"{"command":["x"],"type":"forking"}"#,
                "unknown variant `forking`",
            ),
            (
                r#"{"command":["x"],"restart":"sometimes"}"#,
                "unknown variant `sometimes`",
            ),
            (
                r#"{"command":["x"],"type":"oneshot","restart":"always"}"#,
                "not allowed",
            ),
            (r#"{"command":["x"],"type":"notify"}"#, "needs `readyFile`"),
            (
                r#"{"command":["x"],"stopSignal":"SIGNOPE"}"#,
                "unknown `stopSignal`",
            ),
            (r#"{"command":["x"],"restartSec":-1}"#, "`restartSec`"),
            (r#"{"command":[]}"#, "non-empty"),
            (r#"{"command":["x"],"workingDirectory":"rel"}"#, "absolute"),
            (
                r#"{"command":["x"],"environment":{"A=B":"c"}}"#,
                "invalid environment",
            ),
        ] {
            let text = format!(r#"{{"version":1,"services":{{"s":{svc}}}}}"#);
            let e = parse(&text).unwrap_err().to_string();
            assert!(e.contains(needle), "{svc}: {e}");
            assert!(e.contains("service `s`"), "{svc}: {e}");
        }
    }

    #[test]
    fn signals_parse_by_name_and_number() {
        use nix::sys::signal::Signal;
        assert_eq!(parse_signal("SIGINT"), Some(Signal::SIGINT));
        assert_eq!(parse_signal("hup"), Some(Signal::SIGHUP));
        assert_eq!(parse_signal("9"), Some(Signal::SIGKILL));
        assert_eq!(parse_signal("NOPE"), None);
    }

    #[test]
    fn fingerprint_changes_with_definition_and_global_environment() {
        let a = parse(r#"{"version":1,"services":{"a":{"command":["x"]}}}"#).unwrap();
        let b = parse(r#"{"version":1,"services":{"a":{"command":["x"]}}}"#).unwrap();
        let c = parse(r#"{"version":1,"services":{"a":{"command":["y"]}}}"#).unwrap();
        let d =
            parse(r#"{"version":1,"environment":{"X":"1"},"services":{"a":{"command":["x"]}}}"#)
                .unwrap();
        assert_eq!(a.services["a"].fingerprint, b.services["a"].fingerprint);
        assert_ne!(a.services["a"].fingerprint, c.services["a"].fingerprint);
        assert_ne!(a.services["a"].fingerprint, d.services["a"].fingerprint);
        assert_eq!(d.services["a"].env["X"], "1");
    }

    #[test]
    fn explicit_definition_wins_over_content() {
        let a =
            parse(r#"{"version":1,"services":{"a":{"command":["x"],"definition":"h1"}}}"#).unwrap();
        let b =
            parse(r#"{"version":1,"services":{"a":{"command":["y"],"definition":"h1"}}}"#).unwrap();
        assert_eq!(a.services["a"].fingerprint, b.services["a"].fingerprint);
    }
}
