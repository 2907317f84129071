"""Domain errors. The CLI turns each into one line on stderr and an exit code."""


class PolisSeedError(Exception):
    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InputError(PolisSeedError):
    """Bad input or usage: the user can fix it (exit 2)."""

    exit_code = 2


class RunFailure(PolisSeedError):
    """Something failed at run time: model missing, server died (exit 1)."""

    exit_code = 1
