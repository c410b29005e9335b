//! Pure graph logic over a [`Spec`]: start order (topological, cycles named), which
//! services boot pulls in, and the diff between two systems used by re-activation.

use crate::spec::{unit_name, Spec};
use std::collections::{BTreeMap, BTreeSet};

/// A topological order of all services by `after` (with `before` folded in): every
/// service comes after the services it is ordered after. Ties are broken by name so
/// the order is deterministic. On a cycle, returns the cycle (first name repeated last).
pub fn start_order(spec: &Spec) -> Result<Vec<String>, Vec<String>> {
    let edges: BTreeMap<&str, Vec<&str>> = spec
        .services
        .iter()
        .map(|(n, s)| (n.as_str(), s.after.iter().map(String::as_str).collect()))
        .collect();
    order(&edges)
}

/// Kahn's algorithm over `node -> nodes it comes after`.
pub fn order(after: &BTreeMap<&str, Vec<&str>>) -> Result<Vec<String>, Vec<String>> {
    let mut remaining: BTreeMap<&str, BTreeSet<&str>> = after
        .iter()
        .map(|(n, deps)| {
            (
                *n,
                deps.iter()
                    .copied()
                    .filter(|d| after.contains_key(d))
                    .collect(),
            )
        })
        .collect();
    let mut out = Vec::with_capacity(remaining.len());
    loop {
        let ready: Vec<&str> = remaining
            .iter()
            .filter(|(_, deps)| deps.is_empty())
            .map(|(n, _)| *n)
            .collect();
        if ready.is_empty() {
            break;
        }
        for n in &ready {
            remaining.remove(n);
            out.push(n.to_string());
        }
        for deps in remaining.values_mut() {
            for n in &ready {
                deps.remove(n);
            }
        }
    }
    if remaining.is_empty() {
        return Ok(out);
    }
    Err(find_cycle(&remaining))
}

fn find_cycle(remaining: &BTreeMap<&str, BTreeSet<&str>>) -> Vec<String> {
    // Every remaining node has a remaining dependency, so walking dependencies from
    // any node must revisit one; the part of the path from that node is the cycle.
    let Some(start) = remaining.keys().next() else {
        return Vec::new();
    };
    let mut path: Vec<&str> = vec![start];
    let mut cur = *start;
    loop {
        let Some(next) = remaining.get(cur).and_then(|d| d.iter().next()) else {
            return path.iter().map(|s| s.to_string()).collect();
        };
        if let Some(pos) = path.iter().position(|p| p == next) {
            let mut cycle: Vec<String> = path[pos..].iter().map(|s| s.to_string()).collect();
            // Reverse so it reads in start order: "a -> b" means a starts before b.
            cycle.reverse();
            // Start at the smallest name so the message is stable.
            if let Some(min) = cycle
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.cmp(b.1))
                .map(|(i, _)| i)
            {
                cycle.rotate_left(min);
            }
            cycle.push(cycle[0].clone());
            return cycle;
        }
        path.push(next);
        cur = next;
    }
}

/// The services a start of `roots` pulls in: the roots, what they `requires`/`wants`,
/// and services `wantedBy` one of them, transitively.
pub fn closure(spec: &Spec, roots: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = roots.into_iter().collect();
    while let Some(n) = stack.pop() {
        let Some(svc) = spec.services.get(&n) else {
            continue;
        };
        if !seen.insert(n.clone()) {
            continue;
        }
        stack.extend(svc.requires.iter().cloned());
        stack.extend(svc.wants.iter().cloned());
        for other in spec.services.values() {
            if other
                .def
                .wanted_by
                .iter()
                .filter_map(|w| unit_name(w))
                .any(|w| w == n)
            {
                stack.push(other.name.clone());
            }
        }
    }
    seen
}

/// True when `wantedBy` names the boot target (`defaultTarget` or `default.target`).
fn wanted_at_boot(spec: &Spec, wanted_by: &[String]) -> bool {
    wanted_by
        .iter()
        .any(|w| *w == spec.default_target || w == "default.target")
}

/// The services started at boot.
pub fn boot_set(spec: &Spec) -> BTreeSet<String> {
    let roots = spec
        .services
        .values()
        .filter(|s| wanted_at_boot(spec, &s.def.wanted_by))
        .map(|s| s.name.clone());
    closure(spec, roots)
}

