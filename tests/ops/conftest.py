"""Replays recorded Kubernetes API responses through the real `kubernetes` client (URL building,
authentication headers, deserialisation into its models), so the ops CLI is tested without a cluster."""

from __future__ import annotations

import json
import pathlib
import urllib.parse

import pytest
from kubernetes import client
from kubernetes.client import rest

RECORDED = pathlib.Path(__file__).parent / "recorded"


class _Raw:
    def __init__(self, status: int, body: object):
        self.status = status
        self.reason = "OK" if status < 400 else "Not Found" if status == 404 else "Error"
        self.data = json.dumps(body).encode()
        self.headers = {"Content-Type": "application/json"}

    def getheader(self, name, default=None):
        return self.headers.get(name, default)


class RecordedRest:
    """Stands in for the client's REST layer: answers (method, path) from a recording, logs each call."""

    def __init__(self, scenario: str):
        recording = json.loads((RECORDED / f"{scenario}.json").read_text())
        self.answers = {(r["method"], r["path"]): r for r in recording["requests"]}
        self.calls: list[dict] = []

    def request(self, method, url, headers=None, body=None, post_params=None, _request_timeout=None):
        parsed = urllib.parse.urlsplit(url)
        self.calls.append({"method": method, "path": parsed.path, "query": urllib.parse.parse_qs(parsed.query),
                           "headers": dict(headers or {}), "body": body})
        answer = self.answers.get((method, parsed.path))
        if answer is None:
            raise AssertionError(f"no recorded answer for {method} {parsed.path}")
        response = rest.RESTResponse(_Raw(answer["status"], answer["body"]))
        response.read()
        if answer["status"] >= 400 and not parsed.path.endswith("/proxy/v2/repository/index"):
            raise client.ApiException(http_resp=response)
        return response


@pytest.fixture
def recorded_api():
    """recorded_api("healthy") -> (ApiClient, RecordedRest)"""

    def make(scenario: str):
        configuration = client.Configuration()
        configuration.host = "https://kubernetes.test:6443"
        configuration.api_key = {"authorization": "test-token"}
        configuration.api_key_prefix = {"authorization": "Bearer"}
        api = client.ApiClient(configuration)
        fake = RecordedRest(scenario)
        api.rest_client = fake
        return api, fake

    return make
