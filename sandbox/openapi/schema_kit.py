"""Building blocks of the OpenAPI component schemas: types, refs, objects, the success envelope."""

STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
BOOL = {"type": "boolean"}
INT = {"type": "integer"}
OBJ = {"type": "object"}


def ref(name: str) -> dict:
    """Return a $ref to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: dict, optional: dict | None = None) -> dict:
    """Return an object schema with required and optional properties (others allowed)."""
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
    }


def success(data: dict | None = None, **extra) -> dict:
    """Return the {"success": true, "data": ...} envelope schema."""
    required = {"success": {"const": True}}
    if data is not None:
        required["data"] = data
    return obj(required, extra)
