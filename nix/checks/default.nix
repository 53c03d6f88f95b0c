# checks.<system>: the test suite, formatting, spec consistency of the built images, the images
# themselves (so `nix flake check` builds them) and, on x86_64-linux, the compose VM test.
{
  pkgs,
  spec,
  revision,
  flowcheck,
  gitPlumbing,
  images,
  mkFlowcheck,
  mkTestRunner,
  nixosModule,
}:
let
  inherit (pkgs) lib;
  # The same build as the dev image's: the app with the dev extra, hence pytest.
  testRunner = mkTestRunner {
    python = pkgs.python3;
    flowcheck = mkFlowcheck {
      python = pkgs.python3;
      inherit (spec.variants.dev) extras;
    };
  };
  # Every .nix file in the repository, as `nix fmt` (nixfmt-tree: all *.nix) formats them.
  # tests/nix/test_nix_format.py runs nixfmt over this same set, read from passthru.
  nixSources = lib.fileset.toSource {
    root = ../..;
    fileset = lib.fileset.fileFilter (file: file.hasExt "nix") ../..;
  };
  specPython = pkgs.python3.withPackages (ps: [ ps.pyyaml ]);
  imageArgs = lib.mapAttrsToList (variant: image: "${variant}=${image}") images;
in
{
  inherit flowcheck;
  image = images.latest;
  image-slim = images.slim;
  image-dev = images.dev;

  pytest = pkgs.runCommand "flowcheck-pytest" { } ''
    export HOME="$TMPDIR"
    ${lib.getExe testRunner}
    touch "$out"
  '';

  formatting = pkgs.runCommand "flowcheck-nixfmt" { passthru.source = nixSources; } ''
    cd ${nixSources}
    ${pkgs.nixfmt}/bin/nixfmt --check $(find . -name '*.nix' | sort)
    touch "$out"
  '';

  git-plumbing = pkgs.runCommand "flowcheck-git-plumbing" { } ''
    ${pkgs.runtimeShell} ${./git-plumbing.sh} ${gitPlumbing}/bin/git ${pkgs.gitMinimal}/bin/git
    touch "$out"
  '';

  spec-consistency = pkgs.runCommand "flowcheck-spec-consistency" { } ''
    ${specPython}/bin/python3 ${./spec_consistency.py} \
      --spec ${../images.toml} \
      --pyproject ${../../pyproject.toml} \
      --compose ${../../compose/compose.yaml} \
      --revision ${revision} \
      ${lib.escapeShellArgs imageArgs}
    touch "$out"
  '';
}
// lib.optionalAttrs (pkgs.stdenv.hostPlatform.system == "x86_64-linux") {
  compose-vm = import ./compose-vm.nix { inherit pkgs images nixosModule; };
}
