"""The ``dozor`` command."""

import asyncio
import getpass
import sys
from pathlib import Path

import click

from dozor.config import Settings


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as error:  # pydantic's message names the bad setting
        raise click.ClickException(f"bad settings: {error}") from None


@click.group()
@click.version_option(package_name="dozor")
def main() -> None:
    """Dozor: supervision for omnichannel contact centers."""


@main.command()
@click.option("--host", default=None, help="Address to listen on (default: DOZOR_HOST).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: DOZOR_PORT).")
def serve(host: str | None, port: int | None) -> None:
    """Apply the migrations, then serve the web interface and the API."""
    import uvicorn

    from dozor.app import create_app, tune_gc
    from dozor.migrate import upgrade

    settings = _settings()
    asyncio.run(upgrade(settings))
    app = create_app(settings)
    tune_gc()
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
        # open console streams would otherwise hold a shutdown until they end by themselves
        timeout_graceful_shutdown=5,
    )


@main.command()
@click.option(
    "--speed", type=float, default=1.0, show_default=True, help="How many times faster time runs."
)
@click.option("--seed", type=int, default=None, help="Replay the same center (default: random).")
@click.option("--host", default=None, help="Address to listen on (default: DOZOR_HOST).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: DOZOR_PORT).")
def demo(speed: float, seed: int | None, host: str | None, port: int | None) -> None:
    """Serve Dozor fed by a simulated contact center: 3 groups, 20 operators, calls, chats and
    e-mails arriving in real time (or faster), with demo logins. Uses the default SQLite
    database unless DOZOR_DATABASE_URL says otherwise."""
    import random

    import uvicorn

    from dozor.app import tune_gc
    from dozor.clock import SystemClock
    from dozor.simulate import demo as simulate_demo
    from dozor.simulate import setup

    if speed <= 0:
        raise click.BadParameter("must be above 0", param_hint="--speed")
    settings = _settings()
    seed = random.randrange(1_000_000) if seed is None else seed
    asyncio.run(setup.prepare(settings, clock=SystemClock()))
    app = simulate_demo.build_app(settings, start=SystemClock().now(), seed=seed, speed=speed)
    tune_gc()
    host, port = host or settings.host, port or settings.port
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(simulate_demo.banner(f"http://{shown}:{port}", seed=seed, speed=speed))
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=5)


@main.group()
def db() -> None:
    """The database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Bring the database to the newest schema."""
    from dozor.migrate import upgrade

    asyncio.run(upgrade(_settings()))
    click.echo("database is up to date")


@main.group()
def user() -> None:
    """People who log in."""


@user.command("create")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(["admin", "supervisor", "operator"]),
    default="supervisor",
    show_default=True,
)
@click.option("--name", default=None, help="Full name shown in the interface.")
@click.option("--password", default=None, help="Asked for when not given.")
@click.option("--language", type=click.Choice(["ru", "en"]), default=None)
@click.option("--email", default=None, help="Where reminders and alerts are e-mailed.")
def user_create(
    username: str,
    role: str,
    name: str | None,
    password: str | None,
    language: str | None,
    email: str | None,
) -> None:
    """Create a user who can log in."""
    from dozor.auth import service
    from dozor.clock import SystemClock

    if password is None:
        password = getpass.getpass("Password: ")

    async def run() -> None:
        async with _unit_of_work() as session:
            await service.create_user(
                session,
                username=username,
                password=password,
                role=role,
                name=name,
                language=language,
                email=email,
                clock=SystemClock(),
            )

    try:
        asyncio.run(run())
    except service.UserError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"user {username} ({role}) created")


@main.group()
def token() -> None:
    """API tokens for integrations."""


@token.command("create")
@click.argument("name")
def token_create(name: str) -> None:
    """Create an API token and print it once: only its hash is kept."""
    from dozor.auth import service
    from dozor.clock import SystemClock

    async def run() -> str:
        async with _unit_of_work() as session:
            return await service.create_token(session, name=name, clock=SystemClock())

    click.echo(asyncio.run(run()))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch", default=1000, show_default=True, help="Events per transaction.")
@click.option("--restart", is_flag=True, help="Ignore the saved position and read from the top.")
def ingest(file: Path, batch: int, restart: bool) -> None:
    """Ingest a JSON Lines file of events through the normal ingest path.

    The position reached is saved beside the file (FILE.progress) after every committed batch,
    so an interrupted run resumes where it stopped; events already stored are skipped anyway.
    """
    from dozor.events.jsonl import IngestFileError, ingest_file

    try:
        counts = asyncio.run(ingest_file(_settings(), file, batch=batch, restart=restart))
    except IngestFileError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{counts.accepted} events stored, {counts.duplicates} duplicates skipped")


@main.command()
def refold() -> None:
    """Fold every conversation and operator again from the stored events (server stopped).

    After an upgrade that adds folded columns, or a fix to the fold; safe to run again.
    """
    from dozor.db import create_engine, write_sessionmaker
    from dozor.events.refold import refold as refold_all
    from dozor.migrate import upgrade

    async def run() -> tuple[int, int]:
        settings = _settings()
        engine = create_engine(settings)
        try:
            await upgrade(settings, engine=engine)
            return await refold_all(
                write_sessionmaker(engine),
                progress=lambda done: click.echo(f"\r{done} conversations", nl=False),
            )
        finally:
            await engine.dispose()

    conversations, operators = asyncio.run(run())
    click.echo(f"\r{conversations} conversations and {operators} operators refolded")


def _unit_of_work():  # type: ignore[no-untyped-def]
    from contextlib import asynccontextmanager

    from dozor.db import create_engine, sessionmaker
    from dozor.migrate import upgrade

    @asynccontextmanager
    async def scope():  # type: ignore[no-untyped-def]
        settings = _settings()
        engine = create_engine(settings)
        await upgrade(settings, engine=engine)
        try:
            async with sessionmaker(engine)() as session, session.begin():
                yield session
        finally:
            await engine.dispose()

    return scope()


from dozor.connectors.asterisk import cli as asterisk_cli  # noqa: E402

main.add_command(asterisk_cli.asterisk)

if __name__ == "__main__":
    sys.exit(main())
