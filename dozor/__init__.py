"""Dozor: self-hosted supervision for omnichannel contact centers."""

__version__ = "0.1.0"
