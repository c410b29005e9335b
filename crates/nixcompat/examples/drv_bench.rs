//! Cost of `derivation::instantiate` (what `derivationStrict` spends in this
//! crate): N derivations, each with ten attributes and up to three inputs.
//! Run through `bench/nixcompat/run.sh`; prints one line.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use nest_nixcompat::derivation::{self, DerivationRequest, DrvHashCache};
use nest_nixcompat::{StoreDir, StorePath};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let dir = StoreDir::new("/nix/store")?;
    let mut cache = DrvHashCache::new();
    let mut made: Vec<(StorePath, String)> = Vec::with_capacity(n);
    let t = Instant::now();
    for i in 0..n {
        let name = format!("pkg-{i}");
        let mut env = BTreeMap::new();
        env.insert("name".to_owned(), name.clone());
        env.insert("builder".to_owned(), "/bin/sh".to_owned());
        env.insert("system".to_owned(), "x86_64-linux".to_owned());
        for k in 0..7 {
            env.insert(format!("attr{k}"), format!("some value {k} for {i}"));
        }
        let mut input_drvs = BTreeMap::new();
        let mut deps = Vec::new();
        for back in [1, 7, 100] {
            if let Some((drv, out)) = i.checked_sub(back).and_then(|j| made.get(j)) {
                input_drvs.insert(drv.clone(), BTreeSet::from(["out".to_owned()]));
                deps.push(out.clone());
            }
        }
        env.insert("buildInputs".to_owned(), deps.join(" "));
        let req = DerivationRequest {
            name,
            outputs: vec!["out".to_owned()],
            env,
            builder: "/bin/sh".to_owned(),
            args: vec!["-c".to_owned(), "true".to_owned()],
            system: "x86_64-linux".to_owned(),
            input_drvs,
            input_srcs: BTreeSet::new(),
            fixed_output: None,
        };
        let d = derivation::instantiate(&dir, req, |p| cache.lookup(&dir, p))?;
        cache.insert(d.drv_path.clone(), d.drv_hash.clone());
        made.push((d.drv_path.clone(), dir.print(&d.output_paths["out"])));
    }
    let per = t.elapsed().as_secs_f64() / n as f64;
    println!(
        "instantiate: {:.1} µs per derivation ({n} derivations)",
        per * 1e6
    );
    Ok(())
}
