//! nest's host and system modules (`nix/modules`), evaluated through the fixtures in
//! `nix/tests/system/` with the built `nest eval` and, when installed, with
//! `nix-instantiate` (the oracle): both must give the same JSON, and that JSON must
//! be what nest's init and runtime expect.

mod support;

use serde_json::{json, Value};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../nix/tests/system")
        .join(name)
}

fn run(program: &str, pre: &[&str], file: &std::path::Path) -> Option<Result<Value, String>> {
    support::eval_json(program, pre, file, None)
}

fn oracle(file: &std::path::Path) -> Option<Result<Value, String>> {
    let r = run("nix-instantiate", &["--eval"], file);
    if r.is_none() && std::env::var_os("CI").is_some() {
        panic!("nix-instantiate is not installed, and CI is set");
    }
    // OpenSSH's default package (a pkgs.hostPackage) needs nest's builtins.nestElfInfo;
    // the fixtures give containers a plain derivation instead (summary.nix), so Nix
    // evaluates every fixture and none escapes the comparison.
    r
}

/// Evaluates a fixture with both evaluators; they must agree.
fn eval(name: &str) -> Result<Value, String> {
    let file = fixture(name);
    let nest = run(env!("CARGO_BIN_EXE_nest"), &["eval"], &file).expect("the nest binary exists");
    if let Some(nix) = oracle(&file) {
        match (&nest, &nix) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{name}: nest eval and nix-instantiate disagree"),
            (Err(_), Err(_)) => {}
            _ => panic!("{name}: one evaluator failed: nest = {nest:?}\nnix-instantiate = {nix:?}"),
        }
    }
    nest
}

/// A fixture both evaluators must reject with an error containing every `needle`.
fn eval_err(name: &str, needles: &[&str]) {
    let file = fixture(name);
    let mut results = vec![(
        "nest",
        run(env!("CARGO_BIN_EXE_nest"), &["eval"], &file).expect("the nest binary exists"),
    )];
    if let Some(r) = oracle(&file) {
        results.push(("nix-instantiate", r));
    }
    for (who, r) in results {
        match r {
            Ok(v) => panic!("{name}: {who} succeeded but should fail: {v}"),
            Err(e) => {
                for n in needles {
                    assert!(e.contains(n), "{name}: {who}'s error lacks {n:?}:\n{e}");
                }
            }
        }
    }
}

/// The spec as `nest switch` hands it to the runtime: with the built system as `init`.
fn runtime_spec(spec: &Value) -> nest_container::spec::Spec {
    let mut spec = spec.clone();
    spec["init"] = json!("/nest/store/00000000000000000000000000000000-nest-system");
    nest_container::spec::Spec::from_json(&spec.to_string()).unwrap()
}

#[test]
fn seed_example_gives_sshd_on_2022_with_the_key() {
    let v = eval("seed.nix").unwrap();
    let foo = &v["specs"]["foo"];
    assert_eq!(foo["spec"]["name"], "foo");
    assert_eq!(foo["spec"]["privateNetwork"], false);
    assert_eq!(foo["autoStart"], false);
    let services = &foo["system"]["services"];
    assert_eq!(services["version"], 1);
    let sshd = &services["services"]["sshd"];
    // The host's sshd imported into the store (pkgs.hostPackage).
    let sshd_exe = sshd["command"][0].as_str().unwrap();
    assert!(
        sshd_exe.starts_with("/nix/store/") && sshd_exe.ends_with("-openssh/sbin/sshd"),
        "{sshd_exe}"
    );
    assert_eq!(
        sshd["command"].as_array().unwrap()[1..],
        json!(["-D", "-e", "-f", "/etc/ssh/sshd_config"])
            .as_array()
            .unwrap()[..]
    );
    assert_eq!(sshd["wantedBy"], json!(["multi-user.target"]));
    assert_eq!(sshd["requires"], json!(["sshd-keygen"]));
    assert_eq!(sshd["restart"], "always");
    let keygen = &services["services"]["sshd-keygen"];
    assert_eq!(keygen["type"], "oneshot");
    assert_eq!(keygen["remainAfterExit"], true);
    assert!(keygen["script"]
        .as_str()
        .unwrap()
        .contains("ssh-keygen -q -t ed25519"));
    let etc = &foo["system"]["etc"];
    let sshd_config = etc["ssh/sshd_config"]["text"].as_str().unwrap();
    assert!(sshd_config.starts_with("Port 2022\n"), "{sshd_config}");
    assert!(
        sshd_config.contains("PermitRootLogin prohibit-password\n"),
        "{sshd_config}"
    );
    assert!(
        sshd_config.contains("PasswordAuthentication yes\n"),
        "{sshd_config}"
    );
    assert!(sshd_config
        .contains("AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/authorized_keys.d/%u\n"));
    assert_eq!(
        etc["ssh/authorized_keys.d/root"]["text"],
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyForTests test@nest\n"
    );
    assert_eq!(etc["ssh/authorized_keys.d/root"]["mode"], "0444");
    // The host name is left at its default (the container's name): activation
    // writes /etc/hostname from the running host name, the system does not hold it.
    assert!(etc.get("hostname").is_none(), "{etc}");
    let sys = &v["systems"]["foo"];
    assert_eq!(sys["hostName"], "foo");
    assert_eq!(sys["isContainer"], true);
    let users = sys["users"]["users"].as_array().unwrap();
    let sshd_user = users.iter().find(|u| u["name"] == "sshd").unwrap();
    assert_eq!(sshd_user["uid"], 999);
    assert_eq!(sshd_user["group"], "sshd");
    // binsh: root's login shell /bin/sh, which sshd needs to exist; hostname:
    // /etc/hostname and /etc/hosts from the running host name.
    assert_eq!(
        sys["activationOrder"],
        json!(["# binsh", "# users", "# etc", "# hostname"])
    );
    // What the runtime gets deserialises into its Spec.
    let spec = runtime_spec(&foo["spec"]);
    assert_eq!(spec.name.as_str(), "foo");
}

