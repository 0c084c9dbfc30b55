from helpdesk.tests.redis_server import redis_configured, redis_server  # noqa: F401 - fixtures
