"""The dialog list benchmark's data: a folded base, multiplied in the database.

1. A fresh database (SQLite file, or the PostgreSQL database ``dozor_bench_dialogs``) at the
   newest schema. Its secondary indexes are noted and dropped; they are built again at the end,
   which is faster than keeping them up to date row by row.
2. The base: ``base`` synthetic conversations over 30 days (chats, calls, e-mails; 3 groups,
   200 operators; ~``messages`` messages each, words drawn from a Zipf-like vocabulary, an order
   number in some) folded with the real ``state.fold``; their rows and ``message.created``
   events written in bulk, numbered and sequenced in time order.
3. Copies, made by the database (``INSERT … SELECT``): copy k moves every date k × 30 days back,
   takes numbers, sequence numbers and ids of its own, spreads its conversations over 4× the
   groups and 10× the operators, and draws new client names, phones, e-mails and message texts
   (an old conversation left open in the base is closed in its copies). The copies are written
   oldest first, so past the base the tables lie in number order, as the app's would.
4. The indexes again, then ANALYZE (SQLite's triggers filled its full-text tables on the way;
   on PostgreSQL each copy of the events fills ``message_texts`` in the same statement).
"""

import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, get_args

import asyncpg

from dozor.config import Settings
from dozor.conversations.models import Conversation
from dozor.conversations.state import FIELDS, fold
from dozor.db import UTCDateTime, create_engine
from dozor.events import contract as c
from dozor.events.models import MessageText, StoredEvent
from dozor.migrate import upgrade

START = datetime(2026, 2, 1, tzinfo=UTC)
SPAN_DAYS = 30
GROUPS = ("support", "sales", "vip")
FIRST = ("Анна", "Борис", "Вера", "Глеб", "Дарья", "Егор", "Жанна", "Илья", "Ксения", "Лев",
         "Мария", "Никита", "Ольга", "Павел", "Роман", "Светлана", "Тимур", "Ульяна")  # fmt: skip
LAST = ("Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
        "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
        "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров")  # fmt: skip
# the words of the messages, most frequent first; a word's weight in the bag falls as 1/rank
_WORDS = """здравствуйте спасибо заказ пожалуйста да нет хорошо когда где доставка оплата можно
подскажите вопрос курьер номер карта деньги товар сегодня завтра адрес время минуту уточните
проверю ждать почему возврат скидка чек магазин телефон приложение сайт ошибка статус отменить
оформить получить отправить вернуть оплатить изменить перенести связаться помочь написать
позвонить приехать посылка пункт выдачи склад наличие размер цвет цена стоимость бонусы баллы
промокод акция кэшбэк договор счёт документы паспорт подпись менеджер оператор специалист
руководитель жалоба претензия гарантия ремонт сервис брак повреждение упаковка коробка инструкция
установка подключение тариф интернет роутер пароль логин аккаунт личный кабинет уведомление смс
письмо почта вложение фото скриншот видео ссылка код подтверждение регистрация вход выход настройки
обновление версия телефона планшет ноутбук компьютер принтер наушники зарядка батарея экран кнопка
холодильник стиральная машина пылесос чайник микроволновка утюг кофеварка мультиварка телевизор
кондиционер обогреватель вентилятор лампа розетка кабель адаптер пульт антенна приставка колонка
понедельник вторник среда четверг пятница суббота воскресенье утром вечером днём неделю месяц
срочно быстро долго опять снова уже ещё только очень слишком совсем вообще конечно наверное
отлично замечательно ужасно плохо нормально понятно непонятно странно удобно неудобно дорого
дешево бесплатно платно вовремя опоздал задержка перенос отмена подтвердил согласен отказываюсь
"""
WORDS = tuple(_WORDS.split())
ORDER_SHARE = 0.15  # messages that quote an order number (the rare needles of the search)
BAG = [w for rank, w in enumerate(WORDS) for _ in range(max(1, round(60 / (rank + 1) ** 0.8)))]


def message_text(rng: random.Random, *, orders: bool = True) -> str:
    words = " ".join(rng.choice(BAG) for _ in range(rng.randint(3, 9)))
    if orders and rng.random() < ORDER_SHARE:
        words += f" заказ №{rng.randrange(10**7, 10**8)}"
    return words


