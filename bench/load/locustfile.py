"""The locustfile of ``make bench-load``: simulated agents sending ``workload.Agent``'s requests over HTTP.

Runs in locust's own virtualenv (.venv-load), never in the product's. ``LOAD_CONFIG`` names a JSON file
the run writes: a JWT of the benchmark's admin, ticket ids of the desk, a category, the search words,
and the think time between an agent's requests.
"""

import json
import os
import random
import sys
from pathlib import Path

from locust import FastHttpUser, between, task

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for bench.load.workload

from bench.load.workload import Agent  # noqa: E402 - after the path above

CONFIG = json.loads(Path(os.environ["LOAD_CONFIG"]).read_text())


class AgentUser(FastHttpUser):
    wait_time = between(*CONFIG["wait"])

    def on_start(self) -> None:
        self.agent = Agent(
            tickets=CONFIG["tickets"],
            category=CONFIG["category"],
            words=CONFIG["words"],
            rng=random.Random(),  # noqa: S311 - a workload, not a secret
        )
        self.headers = {"Authorization": f"Bearer {CONFIG['token']}", "Accept": "application/json"}

    @task
    def work(self) -> None:
        request = self.agent.next()
        with self.client.request(
            request.method, request.path, json=request.body, headers=self.headers, name=request.name,
            catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code >= 400 or response.status_code == 0:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")
                return
            try:
                document = response.json()
            except ValueError:
                document = None
            self.agent.answered(request, response.status_code, document)
            response.success()
