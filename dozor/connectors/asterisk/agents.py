"""Who is who: Asterisk's agent strings as operator ids, and the optional names file."""

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from dozor.directory import service as directory_service
from dozor.directory.models import Group
from dozor.operators.models import Operator

# a technology prefix: SIP/, PJSIP/, IAX2/, Local/, Agent/, DAHDI/ …
_TECHNOLOGY = re.compile(r"^[A-Za-z][A-Za-z0-9]*/")
# the per-call suffix of a channel name: SIP/101-0000002a, Local/101@agents-00000001;2
_CHANNEL_SUFFIX = re.compile(r"-[0-9a-fA-F]+(;\d+)?$")
NOBODY = {"", "NONE"}


def operator_id(agent: str) -> str | None:
    """The operator an agent string names: ``SIP/101``, ``PJSIP/101`` and ``Local/101@agents/n``
    are all operator ``101``; a member name (``Anna Petrova``) is kept as it is.

    queue_log and AMI name a member by its member name when queues.conf gives one, else by its
    interface; stripping the technology and the context makes a phone moved from SIP to PJSIP,
    or dialled through a Local channel, still the same person.
    """
    agent = agent.strip()
    if agent.upper() in NOBODY:
        return None
    bare = _TECHNOLOGY.sub("", agent, count=1).split("@", 1)[0].strip()
    return bare[:200] or None


def interface_of(channel: str) -> str:
    """The interface of a channel name: ``SIP/101-0000002a`` → ``SIP/101``."""
    return _CHANNEL_SUFFIX.sub("", channel.strip())


@dataclass
class Names:
    """Display names from ``--names`` files: operators by agent, groups by queue."""

    operators: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)


class NamesError(ValueError):
    pass


def parse_names(text: str, *, into: Names | None = None, source: str = "names") -> Names:
    """Read a CSV whose header is ``agent,name`` or ``queue,name`` (comma, semicolon or tab)."""
    names = into or Names()
    lines = text.lstrip("\ufeff").splitlines()
    if not lines:
        return names
    delimiter = next((d for d in ("\t", ";", ",") if d in lines[0]), ",")
    rows = csv.reader(lines, delimiter=delimiter)
    header = [h.strip().lower() for h in next(rows)]
    if len(header) < 2 or header[0] not in ("agent", "queue") or header[1] != "name":
        raise NamesError(f"{source}: the header must be 'agent,name' or 'queue,name'")
    for number, row in enumerate(rows, start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise NamesError(f"{source}, line {number}: expected two non-empty columns")
        name = row[1].strip()[:200]
        if header[0] == "agent":
            if (key := operator_id(row[0])) is None:
                raise NamesError(f"{source}, line {number}: {row[0]!r} names no agent")
            names.operators[key] = name
        else:
            names.groups[row[0].strip()[:200]] = name
    return names


def read_names(paths: list[Path]) -> Names:
    names = Names()
    for path in paths:
        parse_names(path.read_text(encoding="utf-8"), into=names, source=str(path))
    return names


async def apply_names(session: AsyncSession, names: Names) -> None:
    """Create or rename the operators and groups the names file lists (their other fields stay)."""
    for operator, name in names.operators.items():
        await directory_service.replace(session, Operator, values={"id": operator, "name": name})
    for group, name in names.groups.items():
        await directory_service.replace(session, Group, values={"id": group, "name": name})
