"""Built-in mappings for ``import-cdr --profile``: exports whose quirks are known."""

from dozor.connectors.asterisk.cdr import Mapping

# The "Anonymous Bank" data (Technion SEE lab, February 1999; /work/shared/data/README.md):
# one call per line, tab-separated, times of day in Israeli local time on a YYMMDD date.
# - vru_entry opens the call, q_start queues it (0:00:00: it never queued), q_exit ends the
#   queue, ser_start is the answer, ser_exit the end; type is the queue (PS, PE, IN, NE, NW, TT).
# - AGENT is answered, HANG is the caller giving up. PHANTOM is documented as "a virtual call to
#   be ignored": left out. AGENT served by NO_SERVER names nobody: not taken (calls.py).
# - call_id repeats across lines (vru+line): the id is vru+line and call_id together.
ANONYMOUS_BANK = Mapping(
    columns={
        "id": ["vru+line", "call_id"],
        "arrival": "vru_entry",
        "ivr_end": "vru_exit",
        "queue_start": "q_start",
        "queue_end": "q_exit",
        "answer": "ser_start",
        "end": "ser_exit",
        "agent": "server",
        "queue": "type",
        "outcome": "outcome",
        "client_id": "customer_id",
    },
    channel="anonymous-bank",
    delimiter="\t",
    timezone="Asia/Jerusalem",
    time_format="%H:%M:%S",
    date_column="date",
    date_format="%y%m%d",
    never=("0:00:00", ""),
    direction="inbound",
    answered=("AGENT",),
    abandoned=("HANG",),
    skip=("PHANTOM",),
    no_agent=("NO_SERVER", ""),
    no_client=("0", ""),
)

PROFILES = {"anonymous-bank": ANONYMOUS_BANK}
