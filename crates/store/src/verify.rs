//! `verify`: every registered path exists, its references are registered, and (with
//! `check_contents`) its NAR hash is the recorded one. Also `path-info`'s data.

use crate::add::hash_and_scan;
use crate::error::StoreError;
use crate::PathInfo;
use crate::Store;
use nest_nixcompat::{HashEncoding, StorePath};
use std::collections::{BTreeMap, BTreeSet};

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
        let mut present = Vec::new();
        for p in &valid {
            r.checked += 1;
            if std::fs::symlink_metadata(self.real_path(p)).is_err() {
                r.missing.push(self.print(p));
            } else if check_contents {
                present.push(
                    self.query(p)?
                        .ok_or_else(|| StoreError::NotValid(self.print(p)))?,
                );
            }
        }
        for (info, (hash, size)) in present.iter().zip(self.hash_all(&present)?) {
            r.nar_bytes += size;
            if hash != info.nar_hash || size != info.nar_size {
                r.modified.push(self.print(&info.path));
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

    /// NAR hash and size of each path, hashed on every core (largest first, so one big
    /// path does not start last), in the order given.
    fn hash_all(&self, infos: &[PathInfo]) -> Result<Vec<(nest_nixcompat::Hash, u64)>, StoreError> {
        let mut order: Vec<usize> = (0..infos.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(infos[i].nar_size));
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(infos.len())
            .max(1);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results: std::sync::Mutex<Vec<Option<HashResult>>> =
            std::sync::Mutex::new((0..infos.len()).map(|_| None).collect());
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&i) = order.get(k) else { break };
                    let r = hash_and_scan(&self.real_path(&infos[i].path), &BTreeSet::new())
                        .map(|(h, n, _)| (h, n));
                    let failed = r.is_err();
                    results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
                    if failed {
                        // Let the other workers run out of work quickly.
                        next.store(order.len(), std::sync::atomic::Ordering::Relaxed);
                        break;
                    }
                });
            }
        });
        let mut out = Vec::with_capacity(infos.len());
        let mut unhashed = None;
        for (i, r) in results
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .into_iter()
            .enumerate()
        {
            match r {
                Some(r) => out.push(r?),
                // Left over after another path's error, which the loop returns.
                None => unhashed = unhashed.or(Some(i)),
            }
        }
        match unhashed {
            Some(i) => Err(StoreError::NotValid(self.print(&infos[i].path))),
            None => Ok(out),
        }
    }

    /// `path-info` for `paths` (their closure when `recursive`), with closure sizes
    /// when `closure_size`. The closure's data comes from the database in one go;
    /// closure sizes are summed over that graph in memory.
    pub fn path_info(
        &self,
        paths: &[nest_nixcompat::StorePath],
        recursive: bool,
        closure_size: bool,
    ) -> Result<Vec<PathInfoJson>, StoreError> {
        for p in paths {
            if !self.is_valid(p)? {
                return Err(StoreError::NotValid(self.print(p)));
            }
        }
        let graph: BTreeMap<StorePath, PathInfo> = if recursive || closure_size {
            self.closure_infos(paths)?
                .into_iter()
                .map(|i| (i.path.clone(), i))
                .collect()
        } else {
            BTreeMap::new()
        };
        let list: Vec<PathInfo> = if recursive {
            graph.values().cloned().collect()
        } else {
            let mut v = Vec::with_capacity(paths.len());
            for p in paths {
                v.push(
                    self.query(p)?
                        .ok_or_else(|| StoreError::NotValid(self.print(p)))?,
                );
            }
            v
        };
        let sizes = if closure_size {
            Some(ClosureSizes::new(&graph))
        } else {
            None
        };
        let mut out = Vec::with_capacity(list.len());
        for i in list {
            let cs = sizes.as_ref().map(|c| c.of(&i.path));
            out.push(PathInfoJson {
                path: self.print(&i.path),
                nar_hash: i.nar_hash.to_string_as(HashEncoding::Nixbase32, true),
                nar_size: i.nar_size,
                closure_size: cs,
                references: i.references.iter().map(|r| self.print(r)).collect(),
                deriver: i.deriver.as_ref().map(|d| self.print(d)),
                registration_time: i.registration_time,
                ca: i.ca,
                valid: true,
            });
        }
        Ok(out)
    }
}

type HashResult = Result<(nest_nixcompat::Hash, u64), StoreError>;

/// Closure sizes over a graph held in memory: paths become indices, so each closure
/// is a walk over integers (one closure per path of a 1000-path chain is half a
/// million steps).
struct ClosureSizes<'a> {
    index: BTreeMap<&'a StorePath, usize>,
    size: Vec<u64>,
    refs: Vec<Vec<usize>>,
}

impl<'a> ClosureSizes<'a> {
    fn new(graph: &'a BTreeMap<StorePath, PathInfo>) -> ClosureSizes<'a> {
        let index: BTreeMap<&StorePath, usize> =
            graph.keys().enumerate().map(|(i, p)| (p, i)).collect();
        let size = graph.values().map(|i| i.nar_size).collect();
        let refs = graph
            .values()
            .map(|i| {
                i.references
                    .iter()
                    .filter_map(|r| index.get(r).copied())
                    .collect()
            })
            .collect();
        ClosureSizes { index, size, refs }
    }

    /// The NAR size of everything reachable from `root`.
    fn of(&self, root: &StorePath) -> u64 {
        let Some(&start) = self.index.get(root) else {
            return 0;
        };
        let mut seen = vec![false; self.size.len()];
        let mut stack = vec![start];
        let mut total = 0;
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            total += self.size[i];
            stack.extend(self.refs[i].iter().copied().filter(|&r| !seen[r]));
        }
        total
    }
}
