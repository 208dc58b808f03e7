"""Text in the dialog list's filter: the free text (client's name, phone and e-mail, the
number, the messages) and "contains" of the client's fields, fast at millions of rows.

Indexes (migrations 0008, 0009): on PostgreSQL, ``pg_trgm`` GIN indexes on the client's fields
and on the message texts (``message_texts``, under their conversation's number), which
``ILIKE '%…%'`` uses; on SQLite, FTS5 tables with the trigram tokenizer, ``client_search``
(rowid: the number) and ``message_search`` (rowid: the event's seq), kept up to date by
triggers. A trigram index cannot search a text shorter than ``TRIGRAM`` characters.

A page of matches can be found two ways, and neither suits every text:

- **from the matches**: the index gives every match, which are then sorted for the page. Fast
  for a rare text (an order number, a phone); slow for a frequent one (a word in 1 % of 100
  million messages is a million matches).
- **along the list**: the list is walked in its order and each row checked (its messages by
  the conversation's index). Fast for a frequent text (a page fills after a few hundred rows);
  a full walk for a rare one.

The database cannot tell which it faces (it has no statistics of words inside texts), so
``frequent`` measures the text on the newest rows, and a page takes the way that suits it. A
count or a summary needs every match: always from the matches.

Between the two, a text neither rare nor frequent (a thousandth of the conversations) has too
many matches to fetch them all at ten million conversations, and too few for a walk. On
PostgreSQL, a page newest first then asks the index for the matches in a **window** of
numbers only (``Numbers``), sized from the text's measure, and widens it until the page is
full: the message index's numbers (a BRIN index) narrow its trigram matches before any is read.
"""

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    any_,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.conversations.models import Conversation
from dozor.events.models import IS_MESSAGE, MessageText, StoredEvent

t = Conversation.__table__.c
m = MessageText.__table__.c  # PostgreSQL's message texts, under their conversation's number
CLIENT = ("client_name", "client_phone", "client_email")
TRIGRAM = 3  # the shortest text a trigram index can search
SAMPLE = 5000  # the newest conversations, and the newest messages, a text is measured on
# matches in a sample from which a page is found sooner along the list: about where a walk of
# the list costs what fetching every match does, at ten million conversations (checking a
# conversation's messages costs about ten times checking its fields)
FREQUENT_IN_FIELDS = 2  # a client's field: 0.04 % of the conversations
FREQUENT_IN_TEXT = 20  # the free text: 0.4 % of the conversations' fields,
# or, in the messages, a share whose matches would cost more to fetch than a walk costs to fill
# a page: fetching every match grows with the log (share × events), the walk does not (about
# 50 / (10 × share) conversations, each ~3 times the cost of a match), so the walk pays from
# about sqrt(15 / events): 0.04 % of 100 million, 0.12 % of 10 million (docs/decisions.md).
# Below a million events either way takes milliseconds: 2 matches in the sample, as at 100M.
WALK_TO_MATCH = 15
FREQUENT_IN_MESSAGES = 2
SMALL_LOG = 1_000_000
SEPARATOR = "\x1f"  # between a sample's fields, when they are checked as one text
# a window of numbers (PostgreSQL): sized to hold SPARE times the page's matches the sample
# predicts, never under SMALLEST_WINDOW numbers; when it held too few, sized again from what it
# held, and at least WIDEN times as wide (``Numbers.wider``)
SPARE = 2
SMALLEST_WINDOW = 10_000
WIDEN = 8
# SQLite's full-text tables (rowid and the hidden column named after the table)
MESSAGE_SEARCH = sql_table("message_search", sql_column("rowid"), sql_column("message_search"))
CLIENT_SEARCH = sql_table("client_search", sql_column("rowid"), sql_column("client_search"))


def variants(text: str) -> list[str]:
    """The spellings a case-insensitive search tries where the database folds ASCII only
    (SQLite's LIKE): as typed, lower, upper, Title and Capitalized."""
    text = text.strip()
    return list(dict.fromkeys([text, text.lower(), text.upper(), text.title(), text.capitalize()]))


def _pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column: Any, text: str, dialect: str) -> ColumnElement[bool]:
    """``column`` contains ``text``, whatever the case, in a form a trigram index answers on
    PostgreSQL (its planner may still check it row by row).

    PostgreSQL's ILIKE folds every alphabet; SQLite's LIKE folds ASCII only, so there the usual
    spellings of the text are tried (``анна`` finds «Анна» and «АННА», not «аННа»)."""
    if dialect == "postgresql":
        return column.ilike(_pattern(text.strip()), escape="\\")
    return or_(*(column.like(_pattern(v), escape="\\") for v in variants(text)))


