"""TLS beside HTTP: a client that trusts only the sandbox's CA reaches every CustomerGlu host name
on the TLS port (by SNI) and gets what plain HTTP answers; the journal says it came over TLS;
a client that does not trust the CA fails its handshake and the server's log says why."""

import json
import os
import plistlib
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

from sandbox import hosts
from tests.conftest import DEMO_KEY, DEMO_TENANT, ROOT, LiveServer, free_port

ADMIN = "tls-admin"


def _get(port: int, name: str, path: str, context: ssl.SSLContext) -> tuple[int, dict, bytes]:
    """GET over TLS to 127.0.0.1, addressed (SNI, Host) to `name`, as a device whose DNS
    points the CustomerGlu hosts at the sandbox would."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=name) as tls:
            tls.sendall(
                f"GET {path} HTTP/1.1\r\nHost: {name}\r\nx-api-key: {DEMO_KEY}\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            data = b""
            while chunk := tls.recv(65536):
                data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def _server_with(tmp_path, setting: str, extra: dict | None = None) -> tuple[LiveServer, int]:
    """Start a server with one more port (`setting`); again if its own free port was that one."""
    for attempt in range(5):
        port = free_port()
        try:
            server = LiveServer(
                tmp_path / f"data-{attempt}",
                {"SANDBOX_ADMIN_TOKEN": ADMIN, setting: str(port), **(extra or {})},
            )
        except RuntimeError as exc:
            if "in use" in str(exc) or "must differ" in str(exc):
                continue
            raise
        return server, port
    raise AssertionError("no two free ports in five tries")


def test_every_customerglu_host_answers_over_tls_with_the_sandboxs_ca(tmp_path):
    server, port = _server_with(tmp_path, "SANDBOX_TLS_PORT")
    try:
        import requests

        pem = requests.get(f"{server.url}/_sandbox/ca", timeout=5)
        assert pem.status_code == 200 and pem.text.startswith("-----BEGIN CERTIFICATE-----")
        (tmp_path / "ca.pem").write_text(pem.text)
        trusting = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
        profile = plistlib.loads(
            requests.get(f"{server.url}/_sandbox/ca?format=mobileconfig", timeout=5).content
        )
        der = profile["PayloadContent"][0]["PayloadContent"]
        assert der == ssl.PEM_cert_to_DER_cert(pem.text)
        page = requests.get(f"{server.url}/_sandbox/ca/page", timeout=5)
        assert page.status_code == 200 and page.text.count("<svg") == 2  # iOS and Android
        assert f"{server.url}/_sandbox/ca?format=mobileconfig" in page.text

        plain = requests.get(
            f"{server.url}/client/v1/sdk/config", headers={"x-api-key": DEMO_KEY}, timeout=5
        )
        for name in hosts.names():
            status, headers, body = _get(port, name, "/client/v1/sdk/config", trusting)
            region = hosts.region_of_host(name)
            if region == "in":  # the demo tenant's region: the same answer as over HTTP,
                # its links on the name the client used
                same = (
                    json.dumps(plain.json())
                    .replace(server.url, f"https://{name}")
                    .replace('"127.0.0.1"', f'"{name}"')  # whiteListedDomains: the host asked
                )
                assert status == 200 and json.loads(body) == json.loads(same), name
            else:  # another region's host: refused as the real service would, explained
                assert status == 401 and json.loads(body)["reason"] == "region_mismatch", name
            entry = requests.get(
                f"{server.url}/_sandbox/journal/{headers['X-Sandbox-Request-Id']}",
                headers={"X-Sandbox-Admin-Token": ADMIN},
                timeout=5,
            ).json()
            said = {k.lower(): v for k, v in entry["headers"].items()}["x-sandbox-tls"]
            assert said.startswith("TLSv1.") and said.endswith(f"sni={name}"), said

        # The onboarding checklist counts it (an item that no step needs: plain HTTP is enough).
        steps = requests.get(
            f"{server.url}/_sandbox/tenants/{DEMO_TENANT}/onboarding",
            headers={"X-Sandbox-Admin-Token": ADMIN},
            timeout=5,
        ).json()["steps"]
        item = next(i for i in steps[0]["items"] if i["id"] == "device_over_tls")
        assert (
            item["done"] and item["optional"] and item["evidence"].startswith("/_sandbox/journal/")
        )

        # tls doctor, as if this machine's DNS pointed the names here (--address): all fine on
        # the TLS port; on a port where nothing listens, it says what to do.
        env = {"SANDBOX_DATA_DIR": str(tmp_path / "elsewhere"), "PATH": "/usr/bin:/bin"}
        cli = [sys.executable, "-m", "sandbox", "tls", "doctor", "--url", server.url]
        cli += ["--token", ADMIN, "--address", "127.0.0.1", "--json"]
        fine = subprocess.run(
            [*cli, "--port", str(port)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert fine.returncode == 0, fine.stdout + fine.stderr
        checked = json.loads(fine.stdout)["hosts"]
        assert len(checked) == len(hosts.names()) and all(h["ok"] for h in checked)
        closed = subprocess.run(
            [*cli, "--port", "9", "--host", "api.customerglu.com"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert closed.returncode == 1 and "SANDBOX_TLS_PORT" in closed.stdout, closed.stdout

        # A rotation: the old CA is no longer enough, the new one is, with no restart.
        rotated = requests.post(
            f"{server.url}/_sandbox/tls/rotate",
            headers={"X-Sandbox-Admin-Token": ADMIN},
            timeout=10,
        )
        assert rotated.status_code == 200, rotated.text
        try:
            _get(port, "api.customerglu.com", "/client/v1/sdk/config", trusting)
            raise AssertionError("the old CA still verified the rotated leaf")
        except ssl.SSLCertVerificationError:
            pass
        (tmp_path / "new.pem").write_text(requests.get(f"{server.url}/_sandbox/ca", timeout=5).text)
        renewed = ssl.create_default_context(cafile=str(tmp_path / "new.pem"))
        assert _get(port, "events.customerglu.com", "/client/v1/sdk/config", renewed)[0] == 200

        # A client that does not trust the CA fails, and the server says why in its log.
        untrusting = ssl.create_default_context()
        try:
            _get(port, "api.customerglu.com", "/client/v1/sdk/config", untrusting)
            raise AssertionError("a client without the CA completed the handshake")
        except ssl.SSLCertVerificationError:
            pass
        # A name the certificate does not carry: the client refuses it, the sandbox says why.
        try:
            _get(port, "sandbox.partner.example", "/client/v1/sdk/config", trusting)
            raise AssertionError("a name outside the certificate was accepted")
        except ssl.SSLCertVerificationError:
            pass

        # ...and the journal keeps it as an entry of its own: found by `flag=tls`. The server
        # learns of the failure from the client's alert, a moment after the client gave up.
        deadline = time.monotonic() + 10
        while True:
            refused = requests.get(
                f"{server.url}/_sandbox/journal?flag=tls",
                headers={"X-Sandbox-Admin-Token": ADMIN},
                timeout=5,
            ).json()["entries"]
            reasons = {e["auth_reason"] for e in refused}
            if "no_certificate_for_name" in reasons or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert all(e["method"] == "TLS" for e in refused), refused
        assert "no_certificate_for_name" in reasons, reasons
        untrusted = next(e for e in refused if e["auth_reason"] != "no_certificate_for_name")
        assert untrusted["auth_reason"] in ("unknown_ca", "certificate_rejected"), untrusted
        entry = requests.get(untrusted["url"], headers={"X-Sandbox-Admin-Token": ADMIN}, timeout=5)
        shown = entry.json()
        assert shown["host"] == "api.customerglu.com" and "install it" in shown["checks"][0]["got"]
    finally:
        server.stop()
    log = server.output()
    assert "TLS handshake from 127.0.0.1 (SNI api.customerglu.com) failed" in log, log[-2000:]
    assert "unknown_ca" in log or "certificate_rejected" in log
    assert "(SNI sandbox.partner.example) failed: no_certificate_for_name" in log, log[-2000:]


def test_tls_setup_prints_the_steps_for_each_platform(tmp_path):
    env = {"SANDBOX_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "sandbox", "tls", "setup", "ios-simulator", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)
    assert any("xcrun simctl keychain booted add-root-cert" in s for s in said["steps"])
    assert len(said["caFingerprint"].split(":")) == 32
    for platform in ("ios-device", "android-emulator", "android-device", "macos", "linux"):
        from sandbox.cli.tls import steps

        found = steps(platform, "http://127.0.0.1:8080", 8443)
        assert found and all("/_sandbox/ca" in s for s in found if "curl" in s or "open" in s)


def _raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        got = b""
        while chunk := s.recv(65536):
            got += chunk
    return got


def test_the_device_proxy_answers_customerglu_hosts_and_tunnels_the_rest(tmp_path):
    import http.server
    import threading

    import requests

    class Local(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Length", "9")
            self.end_headers()
            self.wfile.write(b"tunnelled")

        def log_message(self, *args):
            pass

    local = http.server.HTTPServer(("127.0.0.1", 0), Local)
    threading.Thread(target=local.serve_forever, daemon=True).start()
    server, proxy = _server_with(tmp_path, "SANDBOX_PROXY_PORT")
    try:
        (tmp_path / "ca.pem").write_text(requests.get(f"{server.url}/_sandbox/ca", timeout=5).text)
        # As a phone whose Wi-Fi proxy is the sandbox: the app's URL is CustomerGlu's own.
        answer = requests.get(
            "https://events-us.customerglu.com/client/v1/sdk/config",
            headers={"x-api-key": DEMO_KEY},
            proxies={"https": f"http://127.0.0.1:{proxy}"},
            verify=str(tmp_path / "ca.pem"),
            timeout=10,
        )
        # The demo tenant is of region "in": the us host refuses it, explained, as the real would.
        assert answer.status_code == 401 and answer.json()["reason"] == "region_mismatch"
        entry = requests.get(
            f"{server.url}/_sandbox/journal/{answer.headers['X-Sandbox-Request-Id']}",
            headers={"X-Sandbox-Admin-Token": ADMIN},
            timeout=5,
        ).json()
        said = {k.lower(): v for k, v in entry["headers"].items()}["x-sandbox-tls"]
        assert said.endswith("sni=events-us.customerglu.com")
        # What an Android developer runs first (the stand-in for OkHttp): curl through
        # the proxy, trusting only the sandbox's CA.
        curl = subprocess.run(
            [
                "curl", "-sS", "--max-time", "10", "--cacert", str(tmp_path / "ca.pem"),
                "--proxy", f"http://127.0.0.1:{proxy}", "-H", f"x-api-key: {DEMO_KEY}",
                "https://api.customerglu.com/client/v1/sdk/config",
            ],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert curl.returncode == 0 and json.loads(curl.stdout)["success"] is True, curl.stderr
        # The Android SDK's stack: OkHttp (Debian's libokhttp-java) with a trust manager for
        # the CA, through the proxy, by name. Retrofit, above it in the SDK, is not packaged.
        jars = [Path("/usr/share/java/okhttp.jar"), Path("/usr/share/java/okio.jar")]
        if shutil.which("java") and all(j.exists() for j in jars):
            ok = subprocess.run(
                [
                    "java", "-cp", ":".join(map(str, jars)),
                    str(ROOT / "tests" / "okhttp" / "OkProbe.java"),
                    str(tmp_path / "ca.pem"), str(proxy),
                    "https://stream.customerglu.com/client/v1/sdk/config", DEMO_KEY,
                ],
                capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            status, _, body = ok.stdout.partition(" ")
            assert ok.returncode == 0 and status == "200", ok.stdout + ok.stderr
            assert json.loads(body)["success"] is True
        elif os.environ.get("SANDBOX_REQUIRE_CONTRACT_TOOLS"):
            raise AssertionError(
                "java and libokhttp-java are required here (.ci/run installs them)"
            )

        # Any other host is tunnelled untouched.
        target = f"127.0.0.1:{local.server_address[1]}"
        got = _raw(
            proxy,
            f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode()
            + b"GET / HTTP/1.0\r\n\r\n",
        )
        assert got.startswith(b"HTTP/1.1 200 Connection established") and got.endswith(b"tunnelled")
        tunnels = requests.get(
            f"{server.url}/_sandbox/journal?flag=tunnel",
            headers={"X-Sandbox-Admin-Token": ADMIN},
            timeout=5,
        ).json()["entries"]
        assert [(t["method"], t["status"]) for t in tunnels] == [("CONNECT", 200)]
        # Every CustomerGlu host through the proxy, as the app names it.
        for name in hosts.names():
            through = requests.get(
                f"https://{name}/client/v1/sdk/config",
                headers={"x-api-key": DEMO_KEY},
                proxies={"https": f"http://127.0.0.1:{proxy}"},
                verify=str(tmp_path / "ca.pem"),
                timeout=10,
            )
            assert through.status_code in (200, 401), (name, through.text)
            assert (through.status_code == 200) == (hosts.region_of_host(name) == "in"), name
        # Not a CONNECT: the port says what it is.
        wrong = _raw(proxy, b"GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n")
        assert wrong.startswith(b"HTTP/1.1 405") and b"device proxy" in wrong
    finally:
        server.stop()
        local.shutdown()
        local.server_close()


def test_the_proxy_refuses_other_hosts_when_told_to(tmp_path):
    import requests

    server, proxy = _server_with(tmp_path, "SANDBOX_PROXY_PORT", {"SANDBOX_PROXY_TUNNEL": "false"})
    try:
        got = _raw(proxy, b"CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n")
        assert got.startswith(b"HTTP/1.1 403") and b"SANDBOX_PROXY_TUNNEL=false" in got
        refused = requests.get(
            f"{server.url}/_sandbox/journal?flag=tunnel",
            headers={"X-Sandbox-Admin-Token": ADMIN},
            timeout=5,
        ).json()["entries"]
        assert [(t["method"], t["status"]) for t in refused] == [("CONNECT", 403)]
    finally:
        server.stop()


def test_reading_the_ca_never_remakes_the_leaf(tmp_path):
    """The CA's downloads read the CA only: the leaf the server's start made (with the public
    URL's host) stays as it is, so the TLS port keeps certifying that name."""
    from sandbox.http import ca

    folder = ca.ensure(str(tmp_path), ["sandbox.partner.example"])
    leaf = (folder / "leaf.pem").read_bytes()
    ca.ca_pem(str(tmp_path))
    ca.mobileconfig(str(tmp_path))
    ca.fingerprint(str(tmp_path))
    assert (folder / "leaf.pem").read_bytes() == leaf
    assert "sandbox.partner.example" in ca.stored_names(str(tmp_path))
