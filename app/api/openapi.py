"""The OpenAPI 3.1 document of ``/api/v1``, written beside the views it describes (a test
validates it with openapi-spec-validator and runs schemathesis against the live API).

The collection filters (``<field>``, ``<field>__<op>``) are listed from the same table the
views parse with (``representation.FIELDS``), so the two cannot drift apart.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from app.api.artifacts import ARTIFACT_FIELDS, VERSION_FIELDS
from app.api.changes import FIELDS as CHANGE_FIELDS
from app.api.changes import PREFIX
from app.api.collections import MAX_LIMIT, OPS, Kind
from app.api.inputs import MAX_VALUE
from app.api.representation import FIELDS

Json = dict[str, Any]

PATH_PATTERN = r"^(server|projects/[^/\[\]]+)(/[^/\[\]]+)+$"
SHEET_PATTERN = r"^(server|projects/[^/\[\]]+)(/[^/\[\]]+)*$"
OPS_OF = {
    Kind.TEXT: OPS,
    Kind.BOOL: ("eq", "ne", "in", "notin"),
    Kind.INT: tuple(op for op in OPS if op != "contains"),
}
SCALAR = {Kind.TEXT: "string", Kind.BOOL: "boolean", Kind.INT: "integer"}
ERROR_STATUSES = {
    "413": "The tree or the plan is larger than one call carries",
    "400": "Bad parameter or body (the message names it)",
    "403": "The key may not do this (read-only, or outside its path prefixes)",
    "404": "No such property, sheet or owner",
    "409": "Conflict: a sheet where a value was meant, another write in progress, or "
    "propdesk's save lock ran out: before the write (nothing was written; send it again), or "
    "during it and the read-back found it replaced or could not read (read before writing)",
    "412": "If-Match / If-None-Match did not hold",
    "502": "CloudBees CD failed",
    "503": "CloudBees CD, or propdesk's database or session store, does not answer",
}
UNANSWERED = (
    "A write CloudBees CD does not answer in time may still have landed: propdesk journals "
    "it with outcome `unknown` and reads the property back at once. Landed: the ordinary "
    "success answer (status, body and `ETag` of the state read back). Not landed so far: "
    "503 `UpstreamUnavailable` saying nothing was written so far (a late write may still "
    "land; sending it again is safe). Read-back failed, or it found neither this write nor "
    "what was there before: 503 `UpstreamUnavailable` saying it cannot be confirmed."
)


def ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: Json) -> Json:
    return {"application/json": {"schema": schema}}


def errors(*statuses: str) -> Json:
    """The error answers of an operation: the envelope, the plain-text 401, the 429."""
    found: Json = {
        code: {"description": ERROR_STATUSES[code], "content": json_content(ref("Error"))}
        for code in statuses
    }
    found["401"] = {"$ref": "#/components/responses/InvalidKey"}
    found["429"] = {"$ref": "#/components/responses/TooManyRequests"}
    return found


def path_parameter(pattern: str) -> Json:
    return {
        "name": "path",
        "in": "path",
        "required": True,
        "description": "A property path without its leading slash: `projects/Default/x`",
        "example": "projects/Default/PythonProperty",
        "schema": {"type": "string", "pattern": pattern},
    }


def header(name: str, description: str) -> Json:
    return {"name": name, "in": "header", "required": False, "description": description,
            "schema": {"type": "string"}}  # fmt: skip


def collection_parameters(fields: dict[str, Kind]) -> list[Json]:
    """``field``, ``order``, ``offset``, ``limit`` and a filter per field and operator."""
    names = sorted(fields)
    usable = [n for n in names if fields[n] is not Kind.OBJECT]
    orders = [*usable, *("-" + n for n in usable)]
    found: list[Json] = [
        {"name": "field", "in": "query", "explode": True,
         "schema": {"type": "array", "items": {"type": "string", "enum": names}}},
        {"name": "order", "in": "query", "explode": True,
         "schema": {"type": "array", "items": {"type": "string", "enum": orders}}},
        {"name": "offset", "in": "query",
         "schema": {"type": "integer", "minimum": 0, "maximum": 10**9 - 1}},
        {"name": "limit", "in": "query",
         "schema": {"type": "integer", "minimum": 0, "maximum": MAX_LIMIT}},
    ]  # fmt: skip
    for name in usable:
        kind = fields[name]
        for op in OPS_OF[kind]:
            found.append(
                {
                    "name": name if op == "eq" else f"{name}__{op}",
                    "in": "query",
                    "explode": True,
                    "schema": {"type": "array", "items": {"type": SCALAR[kind]}},
                }
            )
    return found


def list_schema(member: str) -> Json:
    """A collection: ``{member: [...], "meta": {"total": N}}``."""
    return {
        "type": "object",
        "required": [member, "meta"],
        "properties": {
            member: {"type": "array", "items": {"type": "object"}},
            "meta": {
                "type": "object",
                "required": ["total"],
                "properties": {"total": {"type": "integer", "minimum": 0}},
            },
        },
    }


def property_schema() -> Json:
    """A property as ``representation.property_json`` shows it."""
    nullable_text = {"type": ["string", "null"]}
    return {
        "type": "object",
        "required": sorted(FIELDS),
        "properties": {
            "path": {"type": "string"},
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": ["property", "sheet"]},
            "value": nullable_text,
            "description": {"type": "string"},
            "expandable": {"type": "boolean"},
            "counter": {"type": "boolean"},
            "id": {"type": ["integer", "null"]},
            "owner": {"type": "string"},
            "createTime": nullable_text,
            "modifyTime": nullable_text,
            "lastModifiedBy": {"type": "string"},
        },
    }


def error_schema() -> Json:
    """The one JSON error envelope: ``{"error": {"code", "message"}}``."""
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            }
        },
    }


def search_page_schema() -> Json:
    """One page of search results with its ``meta`` (``total`` may be ``null``)."""
    return {
        "type": "object",
        "required": ["properties", "meta"],
        "properties": {
            "properties": {"type": "array", "items": {"type": "object"}},
            "meta": {
                "type": "object",
                "required": ["total", "hasMore", "namesOnly"],
                "properties": {
                    "total": {"type": ["integer", "null"]},
                    "hasMore": {"type": "boolean"},
                    "namesOnly": {"type": "boolean"},
                },
            },
        },
    }


def schemas() -> Json:
    """The named schemas of the document (``#/components/schemas``)."""
    return {
        "Error": error_schema(),
        "Version": {
            "type": "object",
            "required": ["id", "builduser", "version"],
            "properties": {k: {"type": "string"} for k in ("id", "builduser", "version")},
        },
        "Property": property_schema(),
        "PropertyAnswer": {
            "type": "object",
            "required": ["property"],
            "properties": {"property": ref("Property")},
        },
        "PropertyWrite": {
            "type": "object",
            "required": ["value"],
            "additionalProperties": False,
            "properties": {
                "value": {"type": "string", "maxLength": MAX_VALUE},
                "description": {"type": "string", "maxLength": MAX_VALUE},
                "expandable": {"type": "boolean"},
            },
        },
        "SheetWrite": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"description": {"type": "string", "maxLength": MAX_VALUE}},
        },
        "ChangeList": list_schema("changes"),
        "SearchPage": search_page_schema(),
        "PropertyList": list_schema("properties"),
    }


