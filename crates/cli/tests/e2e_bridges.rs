//! Host bridges declared in the host config (`networking.bridges`,
//! `networking.interfaces.<bridge>.ipv4/ipv6.addresses`): the module's options, types
//! and errors under `nest eval` (and `nix-instantiate`, the oracle); the switch's
//! checks and dry-run plan; and, as root, `nest switch` creating a bridge with its
//! address, two containers reaching each other over it, the bridge deleted once it
//! leaves the config, a bridge the user made adopted but never deleted, a rollback
//! bringing a bridge back, and `nest daemon` making nest's bridges again after a reboot.
//!
//! Bridge names (`nbr…`, `nbu…`), container names and addresses are unique to the test
//! run; every path nest writes is in the test's temp dir. A Drop guard terminates the
//! containers (through nest) and deletes every bridge the test or nest made, also
//! when an assertion fails.

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
mod support;
use support::privileged;

const NEST: &str = env!("CARGO_BIN_EXE_nest");

/// A short tag unique to this process and call (interface names have 15 bytes), and
/// an address octet made from it.
fn tag() -> (String, u32) {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let pid = std::process::id();
    (format!("{}{n}", pid % 100_000), (pid + n) % 250 + 1)
}

fn nix_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../nix")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Whether the host has a link called `name`, and its `ip -o link` line.
fn link_line(name: &str) -> Option<String> {
    let o = Command::new("ip")
        .args(["-o", "-d", "link", "show", "dev", name])
        .stderr(Stdio::null())
        .output()
        .expect("run ip (iproute2)");
    o.status.success().then(|| stdout(&o))
}

fn addresses_of(name: &str) -> String {
    let o = Command::new("ip")
        .args(["-o", "addr", "show", "dev", name])
        .output()
        .expect("run ip (iproute2)");
    stdout(&o)
}

/// One HTTP/1.0 GET of `/` on port 80 of `ip`: the whole response.
fn http_get(ip: &str) -> Option<String> {
    let addr = std::net::SocketAddr::new(ip.parse().ok()?, 80);
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

// ---- the module, under both evaluators

/// `nest.hostNetwork` (after the assertions) of a host config given as Nix text.
fn host_network_expr(config: &str) -> String {
    format!(
        "let r = import {}/modules/eval-host.nix {{ configuration = {config}; }}; c = r.config; in \
         r.lib.asserts.checkAssertWarn c.assertions c.warnings c.nest.hostNetwork",
        nix_dir().display()
    )
}

/// Evaluates `expr` with `nest eval` and, when installed (required under CI), with
/// `nix-instantiate`: `Ok(json)` or `Err(stderr)`, the same for both.
fn eval(expr: &str) -> Result<Value, String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("t.nix");
    std::fs::write(&file, expr).expect("write the expression");
    let run = |program: &str, pre: &[&str]| -> Option<Result<Value, String>> {
        let o = match Command::new(program)
            .args(pre)
            .args(["--strict", "--json"])
            .arg(&file)
            .env_remove("NEST_NIX_DIR")
            .output()
        {
            Ok(o) => o,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => panic!("running {program}: {e}"),
        };
        Some(if o.status.success() {
            Ok(serde_json::from_str(stdout(&o).trim()).expect("JSON"))
        } else {
            Err(stderr(&o))
        })
    };
    let nest = run(NEST, &["eval"]).expect("the nest binary runs");
    match run("nix-instantiate", &["--eval"]) {
        Some(nix) => match (&nest, &nix) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "nest eval and nix-instantiate disagree"),
            (Err(_), Err(_)) => {}
            _ => panic!("one evaluator failed: nest = {nest:?}\nnix-instantiate = {nix:?}"),
        },
        None => assert!(
            std::env::var_os("CI").is_none(),
            "nix-instantiate is not installed, and CI is set"
        ),
    }
    nest
}

