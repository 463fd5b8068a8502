"""The web fixtures (app on the test database, users with passwords) for contract tests."""

from web.conftest import add_user, client, web_settings  # noqa: F401
