//! The CLI's own surface: shell completions and the man page generated from the clap
//! definitions, the exit codes documented in `--help`, usage errors.

use std::process::{Command, Output};

fn nest(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nest"))
        .args(args)
        .output()
        .expect("run nest")
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn completions_cover_the_subcommands() {
    for shell in ["bash", "zsh", "fish"] {
        let text = stdout(&nest(&["completions", shell]));
        for word in [
            "switch",
            "container",
            "root-login",
            "show-ip",
            "generations",
        ] {
            assert!(text.contains(word), "{shell} completions lack {word}");
        }
    }
    assert_eq!(
        nest(&["completions", "tcsh"]).status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn man_page_is_roff_with_the_commands() {
    let page = stdout(&nest(&["manpage"]));
    assert!(
        page.contains(".TH nest 1"),
        "{}",
        &page[..page.len().min(300)]
    );
    for word in ["switch", "container", "daemon", "Exit codes"] {
        assert!(page.contains(word), "the man page lacks {word}");
    }
}

#[test]
fn help_documents_exit_codes_and_usage_errors_exit_2() {
    let help = stdout(&nest(&["--help"]));
    assert!(
        help.contains("Exit codes:") && help.contains("2    usage error"),
        "{help}"
    );
    let o = nest(&["container", "list", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--no-such-flag"));
    assert_eq!(
        nest(&["switch"]).status.code(),
        Some(2),
        "switch without -f or --rollback"
    );
}

/// `-E` may be repeated, as nix-instantiate's: each expression's value is printed in
/// turn (JSON values with nothing between them, as Nix 2.8 prints them).
#[test]
fn eval_takes_several_expressions() {
    assert_eq!(
        stdout(&nest(&["eval", "-E", "1", "-E", "\"a\" + \"b\""])),
        "1\n\"ab\"\n"
    );
    assert_eq!(
        stdout(&nest(&[
            "eval", "--json", "--expr", "[ 1 ]", "--expr", "{ }"
        ])),
        "[1]{}"
    );
}
