//! `derivationStrict` (store paths computed by `nest-nixcompat`) and `derivation`, the
//! Nix-level wrapper that turns its result into the familiar derivation attribute set.

use crate::error::{err, EResult};
use crate::eval::Eval;
use crate::prim;
use crate::source::{Origin, Pos};
use crate::symbol::Sym;
use crate::value::{PrimOp, Value};

pub static OPS: &[PrimOp] = &[prim!("derivationStrict", 1, derivation_strict)];

/// `derivation` is written in Nix on top of `derivationStrict`, like in Nix itself; this
/// is our own rendering of that wrapper.
const DERIVATION_NIX: &str = r#"
drvAttrs @ { outputs ? [ "out" ], ... }:
let
  strict = derivationStrict drvAttrs;
  common = drvAttrs // (builtins.listToAttrs perOutput) // {
    all = map (o: o.value) perOutput;
    inherit drvAttrs;
  };
  forOutput = outputName: {
    name = outputName;
    value = common // {
      outPath = builtins.getAttr outputName strict;
      drvPath = strict.drvPath;
      type = "derivation";
      inherit outputName;
    };
  };
  perOutput = map forOutput outputs;
in (builtins.head perOutput).value
"#;

pub fn install_derivation(ev: &mut Eval) {
    let compiled = ev.compile(DERIVATION_NIX, Origin::String, "/");
    let v = match compiled {
        Ok(e) => ev.eval_root(e).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    ev.globals.insert(Sym::new("derivation"), v.clone());
    if let Value::Attrs(b) = &ev.builtins {
        let mut set = (**b).clone();
        set = set.update(&crate::value::Attrs::from_sorted(vec![crate::value::Attr {
            name: Sym::new("derivation"),
            value: v,
            pos: Pos::NONE,
        }]));
        ev.builtins = Value::attrs(set);
        let b = ev.builtins.clone();
        ev.globals.insert(Sym::new("builtins"), b);
    }
}

fn derivation_strict(_ev: &mut Eval, _a: &[Value], pos: Pos) -> EResult<Value> {
    err("derivationStrict is not implemented yet", pos)
}
