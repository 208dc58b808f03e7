"""HTML pages of tasks: the lists, the form, a task with its history, the notifications.

The console links here to create a task about what it shows:
``/tasks/new?conversation=<id>``, ``?operator=<id>`` or ``?group=<id>`` prefill the link.
"""

import contextlib
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.auth.csrf import CsrfDep
from dozor.auth.deps import PageUserDep
from dozor.auth.models import User
from dozor.deps import ClockDep, SessionDep, SettingsDep
from dozor.tasks import access, forms, notifications, pages, rules, service
from dozor.tasks.models import Task
from dozor.templating import Templates, TemplatesDep

router = APIRouter(include_in_schema=False)


@router.get("/tasks")
async def task_list(
    request: Request,
    user: PageUserDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    """My tasks, the tasks I gave, or all I may see; filtered by the query string."""
    viewer = await access.viewer_for(session, user=user)
    chosen = pages.Chosen.read(request.query_params, may_see_all=rules.can_see_all(viewer))
    now, zone = clock.now(), ZoneInfo(settings.timezone)
    tasks = await service.listing(
        session, viewer=viewer, filters=chosen.filters(), now=now, zone=zone
    )
    context = await pages.common(session)
    return templates.render(
        request,
        "tasks/list.html",
        user=user,
        tasks=tasks,
        chosen=chosen,
        now=now,
        may_see_all=rules.can_see_all(viewer),
        **context,
    )


@router.get("/tasks/new")
async def new_form(
    request: Request,
    user: PageUserDep,
    session: SessionDep,
    templates: TemplatesDep,
    conversation: str = "",
    operator: str = "",
    group: str = "",
) -> HTMLResponse:
    """The form; from the console, with the conversation, operator or group it is about."""
    given = (("conversation", conversation), ("operator", operator), ("group", group))
    link_type, link_id = next(((kind, value) for kind, value in given if value), ("", ""))
    form = forms.blank(link_type=link_type, link_id=link_id)
    return await _form(request, templates, session, user, form=form, task=None)


@router.post("/tasks/new", dependencies=[CsrfDep])
async def create(
    request: Request,
    user: PageUserDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    form = forms.submitted(await request.form())
    planning = service.Planning.of(settings)
    try:
        task = await service.create(
            session,
            values=forms.fields(form, planning.zone),
            author_id=user.id,
            planning=planning,
            now=clock.now(),
        )
    except service.TaskError as error:
        return await _form(request, templates, session, user, form=form, task=None, error=error)
    return RedirectResponse(f"/tasks/{task.id}", status_code=303)


@router.get("/tasks/notifications")
async def notifications_page(
    request: Request, user: PageUserDep, session: SessionDep, templates: TemplatesDep
) -> HTMLResponse:
    rows = await notifications.inbox(session, user_id=user.id)
    return templates.render(
        request, "tasks/notifications.html", user=user, rows=rows, labels=rules.LABELS
    )


@router.post("/tasks/notifications/read", dependencies=[CsrfDep])
async def read_all(user: PageUserDep, session: SessionDep, clock: ClockDep) -> Response:
    await notifications.mark_read(session, user_id=user.id, now=clock.now())
    return RedirectResponse("/tasks/notifications", status_code=303)


@router.get("/tasks/_badge")
async def badge(
    request: Request, user: PageUserDep, session: SessionDep, templates: TemplatesDep
) -> HTMLResponse:
    """The count of unread notifications beside "Tasks", fetched by htmx on every page."""
    count = await notifications.unread(session, user_id=user.id)
    return templates.render(request, "tasks/_badge.html", user=user, count=count)


@router.get("/tasks/{task_id:int}")
async def task_page(
    request: Request,
    task_id: int,
    user: PageUserDep,
    session: SessionDep,
    clock: ClockDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    task, viewer = await _visible(session, user, task_id)
    history = await service.history(session, task_id=task.id)
    context = await pages.common(session)
    return templates.render(
        request,
        "tasks/detail.html",
        user=user,
        task=task,
        history=history,
        now=clock.now(),
        can_edit=rules.can_edit(viewer, task),
        link_name=await pages.link_name(session, task),
        unread=await notifications.unread(session, user_id=user.id, task_id=task.id),
        **context,
    )


@router.post("/tasks/{task_id:int}/read", dependencies=[CsrfDep])
async def read_task(
    task_id: int, user: PageUserDep, session: SessionDep, clock: ClockDep
) -> Response:
    """The task was opened: its notifications are read (htmx posts this from the page)."""
    await notifications.mark_read(session, user_id=user.id, now=clock.now(), task_id=task_id)
    return Response(status_code=204)


@router.get("/tasks/{task_id:int}/edit")
async def edit_form(
    request: Request,
    task_id: int,
    user: PageUserDep,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    task = await _editable(session, user, task_id)
    form = forms.of_task(task, ZoneInfo(settings.timezone))
    return await _form(request, templates, session, user, form=form, task=task)


@router.post("/tasks/{task_id:int}/edit", dependencies=[CsrfDep])
async def edit(
    request: Request,
    task_id: int,
    user: PageUserDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    task = await _editable(session, user, task_id)
    form = forms.submitted(await request.form())
    planning = service.Planning.of(settings)
    try:
        changes = vars(forms.fields(form, planning.zone))
        await service.update(
            session, task=task, changes=changes, planning=planning, now=clock.now()
        )
    except service.TaskError as error:
        return await _form(request, templates, session, user, form=form, task=task, error=error)
    return RedirectResponse(f"/tasks/{task.id}", status_code=303)


@router.post("/tasks/{task_id:int}/comments", dependencies=[CsrfDep])
async def add_comment(
    request: Request,
    task_id: int,
    user: PageUserDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> Response:
    """A comment and/or a new status, from the author's side or the assignee's."""
    task, _viewer = await _visible(session, user, task_id)
    data = await request.form()
    status = str(data.get("status") or "") or None
    # a NUL in the text is refused: nothing is stored, the page shows the task as it was
    with contextlib.suppress(service.TaskError):
        await service.comment(
            session,
            task=task,
            author_id=user.id,
            text=str(data.get("text") or ""),
            status=status if status in rules.STATUSES else None,
            planning=service.Planning.of(settings),
            now=clock.now(),
        )
    return RedirectResponse(f"/tasks/{task.id}#history", status_code=303)


async def _visible(session: AsyncSession, user: User, task_id: int) -> tuple[Task, rules.Viewer]:
    viewer = await access.viewer_for(session, user=user)
    task = await service.get(session, viewer=viewer, task_id=task_id)
    if task is None:
        raise HTTPException(404, "no such task")
    return task, viewer


async def _editable(session: AsyncSession, user: User, task_id: int) -> Task:
    task, viewer = await _visible(session, user, task_id)
    if not rules.can_edit(viewer, task):
        raise HTTPException(403, "only the author, a supervisor or an admin changes a task")
    return task


async def _form(
    request: Request,
    templates: Templates,
    session: AsyncSession,
    user: User,
    *,
    form: dict[str, str],
    task: Task | None,
    error: service.TaskError | None = None,
) -> HTMLResponse:
    choices = await pages.choices(session)
    link_name = await pages.link_name_of(session, form["link_type"], form["link_id"])
    return templates.render(
        request,
        "tasks/form.html",
        user=user,
        form=form,
        task=task,
        error=error,
        link_name=link_name,
        status_code=422 if error else 200,
        **choices,
    )
