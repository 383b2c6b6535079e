"""The partner's test kit: a pytest plugin (plugin.py, the `cglu_sandbox` fixture) that runs a
sandbox for a test session and hands each test a handle on it (handle.py)."""
