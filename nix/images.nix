# The OCI images: one builder, and variants from nix/images.toml that differ only in contents.
# Every name, tag and config value comes from the spec; `repository` is the one override.
{
  lib,
  dockerTools,
  writeText,
  python3,
  bashInteractive,
  coreutils,
  spec,
  revision,
  mkFlowcheck,
  mkTestRunner,
  repository ? spec.repository,
}:
let
  inherit (spec) contract user;
  owner = "${toString user.uid}:${toString user.gid}";

  # /etc/passwd and /etc/group with the service user, so git and Path.home() can resolve it.
  serviceUser = dockerTools.fakeNss.override {
    extraPasswdLines = [ "${user.name}:x:${owner}:${user.name}:${user.home}:/sbin/nologin" ];
    extraGroupLines = [ "${user.name}:x:${toString user.gid}:" ];
  };

  # The image spec wants empty objects where the TOML spec has lists of names.
  emptyObjects = names: lib.genAttrs names (_: { });

  configFor = flowcheck: {
    Cmd = contract.cmd;
    Env = lib.mapAttrsToList (name: value: "${name}=${value}") contract.env;
    ExposedPorts = emptyObjects contract.exposed_ports;
    User = owner;
    WorkingDir = contract.working_dir;
    Volumes = emptyObjects contract.volumes;
    Healthcheck = {
      Test = contract.healthcheck.test;
      Interval = contract.healthcheck.interval;
      Timeout = contract.healthcheck.timeout;
      Retries = contract.healthcheck.retries;
      StartPeriod = contract.healthcheck.start_period;
    };
    # The revision goes here rather than in `created`, which stays fixed for reproducibility.
    Labels = contract.labels // {
      "io.modelcontextprotocol.server.name" = spec.mcp_server_name;
      "org.opencontainers.image.source" = spec.source_url;
      "org.opencontainers.image.description" = spec.description;
      "org.opencontainers.image.version" = flowcheck.version;
      "org.opencontainers.image.revision" = revision;
    };
  };

  layerPath = dir: "." + dir;
  writableDirs = lib.concatMapStringsSep " " layerPath contract.writable_dirs;

  mkImage =
    variant:
    let
      # nixpkgs' own python3, never an override: a changed interpreter misses the binary cache
      # and rebuilds CPython and every Python package from source (docs/deployment/Nix.md).
      python = python3;
      flowcheck = mkFlowcheck {
        inherit python;
        inherit (variant) extras;
      };
      contents = [
        flowcheck
        serviceUser
        dockerTools.caCertificates
      ]
      ++ lib.optionals variant.shell [
        dockerTools.binSh
        bashInteractive
        coreutils
      ]
      ++ lib.optionals variant.tests (
        let
          runner = mkTestRunner { inherit python flowcheck; };
        in
        [
          runner
          runner.pythonCommand
        ]
      );
      config = configFor flowcheck;
    in
    dockerTools.buildLayeredImage {
      name = repository;
      inherit (variant) tag;
      inherit contents config;
      # Runs in the layer directory; the mode survives into the image and the owner stays root.
      extraCommands = ''
        mkdir -p ${layerPath contract.sticky_tmp}
        chmod 1777 ${layerPath contract.sticky_tmp}
      '';
      # fakeroot lets the unprivileged build hand the writable directories to the service user
      # (and to group 0, so an arbitrary uid in group 0 may write them too).
      fakeRootCommands = ''
        mkdir -p ${writableDirs}
        chown ${toString user.uid}:${toString contract.writable_group} ${writableDirs}
        chmod ${contract.writable_mode} ${writableDirs}
      '';
    }
    // {
      # A file that refers to every store path the image holds, so `nix path-info -rsSh`
      # on it prints the image's closure (CI prints the 20 largest paths of each image).
      contentsClosure = writeText "flowcheck-${variant.tag}-closure" (
        lib.concatStringsSep "\n" (map toString contents ++ [ (builtins.toJSON config) ])
      );
    };
in
lib.mapAttrs (_: mkImage) spec.variants
