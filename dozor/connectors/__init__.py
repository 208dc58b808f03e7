"""Connectors: packages that turn an outside system's records into Dozor events.

A connector is a package ``dozor.connectors.<name>`` behind one small interface:

- it writes only through a ``Sink`` (below): lists of contract events, each list with an optional
  checkpoint of its position in its source, committed together with the events. The writer is a
  sink; so would be a client of ``POST /api/v1/events`` for a connector run outside Dozor;
- its commands are a click group ``cli`` in ``dozor.connectors.<name>.cli``, which ``load(name)``
  finds by name. ``dozor`` registers the built-in ones explicitly; a third party's package uses the
  same shape.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Protocol

import click

if TYPE_CHECKING:  # the ``dozor`` command imports this package: keep its start light
    from dozor.events import contract as c
    from dozor.events.ingest import StoreResult
    from dozor.events.writer import Checkpoint


class Sink(Protocol):
    async def submit(
        self, events: "list[c.Event]", *, checkpoint: "Checkpoint | None" = None
    ) -> "StoreResult": ...


def load(name: str) -> click.Group:
    """The command group of the connector ``name`` (``dozor.connectors.<name>.cli.<name>``)."""
    module = import_module(f"dozor.connectors.{name}.cli")
    group = getattr(module, name)
    if not isinstance(group, click.Group):
        raise TypeError(f"dozor.connectors.{name}.cli.{name} is not a click group")
    return group
