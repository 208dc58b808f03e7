"""JSON CRUD of the directory: groups, channels, topics (operators live in operators/api.py).

``PUT`` creates or replaces a whole record, ``POST`` only creates (409 when the id is taken).
Ids are the integrator's own strings and may hold a slash (``SIP/101``), hence ``:path``.
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from dozor.auth.deps import AdminDep, CallerDep
from dozor.deps import SessionDep
from dozor.directory import service
from dozor.directory.models import Channel, Group, Topic
from dozor.metrics.records import SlVariant

router = APIRouter(prefix="/api/v1", tags=["directory"])

# PostgreSQL text cannot hold NUL: refused here, or the INSERT would fail with a 500
NO_NUL = r"^[^\x00]*$"
Id = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL)]
PathId = Annotated[str, Path(min_length=1, max_length=200, pattern=NO_NUL)]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL)
]
Medium = Literal["chat", "call", "email"]
Kind = Literal["web-chat", "telegram", "vk", "whatsapp", "phone", "email", "other"]

TAKEN: dict[int | str, dict[str, Any]] = {409: {"description": "The id is taken"}}
ABSENT: dict[int | str, dict[str, Any]] = {404: {"description": "No such id"}}
CREATED: dict[int | str, dict[str, Any]] = {201: {"description": "Created"}}


class Input(BaseModel):
    # a misspelt field is an error rather than a silent default
    model_config = ConfigDict(extra="forbid", strict=True)


class GroupFields(Input):
    name: Name
    short_abandon: int = Field(
        default=5,
        ge=0,
        le=3600,
        description="A contact lost after waiting less than this many seconds is a short "
        "abandon: counted apart and left out of every rate.",
    )
    sl_threshold: int = Field(
        default=20, ge=0, le=3600, description="Service level: answered within this many seconds."
    )
    sl_variant: SlVariant = Field(
        default="abandons_missed",
        description="How abandons count in the service level: as missed, ignored (Asterisk's "
        "SL), or met when within the threshold (Asterisk's SL2).",
    )


class GroupNew(GroupFields):
    id: Id


class GroupOut(BaseModel):
    id: str
    name: str
    short_abandon: int
    sl_threshold: int
    sl_variant: SlVariant


class ChannelFields(Input):
    name: Name
    medium: Medium
    kind: Kind


class ChannelNew(ChannelFields):
    id: Id


class ChannelOut(BaseModel):
    id: str
    name: str
    medium: Medium
    kind: Kind


class TopicFields(Input):
    name: Name


class TopicNew(TopicFields):
    id: Id


class TopicOut(BaseModel):
    id: str
    name: str


def taken(kind: str, entry_id: str) -> HTTPException:
    return HTTPException(409, f"{kind} {entry_id!r} exists: PUT replaces it")


def absent(kind: str, entry_id: str) -> HTTPException:
    return HTTPException(404, f"no {kind} {entry_id!r}")


def created_or_replaced(response: Response, created: bool) -> None:
    response.status_code = 201 if created else 200


# -- groups ----------------------------------------------------------------------------------


@router.get("/groups", response_model=list[GroupOut])
async def list_groups(session: SessionDep, _caller: CallerDep) -> Any:
    return await service.entries(session, Group)


@router.post("/groups", response_model=GroupOut, status_code=201, responses=TAKEN)
async def create_group(body: GroupNew, session: SessionDep, _admin: AdminDep) -> Any:
    if not await service.create(session, Group, values=body.model_dump()):
        raise taken("group", body.id)
    return await service.entry(session, Group, body.id)


@router.get("/groups/{group_id:path}", response_model=GroupOut, responses=ABSENT)
async def get_group(group_id: PathId, session: SessionDep, _caller: CallerDep) -> Any:
    if (group := await service.entry(session, Group, group_id)) is None:
        raise absent("group", group_id)
    return group


@router.put("/groups/{group_id:path}", response_model=GroupOut, responses=CREATED)
async def put_group(
    group_id: PathId, body: GroupFields, session: SessionDep, _admin: AdminDep, response: Response
) -> Any:
    values = {"id": group_id, **body.model_dump()}
    created_or_replaced(response, await service.replace(session, Group, values=values))
    return await service.entry(session, Group, group_id)


@router.delete("/groups/{group_id:path}", status_code=204, responses=ABSENT)
async def delete_group(group_id: PathId, session: SessionDep, _admin: AdminDep) -> None:
    if not await service.remove(session, Group, entry_id=group_id):
        raise absent("group", group_id)


# -- channels --------------------------------------------------------------------------------


@router.get("/channels", response_model=list[ChannelOut])
async def list_channels(session: SessionDep, _caller: CallerDep) -> Any:
    return await service.entries(session, Channel)


@router.post("/channels", response_model=ChannelOut, status_code=201, responses=TAKEN)
async def create_channel(body: ChannelNew, session: SessionDep, _admin: AdminDep) -> Any:
    if not await service.create(session, Channel, values=body.model_dump()):
        raise taken("channel", body.id)
    return await service.entry(session, Channel, body.id)


@router.get("/channels/{channel_id:path}", response_model=ChannelOut, responses=ABSENT)
async def get_channel(channel_id: PathId, session: SessionDep, _caller: CallerDep) -> Any:
    if (channel := await service.entry(session, Channel, channel_id)) is None:
        raise absent("channel", channel_id)
    return channel


@router.put("/channels/{channel_id:path}", response_model=ChannelOut, responses=CREATED)
async def put_channel(
    channel_id: PathId,
    body: ChannelFields,
    session: SessionDep,
    _admin: AdminDep,
    response: Response,
) -> Any:
    values = {"id": channel_id, **body.model_dump()}
    created_or_replaced(response, await service.replace(session, Channel, values=values))
    return await service.entry(session, Channel, channel_id)


@router.delete("/channels/{channel_id:path}", status_code=204, responses=ABSENT)
async def delete_channel(channel_id: PathId, session: SessionDep, _admin: AdminDep) -> None:
    if not await service.remove(session, Channel, entry_id=channel_id):
        raise absent("channel", channel_id)


# -- topics ----------------------------------------------------------------------------------


@router.get("/topics", response_model=list[TopicOut])
async def list_topics(session: SessionDep, _caller: CallerDep) -> Any:
    return await service.entries(session, Topic)


@router.post("/topics", response_model=TopicOut, status_code=201, responses=TAKEN)
async def create_topic(body: TopicNew, session: SessionDep, _admin: AdminDep) -> Any:
    if not await service.create(session, Topic, values=body.model_dump()):
        raise taken("topic", body.id)
    return await service.entry(session, Topic, body.id)


@router.get("/topics/{topic_id:path}", response_model=TopicOut, responses=ABSENT)
async def get_topic(topic_id: PathId, session: SessionDep, _caller: CallerDep) -> Any:
    if (topic := await service.entry(session, Topic, topic_id)) is None:
        raise absent("topic", topic_id)
    return topic


@router.put("/topics/{topic_id:path}", response_model=TopicOut, responses=CREATED)
async def put_topic(
    topic_id: PathId, body: TopicFields, session: SessionDep, _admin: AdminDep, response: Response
) -> Any:
    values = {"id": topic_id, **body.model_dump()}
    created_or_replaced(response, await service.replace(session, Topic, values=values))
    return await service.entry(session, Topic, topic_id)


@router.delete("/topics/{topic_id:path}", status_code=204, responses=ABSENT)
async def delete_topic(topic_id: PathId, session: SessionDep, _admin: AdminDep) -> None:
    if not await service.remove(session, Topic, entry_id=topic_id):
        raise absent("topic", topic_id)
