//! Network settings of imperative containers: the automatic address pair from
//! 10.233.N.0/24 (N = 1…254, host .1 and container .2, as `nixos-container` picks
//! them) and port forwarding specs (`[tcp|udp:]HOST[:CONTAINER]`, like
//! `systemd-nspawn --port`).

use crate::error::{Error, Result};
use nest_container::spec::{ForwardPort, Protocol};
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

/// The first 10.233.N.1/10.233.N.2 pair of which neither address is in `used`.
pub fn allocate_pair(used: &BTreeSet<IpAddr>) -> Result<(Ipv4Addr, Ipv4Addr)> {
    for n in 1..=254u8 {
        let host = Ipv4Addr::new(10, 233, n, 1);
        let local = Ipv4Addr::new(10, 233, n, 2);
        if !used.contains(&IpAddr::V4(host)) && !used.contains(&IpAddr::V4(local)) {
            return Ok((host, local));
        }
    }
    Err(Error::Invalid(
        "no free address pair left in 10.233.0.0/16; give --host-address and --local-address"
            .into(),
    ))
}

/// Parses `[tcp|udp:]HOST[:CONTAINER]`.
pub fn parse_port(spec: &str) -> Result<ForwardPort> {
    let bad = |why: &str| {
        Error::Invalid(format!(
            "invalid port spec {spec:?}: {why} (use [tcp|udp:]HOSTPORT[:CONTAINERPORT])"
        ))
    };
    let mut parts: Vec<&str> = spec.split(':').collect();
    let protocol = match parts.first().copied() {
        Some("tcp") => {
            parts.remove(0);
            Protocol::Tcp
        }
        Some("udp") => {
            parts.remove(0);
            Protocol::Udp
        }
        _ => Protocol::Tcp,
    };
    let port = |s: &str| {
        s.parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| bad(&format!("{s:?} is not a port number")))
    };
    match parts.as_slice() {
        [h] => Ok(ForwardPort {
            protocol,
            host_port: port(h)?,
            container_port: None,
        }),
        [h, c] => Ok(ForwardPort {
            protocol,
            host_port: port(h)?,
            container_port: Some(port(c)?),
        }),
        _ => Err(bad("too many ':'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocates_the_first_free_pair() {
        let mut used = BTreeSet::new();
        assert_eq!(
            allocate_pair(&used).unwrap(),
            (Ipv4Addr::new(10, 233, 1, 1), Ipv4Addr::new(10, 233, 1, 2))
        );
        used.insert("10.233.1.2".parse().unwrap());
        used.insert("10.233.2.1".parse().unwrap());
        assert_eq!(
            allocate_pair(&used).unwrap().0,
            Ipv4Addr::new(10, 233, 3, 1)
        );
        for n in 1..=254u8 {
            used.insert(IpAddr::V4(Ipv4Addr::new(10, 233, n, 1)));
        }
        assert!(allocate_pair(&used).is_err());
    }

    #[test]
    fn port_specs() {
        let p = parse_port("8080").unwrap();
        assert_eq!(
            (p.protocol, p.host_port, p.container_port),
            (Protocol::Tcp, 8080, None)
        );
        let p = parse_port("udp:53:5353").unwrap();
        assert_eq!(
            (p.protocol, p.host_port, p.container_port),
            (Protocol::Udp, 53, Some(5353))
        );
        let p = parse_port("8080:80").unwrap();
        assert_eq!(p.container_port, Some(80));
        for bad in ["", "x", "tcp:", "1:2:3", "0", "70000", "sctp:1"] {
            assert!(parse_port(bad).is_err(), "{bad}");
        }
    }
}
