//! Resolving a service's `user`/`group` (names or numbers) against the container's own
//! `/etc/passwd` and `/etc/group`.

use std::path::Path;

/// Who a service runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub uid: u32,
    pub gid: u32,
    pub name: Option<String>,
    pub home: Option<String>,
    pub shell: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct PasswdEntry {
    name: String,
    uid: u32,
    gid: u32,
    home: String,
    shell: String,
}

fn passwd_entries(text: &str) -> impl Iterator<Item = PasswdEntry> + '_ {
    text.lines().filter_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() < 7 {
            return None;
        }
        Some(PasswdEntry {
            name: f[0].to_string(),
            uid: f[2].parse().ok()?,
            gid: f[3].parse().ok()?,
            home: f[5].to_string(),
            shell: f[6].to_string(),
        })
    })
}

fn group_gid(text: &str, name: &str) -> Option<u32> {
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 3 && f[0] == name)
            .then(|| f[2].parse().ok())
            .flatten()
    })
}

/// Resolves `user`/`group` using the passwd/group files in `etc`. A numeric user not
/// in passwd runs with gid = uid unless a group is given.
pub fn resolve(
    etc: &Path,
    user: Option<&str>,
    group: Option<&str>,
) -> Result<Option<Identity>, String> {
    if user.is_none() && group.is_none() {
        return Ok(None);
    }
    let passwd = std::fs::read_to_string(etc.join("passwd")).unwrap_or_default();
    let mut id = match user {
        None => {
            let uid = nix::unistd::getuid().as_raw();
            Identity {
                uid,
                gid: nix::unistd::getgid().as_raw(),
                name: None,
                home: None,
                shell: None,
            }
        }
        Some(u) => {
            let entry =
                match u.parse::<u32>() {
                    Ok(uid) => passwd_entries(&passwd).find(|e| e.uid == uid),
                    Err(_) => Some(passwd_entries(&passwd).find(|e| e.name == u).ok_or_else(
                        || format!("user `{u}` not found in {}", etc.join("passwd").display()),
                    )?),
                };
            match entry {
                Some(e) => Identity {
                    uid: e.uid,
                    gid: e.gid,
                    name: Some(e.name),
                    home: Some(e.home),
                    shell: Some(e.shell),
                },
                None => {
                    let uid = u.parse::<u32>().map_err(|_| format!("bad user `{u}`"))?;
                    Identity {
                        uid,
                        gid: uid,
                        name: None,
                        home: None,
                        shell: None,
                    }
                }
            }
        }
    };
    if let Some(g) = group {
        id.gid = match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => {
                let text = std::fs::read_to_string(etc.join("group")).unwrap_or_default();
                group_gid(&text, g).ok_or_else(|| {
                    format!("group `{g}` not found in {}", etc.join("group").display())
                })?
            }
        };
    }
    Ok(Some(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn etc() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("passwd"),
            "root:x:0:0:root:/root:/bin/sh\nbroken line\nsshd:x:74:74::/var/empty:/sbin/nologin\n",
        )
        .unwrap();
        std::fs::write(
            d.path().join("group"),
            "root:x:0:\nwheel:x:10:root\nsshd:x:74:\n",
        )
        .unwrap();
        d
    }

    #[test]
    fn names_and_numbers() {
        let d = etc();
        let id = resolve(d.path(), Some("sshd"), None).unwrap().unwrap();
        assert_eq!((id.uid, id.gid), (74, 74));
        assert_eq!(id.home.as_deref(), Some("/var/empty"));
        let id = resolve(d.path(), Some("sshd"), Some("wheel"))
            .unwrap()
            .unwrap();
        assert_eq!((id.uid, id.gid), (74, 10));
        let id = resolve(d.path(), Some("1234"), None).unwrap().unwrap();
        assert_eq!((id.uid, id.gid, id.name), (1234, 1234, None));
        let id = resolve(d.path(), Some("0"), Some("55")).unwrap().unwrap();
        assert_eq!((id.uid, id.gid, id.name.as_deref()), (0, 55, Some("root")));
        assert_eq!(resolve(d.path(), None, None).unwrap(), None);
    }

    #[test]
    fn unknown_names_are_clear_errors() {
        let d = etc();
        let e = resolve(d.path(), Some("nobody"), None).unwrap_err();
        assert!(
            e.contains("user `nobody` not found") && e.contains("passwd"),
            "{e}"
        );
        let e = resolve(d.path(), Some("root"), Some("staff")).unwrap_err();
        assert!(e.contains("group `staff` not found"), "{e}");
    }
}
