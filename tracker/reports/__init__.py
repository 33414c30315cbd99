"""Reports: the progress report, the dashboard and published reports.

It reads every other domain; nothing imports it."""
