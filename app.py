"""Entry point: `python app.py` starts the production server; `flask --app app ...` runs the CLI."""

from sandbox import create_app

if __name__ == "__main__":
    from sandbox.__main__ import patch_for

    patch_for(["app.py", "serve"])  # before Flask loads (importing `sandbox` loads none)
    from sandbox.errors import DataDirError
    from sandbox.server import serve

    try:
        app = create_app()
    except DataDirError as exc:
        raise SystemExit(f"sandbox: {exc.message}") from None
    serve(app)
else:
    # For `flask --app app <command>` and WSGI servers that import `app:app`.
    app = create_app()
