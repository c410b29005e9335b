//! The host's bridges for `nest switch`: what the host config declares
//! (`networking.bridges`, evaluated as `nest.hostNetwork`), the checks against the
//! host's links before anything is touched, the plan (create, adopt, addresses,
//! ports, delete) and carrying it out over rtnetlink.
//!
//! Ownership is kept in `<state>/bridges.json` (written atomically under the switch
//! lock): per bridge, whether nest created it and which addresses and ports nest
//! added. Only a bridge nest created is ever deleted; one that existed before (made
//! by hand or another tool) is adopted: nest adds what is declared and, when the
//! bridge leaves the config, removes only what it added.

use anyhow::{bail, Context};
use nest_sys::netlink::{AddrInfo, LinkInfo, Netlink, NetlinkError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// One bridge as the host config declares it (`nest.hostNetwork.bridges.<name>`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declared {
    /// Host interfaces made ports of the bridge.
    #[serde(default)]
    pub interfaces: Vec<String>,
    /// `ADDRESS/PREFIX`, IPv4 then IPv6.
    #[serde(default)]
    pub addresses: Vec<String>,
}

pub type DeclaredBridges = BTreeMap<String, Declared>;

/// `nest.hostNetwork` as evaluated.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HostNetwork {
    #[serde(default)]
    pub bridges: DeclaredBridges,
}

pub const STATE_VERSION: u32 = 1;

/// What nest did to one bridge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owned {
    /// nest created it (and so may delete it).
    pub created: bool,
    /// Addresses nest added (`ADDRESS/PREFIX`).
    #[serde(default)]
    pub addresses: BTreeSet<String>,
    /// Interfaces nest made ports of it.
    #[serde(default)]
    pub interfaces: BTreeSet<String>,
}

/// `<state>/bridges.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    pub bridges: BTreeMap<String, Owned>,
}

impl Default for State {
    fn default() -> State {
        State {
            version: STATE_VERSION,
            bridges: BTreeMap::new(),
        }
    }
}

pub fn state_path(state_dir: &Path) -> PathBuf {
    state_dir.join("bridges.json")
}

/// The recorded state; none yet is an empty one.
pub fn load_state(path: &Path) -> anyhow::Result<State> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::default()),
        Err(e) => return Err(e).with_context(|| format!("reading '{}'", path.display())),
    };
    let state: State = serde_json::from_str(&text)
        .with_context(|| format!("'{}' is not nest's bridge state", path.display()))?;
    if state.version != STATE_VERSION {
        bail!(
            "'{}' has version {} (this nest reads {STATE_VERSION})",
            path.display(),
            state.version
        );
    }
    Ok(state)
}

fn save_state(path: &Path, state: &State) -> anyhow::Result<()> {
    let text = serde_json::to_vec_pretty(state).context("serialising the bridge state")?;
    nest_supervisor::files::write_atomic(path, &text)
        .with_context(|| format!("writing '{}'", path.display()))
}

/// The host's links and addresses when the switch plans.
#[derive(Debug, Clone, Default)]
pub struct HostNet {
    pub links: Vec<LinkInfo>,
    pub addrs: Vec<AddrInfo>,
}

impl HostNet {
    pub fn read() -> Result<HostNet, NetlinkError> {
        let mut nl = Netlink::open()?;
        Ok(HostNet {
            links: nl.links()?,
            addrs: nl.addresses()?,
        })
    }

    fn link(&self, name: &str) -> Option<&LinkInfo> {
        self.links.iter().find(|l| l.name == name)
    }

    fn has_addr(&self, index: u32, a: Addr) -> bool {
        self.addrs
            .iter()
            .any(|x| x.index == index && x.addr == a.addr && x.prefix == a.prefix)
    }

    fn ports_of(&self, index: u32) -> Vec<&str> {
        self.links
            .iter()
            .filter(|l| l.master == Some(index))
            .map(|l| l.name.as_str())
            .collect()
    }
}

/// An address with its prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl std::fmt::Display for Addr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