def components() -> Json:
    etag = {"ETag": {"schema": {"type": "string"}, "description": "The property's state"}}
    return {
        "schemas": schemas(),
        "securitySchemes": {
            "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "API-Key"},
            "ApiKeyQuery": {"type": "apiKey", "in": "query", "name": "api_key"},
        },
        "headers": etag,
        "responses": {
            "InvalidKey": {
                "description": "Missing, unknown, revoked or expired key",
                "content": {
                    "text/plain": {"schema": {"type": "string", "enum": ["Invalid API key"]}}
                },
            },
            "TooManyRequests": {
                "description": "The key's rate limit is spent",
                "headers": {"Retry-After": {"schema": {"type": "string"}, "required": True}},
                "content": json_content(ref("Error")),
            },
            "Property": {
                "description": "The property",
                "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
                "content": json_content(ref("PropertyAnswer")),
            },
        },
    }


def body(schema: str, required: bool = True) -> Json:
    return {"required": required, "content": json_content(ref(schema))}


def property_item() -> Json:
    conditions = [
        header("If-Match", "Write only if the property's ETag is one of these (or `*`)"),
        header("If-None-Match", "`*`: create only; an ETag: refuse (412) if it matches"),
    ]
    expand = {
        "name": "expand",
        "in": "query",
        "schema": {"type": "boolean"},
        "description": "Resolve `$[...]` references (the ETag is then weak); a key with "
        "path prefixes may expand only a value without references (else 403)",
    }
    prop = {"$ref": "#/components/responses/Property"}
    return {
        "parameters": [path_parameter(PATH_PATTERN)],
        "get": {
            "operationId": "getProperty",
            "summary": "Read one property (raw unless expand)",
            "parameters": [expand, header("If-None-Match", "304 when the ETag matches")],
            "responses": {
                "200": prop,
                "304": {"description": "Unchanged since that ETag"},
                **errors("400", "403", "404", "502", "503"),
            },
        },
        "put": {
            "operationId": "putProperty",
            "summary": "Create or change a value property (compare-and-set with If-Match)",
            "description": UNANSWERED,
            "parameters": conditions,
            "requestBody": body("PropertyWrite"),
            "responses": {
                "200": prop,
                "201": prop,
                **errors("400", "403", "404", "409", "412", "502", "503"),
            },
        },
        "delete": {
            "operationId": "deleteProperty",
            "summary": "Delete a property or a sheet with its contents",
            "description": UNANSWERED,
            "parameters": conditions,
            "responses": {
                "204": {"description": "Deleted"},
                **errors("400", "403", "404", "409", "412", "502", "503"),
            },
        },
    }


