//! The examples in `examples/` through the real binary: each one's `nest switch
//! --dry-run` plan, and (as root) each one switched to and working: the web server
//! answers on the host, the private-network pair reach each other, the twenty
//! containers run and stop.
//!
//! Every test reads the example file itself and substitutes container names, ports,
//! addresses and the bridge with ones unique to this test run, so it never clashes
//! with containers on the machine; every path nest writes is in the test's temp dir.
//! The privileged tests skip without root unless `CI` is set, and a Drop guard kills
//! their containers (through nest, which signals the pid it started) and deletes the
//! bridge nest made for them, even when an assertion fails.

use nest_supervisor::Paths;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
mod support;
use support::privileged;

const NEST: &str = env!("CARGO_BIN_EXE_nest");

/// A short tag unique to this process and call: container names, bridge names and
/// address octets are made from it.
fn unique() -> (String, u32) {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let pid = std::process::id();
    (format!("x{}{n}", pid % 100_000), pid % 250 + n)
}

fn example(file: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(file);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

/// Replaces each `from` by its `to`; a `from` missing from the text means the example
/// changed under the test, which must then change too.
fn substitute(text: &str, pairs: &[(&str, String)]) -> String {
    let mut t = text.to_string();
    for (from, to) in pairs {
        assert!(
            t.contains(from),
            "the example no longer contains {from:?}:\n{t}"
        );
        t = t.replace(from, to);
    }
    t
}

/// A temp dir holding the store, state, roots and run dir, the containers a test
/// switched to, and the bridge it made.
struct World {
    dir: tempfile::TempDir,
    names: Vec<String>,
    bridge: Option<String>,
}

impl World {
    fn new() -> World {
        let dir = tempfile::Builder::new()
            .prefix("nest-e2e-examples-")
            .tempdir()
            .expect("temp dir");
        World {
            dir,
            names: Vec::new(),
            bridge: None,
        }
    }

    fn paths(&self) -> Paths {
        Paths::under(self.dir.path(), Path::new(NEST))
    }

    fn host(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write host config");
        p
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(NEST);
        c.args(args).env_remove("NEST_NIX_DIR").stdin(Stdio::null());
        for (k, v) in self.paths().to_env() {
            c.env(k, v);
        }
        c
    }

    fn nest(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run nest")
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.nest(args);
        assert!(
            o.status.success(),
            "nest {args:?} failed ({:?}): {}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn plan(&self, host: &Path) -> Vec<Value> {
        let out = self.ok(&["switch", "-f", path_str(host), "--dry-run", "--json"]);
        serde_json::from_str::<Value>(&out)
            .expect("JSON plan")
            .as_array()
            .expect("a list")
            .clone()
    }

    /// Switches for real; the names are recorded first so the guard stops them even
    /// when the switch fails half-way.
    fn switch(&mut self, host: &Path, names: &[String]) -> String {
        self.names.extend(names.iter().cloned());
        self.ok(&["switch", "-f", path_str(host)])
    }

    fn list(&self) -> Vec<Value> {
        serde_json::from_str::<Value>(&self.ok(&["container", "list", "--json"]))
            .expect("list --json")
            .as_array()
            .expect("a list")
            .clone()
    }

    /// Whether the host has a bridge called `name`.
    fn bridge_exists(name: &str) -> bool {
        let o = Command::new("ip")
            .args(["-o", "link", "show", "type", "bridge"])
            .output()
            .expect("run ip (iproute2)");
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .any(|l| l.split(':').nth(1).map(str::trim) == Some(name))
    }
}

impl Drop for World {
    fn drop(&mut self) {
        // All at once: the twenty-container test should not clean up one by one.
        let kills: Vec<_> = self
            .names
            .iter()
            .filter_map(|n| {
                self.cmd(&["container", "terminate", n])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .ok()
            })
            .collect();
        for mut k in kills {
            let _ = k.wait();
        }
        if let Some(b) = &self.bridge {
            let _ = Command::new("ip")
                .args(["link", "del", b])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(f(), "timed out waiting for {what}");
}

fn step<'a>(plan: &'a [Value], name: &str) -> &'a Value {
    plan.iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in plan {plan:?}"))
}

/// Asserts a first switch's plan: exactly `names`, each started as new, each with
/// a system in the world's store (named `nest-system`: no example sets a host name).
fn assert_starts(w: &World, plan: &[Value], names: &[String]) {
    assert_eq!(plan.len(), names.len(), "{plan:?}");
    let store = w.paths().store.display().to_string();
    for n in names {
        let s = step(plan, n);
        assert_eq!(s["action"], "start", "{s}");
        assert_eq!(s["why"], "new", "{s}");
        let system = s["system"].as_str().expect("a system path");
        assert!(
            system.starts_with(&format!("{store}/")) && system.ends_with("-nest-system"),
            "{system}"
        );
    }
}

/// A port nothing listens on right now (the kernel picks it).
fn free_port() -> u16 {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind an ephemeral port");
    l.local_addr().expect("local addr").port()
}

/// One HTTP/1.0 GET over loopback: the whole response, or None when nothing answers.
fn http_get(port: u16) -> Option<String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    s.write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    (!out.is_empty()).then_some(out)
}

struct Webserver {
    text: String,
    name: String,
    port: u16,
    octet: u32,
}

fn webserver() -> Webserver {
    let (tag, octet) = unique();
    let name = format!("{tag}web");
    let port = free_port();
    let text = substitute(
        &example("webserver.nix"),
        &[
            ("containers.web ", format!("containers.{name} ")),
            ("hostPort = 8080;", format!("hostPort = {port};")),
            ("10.231.136.", format!("10.201.{octet}.")),
        ],
    );
    Webserver {
        text,
        name,
        port,
        octet,
    }
}

struct Pair {
    text: String,
    server: String,
    client: String,
    bridge: String,
    octet: u32,
}

fn private_network() -> Pair {
    let (tag, octet) = unique();
    let (server, client, bridge) = (
        format!("{tag}server"),
        format!("{tag}client"),
        format!("br{tag}"),
    );
    let text = substitute(
        &example("private-network.nix"),
        &[
            ("containers.server ", format!("containers.{server} ")),
            ("containers.client ", format!("containers.{client} ")),
            ("\"br-nest\"", format!("\"{bridge}\"")),
            (
                "networking.bridges.br-nest.",
                format!("networking.bridges.{bridge}."),
            ),
            ("10.231.137.", format!("10.202.{octet}.")),
        ],
    );
    Pair {
        text,
        server,
        client,
        bridge,
        octet,
    }
}

fn twenty() -> (String, Vec<String>) {
    let (tag, _) = unique();
    let text = substitute(
        &example("twenty.nix"),
        &[(
            "\"c${lib.fixedWidthNumber",
            format!("\"{tag}c${{lib.fixedWidthNumber"),
        )],
    );
    let names = (1..=20).map(|i| format!("{tag}c{i:02}")).collect();
    (text, names)
}

#[test]
fn original_example_dry_run_starts_foo() {
    let w = World::new();
    let (tag, _) = unique();
    let name = format!("{tag}foo");
    let text = substitute(
        &example("host.nix"),
        &[("containers.foo ", format!("containers.{name} "))],
    );
    let host = w.host("host.nix", &text);
    assert_starts(&w, &w.plan(&host), std::slice::from_ref(&name));
}

#[test]
fn webserver_dry_run_starts_one_container() {
    let w = World::new();
    let ex = webserver();
    let host = w.host("webserver.nix", &ex.text);
    let names = [ex.name.clone()];
    assert_starts(&w, &w.plan(&host), &names);
    let human = w.ok(&["switch", "-f", path_str(&host), "--dry-run"]);
    assert_eq!(human, format!("start      {}  (new)\n", ex.name));
    // A dry run builds nothing.
    assert!(
        !w.paths().store.exists() || std::fs::read_dir(w.paths().store).unwrap().next().is_none()
    );
}

#[test]
fn private_network_dry_run_starts_the_pair() {
    let w = World::new();
    let ex = private_network();
    let host = w.host("private-network.nix", &ex.text);
    let mut plan = w.plan(&host);
    // First the bridge it declares, then the containers.
    assert_eq!(
        plan.remove(0),
        serde_json::json!({ "bridge": ex.bridge, "action": "create", "why": "declared in networking.bridges" })
    );
    assert_starts(&w, &plan, &[ex.server.clone(), ex.client.clone()]);
}

#[test]
fn twenty_dry_run_starts_twenty() {
    let w = World::new();
    let (text, names) = twenty();
    let host = w.host("twenty.nix", &text);
    let plan = w.plan(&host);
    assert_starts(&w, &plan, &names);
    // Twenty systems that differ only in their host name are twenty store paths.
    let mut systems: Vec<_> = plan
        .iter()
        .map(|s| s["system"].as_str().unwrap().to_string())
        .collect();
    systems.sort();
    systems.dedup();
    assert_eq!(systems.len(), 20);
}

#[test]
fn webserver_answers_on_the_host() {
    if !privileged() {
        return;
    }
    let mut w = World::new();
    let ex = webserver();
    let host = w.host("webserver.nix", &ex.text);
    let out = w.switch(&host, std::slice::from_ref(&ex.name));
    assert!(
        out.contains(&format!("start      {}  (new)", ex.name)),
        "{out}"
    );

    let mut response = None;
    wait_for("the web server to answer", Duration::from_secs(15), || {
        response = http_get(ex.port);
        response.as_deref().is_some_and(|r| r.contains("Hello"))
    });
    let response = response.unwrap_or_default();
    assert!(
        response.starts_with("HTTP/1.") && response.contains(" 200 OK\r\n"),
        "{response}"
    );
    assert!(
        response.contains("<p>Hello from the container web.</p>"),
        "{response}"
    );

    let info = &w.list()[0];
    assert_eq!(info["name"], ex.name.as_str());
    assert_eq!(info["status"], "up");
    assert_eq!(info["localAddress"], format!("10.201.{}.2", ex.octet));

    // Removing it from the host config stops it, and the forwarded port closes.
    let empty = w.host("empty.nix", "{ }");
    let out = w.ok(&["switch", "-f", path_str(&empty)]);
    assert!(
        out.contains(&format!(
            "stop       {}  (removed from the host config)",
            ex.name
        )),
        "{out}"
    );
    assert_eq!(w.ok(&["container", "status", &ex.name]).trim(), "down");
    wait_for(
        "the forwarded port to close",
        Duration::from_secs(5),
        || http_get(ex.port).is_none(),
    );
}

#[test]
fn private_network_pair_reach_each_other() {
    if !privileged() {
        return;
    }
    let mut w = World::new();
    let ex = private_network();
    // The example declares its bridge: the switch makes it on a host without it. The
    // guard deletes it should the test fail before the switch that removes it.
    assert!(!World::bridge_exists(&ex.bridge));
    w.bridge = Some(ex.bridge.clone());
    let host = w.host("private-network.nix", &ex.text);
    let out = w.switch(&host, &[ex.server.clone(), ex.client.clone()]);
    assert!(
        out.starts_with(&format!(
            "create     bridge {}  (declared in networking.bridges)\n",
            ex.bridge
        )),
        "{out}"
    );
    assert!(World::bridge_exists(&ex.bridge));

    // By the name the example puts in /etc/hosts, over the bridge.
    let mut page = String::new();
    wait_for(
        "client to fetch the server's page",
        Duration::from_secs(15),
        || {
            let o = w.nest(&[
                "container",
                "run",
                &ex.client,
                "--",
                "wget",
                "-qO-",
                "http://server/",
            ]);
            page = String::from_utf8_lossy(&o.stdout).into_owned();
            o.status.success()
        },
    );
    assert_eq!(page, "hello from server\n");
    let ping = w.nest(&[
        "container",
        "run",
        &ex.server,
        "--",
        "ping",
        "-c",
        "1",
        "-W",
        "5",
        "client",
    ]);
    assert!(
        ping.status.success(),
        "{}",
        String::from_utf8_lossy(&ping.stdout)
    );

    // The client's own service reaches the server too (it retries every 10 s).
    wait_for(
        "the fetch service's result",
        Duration::from_secs(25),
        || {
            let o = w.nest(&[
                "container",
                "run",
                &ex.client,
                "--",
                "cat",
                "/tmp/last-fetch",
            ]);
            o.status.success() && o.stdout == b"hello from server\n"
        },
    );

    // Their own network namespaces: the host has no address on the bridge, so it
    // has no route to them.
    let eth = w.ok(&[
        "container",
        "run",
        &ex.client,
        "--",
        "ip",
        "-o",
        "-4",
        "addr",
        "show",
        "eth0",
    ]);
    let octet = ex.octet;
    assert!(eth.contains(&format!("inet 10.202.{octet}.3/24")), "{eth}");
    let host_addrs = Command::new("ip")
        .args(["-o", "-4", "addr"])
        .output()
        .expect("ip addr");
    assert!(!String::from_utf8_lossy(&host_addrs.stdout).contains(&format!("10.202.{octet}.")));

    // Out of the host config, the pair stops and the bridge nest made is deleted.
    let empty = w.host("empty.nix", "{ }");
    let out = w.ok(&["switch", "-f", path_str(&empty)]);
    assert!(
        out.ends_with(&format!(
            "delete     bridge {}  (created by nest; no longer declared)\n",
            ex.bridge
        )),
        "{out}"
    );
    assert!(!World::bridge_exists(&ex.bridge));
}

#[test]
fn twenty_containers_run_and_stop() {
    if !privileged() {
        return;
    }
    let mut w = World::new();
    let (text, names) = twenty();
    let host = w.host("twenty.nix", &text);
    w.switch(&host, &names);

    let list = w.list();
    assert_eq!(list.len(), 20, "{list:?}");
    for n in &names {
        let c = list
            .iter()
            .find(|c| c["name"] == n.as_str())
            .unwrap_or_else(|| panic!("{n} not listed"));
        assert_eq!(c["status"], "up", "{c}");
        assert_eq!(c["phase"], "running", "{c}");
    }
    for n in &names {
        wait_for(&format!("{n}'s heartbeat"), Duration::from_secs(15), || {
            let o = w.nest(&["container", "run", n, "--", "cat", "/run/heartbeat"]);
            String::from_utf8_lossy(&o.stdout).starts_with(&format!("{n} "))
        });
    }

    // A no-op switch touches none of them.
    let again = w.ok(&["switch", "-f", path_str(&host), "--dry-run"]);
    assert_eq!(
        again
            .lines()
            .filter(|l| l.starts_with("unchanged  "))
            .count(),
        20,
        "{again}"
    );

    let empty = w.host("empty.nix", "{ }");
    let out = w.ok(&["switch", "-f", path_str(&empty)]);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("stop       ")).count(),
        20,
        "{out}"
    );
    for c in w.list() {
        assert_eq!(c["status"], "down", "{c}");
    }
}
