"""The production server: gunicorn (gevent workers) where it runs, werkzeug threaded elsewhere.

run.py starts it and prints the banner; workers.py is the gevent worker; tls.py and proxy.py
the TLS port and the device proxy; discovery.py the card that lets a CLI find it. This file
imports nothing, so a CLI that only reads the card never loads the server (or the app).
"""
