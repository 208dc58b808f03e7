"""JSON API of operators: their live state, and their directory records (CRUD).

Writes follow the directory's rules (dozor/directory/api.py); ``groups`` always replaces the
operator's memberships, and the status is never written here: it is the fold of status events.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, field_validator

from dozor.auth.deps import AdminDep, CallerDep
from dozor.deps import ClockDep, SessionDep, SettingsDep
from dozor.directory import api as directory_api
from dozor.operators import service

router = APIRouter(prefix="/api/v1", tags=["operators"])

Capacity = Annotated[int, Field(ge=0, le=50, description="Most chats handled at once.")]
GroupIds = Annotated[
    list[directory_api.Id],
    Field(max_length=1000, description="The groups worked in: replaces the memberships."),
]


class OperatorFields(directory_api.Input):
    name: directory_api.Name
    groups: GroupIds = Field(default_factory=list)
    chat_capacity: Capacity = 3


class OperatorNew(OperatorFields):
    id: directory_api.Id


class OperatorChanges(directory_api.Input):
    name: directory_api.Name | None = None
    groups: GroupIds | None = None
    chat_capacity: Capacity | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # None only stands for "left out"; a null sent would erase a required field
        if value is None:
            raise ValueError("cannot be null: leave the field out to keep it")
        return value


class OperatorOut(BaseModel):
    id: str
    name: str
    groups: list[str]
    chat_capacity: int
    status: Literal["online", "away", "offline"]
    status_since: datetime | None
    status_reason: str | None


class OperatorState(OperatorOut):
    open_conversations: int
    on_call: Literal["group", "personal"] | None
    after_call_work: bool


@contextmanager
def _known_groups() -> Iterator[None]:
    """Answer memberships in unknown groups like any other invalid body: 422, naming them."""
    try:
        yield
    except service.UnknownGroups as error:
        raise RequestValidationError(
            [{"type": "unknown_group", "loc": ("body", "groups"), "msg": str(error)}]
        ) from None


@router.get("/operators", response_model=list[OperatorState])
async def list_operators(
    session: SessionDep, clock: ClockDep, settings: SettingsDep, _caller: CallerDep
) -> Any:
    """Every operator with status and since when, open conversations, call and after-call work."""
    return await service.states(session, now=clock.now(), wrapup_limit=settings.wrapup_limit)


@router.post(
    "/operators", response_model=OperatorOut, status_code=201, responses=directory_api.TAKEN
)
async def create_operator(body: OperatorNew, session: SessionDep, _admin: AdminDep) -> Any:
    values = body.model_dump(exclude={"groups"})
    with _known_groups():
        if not await service.create(session, values=values, groups=body.groups):
            raise directory_api.taken("operator", body.id)
    return await service.get(session, body.id)


@router.get(
    "/operators/{operator_id:path}", response_model=OperatorOut, responses=directory_api.ABSENT
)
async def get_operator(
    operator_id: directory_api.PathId, session: SessionDep, _caller: CallerDep
) -> Any:
    if (operator := await service.get(session, operator_id)) is None:
        raise directory_api.absent("operator", operator_id)
    return operator


@router.put(
    "/operators/{operator_id:path}", response_model=OperatorOut, responses=directory_api.CREATED
)
async def put_operator(
    operator_id: directory_api.PathId,
    body: OperatorFields,
    session: SessionDep,
    _admin: AdminDep,
    response: Response,
) -> Any:
    values = {"id": operator_id, **body.model_dump(exclude={"groups"})}
    with _known_groups():
        created = await service.replace(session, values=values, groups=body.groups)
    directory_api.created_or_replaced(response, created)
    return await service.get(session, operator_id)


@router.patch(
    "/operators/{operator_id:path}", response_model=OperatorOut, responses=directory_api.ABSENT
)
async def patch_operator(
    operator_id: directory_api.PathId, body: OperatorChanges, session: SessionDep, _admin: AdminDep
) -> Any:
    """Change only the fields given."""
    values = body.model_dump(exclude_unset=True, exclude={"groups"})
    with _known_groups():
        found = await service.change(
            session, operator_id=operator_id, values=values, groups=body.groups
        )
    if not found:
        raise directory_api.absent("operator", operator_id)
    return await service.get(session, operator_id)


@router.delete("/operators/{operator_id:path}", status_code=204, responses=directory_api.ABSENT)
async def delete_operator(
    operator_id: directory_api.PathId, session: SessionDep, _admin: AdminDep
) -> None:
    if not await service.remove(session, operator_id=operator_id):
        raise directory_api.absent("operator", operator_id)
