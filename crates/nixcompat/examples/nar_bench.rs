//! Throughput of NAR dumping + SHA-256 (what `store verify --check-contents`
//! and `builtins.path` cost) and of NAR parsing, on a generated tree.
//! Run through `bench/nixcompat/run.sh`; prints one line per measurement.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use nest_nixcompat::nar::{self, FsSource};
use nest_nixcompat::HashAlgo;

fn make_tree(root: &Path, total_mb: usize) -> std::io::Result<()> {
    // A mix like a package closure: a few big files and many small ones.
    std::fs::create_dir_all(root.join("lib"))?;
    std::fs::create_dir_all(root.join("share/doc"))?;
    let block: Vec<u8> = (0..1024 * 1024).map(|i| (i * 31 % 251) as u8).collect();
    let big = total_mb * 3 / 4;
    for i in 0..big.div_ceil(16) {
        let mut f = std::fs::File::create(root.join(format!("lib/big{i}.so")))?;
        for _ in 0..16.min(big - i * 16) {
            f.write_all(&block)?;
        }
    }
    let small_count = (total_mb - big) * 1024 / 4;
    for i in 0..small_count {
        std::fs::write(root.join(format!("share/doc/f{i:06}.txt")), &block[..4096])?;
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(256);
    let runs: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let tmp = tempfile::tempdir()?;
    let root = tmp.path().join("tree");
    make_tree(&root, mb)?;
    let mut best_hash = f64::MAX;
    let mut nar_size = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let (_, size) = nar::nar_hash(&mut FsSource::new(), &root, HashAlgo::Sha256)?;
        best_hash = best_hash.min(t.elapsed().as_secs_f64());
        nar_size = size;
    }
    let bytes = nar::dump_to_vec(&mut FsSource::new(), &root)?;
    let mut best_parse = f64::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let tree = nar::parse_bytes(&bytes).map_err(std::io::Error::other)?;
        best_parse = best_parse.min(t.elapsed().as_secs_f64());
        drop(tree);
    }
    let mut best_sha = f64::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let _ = nest_nixcompat::hash::sha256(&bytes);
        best_sha = best_sha.min(t.elapsed().as_secs_f64());
    }
    let mbs = nar_size as f64 / 1e6;
    println!("sha256 of the NAR in memory: {:.0} MB/s", mbs / best_sha);
    println!("nar size: {mbs:.1} MB (best of {runs})");
    println!("dump+sha256 from fs: {:.0} MB/s", mbs / best_hash);
    println!("parse from memory:   {:.0} MB/s", mbs / best_parse);
    Ok(())
}
