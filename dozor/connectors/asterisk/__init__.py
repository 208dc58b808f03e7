"""Asterisk: the queue_log (a file, followed live, or a table export), the Manager Interface (AMI)
and call-detail records (Master.csv or any CSV with a column mapping), all as Dozor events.

See docs/asterisk.md for how to point Dozor at a PBX and how each Asterisk event maps.
"""
