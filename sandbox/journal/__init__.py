"""The journal: recording every request, searching it, keeping it bounded, tailing it."""
