"""The one request path: capture -> auth verdicts -> handler -> record + commit -> answer."""
