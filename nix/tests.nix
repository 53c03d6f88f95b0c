# A `pytest` command that runs FlowCheck's test suite against an installed FlowCheck.
# The dev image ships it, and the pytest flake check runs it in the build sandbox.
{
  lib,
  writeShellApplication,
  gitMinimal,
}:
# `flowcheck` must be built with the dev extra, which brings pytest and its plugins.
{ python, flowcheck }:
let
  testEnv = python.withPackages (ps: [ (ps.toPythonModule flowcheck) ]);
  # The suite and its configuration; the code under test is the installed package.
  suite = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../pyproject.toml
      ../tests
      ./images.toml
      ./push_images.py
      ./checks/spec_consistency.py
    ];
  };
in
writeShellApplication {
  name = "pytest";
  runtimeInputs = [
    testEnv
    gitMinimal
  ];
  # Container and nix tests need an engine and a nix binary, which neither place has.
  text = ''
    cd ${suite}
    exec pytest -p no:cacheprovider -m "not container and not nix" "$@"
  '';
}
