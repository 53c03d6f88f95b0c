# The parts of nixpkgs' lib the FlowCheck flake uses, with the same names, arguments and results.
let
  inherit (builtins)
    attrNames
    concatLists
    concatStringsSep
    filter
    listToAttrs
    map
    ;

  # lib/attrsets.nix
  genAttrs =
    names: f:
    listToAttrs (
      map (name: {
        inherit name;
        value = f name;
      }) names
    );
  mapAttrsToList = f: attrs: map (name: f name attrs.${name}) (attrNames attrs);
  attrValues = builtins.attrValues;
  mapAttrs = builtins.mapAttrs;
  optionalAttrs = cond: attrs: if cond then attrs else { };

  # lib/lists.nix
  optional = cond: elem: if cond then [ elem ] else [ ];
  optionals = cond: elems: if cond then elems else [ ];
  concatMap = builtins.concatMap;

  # lib/strings.nix
  concatMapStringsSep =
    sep: f: list:
    concatStringsSep sep (map f list);
  makeBinPath = paths: concatStringsSep ":" (map (path: "${path}/bin") paths);
  hasSuffix =
    suffix: content:
    let
      lenContent = builtins.stringLength content;
      lenSuffix = builtins.stringLength suffix;
    in
    lenContent >= lenSuffix && builtins.substring (lenContent - lenSuffix) lenContent content == suffix;
  escapeShellArg = arg: "'${builtins.replaceStrings [ "'" ] [ "'\\''" ] (toString arg)}'";
  toLower = builtins.replaceStrings upperChars lowerChars;
  chars = string: builtins.genList (i: builtins.substring i 1 string) (builtins.stringLength string);
  upperChars = chars "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  lowerChars = chars "abcdefghijklmnopqrstuvwxyz";
  escapeShellArgs = args: concatStringsSep " " (map escapeShellArg args);

  # lib/meta.nix: getExe' x y = "${lib.getBin x}/bin/${y}"; getExe x = getExe' x x.meta.mainProgram
  getExe' = x: y: "${x}/bin/${y}";
  getExe = x: getExe' x x.meta.mainProgram;

  # lib/fileset/default.nix. A file set is the list of paths it was built from.
  fileset =
    let
      coerce =
        context: value:
        if value._type or null == "fileset" then
          value
        else if !builtins.isPath value then
          throw "${context}: expected a file set or a path, got a ${builtins.typeOf value}"
        else if !builtins.pathExists value then
          throw "${context}: ${toString value} is a path that does not exist."
        else
          {
            _type = "fileset";
            paths = [ value ];
          };
      filesUnder =
        path:
        concatLists (
          mapAttrsToList (
            name: type:
            if type == "directory" then
              filesUnder (path + "/${name}")
            else
              [
                {
                  inherit name type;
                  path = path + "/${name}";
                }
              ]
          ) (builtins.readDir path)
        );
      hasPrefixPath =
        root: path:
        builtins.substring 0 (builtins.stringLength (toString root) + 1) (toString path)
        == "${toString root}/";
      relative =
        root: path: builtins.substring (builtins.stringLength (toString root) + 1) (-1) (toString path);
    in
    {
      # toSource = { root, fileset }: ...
      toSource =
        { root, fileset }:
        let
          paths = (coerce "lib.fileset.toSource: `fileset`" fileset).paths;
          outside = filter (path: relative root path == "" || !(hasPrefixPath root path)) paths;
        in
        if outside != [ ] then
          throw "lib.fileset.toSource: `fileset` contains ${toString (builtins.head outside)}, outside the `root` (${toString root})."
        else
          {
            _type = "stubSource";
            name = "source";
            outPath = "${builtins.storeDir}/00000000000000000000000000000000-source";
            files = map (relative root) paths;
          };
      # unions = filesets: ...
      unions = filesets: {
        _type = "fileset";
        paths = concatMap (value: (coerce "lib.fileset.unions" value).paths) filesets;
      };
      # difference = positive: negative: ...; here only a whole subtree can be taken out.
      difference =
        positive: negative:
        let
          removed = map toString (coerce "lib.fileset.difference: second argument" negative).paths;
          kept = path: !builtins.any (gone: gone == toString path || hasPrefixPath gone path) removed;
        in
        {
          _type = "fileset";
          paths = concatMap (
            path:
            if !kept path then
              [ ]
            else if builtins.any (gone: hasPrefixPath (toString path) gone) removed then
              map (entry: path + "/${entry}") (
                filter (entry: kept (path + "/${entry}")) (attrNames (builtins.readDir path))
              )
            else
              [ path ]
          ) (coerce "lib.fileset.difference: first argument" positive).paths;
        };
      # maybeMissing = path: ...
      maybeMissing = path: {
        _type = "fileset";
        paths = if builtins.pathExists path then [ path ] else [ ];
      };
      # fileFilter = predicate: path: ...; the predicate sees { name, type, hasExt }.
      fileFilter = predicate: path: {
        _type = "fileset";
        paths = map (file: file.path) (
          filter (
            file:
            predicate {
              inherit (file) name type;
              hasExt = ext: hasSuffix ".${ext}" file.name;
            }
          ) (filesUnder path)
        );
      };
    };

  # lib/options.nix
  mkOption =
    {
      default ? null,
      defaultText ? null,
      example ? null,
      description ? null,
      relatedPackages ? null,
      type ? null,
      apply ? null,
      internal ? null,
      visible ? null,
      readOnly ? null,
    }@attrs:
    attrs // { _type = "option"; };
  mkEnableOption =
    name:
    mkOption {
      default = false;
      example = true;
      description = "Whether to enable ${name}.";
      type = types.bool;
    };
  literalExpression = text: {
    _type = "literalExpression";
    inherit text;
  };

  # lib/modules.nix
  mkIf = condition: content: {
    _type = "if";
    inherit condition content;
  };

  # lib/types.nix: only the names; the tests check which type each option declares.
  types =
    let
      simple = name: { inherit name; };
    in
    {
      bool = simple "bool";
      str = simple "str";
      port = simple "port";
      path = simple "path";
      package = simple "package";
      listOf = elemType: {
        name = "listOf";
        inherit elemType;
      };
      attrsOf = elemType: {
        name = "attrsOf";
        inherit elemType;
      };
      nullOr = elemType: {
        name = "nullOr";
        inherit elemType;
      };
    };

  # lib/licenses.nix
  licenses.mit = {
    spdxId = "MIT";
    shortName = "mit";
  };
in
{
  inherit
    genAttrs
    mapAttrsToList
    attrValues
    mapAttrs
    optionalAttrs
    optional
    optionals
    concatMap
    concatMapStringsSep
    makeBinPath
    escapeShellArgs
    toLower
    getExe
    getExe'
    fileset
    mkOption
    mkEnableOption
    literalExpression
    mkIf
    types
    licenses
    ;
  inherit (builtins) attrNames concatLists concatStringsSep;
}