fn parse_addr(bridge: &str, text: &str) -> anyhow::Result<Addr> {
    let bad = || {
        format!(
            "networking.interfaces.{bridge}: '{text}' is not an IP address with a prefix length"
        )
    };
    let (a, p) = text.split_once('/').with_context(bad)?;
    let addr: IpAddr = a.parse().ok().with_context(bad)?;
    let prefix: u8 = p.parse().ok().with_context(bad)?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    if prefix > max {
        bail!("{}: the prefix length is above {max}", bad());
    }
    Ok(Addr { addr, prefix })
}

fn is_bridge(l: &LinkInfo) -> bool {
    l.kind.as_deref() == Some("bridge")
}

fn kind_of(l: &LinkInfo) -> &str {
    l.kind.as_deref().unwrap_or("a device")
}

/// One thing the switch does to the host's bridges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Declared and missing: created and set up.
    Create(String),
    /// Declared and already there, not made by nest: used, never deleted.
    Adopt(String),
    /// Declared, there, but down.
    SetUp(String),
    AddAddress(String, Addr),
    RemoveAddress(String, Addr),
    Enslave(String, String),
    Release(String, String),
    /// Created by nest and no longer declared (only once no port is left).
    Delete(String),
    /// Adopted and no longer declared: left as it is (after what nest added is
    /// removed), or already gone from the host.
    Forget(String),
}

/// A plan line, as `--dry-run` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub bridge: String,
    pub action: &'static str,
    pub why: String,
}

impl Op {
    pub fn line(&self) -> Line {
        let (bridge, action, why) = match self {
            Op::Create(b) => (b, "create", "declared in networking.bridges".to_string()),
            Op::Adopt(b) => (
                b,
                "adopt",
                "declared, and already on the host: used, never deleted by nest".to_string(),
            ),
            Op::SetUp(b) => (b, "set-up", "declared; it is down".to_string()),
            Op::AddAddress(b, a) => (b, "address", format!("add {a}")),
            Op::RemoveAddress(b, a) => (b, "address", format!("remove {a} (no longer declared)")),
            Op::Enslave(b, i) => (b, "port", format!("add {i}")),
            Op::Release(b, i) => (b, "port", format!("release {i} (no longer declared)")),
            Op::Delete(b) => (
                b,
                "delete",
                "created by nest; no longer declared".to_string(),
            ),
            Op::Forget(b) => (
                b,
                "forget",
                "no longer declared; not created by nest, so left on the host".to_string(),
            ),
        };
        Line {
            bridge: bridge.clone(),
            action,
            why,
        }
    }
}

/// What to do before the containers are touched (`before`) and after the removed
/// ones are stopped (`after`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub before: Vec<Op>,
    pub after: Vec<Op>,
}

/// The containers' `hostBridge`s, from their evaluated specs.
fn host_bridges<'a>(
    containers: impl IntoIterator<Item = (&'a String, &'a Value)>,
) -> Vec<(&'a str, &'a str)> {
    containers
        .into_iter()
        .filter(|(_, d)| d["spec"]["privateNetwork"].as_bool().unwrap_or(false))
        .filter_map(|(n, d)| Some((n.as_str(), d["spec"]["hostBridge"].as_str()?)))
        .collect()
}

