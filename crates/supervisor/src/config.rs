//! A container's desired configuration, `<containers>/<name>.json`: where it comes from
//! (`create` or `nest switch`), whether it starts with the daemon, its restart policy
//! and the runtime spec (whose `init` is the system directory to boot).

use crate::error::{Error, Result};
use crate::files;
use crate::paths::Paths;
use nest_container::{ContainerName, Spec};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub const CONFIG_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// Made by `nest container create`; `destroy` may remove it.
    Imperative,
    /// Written by `nest switch` from the host configuration.
    Declarative,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicy {
    /// Stay down after PID 1 exits (a reboot request still restarts).
    No,
    /// Restart when PID 1 fails (non-zero status, killed, or the runtime failed).
    #[default]
    OnFailure,
    /// Restart whenever PID 1 exits, except after `stop`/`terminate`.
    Always,
}

impl std::str::FromStr for RestartPolicy {
    type Err = Error;
    fn from_str(s: &str) -> Result<RestartPolicy> {
        match s {
            "no" => Ok(RestartPolicy::No),
            "on-failure" => Ok(RestartPolicy::OnFailure),
            "always" => Ok(RestartPolicy::Always),
            _ => Err(Error::Invalid(format!(
                "unknown restart policy {s:?} (use no, on-failure or always)"
            ))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RestartConfig {
    #[serde(default)]
    pub policy: RestartPolicy,
    /// First delay before a restart; doubles after each quick failure.
    #[serde(default = "default_delay")]
    pub delay_sec: f64,
    #[serde(default = "default_max_delay")]
    pub max_delay_sec: f64,
    /// Give up (state `failed`) after this many restarts in a row of a container that
    /// ran less than `stable_sec` each time.
    #[serde(default = "default_burst")]
    pub burst: u32,
    #[serde(default = "default_stable")]
    pub stable_sec: f64,
}

fn default_delay() -> f64 {
    0.1
}
fn default_max_delay() -> f64 {
    30.0
}
fn default_burst() -> u32 {
    10
}
fn default_stable() -> f64 {
    10.0
}
fn default_stop_timeout() -> f64 {
    10.0
}

impl Default for RestartConfig {
    fn default() -> Self {
        RestartConfig {
            policy: RestartPolicy::default(),
            delay_sec: default_delay(),
            max_delay_sec: default_max_delay(),
            burst: default_burst(),
            stable_sec: default_stable(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerConfig {
    pub version: u32,
    pub origin: Origin,
    #[serde(default)]
    pub auto_start: bool,
    #[serde(default)]
    pub restart: RestartConfig,
    /// Seconds `stop` waits for an orderly shutdown before SIGKILL.
    #[serde(default = "default_stop_timeout")]
    pub stop_timeout_sec: f64,
    pub spec: Spec,
}

impl ContainerConfig {
    pub fn name(&self) -> &str {
        self.spec.name.as_str()
    }

    /// The system directory the container boots.
    pub fn system(&self) -> Option<&PathBuf> {
        self.spec.init.as_ref()
    }

    /// The spec as the runtime gets it: state and root directories resolved against
    /// `paths` (so a config written with defaults follows `NEST_*` variables).
    pub fn resolved_spec(&self, paths: &Paths) -> Spec {
        let mut spec = self.spec.clone();
        spec.state_dir = Some(paths.state_dir(self.name()));
        if spec.root_dir.is_none() {
            spec.root_dir = Some(paths.root_dir(self.name()));
        }
        spec
    }
}

/// Validates a name (the file name must be safe too).
pub fn name(s: &str) -> Result<ContainerName> {
    Ok(ContainerName::new(s)?)
}

pub fn load(paths: &Paths, name: &str) -> Result<ContainerConfig> {
    let path = paths.config_file(name);
    let cfg: ContainerConfig = files::read_json(&path, CONFIG_VERSION)?
        .ok_or_else(|| Error::NoSuchContainer(name.to_string()))?;
    if cfg.name() != name {
        return Err(Error::Parse {
            path,
            msg: format!("names container {:?}, expected {name:?}", cfg.name()),
        });
    }
    cfg.spec.validate().map_err(|e| Error::Parse {
        path: paths.config_file(name),
        msg: e.to_string(),
    })?;
    Ok(cfg)
}

pub fn exists(paths: &Paths, name: &str) -> bool {
    paths.config_file(name).exists()
}

pub fn save(paths: &Paths, cfg: &ContainerConfig) -> Result<()> {
    files::write_json(&paths.config_file(cfg.name()), cfg)
}

/// The names of all configured containers, sorted.
pub fn names(paths: &Paths) -> Result<Vec<String>> {
    let rd = match std::fs::read_dir(&paths.containers) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(Error::Io {
                op: "listing",
                path: paths.containers.clone(),
                source,
            })
        }
    };
    let mut out: Vec<String> = rd
        .flatten()
        .filter_map(|e| {
            let f = e.file_name().to_string_lossy().into_owned();
            let n = f.strip_suffix(".json")?;
            ContainerName::new(n).ok().map(|_| n.to_string())
        })
        .collect();
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> ContainerConfig {
        let mut spec = Spec::new(ContainerName::new(name).unwrap());
        spec.init = Some("/nest/store/x-system".into());
        ContainerConfig {
            version: CONFIG_VERSION,
            origin: Origin::Imperative,
            auto_start: true,
            restart: RestartConfig::default(),
            stop_timeout_sec: 5.0,
            spec,
        }
    }

    #[test]
    fn save_load_list() {
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::under(d.path(), std::path::Path::new("/bin/nest"));
        assert!(names(&paths).unwrap().is_empty());
        save(&paths, &sample("b")).unwrap();
        save(&paths, &sample("a")).unwrap();
        std::fs::write(paths.containers.join("not a container.json"), "{}").unwrap();
        assert_eq!(names(&paths).unwrap(), vec!["a", "b"]);
        let a = load(&paths, "a").unwrap();
        assert_eq!(a, sample("a"));
        assert!(matches!(load(&paths, "zz"), Err(Error::NoSuchContainer(_))));
        let r = a.resolved_spec(&paths);
        assert_eq!(r.state_dir, Some(d.path().join("run/containers/a")));
        assert_eq!(r.root_dir, Some(d.path().join("roots/a")));
    }

    #[test]
    fn a_file_under_the_wrong_name_is_rejected() {
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::under(d.path(), std::path::Path::new("/bin/nest"));
        save(&paths, &sample("a")).unwrap();
        std::fs::rename(paths.config_file("a"), paths.config_file("b")).unwrap();
        let e = load(&paths, "b").unwrap_err().to_string();
        assert!(e.contains("names container \"a\", expected \"b\""), "{e}");
    }

    #[test]
    fn defaults_fill_missing_fields() {
        let json = r#"{"version":1,"origin":"declarative","spec":{"name":"x","init":"/s"}}"#;
        let c: ContainerConfig = serde_json::from_str(json).unwrap();
        assert!(!c.auto_start);
        assert_eq!(c.restart.policy, RestartPolicy::OnFailure);
        assert_eq!(c.stop_timeout_sec, 10.0);
        assert!("sometimes".parse::<RestartPolicy>().is_err());
    }
}
