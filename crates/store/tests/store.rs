//! The store on a temporary directory: adds, registration, references, gc, profiles, verify.

use nest_store::add::{NewPath, References};
use nest_store::gc::GcOptions;
use nest_store::profile::Profile;
use nest_store::{Store, StoreConfig};
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;

fn store() -> (tempfile::TempDir, Store) {
    let t = tempfile::tempdir().expect("tempdir");
    let cfg = StoreConfig {
        store_dir: t.path().join("store"),
        state_dir: t.path().join("var"),
    };
    let s = Store::open(&cfg).expect("open");
    (t, s)
}

#[test]
fn add_text_registers_and_is_read_only_with_mtime_1() {
    let (_t, s) = store();
    let p = s
        .add_text("hello", b"hello", &BTreeSet::new())
        .expect("add");
    // The same path nix computes for builtins.toFile "hello" "hello" under this store dir
    // is checked in nixcompat; here: contents, registration, canonical form.
    let real = s.real_path(&p);
    assert_eq!(std::fs::read(&real).expect("read"), b"hello");
    let md = std::fs::metadata(&real).expect("md");
    assert_eq!(md.permissions().mode() & 0o777, 0o444);
    use std::os::unix::fs::MetadataExt;
    assert_eq!(md.mtime(), 1);
    let info = s.query(&p).expect("query").expect("valid");
    assert_eq!(info.nar_size, 120);
    assert!(info
        .ca
        .as_deref()
        .is_some_and(|c| c.starts_with("text:sha256:")));
    // Idempotent.
    let p2 = s
        .add_text("hello", b"hello", &BTreeSet::new())
        .expect("add again");
    assert_eq!(p, p2);
    assert_eq!(s.all_valid().expect("list").len(), 1);
}

#[test]
fn add_path_matches_nix_store_add_path_name_and_hash() {
    let (t, s) = store();
    let src = t.path().join("src");
    std::fs::create_dir_all(src.join("bin")).expect("mkdir");
    std::fs::write(src.join("bin/x"), b"#!/bin/sh\necho x\n").expect("write");
    std::fs::set_permissions(src.join("bin/x"), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    std::os::unix::fs::symlink("bin/x", src.join("y")).expect("symlink");
    let p = s.add_path(&src, "src").expect("add");
    let (h, _) = nest_nixcompat::nar::nar_hash_fs(&src, None).expect("hash");
    assert_eq!(s.query(&p).expect("q").expect("valid").nar_hash, h);
    let real = s.real_path(&p);
    assert_eq!(
        std::fs::metadata(real.join("bin/x"))
            .expect("md")
            .permissions()
            .mode()
            & 0o777,
        0o555
    );
    assert_eq!(
        std::fs::read_link(real.join("y")).expect("link").to_str(),
        Some("bin/x")
    );
    // Nothing temporary is left in the store.
    let leftovers: Vec<_> = std::fs::read_dir(s.root())
        .expect("rd")
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_failing_fill_leaves_nothing() {
    let (_t, s) = store();
    let p =
        nest_nixcompat::paths::text_path(s.store_dir(), "x", b"x", &BTreeSet::new()).expect("path");
    let r = s.add_with(&p, References::Given(BTreeSet::new()), None, None, |tmp| {
        std::fs::write(tmp, b"partial").expect("write");
        Err(nest_store::StoreError::NotValid("simulated failure".into()))
    });
    assert!(r.is_err());
    assert!(!s.is_valid(&p).expect("valid?"));
    assert!(!s.real_path(&p).exists());
    let entries: Vec<_> = std::fs::read_dir(s.root())
        .expect("rd")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".lock"))
        .collect();
    assert!(entries.is_empty(), "{entries:?}");
}

#[test]
fn an_unregistered_leftover_is_replaced_by_the_next_add() {
    let (_t, s) = store();
    let p = nest_nixcompat::paths::text_path(s.store_dir(), "x", b"good", &BTreeSet::new())
        .expect("path");
    std::fs::write(s.real_path(&p), b"garbage from a crash").expect("write");
    assert_eq!(
        s.verify(false).expect("verify").unregistered,
        vec![p.base_name().to_string()]
    );
    s.add_text("x", b"good", &BTreeSet::new()).expect("add");
    assert_eq!(std::fs::read(s.real_path(&p)).expect("read"), b"good");
}

