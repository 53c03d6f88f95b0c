# A stand-in for nixpkgs, so the FlowCheck flake can be evaluated offline.
# Every function declares the formal arguments its nixpkgs original declares (see the comments
# in lib.nix and pkgs.nix for the file each mirrors), so a misspelt argument fails evaluation,
# and every builder returns a real but unbuildable derivation carrying its arguments as
# `stubArgs` for the tests to inspect.
{
  outputs =
    { self }:
    let
      lib = import ./lib.nix;
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
    in
    {
      inherit lib;
      legacyPackages = lib.genAttrs systems (system: import ./pkgs.nix { inherit lib system; });
      # nixpkgs' flake.nix exports these two modules.
      nixosModules = {
        notDetected = { };
        readOnlyPkgs = { };
      };
    };
}