def _events(n: int, rng: random.Random, messages: float, base: int) -> list[Any]:
    """Conversation n of the base: its events, built without validation (they are well-formed)."""
    cid = f"b{n}"
    t = START + timedelta(days=SPAN_DAYS * n / base, seconds=rng.uniform(0, 60))
    medium = rng.choice(("chat", "chat", "chat", "call", "email"))
    made: list[Any] = []

    def add(model: Any, seconds: float, **fields: Any) -> None:
        nonlocal t
        t += timedelta(seconds=seconds)
        kind = get_args(model.model_fields["type"].annotation)[0]
        made.append(
            model.model_construct(
                id=f"{cid}-{len(made)}", type=kind, ts=t, conversation_id=cid, **fields
            )
        )

    email = f"{rng.choice(('anna', 'ivan', 'olga', 'petr'))}.{n}@example.ru"
    client = c.Client.model_construct(
        id=None, name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", phone=f"+7916{n:07d}",
        email=email if rng.random() < 0.4 else None,
    )  # fmt: skip
    add(c.ConversationOpened, 0, channel_id=f"{medium}-1", medium=medium, direction="inbound",
        group_id=rng.choice(GROUPS), client=client, topic=None, page_url=None, crm_ref=None,
        personal=False)  # fmt: skip
    operator = f"op-{rng.randrange(200)}"
    if rng.random() < 0.9:
        add(c.ConversationAccepted, rng.expovariate(1 / 40), operator_id=operator)
    for m in range(max(1, round(rng.expovariate(1 / messages)))):  # a mean of ``messages``
        author = "client" if m % 2 == 0 else "operator"
        add(c.MessageCreated, rng.expovariate(1 / 60), message_id=f"m{m}", author=author,
            operator_id=operator if author == "operator" else None,
            text=message_text(rng))  # fmt: skip
    if rng.random() < 0.8 or t < START + timedelta(days=SPAN_DAYS - 1):
        add(c.ConversationClosed, rng.expovariate(1 / 30), by="operator", operator_id=operator,
            spam=rng.random() < 0.02, reason=None)  # fmt: skip
    return made


def _stored(e: Any) -> dict[str, Any]:
    payload = {"conversation_id": e.conversation_id, "message_id": e.message_id,
               "author": e.author, "text": e.text}  # fmt: skip
    if e.operator_id is not None:
        payload["operator_id"] = e.operator_id
    return {"id": e.id, "type": e.type, "ts": e.ts, "conversation_id": e.conversation_id,
            "operator_id": e.operator_id, "received_at": e.ts, "payload": payload}  # fmt: skip


async def _write_base(
    settings: Settings, base: int, copies: int, messages: float, seed: int
) -> int:
    """Fold and write the base, numbered after the copies that will come before it; returns
    how many message events it has."""
    rng = random.Random(seed)
    conversations, stored, numbers = [], [], {}
    for n in range(base):
        events = _events(n, rng, messages, base)
        state = fold(events)
        row = {name: getattr(state, name) for name in FIELDS}
        numbers[state.id] = copies * base + n + 1
        conversations.append({"number": numbers[state.id], **row})
        stored += [_stored(e) for e in events if e.type == "message.created"]
    stored.sort(key=lambda row: row["ts"])
    for index, row in enumerate(stored):
        row["seq"] = copies * len(stored) + index + 1
    texts = [
        {
            "number": numbers[row["conversation_id"]],
            "seq": row["seq"],
            "text": row["payload"]["text"],
        }
        for row in stored
    ]
    engine = create_engine(settings)
    async with engine.begin() as connection:
        for first in range(0, base, 5000):
            await connection.execute(Conversation.__table__.insert(), conversations[first:][:5000])
        for first in range(0, len(stored), 20000):
            await connection.execute(StoredEvent.__table__.insert(), stored[first:][:20000])
            if engine.dialect.name == "postgresql":
                await connection.execute(MessageText.__table__.insert(), texts[first:][:20000])
    await engine.dispose()
    return len(stored)


