"""``dozor asterisk …``: the Asterisk connector's commands (docs/asterisk.md)."""

import asyncio
from pathlib import Path

import click

from dozor.connectors.asterisk import cli_common as common
from dozor.connectors.asterisk.cli_common import (
    FILE,
    channel_option,
    names_option,
    timezone_option,
)


@click.group()
def asterisk() -> None:
    """Asterisk: queue_log, the Manager Interface and call-detail records as Dozor events."""


@asterisk.command("import-queue-log")
@click.argument("files", nargs=-1, required=True, type=FILE)
@click.option(
    "--format",
    "form",
    type=click.Choice(["auto", "file", "table"]),
    default="auto",
    show_default=True,
    help="file: Asterisk's queue_log; table: a CSV/TSV export of the queue_log table.",
)
@click.option("--batch", default=2000, show_default=True, help="Lines per transaction.")
@channel_option()
@names_option
@timezone_option
def import_queue_log(
    files: tuple[Path, ...],
    form: str,
    batch: int,
    channel: str,
    names_files: tuple[Path, ...],
    timezone: str | None,
) -> None:
    """Import queue_log files (or table exports) through the normal ingest path.

    Idempotent: event ids derive from the lines, so importing a file again stores nothing new.
    """
    from dozor.connectors.asterisk.importer import import_files

    settings = common.settings()
    tz = common.zone(timezone, settings)
    common.check_names(names_files)
    try:
        counts = common.run(
            settings,
            names_files,
            lambda runtime: import_files(
                runtime.writer, list(files), channel=channel, tz=tz, form=form, batch=batch
            ),
        )
    except ValueError as error:  # a table export without the queue_log columns
        raise click.ClickException(str(error)) from None
    common.echo(counts.summary())


@asterisk.command("follow-queue-log")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--batch", default=500, show_default=True, help="Most lines per transaction.")
@click.option(
    "--interval", default=0.5, show_default=True, help="Seconds between looks at an idle file."
)
@channel_option()
@names_option
@timezone_option
def follow_queue_log(
    file: Path,
    batch: int,
    interval: float,
    channel: str,
    names_files: tuple[Path, ...],
    timezone: str | None,
) -> None:
    """Follow the live queue_log (as `tail -F`), surviving rotation and truncation.

    The position reached is committed with the events, so a restart resumes exactly where
    the last run stopped. Stops cleanly on SIGTERM or Ctrl-C.
    """
    from dozor.connectors import offsets
    from dozor.connectors.asterisk.follow import Follower

    settings = common.settings()
    tz = common.zone(timezone, settings)
    common.check_names(names_files)
    followers: list[Follower] = []

    async def work(runtime, stop: asyncio.Event) -> None:  # type: ignore[no-untyped-def]
        follower = Follower(
            file, runtime.writer, runtime.clock, channel, tz, batch=batch, interval=interval
        )
        followers.append(follower)
        async with runtime.sessions() as session:
            start = await offsets.read(session, source=follower.source)
        click.echo(f"following {file} from byte {start.offset if start else 0}")
        await follower.run(stop, start)

    common.run_until_signalled(settings, names_files, work)
    for follower in followers:
        common.echo(follower.counts.summary())


