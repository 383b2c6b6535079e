"""Where a variant's codes come from: `;`-separated codes, a pool file, or the partner's API."""

import re
from pathlib import Path

from .sheet import MAX_CODES


def codes(number: int, text: str, pools_dir: Path, errors) -> list[str] | None:
    """Return the variant's coupon codes (None: no pool), from the cell or a pool file."""
    if not text:
        return None
    if re.fullmatch(r"[\w.\-]+\.(txt|csv)", text):
        path = (pools_dir / text).resolve()
        if path.parent != pools_dir.resolve() or not path.is_file():
            errors.add(
                number,
                "couponcodes",
                f"no pool file {text!r} in {pools_dir}",
                "Put the file (one code a line) in that folder, or list codes with ;.",
            )
            return None
        lines = path.read_text(encoding="utf-8").splitlines()[:MAX_CODES]
        return [c.strip() for c in lines if c.strip()]
    return [c.strip() for c in text.split(";") if c.strip()]


def coupon_api(number: int, r: dict, codes, errors) -> tuple[str | None, str | None]:
    """Return (URL, JSON path) of a variant's coupon API, or (None, None)."""
    api, path = r.get("couponapi", ""), r.get("couponcodepath", "")
    if not api:
        if path:
            errors.add(
                number,
                "couponcodepath",
                "a Coupon Code Path without a Coupon API",
                "Fill Coupon API with the URL the path reads the answer of, or clear the path.",
            )
        return None, None
    if not api.lower().startswith(("http://", "https://")) or len(api) > 2000:
        errors.add(
            number,
            "couponapi",
            f"{api[:80]!r} is not an http(s) URL",
            "Write the partner's coupon endpoint: https://partner.example/coupons.",
        )
    if codes is not None:
        errors.add(
            number,
            "couponapi",
            "both Coupon Codes and a Coupon API",
            "A variant's codes come from a pool or from the partner's API, not both.",
        )
    path = path or "code"
    if not all(part for part in path.split(".")):
        errors.add(
            number,
            "couponcodepath",
            f"{path!r} is not a path like data.code",
            "Name the keys to the code, joined by dots.",
        )
    return api, path
