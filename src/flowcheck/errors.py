"""One error hierarchy. Every message names the bad value and the fix; none carries a secret."""


class FlowcheckError(Exception):
    """Base class of every error FlowCheck raises on purpose."""


class ConfigError(FlowcheckError):
    """Invalid configuration: settings, rules files or custom scanner rules."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class RepoAccessError(FlowcheckError):
    """A repository path that is missing, not a repository, or outside the allowed roots."""


class GitError(FlowcheckError):
    """git failed, timed out, or refused the repository."""


class ScanError(FlowcheckError):
    """A scan could not complete. Never swallowed: a failed scan is not a clean scan."""


class StorageError(FlowcheckError):
    """The state directory (FLOWCHECK_STORAGE_PATH) cannot be created or written."""


class DeadlineError(FlowcheckError):
    """A tool call did not finish within FLOWCHECK_TOOL_TIMEOUT."""


class UsageError(FlowcheckError):
    """A command line argparse rejects: unknown command, missing or bad argument (exit 64)."""

    def __init__(self, message: str, usage: str) -> None:
        self.usage = usage
        super().__init__(message)
