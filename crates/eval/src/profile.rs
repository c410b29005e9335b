//! `nest eval --eval-profiler flamegraph`: where an evaluation spends its time, by Nix
//! call stack.
//!
//! A tracing profiler, not a sampling one: every call of a Nix function and of a
//! builtin enters a node of a call tree (one node per distinct call path), and the
//! time between two such events is charged to the node that was current then. A thunk
//! forced inside a call is charged to that call, as it runs on its stack. The tree is
//! written as folded stacks, the format of flamegraph.pl, inferno and speedscope: one
//! line per call path, its frames from the outermost, separated by `;`, then a space
//! and the nanoseconds spent in that path itself (its callees have lines of their own).
//! A frame is `FILE:LINE:COLUMN:NAME` of the function's definition (the name it was
//! bound to, or `«lambda»`), or `primop NAME` for a builtin.
//!
//! When no profile is asked for, the evaluator's cost is one test of an `Option` per
//! call (`Eval::profiler`).

use crate::ir::LambdaExpr;
use crate::value::PrimOp;
use std::collections::HashMap;
use std::io::{self, Write};
use std::time::Instant;

/// A function a node stands for; compared by address (the IR and the builtins' table
/// live as long as the process).
#[derive(Clone, Copy)]
enum Frame {
    Lambda(&'static LambdaExpr),
    Prim(&'static PrimOp),
}

impl Frame {
    fn key(self) -> (u8, usize) {
        match self {
            Frame::Lambda(l) => (0, l as *const LambdaExpr as usize),
            Frame::Prim(p) => (1, p as *const PrimOp as usize),
        }
    }

    fn name(self) -> String {
        let text = match self {
            Frame::Lambda(l) => {
                let name = l
                    .name
                    .get()
                    .map_or("«lambda»".to_string(), |n| n.to_string());
                format!("{}:{name}", crate::source::inline_pos(l.pos))
            }
            Frame::Prim(p) => format!("primop {}", p.name),
        };
        // `;` separates frames and a newline lines, so neither may be in a name (a file
        // name may hold both); spaces may (the readers take the last word as the weight).
        text.replace(';', ":").replace('\n', " ")
    }
}

struct Node {
    /// `None` for the root (time outside every call).
    frame: Option<Frame>,
    parent: u32,
    self_ns: u64,
}

/// The call tree of one evaluation and the clock.
pub struct Profiler {
    nodes: Vec<Node>,
    children: HashMap<(u32, (u8, usize)), u32>,
    cur: u32,
    last: Instant,
}

impl Default for Profiler {
    fn default() -> Self {
        Profiler::new()
    }
}

impl Profiler {
    pub fn new() -> Profiler {
        Profiler {
            nodes: vec![Node {
                frame: None,
                parent: 0,
                self_ns: 0,
            }],
            children: HashMap::new(),
            cur: 0,
            last: Instant::now(),
        }
    }

    /// Charges the time since the last event to the current node.
    fn charge(&mut self) {
        let now = Instant::now();
        let ns = u64::try_from(now.duration_since(self.last).as_nanos()).unwrap_or(u64::MAX);
        if let Some(n) = self.nodes.get_mut(self.cur as usize) {
            n.self_ns = n.self_ns.saturating_add(ns);
        }
        self.last = now;
    }

    fn enter(&mut self, frame: Frame) {
        self.charge();
        let next = self.nodes.len() as u32;
        let cur = self.cur;
        let n = *self.children.entry((cur, frame.key())).or_insert(next);
        if n == next {
            self.nodes.push(Node {
                frame: Some(frame),
                parent: cur,
                self_ns: 0,
            });
        }
        self.cur = n;
    }

    /// A call of the function defined by `l` starts.
    pub fn enter_lambda(&mut self, l: &'static LambdaExpr) {
        self.enter(Frame::Lambda(l));
    }

    /// A call of builtin `p` starts.
    pub fn enter_prim(&mut self, p: &'static PrimOp) {
        self.enter(Frame::Prim(p));
    }

    /// The current call ends (normally or with an error).
    pub fn leave(&mut self) {
        self.charge();
        self.cur = self.nodes.get(self.cur as usize).map_or(0, |n| n.parent);
    }

    /// How many call paths have been seen.
    pub fn paths(&self) -> usize {
        self.nodes.len() - 1
    }

    /// Writes the folded stacks (see the module docs), the paths that took any time,
    /// in the order they were first entered.
    pub fn write_folded(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.charge();
        let names: Vec<String> = self
            .nodes
            .iter()
            .map(|n| n.frame.map_or_else(String::new, Frame::name))
            .collect();
        let mut path = Vec::new();
        for (i, n) in self.nodes.iter().enumerate() {
            if n.self_ns == 0 {
                continue;
            }
            path.clear();
            let mut j = i;
            while j != 0 {
                path.push(j);
                j = self.nodes.get(j).map_or(0, |n| n.parent as usize);
            }
            if path.is_empty() {
                // Time outside every call: the top-level expression.
                write!(out, "«top»")?;
            }
            for (k, &j) in path.iter().rev().enumerate() {
                if k > 0 {
                    out.write_all(b";")?;
                }
                out.write_all(names.get(j).map_or("", String::as_str).as_bytes())?;
            }
            writeln!(out, " {}", n.self_ns)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn none(
        _: &mut crate::eval::Eval,
        _: &[Value],
        _: crate::source::Pos,
    ) -> crate::error::EResult<Value> {
        Ok(Value::Null)
    }

    static A: PrimOp = PrimOp {
        name: "a",
        arity: 1,
        f: none,
        strict: 0,
    };
    static B: PrimOp = PrimOp {
        name: "b;c",
        arity: 1,
        f: none,
        strict: 0,
    };

    fn spin() {
        let t = Instant::now();
        while t.elapsed().as_micros() < 200 {
            std::hint::spin_loop();
        }
    }

    #[test]
    fn each_call_path_is_a_line_and_the_times_add_up() {
        let start = Instant::now();
        let mut p = Profiler::new();
        // a → b, a → a → b, then b at the top: four paths besides the top.
        for _ in 0..3 {
            p.enter_prim(&A);
            spin();
            p.enter_prim(&B);
            spin();
            p.leave();
            p.enter_prim(&A);
            p.enter_prim(&B);
            spin();
            p.leave();
            p.leave();
            p.leave();
        }
        p.enter_prim(&B);
        spin();
        p.leave();
        // More leaves than enters stay at the top.
        p.leave();
        spin();
        assert_eq!(p.paths(), 5);
        let mut out = Vec::new();
        p.write_folded(&mut out).unwrap();
        let total_ns = start.elapsed().as_nanos() as u64;
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<(&str, u64)> = text
            .lines()
            .map(|l| {
                let (s, w) = l.rsplit_once(' ').unwrap();
                (s, w.parse().unwrap())
            })
            .collect();
        // Paths in the order first entered (the nested `a` may have taken no time);
        // `;` in a name would split the frame: it is written as `:`.
        let paths: Vec<&str> = lines.iter().map(|(s, _)| *s).collect();
        let all = [
            "«top»",
            "primop a",
            "primop a;primop b:c",
            "primop a;primop a",
            "primop a;primop a;primop b:c",
            "primop b:c",
        ];
        let want: Vec<&str> = all
            .into_iter()
            .filter(|s| *s != "primop a;primop a" || paths.contains(s))
            .collect();
        assert_eq!(paths, want);
        for want in [
            "primop a",
            "primop a;primop b:c",
            "primop a;primop a;primop b:c",
            "primop b:c",
        ] {
            let w = lines.iter().find(|(s, _)| *s == want).map(|(_, w)| *w);
            assert!(w.is_some_and(|w| w >= 200_000), "{want}: {w:?}");
        }
        let sum: u64 = lines.iter().map(|(_, w)| w).sum();
        assert!(sum <= total_ns, "{sum} > {total_ns}");
        assert!(sum >= 3 * 3 * 200_000 + 2 * 200_000);
    }
}
