"""The domain: plain functions over the store that return the writes they need (no Flask)."""
