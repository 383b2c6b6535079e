"""The sandbox's CA for devices to trust (open: a phone downloads it in its browser, and a
CA certificate is public): PEM, DER (.crt) or an iOS/macOS configuration profile."""

from flask import Response, request

from ..errors import ApiError
from ..http import ca
from ..http.current import runtime
from ..openapi.declare import NONE, declare, param
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