#[test]
fn old_spelling_and_heterogeneous_spelling_give_the_same_result() {
    let seed = eval("seed.nix").unwrap();
    assert_eq!(eval("seed-old-spelling.nix").unwrap(), seed);
    assert_eq!(eval("seed-heterogeneous.nix").unwrap(), seed);
}

#[test]
fn a_config_set_with_imports_is_a_module_in_both_spellings() {
    let v = eval("config-imports.nix").unwrap();
    let want = json!({
        "mod": { "enable": true, "greeting": "hi", "ports": [2222] },
        "plain": { "enable": true, "ports": [22] },
    });
    assert_eq!(v["nixosSubmodule"], want);
    assert_eq!(v["heterogeneous"], want);
}

#[test]
fn systemd_services_become_services_json() {
    let v = eval("services.nix").unwrap();
    assert_eq!(
        v,
        json!({
            "version": 1,
            "defaultTarget": "multi-user.target",
            "environment": { "LANG": "C.UTF-8" },
            "services": {
                "db": { "description": "database", "enable": true, "restartIfChanged": true, "type": "oneshot", "remainAfterExit": true, "script": "echo init" },
                "off": { "description": "", "enable": false, "restartIfChanged": true, "type": "simple", "script": "true" },
                "web": {
                    "description": "web server", "enable": true, "restartIfChanged": false, "type": "simple",
                    "command": ["/bin/httpd", "-f", "-p", "8080"],
                    "preStart": "mkdir -p /srv", "postStart": "echo started", "execStop": "echo bye",
                    "environment": {
                        "PORT": "8080", "MODE": "prod", "A": "1", "B": "x=y",
                        "PATH": "/opt/tools/bin:/opt/tools/sbin:/run/current-system/sw/bin:/run/current-system/sw/sbin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
                    },
                    "wantedBy": ["multi-user.target"], "after": ["db"], "requires": ["db"], "wants": ["cache"],
                    "restart": "on-failure", "restartSec": 5,
                    "user": "www", "group": "www", "workingDirectory": "/srv"
                }
            }
        })
    );
}

/// nest's init accepts the generated services.json as it is (unknown fields are
/// errors there, so this pins the format).
fn init_accepts(services: &Value) -> nest_init::spec::Spec {
    nest_init::spec::Spec::parse(&services.to_string(), std::path::Path::new("services.json"))
        .unwrap_or_else(|e| panic!("init refuses the generated services.json: {e}"))
}

#[test]
fn init_accepts_the_generated_services_json() {
    let spec = init_accepts(&eval("services.nix").unwrap());
    assert!(spec.services.contains_key("web") && spec.services.contains_key("db"));
    let seed = eval("seed.nix").unwrap();
    let spec = init_accepts(&seed["specs"]["foo"]["system"]["services"]);
    assert!(spec.services.contains_key("sshd") && spec.services.contains_key("sshd-keygen"));
}

