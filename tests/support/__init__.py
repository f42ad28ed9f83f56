"""Test support: real-server fixtures (Dovecot, Secret Service), fakes for misbehaviour, helpers."""
