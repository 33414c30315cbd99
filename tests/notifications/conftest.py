from tests.mail.conftest import smtp_server  # noqa: F401  (a real SMTP server)
