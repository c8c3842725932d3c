"""Exit codes of ``govmigrate``, the same for every command (documented in the README)."""

OK = 0
FAILED_CHECKS = 1       # the command ran and found problems (lint errors, failed verification)
USAGE = 2               # wrong options or arguments, or bad input files (click's own code)
NO_WORKSPACE = 3        # no workspace where one was expected
SERVER_UNREACHABLE = 4  # a server the command had to talk to could not be reached
