"""The sandbox's CA for devices to trust (open: a phone downloads it in its browser, and a
CA certificate is public): PEM, DER (.crt) or an iOS/macOS configuration profile."""

from flask import Response, request

from ..errors import ApiError
from ..http import ca
from ..http.current import runtime
from ..openapi.declare import ADMIN, NONE, declare, param
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


@bp.post("/tls/rotate")
@declare(
    "Make a new CA and leaf: devices must trust the new CA; the TLS port serves the new leaf "
    "from its next connection",
    "admin",
    ADMIN,
    "TlsRotated",
    errors=(401,),
    expect=(200,),
)
def rotate_ca():
    """Replace the CA and the leaf (the names kept); answer the new CA's fingerprint."""
    data_dir = runtime().store.data_dir
    folder = ca.rotate(data_dir, ca.stored_names(data_dir))
    return {"fingerprint": ca.fingerprint(data_dir), "folder": str(folder)}
