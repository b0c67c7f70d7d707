# Production server settings: `gunicorn -c gunicorn.conf.py`. Sync workers serve downloads with
# sendfile; about two workers per CPU keep the CPUs busy while workers wait on the database.
import multiprocessing
import os

wsgi_app = "portal.wsgi:application"
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = 120  # a 500 MB film upload on a slow line
accesslog = "-"
logger_class = "portal.gunicorn.RedactingLogger"
