# The `git` binary of nixpkgs' gitMinimal (from the binary cache), copied alone.
# FlowCheck runs only built-in subcommands (status, diff, log, show, rev-parse, rev-list,
# for-each-ref, show-ref, merge-base, config, hash-object, ls-files, remote), so it needs nothing from
# gitMinimal's libexec/git-core. gitMinimal's own closure brings curl and krb5 (remote
# helpers), gettext (git-sh-i18n), and coreutils, gawk, sed and grep (its shell scripts).
# Cutting the references to gitMinimal and to the shell leaves glibc, zlib-ng and libgcc.
# Without a shell, git cannot run any program a repository configures (alias `!cmd`, pager,
# editor, external diff, textconv, filters): the runner turns those off, and this makes it so.
# Sizes and the alternatives considered: docs/deployment/Nix.md.
{
  runCommand,
  gitMinimal,
  removeReferencesTo,
  runtimeShellPackage,
}:
runCommand "git-plumbing"
  {
    nativeBuildInputs = [ removeReferencesTo ];
    # The build fails if a cut reference survives.
    disallowedReferences = [
      gitMinimal
      runtimeShellPackage
    ];
    meta.mainProgram = "git";
  }
  ''
    install -D -m 0555 ${gitMinimal}/bin/git "$out/bin/git"
    remove-references-to -t ${gitMinimal} -t ${runtimeShellPackage} "$out/bin/git"
  ''