#[test]
fn users_get_ids_homes_keys_and_password_hashes() {
    let v = eval("users.nix").unwrap();
    let users = v["allocated"]["users"].as_array().unwrap();
    let get = |n: &str| users.iter().find(|u| u["name"] == n).unwrap().clone();
    // bob asked for 1000, so alice (a normal user too) gets the next free id.
    assert_eq!(get("bob")["uid"], 1000);
    assert_eq!(get("alice")["uid"], 1001);
    assert_eq!(get("alice")["home"], "/home/alice");
    assert_eq!(get("alice")["group"], "users");
    assert_eq!(get("alice")["gid"], 100);
    assert_eq!(get("root")["uid"], 0);
    assert_eq!(get("root")["home"], "/root");
    assert_eq!(get("nobody")["uid"], 65534);
    // System users count down from 999.
    assert_eq!(get("svc")["uid"], 999);
    assert_eq!(get("svc")["home"], "/var/empty");
    let groups = v["allocated"]["groups"].as_array().unwrap();
    let gid = |n: &str| groups.iter().find(|g| g["name"] == n).unwrap()["gid"].clone();
    assert_eq!(gid("fixed"), 999);
    assert_eq!(gid("svc"), 998, "999 is taken by an explicit gid");
    assert!(v["passwd"]
        .as_str()
        .unwrap()
        .contains("alice:x:1001:100::/home/alice:/bin/sh\n"));
    assert!(v["group"].as_str().unwrap().contains("wheel:x:1:alice\n"));
    let shadow = v["shadow"].as_str().unwrap();
    assert!(shadow.contains("alice:$6$salt$hash:1::::::\n"), "{shadow}");
    assert!(shadow.contains("bob:!:1::::::\n"), "{shadow}");
    assert_eq!(v["aliceKeys"], "ssh-ed25519 AAAA alice\n");
}

#[test]
fn etc_files_variables_hosts_and_activation_order() {
    let v = eval("etc.nix").unwrap();
    assert_eq!(v["etc"]["motd"]["text"], "hello");
    assert_eq!(v["etc"]["motd"]["mode"], "symlink");
    assert_eq!(v["etc"]["app/conf"]["source"], "/srv/app.conf");
    assert_eq!(v["etc"]["app/conf"]["mode"], "0640");
    assert_eq!(v["etc"]["app/conf"]["group"], "wheel");
    assert_eq!(v["etc"]["gone"]["enable"], false);
    let profile = v["profile"].as_str().unwrap();
    assert!(profile.contains("export EDITOR=vi\n"), "{profile}");
    assert!(
        profile.contains("export XDG_DATA_DIRS=/a:/b\n"),
        "{profile}"
    );
    // e's host name is its default: /etc/hosts is written at activation, its
    // 127.0.1.1 line from the running host name.
    assert_eq!(v["hosts"], Value::Null);
    assert_eq!(v["hostName"], "e");
    let act = v["activation"].as_str().unwrap();
    assert!(
        act.contains("printf '%s\\n' '10.0.0.1 gw gateway'\n"),
        "{act}"
    );
    assert!(act.contains("printf '%s\\n' \"127.0.1.1 $h\"''\n"), "{act}");
    assert!(act.contains("h=$(uname -n)\n"), "{act}");
    // An explicit host name is part of the system, in /etc/hostname and /etc/hosts.
    assert_eq!(v["otherHostName"], "other");
    assert_eq!(v["otherHostname"], "other\n");
    let other = v["otherHosts"].as_str().unwrap();
    assert!(other.contains("127.0.1.1 other\n"), "{other}");
    assert!(
        !v["otherActivation"].as_str().unwrap().contains("uname -n"),
        "{}",
        v["otherActivation"]
    );
    let pos = |s: &str| {
        act.find(s)
            .unwrap_or_else(|| panic!("{s} missing from {act}"))
    };
    assert!(
        pos("# early") < pos("# users")
            && pos("# users") < pos("# etc")
            && pos("# etc") < pos("# late")
    );
    assert!(act.contains("chmod 0640 /etc/app/conf"));
    assert!(
        !act.contains("/etc/gone"),
        "disabled entries are not installed"
    );
    assert!(act.contains("ln -sfn \"$systemConfig/etc/\"motd /etc/motd\n"));
    // What activation put in /etc is recorded, so that the next one can remove what a
    // configuration dropped.
    assert!(
        act.contains("etcList='F app/conf\nL motd\nL profile\n'"),
        "{act}"
    );
    assert!(act.contains("> /etc/.nest-etc.tmp && mv -f /etc/.nest-etc.tmp /etc/.nest-etc"));
}