/// Checks the declared bridges and the containers' `hostBridge`s against the host
/// and the recorded state, and plans. Reads nothing itself, so it is the same for a
/// dry run and testable without root.
pub fn plan<'a>(
    declared: &DeclaredBridges,
    containers: impl IntoIterator<Item = (&'a String, &'a Value)>,
    host: &HostNet,
    state: &State,
) -> anyhow::Result<Plan> {
    let mut p = Plan::default();
    for (name, d) in declared {
        let owned = state.bridges.get(name);
        let addrs = d
            .addresses
            .iter()
            .map(|a| parse_addr(name, a))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let link = host.link(name);
        match link {
            None => p.before.push(Op::Create(name.clone())),
            Some(l) if !is_bridge(l) => bail!(
                "networking.bridges.{name}: '{name}' exists on this host and is not a bridge (it is {})",
                kind_of(l)
            ),
            Some(l) => {
                if owned.is_none() {
                    p.before.push(Op::Adopt(name.clone()));
                }
                if !l.up {
                    p.before.push(Op::SetUp(name.clone()));
                }
            }
        }
        for i in &d.interfaces {
            let Some(il) = host.link(i) else {
                bail!("networking.bridges.{name}.interfaces: there is no interface '{i}' on this host");
            };
            if is_bridge(il) {
                bail!("networking.bridges.{name}.interfaces: '{i}' is a bridge itself");
            }
            let master = il
                .master
                .and_then(|m| host.links.iter().find(|x| x.index == m));
            match master {
                Some(m) if m.name == *name => {}
                Some(m) => bail!(
                    "networking.bridges.{name}.interfaces: '{i}' is already a port of '{}'",
                    m.name
                ),
                None => p.before.push(Op::Enslave(name.clone(), i.clone())),
            }
        }
        for a in &addrs {
            if link.is_none_or(|l| !host.has_addr(l.index, *a)) {
                p.before.push(Op::AddAddress(name.clone(), *a));
            }
        }
        // What nest added before and the config no longer declares.
        if let (Some(o), Some(l)) = (owned, link) {
            for a in &o.addresses {
                let a = parse_addr(name, a)?;
                if !addrs.contains(&a) && host.has_addr(l.index, a) {
                    p.before.push(Op::RemoveAddress(name.clone(), a));
                }
            }
            for i in o.interfaces.iter().filter(|i| !d.interfaces.contains(i)) {
                if host.link(i).is_some_and(|il| il.master == Some(l.index)) {
                    p.before.push(Op::Release(name.clone(), i.clone()));
                }
            }
        }
    }
    for (name, o) in state
        .bridges
        .iter()
        .filter(|(n, _)| !declared.contains_key(*n))
    {
        let Some(l) = host.link(name) else {
            p.after.push(Op::Forget(name.clone()));
            continue;
        };
        if o.created {
            p.after.push(Op::Delete(name.clone()));
            continue;
        }
        for a in &o.addresses {
            let a = parse_addr(name, a)?;
            if host.has_addr(l.index, a) {
                p.after.push(Op::RemoveAddress(name.clone(), a));
            }
        }
        for i in &o.interfaces {
            if host.link(i).is_some_and(|il| il.master == Some(l.index)) {
                p.after.push(Op::Release(name.clone(), i.clone()));
            }
        }
        p.after.push(Op::Forget(name.clone()));
    }
    for (container, bridge) in host_bridges(containers) {
        if declared.contains_key(bridge) {
            continue;
        }
        match host.link(bridge) {
            None => bail!(
                "container '{container}': its hostBridge '{bridge}' is neither declared in networking.bridges nor a bridge on this host"
            ),
            Some(l) if !is_bridge(l) => bail!(
                "container '{container}': its hostBridge '{bridge}' is not a bridge (it is {})",
                kind_of(l)
            ),
            Some(_) if state.bridges.get(bridge).is_some_and(|o| o.created) => bail!(
                "container '{container}': its hostBridge '{bridge}' was created by nest for an earlier host config and is no longer declared; declare it in networking.bridges"
            ),
            Some(_) => {}
        }
    }
    Ok(p)
}

/// `plan` against the host's links as they are now, read only when bridges are
/// declared, recorded or used: a host config without bridges costs no netlink dump.
pub fn plan_on_host<'a>(
    declared: &DeclaredBridges,
    containers: impl IntoIterator<Item = (&'a String, &'a Value)>,
    state: &State,
) -> anyhow::Result<Plan> {
    let containers: Vec<_> = containers.into_iter().collect();
    let used = !host_bridges(containers.iter().copied()).is_empty();
    if declared.is_empty() && state.bridges.is_empty() && !used {
        return Ok(Plan::default());
    }
    let host = HostNet::read().context("reading the host's network interfaces")?;
    plan(declared, containers, &host, state)
}

/// At boot, before `nest daemon` starts the autoStart containers: bridges do not
/// survive a reboot, so every bridge nest created is made again with the addresses and
/// ports nest gave it, and what nest added to an adopted bridge is added again, all from
/// `<state>/bridges.json` (what the last switch left). Problems are warnings: a
/// container whose bridge is missing then fails to start with its own error.
pub fn restore(state_dir: &Path, warn: &dyn Fn(&str)) {
    let path = state_path(state_dir);
    let mut state = match load_state(&path) {
        Ok(s) if s.bridges.is_empty() => return,
        Ok(s) => s,
        Err(e) => return warn(&format!("host bridges: {e:#}")),
    };
    let host = match HostNet::read() {
        Ok(h) => h,
        Err(e) => return warn(&format!("host bridges: reading the host's interfaces: {e}")),
    };
    let ops = restore_plan(&state, &host);
    if let Err(e) = realise(&ops, &path, &mut state, warn) {
        warn(&format!("host bridges: {e:#}"));
    }
}

