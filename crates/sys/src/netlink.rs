//! A small rtnetlink client: veth pairs and bridges, link state and master, listing
//! links and addresses, addresses, routes.
//!
//! Hand-rolled on a raw `NETLINK_ROUTE` socket rather than `rtnetlink`: it needs no
//! async runtime (it also runs between fork and exec), adds no dependencies, and a
//! socket can be opened inside another process's network namespace and then used
//! from the host.

use nix::errno::Errno;
use std::net::IpAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

#[derive(Debug, thiserror::Error)]
pub enum NetlinkError {
    #[error("netlink socket: {0}")]
    Socket(Errno),
    #[error("entering the network namespace of pid {pid}: {errno}")]
    Netns { pid: i32, errno: Errno },
    #[error("{op}: {errno}")]
    Kernel { op: String, errno: Errno },
    #[error("{op}: malformed netlink reply")]
    Malformed { op: String },
    #[error("no network interface named {0:?}")]
    NoSuchLink(String),
    #[error("interface name {0:?} is empty or longer than 15 bytes")]
    BadName(String),
}

const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_EXCL: u16 = 0x200;
const NLM_F_CREATE: u16 = 0x400;
const NLM_F_REPLACE: u16 = 0x100;
const NLM_F_DUMP: u16 = 0x300;

const RTM_NEWLINK: u16 = 16;
const RTM_DELLINK: u16 = 17;
const RTM_GETLINK: u16 = 18;
const RTM_NEWADDR: u16 = 20;
const RTM_DELADDR: u16 = 21;
const RTM_GETADDR: u16 = 22;
const RTM_NEWROUTE: u16 = 24;

const IFLA_IFNAME: u16 = 3;
const IFLA_MASTER: u16 = 10;
const IFLA_LINKINFO: u16 = 18;
const IFLA_NET_NS_PID: u16 = 19;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const VETH_INFO_PEER: u16 = 1;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_F_NODAD: u8 = 0x02;
const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RTA_GATEWAY: u16 = 5;
const RT_TABLE_MAIN: u8 = 254;
const RTPROT_BOOT: u8 = 3;
const RTN_UNICAST: u8 = 1;
const IFF_UP: u32 = 1;
/// Attribute types carry flag bits (nested, byte order) above these.
const NLA_TYPE_MASK: u16 = 0x3fff;

/// One network interface as the kernel lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkInfo {
    pub index: u32,
    pub name: String,
    /// `IFLA_INFO_KIND`: "bridge", "veth", …; None for plain devices.
    pub kind: Option<String>,
    /// The index of the bridge (or bond) it is a port of.
    pub master: Option<u32>,
    pub up: bool,
}

/// One address of an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddrInfo {
    pub index: u32,
    pub addr: IpAddr,
    pub prefix: u8,
}

/// The attributes after a fixed header of `skip` bytes: (type, payload).
fn attributes(body: &[u8], skip: usize) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    let mut off = skip;
    while off + 4 <= body.len() {
        let len = u16::from_ne_bytes([body[off], body[off + 1]]) as usize;
        let ty = u16::from_ne_bytes([body[off + 2], body[off + 3]]) & NLA_TYPE_MASK;
        if len < 4 || off + len > body.len() {
            break;
        }
        out.push((ty, &body[off + 4..off + len]));
        off += (len + 3) & !3;
    }
    out
}

fn attr_string(data: &[u8]) -> String {
    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    String::from_utf8_lossy(&data[..end]).into_owned()
}