#[test]
fn references_are_scanned_and_closures_follow_them() {
    let (_t, s) = store();
    let a = s.add_text("a", b"aaa", &BTreeSet::new()).expect("a");
    let b = s
        .add_text("b", s.print(&a).as_bytes(), &[a.clone()].into())
        .expect("b");
    // A built output that mentions b (and itself), scanned among candidates a, b, self.
    let out = nest_nixcompat::StorePath::from_base_name("0c5bh0sqfy4h3a1xzp0mb0yi0bp4cmy6-out")
        .expect("sp");
    let tmp = s.temp_location("out");
    std::fs::create_dir(&tmp).expect("mkdir");
    std::fs::write(
        tmp.join("f"),
        format!("{} and {}", s.print(&b), s.print(&out)),
    )
    .expect("write");
    let _l = s.lock_path(&out).expect("lock");
    let cands: BTreeSet<_> = [a.clone(), b.clone(), out.clone()].into();
    s.finish_locked(vec![NewPath {
        temp: tmp,
        path: out.clone(),
        references: References::Scan(cands),
        deriver: None,
        ca: None,
        expected_nar_hash: None,
    }])
    .expect("finish");
    let info = s.query(&out).expect("q").expect("valid");
    assert_eq!(info.references, [b.clone(), out.clone()].into());
    assert_eq!(s.closure(std::slice::from_ref(&out)).expect("closure"), {
        let mut v = vec![a, b, out];
        v.sort();
        v
    });
}

#[test]
fn registering_a_dangling_reference_fails_and_registers_nothing() {
    let (_t, s) = store();
    let ghost = nest_nixcompat::StorePath::from_base_name("0c5bh0sqfy4h3a1xzp0mb0yi0bp4cmy6-ghost")
        .expect("sp");
    let r = s.add_text("x", b"y", &[ghost].into());
    assert!(
        matches!(r, Err(nest_store::StoreError::InvalidReference { .. })),
        "{r:?}"
    );
    assert!(s.all_valid().expect("list").is_empty());
}

#[test]
fn gc_keeps_the_closure_of_roots_and_deletes_the_rest() {
    let (_t, s) = store();
    let a = s.add_text("a", b"a", &BTreeSet::new()).expect("a");
    let b = s.add_text("b", b"b", &[a.clone()].into()).expect("b");
    let c = s.add_text("c", b"c", &BTreeSet::new()).expect("c");
    let d = s.add_text("d", b"d", &BTreeSet::new()).expect("d");
    s.add_root("keep-b", &b).expect("root");
    let p = Profile::in_store(&s, "containers/x");
    p.switch(&s, &d).expect("switch");
    // Temp roots of this process would keep everything it added: drop them by
    // using a second handle for the collection.
    let cfg = StoreConfig {
        store_dir: s.root().to_path_buf(),
        state_dir: s.state_dir().to_path_buf(),
    };
    let own = s
        .state_dir()
        .join("temproots")
        .join(std::process::id().to_string());
    std::fs::remove_file(&own).expect("rm temp roots");
    let s2 = Store::open(&cfg).expect("open");
    let dry = s2
        .gc(&GcOptions {
            dry_run: true,
            ..Default::default()
        })
        .expect("gc dry");
    assert_eq!(dry.deleted, vec![s.print(&c)]);
    assert!(s.real_path(&c).exists());
    let r = s2.gc(&GcOptions::default()).expect("gc");
    assert_eq!(r.deleted, vec![s.print(&c)]);
    assert!(!s.real_path(&c).exists());
    assert!(!s.is_valid(&c).expect("valid?"));
    for k in [&a, &b, &d] {
        assert!(s.is_valid(k).expect("valid?") && s.real_path(k).exists());
    }
    let v = s.verify(true).expect("verify");
    assert!(v.ok(), "{v:?}");
}

#[test]
fn gc_honours_extra_roots_and_temp_roots_of_live_processes() {
    let (_t, s) = store();
    let a = s.add_text("a", b"a", &BTreeSet::new()).expect("a");
    // This process' temp root keeps `a`.
    assert!(s.gc(&GcOptions::default()).expect("gc").deleted.is_empty());
    std::fs::remove_file(
        s.state_dir()
            .join("temproots")
            .join(std::process::id().to_string()),
    )
    .expect("rm");
    let r = s
        .gc(&GcOptions {
            dry_run: true,
            extra_roots: vec![a.clone()],
        })
        .expect("gc");
    assert!(r.deleted.is_empty());
    let r = s
        .gc(&GcOptions {
            dry_run: true,
            extra_roots: vec![],
        })
        .expect("gc");
    assert_eq!(r.deleted, vec![s.print(&a)]);
}

