"""The documentation site: it builds with every link checked, its generated pages match the code,
every flag, route and setting a page names exists (and every one that exists is documented), the
sandbox serves it, and the signature verifiers it shows verify a delivery the sandbox signed."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from sandbox.config import SETTINGS
from tests.conftest import ROOT

DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS))
import generate  # noqa: E402  (docs/generate.py)


def _pages() -> dict:
    return {
        p.relative_to(DOCS).as_posix(): p.read_text()
        for p in DOCS.rglob("*.md")
        if "_parts" not in p.parts
    }


def test_the_generated_pages_are_what_the_code_says():
    for name, make in generate.PAGES.items():
        assert (DOCS / name).read_text() == make(), f"run python docs/generate.py ({name})"


def test_the_site_builds_strict_with_every_link_checked(tmp_path, make_app):
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for page in ("index.html", "guides/debug-401/index.html", "reference/cli/index.html"):
        assert (tmp_path / "site" / page).exists(), page
    # The image builds its site this way and serves it from SANDBOX_DOCS_DIR.
    client = make_app(DOCS_DIR=str(tmp_path / "site")).test_client()
    home = client.get("/_sandbox/docs/reference/cli/")
    home.direct_passthrough = False
    assert home.status_code == 200 and b"python -m sandbox tenants" in home.get_data()
    home.close()


def test_every_setting_is_documented_once_and_no_other(app):
    table = (DOCS / "reference" / "configuration.md").read_text()
    documented = set(re.findall(r"^\| `SANDBOX_([A-Z_]+)` \|", table, re.M))
    assert documented == set(SETTINGS), (
        f"missing: {sorted(set(SETTINGS) - documented)}; "
        f"unknown: {sorted(documented - set(SETTINGS))}"
    )
    # CLI-only variables (client.py) are settings of the command line, not of the server.
    cli_only = {"URL", "CLI_TIMEOUT"}
    for name, text in _pages().items():
        for found in re.findall(r"SANDBOX_([A-Z][A-Z_]+[A-Z])", text):
            assert found in SETTINGS or found in cli_only, f"{name} names SANDBOX_{found}"


def _routes(app) -> list[list[str]]:
    return [rule.rule.split("/") for rule in app.url_map.iter_rules()]


def _wild(segment: str) -> bool:
    return bool(re.fullmatch(r"<[^>]*>|\{[^}]*\}|[^/]*(…|\.\.\.)[^/]*", segment))


def _matches(path: str, rules: list[list[str]]) -> bool:
    """A documented path (placeholders <x>, {x}, …) is served by some route (with <x> parts)."""
    wanted = re.split(r"[?\[]", path)[0].rstrip(".,)").split("/")
    return any(
        len(rule) == len(wanted)
        and all(r == w or _wild(r) or _wild(w) for r, w in zip(rule, wanted, strict=True))
        for rule in rules
    )


def test_every_admin_route_a_page_names_exists(app):
    rules = _routes(app)
    for name, text in _pages().items():
        for path in re.findall(r"`(?:GET|POST|PUT|PATCH|DELETE) (/_sandbox/[^` ]*)", text):
            assert _matches(path, rules), f"{name} documents {path}, which no route serves"


def test_every_command_and_flag_a_page_names_exists():
    import click

    from sandbox.cli import _commands

    known: dict[str, set[str]] = {}

    def walk(command, name):
        flags = {o for p in command.params for o in getattr(p, "opts", []) if o.startswith("--")}
        known[name] = flags | {"--help"}
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for sub in command.list_commands(ctx):
                walk(command.get_command(ctx, sub), f"{name} {sub}")

    for command in _commands():
        walk(command, command.name)
    for name, text in _pages().items():
        for line in re.findall(r"python -m sandbox ([a-z][^\n`|]*)", text):
            words = line.split()
            cmd = next(
                (
                    c
                    for c in sorted(known, key=len, reverse=True)
                    if words[: len(c.split())] == c.split()
                ),
                None,
            )
            assert cmd, f"{name}: `python -m sandbox {line}` is no command"
            for flag in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", line):
                assert flag in known[cmd], f"{name}: `{cmd}` has no {flag}"
    # ...and every command appears in the command line's reference page.
    cli = (DOCS / "reference" / "cli.md").read_text()
    assert all(f"### `{c}`" in cli for c in known)


def test_the_sandbox_serves_the_site(client):
    def get(path):
        answer = client.get(path)
        answer.direct_passthrough = False  # read the file now, and close it
        data = answer.get_data()
        answer.close()
        return answer, data

    home, data = get("/_sandbox/docs/")
    assert home.status_code == 200 and b"Debug a 401" in data
    page, data = get("/_sandbox/docs/guides/debug-401/")
    assert page.status_code == 200 and b"explains itself" in data
    assert get("/_sandbox/docs/../sandbox.db")[0].status_code == 404
    missing, _data = get("/_sandbox/docs/nope.html")
    assert missing.status_code == 404 and missing.get_json()["reason"] == "docs_page_not_found"
    assert get("/_sandbox/docs")[0].status_code == 308
    # Names no file system holds are pages that do not exist, not a 500 (bench/fuzz.py found
    # both): a NUL byte, and a name past the length limit.
    for hostile in ("%00", "9" * 5000, "a/%00/b", "x" * 300 + "/index.html"):
        answer = get(f"/_sandbox/docs/{hostile}")[0]
        assert answer.status_code == 404, hostile
        assert answer.get_json()["reason"] == "docs_page_not_found"


def _verifiers() -> dict:
    text = (DOCS / "guides" / "webhooks.md").read_text()
    blocks = re.findall(r"```(js|python|java|go|php)\n(.*?)```", text, re.S)
    return dict(blocks)


RUNNERS = {
    "js": ("node", "verify.js", lambda f, b: ["node", f, b]),
    "python": (sys.executable, "verify.py", lambda f, b: [sys.executable, f, b]),
    "java": ("java", "Verify.java", lambda f, b: ["java", f, b]),
    "go": ("go", "verify.go", lambda f, b: ["go", "run", f, b]),
    "php": ("php", "verify.php", lambda f, b: ["php", f, b]),
}


@pytest.mark.parametrize("language", sorted(RUNNERS))
def test_each_verifier_snippet_verifies_a_real_delivery(language, tmp_path, signed_delivery):
    binary, filename, command = RUNNERS[language]
    if not (os.path.exists(binary) or shutil.which(binary)):
        pytest.skip(f"{binary} is not installed here (the snippet is shown, not run)")
    code = _verifiers()[language]
    (tmp_path / filename).write_text(code)
    body, signature, secret = signed_delivery
    (tmp_path / "body.json").write_bytes(body)
    env = {**os.environ, "WEBHOOK_SECRET": secret, "SIGNATURE": signature}

    def run():
        return subprocess.run(
            command(filename, "body.json"),
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    ok = run()
    assert ok.returncode == 0 and ok.stdout.strip() == "valid", ok.stdout + ok.stderr
    (tmp_path / "body.json").write_bytes(body.replace(b'":', b'": ', 1))  # re-serialised
    bad = run()
    assert bad.returncode == 1 and bad.stdout.strip() == "invalid", bad.stdout + bad.stderr


@pytest.fixture
def signed_delivery(app, client):
    """A reward webhook the sandbox signed and sent (its body, X-CG-SIGNATURE, the secret)."""
    import responses

    from tests.conftest import DEMO_TENANT

    admin = {"X-Sandbox-Admin-Token": "test-admin-token"}
    url = "https://partner.example/cglu-hook"
    client.patch(f"/_sandbox/tenants/{DEMO_TENANT}", json={"rewardWebhookUrl": url}, headers=admin)
    with responses.RequestsMock() as mock:
        mock.post(url, status=200)
        sent = client.post(
            f"/_sandbox/tenants/{DEMO_TENANT}/trigger",
            json={"kind": "reward", "userId": "verifier-ü"},
            headers=admin,
        )
        assert sent.status_code == 200, sent.get_json()
        request = mock.calls[0].request
    secret = client.get(f"/_sandbox/tenants/{DEMO_TENANT}?reveal=true", headers=admin).get_json()
    body = request.body if isinstance(request.body, bytes) else request.body.encode()
    return body, request.headers["X-CG-SIGNATURE"], secret["webhookSecret"]


def test_the_load_test_guide_sends_what_the_bench_script_sends():
    """The guide's wrk line uses a script that exists, the demo tenant's writeKey, and the
    event id it looks up afterwards is one that script sends."""
    import json

    text = (DOCS / "guides" / "load-testing.md").read_text()
    line = next(x for x in text.splitlines() if x.startswith("wrk "))
    script = re.search(r"-s (\S+)", line).group(1)
    assert (ROOT / script).is_file()
    demo = json.loads((ROOT / "fixtures" / "tenants.json").read_text())["tenants"][0]
    nonce, key = line.split(" -- ")[1].split()
    assert key == demo["writeKey"]
    lua = (ROOT / script).read_text()
    pattern = re.search(r'"event_id":"([^"]+)"', lua).group(1)  # %s-%04x-4000-8000-%012x
    # wrk calls request() once before the run to check the script: thread 0 sends from 2.
    sent = pattern.replace("%s", nonce).replace("%04x", "0000").replace("%012x", f"{2:012x}")
    assert f"--event-id {sent} " in text