fn restore_plan(state: &State, host: &HostNet) -> Vec<Op> {
    let mut ops = Vec::new();
    for (name, o) in &state.bridges {
        let link = host.link(name);
        match link {
            None if o.created => ops.push(Op::Create(name.clone())),
            // The user's bridge, gone: theirs to make again; a link of another kind
            // under its name: not nest's to touch.
            None => continue,
            Some(l) if !is_bridge(l) => continue,
            Some(l) if !l.up => ops.push(Op::SetUp(name.clone())),
            Some(_) => {}
        }
        for a in o.addresses.iter().filter_map(|a| parse_addr(name, a).ok()) {
            if link.is_none_or(|l| !host.has_addr(l.index, a)) {
                ops.push(Op::AddAddress(name.clone(), a));
            }
        }
        for i in &o.interfaces {
            if host.link(i).is_some_and(|il| il.master.is_none()) {
                ops.push(Op::Enslave(name.clone(), i.clone()));
            }
        }
    }
    ops
}

/// Carries out `ops` in order, recording in `state` (saved at `path` afterwards, also
/// when an op fails) what nest created and added. A bridge to delete that still has
/// ports nest did not add (a container not managed by this host config) is kept and
/// said so; the next switch tries again.
pub fn realise(
    ops: &[Op],
    path: &Path,
    state: &mut State,
    warn: &dyn Fn(&str),
) -> anyhow::Result<()> {
    if ops.is_empty() {
        return Ok(());
    }
    let r = realise_ops(ops, state, warn);
    let saved = save_state(path, state);
    r?;
    saved
}

