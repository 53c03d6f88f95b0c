# `nix develop`: the interpreter with FlowCheck's runtime and dev dependencies, plus the tools.
{
  lib,
  mkShell,
  python3,
  tools,
}:
let
  deps = import ./python-deps.nix python3.pkgs;
  python = python3.withPackages (_: deps.runtime ++ lib.concatLists (lib.attrValues deps.extras));
in
mkShell {
  packages = [ python ] ++ lib.attrValues tools;
  shellHook = ''
    export PYTHONPATH="$PWD/src''${PYTHONPATH:+:$PYTHONPATH}"
    cat <<'BANNER'
    FlowCheck dev shell
      pytest                          run the test suite (src/ is on PYTHONPATH)
      ruff check . && mypy            lint and type-check
      python -m flowcheck.cli serve   run the server from the source tree
      nix fmt                         format the Nix files
      nix flake check -L              every check, the VM test included on x86_64-linux
      nix build .#image-slim          build an image; then: docker load < result
      nix run .#push -- --dry-run     show what a push would do
    BANNER
  '';
}
