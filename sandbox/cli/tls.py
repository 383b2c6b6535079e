"""`tls setup`: the exact steps for a device or machine to trust the sandbox's CA and reach it
under the CustomerGlu host names."""

import click

from ..hosts import names
from .common import echo_json, through_sandbox

tls_group = click.Group("tls", help="TLS for the CustomerGlu host names: trust the sandbox's CA.")

PLATFORMS = ("ios-simulator", "ios-device", "android-emulator", "android-device", "macos", "linux")


def _hosts_line(address: str) -> str:
    return f"{address} " + " ".join(names())


def steps(platform: str, url: str, port: int | None) -> list[str]:
    """Return the steps for `platform`, with the sandbox's URL and TLS port filled in."""
    pem, crt = f"{url}/_sandbox/ca", f"{url}/_sandbox/ca?format=crt"
    profile = f"{url}/_sandbox/ca?format=mobileconfig"
    tls = port or 8443
    forward_mac = (
        f'echo "rdr pass on lo0 inet proto tcp from any to 127.0.0.1 port 443 -> 127.0.0.1 '
        f'port {tls}" | sudo pfctl -ef -'
    )
    forward_linux = (
        f"sudo iptables -t nat -A OUTPUT -p tcp -d 127.0.0.1 --dport 443 -j REDIRECT "
        f"--to-ports {tls}"
    )
    start = (
        []
        if port
        else [f"Start the sandbox with TLS: SANDBOX_TLS_PORT={tls} python -m sandbox serve"]
    )
    hosts_mac = f"echo '{_hosts_line('127.0.0.1')}' | sudo tee -a /etc/hosts"
    if platform == "ios-simulator":
        return [
            *start,
            f"curl -o sandbox-ca.pem {pem}",
            "xcrun simctl keychain booted add-root-cert sandbox-ca.pem",
            "# The simulator resolves names as the Mac does, and the SDK calls port 443:",
            hosts_mac,
            forward_mac,
        ]
    if platform == "ios-device":
        return [
            *start,
            f"On the device, open {profile} in Safari and allow the download.",
            "Settings > General > VPN & Device Management: install 'CustomerGlu sandbox'.",
            "Settings > General > About > Certificate Trust Settings: turn on full trust for "
            "'CustomerGlu sandbox CA' (iOS does not trust an installed root until then).",
            "The device must resolve the CustomerGlu hosts to this machine: a DNS override on "
            f"your network for: {' '.join(names())}",
        ]
    if platform in ("android-emulator", "android-device"):
        out = [
            *start,
            f"curl -o sandbox-ca.crt {crt}",
            "adb push sandbox-ca.crt /sdcard/Download/",
            "On the device: Settings > Security > Encryption & credentials > Install a "
            "certificate > CA certificate > sandbox-ca.crt",
            "In the app's debug build, trust user CAs: res/xml/network_security_config.xml =",
            '  <network-security-config><debug-overrides><trust-anchors><certificates src="user"/>'
            "</trust-anchors></debug-overrides></network-security-config>",
            '  and android:networkSecurityConfig="@xml/network_security_config" in the manifest '
            "(or put sandbox-ca.crt in res/raw and name it: "
            '<certificates src="@raw/sandbox_ca"/>).',
        ]
        if platform == "android-emulator":
            out += [
                "# 10.0.2.2 is this machine as the emulator sees it; 443 must reach the TLS port:",
                "adb root && adb remount",
                f"adb shell \"echo '{_hosts_line('10.0.2.2')}' >> /system/etc/hosts\"",
                forward_linux.replace("127.0.0.1", "10.0.2.2") + "   # or listen on 443",
            ]
        else:
            out.append(
                "The device must resolve the CustomerGlu hosts to this machine: a DNS override "
                f"on your network for: {' '.join(names())}"
            )
        return out
    if platform == "macos":
        return [
            *start,
            f"curl -o sandbox-ca.pem {pem}",
            "sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain "
            "sandbox-ca.pem",
            hosts_mac,
            forward_mac,
        ]
    return [
        *start,
        f"curl -o sandbox-ca.pem {pem}",
        "sudo cp sandbox-ca.pem /usr/local/share/ca-certificates/customerglu-sandbox.crt",
        "sudo update-ca-certificates",
        "# Python requests and Node read their own bundles:",
        "export REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt",
        "export NODE_EXTRA_CA_CERTS=$PWD/sandbox-ca.pem",
        f"echo '{_hosts_line('127.0.0.1')}' | sudo tee -a /etc/hosts",
        forward_linux,
    ]