@asterisk.command("ami")
@click.option("--host", default="127.0.0.1", show_default=True, help="The PBX's address.")
@click.option("--port", default=5038, show_default=True, help="AMI port (manager.conf).")
@click.option("--username", required=True, envvar="DOZOR_AMI_USERNAME", help="AMI user.")
@click.option(
    "--secret",
    envvar="DOZOR_AMI_SECRET",
    default=None,
    help="AMI secret (or DOZOR_AMI_SECRET, or --secret-file).",
)
@click.option("--secret-file", type=FILE, default=None, help="File holding the AMI secret.")
@click.option(
    "--grace",
    default=2.0,
    show_default=True,
    help="Seconds a caller's leaving waits for an answer before it counts as unanswered.",
)
@click.option(
    "--backoff-max", default=60.0, show_default=True, help="Longest pause between reconnections."
)
@channel_option()
@names_option
def ami(
    host: str,
    port: int,
    username: str,
    secret: str | None,
    secret_file: Path | None,
    grace: float,
    backoff_max: float,
    channel: str,
    names_files: tuple[Path, ...],
) -> None:
    """Follow the PBX live through the Asterisk Manager Interface.

    Reconnects with a growing pause when the connection drops, and resyncs with QueueStatus
    after every (re)connection. Stops cleanly on SIGTERM or Ctrl-C.
    """
    from dozor.connectors.asterisk.ami import AmiClient
    from dozor.connectors.asterisk.ami_protocol import AuthenticationFailed

    if secret_file is not None:
        secret = secret_file.read_text(encoding="utf-8").strip()
    if not secret:
        raise click.UsageError("give the AMI secret: --secret, DOZOR_AMI_SECRET or --secret-file")
    settings = common.settings()
    common.check_names(names_files)
    clients: list[AmiClient] = []

    async def work(runtime, stop: asyncio.Event) -> None:  # type: ignore[no-untyped-def]
        client = AmiClient(
            host,
            port,
            username,
            secret,
            runtime.writer,
            runtime.sessions,
            runtime.clock,
            channel=channel,
            grace=grace,
            backoff_max=backoff_max,
        )
        clients.append(client)
        await client.run(stop)

    try:
        common.run_until_signalled(settings, names_files, work)
    except AuthenticationFailed as error:
        raise click.ClickException(f"the PBX refused the login: {error}") from None
    for client in clients:
        common.echo(client.counts.summary())


@asterisk.command("import-cdr")
@click.argument("files", nargs=-1, required=True, type=FILE)
@click.option(
    "--format",
    "form",
    type=click.Choice(["master", "generic"]),
    default=None,
    help="master: Asterisk's Master.csv; generic: any CSV, with --mapping or --profile.",
)
@click.option("--mapping", type=FILE, default=None, help="TOML column mapping (generic CSV).")
@click.option(
    "--profile",
    type=click.Choice(["anonymous-bank"]),
    default=None,
    help="A built-in mapping (implies --format generic).",
)
@click.option(
    "--direction",
    type=click.Choice(["all", "inbound", "outbound"]),
    default="all",
    show_default=True,
    help="Import only these calls (e.g. outbound when queue_log already brings the inbound).",
)
@click.option(
    "--outbound-context",
    "outbound_contexts",
    multiple=True,
    default=("from-internal*", "outbound*"),
    show_default=True,
    help="Master.csv: dialplan contexts (glob) of calls dialled out by operators.",
)
@click.option("--batch", default=2000, show_default=True, help="Rows per transaction.")
@channel_option(None, "Dozor channel (default: the mapping's, else asterisk).")
@names_option
@timezone_option
def import_cdr(
    files: tuple[Path, ...],
    form: str | None,
    mapping: Path | None,
    profile: str | None,
    direction: str,
    outbound_contexts: tuple[str, ...],
    batch: int,
    channel: str | None,
    names_files: tuple[Path, ...],
    timezone: str | None,
) -> None:
    """Import call-detail records: opened, queued, accepted when answered, closed.

    Idempotent: event ids derive from each call's id, so importing again stores nothing new.
    """
    from dozor.connectors.asterisk.cdr import MappingError
    from dozor.connectors.asterisk.cdr_import import Source, import_calls

    settings = common.settings()
    common.check_names(names_files)
    if (form or ("generic" if mapping or profile else "master")) == "master":
        if mapping or profile:
            raise click.UsageError("--mapping and --profile are for --format generic")
        tz = common.zone(timezone, settings)
        source = Source.master(tz=tz, outbound_contexts=outbound_contexts)
    elif (mapping is None) == (profile is None):
        raise click.UsageError("--format generic needs one of --mapping or --profile")
    else:
        try:
            source = Source.generic(mapping=mapping, profile=profile)
        except MappingError as error:
            raise click.BadParameter(str(error), param_hint="--mapping") from None
    counts = common.run(
        settings,
        names_files,
        lambda runtime: import_calls(
            runtime.writer,
            list(files),
            parser=source.parser,
            channel=channel or source.channel,
            direction=direction,
            batch=batch,
        ),
    )
    common.echo(counts.summary())