#[test]
fn container_options_reach_the_runtime_spec() {
    let v = eval("spec-full.nix").unwrap();
    let full = &v["full"];
    assert_eq!(full["autoStart"], true);
    assert_eq!(full["restartIfChanged"], false);
    assert_eq!(full["timeoutStartSec"], "2min");
    assert_eq!(full["path"], Value::Null);
    let spec = runtime_spec(&full["spec"]);
    assert!(spec.ephemeral && spec.private_network && spec.enable_tun);
    assert_eq!(
        spec.local_address.map(String::from).as_deref(),
        Some("10.231.136.2/24")
    );
    assert_eq!(spec.forward_ports.len(), 2);
    assert_eq!(spec.forward_ports[0].target_port(), 80);
    assert_eq!(spec.forward_ports[1].target_port(), 53);
    assert_eq!(spec.bind_mounts.len(), 2);
    assert_eq!(
        spec.bind_mounts[0].source(),
        std::path::Path::new("/srv/data")
    );
    assert!(!spec.bind_mounts[0].is_read_only);
    assert_eq!(spec.bind_mounts[1].source(), std::path::Path::new("/ro"));
    assert_eq!(spec.limits.memory_max, Some(536870912));
    assert_eq!(spec.limits.pids_max, Some(512));
    assert_eq!(
        spec.additional_capabilities,
        vec!["CAP_NET_ADMIN".to_string()]
    );
    let pre = &v["prebuilt"];
    assert_eq!(pre["path"], "/nest/var/profiles/containers/prebuilt");
    assert_eq!(pre["system"], Value::Null);
}

#[test]
fn forward_ports_without_private_network_is_refused() {
    eval_err(
        "assert-forward-ports.nix",
        &[
            "Failed assertions:",
            "- containers.a: forwardPorts needs privateNetwork = true",
        ],
    );
}

#[test]
fn two_containers_with_one_address_are_refused() {
    eval_err(
        "assert-same-address.nix",
        &["- containers a, b have the same localAddress 10.0.0.2"],
    );
}

#[test]
fn a_system_assertion_names_its_container() {
    eval_err("assert-system.nix", &["- containers.s.config: systemd.services.x: give exactly one of `script` and `serviceConfig.ExecStart`"]);
}

#[test]
fn an_etc_target_with_a_newline_is_refused() {
    eval_err("assert-etc-target.nix", &["- containers.n.config: environment.etc.\"bad\": the target must be a non-empty path without a newline"]);
}

#[test]
fn unknown_service_keys_are_errors() {
    eval_err("error-unknown-service-key.nix", &["The option `containers.k.config.systemd.services.x.serviceConfig.LimitNOFILE' does not exist"]);
}

#[test]
fn a_type_error_names_the_option() {
    eval_err(
        "error-type.nix",
        &[
            "A definition for option `containers.t.config.services.openssh.ports.",
            "is not of type `16 bit unsigned integer",
        ],
    );
}

#[test]
fn special_args_reach_the_container_modules_in_both_spellings() {
    let v = eval("special-args.nix").unwrap();
    let expected = json!({ "greeting": "hello", "hosts": { "10.9.9.9": ["special"] } });
    assert_eq!(v["nixos"], expected);
    assert_eq!(v["heterogeneous"], expected);
}

#[test]
fn documented_types_of_both_spellings() {
    let v = eval("options-heterogeneous.nix").unwrap();
    assert_eq!(v["nixos"]["containers"], "attribute set of (submodule)");
    assert_eq!(v["nixos"]["config"], "system configuration");
    assert_eq!(
        v["heterogeneous"]["containers"],
        "attribute set of values of many types, including (submodule)"
    );
    assert_eq!(v["heterogeneous"]["ports"], "Ports sshd listens on.");
}

#[test]
fn common_nixos_settings_are_accepted_and_the_ineffective_ones_warn() {
    let v = eval("compat.nix").unwrap();
    assert_eq!(v["stateVersion"], "23.11");
    assert_eq!(v["ports"], json!([80, 443]));
    assert_eq!(
        v["quietWarnings"],
        json!([]),
        "allowing ports and UTC need no warning"
    );
    // time.timeZone works (system_time.rs): a zone is no longer a warning.
    let loud = v["loudWarnings"].as_array().unwrap();
    assert_eq!(loud.len(), 1, "{loud:?}");
    assert!(
        loud[0]
            .as_str()
            .unwrap()
            .contains("networking.firewall.enable"),
        "{loud:?}"
    );
    let host = v["hostWarnings"].as_array().unwrap();
    assert_eq!(
        host.len(),
        1,
        "the host shows each container's warnings: {host:?}"
    );
    assert!(
        host[0]
            .as_str()
            .unwrap()
            .starts_with("containers.c.config: networking.firewall"),
        "{host:?}"
    );
}