def _columns(dialect: str, base: int, events: int) -> tuple[str, str, str, str]:
    """Column lists and ``SELECT`` expressions of a copy (``:k`` is its distance back)."""
    shift = _shift_sql(dialect)
    suffix = "{0} || '~' || :k"
    operator = (
        "CASE WHEN {0} IS NULL THEN NULL ELSE 'op-' || "
        "(CAST(substr({0}, 4) AS INTEGER) + 200 * (:k % 10)) END"
    )
    group = "CASE WHEN {0} IS NULL OR :k % 4 = 0 THEN {0} ELSE {0} || '-' || (:k % 4) END"
    closed = "closed_at IS NOT NULL"
    override = {
        "number": f"number - :k * {base}",
        "id": suffix, "last_event_id": suffix,
        "operator_id": operator, "accepted_operator_id": operator, "pinned_operator_id": operator,
        "group_id": group, "queue_group_id": group,
        "client_name": f"bench_name(number - :k * {base})",
        "client_phone": f"bench_phone(number - :k * {base})",
        "client_email": f"CASE WHEN client_email IS NULL THEN NULL "
        f"ELSE bench_email(number - :k * {base}) END",
        "status": f"CASE WHEN {closed} THEN status ELSE 'closed' END",
        "detailed_status": f"CASE WHEN {closed} THEN detailed_status ELSE 'closed' END",
        "work_state": f"CASE WHEN {closed} THEN work_state ELSE 'closed' END",
        "closed_by": f"CASE WHEN {closed} THEN closed_by ELSE 'system' END",
        "closed_at": shift.format("coalesce(closed_at, last_ts)"),
        "work_state_since": shift.format(
            f"CASE WHEN {closed} THEN work_state_since ELSE last_ts END"
        ),
    }  # fmt: skip
    names, values = [], []
    for column in Conversation.__table__.columns:
        names.append(column.name)
        if column.name in override:
            values.append(override[column.name].format(column.name))
        elif isinstance(column.type, UTCDateTime):
            values.append(shift.format(column.name))
        else:
            values.append(column.name)
    event_values = [
        f"seq - :k * {events}", suffix.format("id"), "type", shift.format("ts"),
        suffix.format("conversation_id"), operator.format("operator_id"),
        _payload_sql(dialect, operator.format("operator_id"), f"seq - :k * {events}"),
        shift.format("received_at"),
    ]  # fmt: skip
    return ", ".join(names), ", ".join(values), EVENT_COLUMNS, ", ".join(event_values)


EVENT_COLUMNS = "seq, id, type, ts, conversation_id, operator_id, payload, received_at"


def _shift_sql(dialect: str) -> str:
    if dialect == "postgresql":
        return "({0} - make_interval(days => :k * DAYS))".replace("DAYS", str(SPAN_DAYS))
    # the fraction of the stored text is kept: whole days do not change it
    return (
        "(strftime('%Y-%m-%d %H:%M:%S', {0}, '-' || (:k * DAYS) || ' days') || substr({0}, 20))"
    ).replace("DAYS", str(SPAN_DAYS))


def _payload_sql(dialect: str, operator: str, seq: str) -> str:
    fields = (
        "'conversation_id', conversation_id || '~' || :k, 'message_id', {get}'message_id'),"
        " 'author', {get}'author'), 'text', bench_text(SEQ)"
    ).replace("SEQ", seq)
    if dialect == "postgresql":
        fields = fields.format(get="(payload ->> ")
        return f"json_strip_nulls(json_build_object({fields}, 'operator_id', {operator}))"
    fields = fields.format(get="json_extract(payload, '$.' || ")
    return (
        f"CASE WHEN operator_id IS NULL THEN json_object({fields}) "
        f"ELSE json_object({fields}, 'operator_id', {operator}) END"
    )


# -- SQLite ----------------------------------------------------------------------------------


