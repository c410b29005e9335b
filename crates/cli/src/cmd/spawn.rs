//! `nest spawn`: a systemd-nspawn-like entry point. Builds a container spec from flags
//! and runs it in the foreground, exiting with the command's (or PID 1's) status.

use crate::output::Output;
use anyhow::Context;
use nest_container::spec::{Address, AllowedDevice, BindMount, ForwardPort, Limits, Protocol};
use nest_container::{ContainerName, Spec};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The container's root directory (created if missing).
    #[arg(short = 'D', long = "directory", value_name = "ROOT")]
    pub root: PathBuf,
    /// The container's name and hostname (default: the root directory's name).
    #[arg(short = 'M', long = "machine", value_name = "NAME")]
    pub machine: Option<String>,
    /// A store directory to bind read-only at the same path inside.
    #[arg(long, value_name = "DIR", env = "NEST_STORE_DIR")]
    pub store: Option<PathBuf>,
    /// Bind a host path read-write: SRC[:DST] (DST defaults to SRC).
    #[arg(long, value_name = "SRC[:DST]")]
    pub bind: Vec<String>,
    /// Bind a host path read-only: SRC[:DST].
    #[arg(long = "bind-ro", value_name = "SRC[:DST]")]
    pub bind_ro: Vec<String>,
    /// Mount a fresh tmpfs at this path inside.
    #[arg(long, value_name = "DST")]
    pub tmpfs: Vec<PathBuf>,
    /// Give the container its own network namespace with a veth pair to the host.
    #[arg(long)]
    pub private_network: bool,
    /// The host side's IPv4 address of the veth pair (ADDR[/PREFIX]).
    #[arg(long, value_name = "ADDR", requires = "private_network")]
    pub host_address: Option<String>,
    /// The container side's IPv4 address (ADDR[/PREFIX]).
    #[arg(long, value_name = "ADDR", requires = "private_network")]
    pub local_address: Option<String>,
    /// The host side's IPv6 address.
    #[arg(long, value_name = "ADDR", requires = "private_network")]
    pub host_address6: Option<String>,
    /// The container side's IPv6 address.
    #[arg(long, value_name = "ADDR", requires = "private_network")]
    pub local_address6: Option<String>,
    /// Attach the host side of the veth pair to this bridge.
    #[arg(
        long = "network-bridge",
        value_name = "BRIDGE",
        requires = "private_network"
    )]
    pub bridge: Option<String>,
    /// Forward a host port to the container: [tcp:|udp:]HOSTPORT[:CONTAINERPORT].
    #[arg(short = 'p', long = "port", value_name = "PORT")]
    pub port: Vec<String>,
    /// Run on a throw-away overlay of the root: nothing written is kept.
    #[arg(long)]
    pub ephemeral: bool,
    /// Boot a system directory with `nest init` as PID 1 instead of running a command.
    #[arg(short = 'b', long, value_name = "SYSTEM")]
    pub boot: Option<PathBuf>,
    /// Set an environment variable for PID 1: NAME=VALUE.
    #[arg(short = 'E', long = "setenv", value_name = "NAME=VALUE")]
    pub setenv: Vec<String>,
    /// Memory limit in bytes (suffixes K, M, G allowed).
    #[arg(long, value_name = "BYTES")]
    pub memory_max: Option<String>,
    /// Maximum number of tasks.
    #[arg(long, value_name = "N")]
    pub pids_max: Option<u64>,
    /// CPU weight, 1–10000 (100 is the default share).
    #[arg(long, value_name = "W")]
    pub cpu_weight: Option<u64>,
    /// CPU quota in percent of one CPU.
    #[arg(long, value_name = "PERCENT")]
    pub cpu_quota: Option<u64>,
    /// IO weight, 1–10000.
    #[arg(long, value_name = "W")]
    pub io_weight: Option<u64>,
    /// Keep an extra capability in the bounding set (e.g. CAP_NET_ADMIN).
    #[arg(long, value_name = "CAP")]
    pub capability: Vec<String>,
    /// Allow a host device node: NODE[:rwm].
    #[arg(long = "allow-device", value_name = "NODE[:MODE]")]
    pub allow_device: Vec<String>,
    /// Provide /dev/net/tun.
    #[arg(long)]
    pub enable_tun: bool,
    /// Set no_new_privs for everything in the container.
    #[arg(long)]
    pub no_new_privileges: bool,
    /// Install the seccomp filter (module loading, kexec, clock, swap, keyrings… fail).
    #[arg(long)]
    pub seccomp: bool,
    /// /etc/resolv.conf inside: copy-host (the host's, written at start) or off.
    #[arg(long, value_name = "MODE", default_value = "copy-host", value_parser = ["copy-host", "off"])]
    pub resolv_conf: String,
    /// Runtime state root; the container's state is in RUN_DIR/containers/NAME.
    #[arg(
        long,
        value_name = "DIR",
        env = "NEST_RUN_DIR",
        default_value = "/run/nest"
    )]
    pub run_dir: PathBuf,
    /// Print the spec as JSON on stdout and exit without starting anything.
    #[arg(long)]
    pub print_spec: bool,
    /// The command to run (default: /bin/sh).
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