#[test]
fn bridges_and_their_addresses_evaluate_to_host_network() {
    let v = eval(&host_network_expr(
        r#"{
          networking.bridges.br0.interfaces = [ "dummy0" ];
          networking.bridges.br1 = { };
          networking.interfaces.br0.ipv4.addresses = [ { address = "10.1.2.1"; prefixLength = 24; } ];
          networking.interfaces.br0.ipv6.addresses = [ { address = "fd00::1"; prefixLength = 64; } ];
        }"#,
    ))
    .expect("evaluates");
    assert_eq!(
        v,
        json!({ "bridges": {
            "br0": { "interfaces": [ "dummy0" ], "addresses": [ "10.1.2.1/24", "fd00::1/64" ] },
            "br1": { "interfaces": [ ], "addresses": [ ] },
        } })
    );
    // Nothing declared: no bridges.
    assert_eq!(
        eval(&host_network_expr("{ }")).expect("evaluates"),
        json!({ "bridges": {} })
    );
}

#[test]
fn an_unsupported_bridge_option_is_an_error_naming_it() {
    let e = eval(&host_network_expr(
        "{ networking.bridges.br0 = { interfaces = [ ]; rstp = true; }; }",
    ))
    .expect_err("rstp is not supported");
    assert!(
        e.contains("The option `networking.bridges.br0.rstp' does not exist"),
        "{e}"
    );
    let e = eval(&host_network_expr(
        "{ networking.bridges.br0 = { }; networking.interfaces.br0.useDHCP = true; }",
    ))
    .expect_err("useDHCP is not supported");
    assert!(
        e.contains("The option `networking.interfaces.br0.useDHCP' does not exist"),
        "{e}"
    );
}

#[test]
fn a_prefix_length_out_of_range_is_a_type_error() {
    let e = eval(&host_network_expr(
        r#"{ networking.bridges.br0 = { };
             networking.interfaces.br0.ipv4.addresses = [ { address = "10.1.2.1"; prefixLength = 33; } ]; }"#,
    ))
    .expect_err("33 is no IPv4 prefix");
    assert!(e.contains("prefixLength"), "{e}");
    assert!(e.contains("integer between 0 and 32"), "{e}");
    let e = eval(&host_network_expr(
        r#"{ networking.bridges.br0.interfaces = "dummy0"; }"#,
    ))
    .expect_err("interfaces is a list");
    assert!(
        e.contains("networking.bridges.br0.interfaces") && e.contains("is not of type"),
        "{e}"
    );
}

#[test]
fn addresses_only_on_declared_bridges_and_each_port_on_one_bridge() {
    let e = eval(&host_network_expr(
        r#"{ networking.interfaces.eth0.ipv4.addresses = [ { address = "10.1.2.1"; prefixLength = 24; } ]; }"#,
    ))
    .expect_err("eth0 is no declared bridge");
    assert!(
        e.contains("networking.interfaces.eth0: nest configures only bridges declared in networking.bridges, and eth0 is not one"),
        "{e}"
    );
    let e = eval(&host_network_expr(
        r#"{ networking.bridges.br0.interfaces = [ "dummy0" ]; networking.bridges.br1.interfaces = [ "dummy0" ]; }"#,
    ))
    .expect_err("dummy0 on two bridges");
    assert!(
        e.contains("interface dummy0 is in the interfaces of more than one bridge: br0, br1"),
        "{e}"
    );
    let e = eval(&host_network_expr(
        "{ networking.bridges.a-name-too-long-for-linux = { }; }",
    ))
    .expect_err("a name longer than 15 bytes");
    assert!(
        e.contains(
            "networking.bridges.a-name-too-long-for-linux: an interface name must be 1 to 15 bytes"
        ),
        "{e}"
    );
}

// ---- the switch

/// A temp dir holding the store, state and run dir; the containers switched to and
/// the bridges made are cleaned up on drop.
struct World {
    dir: tempfile::TempDir,
    names: Vec<String>,
    bridges: Vec<String>,
}

