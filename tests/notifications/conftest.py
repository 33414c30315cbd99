from tests.mail.conftest import smtp_server, smtp_servers  # noqa: F401  (a real SMTP server)
