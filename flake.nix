{
  description = "FlowCheck: git hygiene and security safety layer for AI coding agents";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      spec = builtins.fromTOML (builtins.readFile ./nix/images.toml);
      revision = self.rev or self.dirtyRev or "unknown";
      linuxSystems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      # Images, checks and the NixOS module need Linux; the package and dev shell do not.
      allSystems = linuxSystems ++ [ "aarch64-darwin" ];
      forSystems = systems: f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});

      # Everything per system: nix/per-system.nix.
      build = pkgs: import ./nix/per-system.nix { inherit pkgs spec revision; };
      app = program: {
        type = "app";
        inherit program;
      };
    in
    {
      packages =
        forSystems allSystems (pkgs: {
          default = (build pkgs).flowcheck;
        })
        // forSystems linuxSystems (
          pkgs:
          let
            inherit (build pkgs) flowcheck images;
          in
          {
            default = flowcheck;
            image = images.latest;
            image-slim = images.slim;
            image-dev = images.dev;
          }
        );

      apps = forSystems allSystems (pkgs: {
        # flowcheck-server is `flowcheck serve`: `nix run . -- --transport http` serves HTTP.
        default = app (lib.getExe' (build pkgs).flowcheck "flowcheck-server");
        push = app (lib.getExe (build pkgs).push);
      });

      devShells = forSystems allSystems (pkgs: {
        default = (build pkgs).devShell;
      });

      formatter = forSystems allSystems (pkgs: pkgs.nixfmt-tree);

      checks = forSystems linuxSystems (
        pkgs:
        import ./nix/checks {
          inherit pkgs spec revision;
          inherit (build pkgs)
            flowcheck
            gitPlumbing
            images
            mkFlowcheck
            mkTestRunner
            ;
          nixosModule = self.nixosModules.default;
        }
      );

      nixosModules.default = import ./nix/module.nix { inherit (self) packages; };
    };
}