/// Services `name` depends on with `requires`, and the ones requiring it, transitively
/// (who must stop when `name` stops).
pub fn required_by(spec_services: &BTreeMap<String, Vec<String>>, name: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![name.to_string()];
    while let Some(n) = stack.pop() {
        for (other, reqs) in spec_services {
            if reqs.contains(&n) && out.insert(other.clone()) {
                stack.push(other.clone());
            }
        }
    }
    out.remove(name);
    out
}

/// What re-activation must do to go from `old` to `new`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Diff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    pub unchanged: Vec<String>,
}

pub fn diff(old: &Spec, new: &Spec) -> Diff {
    let mut d = Diff::default();
    for (name, svc) in &new.services {
        match old.services.get(name) {
            None => d.added.push(name.clone()),
            Some(o) if o.fingerprint != svc.fingerprint => d.changed.push(name.clone()),
            Some(_) => d.unchanged.push(name.clone()),
        }
    }
    d.removed = old
        .services
        .keys()
        .filter(|n| !new.services.contains_key(*n))
        .cloned()
        .collect();
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn spec(services: &str) -> Spec {
        Spec::parse(
            &format!(r#"{{"version":1,"services":{{{services}}}}}"#),
            Path::new("s.json"),
        )
        .unwrap()
    }

    #[test]
    fn order_respects_after_and_before() {
        let s = spec(
            r#""c":{"command":["x"],"after":["b"]},
               "b":{"command":["x"],"after":["a.service"]},
               "a":{"command":["x"]},
               "z":{"command":["x"],"before":["a"]}"#,
        );
        assert_eq!(start_order(&s).unwrap(), vec!["z", "a", "b", "c"]);
    }

    #[test]
    fn independent_services_are_ordered_by_name() {
        let s = spec(r#""b":{"command":["x"]},"a":{"command":["x"]},"c":{"command":["x"]}"#);
        assert_eq!(start_order(&s).unwrap(), vec!["a", "b", "c"]);
    }

    #[test]
    fn a_cycle_is_an_error_naming_it() {
        let e = Spec::parse(
            r#"{"version":1,"services":{
                "a":{"command":["x"],"after":["c"]},
                "b":{"command":["x"],"after":["a"]},
                "c":{"command":["x"],"after":["b"]},
                "d":{"command":["x"]}}}"#,
            Path::new("/s/services.json"),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "/s/services.json: ordering cycle between services: a -> b -> c -> a"
        );
    }

    #[test]
    fn a_cycle_through_before_is_found() {
        let e = Spec::parse(
            r#"{"version":1,"services":{
                "a":{"command":["x"],"before":["b"]},
                "b":{"command":["x"],"before":["a"]}}}"#,
            Path::new("s.json"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("a -> b -> a") || e.contains("b -> a -> b"),
            "{e}"
        );
    }

    #[test]
    fn self_ordering_is_ignored() {
        let s = spec(r#""a":{"command":["x"],"after":["a"]}"#);
        assert_eq!(start_order(&s).unwrap(), vec!["a"]);
    }

    #[test]
    fn boot_set_follows_wanted_by_requires_and_wants() {
        let s = spec(
            r#""web":{"command":["x"],"wantedBy":["multi-user.target"],"requires":["db"],"wants":["cache"]},
               "db":{"command":["x"]},
               "cache":{"command":["x"]},
               "helper":{"command":["x"],"wantedBy":["web.service"]},
               "manual":{"command":["x"]},
               "dflt":{"command":["x"],"wantedBy":["default.target"]}"#,
        );
        let b: Vec<String> = boot_set(&s).into_iter().collect();
        assert_eq!(b, vec!["cache", "db", "dflt", "helper", "web"]);
    }

    #[test]
    fn required_by_is_transitive() {
        let mut m = BTreeMap::new();
        m.insert("a".to_string(), vec![]);
        m.insert("b".to_string(), vec!["a".to_string()]);
        m.insert("c".to_string(), vec!["b".to_string()]);
        m.insert("d".to_string(), vec![]);
        let r: Vec<String> = required_by(&m, "a").into_iter().collect();
        assert_eq!(r, vec!["b", "c"]);
    }

    #[test]
    fn diff_classifies_services() {
        let old =
            spec(r#""keep":{"command":["x"]},"change":{"command":["x"]},"gone":{"command":["x"]}"#);
        let new =
            spec(r#""keep":{"command":["x"]},"change":{"command":["y"]},"new":{"command":["x"]}"#);
        assert_eq!(
            diff(&old, &new),
            Diff {
                added: vec!["new".into()],
                removed: vec!["gone".into()],
                changed: vec!["change".into()],
                unchanged: vec!["keep".into()],
            }
        );
    }
}