@tls_group.command("setup")
@click.argument("platform", type=click.Choice(PLATFORMS))
@through_sandbox
def tls_setup(sb, platform, as_json):
    """Print the steps for PLATFORM to trust the sandbox's CA and reach it by the CustomerGlu
    host names; the CA's fingerprint to compare with what the device shows."""
    answer = sb.call("GET", "/ca")
    port = int(sb.get("/").get("tlsPort") or 0)
    found = steps(platform, sb.url, port)
    fingerprint = answer.headers.get("X-CA-Fingerprint", "")
    if as_json:
        echo_json({"platform": platform, "steps": found, "caFingerprint": fingerprint})
        return
    for line in found:
        click.echo(line)
    click.echo(f"# the CA's SHA-256 fingerprint: {fingerprint}", err=True)


def diagnose(name: str, port: int, cafile: str, address: str | None = None) -> tuple[bool, str]:
    """Check one host as this machine reaches it: its address, then a TLS handshake that
    trusts only the sandbox's CA. Return (fine, what was found or what to do)."""
    import socket
    import ssl

    try:
        found = address or socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)[0][4][0]
    except OSError:
        return False, f"does not resolve here: add the hosts line ({name} -> this machine)"
    local = found.startswith("127.") or found == "::1"
    context = ssl.create_default_context(cafile=cafile)
    try:
        with socket.create_connection((found, port), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname=name) as tls:
                return (
                    True,
                    f"{found}:{port} answers with the sandbox's certificate ({tls.version()})",
                )
    except ssl.SSLCertVerificationError as exc:
        where = "this machine" if local else f"{found}, not this machine"
        return False, (
            f"{where} answers with a certificate the sandbox's CA did not sign "
            f"({exc.verify_message}): it is not the sandbox (check the hosts line), or the CA "
            "was rotated"
        )
    except OSError as exc:
        hint = (
            f"nothing answers TLS on {found}:{port}: start with SANDBOX_TLS_PORT, and forward "
            f"443 to it (`python -m sandbox tls setup <platform>`)"
            if local
            else f"{found} is not this machine: add the hosts line ({name} -> 127.0.0.1)"
        )
        return False, f"{hint} ({type(exc).__name__})"


@tls_group.command("doctor")
@click.option("--host", "names_asked", multiple=True, help="Check only this name (repeatable).")
@click.option("--port", default=443, show_default=True, help="The port apps call.")
@click.option(
    "--address", help="Connect here instead of where the name resolves (a DNS override to test)."
)
@through_sandbox
def tls_doctor(sb, names_asked, port, address, as_json):
    """Check each CustomerGlu host as this machine reaches it: where it resolves, and whether
    what answers there is the sandbox with a certificate its CA signed; say what is missing."""
    import tempfile

    pem = sb.call("GET", "/ca").body
    with tempfile.NamedTemporaryFile("wb", suffix=".pem", delete=False) as fh:
        fh.write(pem)
        cafile = fh.name
    results = []
    for name in names_asked or names():
        fine, said = diagnose(name, port, cafile, address)
        results.append({"host": name, "ok": fine, "found": said})
    if as_json:
        echo_json({"port": port, "hosts": results})
    else:
        for r in results:
            mark = click.style("ok  ", fg="green") if r["ok"] else click.style("FAIL", fg="red")
            click.echo(f"{mark} {r['host']}: {r['found']}")
    if not all(r["ok"] for r in results):
        raise SystemExit(1)


@tls_group.command("rotate")
@through_sandbox
def tls_rotate(sb, as_json):
    """Make a new CA and leaf; every device must trust the new CA (the old one stops working)."""
    done = sb.call("POST", "/tls/rotate").json()
    if as_json:
        echo_json(done)
        return
    click.echo(f"new CA, fingerprint {done['fingerprint']}")
    click.echo("trust it again on each device: python -m sandbox tls setup <platform>", err=True)


COMMANDS = (tls_group,)
