"""Production settings of the application server: ``gunicorn -c gunicorn.conf.py config.wsgi``.

Every value can be overridden from the environment (names below) or on the command line
(``--workers``, ``--threads``, ``--bind`` ... win over this file).

- Workers: one process per CPU (``WEB_CONCURRENCY``, which gunicorn also reads itself), at
  least 2, so a slow request or a restart never stops the site.
- Threads: ``gthread`` workers with ``GUNICORN_THREADS`` threads each (default 4). A request
  spends much of its time waiting for PostgreSQL or Redis; threads let the process serve
  another request meanwhile, and keep-alive connections from the proxy stay open without
  holding a whole process (the ``sync`` worker closes each connection after one request).
  Django is thread-safe for this: one database connection per thread (``conn_max_age`` in
  ``DATABASE_URL`` keeps them open), so size PostgreSQL's ``max_connections`` for
  workers × threads × app servers. Measured on the two-core test machine with
  ``bench/class_list.py`` and ``bench/registration_burst.py`` (issue 12): see README
  "Production".
- Timeouts: a request stuck for ``GUNICORN_TIMEOUT`` seconds (default 60: the analytics
  exports run as tasks, no page needs longer) gets its worker restarted; ``graceful_timeout``
  lets requests in flight finish on a reload.
- Workers are replaced after ``GUNICORN_MAX_REQUESTS`` requests (with jitter, so not all at
  once), which bounds any slow memory growth.
- Access log to stdout (the service manager's journal), one line per request with the client
  address the proxy saw, the time taken in microseconds and the response size.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = _int("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = _int("GUNICORN_THREADS", 4)
# Connections waiting to be accepted: a launch-day burst queues here instead of being refused.
backlog = _int("GUNICORN_BACKLOG", 2048)

timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Keep idle connections from the proxy open a little longer than nginx's upstream keepalive
# needs; a browser never talks to gunicorn directly (README "Production": reverse proxy).
keepalive = _int("GUNICORN_KEEPALIVE", 5)

max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 500)

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Client (X-Forwarded-For from the proxy, else the peer), request line, status, bytes,
# microseconds, referer and agent.
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(B)s %(D)sus "%(f)s" "%(a)s"'
# Off: a HUP then reloads the code of a new release. On (``GUNICORN_PRELOAD=1``): workers
# share the imported application's memory pages and start faster.
preload_app = os.environ.get("GUNICORN_PRELOAD", "0") == "1"
