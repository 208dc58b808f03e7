"""Request-scoped dependencies shared by every domain's routes."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.clock import Clock
from dozor.config import Settings
from dozor.events.writer import Writer


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed when the route returns (before the answer is
    sent, so a failed commit is never answered as a success), rolled back on error."""
    state = request.app.state
    factory = state.sessions if request.method in ("GET", "HEAD") else state.write_sessions
    async with factory() as session, session.begin():
        yield session


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _clock(request: Request) -> Clock:
    return request.app.state.clock


def _writer(request: Request) -> Writer:
    return request.app.state.writer


SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(_settings)]
ClockDep = Annotated[Clock, Depends(_clock)]
WriterDep = Annotated[Writer, Depends(_writer)]
