"""The kit for IT: every file a domain publishes so mail programs find the right settings.

Built from the provider file (IT's truth), never kept by hand: the autoconfig file Thunderbird
and Thunderbird for Android read, the Autodiscover (POX) answer Outlook reads, web-server
snippets that serve both (nginx, Apache, Caddy), the DNS zone lines (RFC 6186/8314 SRV records
and the ``autoconfig``/``autodiscover`` names), a configuration profile for Apple devices and a
one-page README saying where each goes. One module per kind of file; ``build`` puts them
together and ``write`` saves them. Qt-free and network-free.
"""
