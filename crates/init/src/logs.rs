//! Size-bounded log files with rotation (`x.log`, `x.log.1` … `x.log.N`), and the
//! timestamp format of init's own log lines.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Rotation limits: a file is rotated before it would grow past `max_bytes`; `keep`
/// rotated files are kept beside the current one.
#[derive(Debug, Clone, Copy)]
pub struct LogLimits {
    pub max_bytes: u64,
    pub keep: u32,
}

impl Default for LogLimits {
    fn default() -> Self {
        LogLimits {
            max_bytes: 1 << 20,
            keep: 3,
        }
    }
}

/// An append-only log file that rotates itself. Write errors are counted, not returned:
/// a full disk must never stop a service or init.
#[derive(Debug)]
pub struct RotatingLog {
    path: PathBuf,
    file: Option<File>,
    size: u64,
    limits: LogLimits,
    pub write_errors: u64,
}

impl RotatingLog {
    pub fn new(path: PathBuf, limits: LogLimits) -> RotatingLog {
        RotatingLog {
            path,
            file: None,
            size: 0,
            limits,
            write_errors: 0,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open(&mut self) -> Option<&mut File> {
        if self.file.is_none() {
            match OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
            {
                Ok(f) => {
                    self.size = f.metadata().map(|m| m.len()).unwrap_or(0);
                    self.file = Some(f);
                }
                Err(_) => {
                    self.write_errors += 1;
                    return None;
                }
            }
        }
        self.file.as_mut()
    }

    fn rotated(&self, n: u32) -> PathBuf {
        let mut s = self.path.clone().into_os_string();
        s.push(format!(".{n}"));
        PathBuf::from(s)
    }

    fn rotate(&mut self) {
        self.file = None;
        if self.limits.keep == 0 {
            let _ = std::fs::remove_file(&self.path);
        } else {
            let _ = std::fs::remove_file(self.rotated(self.limits.keep));
            for n in (1..self.limits.keep).rev() {
                let _ = std::fs::rename(self.rotated(n), self.rotated(n + 1));
            }
            let _ = std::fs::rename(&self.path, self.rotated(1));
        }
        self.size = 0;
    }

    pub fn write(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if self.open().is_none() {
                return;
            }
            let room = self.limits.max_bytes.saturating_sub(self.size);
            if room == 0 {
                self.rotate();
                continue;
            }
            // Cut at the last newline that fits so lines stay whole when possible.
            let fit = usize::try_from(room).unwrap_or(usize::MAX).min(data.len());
            let cut = if fit < data.len() {
                match data[..fit].iter().rposition(|b| *b == b'\n') {
                    Some(p) => p + 1,
                    // Nothing whole fits: rotate first, unless the file is already empty.
                    None if self.size > 0 => 0,
                    None => fit,
                }
            } else {
                fit
            };
            if cut == 0 {
                self.rotate();
                continue;
            }
            let (now, rest) = data.split_at(cut);
            let Some(f) = self.file.as_mut() else { return };
            if f.write_all(now).is_err() {
                self.write_errors += 1;
                self.file = None;
                return;
            }
            self.size += now.len() as u64;
            data = rest;
            if !data.is_empty() {
                self.rotate();
            }
        }
    }
}

/// `2026-11-25T19:20:01.123Z`, without a date library.
pub fn timestamp(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, day) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_709_251_199_250);
        assert_eq!(timestamp(t), "2024-02-29T23:59:59.250Z");
    }

    #[test]
    fn rotates_and_bounds_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("svc.log");
        let mut log = RotatingLog::new(
            path.clone(),
            LogLimits {
                max_bytes: 100,
                keep: 2,
            },
        );
        for i in 0..100 {
            log.write(format!("line {i:04}\n").as_bytes());
        }
        let cur = std::fs::read_to_string(&path).unwrap();
        assert!(cur.len() <= 100, "{}", cur.len());
        assert!(cur.ends_with("line 0099\n"), "{cur}");
        assert!(path.with_file_name("svc.log.1").exists());
        assert!(path.with_file_name("svc.log.2").exists());
        assert!(!path.with_file_name("svc.log.3").exists());
        let one = std::fs::read_to_string(path.with_file_name("svc.log.1")).unwrap();
        assert!(one.len() <= 100 && one.starts_with("line "), "{one}");
        assert_eq!(log.write_errors, 0);
    }

    #[test]
    fn a_write_bigger_than_the_limit_is_split() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.log");
        let mut log = RotatingLog::new(
            path.clone(),
            LogLimits {
                max_bytes: 10,
                keep: 5,
            },
        );
        log.write(&[b'x'; 35]);
        for p in [
            path.clone(),
            path.with_file_name("big.log.1"),
            path.with_file_name("big.log.2"),
        ] {
            assert!(std::fs::metadata(&p).unwrap().len() <= 10);
        }
        let total: u64 = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        assert_eq!(total, 35);
    }

    #[test]
    fn reopening_appends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        RotatingLog::new(path.clone(), LogLimits::default()).write(b"one\n");
        RotatingLog::new(path.clone(), LogLimits::default()).write(b"two\n");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\ntwo\n");
    }
}
