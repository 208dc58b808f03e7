"""What the ``dozor asterisk`` commands share: settings, options, running with the writer."""

import asyncio
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from dozor.config import Settings

if TYPE_CHECKING:
    from click.decorators import FC

    from dozor.connectors.runtime import Runtime

T = TypeVar("T")
FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def settings() -> Settings:
    try:
        return Settings()
    except Exception as error:  # pydantic's message names the bad setting
        raise click.ClickException(f"bad settings: {error}") from None


def zone(name: str | None, current: Settings) -> ZoneInfo:
    try:
        return ZoneInfo(name or current.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {name!r}", param_hint="--timezone") from None


def echo(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)


def _channel(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # the channel prefixes every id, which the contract caps at 200 characters
    if value is not None and not 0 < len(value) <= 100:
        raise click.BadParameter("give 1 to 100 characters")
    return value


def channel_option(default: str | None = "asterisk", help: str = "") -> "Callable[[FC], FC]":
    return click.option(
        "--channel",
        default=default,
        show_default=default is not None,
        callback=_channel,
        help=help or "Dozor channel of the calls; also the prefix of their ids (one per PBX).",
    )


names_option = click.option(
    "--names",
    "names_files",
    multiple=True,
    type=FILE,
    help="CSV 'agent,name' or 'queue,name': creates or renames operators and groups.",
)
timezone_option = click.option(
    "--timezone",
    default=None,
    help="Zone of times written without an offset (default: DOZOR_TIMEZONE).",
)


def check_names(names_files: tuple[Path, ...]) -> None:
    """A bad names file stops the command before anything is written."""
    from dozor.connectors.asterisk.agents import NamesError, read_names

    try:
        read_names(list(names_files))
    except NamesError as error:
        raise click.BadParameter(str(error), param_hint="--names") from None


async def _running(
    current: Settings, names_files: tuple[Path, ...], work: "Callable[[Runtime], Awaitable[T]]"
) -> T:
    from dozor.connectors.asterisk.agents import apply_names, read_names
    from dozor.connectors.runtime import running

    async with running(current) as runtime:
        async with runtime.sessions() as session, session.begin():
            await apply_names(session, read_names(list(names_files)))
        return await work(runtime)


def run(
    current: Settings, names_files: tuple[Path, ...], work: "Callable[[Runtime], Awaitable[T]]"
) -> T:
    """Migrate, apply the names files, start the writer, and run ``work`` to its end."""
    return asyncio.run(_running(current, names_files, work))


def run_until_signalled(
    current: Settings,
    names_files: tuple[Path, ...],
    work: "Callable[[Runtime, asyncio.Event], Awaitable[None]]",
) -> None:
    """As ``run``, for work that goes on until SIGTERM or SIGINT sets its stop event."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await _running(current, names_files, lambda runtime: work(runtime, stop))

    asyncio.run(main())
