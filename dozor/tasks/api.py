"""JSON API of tasks: list with filters, create, read, change, comment; task kinds.

Who sees what is ``rules.can_see``: admins and integration tokens all; a supervisor the tasks of
their groups' users and groups; anyone the tasks they wrote or that are theirs or their group's.
A task the caller may not see answers 404, as if it did not exist. A browser session that
changes anything sends its CSRF token in ``X-CSRF-Token``, as the pages' htmx requests do.
"""

from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query

from dozor.auth import csrf
from dozor.auth.deps import AdminDep, Caller, CallerDep
from dozor.clock import Clock
from dozor.config import Settings
from dozor.deps import ClockDep, SessionDep, SettingsDep
from dozor.tasks import access, rules, service
from dozor.tasks.models import Task, TaskComment
from dozor.tasks.schemas import (
    CommentNew,
    CommentOut,
    KindNew,
    KindOut,
    Priority,
    Status,
    TaskChange,
    TaskDetail,
    TaskFields,
    TaskNew,
    TaskOut,
    as_out,
)

router = APIRouter(prefix="/api/v1/tasks", tags=["tasks"])
CHANGES = [Depends(csrf.require_for_api)]

ABSENT: dict[int | str, dict[str, Any]] = {404: {"description": "No such task, or not yours"}}
INVALID: dict[int | str, dict[str, Any]] = {422: {"description": "The task cannot be saved"}}


def _values(body: TaskFields | TaskChange, fields: set[str]) -> dict[str, Any]:
    """The service's field names for the fields the body gives."""
    for name in fields & {"title", "kind", "priority", "description", "attachments"}:
        if getattr(body, name) is None:
            raise HTTPException(422, f"{name} cannot be null")
    values = {name: getattr(body, name) for name in fields if name in service.FIELD_NAMES}
    if "kind" in fields:
        values["kind_id"] = body.kind
    if "link" in fields:
        values["link_type"] = body.link.type if body.link else None
        values["link_id"] = body.link.id if body.link else None
    # naming one kind of assignee replaces the other
    if values.get("assignee_user_id") is not None and "assignee_group_id" not in fields:
        values["assignee_group_id"] = None
    if values.get("assignee_group_id") is not None and "assignee_user_id" not in fields:
        values["assignee_user_id"] = None
    return values


async def _viewer(session: Any, caller: Caller) -> rules.Viewer:
    return await access.viewer_for(session, user=caller.user)


def _invalid(error: service.TaskError) -> HTTPException:
    return HTTPException(422, str(error))


async def _task(session: Any, caller: Caller, task_id: int) -> tuple[Task, rules.Viewer]:
    viewer = await _viewer(session, caller)
    task = await service.get(session, viewer=viewer, task_id=task_id)
    if task is None:
        raise HTTPException(404, f"no task {task_id}")
    return task, viewer


@router.get("/kinds", response_model=list[KindOut])
async def list_kinds(session: SessionDep, _caller: CallerDep) -> Any:
    return await service.kinds(session)


@router.post(
    "/kinds", response_model=KindOut, status_code=201, responses={409: {}}, dependencies=CHANGES
)
async def create_kind(body: KindNew, session: SessionDep, _admin: AdminDep) -> Any:
    if not await service.create_kind(session, kind_id=body.id, name=body.name):
        raise HTTPException(409, f"task kind {body.id!r} exists")
    return body


