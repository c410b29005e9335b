# lib.asserts: assertions with messages, and the NixOS `assertions`/`warnings` check.
{ lib }:
rec {
  assertMsg = pred: msg: pred || builtins.throw msg;
  assertOneOf = name: val: xs:
    assertMsg (lib.elem val xs)
      "${name} must be one of ${lib.generators.toPretty { } xs}, but is: ${lib.generators.toPretty { } val}";
  assertEachOneOf = name: vals: xs:
    assertMsg (lib.all (val: lib.elem val xs) vals)
      "each element in ${name} must be one of ${lib.generators.toPretty { } xs}, but is: ${lib.generators.toPretty { } vals}";

  # `assertions` is a list of { assertion; message; }: every failed one is reported
  # together, in one error; `warnings` (strings) go to stderr; then `val` is returned.
  checkAssertWarn = assertions: warnings: val:
    let failedAssertions = map (x: x.message) (builtins.filter (x: !x.assertion) assertions); in
    if failedAssertions != [ ]
    then throw "\nFailed assertions:\n${lib.concatStringsSep "\n" (map (x: "- ${x}") failedAssertions)}"
    else lib.trivial.showWarnings warnings val;
}