fn realise_ops(ops: &[Op], state: &mut State, warn: &dyn Fn(&str)) -> anyhow::Result<()> {
    let mut nl = Netlink::open().context("opening a netlink socket")?;
    for op in ops {
        let ctx = || {
            let l = op.line();
            format!("bridge '{}': {} ({})", l.bridge, l.action, l.why)
        };
        match op {
            Op::Create(b) => {
                nl.create_bridge(b).with_context(ctx)?;
                // Recorded before anything else can fail: a bridge nest made and then
                // forgot would be treated as the user's and never deleted.
                // What was recorded of it stays (at boot, its addresses are re-added
                // from that record).
                state.bridges.entry(b.clone()).or_default().created = true;
                nl.set_up(b).with_context(ctx)?;
            }
            Op::Adopt(b) => {
                state.bridges.entry(b.clone()).or_default();
            }
            Op::SetUp(b) => nl.set_up(b).with_context(ctx)?,
            Op::AddAddress(b, a) => {
                match nl.add_address(b, a.addr, a.prefix) {
                    Ok(()) => {}
                    // Added meanwhile by someone else: theirs, not recorded as nest's.
                    Err(NetlinkError::Kernel {
                        errno: nix::errno::Errno::EEXIST,
                        ..
                    }) => continue,
                    Err(e) => return Err(e).with_context(ctx),
                }
                state
                    .bridges
                    .entry(b.clone())
                    .or_default()
                    .addresses
                    .insert(a.to_string());
            }
            Op::RemoveAddress(b, a) => {
                match nl.delete_address(b, a.addr, a.prefix) {
                    Ok(())
                    | Err(NetlinkError::Kernel {
                        errno: nix::errno::Errno::EADDRNOTAVAIL,
                        ..
                    }) => {}
                    Err(e) => return Err(e).with_context(ctx),
                }
                if let Some(o) = state.bridges.get_mut(b) {
                    o.addresses.remove(&a.to_string());
                }
            }
            Op::Enslave(b, i) => {
                nl.set_master(i, b).with_context(ctx)?;
                // A port that is down forwards nothing (NixOS sets them up too).
                nl.set_up(i).with_context(ctx)?;
                state
                    .bridges
                    .entry(b.clone())
                    .or_default()
                    .interfaces
                    .insert(i.clone());
            }
            Op::Release(b, i) => {
                match nl.set_nomaster(i) {
                    Ok(()) | Err(NetlinkError::NoSuchLink(_)) => {}
                    Err(e) => return Err(e).with_context(ctx),
                }
                if let Some(o) = state.bridges.get_mut(b) {
                    o.interfaces.remove(i);
                }
            }
            Op::Delete(b) => {
                let ours = state.bridges.get(b).cloned().unwrap_or_default();
                // The veth of a container stopped just before goes away with its
                // network namespace, which the kernel tears down a little later.
                let end = std::time::Instant::now() + std::time::Duration::from_secs(3);
                let busy = loop {
                    let links = nl.links().with_context(ctx)?;
                    let Some(l) = links.iter().find(|l| l.name == *b) else {
                        break None;
                    };
                    let host = HostNet {
                        links: links.clone(),
                        addrs: Vec::new(),
                    };
                    let busy: Vec<String> = host
                        .ports_of(l.index)
                        .into_iter()
                        .filter(|p| !ours.interfaces.contains(*p))
                        .map(str::to_string)
                        .collect();
                    if busy.is_empty() || std::time::Instant::now() > end {
                        break Some(busy);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                };
                let Some(busy) = busy else {
                    state.bridges.remove(b);
                    continue;
                };
                if !busy.is_empty() {
                    warn(&format!(
                        "bridge '{b}' is no longer declared but still has ports ({}); it is kept until they are gone",
                        busy.join(", ")
                    ));
                    continue;
                }
                match nl.delete_link(b) {
                    Ok(()) | Err(NetlinkError::NoSuchLink(_)) => {}
                    Err(e) => return Err(e).with_context(ctx),
                }
                state.bridges.remove(b);
            }
            Op::Forget(b) => {
                state.bridges.remove(b);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn link(index: u32, name: &str, kind: Option<&str>, master: Option<u32>) -> LinkInfo {
        LinkInfo {
            index,
            name: name.into(),
            kind: kind.map(str::to_string),
            master,
            up: true,
        }
    }

    fn addr(index: u32, a: &str, prefix: u8) -> AddrInfo {
        AddrInfo {
            index,
            addr: a.parse().unwrap(),
            prefix,
        }
    }

    fn a(s: &str) -> Addr {
        parse_addr("t", s).unwrap()
    }

    fn decl(entries: &[(&str, &[&str], &[&str])]) -> DeclaredBridges {
        entries
            .iter()
            .map(|(n, ifs, addrs)| {
                (
                    n.to_string(),
                    Declared {
                        interfaces: ifs.iter().map(|s| s.to_string()).collect(),
                        addresses: addrs.iter().map(|s| s.to_string()).collect(),
                    },
                )
            })
            .collect()
    }

    fn on_bridge(bridge: &str) -> Value {
        json!({ "spec": { "privateNetwork": true, "hostBridge": bridge } })
    }

    fn owned(created: bool, addrs: &[&str], ifs: &[&str]) -> Owned {
        Owned {
            created,
            addresses: addrs.iter().map(|s| s.to_string()).collect(),
            interfaces: ifs.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn state(entries: Vec<(&str, Owned)>) -> State {
        State {
            version: STATE_VERSION,
            bridges: entries
                .into_iter()
                .map(|(n, o)| (n.to_string(), o))
                .collect(),
        }
    }

    fn err(r: anyhow::Result<Plan>) -> String {
        format!("{:#}", r.expect_err("the plan must fail"))
    }

    #[test]
    fn a_missing_bridge_is_created_with_its_addresses() {
        let host = HostNet {
            links: vec![link(1, "lo", None, None)],
            addrs: vec![],
        };
        let p = plan(
            &decl(&[("br0", &[], &["10.1.0.1/24", "fd00::1/64"])]),
            &BTreeMap::new(),
            &host,
            &State::default(),
        )
        .unwrap();
        assert_eq!(
            p.before,
            vec![
                Op::Create("br0".into()),
                Op::AddAddress("br0".into(), a("10.1.0.1/24")),
                Op::AddAddress("br0".into(), a("fd00::1/64")),
            ]
        );
        assert!(p.after.is_empty());
    }

    #[test]
    fn an_existing_user_bridge_is_adopted_and_its_addresses_kept() {
        let host = HostNet {
            links: vec![link(4, "br0", Some("bridge"), None)],
            addrs: vec![addr(4, "10.1.0.1", 24)],
        };
        let d = decl(&[("br0", &[], &["10.1.0.1/24", "10.2.0.1/24"])]);
        let p = plan(&d, &BTreeMap::new(), &host, &State::default()).unwrap();
        assert_eq!(
            p.before,
            vec![
                Op::Adopt("br0".into()),
                Op::AddAddress("br0".into(), a("10.2.0.1/24"))
            ]
        );
        // Once adopted (recorded), a switch with everything in place does nothing.
        let host2 = HostNet {
            addrs: vec![addr(4, "10.1.0.1", 24), addr(4, "10.2.0.1", 24)],
            ..host
        };
        let st = state(vec![("br0", owned(false, &["10.2.0.1/24"], &[]))]);
        assert_eq!(
            plan(&d, &BTreeMap::new(), &host2, &st).unwrap(),
            Plan::default()
        );
        // Dropped from the config: nest removes only the address it added, and
        // forgets the bridge without deleting it.
        let p = plan(&BTreeMap::new(), &BTreeMap::new(), &host2, &st).unwrap();
        assert!(p.before.is_empty());
        assert_eq!(
            p.after,
            vec![
                Op::RemoveAddress("br0".into(), a("10.2.0.1/24")),
                Op::Forget("br0".into())
            ]
        );
    }

    #[test]
    fn only_a_bridge_nest_created_is_deleted() {
        let host = HostNet {
            links: vec![
                link(4, "mine", Some("bridge"), None),
                link(5, "gone-later", Some("bridge"), None),
            ],
            addrs: vec![],
        };
        let st = state(vec![
            ("mine", owned(true, &[], &[])),
            ("vanished", owned(true, &[], &[])),
        ]);
        let p = plan(&BTreeMap::new(), &BTreeMap::new(), &host, &st).unwrap();
        assert_eq!(
            p.after,
            vec![Op::Delete("mine".into()), Op::Forget("vanished".into())]
        );
    }

    #[test]
    fn removed_addresses_and_ports_of_a_declared_bridge_are_undone() {
        let host = HostNet {
            links: vec![
                link(4, "br0", Some("bridge"), None),
                link(6, "dummy0", None, Some(4)),
                link(7, "dummy1", None, None),
            ],
            addrs: vec![addr(4, "10.1.0.1", 24)],
        };
        let st = state(vec![("br0", owned(true, &["10.1.0.1/24"], &["dummy0"]))]);
        let p = plan(
            &decl(&[("br0", &["dummy1"], &[])]),
            &BTreeMap::new(),
            &host,
            &st,
        )
        .unwrap();
        assert_eq!(
            p.before,
            vec![
                Op::Enslave("br0".into(), "dummy1".into()),
                Op::RemoveAddress("br0".into(), a("10.1.0.1/24")),
                Op::Release("br0".into(), "dummy0".into()),
            ]
        );
    }

    #[test]
    fn declared_names_must_fit_the_host() {
        let host = HostNet {
            links: vec![
                link(2, "eth0", None, None),
                link(3, "userbr", Some("bridge"), None),
                link(8, "port", None, Some(3)),
            ],
            addrs: vec![],
        };
        let none = BTreeMap::new();
        let st = State::default();
        let e = err(plan(&decl(&[("eth0", &[], &[])]), &none, &host, &st));
        assert!(
            e.contains("networking.bridges.eth0: 'eth0' exists on this host and is not a bridge"),
            "{e}"
        );
        let e = err(plan(&decl(&[("br0", &["eth9"], &[])]), &none, &host, &st));
        assert!(
            e.contains("networking.bridges.br0.interfaces: there is no interface 'eth9'"),
            "{e}"
        );
        let e = err(plan(&decl(&[("br0", &["port"], &[])]), &none, &host, &st));
        assert!(e.contains("'port' is already a port of 'userbr'"), "{e}");
        let e = err(plan(
            &decl(&[("br0", &[], &["10.0.0.1"])]),
            &none,
            &host,
            &st,
        ));
        assert!(
            e.contains(
                "networking.interfaces.br0: '10.0.0.1' is not an IP address with a prefix length"
            ),
            "{e}"
        );
        let e = err(plan(
            &decl(&[("br0", &[], &["10.0.0.1/33"])]),
            &none,
            &host,
            &st,
        ));
        assert!(e.contains("above 32"), "{e}");
    }

    #[test]
    fn a_container_bridge_must_be_declared_or_on_the_host() {
        let host = HostNet {
            links: vec![
                link(2, "eth0", None, None),
                link(3, "userbr", Some("bridge"), None),
                link(4, "oldnest", Some("bridge"), None),
            ],
            addrs: vec![],
        };
        let st = state(vec![("oldnest", owned(true, &[], &[]))]);
        let cs = |b: &str| BTreeMap::from([("web".to_string(), on_bridge(b))]);
        let none = BTreeMap::new();
        // Declared (created by this switch), or the user's own: fine.
        plan(&decl(&[("br0", &[], &[])]), &cs("br0"), &host, &st).unwrap();
        plan(&none, &cs("userbr"), &host, &st).unwrap();
        let e = err(plan(&none, &cs("br-missing"), &host, &st));
        assert_eq!(e, "container 'web': its hostBridge 'br-missing' is neither declared in networking.bridges nor a bridge on this host");
        let e = err(plan(&none, &cs("eth0"), &host, &st));
        assert!(
            e.contains("container 'web': its hostBridge 'eth0' is not a bridge"),
            "{e}"
        );
        let e = err(plan(&none, &cs("oldnest"), &host, &st));
        assert!(
            e.contains("container 'web': its hostBridge 'oldnest' was created by nest"),
            "{e}"
        );
        // Without privateNetwork the bridge is not used (and the module asserts on it).
        let shared = BTreeMap::from([(
            "web".to_string(),
            json!({ "spec": { "privateNetwork": false, "hostBridge": "br-missing" } }),
        )]);
        plan(&none, &shared, &host, &st).unwrap();
    }

    #[test]
    fn at_boot_bridges_nest_made_come_back_and_user_bridges_are_not_made() {
        let st = state(vec![
            ("mine", owned(true, &["10.1.0.1/24"], &["dummy0"])),
            ("theirs", owned(false, &["10.2.0.1/24"], &[])),
            ("theirs2", owned(false, &["10.3.0.1/24"], &[])),
        ]);
        // After a reboot: nest's bridge and the user's first one are gone; the
        // user made the second one again, down and without nest's address.
        let host = HostNet {
            links: vec![
                link(2, "dummy0", None, None),
                LinkInfo {
                    up: false,
                    ..link(3, "theirs2", Some("bridge"), None)
                },
            ],
            addrs: vec![],
        };
        assert_eq!(
            restore_plan(&st, &host),
            vec![
                Op::Create("mine".into()),
                Op::AddAddress("mine".into(), a("10.1.0.1/24")),
                Op::Enslave("mine".into(), "dummy0".into()),
                Op::SetUp("theirs2".into()),
                Op::AddAddress("theirs2".into(), a("10.3.0.1/24")),
            ]
        );
        // Nothing lost: nothing to do.
        let up = HostNet {
            links: vec![
                link(2, "dummy0", None, Some(4)),
                link(4, "mine", Some("bridge"), None),
            ],
            addrs: vec![addr(4, "10.1.0.1", 24)],
        };
        let st = state(vec![("mine", owned(true, &["10.1.0.1/24"], &["dummy0"]))]);
        assert!(restore_plan(&st, &up).is_empty());
    }

    #[test]
    fn state_round_trips_and_rejects_other_versions() {
        let dir = tempfile::tempdir().unwrap();
        let p = state_path(dir.path());
        assert_eq!(load_state(&p).unwrap(), State::default());
        let st = state(vec![("br0", owned(true, &["10.1.0.1/24"], &[]))]);
        save_state(&p, &st).unwrap();
        assert_eq!(load_state(&p).unwrap(), st);
        std::fs::write(&p, r#"{"version":9,"bridges":{}}"#).unwrap();
        let e = format!("{:#}", load_state(&p).unwrap_err());
        assert!(e.contains("has version 9"), "{e}");
    }
}
