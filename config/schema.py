"""OpenAPI schema adjustments shared by every endpoint.

drf-spectacular documents the success answers of each view; the error answers that every
endpoint can give (API.md's conventions) are added here in one place so that clients and
the schema-driven API fuzzing see the whole contract.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse

ERROR_SCHEMA_NAME = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": 'Either {"detail": "..."} or field errors {"field": ["..."]}.',
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}

COMMON_ERRORS = {
    "401": _("Not signed in."),
    "403": _("Signed in but not allowed."),
    "404": _("Not found, or not visible to you."),
    "429": _("Too many requests; retry after the number of seconds in Retry-After."),
}
WRITE_ERRORS = {
    "400": _("Invalid input: field errors or a detail message."),
    "409": _("Not allowed in the current state, or not enough stock."),
    "413": _("Upload too large."),
}


def add_error_responses(result, generator, request, public):
    """Postprocessing hook: document the error answers on every operation."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    reference = {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            errors = dict(COMMON_ERRORS)
            # Query filters are validated too, so reads can answer 400 as well.
            errors["400"] = WRITE_ERRORS["400"]
            if method != "get":
                errors.update(WRITE_ERRORS)
            for code, description in errors.items():
                responses.setdefault(
                    code,
                    {
                        "description": str(description),
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result


# The errors an operation declares for itself with documented(), beside the common ones above.
ERROR_DESCRIPTIONS = {
    400: "Field errors, or a filter value that is not valid",
    401: "Not signed in",
    403: "Signed in but not allowed",
    404: "Not found, not visible to you, or no such page",
    409: "Not allowed in the current state",
    429: "Too many requests or failed sign-ins",
}


def documented(ok, *codes):
    """Responses of an operation for the schema: the answer `ok` plus the errors it can give."""
    responses = ok if isinstance(ok, dict) else {200: ok}
    return {
        **responses,
        **{code: OpenApiResponse(description=ERROR_DESCRIPTIONS[code]) for code in codes},
    }
