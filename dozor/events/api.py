"""``POST /api/v1/events``: the integrators' door. All or nothing, idempotent, durable."""

import logging
from typing import Any

import orjson
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, TypeAdapter, ValidationError

from dozor.auth.deps import TokenDep
from dozor.deps import SettingsDep, WriterDep
from dozor.events import contract as c
from dozor.events.ingest import Rejected

router = APIRouter(prefix="/api/v1", tags=["events"])
_list_adapter: TypeAdapter[list[c.Event]] = TypeAdapter(list[c.Event])


class IngestAnswer(BaseModel):
    accepted: int
    duplicates: int


class EventError(BaseModel):
    index: int
    field: str
    reason: str


class IngestRejection(BaseModel):
    detail: str
    errors: list[EventError]


def _rejection(errors: list[dict[str, Any]]) -> JSONResponse:
    count = len({e["index"] for e in errors})
    body = {"detail": f"{count} event(s) rejected; nothing was stored", "errors": errors}
    return JSONResponse(body, status_code=422)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"body over {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_batch(body: bytes, *, batch_limit: int) -> list[c.Event]:
    """Validate a body holding one event or a list of them; raise HTTPException when bad."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise HTTPException(400, f"malformed JSON: {error}") from None
    if isinstance(parsed, dict):
        body, parsed = b"[" + body + b"]", [parsed]
    if not isinstance(parsed, list):
        raise HTTPException(422, "the body must be one event (an object) or a list of them")
    if not parsed:
        raise HTTPException(422, "the batch is empty")
    if len(parsed) > batch_limit:
        raise HTTPException(413, f"{len(parsed)} events: a batch holds at most {batch_limit}")
    try:
        return _list_adapter.validate_json(body)
    except ValidationError as error:
        errors = [{"index": e["loc"][0], **c.explain(e, loc=e["loc"][1:])} for e in error.errors()]
        raise _BatchInvalid(errors) from None


class _BatchInvalid(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors


@router.post(
    "/events",
    response_model=IngestAnswer,
    responses={
        400: {"description": "Malformed JSON"},
        401: {"description": "No valid API token"},
        413: {"description": "Too many events or too large a body"},
        422: {"model": IngestRejection, "description": "Bad events: nothing was stored"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/Event"},
                            {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
                        ]
                    }
                }
            },
        }
    },
)
async def post_events(
    request: Request, _token: TokenDep, settings: SettingsDep, writer: WriterDep
) -> Any:
    """Store one event or a batch of up to 1,000, all or nothing.

    A repeated event id is accepted and ignored (counted in ``duplicates``). The answer comes
    only after the events are committed.
    """
    body = await _read_body(request, settings.body_limit)
    try:
        result = await writer.submit(parse_batch(body, batch_limit=settings.batch_limit))
    except HTTPException:
        raise
    except (_BatchInvalid, Rejected) as error:
        return _rejection(error.errors)
    except Exception:
        logging.getLogger(__name__).exception("ingest failed")
        raise HTTPException(
            503, "the events could not be stored; nothing was kept, retry"
        ) from None
    return IngestAnswer(accepted=result.accepted, duplicates=result.duplicates)
