"""Finding settings for any address, the way the best mail programs do, faster and safer.

One module per source (``autoconfig`` with .well-known, ``ispdb``, ``mx``, ``srv``,
``autodiscover``, ``probe``), the bounded network they share (``net``, ``http``), what they
return (``model``) and the race that ranks them (``race``). Qt-free; the GUI runs
:func:`wizard.discovery.race.discover` on a worker thread. See ``docs/discovery.md``.
"""
