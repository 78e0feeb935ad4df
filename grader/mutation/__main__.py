"""PYTHONPATH=grader /usr/bin/python3 -m mutation --help"""

import os
import sys

from .cli import main

try:
    sys.exit(main(sys.argv[1:]))
except BrokenPipeError:
    # The reader went away (`... --list | head`): stop quietly, and keep
    # Python's final flush of stdout from failing again.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(1)
