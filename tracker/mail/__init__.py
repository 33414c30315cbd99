"""Outgoing mail: an outbox table that every message goes through, and a sender that delivers it
over SMTP when MAIL_URL is set."""