#[test]
fn profiles_switch_roll_back_and_delete_generations() {
    let (_t, s) = store();
    let a = s.add_text("a", b"a", &BTreeSet::new()).expect("a");
    let b = s.add_text("b", b"b", &BTreeSet::new()).expect("b");
    let p = Profile::in_store(&s, "containers/foo");
    assert_eq!(p.switch(&s, &a).expect("1"), 1);
    assert_eq!(
        p.switch(&s, &a).expect("same"),
        1,
        "switching to the current path is a no-op"
    );
    assert_eq!(p.switch(&s, &b).expect("2"), 2);
    assert_eq!(
        std::fs::canonicalize(p.path()).expect("canon"),
        s.real_path(&b)
    );
    assert_eq!(
        std::fs::read_link(p.path()).expect("link").to_str(),
        Some("foo-2-link")
    );
    assert_eq!(p.rollback().expect("rollback"), 1);
    assert_eq!(
        std::fs::canonicalize(p.path()).expect("canon"),
        s.real_path(&a)
    );
    assert!(p.rollback().is_err(), "no generation before 1");
    assert!(p.delete_generations(&[1]).is_err(), "current");
    p.switch_generation(2).expect("sg");
    p.delete_generations(&[1]).expect("delete");
    let gens = p.generations().expect("gens");
    assert_eq!(gens.len(), 1);
    assert!(gens[0].current && gens[0].number == 2);
    assert!(p
        .switch(
            &s,
            &nest_nixcompat::StorePath::from_base_name("0c5bh0sqfy4h3a1xzp0mb0yi0bp4cmy6-ghost")
                .expect("sp")
        )
        .is_err());
}