def sheet_item() -> Json:
    prop = {"$ref": "#/components/responses/Property"}
    return {
        "parameters": [path_parameter(SHEET_PATTERN)],
        "get": {
            "operationId": "listSheet",
            "summary": "A sheet's entries as a collection (Buildbot's parameters); "
            "meta.total counts every match before offset/limit (Buildbot 4.3 does not)",
            "parameters": collection_parameters(FIELDS),
            "responses": {
                "200": {
                    "description": "The entries",
                    "content": json_content(ref("PropertyList")),
                },
                **errors("400", "403", "404", "502", "503"),
            },
        },
        "put": {
            "operationId": "putSheet",
            "summary": "Make a property sheet (200 when it is there already)",
            "description": UNANSWERED,
            "parameters": [header("If-None-Match", "`*`: create only")],
            "requestBody": body("SheetWrite", required=False),
            "responses": {
                "200": prop,
                "201": prop,
                **errors("400", "403", "404", "409", "412", "502", "503"),
            },
        },
    }


def changes_item() -> Json:
    starts = {"name": PREFIX, "in": "query", "explode": True,
              "description": "Paths that start with this text (repeated: any of)",
              "schema": {"type": "array", "items": {"type": "string"}}}  # fmt: skip
    return {
        "get": {
            "operationId": "listChanges",
            "summary": "propdesk's journal of changes, newest first, as a collection",
            "parameters": [*collection_parameters(CHANGE_FIELDS), starts],
            "responses": {
                "200": {"description": "The entries", "content": json_content(ref("ChangeList"))},
                **errors("400", "503"),
            },
        }
    }


def export_item() -> Json:
    kind = {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["yaml", "json"]}}
    return {
        "parameters": [path_parameter(SHEET_PATTERN)],
        "get": {
            "operationId": "exportSheet",
            "summary": "A sheet and all under it in propdesk's export format (YAML or JSON)",
            "parameters": [kind],
            "responses": {
                "200": {
                    "description": "The export file",
                    "content": {
                        "application/yaml": {"schema": {}},
                        "application/json": {"schema": {}},
                    },
                },
                **errors("400", "403", "404", "413", "502", "503"),
            },
        },
    }


def import_item() -> Json:
    query = [
        {"name": "mode", "in": "query", "schema": {"type": "string", "enum": ["merge", "mirror"]},
         "description": "merge: create and change; mirror: also delete what the file lacks"},
        {"name": "dry_run", "in": "query", "schema": {"type": "boolean"},
         "description": "Return the plan instead of applying it"},
    ]  # fmt: skip
    return {
        "parameters": [path_parameter(SHEET_PATTERN)],
        "post": {
            "operationId": "importSheet",
            "summary": "Plan an import into a sheet; return the plan (dry_run) or apply it "
            "and return the report (conflicts skipped and reported)",
            "parameters": query,
            "requestBody": {
                "required": True,
                "content": {
                    "text/plain": {"schema": {"type": "string"}},
                    "application/json": {"schema": {"type": "object"}},
                },
            },
            "responses": {
                "200": {
                    "description": "The plan or the report",
                    "content": json_content({"type": "object"}),
                },
                **errors("400", "403", "404", "409", "413", "502", "503"),
            },
        },
    }


