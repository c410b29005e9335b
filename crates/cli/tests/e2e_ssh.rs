//! The original announcement's example end to end (root): `nest switch -f` a host
//! config with OpenSSH in a container (the host's sshd brought in by
//! `pkgs.hostPackage`), then the host's `ssh` with the authorized key runs a command
//! inside as root, scp (SFTP) copies a file out, a wrong key is refused, and the host
//! key survives a restart.

use nest_supervisor::Paths;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
mod support;
use support::privileged;

/// A container name no other test uses (cgroups and hostnames are host-wide).
const NAME: &str = "sshe2e";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn paths(&self) -> Paths {
        Paths::under(self.dir.path(), Path::new(env!("CARGO_BIN_EXE_nest")))
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn nest(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_nest"));
        c.args(args).env_remove("NEST_NIX_DIR");
        for (k, v) in self.paths().to_env() {
            c.env(k, v);
        }
        c.output().expect("run nest")
    }
}

/// Stops the container through the supervisor (which stops the pid it started), even
/// when an assertion failed; the temp dir (store, roots, keys) goes after it.
struct StopOnDrop<'a>(&'a Env);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.nest(&["container", "stop", NAME]);
    }
}

/// Runs `cmd`, killing it (by the pid it got) if it outlives `limit`.
fn output_within(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait().expect("wait") {
            Some(_) => return child.wait_with_output().expect("collect output"),
            None if Instant::now() > deadline => {
                let _ = child.kill();
                return child.wait_with_output().expect("collect output");
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// An unused TCP port on 127.0.0.1 (where the test's sshd listens). Never 22.
fn free_port() -> u16 {
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("bind an ephemeral port")
            .port();
        if port != 22 {
            return port;
        }
    }
}

fn keygen(path: &Path) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "nest-e2e", "-f"])
        .arg(path)
        .output()
        .expect("the host's ssh-keygen (openssh-client) runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn ssh(port: u16, key: &Path, command: &str) -> Output {
    let mut c = Command::new("ssh");
    c.args(["-F", "/dev/null", "-p", &port.to_string(), "-i"])
        .arg(key)
        .args([
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "ConnectTimeout=5",
            "-o",
            "LogLevel=ERROR",
            "root@127.0.0.1",
            command,
        ]);
    output_within(c, Duration::from_secs(20))
}

/// Retries while sshd starts (host keys are generated on first boot): the first
/// run that succeeds, or the last failure after `limit`.
fn ssh_until_up(port: u16, key: &Path, command: &str, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    loop {
        let out = ssh(port, key, command);
        if out.status.success() || Instant::now() > deadline {
            return out;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn host_key(env: &Env) -> String {
    let out = env.nest(&["container", "show-host-key", NAME]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn the_original_example_lets_root_in_with_the_key_and_only_with_it() {
    if !privileged() {
        return;
    }
    assert!(
        Path::new("/usr/sbin/sshd").exists(),
        "the host needs openssh-server (scripts/install-deps.sh installs it)"
    );
    let env = Env {
        dir: tempfile::tempdir().expect("temp dir"),
    };
    let (key, wrong) = (env.path("key"), env.path("wrong"));
    keygen(&key);
    keygen(&wrong);
    let public = std::fs::read_to_string(env.path("key.pub")).expect("public key");
    let port = free_port();
    let host = env.path("host.nix");
    // The original's example, with this test's key, port and container name, and
    // sshd on loopback only (the container shares the host's network).
    std::fs::write(
        &host,
        format!(
            "{{\n  containers.{NAME} = {{\n    autoStart = true;\n    config = {{\n      services.openssh.enable = true;\n      services.openssh.ports = [ {port} ];\n      services.openssh.listenAddresses = [ {{ addr = \"127.0.0.1\"; }} ];\n      users.extraUsers.root.openssh.authorizedKeys.keys = [\n        \"{}\"\n      ];\n    }};\n  }};\n}}\n",
            public.trim()
        ),
    )
    .expect("write host config");

    let _guard = StopOnDrop(&env);
    let out = env.nest(&["switch", "-f", host.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "switch failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let logs = |env: &Env| {
        let o = env.nest(&["container", "logs", NAME, "--service", "sshd"]);
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let out = ssh_until_up(
        port,
        &key,
        "cat /etc/hostname; id -u",
        Duration::from_secs(60),
    );
    assert!(
        out.status.success(),
        "ssh with the authorized key failed: {}\nsshd's log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        logs(&env)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{NAME}\n0\n"));
    let log = logs(&env);
    assert!(
        log.contains(&format!("Server listening on 127.0.0.1 port {port}."))
            && !log.contains("0.0.0.0"),
        "sshd listens on loopback only: {log}"
    );

    // scp speaks SFTP: the subsystem runs the imported sftp-server.
    let copied = env.path("hostname.copy");
    let mut scp = Command::new("scp");
    scp.args(["-F", "/dev/null", "-P", &port.to_string(), "-i"])
        .arg(&key)
        .args([
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            "root@127.0.0.1:/etc/hostname",
        ])
        .arg(&copied);
    let out = output_within(scp, Duration::from_secs(20));
    assert!(
        out.status.success(),
        "scp failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&copied).unwrap(),
        format!("{NAME}\n")
    );

    let out = ssh(port, &wrong, "id -u");
    assert_eq!(out.status.code(), Some(255), "a wrong key got in: {out:?}");
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Permission denied"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The host key lives in the container's root: a restart keeps it.
    let before = host_key(&env);
    assert!(before.starts_with("ssh-ed25519 "), "{before}");
    let out = env.nest(&["container", "restart", NAME]);
    assert!(
        out.status.success(),
        "restart failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = ssh_until_up(port, &key, "id -u", Duration::from_secs(60));
    assert!(
        out.status.success(),
        "ssh after the restart failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(host_key(&env), before);
}
