//! `verify`: every registered path exists, its references are registered, and (with
//! `check_contents`) its NAR hash is the recorded one. Also `path-info`'s data.

use crate::add::hash_and_scan;
use crate::error::StoreError;
use crate::Store;
use nest_nixcompat::HashEncoding;
use std::collections::BTreeSet;

/// What `verify` found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct VerifyReport {
    pub checked: usize,
    /// Registered paths whose contents are gone.
    pub missing: Vec<String>,
    /// Registered paths whose contents do not have the recorded NAR hash.
    pub modified: Vec<String>,
    /// Store entries that are not registered (garbage from interrupted adds).
    pub unregistered: Vec<String>,
    /// NAR bytes hashed.
    pub nar_bytes: u64,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.missing.is_empty() && self.modified.is_empty()
    }
}

/// `path-info` of one path, in the field names `nix path-info --json` uses.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PathInfoJson {
    pub path: String,
    pub nar_hash: String,
    pub nar_size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closure_size: Option<u64>,
    pub references: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deriver: Option<String>,
    pub registration_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca: Option<String>,
    pub valid: bool,
}

impl Store {
    pub fn verify(&self, check_contents: bool) -> Result<VerifyReport, StoreError> {
        let mut r = VerifyReport::default();
        let valid = self.all_valid()?;
        let names: BTreeSet<String> = valid.iter().map(|p| p.base_name().to_string()).collect();
        for p in &valid {
            r.checked += 1;
            let real = self.real_path(p);
            if std::fs::symlink_metadata(&real).is_err() {
                r.missing.push(self.print(p));
                continue;
            }
            if check_contents {
                let info = self.query(p)?.ok_or_else(|| StoreError::NotValid(self.print(p)))?;
                let (h, size, _) = hash_and_scan(&real, &BTreeSet::new())?;
                r.nar_bytes += size;
                if h != info.nar_hash || size != info.nar_size {
                    r.modified.push(self.print(p));
                }
            }
        }
        if let Ok(rd) = std::fs::read_dir(self.root()) {
            for ent in rd.flatten() {
                let n = ent.file_name().to_string_lossy().into_owned();
                if n.ends_with(".lock") {
                    continue;
                }
                if !names.contains(&n) {
                    r.unregistered.push(n);
                }
            }
        }
        r.unregistered.sort();
        Ok(r)
    }

    /// `path-info` for `paths` (their closure when `recursive`), with closure sizes
    /// when `closure_size`.
    pub fn path_info(&self, paths: &[nest_nixcompat::StorePath], recursive: bool, closure_size: bool) -> Result<Vec<PathInfoJson>, StoreError> {
        for p in paths {
            if !self.is_valid(p)? {
                return Err(StoreError::NotValid(self.print(p)));
            }
        }
        let list = if recursive { self.closure(paths)? } else { paths.to_vec() };
        let mut out = Vec::new();
        for p in &list {
            let i = self.query(p)?.ok_or_else(|| StoreError::NotValid(self.print(p)))?;
            let cs = if closure_size {
                let mut total = 0;
                for q in self.closure(std::slice::from_ref(p))? {
                    total += self.query(&q)?.map_or(0, |i| i.nar_size);
                }
                Some(total)
            } else {
                None
            };
            out.push(PathInfoJson {
                path: self.print(p),
                nar_hash: i.nar_hash.to_string_as(HashEncoding::Nixbase32, true),
                nar_size: i.nar_size,
                closure_size: cs,
                references: i.references.iter().map(|r| self.print(r)).collect(),
                deriver: i.deriver.as_ref().map(|d| self.print(d)),
                registration_time: i.registration_time,
                ca: i.ca.clone(),
                valid: true,
            });
        }
        Ok(out)
    }
}
