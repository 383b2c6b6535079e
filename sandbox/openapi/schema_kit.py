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


# A required text field: the sandbox treats "" as missing.
NEED = {"type": "string", "minLength": 1}


def nullable(schema: dict) -> dict:
    """Return `schema` that also allows null (the sandbox reads a null field as absent)."""
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}
