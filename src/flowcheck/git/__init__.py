"""The git engine: a hardened subprocess runner, repository confinement and flow metrics."""
