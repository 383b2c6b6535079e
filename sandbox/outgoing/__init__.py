"""Outgoing requests: reward and nudge webhooks and coupon requests, from the outbox to the wire.

One engine for every kind (engine.py): claimed with a lease, signed (signing.py), sent
(send.py), each attempt stored with the decision it led to (schedule.py), dead-lettered
after the last try, retried at the tenant's end of day (endofday.py) and reported
(report.py). One delivery loop per sandbox (loop.py), elected by a lock file.
"""
