# python3.pkgs: the builders and the packages the FlowCheck flake uses.
{
  lib,
  mkDrvWith,
  python,
}:
let
  module =
    pname:
    mkDrvWith { uses = [ python ]; } "python3.13-${pname}" { } {
      inherit pname;
      pythonModule = python;
    };
  # Each is pkgs/development/python-modules/<name>/default.nix in nixpkgs.
  names = [
    # [project.dependencies]
    "mcp"
    "pydantic-settings"
    "uvicorn"
    "pyyaml"
    "pathspec"
    # [project.optional-dependencies]
    "anthropic"
    "openai"
    "opentelemetry-sdk"
    "opentelemetry-exporter-otlp-proto-http"
    "pytest"
    "pytest-asyncio"
    "pytest-timeout"
    "hypothesis"
    "httpx"
    "ruff"
    "mypy"
    "types-pyyaml"
    "jsonschema"
    "kubernetes-validate" # pkgs/by-name/ku/kubernetes-validate/unwrapped.nix
    # [build-system]
    "hatchling"
  ];
in
lib.genAttrs names module
// {
  # pkgs/development/interpreters/python/mk-python-derivation.nix: the formals of
  # buildPythonApplication (it keeps `...` for stdenv.mkDerivation's arguments).
  buildPythonApplication =
    {
      nativeBuildInputs ? [ ],
      buildInputs ? [ ],
      checkInputs ? [ ],
      nativeCheckInputs ? [ ],
      propagatedBuildInputs ? [ ],
      dependencies ? [ ],
      optional-dependencies ? { },
      build-system ? [ ],
      pythonPath ? [ ],
      strictDeps ? true,
      outputs ? [ "out" ],
      disabled ? false,
      catchConflicts ? true,
      makeWrapperArgs ? [ ],
      dontWrapPythonPrograms ? false,
      dontUsePipInstall ? false,
      permitUserSite ? false,
      removeBinBytecode ? true,
      pyproject ? null,
      format ? null,
      meta ? { },
      doCheck ? true,
      stdenv ? null,
      ...
    }@args:
    mkDrvWith { uses = [ python ]; } "${args.pname}-${args.version}" args {
      inherit (args) pname version;
      inherit meta;
    };

  # pkgs/development/interpreters/python/python-packages-base.nix
  toPythonModule = drv: drv // { pythonModule = python; };
}
