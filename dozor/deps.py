"""Request-scoped dependencies shared by every domain's routes."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.clock import Clock
from dozor.config import Settings
from dozor.events.writer import Writer


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed when the route returns, rolled back on error."""
    async with request.app.state.sessions() as session, session.begin():
        yield session


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _clock(request: Request) -> Clock:
    return request.app.state.clock


def _writer(request: Request) -> Writer:
    return request.app.state.writer


SessionDep = Annotated[AsyncSession, Depends(_session)]
SettingsDep = Annotated[Settings, Depends(_settings)]
ClockDep = Annotated[Clock, Depends(_clock)]
WriterDep = Annotated[Writer, Depends(_writer)]