def sqlite_indexes(path: Path) -> list[str]:
    """Drop the secondary indexes of the two big tables; returns the statements that make
    them again (a UNIQUE constraint's index stays: it is part of its table)."""
    db = sqlite3.connect(path, isolation_level=None)
    rows = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND tbl_name IN ('conversations', 'events')"
    ).fetchall()
    for name, _sql in rows:
        db.execute(f"DROP INDEX {name}")
    db.close()
    return [sql for _name, sql in rows]


def build_sqlite(path: Path, base: int, copies: int, base_events: int, again: list[str]) -> None:
    rng = random.Random(base)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1000000")
    db.create_function("bench_text", 1, lambda _seq: message_text(rng))
    db.create_function("bench_name", 1, lambda n: f"{FIRST[n % len(FIRST)]} {rng.choice(LAST)}")
    db.create_function("bench_phone", 1, lambda n: f"+79{(n * 7919) % 10**9:09d}")
    db.create_function("bench_email", 1, lambda n: f"client.{n}@example.ru")
    names, values, event_names, event_values = _columns("sqlite", base, base_events)
    began = time.monotonic()
    for k in range(copies, 0, -1):
        low, low_seq = copies * base, copies * base_events
        db.execute("BEGIN")
        db.execute(
            f"INSERT INTO conversations ({names}) SELECT {values} FROM conversations"
            f" WHERE number > {low} ORDER BY number".replace(":k", str(k))
        )
        db.execute(
            f"INSERT INTO events ({event_names}) SELECT {event_values} FROM events"
            f" WHERE seq > {low_seq} ORDER BY seq".replace(":k", str(k))
        )
        db.execute("COMMIT")
        _progress(copies - k + 1, copies, began)
    for statement in again:
        _timed(lambda statement=statement: db.execute(statement), statement)
    _timed(lambda: db.execute("ANALYZE"), "ANALYZE")
    db.close()


# -- PostgreSQL ------------------------------------------------------------------------------

TEXTS = 200_000  # message texts drawn in Python; a copy's message takes one by its number
PG_FUNCTIONS = """
CREATE FUNCTION bench_text(seq bigint) RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT (SELECT text FROM bench_texts WHERE i = (seq * 2654435761) % {texts})
         || CASE WHEN random() < {order_share}
                 THEN ' заказ №' || (10000000 + floor(random() * 90000000)::int) ELSE '' END
$$;
CREATE FUNCTION bench_name(n bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT (ARRAY[{first}])[1 + (n % {n_first})::int] || ' '
      || (ARRAY[{last}])[1 + ((n * 7) % {n_last})::int]
$$;
CREATE FUNCTION bench_phone(n bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT '+79' || lpad(((n * 7919) % 1000000000)::text, 9, '0')
$$;
CREATE FUNCTION bench_email(n bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT 'client.' || n || '@example.ru'
$$;
"""


def _quoted(words: tuple[str, ...]) -> str:
    return ", ".join(f"'{w}'" for w in words)


async def build_postgresql(url: str, base: int, copies: int, base_events: int) -> None:
    rng = random.Random(base)
    connection = await asyncpg.connect(url)
    await connection.execute("CREATE UNLOGGED TABLE bench_texts (i int PRIMARY KEY, text text)")
    texts = [(i, message_text(rng, orders=False)) for i in range(TEXTS)]
    await connection.copy_records_to_table("bench_texts", records=texts)
    await connection.execute(
        PG_FUNCTIONS.format(
            texts=TEXTS,
            order_share=ORDER_SHARE,
            first=_quoted(FIRST),
            n_first=len(FIRST),
            last=_quoted(LAST),
            n_last=len(LAST),
        )  # fmt: skip
    )
    names, values, event_names, event_values = _columns("postgresql", base, base_events)
    began = time.monotonic()
    for k in range(copies, 0, -1):
        low, low_seq = copies * base, copies * base_events
        async with connection.transaction():
            await connection.execute(
                f"INSERT INTO conversations ({names}) SELECT {values} FROM conversations"
                f" WHERE number > {low} ORDER BY number".replace(":k", str(k))
            )
            # the copy's texts, with the number of their conversation (``b{n}~k``: the base's
            # conversation n, numbered as ``_write_base`` did, moved k bases back)
            await connection.execute(
                f"WITH copied AS (INSERT INTO events ({event_names}) SELECT {event_values}"
                f" FROM events WHERE seq > {low_seq} ORDER BY seq"
                " RETURNING seq, conversation_id, payload ->> 'text' AS text)"
                " INSERT INTO message_texts (number, seq, text)"
                f" SELECT {low + 1 - k * base}"
                " + split_part(substr(conversation_id, 2), '~', 1)::bigint, seq, text"
                " FROM copied".replace(":k", str(k))
            )
        _progress(copies - k + 1, copies, began)
    await connection.close()


