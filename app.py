"""Entry point: `python app.py` starts the production server; `flask --app app ...` runs the CLI."""

from sandbox import create_app

if __name__ == "__main__":
    from sandbox.server import serve

    serve(create_app())
else:
    # For `flask --app app <command>` and WSGI servers that import `app:app`.
    app = create_app()
