//! The container spec: what the module system (or `nest spawn`) hands the runtime.
//! Typed and validated on parse; JSON field names are the NixOS option names.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SpecError {
    #[error("invalid container name {name:?}: {why}")]
    Name { name: String, why: String },
    #[error("invalid address {value:?}: {why}")]
    Address { value: String, why: String },
    #[error("{field}: {path:?} is not an absolute path")]
    NotAbsolute { field: &'static str, path: PathBuf },
    #[error("unknown capability {0:?} in additionalCapabilities")]
    Capability(String),
    #[error("allowedDevices: modifier {0:?} may only contain r, w and m")]
    DeviceModifier(String),
    #[error("{field} must be greater than zero")]
    Zero { field: &'static str },
    #[error("limits.cpuWeight must be between 1 and 10000, got {0}")]
    CpuWeight(u64),
    #[error("limits.ioWeight must be between 1 and 10000, got {0}")]
    IoWeight(u64),
    #[error("{0} needs privateNetwork = true")]
    NeedsPrivateNetwork(&'static str),
    #[error("{0} and {1} must both be IPv4 or both IPv6 addresses")]
    Family(&'static str, &'static str),
    #[error("nothing to run: give `init` (a system to boot) or `command`")]
    NothingToRun,
    #[error("invalid environment variable name {0:?}")]
    EnvName(String),
    #[error("parsing the spec: {0}")]
    Json(String),
}

/// A container name: letters, digits, `-`, `_` and `.`; not starting with `-` or `.`;
/// any length (derived names with length limits, like interface names, are hashed).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ContainerName(String);

impl ContainerName {
    pub fn new(name: &str) -> Result<ContainerName, SpecError> {
        let err = |why: String| SpecError::Name {
            name: name.to_string(),
            why,
        };
        if name.is_empty() {
            return Err(err("it is empty".into()));
        }
        if let Some((i, c)) = name
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(err(format!(
                "character {c:?} at position {i} is not allowed (use letters, digits, '-', '_' and '.')"
            )));
        }
        if name.starts_with(['-', '.']) {
            return Err(err("it must not start with '-' or '.'".into()));
        }
        Ok(ContainerName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A valid hostname (at most 64 bytes): the name itself when short enough, else a
    /// prefix and a hash so distinct long names stay distinct.
    pub fn hostname(&self) -> String {
        if self.0.len() <= 64 {
            return self.0.clone();
        }
        format!("{}-{}", &self.0[..47], short_hash(&self.0))
    }

    /// The host-side veth name, `ve-<name>`, or `ve-<hash>` when that is longer than
    /// the kernel's 15 bytes.
    pub fn veth_name(&self) -> String {
        let plain = format!("ve-{}", self.0);
        if plain.len() <= 15 {
            return plain;
        }
        format!("ve-{}", &short_hash(&self.0)[..12])
    }
}

/// 16 hex digits of FNV-1a: stable across versions and platforms, no dependency.
fn short_hash(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

impl TryFrom<String> for ContainerName {
    type Error = SpecError;
    fn try_from(s: String) -> Result<Self, SpecError> {
        ContainerName::new(&s)
    }
}

impl From<ContainerName> for String {
    fn from(n: ContainerName) -> String {
        n.0
    }
}

impl fmt::Display for ContainerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An address with an optional prefix length, as NixOS writes them (`10.0.0.1`,
/// `10.0.0.1/24`, `fc00::1/64`). Without a prefix it is a single host (/32, /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Address {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Address {
    pub fn parse(s: &str) -> Result<Address, SpecError> {
        let err = |why: &str| SpecError::Address {
            value: s.to_string(),
            why: why.to_string(),
        };
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().map_err(|_| err("not an IPv4 or IPv6 address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| err("bad prefix length"))?,
            None => max,
        };
        Ok(Address { addr, prefix })
    }
}

impl TryFrom<String> for Address {
    type Error = SpecError;
    fn try_from(s: String) -> Result<Self, SpecError> {
        Address::parse(&s)
    }
}

impl From<Address> for String {
    fn from(a: Address) -> String {
        let max = if a.addr.is_ipv4() { 32 } else { 128 };
        if a.prefix == max {
            a.addr.to_string()
        } else {
            format!("{}/{}", a.addr, a.prefix)
        }
    }
}

/// `bindMounts.<name>`: a host path mounted inside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BindMount {
    /// Defaults to the mount point (NixOS does the same).
    #[serde(default)]
    pub host_path: Option<PathBuf>,
    pub mount_point: PathBuf,
    #[serde(default = "yes")]
    pub is_read_only: bool,
}

fn yes() -> bool {
    true
}

impl BindMount {
    pub fn source(&self) -> &Path {
        self.host_path.as_deref().unwrap_or(&self.mount_point)
    }
}

/// NixOS writes `bindMounts` as an attribute set keyed by mount point; scripts find a
/// list easier. Both are accepted.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum BindMountsIn {
    List(Vec<BindMount>),
    Attrs(BTreeMap<String, BindMountAttr>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BindMountAttr {
    #[serde(default)]
    host_path: Option<PathBuf>,
    #[serde(default)]
    mount_point: Option<PathBuf>,
    #[serde(default = "yes")]
    is_read_only: bool,
}

fn bind_mounts<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<BindMount>, D::Error> {
    Ok(match BindMountsIn::deserialize(d)? {
        BindMountsIn::List(v) => v,
        BindMountsIn::Attrs(m) => m
            .into_iter()
            .map(|(k, a)| BindMount {
                host_path: a.host_path,
                mount_point: a.mount_point.unwrap_or_else(|| PathBuf::from(k)),
                is_read_only: a.is_read_only,
            })
            .collect(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
}

/// `forwardPorts`: a host port forwarded to a port of the container's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ForwardPort {
    #[serde(default = "tcp")]
    pub protocol: Protocol,
    pub host_port: u16,
    /// Defaults to the host port.
    #[serde(default)]
    pub container_port: Option<u16>,
}

fn tcp() -> Protocol {
    Protocol::Tcp
}

impl ForwardPort {
    pub fn target_port(&self) -> u16 {
        self.container_port.unwrap_or(self.host_port)
    }
}

/// `allowedDevices`: a device node the container may use (`modifier` ⊆ "rwm").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AllowedDevice {
    pub node: PathBuf,
    pub modifier: String,
}

/// Resource limits; absent means unlimited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Limits {
    /// Bytes.
    #[serde(default)]
    pub memory_max: Option<u64>,
    /// 1–10000, like cgroup v2's `cpu.weight` (100 is the default share).
    #[serde(default)]
    pub cpu_weight: Option<u64>,
    /// Percent of one CPU (200 = two CPUs), like systemd's `CPUQuota=`.
    #[serde(default)]
    pub cpu_quota_percent: Option<u64>,
    #[serde(default)]
    pub pids_max: Option<u64>,
    /// 1–10000, like cgroup v2's `io.weight`.
    #[serde(default)]
    pub io_weight: Option<u64>,
}

/// A container, described with host paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Spec {
    pub name: ContainerName,
    /// Default `/var/lib/nest/containers/<name>`; created if missing.
    #[serde(default)]
    pub root_dir: Option<PathBuf>,
    /// Runtime state (pid file, lock, PID 1's control socket). Default
    /// `/run/nest/containers/<name>`.
    #[serde(default)]
    pub state_dir: Option<PathBuf>,
    /// Bind-mounted read-only at the same path inside; none when absent.
    #[serde(default)]
    pub store_dir: Option<PathBuf>,
    /// A fresh tmpfs over the root: nothing written inside is kept.
    #[serde(default)]
    pub ephemeral: bool,
    /// The system directory to boot with nest's init as PID 1.
    #[serde(default)]
    pub init: Option<PathBuf>,
    /// Without `init`: the command PID 1 runs (under a tiny reaper).
    #[serde(default)]
    pub command: Vec<String>,
    #[serde(default, deserialize_with = "bind_mounts")]
    pub bind_mounts: Vec<BindMount>,
    #[serde(default)]
    pub tmpfs: Vec<PathBuf>,
    #[serde(default)]
    pub private_network: bool,
    #[serde(default)]
    pub host_address: Option<Address>,
    #[serde(default)]
    pub local_address: Option<Address>,
    #[serde(default)]
    pub host_address6: Option<Address>,
    #[serde(default)]
    pub local_address6: Option<Address>,
    #[serde(default)]
    pub host_bridge: Option<String>,
    #[serde(default)]
    pub forward_ports: Vec<ForwardPort>,
    #[serde(default)]
    pub allowed_devices: Vec<AllowedDevice>,
    #[serde(default)]
    pub additional_capabilities: Vec<String>,
    #[serde(default)]
    pub enable_tun: bool,
    #[serde(default)]
    pub limits: Limits,
    /// PID 1's environment (added to `PATH`, `container=nest`, `TERM`).
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    /// Sets `no_new_privs` for everything in the container.
    #[serde(default)]
    pub no_new_privileges: bool,
    /// Installs the seccomp filter of [`nest_sys::seccomp`] (whose module docs list how
    /// it differs from systemd-nspawn's default filter).
    #[serde(default)]
    pub seccomp: bool,
    /// What `/etc/resolv.conf` inside is made of at each start.
    #[serde(default)]
    pub resolv_conf: ResolvConf,
}

/// `/etc/resolv.conf` inside a container, written after pivot_root at every start
/// (so the system's activation, which runs later, can still replace it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResolvConf {
    /// A copy of the host's; with a private network, where a host-local stub
    /// resolver (`127.0.0.53`) cannot be reached, the upstream servers behind it
    /// (`/run/systemd/resolve/resolv.conf`) when the host has them.
    #[default]
    CopyHost,
    /// Whatever the root has (nothing is written).
    Off,
}

impl Spec {
    /// A spec with defaults for everything but the name.
    pub fn new(name: ContainerName) -> Spec {
        Spec {
            name,
            root_dir: None,
            state_dir: None,
            store_dir: None,
            ephemeral: false,
            init: None,
            command: Vec::new(),
            bind_mounts: Vec::new(),
            tmpfs: Vec::new(),
            private_network: false,
            host_address: None,
            local_address: None,
            host_address6: None,
            local_address6: None,
            host_bridge: None,
            forward_ports: Vec::new(),
            allowed_devices: Vec::new(),
            additional_capabilities: Vec::new(),
            enable_tun: false,
            limits: Limits::default(),
            environment: BTreeMap::new(),
            no_new_privileges: false,
            seccomp: false,
            resolv_conf: ResolvConf::CopyHost,
        }
    }

    /// Parses and validates a JSON spec.
    pub fn from_json(text: &str) -> Result<Spec, SpecError> {
        let spec: Spec = serde_json::from_str(text).map_err(|e| SpecError::Json(e.to_string()))?;
        spec.validate()?;
        Ok(spec)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn root_dir(&self) -> PathBuf {
        self.root_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("/var/lib/nest/containers").join(self.name.as_str()))
    }

    pub fn state_dir(&self) -> PathBuf {
        self.state_dir
            .clone()
            .unwrap_or_else(|| default_state_dir(&self.name))
    }

    /// The capabilities asked for beyond the default set, as numbers.
    pub fn additional_caps(&self) -> Result<Vec<u8>, SpecError> {
        self.additional_capabilities
            .iter()
            .map(|c| nest_sys::caps::from_name(c).ok_or_else(|| SpecError::Capability(c.clone())))
            .collect()
    }

    /// Checks what types alone cannot.
    pub fn validate(&self) -> Result<(), SpecError> {
        let abs = |field: &'static str, p: &Path| {
            if p.is_absolute() {
                Ok(())
            } else {
                Err(SpecError::NotAbsolute {
                    field,
                    path: p.to_path_buf(),
                })
            }
        };
        for (field, p) in [
            ("rootDir", &self.root_dir),
            ("stateDir", &self.state_dir),
            ("storeDir", &self.store_dir),
            ("init", &self.init),
        ] {
            if let Some(p) = p {
                abs(field, p)?;
            }
        }
        for b in &self.bind_mounts {
            abs("bindMounts.mountPoint", &b.mount_point)?;
            abs("bindMounts.hostPath", b.source())?;
        }
        for t in &self.tmpfs {
            abs("tmpfs", t)?;
        }
        for d in &self.allowed_devices {
            abs("allowedDevices.node", &d.node)?;
            if d.modifier.is_empty() || !d.modifier.chars().all(|c| matches!(c, 'r' | 'w' | 'm')) {
                return Err(SpecError::DeviceModifier(d.modifier.clone()));
            }
        }
        self.additional_caps()?;
        let l = &self.limits;
        for (field, v) in [
            ("limits.memoryMax", l.memory_max),
            ("limits.cpuQuotaPercent", l.cpu_quota_percent),
            ("limits.pidsMax", l.pids_max),
        ] {
            if v == Some(0) {
                return Err(SpecError::Zero { field });
            }
        }
        if let Some(w) = l.cpu_weight.filter(|w| !(1..=10000).contains(w)) {
            return Err(SpecError::CpuWeight(w));
        }
        if let Some(w) = l.io_weight.filter(|w| !(1..=10000).contains(w)) {
            return Err(SpecError::IoWeight(w));
        }
        if !self.private_network {
            let net_fields: [(&'static str, bool); 6] = [
                ("hostAddress", self.host_address.is_some()),
                ("localAddress", self.local_address.is_some()),
                ("hostAddress6", self.host_address6.is_some()),
                ("localAddress6", self.local_address6.is_some()),
                ("hostBridge", self.host_bridge.is_some()),
                ("forwardPorts", !self.forward_ports.is_empty()),
            ];
            if let Some((f, _)) = net_fields.iter().find(|(_, set)| *set) {
                return Err(SpecError::NeedsPrivateNetwork(f));
            }
        }
        for (a, an, fam_v4) in [
            (&self.host_address, "hostAddress", true),
            (&self.local_address, "localAddress", true),
            (&self.host_address6, "hostAddress6", false),
            (&self.local_address6, "localAddress6", false),
        ] {
            if let Some(a) = a {
                if a.addr.is_ipv4() != fam_v4 {
                    return Err(SpecError::Address {
                        value: String::from(*a),
                        why: format!("{an} must be an IPv{} address", if fam_v4 { 4 } else { 6 }),
                    });
                }
            }
        }
        if !self.forward_ports.is_empty() && self.local_address.is_none() {
            return Err(SpecError::Address {
                value: String::new(),
                why: "forwardPorts needs localAddress".into(),
            });
        }
        for p in &self.forward_ports {
            if p.host_port == 0 || p.target_port() == 0 {
                return Err(SpecError::Zero {
                    field: "forwardPorts port",
                });
            }
        }
        for k in self.environment.keys() {
            if k.is_empty() || k.contains(['=', '\0']) {
                return Err(SpecError::EnvName(k.clone()));
            }
        }
        if self.init.is_none() && self.command.is_empty() {
            return Err(SpecError::NothingToRun);
        }
        Ok(())
    }
}

/// `/run/nest/containers/<name>`.
pub fn default_state_dir(name: &ContainerName) -> PathBuf {
    PathBuf::from("/run/nest/containers").join(name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(ContainerName::new("foo-bar_1.x").is_ok());
        let e = ContainerName::new("a/b").expect_err("slash");
        assert_eq!(
            e.to_string(),
            "invalid container name \"a/b\": character '/' at position 1 is not allowed (use letters, digits, '-', '_' and '.')"
        );
        assert!(ContainerName::new("").is_err());
        assert!(ContainerName::new("-x").is_err());
        let long = ContainerName::new(&"x".repeat(300)).expect("any length");
        assert_eq!(long.veth_name().len(), 15);
        assert!(long.hostname().len() <= 64);
        assert_eq!(ContainerName::new("foo").expect("ok").veth_name(), "ve-foo");
        let a = ContainerName::new("averyverylongname1").expect("ok");
        let b = ContainerName::new("averyverylongname2").expect("ok");
        assert_ne!(a.veth_name(), b.veth_name());
    }

    #[test]
    fn parses_nixos_shaped_json() {
        let s = Spec::from_json(
            r#"{ "name": "web", "command": ["/bin/sh"], "privateNetwork": true,
                 "hostAddress": "10.233.1.1", "localAddress": "10.233.1.2/24",
                 "localAddress6": "fd00::2",
                 "bindMounts": { "/data": { "hostPath": "/srv/data", "isReadOnly": false } },
                 "forwardPorts": [ { "hostPort": 8080, "containerPort": 80 } ],
                 "allowedDevices": [ { "node": "/dev/net/tun", "modifier": "rwm" } ],
                 "additionalCapabilities": [ "CAP_NET_ADMIN" ],
                 "limits": { "memoryMax": 104857600, "pidsMax": 64 } }"#,
        )
        .expect("valid");
        assert_eq!(s.local_address.map(|a| a.prefix), Some(24));
        assert_eq!(s.host_address.map(|a| a.prefix), Some(32));
        assert_eq!(s.bind_mounts[0].mount_point, PathBuf::from("/data"));
        assert!(!s.bind_mounts[0].is_read_only);
        assert_eq!(s.forward_ports[0].protocol, Protocol::Tcp);
        assert_eq!(s.root_dir(), PathBuf::from("/var/lib/nest/containers/web"));
        assert_eq!(s.state_dir(), PathBuf::from("/run/nest/containers/web"));
        let again = Spec::from_json(&s.to_json()).expect("round trip");
        assert_eq!(again, s);
    }

    #[test]
    fn rejects_bad_specs() {
        let cases = [
            (
                r#"{"name":"a","command":["x"],"hostAddress":"10.0.0.1"}"#,
                "hostAddress needs privateNetwork = true",
            ),
            (
                r#"{"name":"a","command":["x"],"privateNetwork":true,"hostAddress":"10.0.0.300"}"#,
                "not an IPv4 or IPv6 address",
            ),
            (
                r#"{"name":"a","command":["x"],"additionalCapabilities":["CAP_FLY"]}"#,
                "unknown capability \"CAP_FLY\"",
            ),
            (
                r#"{"name":"a","command":["x"],"limits":{"pidsMax":0}}"#,
                "limits.pidsMax must be greater than zero",
            ),
            (r#"{"name":"a"}"#, "nothing to run"),
            (
                r#"{"name":"a","command":["x"],"rootDir":"rel"}"#,
                "rootDir: \"rel\" is not an absolute path",
            ),
            (
                r#"{"name":"a","command":["x"],"bogus":1}"#,
                "unknown field `bogus`",
            ),
            (
                r#"{"name":"a b","command":["x"]}"#,
                "character ' ' at position 1",
            ),
            (
                r#"{"name":"a","command":["x"],"privateNetwork":true,"hostAddress":"fd00::1"}"#,
                "hostAddress must be an IPv4 address",
            ),
        ];
        for (json, want) in cases {
            let err = Spec::from_json(json).expect_err(json).to_string();
            assert!(err.contains(want), "{json}: got {err:?}, want {want:?}");
        }
    }
}
