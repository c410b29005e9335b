//! A container's private network: the veth pair, both ends configured (addresses,
//! routes, loopback) from the host while the container's PID 1 waits to start.

use crate::spec::{Address, Spec};
use nest_sys::netlink::{Netlink, NetlinkError, Scope};

/// The container-side interface name (NixOS containers call it `eth0`).
pub const CONTAINER_IF: &str = "eth0";

/// What to configure, resolved from the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetPlan {
    pub host_if: String,
    pub bridge: Option<String>,
    pub host4: Option<Address>,
    pub local4: Option<Address>,
    pub host6: Option<Address>,
    pub local6: Option<Address>,
}

impl NetPlan {
    pub fn from_spec(spec: &Spec) -> Option<NetPlan> {
        spec.private_network.then(|| NetPlan {
            host_if: spec.name.veth_name(),
            bridge: spec.host_bridge.clone(),
            host4: spec.host_address,
            local4: spec.local_address,
            host6: spec.host_address6,
            local6: spec.local_address6,
        })
    }
}

/// Creates the pair with the peer inside the network namespace of `pid` and configures
/// both ends. A stale host-side link of the same name (left by a container of this name
/// whose namespace is still being torn down) is deleted first: the caller holds the
/// container's lock, so no running container owns it.
pub fn setup(plan: &NetPlan, pid: i32) -> Result<(), NetlinkError> {
    let mut host = Netlink::open()?;
    if host.link_index(&plan.host_if)?.is_some() {
        host.delete_link(&plan.host_if)?;
    }
    host.create_veth(&plan.host_if, CONTAINER_IF, pid)?;

    let mut inner = Netlink::open_in_netns_of(pid)?;
    inner.set_up("lo")?;
    inner.set_up(CONTAINER_IF)?;
    for a in [plan.local4, plan.local6].into_iter().flatten() {
        inner.add_address(CONTAINER_IF, a.addr, a.prefix)?;
    }

    host.set_up(&plan.host_if)?;
    match &plan.bridge {
        Some(bridge) => host.set_master(&plan.host_if, bridge)?,
        None => {
            for a in [plan.host4, plan.host6].into_iter().flatten() {
                host.add_address(&plan.host_if, a.addr, a.prefix)?;
            }
        }
    }
    // Host routes to each side's single address, whatever prefixes were given, so
    // the pair works as a point-to-point link like NixOS sets it up.
    for (h, l) in [(plan.host4, plan.local4), (plan.host6, plan.local6)] {
        if let (Some(h), Some(l)) = (h, l) {
            if plan.bridge.is_none() {
                host.add_route(
                    &plan.host_if,
                    Some((l.addr, if l.addr.is_ipv4() { 32 } else { 128 })),
                    None,
                    Scope::Link,
                )?;
            }
            inner.add_route(
                CONTAINER_IF,
                Some((h.addr, if h.addr.is_ipv4() { 32 } else { 128 })),
                None,
                Scope::Link,
            )?;
            inner.add_route(CONTAINER_IF, None, Some(h.addr), Scope::Universe)?;
        }
    }
    Ok(())
}
