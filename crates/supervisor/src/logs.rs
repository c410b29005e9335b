//! Reading the logs kept on the host: the console log the monitor writes
//! (`console.log`, rotated) and init's per-service logs (`logs/<service>.log`): the last
//! N lines across rotated files, and following a file through rotation.

use crate::error::{Error, Result};
use crate::monitor::console_log;
use crate::paths::Paths;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The console log, or a service's log.
pub fn log_file(paths: &Paths, name: &str, service: Option<&str>) -> Result<PathBuf> {
    let dir = paths.state_dir(name);
    match service {
        None => Ok(console_log(&dir)),
        Some(s) if s.is_empty() || s.contains('/') || s.starts_with('.') => {
            Err(Error::Invalid(format!("invalid service name {s:?}")))
        }
        Some(s) => Ok(dir.join("logs").join(format!("{s}.log"))),
    }
}

fn rotated(path: &Path, n: u32) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{n}"));
    PathBuf::from(s)
}

/// The last `n` lines of a log and its rotated predecessors (`.1` is the newest of
/// those), oldest first.
pub fn tail(path: &Path, n: usize) -> Result<Vec<u8>> {
    tail_capped(path, n, None)
}

/// The last `n` lines and a [`Follower`] that continues exactly where they end, so
/// nothing appended in between is lost or printed twice (`logs -f`).
pub fn tail_and_follow(path: &Path, n: usize) -> Result<(Vec<u8>, Follower)> {
    let follower = Follower::at_end(path);
    let history = tail_capped(path, n, Some(follower.pos))?;
    Ok((history, follower))
}

/// [`tail`], reading at most `cap` bytes of the current file.
fn tail_capped(path: &Path, n: usize, cap: Option<u64>) -> Result<Vec<u8>> {
    let mut files: Vec<PathBuf> = (1..=16)
        .map(|i| rotated(path, i))
        .filter(|p| p.exists())
        .collect();
    files.reverse();
    files.push(path.to_path_buf());
    let mut all = Vec::new();
    for f in &files {
        match std::fs::read(f) {
            Ok(mut b) => {
                if let Some(cap) = cap.filter(|_| f == path) {
                    b.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
                }
                all.extend_from_slice(&b)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(Error::Io {
                    op: "reading",
                    path: f.clone(),
                    source,
                })
            }
        }
    }
    Ok(last_lines(&all, n).to_vec())
}

/// The suffix of `data` holding its last `n` lines (a final line without a newline
/// counts as a line).
pub fn last_lines(data: &[u8], n: usize) -> &[u8] {
    if n == 0 {
        return &data[data.len()..];
    }
    let body = data.strip_suffix(b"\n").unwrap_or(data);
    let mut seen = 0;
    for (i, b) in body.iter().enumerate().rev() {
        if *b == b'\n' {
            seen += 1;
            if seen == n {
                return &data[i + 1..];
            }
        }
    }
    data
}

/// Follows a log file: each [`Follower::read_new`] returns what was appended since the
/// last call, starting over when the file was rotated (new inode) or truncated.
pub struct Follower {
    path: PathBuf,
    file: Option<File>,
    ino: u64,
    pos: u64,
}

impl Follower {
    /// Starts at the current end of the file.
    pub fn at_end(path: &Path) -> Follower {
        let mut f = Follower {
            path: path.to_path_buf(),
            file: None,
            ino: 0,
            pos: 0,
        };
        if let Ok(file) = File::open(path) {
            let md = file.metadata().ok();
            f.ino = md.as_ref().map(|m| m.ino()).unwrap_or(0);
            f.pos = md.map(|m| m.len()).unwrap_or(0);
            f.file = Some(file);
        }
        f
    }

    pub fn read_new(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let now_ino = std::fs::metadata(&self.path).map(|m| m.ino()).ok();
        if now_ino.is_some() && now_ino != Some(self.ino) {
            // Rotated: finish the old file, then read the new one from its start.
            self.drain(&mut out);
            self.file = File::open(&self.path).ok();
            self.ino = now_ino.unwrap_or(0);
            self.pos = 0;
        }
        self.drain(&mut out);
        out
    }

    fn drain(&mut self, out: &mut Vec<u8>) {
        let Some(f) = self.file.as_mut() else { return };
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        if len < self.pos {
            self.pos = 0;
        }
        if f.seek(SeekFrom::Start(self.pos)).is_ok() {
            let mut buf = Vec::new();
            if let Ok(n) = f.read_to_end(&mut buf) {
                self.pos += n as u64;
                out.extend_from_slice(&buf);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nest_init::logs::{LogLimits, RotatingLog};

    #[test]
    fn last_lines_cases() {
        assert_eq!(last_lines(b"a\nb\nc\n", 2), b"b\nc\n");
        assert_eq!(last_lines(b"a\nb\nc", 2), b"b\nc");
        assert_eq!(last_lines(b"a\nb\n", 5), b"a\nb\n");
        assert_eq!(last_lines(b"a\nb\n", 0), b"");
        assert_eq!(last_lines(b"", 3), b"");
    }

    #[test]
    fn tail_spans_rotated_files() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("console.log");
        let mut log = RotatingLog::new(
            p.clone(),
            LogLimits {
                max_bytes: 40,
                keep: 3,
            },
        );
        for i in 0..20 {
            log.write(format!("line {i:02}\n").as_bytes());
        }
        assert!(rotated(&p, 1).exists());
        let t = String::from_utf8(tail(&p, 6).unwrap()).unwrap();
        assert_eq!(t, "line 14\nline 15\nline 16\nline 17\nline 18\nline 19\n");
    }

    #[test]
    fn follower_sees_appends_and_rotation() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.log");
        std::fs::write(&p, "old\n").unwrap();
        let mut f = Follower::at_end(&p);
        assert!(f.read_new().is_empty());
        std::fs::write(&p, "old\nnew\n").unwrap();
        assert_eq!(f.read_new(), b"new\n");
        // History and following meet exactly: what is appended after is followed once.
        let (history, mut g) = tail_and_follow(&p, 1).unwrap();
        assert_eq!(history, b"new\n");
        std::fs::write(&p, "old\nnew\nnewer\n").unwrap();
        assert_eq!(g.read_new(), b"newer\n");
        assert_eq!(f.read_new(), b"newer\n");
        std::fs::rename(&p, rotated(&p, 1)).unwrap();
        std::fs::write(&p, "fresh\n").unwrap();
        assert_eq!(f.read_new(), b"fresh\n");
    }

    #[test]
    fn service_names_cannot_escape() {
        let paths = Paths::under(Path::new("/t"), Path::new("/n"));
        assert!(log_file(&paths, "a", Some("../x")).is_err());
        assert_eq!(
            log_file(&paths, "a", Some("web")).unwrap(),
            PathBuf::from("/t/run/containers/a/logs/web.log")
        );
        assert_eq!(
            log_file(&paths, "a", None).unwrap(),
            PathBuf::from("/t/run/containers/a/console.log")
        );
    }
}