def _checked(column: Any, text: str, dialect: str) -> ColumnElement[bool]:
    """``contains`` in a form no index answers, so the list is walked: on PostgreSQL a position
    in the lower-cased texts, which is what ILIKE compares."""
    if dialect == "postgresql":
        return func.strpos(func.lower(column), func.lower(text.strip())) > 0
    return contains(column, text, dialect)


def _phrase(text: str, column: str | None = None) -> str:
    """``text`` as an FTS5 phrase (every character literal, quotes doubled), in ``column``."""
    phrase = '"{}"'.format(text.strip().replace('"', '""'))
    return f"{{{column}}} : {phrase}" if column else phrase


def client_field(name: str, text: str, dialect: str, *, frequent: bool) -> ColumnElement[bool]:
    """A client's field contains ``text``: along the list when the text is frequent or short,
    else from the trigram index (SQLite: ``client_search``)."""
    if frequent or len(text.strip()) < TRIGRAM:
        return _checked(t[name], text, dialect)
    if dialect == "postgresql":
        return contains(t[name], text, dialect)
    return t.number.in_(_client_hits(_phrase(text, name)))


def _client_hits(phrase: str) -> Select[Any]:
    return select(CLIENT_SEARCH.c.rowid).where(CLIENT_SEARCH.c.client_search.match(phrase))


@dataclass(frozen=True)
class Numbers:
    """A window of conversation numbers, ``low < number < high``; a window that would hold
    every number below ``high`` is None (no window), numbers starting at 1."""

    low: int
    high: int

    @staticmethod
    def below(high: int, size: int) -> "Numbers | None":
        return Numbers(high - size, high) if high - size >= 1 else None

    def wider(self, found: int, wanted: int) -> "Numbers | None":
        """A window ending where this one does, sized for ``wanted`` rows where this one held
        ``found``, at least ``WIDEN`` times as wide; all the numbers below when it held none:
        the text is then rare enough to fetch every match (fewer than one in the window's
        numbers: ~200 at 10 million conversations), and each window costs its index lookups."""
        if found == 0:
            return None
        factor = max(WIDEN, math.ceil(SPARE * wanted / found))
        return Numbers.below(self.high, (self.high - self.low) * factor)


def condition(
    text: str, dialect: str, *, frequent: bool, numbers: Numbers | None = None
) -> ColumnElement[bool]:
    """The free text: the client's name, phone or e-mail, the number, or a message contains it;
    the messages' matches only in the window ``numbers`` (PostgreSQL), when one is given.

    Messages are searched from ``TRIGRAM`` characters on: a shorter text would match nearly
    every message, and no index can find it."""
    text = text.strip()
    number = int(text) if text.isdigit() and len(text) < 19 else None
    if frequent or len(text) < TRIGRAM:
        return _along(text, dialect, number)
    found = Conversation.__table__.alias("found")
    if dialect == "postgresql":
        client = select(found.c.number).where(
            or_(*(contains(found.c[n], text, dialect) for n in CLIENT))
        )
        messages = select(m.number).where(contains(m.text, text, dialect))
        if numbers is not None:
            # written into the statement, not bound: the planner must know how wide a window
            # is to choose between its range and the text's index (a plan for any window
            # walked a whole table)
            low, high = (
                literal(n, BigInteger, literal_execute=True) for n in (numbers.low, numbers.high)
            )
            client = client.where(found.c.number > low, found.c.number < high)
            messages = messages.where(m.number > low, m.number < high)
        parts = [client, messages]
        if number is not None and (numbers is None or numbers.low < number < numbers.high):
            parts.append(select(literal(number, BigInteger)))
        # the matches as an array, found first, whose rows are then read by number: as a join,
        # the planner guessed thousands of matches for any text and, for a rare one, walked
        # the conversations newest first to meet them (0.6 s at 10M against 35 ms)
        return t.number == any_(func.array(union_all(*parts).scalar_subquery()))
    client = select(found.c.id).where(found.c.number.in_(_client_hits(_phrase(text))))
    parts = [client, _message_conversations(text)]
    if number is not None:
        parts.append(select(found.c.id).where(found.c.number == number))
    return t.id.in_(union_all(*parts))


