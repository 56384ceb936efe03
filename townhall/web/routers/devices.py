"""The endpoint devices post readings to: ``POST /api/sensors/readings`` with ``Authorization: Bearer <token>``
and a JSON body (see townhall.sensors.parse_message).

Devices are not people, so this is a small app of its own mounted inside the staff app: no staff session, no sign-in
page, no CSRF token. That is safe because it never reads cookies: the token in the Authorization header is the only
credential, and it accepts only ``application/json``, which a web page on another site cannot send without the
browser asking first. Each token belongs to one device (only its hash is stored); the device is the one named by its
token, never one named in the body. Accepted readings go to the inbox on disk and the answer is 202; the listener
stores them (DuckDB has one writer). Answers are JSON, including errors, because a device reads them, not a person.
"""

from __future__ import annotations

import collections
import threading
import time
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from townhall.sensors.devices import TokenChecker
from townhall.sensors.feeds import MessageError, parse_message
from townhall.sensors.inbox import accept, inbox_folder
from townhall.sensors.store import utc_now
from townhall.workspace import Workspace

DEVICE_API_PATH = "/api/sensors"
MAX_BODY_BYTES = 1_000_000
RATE_WINDOW_SECONDS = 60.0


@dataclass
class IngestCounters:
    """Posts and readings accepted since the app started, and the rate over the last minute."""

    posts: int = 0
    readings: int = 0
    refused: int = 0
    started: float = field(default_factory=time.monotonic)
    _recent: collections.deque[tuple[float, int]] = field(default_factory=collections.deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted(self, readings: int) -> None:
        """Count one accepted post."""
        now = time.monotonic()
        with self._lock:
            self.posts += 1
            self.readings += readings
            self._recent.append((now, readings))
            while self._recent and now - self._recent[0][0] > RATE_WINDOW_SECONDS:
                self._recent.popleft()

    def readings_per_second(self) -> float:
        """Readings accepted a second over the last minute (or since the app started, if sooner)."""
        now = time.monotonic()
        with self._lock:
            recent = [count for moment, count in self._recent if now - moment <= RATE_WINDOW_SECONDS]
        span = min(RATE_WINDOW_SECONDS, max(now - self.started, 1e-9))
        return sum(recent) / span


def _error(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers or None)


def device_api(workspace: Workspace) -> FastAPI:
    """The devices' own small app, to mount at DEVICE_API_PATH."""
    api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    checker = TokenChecker(workspace)
    counters = IngestCounters()
    folder = inbox_folder(workspace)
    api.state.counters = counters

    @api.post("/readings")
    async def post_readings(request: Request) -> JSONResponse:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            counters.refused += 1
            return _error(401, "Send the device's token as 'Authorization: Bearer <token>'.",
                          **{"WWW-Authenticate": "Bearer"})
        device = await run_in_threadpool(checker.device_for, token.strip())
        if device is None:
            counters.refused += 1
            return _error(401, "This token is not known (or has been revoked).", **{"WWW-Authenticate": "Bearer"})
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            counters.refused += 1
            return _error(415, "Send readings as JSON with 'Content-Type: application/json'.")
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            counters.refused += 1
            return _error(413, f"A post may be at most {MAX_BODY_BYTES:,} bytes; send several.")
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            counters.refused += 1
            return _error(413, f"A post may be at most {MAX_BODY_BYTES:,} bytes; send several.")
        try:
            readings = parse_message(body, device)
        except MessageError as error:
            counters.refused += 1
            return _error(400, str(error))
        await run_in_threadpool(accept, folder, device, readings, utc_now())
        counters.accepted(len(readings))
        return JSONResponse({"accepted": len(readings), "device": device}, status_code=202)

    return api
