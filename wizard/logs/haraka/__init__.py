"""Haraka's log read into sessions: the parser feeds on lines (``parser``), the judge says what
happened (``judge``), the sentences say it for IT (``sentences``). Haraka's own words live in
``wizard.servers.haraka``."""

from wizard.logs.haraka.parser import HarakaTracker

__all__ = ["HarakaTracker"]
