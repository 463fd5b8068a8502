"""Locust users for benchmarks/load.py: a customer-success team signed in at once.

Each simulated person takes one of the sessions load.py opened (CSMs, managers, directors,
VPs, executives, admins, in the book's own proportions), then works as that role does:
the home page, an account page of their own book, the lists, the approvals inbox, the
team and executive dashboards for the roles that have them, and the REST API; between
two clicks they read the page for LOAD_THINK_MIN..LOAD_THINK_MAX seconds.

Run by load.py; by hand:
  LOAD_SESSIONS=sessions.json locust -f benchmarks/locustfile.py --headless -u 20 -r 20 -t 30s \
      --host http://127.0.0.1:8000
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
from pathlib import Path

from locust import HttpUser, between, task

SESSIONS = json.loads(Path(os.environ["LOAD_SESSIONS"]).read_text(encoding="utf-8"))
_next = itertools.count()
_lock = threading.Lock()
THINK = (float(os.environ.get("LOAD_THINK_MIN", "1")), float(os.environ.get("LOAD_THINK_MAX", "5")))
MANAGERS = {"manager", "director", "vp", "executive", "admin"}
EXECUTIVES = {"director", "vp", "executive", "admin"}


class TeamMember(HttpUser):
    wait_time = between(*THINK)

    def on_start(self) -> None:
        with _lock:
            me = SESSIONS[next(_next) % len(SESSIONS)]
        self.role = me["role"]
        self.accounts = me["accounts"]
        self.client.cookies.set("renewals_session", me["cookie"])

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")

    @task(3)
    def home(self) -> None:
        self._get("/home", "/home")

    @task(5)
    def account_page(self) -> None:
        if self.accounts:
            self._get(f"/accounts/{random.choice(self.accounts)}", "/accounts/[id]")

    @task(1)
    def accounts(self) -> None:
        self._get("/accounts", "/accounts")

    @task(1)
    def renewals(self) -> None:
        self._get("/renewals", "/renewals")

    @task(1)
    def task_queue(self) -> None:
        self._get("/tasks", "/tasks")

    @task(1)
    def approvals(self) -> None:
        self._get("/approvals", "/approvals")

    @task(1)
    def api(self) -> None:
        self._get("/api/v1/renewals?size=50", "/api/v1/renewals")

    @task(1)
    def team(self) -> None:
        if self.role in MANAGERS:
            self._get("/manager", "/manager")

    @task(1)
    def executive(self) -> None:
        if self.role in EXECUTIVES:
            self._get("/executive", "/executive")
