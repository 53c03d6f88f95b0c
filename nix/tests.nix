# A `pytest` command that runs FlowCheck's test suite against an installed FlowCheck.
# The dev image ships it, and the pytest flake check runs it in the build sandbox.
{
  lib,
  writeShellApplication,
  gitMinimal,
  coreutils,
  dash,
  bashInteractive,
}:
# `flowcheck` must be built with the dev extra, which brings pytest and its plugins.
{ python, flowcheck }:
let
  testEnv = python.withPackages (ps: [ (ps.toPythonModule flowcheck) ]);
  # The suite, its configuration and the files it reads; the code under test is the installed
  # package. The container tests drive a docker engine from scripts/, so they stay out.
  suite = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../pyproject.toml
      # tests/journey reads the host configurations and steps the README documents.
      ../README.md
      (lib.fileset.difference ../tests ../tests/container)
      (lib.fileset.maybeMissing ../docs)
      (lib.fileset.maybeMissing ../compose)
      ./images.toml
      ./push_images.py
      ./checks/spec_consistency.py
      ./checks/image_sizes.py
    ];
  };
in
writeShellApplication {
  name = "pytest";
  runtimeInputs = [
    testEnv
    gitMinimal
    coreutils
    # The hook tests run the pre-commit hook under both shells.
    dash
    bashInteractive
  ];
  # The suite sits in the read-only store, so pytest and hypothesis work in a scratch directory.
  # Container and nix tests need an engine and a nix binary, which neither place has.
  passthru = {
    inherit suite;
    # `python` on the dev image's PATH: the interpreter that imports flowcheck and pytest.
    pythonCommand = writeShellApplication {
      name = "python";
      text = ''exec ${testEnv}/bin/python "$@"'';
    };
  };
  text = ''
    cd "$(mktemp -d)"
    exec pytest -c ${suite}/pyproject.toml --rootdir ${suite} -p no:cacheprovider \
      -m "not container and not nix" ${suite}/tests "$@"
  '';
}