fn split_bind(s: &str, read_only: bool) -> BindMount {
    let (src, dst) = match s.split_once(':') {
        Some((a, b)) => (PathBuf::from(a), PathBuf::from(b)),
        None => (PathBuf::from(s), PathBuf::from(s)),
    };
    BindMount {
        host_path: Some(src),
        mount_point: dst,
        is_read_only: read_only,
    }
}

fn parse_port(s: &str) -> anyhow::Result<ForwardPort> {
    let (protocol, rest) = match s.split_once(':') {
        Some(("tcp", r)) => (Protocol::Tcp, r),
        Some(("udp", r)) => (Protocol::Udp, r),
        _ => (Protocol::Tcp, s),
    };
    let (h, c) = match rest.split_once(':') {
        Some((h, c)) => (h, Some(c)),
        None => (rest, None),
    };
    let host_port = h.parse().with_context(|| format!("bad port {s:?}"))?;
    let container_port = c
        .map(|c| c.parse())
        .transpose()
        .with_context(|| format!("bad port {s:?}"))?;
    Ok(ForwardPort {
        protocol,
        host_port,
        container_port,
    })
}

fn parse_bytes(s: &str) -> anyhow::Result<u64> {
    let (num, mult) = match s.chars().last() {
        Some('K' | 'k') => (&s[..s.len() - 1], 1u64 << 10),
        Some('M' | 'm') => (&s[..s.len() - 1], 1 << 20),
        Some('G' | 'g') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    let n: u64 = num.parse().with_context(|| format!("bad size {s:?}"))?;
    n.checked_mul(mult)
        .with_context(|| format!("size {s:?} is too large"))
}

fn address(s: &Option<String>) -> anyhow::Result<Option<Address>> {
    Ok(s.as_deref().map(Address::parse).transpose()?)
}

/// The name `nest spawn` uses when none is given: the root directory's name with
/// characters a name may not have replaced by `-`.
fn name_from_root(root: &Path) -> String {
    let base = root
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = cleaned.trim_start_matches(['-', '.']);
    if trimmed.is_empty() {
        "container".to_string()
    } else {
        trimmed.to_string()
    }
}

pub fn spec_from_args(args: &Args) -> anyhow::Result<Spec> {
    let root = std::path::absolute(&args.root)
        .with_context(|| format!("root directory {}", args.root.display()))?;
    let name = ContainerName::new(
        &args
            .machine
            .clone()
            .unwrap_or_else(|| name_from_root(&root)),
    )?;
    let mut spec = Spec::new(name.clone());
    spec.root_dir = Some(root);
    spec.state_dir = Some(
        std::path::absolute(&args.run_dir)?
            .join("containers")
            .join(name.as_str()),
    );
    spec.store_dir = args.store.as_deref().map(std::path::absolute).transpose()?;
    spec.ephemeral = args.ephemeral;
    spec.init = args.boot.clone();
    spec.command = if args.command.is_empty() && args.boot.is_none() {
        vec!["/bin/sh".to_string()]
    } else {
        args.command.clone()
    };
    spec.bind_mounts = args
        .bind
        .iter()
        .map(|b| split_bind(b, false))
        .chain(args.bind_ro.iter().map(|b| split_bind(b, true)))
        .collect();
    spec.tmpfs = args.tmpfs.clone();
    spec.private_network = args.private_network;
    spec.host_address = address(&args.host_address)?;
    spec.local_address = address(&args.local_address)?;
    spec.host_address6 = address(&args.host_address6)?;
    spec.local_address6 = address(&args.local_address6)?;
    spec.host_bridge = args.bridge.clone();
    spec.forward_ports = args
        .port
        .iter()
        .map(|p| parse_port(p))
        .collect::<anyhow::Result<_>>()?;
    spec.allowed_devices = args
        .allow_device
        .iter()
        .map(|d| {
            let (node, modifier) = d.split_once(':').unwrap_or((d.as_str(), "rwm"));
            AllowedDevice {
                node: node.into(),
                modifier: modifier.to_string(),
            }
        })
        .collect();
    spec.additional_capabilities = args.capability.clone();
    spec.enable_tun = args.enable_tun;
    spec.limits = Limits {
        memory_max: args.memory_max.as_deref().map(parse_bytes).transpose()?,
        cpu_weight: args.cpu_weight,
        cpu_quota_percent: args.cpu_quota,
        pids_max: args.pids_max,
        io_weight: args.io_weight,
    };
    let mut env = BTreeMap::new();
    for kv in &args.setenv {
        let (k, v) = kv
            .split_once('=')
            .with_context(|| format!("--setenv {kv:?}: expected NAME=VALUE"))?;
        env.insert(k.to_string(), v.to_string());
    }
    spec.environment = env;
    spec.no_new_privileges = args.no_new_privileges;
    spec.seccomp = args.seccomp;
    spec.resolv_conf = if args.resolv_conf == "off" {
        nest_container::spec::ResolvConf::Off
    } else {
        nest_container::spec::ResolvConf::CopyHost
    };
    spec.validate()?;
    Ok(spec)
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let spec = spec_from_args(&args)?;
    if args.print_spec {
        out.stdout(&format!("{}\n", spec.to_json()));
        return Ok(ExitCode::SUCCESS);
    }
    let status = nest_container::run(&spec, None)?;
    Ok(ExitCode::from(status.code().clamp(0, 255) as u8))
}
