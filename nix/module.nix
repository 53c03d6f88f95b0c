# NixOS module: services.flowcheck runs the streamable-HTTP MCP server as a hardened unit.
{ packages }:
{
  config,
  lib,
  pkgs,
  ...
}:
let
  cfg = config.services.flowcheck;
  inherit (lib) mkOption types;
in
{
  options.services.flowcheck = {
    enable = lib.mkEnableOption "the FlowCheck MCP server";

    package = mkOption {
      type = types.package;
      default = packages.${pkgs.stdenv.hostPlatform.system}.default;
      defaultText = lib.literalExpression "flowcheck.packages.\${system}.default";
      description = "The FlowCheck package to run.";
    };

    host = mkOption {
      type = types.str;
      default = "127.0.0.1";
      description = "Address to listen on. The server refuses a non-loopback one without a token.";
    };

    port = mkOption {
      type = types.port;
      default = 8000;
      description = "TCP port of the HTTP server (/mcp, /healthz, /readyz).";
    };

    authTokenFile = mkOption {
      type = types.nullOr types.path;
      default = null;
      description = "File holding the bearer token; handed to the unit as a systemd credential.";
    };

    allowedRoots = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "Directories whose repositories the tools may read.";
    };

    allowedHosts = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "flowcheck.example.org:*" ];
      description = "Host header values accepted on /mcp besides loopback.";
    };

    environment = mkOption {
      type = types.attrsOf types.str;
      default = { };
      example = {
        FLOWCHECK_LOG_LEVEL = "DEBUG";
      };
      description = "Further settings as FLOWCHECK_* environment variables.";
    };
  };

  config = lib.mkIf cfg.enable {
    systemd.services.flowcheck = {
      description = "FlowCheck MCP server";
      wantedBy = [ "multi-user.target" ];
      after = [ "network.target" ];
      # Empty lists stay unset, so the server's own defaults apply.
      environment = {
        FLOWCHECK_TRANSPORT = "http";
        FLOWCHECK_SERVER_HOST = cfg.host;
        FLOWCHECK_SERVER_PORT = toString cfg.port;
        FLOWCHECK_STORAGE_PATH = "/var/lib/flowcheck";
      }
      // lib.optionalAttrs (cfg.allowedRoots != [ ]) {
        FLOWCHECK_ALLOWED_ROOTS = lib.concatStringsSep "," cfg.allowedRoots;
      }
      // lib.optionalAttrs (cfg.allowedHosts != [ ]) {
        FLOWCHECK_ALLOWED_HOSTS = lib.concatStringsSep "," cfg.allowedHosts;
      }
      // lib.optionalAttrs (cfg.authTokenFile != null) {
        # %d is the unit's credentials directory, readable by the dynamic user alone.
        FLOWCHECK_AUTH_TOKEN_FILE = "%d/token";
      }
      // cfg.environment;
      serviceConfig = {
        ExecStart = "${lib.getExe cfg.package} serve --transport http";
        LoadCredential = lib.optional (cfg.authTokenFile != null) "token:${cfg.authTokenFile}";
        DynamicUser = true;
        StateDirectory = "flowcheck";
        StateDirectoryMode = "0700";
        WorkingDirectory = "/var/lib/flowcheck";
        Restart = "on-failure";
        # Exit 2 is a configuration error: restarting cannot fix it.
        RestartPreventExitStatus = 2;
        ProtectSystem = "strict";
        ProtectHome = "read-only";
        PrivateTmp = true;
        PrivateDevices = true;
        NoNewPrivileges = true;
        CapabilityBoundingSet = "";
        ProtectKernelTunables = true;
        ProtectKernelModules = true;
        ProtectControlGroups = true;
        ProtectClock = true;
        ProtectHostname = true;
        RestrictNamespaces = true;
        RestrictRealtime = true;
        RestrictSUIDSGID = true;
        LockPersonality = true;
        RestrictAddressFamilies = [
          "AF_INET"
          "AF_INET6"
          "AF_UNIX"
        ];
        SystemCallArchitectures = "native";
        SystemCallFilter = [ "@system-service" ];
        UMask = "0077";
      };
    };
  };
}
