"""The web fixtures (client, add_user) for the proposal pages."""

from web.conftest import add_user, client, web_settings  # noqa: F401
