"""The server the benchmark starts: Dozor as ``dozor serve`` would run it, quieter.

Settings come from the ``DOZOR_*`` environment; the port is the only argument.
"""

import sys

import uvicorn

from dozor.app import create_app, tune_gc
from dozor.config import Settings

if __name__ == "__main__":
    app = create_app(Settings())
    tune_gc()  # as ``dozor serve`` does
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )
