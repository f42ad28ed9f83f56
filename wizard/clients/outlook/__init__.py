"""Outlook (classic, Windows): reading its IMAP/POP/SMTP accounts and naming its dialog fields.

``registry`` reads (read-only, through a small ``RegistrySource`` interface that is ``winreg`` on
Windows); ``fields`` says where in Outlook's own dialogs each setting is changed.
"""