def _along(text: str, dialect: str, number: int | None) -> ColumnElement[bool]:
    """The free text checked on each row: the list is walked in its order, and a row's
    messages are read through its conversation's index (PostgreSQL: its number)."""
    found = [_checked(t[name], text, dialect) for name in CLIENT]
    if number is not None:
        found.append(t.number == number)
    if len(text) >= TRIGRAM and dialect == "postgresql":
        found.append(exists().where(m.number == t.number, _checked(m.text, text, dialect)))
    elif len(text) >= TRIGRAM:
        message = _checked(StoredEvent.payload["text"].as_string(), text, dialect)
        found.append(exists().where(StoredEvent.conversation_id == t.id, IS_MESSAGE, message))
    return or_(*found)


def _message_conversations(text: str) -> Select[Any]:
    """SQLite: the conversations with a message containing ``text``, from the full-text index,
    whatever the case (its trigram tokenizer folds the case of every alphabet)."""
    hits = select(MESSAGE_SEARCH.c.rowid).where(
        MESSAGE_SEARCH.c.message_search.match(_phrase(text))
    )
    return select(StoredEvent.conversation_id).where(StoredEvent.seq.in_(hits))


async def frequent(session: AsyncSession, dialog_filter: Any) -> frozenset[str]:
    """The text fields of the filter whose text is frequent among the newest rows: a page of
    them is found along the list (see the module's docstring)."""
    dialect = session.get_bind().dialect.name
    found = set()
    for name in CLIENT:
        text = getattr(dialog_filter, name)
        if _long(text) and await _hits(session, (name,), text, dialect) >= FREQUENT_IN_FIELDS:
            found.add(name)
    if _long(text := dialog_filter.q) and (
        await _hits(session, CLIENT, text, dialect) >= FREQUENT_IN_TEXT
        or await _hits(session, None, text, dialect) >= await _frequent_in_messages(session)
    ):
        found.add("q")
    return frozenset(found)


def walk_threshold(events: int) -> float:
    """The matches in ``SAMPLE`` messages from which a text is walked rather than fetched, in a
    log of ``events`` events."""
    if events < SMALL_LOG:
        return FREQUENT_IN_MESSAGES
    return max(FREQUENT_IN_MESSAGES, SAMPLE * math.sqrt(WALK_TO_MATCH / events))


async def _frequent_in_messages(session: AsyncSession) -> float:
    return walk_threshold(await session.scalar(select(func.max(StoredEvent.seq))) or 0)


def _long(text: str | None) -> bool:
    return text is not None and len(text.strip()) >= TRIGRAM


async def _hits(
    session: AsyncSession, fields: tuple[str, ...] | None, text: str, dialect: str
) -> int:
    """How many of the newest ``SAMPLE`` conversations (their ``fields``), or messages (no
    fields), contain ``text``."""
    if fields is None and dialect == "postgresql":
        sample = select(m.text).order_by(m.number.desc()).limit(SAMPLE).subquery()
    elif fields is None:
        newest = select(StoredEvent.payload["text"].as_string().label("text")).where(IS_MESSAGE)
        sample = newest.order_by(StoredEvent.seq.desc()).limit(SAMPLE).subquery()
    else:
        newest = select(*(t[name] for name in fields)).order_by(t.number.desc())
        sample = newest.limit(SAMPLE).subquery()
    columns = list(sample.c)
    if dialect == "postgresql" and len(columns) > 1:
        # one lower-cased string a row, not an ILIKE a field: half the time (docs/decisions.md);
        # the separator, which nobody types, keeps a text from matching across two fields
        found = _checked(func.concat_ws(SEPARATOR, *columns), text, dialect)
    else:
        found = or_(*(contains(column, text, dialect) for column in columns))
    return await session.scalar(select(func.count()).select_from(sample).where(found)) or 0


async def window(
    session: AsyncSession, text: str | None, *, limit: int, before: int | None
) -> Numbers | None:
    """PostgreSQL, a text found from the index: the numbers below ``before`` (the page's
    cursor; else the newest) in which ``limit`` conversations with a message containing it are
    expected, measured on the ``SAMPLE`` messages just below; None where no window applies or
    it would hold every number below."""
    if session.get_bind().dialect.name != "postgresql" or not _long(text):
        return None
    newest = select(m.number, m.text)
    if before is not None:
        newest = newest.where(m.number < before)
    sample = newest.order_by(m.number.desc()).limit(SAMPLE).subquery()
    hits = func.count().filter(contains(sample.c.text, text or "", "postgresql"))
    measure = select(hits, func.min(sample.c.number), func.max(sample.c.number))
    found, low, high = (await session.execute(measure)).one()
    if high is None:
        return None
    size = math.ceil(SPARE * limit * (high - low + 1) / max(found, 1))
    top = high + 1 if before is None else before
    return Numbers.below(top, max(size, SMALLEST_WINDOW))
