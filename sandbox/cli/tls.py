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