def search_item() -> Json:
    def query(name: str, schema: Json, description: str, required: bool = False) -> Json:
        return {"name": name, "in": "query", "required": required, "schema": schema,
                "description": description}  # fmt: skip

    return {
        "get": {
            "operationId": "search",
            "summary": "Properties whose name or value holds the text (one page)",
            "parameters": [
                query("q", {"type": "string", "minLength": 2, "maxLength": 200}, "The text", True),
                query("in", {"type": "string", "enum": ["names", "values", "both"]}, "Where"),
                query("scope", {"type": "string"}, "A sheet path: search under it only"),
                query("page", {"type": "integer", "minimum": 1, "maximum": 10**6}, "From 1"),
                query("limit", {"type": "integer", "minimum": 1, "maximum": 100}, "Page size"),
            ],
            "responses": {
                "200": {"description": "The hits", "content": json_content(ref("SearchPage"))},
                **errors("400", "403", "404", "502", "503"),
            },
        }
    }


def artifact_items() -> Json:
    pattern = r"^[A-Za-z0-9_. -]+:[A-Za-z0-9_. -]+$"
    name = {"name": "name", "in": "path", "required": True, "example": "com.example:app",
            "schema": {"type": "string", "pattern": pattern}}  # fmt: skip
    listing = {"description": "The entries", "content": json_content({"type": "object"})}
    return {
        "/artifacts": {
            "get": {
                "operationId": "listArtifacts",
                "summary": "Every artifact, as a collection",
                "parameters": collection_parameters(ARTIFACT_FIELDS),
                "responses": {"200": listing, **errors("400", "502", "503")},
            }
        },
        "/artifacts/{name}/versions": {
            "parameters": [name],
            "get": {
                "operationId": "listArtifactVersions",
                "summary": "The versions of groupId:artifactKey, as a collection",
                "parameters": collection_parameters(VERSION_FIELDS),
                "responses": {"200": listing, **errors("400", "404", "502", "503")},
            },
            "post": publish_operation(),
        },
    }


def publish_operation() -> Json:
    """``POST /artifacts/{name}/versions``: a multipart publish, as the publish page sends."""
    text = {"type": "string", "maxLength": 255}
    version = {"type": "string", "maxLength": 255,
               "pattern": r"^[0-9]+(\.[0-9]+){0,2}(-[A-Za-z0-9_.]+(-[0-9]+)?)?$"}  # fmt: skip
    form = {
        "type": "object",
        "required": ["version"],
        "additionalProperties": False,
        "properties": {
            "version": version,
            "description": {"type": "string"},
            "repository": text,
            "dependencies": {"type": "array", "items": text,
                             "description": "Versions it depends on (groupId:artifactKey:version)"},
            "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
        },
    }  # fmt: skip
    created = {"type": "object", "required": ["artifactVersion"],
               "properties": {"artifactVersion": {"type": "object"}}}  # fmt: skip
    return {
        "operationId": "publishArtifactVersion",
        "summary": "Publish a version (with files or none), checked as the publish page "
        "checks it: names, version, file count and size, dependencies that exist",
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": form}}},
        "responses": {
            "201": {"description": "The new version", "content": json_content(created)},
            **errors("400", "403", "404", "409", "413", "502", "503"),
        },
    }


def public(operation_id: str, summary: str, schema: Json) -> Json:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "security": [{}, {"ApiKeyHeader": []}, {"ApiKeyQuery": []}],
            "responses": {
                "200": {"description": "OK", "content": json_content(schema)},
                **errors("400"),
            },
        }
    }


@cache
def document() -> Json:
    """The whole document (built once)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "propdesk API",
            "version": "1",
            "description": "Properties of CloudBees CD through propdesk: scoped, revocable "
            "keys and writes that never lose an update (If-Match).",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"ApiKeyHeader": []}, {"ApiKeyQuery": []}],
        "paths": {
            "/version": public("getVersion", "Which build answers", ref("Version")),
            "/openapi.json": public("getOpenApi", "This document", {"type": "object"}),
            "/properties/{path}": property_item(),
            "/sheets/{path}": sheet_item(),
            "/changes": changes_item(),
            "/search": search_item(),
            **artifact_items(),
            "/export/{path}": export_item(),
            "/import/{path}": import_item(),
        },
        "components": components(),
    }