fn parse_link(body: &[u8]) -> Option<LinkInfo> {
    if body.len() < 16 {
        return None;
    }
    let index = i32::from_ne_bytes([body[4], body[5], body[6], body[7]]) as u32;
    let flags = u32::from_ne_bytes([body[8], body[9], body[10], body[11]]);
    let mut link = LinkInfo {
        index,
        name: String::new(),
        kind: None,
        master: None,
        up: flags & IFF_UP != 0,
    };
    for (ty, data) in attributes(body, 16) {
        match ty {
            IFLA_IFNAME => link.name = attr_string(data),
            IFLA_MASTER if data.len() >= 4 => {
                let m = u32::from_ne_bytes([data[0], data[1], data[2], data[3]]);
                link.master = (m != 0).then_some(m);
            }
            IFLA_LINKINFO => {
                link.kind = attributes(data, 0)
                    .into_iter()
                    .find(|(t, _)| *t == IFLA_INFO_KIND)
                    .map(|(_, d)| attr_string(d));
            }
            _ => {}
        }
    }
    Some(link)
}

fn parse_addr(body: &[u8]) -> Option<AddrInfo> {
    if body.len() < 8 {
        return None;
    }
    let fam = body[0];
    let prefix = body[1];
    let index = u32::from_ne_bytes([body[4], body[5], body[6], body[7]]);
    let attrs = attributes(body, 8);
    let pick = |want: u16| attrs.iter().find(|(t, _)| *t == want).map(|(_, d)| *d);
    // IPv4 point-to-point links put the peer in IFA_ADDRESS; the own one is IFA_LOCAL.
    let data = pick(IFA_LOCAL).or_else(|| pick(IFA_ADDRESS))?;
    let addr = match (fam as i32, data.len()) {
        (libc::AF_INET, 4) => IpAddr::from([data[0], data[1], data[2], data[3]]),
        (libc::AF_INET6, 16) => {
            let mut o = [0u8; 16];
            o.copy_from_slice(data);
            IpAddr::from(o)
        }
        _ => return None,
    };
    Some(AddrInfo {
        index,
        addr,
        prefix,
    })
}

/// Route scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Universe = 0,
    Link = 253,
}

/// A message under construction: fixed header struct bytes then attributes.
struct Msg {
    buf: Vec<u8>,
}

