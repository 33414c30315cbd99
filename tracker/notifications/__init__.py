"""Notifications: what happened that concerns a user, on their Notifications page and, by their
choice, by mail at once, in a daily digest, or not at all."""
