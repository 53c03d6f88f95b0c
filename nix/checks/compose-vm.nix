# A NixOS VM with docker: loads this flake's images, brings up the stack from compose/ and runs
# tests/smoke.py through Traefik, before and after a restart; then does the same against the
# services.flowcheck module. The VM has no network, so every image is preloaded.
{
  pkgs,
  images,
  nixosModule,
}:
let
  inherit (pkgs) lib;
  # compose/compose.yaml takes its proxy image from FLOWCHECK_TRAEFIK_IMAGE; this one needs no pull.
  traefikImage = pkgs.dockerTools.buildLayeredImage {
    name = "flowcheck-vm/traefik";
    tag = "nix";
    contents = [ pkgs.traefik ];
    config = {
      Entrypoint = [ "traefik" ];
      # The contents are linked into /bin; runtimes other than Docker add no default PATH.
      Env = [ "PATH=/bin" ];
    };
  };
  smoke = "python3 ${../../tests/smoke.py}";
  # compose.yaml names the project "flowcheck"; this is its state volume on the VM's disk.
  volume = "$(docker volume inspect --format '{{ .Mountpoint }}' flowcheck_flowcheck-data)";
  compose = lib.concatStringsSep " " [
    "FLOWCHECK_WORKSPACE=/srv/workspace"
    "FLOWCHECK_TOKEN_FILE=/srv/flowcheck-token"
    "FLOWCHECK_TRAEFIK_IMAGE=flowcheck-vm/traefik:nix"
    "docker compose -f ${../../compose}/compose.yaml"
  ];
in
pkgs.testers.runNixOSTest {
  name = "flowcheck-compose";
  passthru = { inherit traefikImage; };
  nodes.machine = {
    imports = [ nixosModule ];
    virtualisation = {
      docker.enable = true;
      # Image loads fill the 1024 MiB defaults.
      diskSize = 4096;
      memorySize = 2048;
    };
    environment.systemPackages = [
      pkgs.python3
      pkgs.gitMinimal
      pkgs.curl
    ];
    environment.etc."flowcheck-module-token".text = "module-token";
    services.flowcheck = {
      enable = true;
      port = 8100;
      authTokenFile = "/etc/flowcheck-module-token";
      allowedRoots = [ "/srv/workspace" ];
    };
  };
  testScript = ''
    start_all()
    machine.wait_for_unit("docker.service")
    machine.succeed("docker load -i ${images.latest}")
    machine.succeed("docker load -i ${traefikImage}")
    machine.succeed(
        "install -d -m 0755 /srv/workspace/demo"
        " && git -C /srv/workspace/demo init -q"
        " && git -C /srv/workspace/demo -c user.name=vm -c user.email=vm@test"
        " commit -q --allow-empty -m init"
        " && printf vm-token > /srv/flowcheck-token && chmod 0444 /srv/flowcheck-token"
    )

    with subtest("compose stack behind Traefik"):
        machine.succeed("${compose} up -d --wait", timeout=600)
        # The state, not only the exit status: both services running and healthy.
        machine.succeed("test $(${compose} ps --format json | grep -c '\"Health\":\"healthy\"') = 2")
        # A tool call on a root-owned repository: the server (uid 1000) trusts its allowed roots.
        machine.succeed(
            "${smoke} http://127.0.0.1:8000 vm-token --tool get_flow_state"
            " --args '{\"repo_path\": \"/workspace/demo\"}'"
        )

    with subtest("data survives a restart"):
        machine.succeed("touch ${volume}/survives-restart")
        machine.succeed("${compose} restart flowcheck && ${compose} up -d --wait", timeout=300)
        machine.succeed("test -f ${volume}/survives-restart")
        machine.succeed("${smoke} http://127.0.0.1:8000 vm-token")

    with subtest("services.flowcheck module"):
        machine.wait_for_unit("flowcheck.service")
        machine.wait_for_open_port(8100)
        machine.succeed("${smoke} http://127.0.0.1:8100 module-token")
  '';
}
