# Everything the flake builds for one system, each file called with explicit arguments.
{
  pkgs,
  spec,
  revision,
}:
rec {
  gitPlumbing = import ./git-plumbing.nix {
    inherit (pkgs)
      runCommand
      gitMinimal
      removeReferencesTo
      runtimeShellPackage
      ;
  };
  mkFlowcheck =
    { python, extras }:
    import ./package.nix {
      inherit (pkgs) lib;
      git = gitPlumbing;
      inherit python extras;
    };
  flowcheck = mkFlowcheck {
    python = pkgs.python3;
    extras = [ ];
  };
  mkTestRunner = import ./tests.nix {
    inherit (pkgs)
      lib
      writeShellApplication
      gitMinimal
      coreutils
      dash
      bashInteractive
      ;
  };
  images = import ./images.nix {
    inherit (pkgs)
      lib
      dockerTools
      writeText
      python3
      bashInteractive
      coreutils
      ;
    inherit
      spec
      revision
      mkFlowcheck
      mkTestRunner
      ;
  };
  push = import ./push.nix {
    inherit (pkgs)
      writeShellApplication
      python3
      skopeo
      regclient
      ;
  };
  devShell = import ./devshell.nix {
    inherit (pkgs) lib mkShell python3;
    tools = {
      inherit (pkgs)
        ruff
        mypy
        nixfmt
        skopeo
        docker-compose
        git
        ;
    };
  };

}
