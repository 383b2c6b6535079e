"""`python -m sandbox ...`: the sandbox's command line."""

from .cli import main

main()