#[test]
fn verify_finds_missing_and_modified_paths() {
    let (_t, s) = store();
    let a = s.add_text("a", b"a", &BTreeSet::new()).expect("a");
    let b = s.add_text("b", b"b", &BTreeSet::new()).expect("b");
    assert!(s.verify(true).expect("v").ok());
    let ra = s.real_path(&a);
    std::fs::set_permissions(&ra, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::fs::write(&ra, b"tampered").expect("write");
    std::fs::remove_file(s.real_path(&b)).expect("rm");
    let v = s.verify(true).expect("v");
    assert_eq!(v.modified, vec![s.print(&a)]);
    assert_eq!(v.missing, vec![s.print(&b)]);
    assert!(!v.ok());
    // Without content checks, only the missing one is seen.
    assert!(s.verify(false).expect("v").modified.is_empty());
}

#[test]
fn concurrent_adds_of_the_same_path_run_the_fill_once() {
    let (_t, s) = store();
    let s = std::sync::Arc::new(s);
    let p =
        nest_nixcompat::paths::text_path(s.store_dir(), "c", b"c", &BTreeSet::new()).expect("p");
    let fills = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut hs = Vec::new();
    for _ in 0..4 {
        let (s, p, fills) = (s.clone(), p.clone(), fills.clone());
        hs.push(std::thread::spawn(move || {
            s.add_with(&p, References::Given(BTreeSet::new()), None, None, |tmp| {
                fills.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(50));
                std::fs::write(tmp, b"c").map_err(|e| nest_store::StoreError::Io {
                    op: "w",
                    path: tmp.into(),
                    source: e,
                })
            })
        }));
    }
    for h in hs {
        h.join().expect("join").expect("add");
    }
    assert_eq!(fills.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn path_info_reports_closure_and_sizes() {
    let (_t, s) = store();
    let a = s.add_text("a", b"a", &BTreeSet::new()).expect("a");
    let b = s.add_text("b", b"b", &[a.clone()].into()).expect("b");
    let infos = s
        .path_info(std::slice::from_ref(&b), true, true)
        .expect("info");
    assert_eq!(infos.len(), 2);
    let ib = infos.iter().find(|i| i.path == s.print(&b)).expect("b");
    assert_eq!(ib.references, vec![s.print(&a)]);
    let ia = infos.iter().find(|i| i.path == s.print(&a)).expect("a");
    assert_eq!(ib.closure_size, Some(ib.nar_size + ia.nar_size));
    assert!(ib.nar_hash.starts_with("sha256:"));
}

#[test]
fn closures_of_a_diamond_count_shared_paths_once() {
    let (_t, s) = store();
    // top -> l, r; l -> base; r -> base; plus an unrelated path.
    let base = s.add_text("base", b"base", &BTreeSet::new()).expect("base");
    let l = s.add_text("l", b"l", &[base.clone()].into()).expect("l");
    let r = s.add_text("r", b"r", &[base.clone()].into()).expect("r");
    let top = s
        .add_text("top", b"top", &[l.clone(), r.clone()].into())
        .expect("top");
    let other = s
        .add_text("other", b"other", &BTreeSet::new())
        .expect("other");
    let mut want = vec![base.clone(), l.clone(), r.clone(), top.clone()];
    want.sort();
    assert_eq!(
        s.closure(std::slice::from_ref(&top)).expect("closure"),
        want
    );
    assert_eq!(
        s.closure(&[l.clone(), other.clone()])
            .expect("closure")
            .len(),
        3
    );
    let infos = s.closure_infos(std::slice::from_ref(&top)).expect("infos");
    assert_eq!(
        infos.iter().map(|i| i.path.clone()).collect::<Vec<_>>(),
        want
    );
    assert_eq!(
        infos
            .iter()
            .find(|i| i.path == top)
            .expect("top")
            .references,
        [l.clone(), r.clone()].into()
    );
    let size = |p: &nest_nixcompat::StorePath| s.query(p).expect("q").expect("valid").nar_size;
    // Non-recursive with closure sizes: one entry, base counted once.
    let info = s
        .path_info(std::slice::from_ref(&top), false, true)
        .expect("info");
    assert_eq!(info.len(), 1);
    assert_eq!(
        info[0].closure_size,
        Some(size(&top) + size(&l) + size(&r) + size(&base))
    );
    assert!(matches!(
        s.closure(&[nest_nixcompat::StorePath::from_base_name(
            "0c5bh0sqfy4h3a1xzp0mb0yi0bp4cmy6-ghost"
        )
        .expect("sp")]),
        Err(nest_store::StoreError::NotValid(_))
    ));
}

#[test]
fn verify_hashes_every_path_on_all_cores_and_names_exactly_the_modified_ones() {
    let (_t, s) = store();
    let mut paths = Vec::new();
    for i in 0..24 {
        // Sizes from tiny to a few MiB, so blocks grow and workers get uneven work.
        let text = vec![b'a' + (i % 26) as u8; 1 + i * i * 9000];
        paths.push(
            s.add_text(&format!("p{i}"), &text, &BTreeSet::new())
                .expect("add"),
        );
    }
    let total: u64 = paths
        .iter()
        .map(|p| s.query(p).expect("q").expect("valid").nar_size)
        .sum();
    let r = s.verify(true).expect("verify");
    assert!(r.ok() && r.checked == 24 && r.nar_bytes == total, "{r:?}");
    for i in [3usize, 17] {
        let f = s.real_path(&paths[i]);
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let mut text = std::fs::read(&f).expect("read");
        let last = text.len() - 1;
        text[last] ^= 1;
        std::fs::write(&f, text).expect("write");
    }
    let r = s.verify(true).expect("verify");
    let mut want = vec![s.print(&paths[3]), s.print(&paths[17])];
    want.sort();
    let mut got = r.modified.clone();
    got.sort();
    assert_eq!(got, want);
}

#[test]
fn gc_keeps_temporary_directories_of_live_processes_only() {
    let (_t, s) = store();
    // Ours (a build in progress) and one of a process that has exited.
    let live = s.temp_location("building");
    std::fs::create_dir(&live).expect("mkdir");
    let mut c = std::process::Command::new("true")
        .spawn()
        .expect("spawn true");
    let dead_pid = c.id();
    c.wait().expect("wait");
    let dead = s.root().join(format!(".tmp-{dead_pid}-0-crashed"));
    std::fs::create_dir(&dead).expect("mkdir");
    s.gc(&GcOptions::default()).expect("gc");
    assert!(
        live.exists(),
        "gc deleted a live process' temporary directory"
    );
    assert!(
        !dead.exists() || std::path::Path::new(&format!("/proc/{dead_pid}")).exists(),
        "a crashed process' leftover stays"
    );
}
