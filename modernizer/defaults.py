"""Constants the command line shows before anything else is loaded (option defaults, choices, exit
codes): defined once here, imported by the modules that use them, so that `modernize --help` and
`--version` load nothing heavy."""

DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"
DEFAULT_MAX_FILE_BYTES = 1_000_000
FAIL_ON_CHOICES: tuple[str, ...] = ("critical", "high", "medium", "low", "never")
FORMATS: tuple[str, ...] = ("json", "html", "sarif", "md")

EXIT_FINDINGS = 1      # findings at or above --fail-on (new ones when a baseline is given)
EXIT_INPUT = 2         # bad input (errors.InputError and friends)
EXIT_SERVER = 3        # the model server is unreachable, failing or silent
EXIT_OVERFLOW = 4      # the codebase does not fit the window
EXIT_INCOMPLETE = 5    # the report is written, but some agents or modules failed (it lists them with their reasons)
EXIT_WRITE = 6         # the reports could not be written (or, with --history, the run not recorded)
EXIT_WRONG_MODEL = 7   # doctor --expect-model: the server answers, but serves another model
EXIT_INTERNAL = 70     # EX_SOFTWARE: a bug; the crash file has the details
EXIT_INTERRUPTED = 130

# The sweep (engine/sweep.py): tokens of code one findings answer is asked to cover. A security
# answer holds 20 findings; 32K tokens is ~2,500 lines, and a 538K-token codebase is 17 slices,
# few enough that admitting them (not decoding them) stays a few seconds on an H200.
SLICE_TOKENS = 32_000
