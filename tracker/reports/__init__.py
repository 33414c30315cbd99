"""Reports: the progress report, the dashboard, published reports and history panels.

It reads every other domain; only entry points (views) import it."""
