//! `forwardPorts`: a userspace TCP/UDP forwarder on the host, one listener per port,
//! relaying to the container's address. Chosen over DNAT rules because it needs
//! neither iptables nor nftables on the host and works the same for IPv4 and IPv6;
//! the cost is one relay hop and the container sees the host's veth address as peer.

use crate::spec::{ForwardPort, Protocol};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
#[error("forwarding {protocol:?} port {port}")]
pub struct ForwardError {
    pub protocol: Protocol,
    pub port: u16,
    pub source: std::io::Error,
}

/// Listeners bound before the container starts, so a taken port fails the start.
pub enum Listener {
    Tcp(TcpListener, SocketAddr),
    Udp(UdpSocket, SocketAddr),
}

/// Binds every forwarded port on all host addresses (IPv6 dual-stack when available).
pub fn bind(ports: &[ForwardPort], target: IpAddr) -> Result<Vec<Listener>, ForwardError> {
    ports
        .iter()
        .map(|p| {
            let err = |source| ForwardError {
                protocol: p.protocol,
                port: p.host_port,
                source,
            };
            let any6 = SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), p.host_port);
            let any4: SocketAddr =
                SocketAddr::new(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), p.host_port);
            let to = SocketAddr::new(target, p.target_port());
            Ok(match p.protocol {
                Protocol::Tcp => Listener::Tcp(
                    TcpListener::bind(any6)
                        .or_else(|_| TcpListener::bind(any4))
                        .map_err(err)?,
                    to,
                ),
                Protocol::Udp => Listener::Udp(
                    UdpSocket::bind(any6)
                        .or_else(|_| UdpSocket::bind(any4))
                        .map_err(err)?,
                    to,
                ),
            })
        })
        .collect()
}

/// Serves the listeners on background threads for the life of the process.
pub fn start(listeners: Vec<Listener>) {
    for l in listeners {
        match l {
            Listener::Tcp(listener, to) => {
                std::thread::spawn(move || serve_tcp(listener, to));
            }
            Listener::Udp(sock, to) => {
                std::thread::spawn(move || serve_udp(sock, to));
            }
        }
    }
}

fn serve_tcp(listener: TcpListener, to: SocketAddr) {
    for conn in listener.incoming() {
        let Ok(client) = conn else { continue };
        std::thread::spawn(move || {
            let Ok(upstream) = TcpStream::connect_timeout(&to, Duration::from_secs(10)) else {
                return;
            };
            let (Ok(c2), Ok(u2)) = (client.try_clone(), upstream.try_clone()) else {
                return;
            };
            let t = std::thread::spawn(move || pipe(c2, u2));
            pipe(upstream, client);
            let _ = t.join();
        });
    }
}

/// Copies until EOF, then half-closes the other side so the peer sees EOF too.
fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = [0u8; 16384];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

/// One upstream socket per client address; replies go back through the listener.
/// A session whose upstream is idle for two minutes ends.
fn serve_udp(sock: UdpSocket, to: SocketAddr) {
    let sock = Arc::new(sock);
    let sessions: Arc<Mutex<std::collections::HashMap<SocketAddr, Arc<UdpSocket>>>> =
        Arc::default();
    let mut buf = [0u8; 65536];
    loop {
        let Ok((n, client)) = sock.recv_from(&mut buf) else {
            continue;
        };
        let existing = sessions.lock().ok().and_then(|m| m.get(&client).cloned());
        let upstream = match existing {
            Some(u) => u,
            None => {
                let bind_addr: SocketAddr = if to.is_ipv4() {
                    "0.0.0.0:0".parse().unwrap_or(to)
                } else {
                    "[::]:0".parse().unwrap_or(to)
                };
                let Ok(u) = UdpSocket::bind(bind_addr) else {
                    continue;
                };
                if u.connect(to).is_err() {
                    continue;
                }
                let _ = u.set_read_timeout(Some(Duration::from_secs(120)));
                let u = Arc::new(u);
                if let Ok(mut m) = sessions.lock() {
                    m.insert(client, u.clone());
                }
                let (back, reply_to, sessions2, up) =
                    (sock.clone(), client, sessions.clone(), u.clone());
                std::thread::spawn(move || {
                    let mut b = [0u8; 65536];
                    while let Ok(n) = up.recv(&mut b) {
                        let _ = back.send_to(&b[..n], reply_to);
                    }
                    if let Ok(mut m) = sessions2.lock() {
                        m.remove(&reply_to);
                    }
                });
                u
            }
        };
        let _ = upstream.send(&buf[..n]);
    }
}