impl World {
    fn new() -> World {
        World {
            dir: tempfile::Builder::new()
                .prefix("nest-e2e-bridges-")
                .tempdir()
                .expect("temp dir"),
            names: Vec::new(),
            bridges: Vec::new(),
        }
    }

    /// A host config declaring one new bridge `nbr<tag>` with the address
    /// `10.<net>.<octet>.1/24`; the bridge is registered for cleanup first.
    fn declared_bridge(&mut self, net: u32) -> (String, u32, PathBuf) {
        let (t, octet) = tag();
        let bridge = format!("nbr{t}");
        self.bridges.push(bridge.clone());
        let host = self.host(
            "host.nix",
            &format!(
                "{{ networking.bridges.{bridge} = {{ }};
                   networking.interfaces.{bridge}.ipv4.addresses = [ {{ address = \"10.{net}.{octet}.1\"; prefixLength = 24; }} ]; }}"
            ),
        );
        (bridge, octet, host)
    }

    fn host(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write host config");
        p
    }

    fn nest(&self, args: &[&str]) -> Output {
        support::nest_under(self.dir.path(), args)
            .env("NEST_EXE", NEST)
            .output()
            .expect("run nest")
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.nest(args);
        assert!(
            o.status.success(),
            "nest {args:?} failed ({:?}): {}",
            o.status,
            stderr(&o)
        );
        stdout(&o)
    }

    fn switch(&self, host: &Path, extra: &[&str]) -> Output {
        let mut args = vec!["switch", "-f", host.to_str().expect("UTF-8 temp path")];
        args.extend_from_slice(extra);
        self.nest(&args)
    }

    fn state(&self) -> Option<Value> {
        let text = std::fs::read_to_string(self.dir.path().join("var/bridges.json")).ok()?;
        Some(serde_json::from_str(&text).expect("bridges.json is JSON"))
    }

    /// A bridge made by hand, as a user would (`ip link add … type bridge`).
    fn user_bridge(&mut self, name: &str) {
        self.bridges.push(name.to_string());
        let st = Command::new("ip")
            .args(["link", "add", name, "type", "bridge"])
            .status()
            .expect("run ip (iproute2)");
        assert!(st.success(), "ip link add {name} type bridge failed");
    }
}

impl Drop for World {
    fn drop(&mut self) {
        for n in &self.names {
            let _ = self.nest(&["container", "terminate", n]).status.success();
        }
        for b in &self.bridges {
            let _ = Command::new("ip")
                .args(["link", "del", b])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Two containers on bridge `bridge`, `server` serving a page on port 80.
fn pair(server: &str, client: &str, bridge: &str, net: &str) -> String {
    format!(
        r#"
  containers.{server} = {{
    autoStart = true;
    privateNetwork = true;
    hostBridge = "{bridge}";
    localAddress = "{net}.2/24";
    config = {{ pkgs, ... }}: {{
      environment.etc."www/index.html".text = "hello over {bridge}\n";
      systemd.services.httpd = {{
        wantedBy = [ "multi-user.target" ];
        serviceConfig.ExecStart = "${{pkgs.busybox}}/bin/httpd -f -p 80 -h /etc/www";
      }};
    }};
  }};
  containers.{client} = {{
    autoStart = true;
    privateNetwork = true;
    hostBridge = "{bridge}";
    localAddress = "{net}.3/24";
    config = {{ }};
  }};"#
    )
}

#[test]
fn an_undeclared_missing_host_bridge_fails_the_switch_naming_container_and_bridge() {
    let w = World::new();
    let (t, _) = tag();
    let bridge = format!("nbr{t}");
    let host = w.host(
        "host.nix",
        &format!(
            "{{ containers.c{t} = {{ privateNetwork = true; hostBridge = \"{bridge}\"; localAddress = \"10.204.1.2/24\"; config = {{ }}; }}; }}"
        ),
    );
    // The dry run and the real switch both refuse, before anything is touched.
    for extra in [&["--dry-run"][..], &[][..]] {
        let o = w.switch(&host, extra);
        assert!(!o.status.success(), "{extra:?}: {}", stdout(&o));
        assert!(
            stderr(&o).contains(&format!(
                "container 'c{t}': its hostBridge '{bridge}' is neither declared in networking.bridges nor a bridge on this host"
            )),
            "{extra:?}: {}",
            stderr(&o)
        );
    }
    assert!(link_line(&bridge).is_none());
    assert!(w.state().is_none());
    assert!(!w
        .dir
        .path()
        .join("var/containers")
        .join(format!("c{t}.json"))
        .exists());
}

#[test]
fn dry_run_plans_the_bridge_and_creates_nothing() {
    let w = World::new();
    let (t, octet) = tag();
    let bridge = format!("nbr{t}");
    let host = w.host(
        "host.nix",
        &format!(
            "{{ networking.bridges.{bridge}.interfaces = [ ];
               networking.interfaces.{bridge}.ipv4.addresses = [ {{ address = \"10.203.{octet}.1\"; prefixLength = 24; }} ]; }}"
        ),
    );
    let text = w.ok(&["switch", "-f", host.to_str().unwrap(), "--dry-run"]);
    assert_eq!(
        text,
        format!(
            "create     bridge {bridge}  (declared in networking.bridges)\n\
             address    bridge {bridge}  (add 10.203.{octet}.1/24)\n"
        )
    );
    let plan: Value = serde_json::from_str(&w.ok(&[
        "switch",
        "-f",
        host.to_str().unwrap(),
        "--dry-run",
        "--json",
    ]))
    .expect("a JSON plan");
    assert_eq!(
        plan,
        json!([
            { "bridge": bridge, "action": "create", "why": "declared in networking.bridges" },
            { "bridge": bridge, "action": "address", "why": format!("add 10.203.{octet}.1/24") },
        ])
    );
    assert!(link_line(&bridge).is_none());
    assert!(w.state().is_none());
}

#[test]
fn switch_creates_the_bridge_connects_the_pair_and_deletes_only_its_own_bridge() {
    if !privileged() {
        return;
    }
    let mut w = World::new();
    let (t, octet) = tag();
    let (bridge, user) = (format!("nbr{t}"), format!("nbu{t}"));
    let (server, client) = (format!("s{t}"), format!("c{t}"));
    let net = format!("10.203.{octet}");
    // Registered before anything can fail: the guard cleans up after any step.
    w.bridges.push(bridge.clone());
    w.user_bridge(&user);
    w.names.extend([server.clone(), client.clone()]);
    assert!(link_line(&bridge).is_none(), "{bridge} exists already");

    let host = w.host(
        "host.nix",
        &format!(
            "{{
  networking.bridges.{bridge}.interfaces = [ ];
  networking.interfaces.{bridge}.ipv4.addresses = [ {{ address = \"{net}.1\"; prefixLength = 24; }} ];
  networking.bridges.{user} = {{ }};
  networking.interfaces.{user}.ipv4.addresses = [ {{ address = \"10.205.{octet}.1\"; prefixLength = 24; }} ];
{}
}}",
            pair(&server, &client, &bridge, &net)
        ),
    );
    let o = w.switch(&host, &[]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}\n{}", stderr(&o));
    // Bridges first, in name order: nest's new one, then the user's, adopted.
    assert!(
        out.starts_with(&format!(
            "create     bridge {bridge}  (declared in networking.bridges)\n\
             address    bridge {bridge}  (add {net}.1/24)\n\
             adopt      bridge {user}  (declared, and already on the host: used, never deleted by nest)\n\
             set-up     bridge {user}  (declared; it is down)\n\
             address    bridge {user}  (add 10.205.{octet}.1/24)\n"
        )),
        "{out}"
    );
    let link = link_line(&bridge).expect("the switch created the bridge");
    assert!(link.contains("bridge"), "{link}");
    assert!(link.contains(",UP"), "{link}");
    assert!(addresses_of(&bridge).contains(&format!("inet {net}.1/24")));
    assert!(addresses_of(&user).contains(&format!("inet 10.205.{octet}.1/24")));
    let state = w.state().expect("the switch recorded its bridges");
    assert_eq!(state["bridges"][&bridge]["created"], true, "{state}");
    assert_eq!(state["bridges"][&user]["created"], false, "{state}");

    // The pair reach each other over the bridge, and the host reaches the server
    // through its address on it.
    let mut page = String::new();
    support::wait_for("the client to fetch the server's page", || {
        let o = w.nest(&[
            "container",
            "run",
            &client,
            "--",
            "wget",
            "-qO-",
            &format!("http://{net}.2/"),
        ]);
        page = stdout(&o);
        o.status.success()
    });
    assert_eq!(page, format!("hello over {bridge}\n"));
    let ping = w.nest(&[
        "container",
        "run",
        &server,
        "--",
        "ping",
        "-c",
        "1",
        "-W",
        "5",
        &format!("{net}.3"),
    ]);
    assert!(ping.status.success(), "{}", stdout(&ping));
    let page = http_get(&format!("{net}.2")).expect("the host reaches the server");
    assert!(
        page.ends_with(&format!("\r\n\r\nhello over {bridge}\n")),
        "{page}"
    );

    // A second switch with nothing changed leaves the bridges alone.
    let again = w.ok(&["switch", "-f", host.to_str().unwrap(), "--dry-run"]);
    assert!(!again.contains(" bridge "), "{again}");

    // Both bridges leave the config with the containers: nest's own bridge is
    // deleted; the user's stays, without the address nest added to it.
    let empty = w.host("empty.nix", "{ }");
    let o = w.switch(&empty, &[]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}\n{}", stderr(&o));
    assert!(
        out.ends_with(&format!(
            "delete     bridge {bridge}  (created by nest; no longer declared)\n\
             address    bridge {user}  (remove 10.205.{octet}.1/24 (no longer declared))\n\
             forget     bridge {user}  (no longer declared; not created by nest, so left on the host)\n"
        )),
        "{out}"
    );
    assert!(link_line(&bridge).is_none(), "{bridge} was not deleted");
    assert!(
        link_line(&user).is_some(),
        "the user's bridge {user} was deleted"
    );
    assert!(!addresses_of(&user).contains("10.205."));
    assert_eq!(
        w.state().expect("state"),
        json!({ "version": 1, "bridges": {} })
    );
}

#[test]
fn rollback_brings_a_deleted_bridge_back() {
    if !privileged() {
        return;
    }
    let mut w = World::new();
    let (bridge, octet, host) = w.declared_bridge(206);
    w.ok(&["switch", "-f", host.to_str().unwrap()]);
    assert!(link_line(&bridge).is_some());
    let empty = w.host("empty.nix", "{ }");
    w.ok(&["switch", "-f", empty.to_str().unwrap()]);
    assert!(link_line(&bridge).is_none());
    // The host generation keeps the declared bridges: a rollback needs no evaluation.
    let out = w.ok(&["switch", "--rollback"]);
    assert!(
        out.starts_with(&format!("create     bridge {bridge}")),
        "{out}"
    );
    assert!(addresses_of(&bridge).contains(&format!("inet 10.206.{octet}.1/24")));
    w.ok(&["switch", "-f", empty.to_str().unwrap()]);
    assert!(link_line(&bridge).is_none());
}

/// `nest daemon` started by a test, killed by its pid on drop.
struct Daemon(std::process::Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_daemon_makes_nest_bridges_again_after_a_reboot() {
    if !privileged() {
        return;
    }
    let mut w = World::new();
    let (bridge, octet, host) = w.declared_bridge(207);
    w.ok(&["switch", "-f", host.to_str().unwrap()]);
    // A reboot, as far as the bridge is concerned: it is gone.
    let st = Command::new("ip")
        .args(["link", "del", &bridge])
        .status()
        .expect("run ip (iproute2)");
    assert!(st.success());
    let child = support::nest_under(w.dir.path(), &["daemon", "--tick-ms", "100"])
        .env("NEST_EXE", NEST)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nest daemon");
    let _daemon = Daemon(child);
    support::wait_for("the daemon to make the bridge again", || {
        addresses_of_quiet(&bridge).contains(&format!("inet 10.207.{octet}.1/24"))
    });
    let link = link_line(&bridge).expect("the bridge is back");
    assert!(link.contains(",UP"), "{link}");
    // Still nest's: leaving the config deletes it.
    let empty = w.host("empty.nix", "{ }");
    w.ok(&["switch", "-f", empty.to_str().unwrap()]);
    assert!(link_line(&bridge).is_none());
}

/// `addresses_of` for a link that may not exist yet.
fn addresses_of_quiet(name: &str) -> String {
    Command::new("ip")
        .args(["-o", "addr", "show", "dev", name])
        .stderr(Stdio::null())
        .output()
        .map(|o| stdout(&o))
        .unwrap_or_default()
}

/// A veth pair in the host's namespace (a stand-in for a host interface: never a
/// real uplink), deleted on drop.
struct Veth(String);

impl Veth {
    fn new(name: &str) -> Veth {
        let st = Command::new("ip")
            .args(["link", "add", name, "type", "veth", "peer", "name"])
            .arg(format!("{name}p"))
            .status()
            .expect("run ip (iproute2)");
        assert!(st.success(), "ip link add {name} type veth failed");
        Veth(name.to_string())
    }
}

impl Drop for Veth {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "del", &self.0])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

#[test]
fn declared_ports_join_the_bridge_and_are_released_when_dropped() {
    if !privileged() {
        return;
    }
    let mut w = World::new();
    let (t, _) = tag();
    let bridge = format!("nbr{t}");
    w.bridges.push(bridge.clone());
    let port = Veth::new(&format!("nbv{t}"));
    let with_port = w.host(
        "port.nix",
        &format!(
            "{{ networking.bridges.{bridge}.interfaces = [ \"{}\" ]; }}",
            port.0
        ),
    );
    let out = w.ok(&["switch", "-f", with_port.to_str().unwrap()]);
    assert_eq!(
        out,
        format!(
            "create     bridge {bridge}  (declared in networking.bridges)\n\
             port       bridge {bridge}  (add {})\n",
            port.0
        )
    );
    let line = link_line(&port.0).expect("the port exists");
    assert!(line.contains(&format!("master {bridge}")), "{line}");
    assert!(line.contains(",UP"), "{line}");
    // Kept on the bridge, without the port: released, the bridge stays.
    let without = w.host(
        "without.nix",
        &format!("{{ networking.bridges.{bridge}.interfaces = [ ]; }}"),
    );
    let out = w.ok(&["switch", "-f", without.to_str().unwrap()]);
    assert_eq!(
        out,
        format!(
            "port       bridge {bridge}  (release {} (no longer declared))\n",
            port.0
        )
    );
    let line = link_line(&port.0).expect("the port exists");
    assert!(!line.contains("master "), "{line}");
    assert!(link_line(&bridge).is_some());
    // A port of another bridge is refused, naming it, before anything is touched.
    let other = format!("nbo{t}");
    w.user_bridge(&other);
    let st = Command::new("ip")
        .args(["link", "set", &port.0, "master", &other])
        .status()
        .expect("run ip (iproute2)");
    assert!(st.success());
    let o = w.switch(&with_port, &[]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains(&format!(
            "networking.bridges.{bridge}.interfaces: '{}' is already a port of '{other}'",
            port.0
        )),
        "{}",
        stderr(&o)
    );
    let line = link_line(&port.0).expect("the port exists");
    assert!(line.contains(&format!("master {other}")), "{line}");
}
