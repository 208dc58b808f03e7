"""Where each connector stands in its source: a byte offset in a file, a mailbox UID…"""

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from dozor.db import Base, UTCDateTime


class ConnectorOffset(Base):
    """One row per source; written in the transaction that stores the events read up to it."""

    __tablename__ = "connector_offsets"

    source: Mapped[str] = mapped_column(String(500), primary_key=True)
    # what the offset is an offset in: for a file, its device, inode and first line, so that a
    # rotated or truncated file is never read from the position of another
    identity: Mapped[str] = mapped_column(String(200))
    offset: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