impl Msg {
    fn new(fixed: &[u8]) -> Msg {
        let mut buf = vec![0u8; 16];
        buf.extend_from_slice(fixed);
        Msg { buf }
    }
    fn align(&mut self) {
        while !self.buf.len().is_multiple_of(4) {
            self.buf.push(0);
        }
    }
    fn attr(&mut self, ty: u16, data: &[u8]) {
        self.align();
        let len = (4 + data.len()) as u16;
        self.buf.extend_from_slice(&len.to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(data);
        self.align();
    }
    fn attr_str(&mut self, ty: u16, s: &str) {
        let mut d = s.as_bytes().to_vec();
        d.push(0);
        self.attr(ty, &d);
    }
    fn begin_nested(&mut self, ty: u16) -> usize {
        self.align();
        let at = self.buf.len();
        self.buf.extend_from_slice(&0u16.to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        at
    }
    fn end_nested(&mut self, at: usize) {
        self.align();
        let len = (self.buf.len() - at) as u16;
        self.buf[at..at + 2].copy_from_slice(&len.to_ne_bytes());
    }
    fn raw(&mut self, data: &[u8]) {
        self.align();
        self.buf.extend_from_slice(data);
    }
}

fn ifinfomsg(index: i32, flags: u32, change: u32) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[0] = libc::AF_UNSPEC as u8;
    b[4..8].copy_from_slice(&index.to_ne_bytes());
    b[8..12].copy_from_slice(&flags.to_ne_bytes());
    b[12..16].copy_from_slice(&change.to_ne_bytes());
    b
}

/// An address message (`ifaddrmsg` + `IFA_LOCAL`/`IFA_ADDRESS`) for `addr/prefix` on
/// the interface `index`, as both adding and removing an address send it.
fn address_msg(index: u32, addr: IpAddr, prefix: u8, flags: u8) -> Msg {
    let mut fixed = [0u8; 8];
    fixed[0] = family(&addr);
    fixed[1] = prefix;
    fixed[2] = flags;
    fixed[4..8].copy_from_slice(&index.to_ne_bytes());
    let mut m = Msg::new(&fixed);
    let a = addr_bytes(&addr);
    m.attr(IFA_LOCAL, &a);
    m.attr(IFA_ADDRESS, &a);
    m
}

fn addr_bytes(a: &IpAddr) -> Vec<u8> {
    match a {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

fn family(a: &IpAddr) -> u8 {
    match a {
        IpAddr::V4(_) => libc::AF_INET as u8,
        IpAddr::V6(_) => libc::AF_INET6 as u8,
    }
}

fn check_name(name: &str) -> Result<(), NetlinkError> {
    if name.is_empty() || name.len() > 15 {
        return Err(NetlinkError::BadName(name.to_string()));
    }
    Ok(())
}

/// A route netlink socket bound to one network namespace.
pub struct Netlink {
    fd: OwnedFd,
    seq: u32,
}

impl Netlink {
    /// A socket in the caller's network namespace.
    pub fn open() -> Result<Netlink, NetlinkError> {
        // SAFETY: plain socket(2); the result is checked and owned below.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_ROUTE,
            )
        };
        if fd < 0 {
            return Err(NetlinkError::Socket(Errno::last()));
        }
        // SAFETY: fd is a fresh descriptor we own.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: sockaddr_nl is plain data; zeroed means "kernel assigns the port".
        let mut sa: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        sa.nl_family = libc::AF_NETLINK as u16;
        // SAFETY: sa is a valid sockaddr_nl of the given length.
        let r = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                &sa as *const libc::sockaddr_nl as *const libc::sockaddr,
                std::mem::size_of::<libc::sockaddr_nl>() as u32,
            )
        };
        if r != 0 {
            return Err(NetlinkError::Socket(Errno::last()));
        }
        Ok(Netlink { fd, seq: 1 })
    }

    /// A socket inside the network namespace of `pid`, opened by entering that namespace
    /// for the duration of `socket(2)` and coming back. The calling thread must be the
    /// only one that cares about its namespace meanwhile.
    pub fn open_in_netns_of(pid: i32) -> Result<Netlink, NetlinkError> {
        use nix::sched::{setns, CloneFlags};
        let err = |errno| NetlinkError::Netns { pid, errno };
        let own = std::fs::File::open("/proc/thread-self/ns/net")
            .map_err(|e| err(Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))))?;
        let target = std::fs::File::open(format!("/proc/{pid}/ns/net"))
            .map_err(|e| err(Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))))?;
        setns(&target, CloneFlags::CLONE_NEWNET).map_err(err)?;
        let sock = Netlink::open();
        // Coming back must not fail silently: staying in the container's namespace
        // would configure the wrong side from here on.
        setns(&own, CloneFlags::CLONE_NEWNET).map_err(err)?;
        sock
    }

    fn request(
        &mut self,
        op: &str,
        ty: u16,
        flags: u16,
        mut msg: Msg,
    ) -> Result<Vec<Vec<u8>>, NetlinkError> {
        msg.align();
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let len = msg.buf.len() as u32;
        msg.buf[0..4].copy_from_slice(&len.to_ne_bytes());
        msg.buf[4..6].copy_from_slice(&ty.to_ne_bytes());
        msg.buf[6..8].copy_from_slice(&(flags | NLM_F_REQUEST | NLM_F_ACK).to_ne_bytes());
        msg.buf[8..12].copy_from_slice(&seq.to_ne_bytes());
        let kernel = |errno| NetlinkError::Kernel {
            op: op.to_string(),
            errno,
        };
        // SAFETY: buf is valid for len bytes.
        let n = unsafe {
            libc::send(
                self.fd.as_raw_fd(),
                msg.buf.as_ptr().cast(),
                msg.buf.len(),
                0,
            )
        };
        if n < 0 {
            return Err(kernel(Errno::last()));
        }
        let mut replies = Vec::new();
        let mut buf = vec![0u8; 32768];
        loop {
            // SAFETY: buf is valid for its length.
            let n =
                unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
            if n < 0 {
                let e = Errno::last();
                if e == Errno::EINTR {
                    continue;
                }
                return Err(kernel(e));
            }
            let data = &buf[..n as usize];
            let mut off = 0;
            while off + 16 <= data.len() {
                let mlen =
                    u32::from_ne_bytes([data[off], data[off + 1], data[off + 2], data[off + 3]])
                        as usize;
                let mty = u16::from_ne_bytes([data[off + 4], data[off + 5]]);
                let mseq = u32::from_ne_bytes([
                    data[off + 8],
                    data[off + 9],
                    data[off + 10],
                    data[off + 11],
                ]);
                if mlen < 16 || off + mlen > data.len() {
                    return Err(NetlinkError::Malformed { op: op.to_string() });
                }
                let body = &data[off + 16..off + mlen];
                if mseq == seq {
                    match mty {
                        NLMSG_ERROR => {
                            if body.len() < 4 {
                                return Err(NetlinkError::Malformed { op: op.to_string() });
                            }
                            let code = i32::from_ne_bytes([body[0], body[1], body[2], body[3]]);
                            if code == 0 {
                                return Ok(replies);
                            }
                            return Err(kernel(Errno::from_raw(-code)));
                        }
                        NLMSG_DONE => return Ok(replies),
                        _ => replies.push(body.to_vec()),
                    }
                }
                off += (mlen + 3) & !3;
            }
        }
    }

    /// The index of the interface called `name`, if there is one.
    pub fn link_index(&mut self, name: &str) -> Result<Option<u32>, NetlinkError> {
        check_name(name)?;
        let mut m = Msg::new(&ifinfomsg(0, 0, 0));
        m.attr_str(IFLA_IFNAME, name);
        match self.request(&format!("looking up link {name}"), RTM_GETLINK, 0, m) {
            Ok(replies) => {
                let Some(r) = replies.first() else {
                    return Ok(None);
                };
                if r.len() < 16 {
                    return Err(NetlinkError::Malformed {
                        op: "getlink".into(),
                    });
                }
                Ok(Some(i32::from_ne_bytes([r[4], r[5], r[6], r[7]]) as u32))
            }
            Err(NetlinkError::Kernel {
                errno: Errno::ENODEV,
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn require_index(&mut self, name: &str) -> Result<u32, NetlinkError> {
        self.link_index(name)?
            .ok_or_else(|| NetlinkError::NoSuchLink(name.to_string()))
    }

    /// Creates a veth pair: `name` here, `peer` in the network namespace of `peer_pid`.
    pub fn create_veth(
        &mut self,
        name: &str,
        peer: &str,
        peer_pid: i32,
    ) -> Result<(), NetlinkError> {
        check_name(name)?;
        check_name(peer)?;
        let mut m = Msg::new(&ifinfomsg(0, 0, 0));
        m.attr_str(IFLA_IFNAME, name);
        let li = m.begin_nested(IFLA_LINKINFO);
        m.attr_str(IFLA_INFO_KIND, "veth");
        let data = m.begin_nested(IFLA_INFO_DATA);
        let p = m.begin_nested(VETH_INFO_PEER);
        m.raw(&ifinfomsg(0, 0, 0));
        m.attr_str(IFLA_IFNAME, peer);
        m.attr(IFLA_NET_NS_PID, &(peer_pid as u32).to_ne_bytes());
        m.end_nested(p);
        m.end_nested(data);
        m.end_nested(li);
        self.request(
            &format!("creating veth pair {name}/{peer}"),
            RTM_NEWLINK,
            NLM_F_CREATE | NLM_F_EXCL,
            m,
        )
        .map(drop)
    }

    /// Creates a bridge called `name` (down, with no ports).
    pub fn create_bridge(&mut self, name: &str) -> Result<(), NetlinkError> {
        check_name(name)?;
        let mut m = Msg::new(&ifinfomsg(0, 0, 0));
        m.attr_str(IFLA_IFNAME, name);
        let li = m.begin_nested(IFLA_LINKINFO);
        m.attr_str(IFLA_INFO_KIND, "bridge");
        m.end_nested(li);
        self.request(
            &format!("creating bridge {name}"),
            RTM_NEWLINK,
            NLM_F_CREATE | NLM_F_EXCL,
            m,
        )
        .map(drop)
    }

    /// Every interface of this network namespace.
    pub fn links(&mut self) -> Result<Vec<LinkInfo>, NetlinkError> {
        let m = Msg::new(&ifinfomsg(0, 0, 0));
        let replies = self.request("listing links", RTM_GETLINK, NLM_F_DUMP, m)?;
        replies
            .iter()
            .map(|r| {
                parse_link(r).ok_or_else(|| NetlinkError::Malformed {
                    op: "listing links".into(),
                })
            })
            .collect()
    }

    /// Every address of every interface of this network namespace.
    pub fn addresses(&mut self) -> Result<Vec<AddrInfo>, NetlinkError> {
        let m = Msg::new(&[0u8; 8]);
        let replies = self.request("listing addresses", RTM_GETADDR, NLM_F_DUMP, m)?;
        // Families other than IPv4/IPv6 (none today) are skipped, not an error.
        Ok(replies.iter().filter_map(|r| parse_addr(r)).collect())
    }

    /// Brings an interface up.
    pub fn set_up(&mut self, name: &str) -> Result<(), NetlinkError> {
        let index = self.require_index(name)?;
        let m = Msg::new(&ifinfomsg(index as i32, IFF_UP, IFF_UP));
        self.request(&format!("setting {name} up"), RTM_NEWLINK, 0, m)
            .map(drop)
    }

    /// Attaches an interface to a bridge.
    pub fn set_master(&mut self, name: &str, bridge: &str) -> Result<(), NetlinkError> {
        let index = self.require_index(name)?;
        let master = self.require_index(bridge)?;
        let mut m = Msg::new(&ifinfomsg(index as i32, 0, 0));
        m.attr(IFLA_MASTER, &master.to_ne_bytes());
        self.request(
            &format!("attaching {name} to bridge {bridge}"),
            RTM_NEWLINK,
            0,
            m,
        )
        .map(drop)
    }

    /// Detaches an interface from its bridge.
    pub fn set_nomaster(&mut self, name: &str) -> Result<(), NetlinkError> {
        let index = self.require_index(name)?;
        let mut m = Msg::new(&ifinfomsg(index as i32, 0, 0));
        m.attr(IFLA_MASTER, &0u32.to_ne_bytes());
        self.request(
            &format!("detaching {name} from its bridge"),
            RTM_NEWLINK,
            0,
            m,
        )
        .map(drop)
    }

    /// Deletes an interface (and, for a veth, its peer).
    pub fn delete_link(&mut self, name: &str) -> Result<(), NetlinkError> {
        let index = self.require_index(name)?;
        let m = Msg::new(&ifinfomsg(index as i32, 0, 0));
        self.request(&format!("deleting {name}"), RTM_DELLINK, 0, m)
            .map(drop)
    }

    /// Adds an address with a prefix length to an interface. IPv6 addresses skip
    /// duplicate address detection so they are usable at once.
    pub fn add_address(
        &mut self,
        name: &str,
        addr: IpAddr,
        prefix: u8,
    ) -> Result<(), NetlinkError> {
        let index = self.require_index(name)?;
        let flags = if addr.is_ipv6() { IFA_F_NODAD } else { 0 };
        let m = address_msg(index, addr, prefix, flags);
        self.request(
            &format!("adding address {addr}/{prefix} to {name}"),
            RTM_NEWADDR,
            NLM_F_CREATE | NLM_F_EXCL,
            m,
        )
        .map(drop)
    }

    /// Removes an address from an interface.
    pub fn delete_address(
        &mut self,
        name: &str,
        addr: IpAddr,
        prefix: u8,
    ) -> Result<(), NetlinkError> {
        let index = self.require_index(name)?;
        let m = address_msg(index, addr, prefix, 0);
        self.request(
            &format!("removing address {addr}/{prefix} from {name}"),
            RTM_DELADDR,
            0,
            m,
        )
        .map(drop)
    }

    /// Adds a route through an interface: to `dst` (None: the default route), via
    /// `gateway` when given.
    pub fn add_route(
        &mut self,
        name: &str,
        dst: Option<(IpAddr, u8)>,
        gateway: Option<IpAddr>,
        scope: Scope,
    ) -> Result<(), NetlinkError> {
        let index = self.require_index(name)?;
        let fam = dst
            .map(|(a, _)| family(&a))
            .or(gateway.as_ref().map(family))
            .unwrap_or(libc::AF_INET as u8);
        let fixed = [
            fam,
            dst.map_or(0, |(_, p)| p),
            0,
            0,
            RT_TABLE_MAIN,
            RTPROT_BOOT,
            scope as u8,
            RTN_UNICAST,
            0,
            0,
            0,
            0,
        ];
        let mut m = Msg::new(&fixed);
        if let Some((a, _)) = dst {
            m.attr(RTA_DST, &addr_bytes(&a));
        }
        if let Some(g) = gateway {
            m.attr(RTA_GATEWAY, &addr_bytes(&g));
        }
        m.attr(RTA_OIF, &index.to_ne_bytes());
        let what = match dst {
            Some((a, p)) => format!("{a}/{p}"),
            None => "default".to_string(),
        };
        self.request(
            &format!("adding route {what} dev {name}"),
            RTM_NEWROUTE,
            NLM_F_CREATE | NLM_F_REPLACE,
            m,
        )
        .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_attributes_have_aligned_lengths() {
        let mut m = Msg::new(&ifinfomsg(0, 0, 0));
        let li = m.begin_nested(IFLA_LINKINFO);
        m.attr_str(IFLA_INFO_KIND, "veth");
        m.end_nested(li);
        // header 16 + ifinfomsg 16 + nested hdr 4 + (4 + "veth\0" = 9 → 12)
        assert_eq!(m.buf.len(), 16 + 16 + 4 + 12);
        assert_eq!(u16::from_ne_bytes([m.buf[32], m.buf[33]]), 16);
    }

    #[test]
    fn parses_a_link_with_kind_and_master() {
        let mut m = Msg::new(&ifinfomsg(7, IFF_UP, 0));
        m.attr_str(IFLA_IFNAME, "ve-web");
        m.attr(IFLA_MASTER, &3u32.to_ne_bytes());
        let li = m.begin_nested(IFLA_LINKINFO);
        m.attr_str(IFLA_INFO_KIND, "veth");
        m.end_nested(li);
        let link = parse_link(&m.buf[16..]).expect("a link");
        assert_eq!(
            link,
            LinkInfo {
                index: 7,
                name: "ve-web".into(),
                kind: Some("veth".into()),
                master: Some(3),
                up: true,
            }
        );
        // Truncated: no fixed header, no link.
        assert!(parse_link(&m.buf[16..24]).is_none());
    }

    #[test]
    fn parses_addresses_preferring_the_local_one() {
        let mut m = Msg::new(&[libc::AF_INET as u8, 24, 0, 0, 5, 0, 0, 0]);
        m.attr(IFA_ADDRESS, &[10, 0, 0, 9]);
        m.attr(IFA_LOCAL, &[10, 0, 0, 1]);
        let a = parse_addr(&m.buf[16..]).expect("an address");
        assert_eq!(a.addr, IpAddr::from([10, 0, 0, 1]));
        assert_eq!((a.index, a.prefix), (5, 24));
        // An IPv4 family with a 16-byte address is not an address.
        let mut bad = Msg::new(&[libc::AF_INET as u8, 24, 0, 0, 5, 0, 0, 0]);
        bad.attr(IFA_ADDRESS, &[0u8; 16]);
        assert!(parse_addr(&bad.buf[16..]).is_none());
    }

    #[test]
    fn rejects_long_names() {
        assert!(matches!(
            check_name("0123456789abcdef"),
            Err(NetlinkError::BadName(_))
        ));
        assert!(check_name("ve-0123456789ab").is_ok());
    }
}
