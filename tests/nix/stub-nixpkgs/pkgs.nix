# legacyPackages.<system>: the packages and builders the FlowCheck flake uses.
{ lib, system }:
let
  # mkPython's and mkFakeNss's formals shadow `lib`, as callPackage arguments do in nixpkgs.
  stubLib = lib;

  # Every derivation and every string with context inside `value` (functions are skipped).
  # A stub derivation takes these as inputs, as the real one would, so the derivation graph
  # (`nix show-derivation -r`) reaches everything an image is built from.
  inputsOf =
    value:
    if builtins.isAttrs value then
      if value.type or null == "derivation" then
        [ value.outPath ]
      else
        builtins.concatMap inputsOf (builtins.attrValues value)
    else if builtins.isList value then
      builtins.concatMap inputsOf value
    else if builtins.isString value && builtins.hasContext value then
      [ value ]
    else
      [ ];

  # A real derivation (so `nix flake show` and `nix eval` treat it as a package) that cannot
  # be built, plus the arguments it was made from. `uses` are inputs that are not arguments
  # (a Python package's interpreter). `rebuilt` names a nixpkgs package the flake changed
  # with `.override`: its hash differs from the binary cache's, so it would be built from
  # source. tests/nix/test_nix_rebuilds.py finds these in each image's derivation graph.
  mkDrvWith =
    {
      rebuilt ? null,
      uses ? [ ],
    }:
    name: stubArgs: extra:
    derivation (
      {
        inherit name system;
        builder = "/stub-nixpkgs-cannot-build";
        # `self` is the interpreter's reference to itself (a cycle, not an input).
        stubInputs = inputsOf [
          (builtins.removeAttrs stubArgs [ "self" ])
          uses
        ];
      }
      // lib.optionalAttrs (rebuilt != null) { stubRebuilt = rebuilt; }
    )
    // {
      inherit stubArgs;
    }
    // extra;
  mkDrv = mkDrvWith { };
  package = name: mkDrv name { } { meta.mainProgram = name; };
  runtimeShellPackage = package "bash";

  # pkgs/build-support/docker/default.nix: streamLayeredImage's formals (no `...`).
  streamLayeredImage =
    {
      name,
      tag ? null,
      fromImage ? null,
      contents ? [ ],
      config ? { },
      architecture ? null,
      created ? "1970-01-01T00:00:01Z",
      mtime ? "1970-01-01T00:00:01Z",
      uid ? 0,
      gid ? 0,
      uname ? "root",
      gname ? "root",
      maxLayers ? 100,
      extraCommands ? "",
      fakeRootCommands ? "",
      enableFakechroot ? false,
      includeStorePaths ? true,
      includeNixDB ? false,
      passthru ? { },
      layeringPipeline ? null,
      debug ? false,
    }@args:
    mkDrv "stream-${baseNameOf name}" args {
      imageName = lib.toLower name;
      imageTag = tag;
      isExe = true;
    };

  # pkgs/by-name/fa/fakeNss/package.nix (the first four come from callPackage).
  mkFakeNss =
    rebuilt:
    {
      lib ? null,
      symlinkJoin ? null,
      writeTextDir ? null,
      runCommand ? null,
      extraPasswdLines ? [ ],
      extraGroupLines ? [ ],
    }@args:
    mkDrvWith { inherit rebuilt; } "fake-nss" args {
      override = newArgs: mkFakeNss "fake-nss" (args // newArgs);
    };

  # pkgs/development/interpreters/python/cpython/default.nix: the overridable formals.
  # The arguments callPackage fills in default to null here.
  mkPython =
    rebuilt:
    {
      self,
      sourceVersion,
      lib ? null,
      stdenv ? null,
      fetchurl ? null,
      fetchpatch ? null,
      fetchgit ? null,
      autoconf-archive ? null,
      autoreconfHook ? null,
      nukeReferences ? null,
      pkg-config ? null,
      python-setup-hook ? null,
      bzip2 ? null,
      expat ? null,
      libffi ? null,
      libuuid ? null,
      libxcrypt ? null,
      mpdecimal ? null,
      xz ? null,
      zlib ? null,
      zstd ? null,
      bashNonInteractive ? null,
      windows ? null,
      bluez ? null,
      mailcap ? null,
      tcl ? null,
      tk ? null,
      tclPackages ? null,
      libX11 ? null,
      xorgproto ? null,
      pkgsBuildBuild ? null,
      pkgsBuildHost ? null,
      pkgsBuildTarget ? null,
      pkgsHostHost ? null,
      pkgsTargetTarget ? null,
      __splices ? null,
      hash ? null,
      passthruFun ? null,
      noldconfigPatch ? null,
      testers ? null,
      bluezSupport ? false,
      mimetypesSupport ? true,
      withGdbm ? true,
      withReadline ? true,
      x11Support ? false,
      pythonAttr ? "python3",
      stripConfig ? false,
      stripIdlelib ? false,
      stripTests ? false,
      stripTkinter ? false,
      rebuildBytecode ? true,
      stripBytecode ? true,
      includeSiteCustomize ? true,
      static ? false,
      enableFramework ? false,
      enableGIL ? true,
      enableDebug ? false,
      enableOptimizations ? false,
      enableNoSemanticInterposition ? true,
      enableLTO ? true,
      reproducibleBuild ? false,
      packageOverrides ? (self: super: { }),
      openssl ? "openssl",
      sqlite ? "sqlite",
      readline ? "readline",
      ncurses ? "ncurses",
      gdbm ? "gdbm",
      tzdata ? "tzdata",
    }@args:
    let
      python = mkDrvWith { inherit rebuilt; } "python3-${version}" args {
        inherit version;
        pythonVersion = "3.13";
        executable = "python3.13";
        sitePackages = "lib/python3.13/site-packages";
        interpreter = "${python}/bin/python3.13";
        override = newArgs: mkPython "python3" (args // newArgs);
        pkgs = import ./python-packages.nix {
          inherit mkDrvWith python;
          lib = stubLib;
        };
        # pkgs/development/interpreters/python/with-packages.nix: f receives the package set.
        withPackages =
          f:
          mkDrvWith { uses = [ python ]; } "python3-${version}-env" { packages = f python.pkgs; } {
            meta.mainProgram = "python3";
          };
        meta.mainProgram = "python3";
      };
      version = "${sourceVersion.major}.${sourceVersion.minor}.${sourceVersion.patch}";
    in
    python;
  python3 = mkPython null {
    self = python3;
    sourceVersion = {
      major = "3";
      minor = "13";
      patch = "8";
    };
  };
in
{
  inherit lib python3;
  python3Packages = python3.pkgs;
  stdenv.hostPlatform.system = system;

  # pkgs/build-support/docker/default.nix
  dockerTools = {
    inherit streamLayeredImage;
    # buildLayeredImage = lib.makeOverridable ({ name, compressor ? "gz", ... }@args: ...),
    # passing everything but `compressor` on to streamLayeredImage.
    buildLayeredImage =
      {
        name,
        compressor ? "gz",
        ...
      }@args:
      let
        stream = streamLayeredImage (builtins.removeAttrs args [ "compressor" ]);
      in
      # Calling streamLayeredImage is what rejects an argument it does not declare.
      builtins.seq stream mkDrv "${baseNameOf name}.tar.gz" args {
        inherit (stream) imageName imageTag;
        inherit stream;
      };
    fakeNss = mkFakeNss null { };
    caCertificates = mkDrv "ca-certificates" { } { };
    binSh = mkDrv "bin-sh" { } { };
    usrBinEnv = mkDrv "usr-bin-env" { } { };
  };

  # pkgs/build-support/trivial-builders/default.nix: writeShellApplication's formals.
  writeShellApplication =
    {
      name,
      text,
      runtimeInputs ? [ ],
      runtimeEnv ? null,
      meta ? { },
      passthru ? { },
      checkPhase ? null,
      excludeShellChecks ? [ ],
      extraShellCheckFlags ? [ ],
      bashOptions ? [
        "errexit"
        "nounset"
        "pipefail"
      ],
      derivationArgs ? { },
      inheritPath ? true,
    }@args:
    # Like the real one (mkDerivation), the result carries the passthru attributes.
    mkDrv name args (
      {
        meta = meta // {
          mainProgram = name;
        };
      }
      // passthru
    );

  # pkgs/build-support/trivial-builders/default.nix: runCommand = name: env: buildCommand.
  # pkgs/build-support/trivial-builders/default.nix: writeText = name: text: writeTextFile ...
  writeText = name: text: mkDrv name { inherit text; } { };

  # `passthru` in env becomes attributes of the result (stdenv.mkDerivation's passthru).
  runCommand =
    name: env: buildCommand:
    mkDrv name { inherit env buildCommand; } (env.passthru or { });

  # pkgs/build-support/mkshell/default.nix
  mkShell =
    {
      name ? "nix-shell",
      packages ? [ ],
      inputsFrom ? [ ],
      buildInputs ? [ ],
      nativeBuildInputs ? [ ],
      propagatedBuildInputs ? [ ],
      propagatedNativeBuildInputs ? [ ],
      ...
    }@args:
    mkDrv name args { };

  # pkgs/build-support/testers/default.nix: runNixOSTest = testModule: nixos.runTest { ... }.
  # The test module's options are those of nixos/lib/testing/*.nix.
  testers.runNixOSTest =
    testModule:
    let
      known = [
        "name"
        "nodes"
        "testScript"
        "defaults"
        "extraBaseModules"
        "globalTimeout"
        "skipLint"
        "skipTypeCheck"
        "enableOCR"
        "extraPythonPackages"
        "interactive"
        "meta"
        "node"
        "passthru"
      ];
      unknown = builtins.filter (name: !builtins.elem name known) (builtins.attrNames testModule);
    in
    if unknown != [ ] then
      throw "runNixOSTest: no test option ${builtins.head unknown}"
    else
      mkDrv "vm-test-run-${testModule.name}" testModule { };

  # Plain packages; the comment names where nixpkgs defines each.
  gitMinimal = package "git"; # pkgs/top-level/all-packages.nix (git.override)
  git = package "git"; # pkgs/top-level/all-packages.nix
  bashInteractive = package "bash"; # pkgs/top-level/all-packages.nix
  coreutils = package "coreutils"; # pkgs/top-level/all-packages.nix
  dash = package "dash"; # pkgs/by-name/da/dash/package.nix
  skopeo = package "skopeo"; # pkgs/by-name/sk/skopeo/package.nix
  regclient = package "regctl"; # pkgs/by-name/re/regclient/package.nix
  nixfmt = package "nixfmt"; # pkgs/by-name/ni/nixfmt/package.nix
  nixfmt-tree = package "treefmt"; # pkgs/by-name/ni/nixfmt-tree/package.nix
  ruff = package "ruff"; # pkgs/by-name/ru/ruff/package.nix
  mypy = package "mypy"; # pkgs/top-level/all-packages.nix (toPythonApplication)
  docker-compose = package "docker-compose"; # pkgs/by-name/do/docker-compose/package.nix
  curl = package "curl"; # pkgs/by-name/cu/curl/package.nix
  traefik = package "traefik"; # pkgs/by-name/tr/traefik/package.nix
  removeReferencesTo = package "remove-references-to"; # pkgs/build-support/remove-references-to
  # pkgs/top-level/all-packages.nix: runtimeShellPackage = bashNonInteractive;
  # runtimeShell = "${runtimeShellPackage}${runtimeShellPackage.shellPath}" (shellPath "/bin/bash").
  inherit runtimeShellPackage;
  runtimeShell = "${runtimeShellPackage}/bin/bash";
}
