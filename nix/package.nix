# The FlowCheck application, built from the pinned nixpkgs Python package set.
# `extras` names optional-dependency groups of pyproject.toml to install with it.
{
  lib,
  python,
  git,
  extras,
}:
let
  project = (builtins.fromTOML (builtins.readFile ../pyproject.toml)).project;
  deps = import ./python-deps.nix python.pkgs;
in
python.pkgs.buildPythonApplication {
  pname = "flowcheck";
  inherit (project) version;
  pyproject = true;

  # The runtime package only: tests, docs and compose files stay out of its source.
  # README.md is the readme hatchling puts in the metadata.
  src = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../pyproject.toml
      (lib.fileset.maybeMissing ../README.md)
      ../src
    ];
  };

  build-system = [ python.pkgs.hatchling ];
  dependencies = deps.runtime ++ lib.concatMap (name: deps.extras.${name}) extras;
  optional-dependencies = deps.extras;

  # The test suite is a flake check of its own (nix/checks), so this build stays lean.
  doCheck = false;
  pythonImportsCheck = [ "flowcheck" ];

  # The git engine runs git; scratch images and systemd units have no git on PATH otherwise.
  # The flake passes nix/git-plumbing.nix: the git binary without gitMinimal's closure.
  makeWrapperArgs = [
    "--prefix"
    "PATH"
    ":"
    (lib.makeBinPath [ git ])
  ];

  meta = {
    inherit (project) description;
    license = lib.licenses.mit;
    mainProgram = "flowcheck";
  };
}
