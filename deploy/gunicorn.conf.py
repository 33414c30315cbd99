"""Gunicorn settings for the tracker in production (docs/deploying.md).

    /opt/tracker/.venv/bin/gunicorn -c /opt/tracker/deploy/gunicorn.conf.py

The settings themselves (DATABASE_URL, SECRET_KEY, …) come from the environment: the systemd
unit reads them from /etc/tracker/tracker.env. A command-line option overrides this file.
"""

import multiprocessing
import os

wsgi_app = "tracker:create_app()"

# nginx on the same machine forwards to this; with app servers on other machines, bind the
# private address the load balancer reaches instead (never a public one: TLS ends at the proxy).
bind = "127.0.0.1:8000"

# Sync workers, each one request at a time: two per core and one more, or WEB_CONCURRENCY.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))

# A report in PDF or a large import can take tens of seconds; a worker silent for longer than
# this is killed and restarted. nginx's proxy_read_timeout (deploy/nginx-tracker.conf) is longer.
timeout = 120
# On a stop or a restart, requests under way get this long to finish.
graceful_timeout = 30
# Restart each worker now and then, at different moments, so that slow growth cannot accumulate.
max_requests = 2000
max_requests_jitter = 200
# The workers' heartbeat files in memory: a slow or full disk must not get workers killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# The app writes a JSON line for every request itself (tracker/logs.py), with its route pattern
# and never the path, which may hold a calendar feed token: gunicorn's access log would write
# the raw path, so it stays off. Gunicorn's own messages (start, worker restarts) go to stderr.
accesslog = None
errorlog = "-"
loglevel = "info"

# Gunicorn 27 otherwise opens a control socket under ~/.gunicorn, which a second gunicorn on the
# machine (a restore drill, another instance) takes over; the tracker does not use it.
control_socket_disable = True
