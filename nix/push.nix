# `nix run .#push`: the push script with skopeo and regctl on PATH, reading this flake's spec.
{
  writeShellApplication,
  python3,
  skopeo,
  regclient,
}:
writeShellApplication {
  name = "flowcheck-push";
  runtimeInputs = [
    python3
    skopeo
    regclient
  ];
  text = ''
    exec python3 ${./push_images.py} --spec ${./images.toml} --pyproject ${../pyproject.toml} "$@"
  '';
}
