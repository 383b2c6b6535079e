"""Folder 6 of the collection: one request per explained 401 reason."""

from items import (
    B64URL,
    BEARER_HEADER,
    KEY_HEADER,
    explained_401,
    folder,
    request,
)


def _crafted(name, lines):
    """Return pre-request lines that store a crafted token in the variable `name`."""
    return B64URL + lines + [f"pm.variables.set('{name}', crafted);"]


def auth_failures():
    """Folder 6: one request per explained 401 reason the collection can produce."""
    ev = "/server/v4"
    body = {
        "event_id": "{{$guid}}",
        "event_name": "authCheck",
        "user_id": "{{userId}}",
        "timestamp": "2026-11-27T10:00:00Z",
        "event_properties": {},
    }
    load = "/reward/v1.1/user"
    mangle = ["const key = pm.variables.get('writeKey');"]

    def key_case(reason, headers=(), path=ev, b=body, pre=()):
        return request(
            reason,
            "POST" if b is not None else "GET",
            path,
            headers=headers,
            body=b,
            pre=pre,
            tests=explained_401(reason),
        )

    def bearer_case(reason, value, pre=()):
        return request(
            reason,
            "GET",
            load,
            headers=[{"key": "Authorization", "value": value}],
            pre=pre,
            tests=explained_401(reason),
        )

    return folder(
        "6 Auth failures",
        "Every explained 401 the collection can trigger; the "
        "pytest suite covers the ones that need a tenant's secrets.",
        [
            key_case("writekey_missing"),
            key_case("writekey_wrong_place", [{"key": "Authorization", "value": "{{writeKey}}"}]),
            key_case("writekey_quoted", [{"key": "x-api-key", "value": '"{{writeKey}}"'}]),
            request(
                "writekey_whitespace",
                "POST",
                "/user/v1/user/sdk?token=true",
                body={"userId": "{{userId}}", "writeKey": "{{writeKey}}\n"},
                tests=explained_401("writekey_whitespace"),
            ),
            key_case(
                "writekey_truncated",
                [{"key": "x-api-key", "value": "{{shortKey}}"}],
                pre=mangle
                + ["pm.variables.set('shortKey', key.slice(0, Math.ceil(key.length * 0.8)));"],
            ),
            key_case(
                "writekey_typo",
                [{"key": "x-api-key", "value": "{{typoKey}}"}],
                pre=mangle
                + [
                    "const c = key[5] === 'x' ? 'y' : 'x';",
                    "pm.variables.set('typoKey', key.slice(0, 5) + c + key.slice(6));",
                ],
            ),
            key_case("writekey_unknown", [{"key": "x-api-key", "value": "no-such-key-{{$guid}}"}]),
            key_case("writekey_is_token", [{"key": "x-api-key", "value": "{{token}}"}]),
            request(
                "writekey_mismatch",
                "GET",
                "/entrypoints/v2/list/{{writeKey}}?consumer=MOBILE",
                headers=[{"key": "x-api-key", "value": "another-key-{{$guid}}"}],
                tests=explained_401("writekey_mismatch"),
            ),
            key_case(
                "event_user_mismatch",
                [KEY_HEADER, BEARER_HEADER],
                b={**body, "user_id": "someone-else"},
            ),
            request(
                "bearer_missing",
                "GET",
                load,
                headers=[KEY_HEADER],
                tests=explained_401("bearer_missing"),
            ),
            bearer_case("bearer_wrong_scheme", "Basic {{token}}"),
            bearer_case("bearer_prefix_missing", "{{token}}"),
            bearer_case("bearer_is_writekey", "Bearer {{writeKey}}"),
            bearer_case("token_malformed", "Bearer not-a-jwt"),
            bearer_case(
                "token_alg_not_allowed",
                "Bearer {{noneToken}}",
                _crafted(
                    "noneToken",
                    ["const crafted = enc({alg: 'none', typ: 'JWT'}) + '.' + payload + '.';"],
                ),
            ),
            bearer_case(
                "token_claims_missing",
                "Bearer {{noClaims}}",
                _crafted(
                    "noClaims",
                    [
                        "delete claims.userId;",
                        "const crafted = head + '.' + enc(claims) + '.' + sig;",
                    ],
                ),
            ),
            bearer_case(
                "token_unknown_client",
                "Bearer {{otherClient}}",
                _crafted(
                    "otherClient",
                    [
                        "claims.client = '00000000-0000-0000-0000-000000000000';",
                        "const crafted = head + '.' + enc(claims) + '.' + sig;",
                    ],
                ),
            ),
            bearer_case(
                "token_bad_signature",
                "Bearer {{badSig}}",
                _crafted(
                    "badSig",
                    [
                        "const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);",
                        "const crafted = head + '.' + payload + '.' + flipped;",
                    ],
                ),
            ),
            bearer_case(
                "token_signed_with_writekey",
                "Bearer {{keySigned}}",
                _crafted(
                    "keySigned",
                    [
                        "const input = head + '.' + payload;",
                        "const crafted = input + '.' + b64url(cjs.HmacSHA256(input, "
                        "pm.variables.get('writeKey')));",
                    ],
                ),
            ),
        ],
    )