@router.get("", response_model=list[TaskOut])
async def list_tasks(
    session: SessionDep,
    caller: CallerDep,
    clock: ClockDep,
    settings: SettingsDep,
    view: Literal["mine", "given", "all"] = "all",
    status: Annotated[list[Status], Query()] = [],  # noqa: B006
    priority: Annotated[list[Priority], Query()] = [],  # noqa: B006
    assignee_user: int | None = None,
    assignee_group: str | None = None,
    author: int | None = None,
    deadline: Literal["overdue", "today", "week"] | None = None,
    link_type: Literal["conversation", "operator", "group"] | None = None,
    link_id: str | None = None,
    sort: Literal["deadline", "priority", "created"] = "deadline",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Any:
    """The tasks the caller may see: ``view=mine`` those assigned to them or their groups,
    ``given`` those they wrote, ``all`` every one they may see. Filters combine with AND."""
    filters = service.Filters(
        view=view,
        statuses=tuple(status),
        priorities=tuple(priority),
        assignee_user_id=assignee_user,
        assignee_group_id=assignee_group,
        author_id=author,
        deadline=deadline,
        link_type=link_type,
        link_id=link_id,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    viewer = await _viewer(session, caller)
    now = clock.now()
    zone = ZoneInfo(settings.timezone)
    tasks = await service.listing(session, viewer=viewer, filters=filters, now=now, zone=zone)
    return [as_out(task, now) for task in tasks]


@router.post(
    "", response_model=TaskDetail, status_code=201, responses=INVALID, dependencies=CHANGES
)
async def create_task(
    body: TaskNew, session: SessionDep, caller: CallerDep, clock: ClockDep, settings: SettingsDep
) -> Any:
    values = service.Fields(**_values(body, body.model_fields_set | {"title"}))
    try:
        task = await service.create(
            session,
            values=values,
            author_id=caller.user.id if caller.user else None,
            status=body.status,
            planning=service.Planning.of(settings),
            now=clock.now(),
        )
    except service.TaskError as error:
        raise _invalid(error) from None
    return await _detail(session, task, clock)


@router.get("/{task_id}", response_model=TaskDetail, responses=ABSENT)
async def get_task(task_id: int, session: SessionDep, caller: CallerDep, clock: ClockDep) -> Any:
    task, _viewer = await _task(session, caller, task_id)
    return await _detail(session, task, clock)


@router.patch(
    "/{task_id}", response_model=TaskDetail, responses=ABSENT | INVALID, dependencies=CHANGES
)
async def change_task(
    task_id: int,
    body: TaskChange,
    session: SessionDep,
    caller: CallerDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> Any:
    """Change fields (the author, a supervisor of the scope, an admin) and/or the status (also
    the assignee), with an optional comment on the change."""
    task, viewer = await _task(session, caller, task_id)
    given = body.model_fields_set - {"status", "comment"}
    if given and not rules.can_edit(viewer, task):
        raise HTTPException(403, "only the author, a supervisor or an admin changes a task")
    try:
        if given:
            changes = _values(body, given)
            await service.update(
                session,
                task=task,
                changes=changes,
                planning=service.Planning.of(settings),
                now=clock.now(),
            )
        if body.status is not None or body.comment.strip():
            await _comment(session, task, caller, body.comment, body.status, settings, clock)
    except service.TaskError as error:
        raise _invalid(error) from None
    return await _detail(session, task, clock)


@router.get("/{task_id}/comments", response_model=list[CommentOut], responses=ABSENT)
async def list_comments(task_id: int, session: SessionDep, caller: CallerDep) -> Any:
    task, _viewer = await _task(session, caller, task_id)
    return await service.history(session, task_id=task.id)


@router.post(
    "/{task_id}/comments",
    response_model=CommentOut,
    status_code=201,
    responses=ABSENT | INVALID,
    dependencies=CHANGES,
)
async def add_comment(
    task_id: int,
    body: CommentNew,
    session: SessionDep,
    caller: CallerDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> Any:
    """A comment, from the author's side or the assignee's; with ``status``, a change of status
    that the comment explains."""
    task, _viewer = await _task(session, caller, task_id)
    entry = await _comment(session, task, caller, body.text, body.status, settings, clock)
    if entry is None:
        raise HTTPException(422, "write a comment or change the status")
    return entry


async def _comment(
    session: Any,
    task: Task,
    caller: Caller,
    text: str,
    status: str | None,
    settings: Settings,
    clock: Clock,
) -> TaskComment | None:
    return await service.comment(
        session,
        task=task,
        author_id=caller.user.id if caller.user else None,
        text=text,
        status=status,
        planning=service.Planning.of(settings),
        now=clock.now(),
    )


async def _detail(session: Any, task: Task, clock: Clock) -> dict[str, Any]:
    comments = await service.history(session, task_id=task.id)
    return as_out(task, clock.now()) | {"comments": comments}
