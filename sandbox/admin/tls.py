"""The sandbox's CA for devices to trust (open: a phone downloads it in its browser, and a
CA certificate is public): PEM, DER (.crt) or an iOS/macOS configuration profile."""

from flask import Response, request

from ..errors import ApiError
from ..http import ca
from ..http.current import runtime
from ..openapi.declare import NONE, declare, declare_admin, param
from . import OPEN_ENDPOINTS, bp

FORMATS = {
    "pem": ("application/x-pem-file", "customerglu-sandbox-ca.pem"),
    "crt": ("application/x-x509-ca-cert", "customerglu-sandbox-ca.crt"),
    "mobileconfig": ("application/x-apple-aspen-config", "customerglu-sandbox.mobileconfig"),
}


@bp.get("/ca")
@declare(
    "The sandbox's CA certificate for a device to trust: ?format=pem (default), crt (DER) or "
    "mobileconfig (an iOS/macOS profile); open",
    "admin",
    NONE,
    None,
    errors=(400,),
    params=[param("format", schema={"enum": ["", *FORMATS]})],
    ok_type=tuple(kind for kind, _name in FORMATS.values()),
)
def sandbox_ca():
    """Serve the CA (made on first use), with its SHA-256 fingerprint in a header."""
    fmt = request.args.get("format") or "pem"
    if fmt not in FORMATS:
        raise ApiError(400, f"format must be one of {', '.join(FORMATS)}", "bad_format")
    data_dir = runtime().store.data_dir
    body = {"pem": ca.ca_pem, "crt": ca.ca_der, "mobileconfig": ca.mobileconfig}[fmt](data_dir)
    kind, name = FORMATS[fmt]
    return Response(
        body,
        mimetype=kind,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-CA-Fingerprint": ca.fingerprint(data_dir),
        },
    )


OPEN_ENDPOINTS.add("admin.sandbox_ca")


@bp.get("/ca/page")
@declare(
    "A page to open on the device: QR codes and links to the CA for iOS and Android (open)",
    "admin",
    NONE,
    None,
    ok_type="text/html",
)
def ca_page():
    """Show QR codes of the CA's links (scan with the phone's camera) and the steps after."""
    import io
    from html import escape

    import segno

    base = runtime().public_url()
    data_dir = runtime().store.data_dir
    blocks = []
    for label, fmt, after in (
        (
            "iPhone, iPad (a profile)",
            "mobileconfig",
            "Then Settings > General > VPN & Device Management: install it; and Settings > "
            "General > About > Certificate Trust Settings: turn on full trust.",
        ),
        (
            "Android (a CA certificate)",
            "crt",
            "Then Settings > Security > Encryption & credentials > Install a certificate > "
            "CA certificate; the app's debug build must trust user CAs.",
        ),
    ):
        link = f"{base}/_sandbox/ca?format={fmt}"
        svg = io.BytesIO()
        segno.make(link, error="m").save(svg, kind="svg", scale=5, xmldecl=False)
        blocks.append(
            f"<section><h2>{escape(label)}</h2>{svg.getvalue().decode()}"
            f'<p><a href="{escape(link)}">{escape(link)}</a></p><p>{escape(after)}</p></section>'
        )
    html = (
        "<!doctype html><html><head><meta charset=utf-8><meta name=viewport "
        'content="width=device-width,initial-scale=1"><title>Trust the CustomerGlu sandbox</title>'
        "<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;"
        "padding:0 1rem}section{margin:2rem 0}code{word-break:break-all}</style></head><body>"
        "<h1>Trust the CustomerGlu sandbox</h1><p>Scan with the device's camera, or open the "
        "link on it. The CA's SHA-256 fingerprint, to compare with what the device shows: "
        f"<code>{escape(ca.fingerprint(data_dir))}</code></p>"
        + "".join(blocks)
        + "<p>The full steps per platform: <code>python -m sandbox tls setup &lt;platform&gt;"
        "</code>.</p></body></html>"
    )
    return Response(html, mimetype="text/html")


OPEN_ENDPOINTS.add("admin.ca_page")


@bp.post("/tls/rotate")
@declare_admin(
    "Make a new CA and leaf: devices must trust the new CA; the TLS port serves the new leaf "
    "from its next connection",
    "TlsRotated",
    errors=(401,),
    expect=(200,),
)
def rotate_ca():
    """Replace the CA and the leaf (the names kept); answer the new CA's fingerprint."""
    data_dir = runtime().store.data_dir
    folder = ca.rotate(data_dir, ca.stored_names(data_dir))
    return {"fingerprint": ca.fingerprint(data_dir), "folder": str(folder)}