async def postgresql_indexes(url: str) -> list[str]:
    """Drop the secondary indexes of the big tables, and the key of ``message_texts`` (the
    copies never look it up); returns the statements that make them again."""
    connection = await asyncpg.connect(url)
    rows = await connection.fetch(
        "SELECT i.indexname, i.indexdef, c.conname, pg_get_constraintdef(c.oid) AS condef,"
        " i.tablename FROM pg_indexes i LEFT JOIN pg_constraint c ON c.conname = i.indexname"
        " WHERE i.tablename IN ('conversations', 'events', 'message_texts')"
        " AND (c.contype IS DISTINCT FROM 'p' OR i.tablename = 'message_texts')"
    )
    again = []
    for row in rows:
        table = row["tablename"]
        if row["conname"]:
            await connection.execute(f"ALTER TABLE {table} DROP CONSTRAINT {row['conname']}")
            again.append(f"ALTER TABLE {table} ADD CONSTRAINT {row['conname']} {row['condef']}")
        else:
            await connection.execute(f"DROP INDEX {row['indexname']}")
            again.append(row["indexdef"])
    await connection.close()
    return again


async def finish_postgresql(url: str, again: list[str]) -> None:
    connection = await asyncpg.connect(url)
    await connection.execute("SET maintenance_work_mem = '1GB'")
    for statement in again:
        began = time.monotonic()
        await connection.execute(statement)
        print(f"  {time.monotonic() - began:6.0f} s  {statement[:110]}")  # noqa: T201
    for sequence, table, column in (("conversations_number_seq", "conversations", "number"),
                                    ("events_seq_seq", "events", "seq")):  # fmt: skip
        await connection.execute(
            f"SELECT setval('{sequence}', (SELECT max({column}) FROM {table}))"
        )
    await connection.execute("DROP FUNCTION bench_text, bench_name, bench_phone, bench_email")
    await connection.execute("DROP TABLE bench_texts")
    for table in ("conversations", "events", "message_texts"):
        began = time.monotonic()
        await connection.execute(f"VACUUM ANALYZE {table}")
        print(f"  {time.monotonic() - began:6.0f} s  VACUUM ANALYZE {table}")  # noqa: T201
    await connection.close()


def _timed(run: Any, what: str) -> None:
    began = time.monotonic()
    run()
    print(f"  {time.monotonic() - began:6.0f} s  {what[:110]}")  # noqa: T201


def _progress(done: int, total: int, began: float) -> None:
    if done == total or done % max(1, total // 20) == 0:
        print(f"  copy {done}/{total} in {time.monotonic() - began:.0f} s")  # noqa: T201


async def build(settings: Settings, *, total: int, base: int, messages: float, seed: int) -> None:
    """A database of ``total`` conversations (a multiple of ``base``) for the benchmark."""
    base = min(base, total)
    copies = total // base - 1
    await upgrade(settings)
    url = settings.effective_database_url
    postgresql = url.startswith("postgresql")
    plain, path = url.replace("+asyncpg", ""), settings.data_dir / "dozor.sqlite3"
    again = await postgresql_indexes(plain) if postgresql else sqlite_indexes(path)
    began = time.monotonic()
    events = await _write_base(settings, base, copies, messages, seed)
    print(f"  the base, {base:,} conversations and {events:,} messages: "  # noqa: T201
          f"{time.monotonic() - began:.0f} s")  # fmt: skip
    if postgresql:
        await build_postgresql(plain, base, copies, events)
        await finish_postgresql(plain, again)
    else:
        build_sqlite(path, base, copies, events, again)
