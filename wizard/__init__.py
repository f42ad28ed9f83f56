"""Mail Setup Wizard: sets up a mail client and explains why a login fails."""

__version__ = "0.1.0"
APP_NAME = "Mail Setup Wizard"
