"""Benchmark: the residents' assistant under 50 conversations at once, end to end over HTTP.

    python bench/assistant_load.py                  # 50 conversations at once on the demo at 3,000 residents
    python bench/assistant_load.py --conversations 100 --residents 10000

Builds the demo (cached under the system temporary folder), serves the public site with uvicorn on a free port of
this machine (127.0.0.1 only), and runs N residents at once with httpx, each making a whole missed-bin report: the
welcome page, free text, postcode, address, bin, the collection-day and sensor check, contact details, check your
answers, send, and the confirmation (20 requests each, every form with its CSRF token, every answer redirected).
It prints the p50, p95 and slowest request in milliseconds and the total time; then the same conversations through
the ``Assistant`` library alone (no HTTP, one at a time), side by side, to show what the web layer adds. The loop is
bounded (each resident makes one report) and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import tempfile
import threading
import time
from pathlib import Path

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
ADDRESS = re.compile(r'name="value" type="radio" value="([0-9]+)"')


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _workspace(residents: int) -> Path:
    from townhall.demo.workspace_builder import build_demo_workspace

    folder = Path(tempfile.gettempdir()) / "townhall-bench" / f"assistant-{residents}"
    os.environ.setdefault("TOWNHALL_SECRETS_DIR", str(folder.parent / "secrets"))
    if not (folder / "townhall.toml").exists():
        build_demo_workspace(folder, residents=residents)
    return folder


def _postcodes(folder: Path, count: int) -> list[str]:
    from townhall.workspace import Workspace

    with Workspace.open(folder) as workspace, workspace.analytics.connect(read_only=True) as connection:
        rows = connection.execute(
            'select distinct g."POSTCODE_LOCATOR" from sources.address_gazetteer g join '
            'sources.waste_collection_days w on w."UPRN" = g."UPRN" order by 1 limit ?', [count]).fetchall()
    return [row[0] for row in rows]


async def _resident(client, postcode: str, timings: list[float]) -> None:  # type: ignore[no-untyped-def]
    async def call(method: str, path: str, **data: str) -> str:
        started = time.perf_counter()
        response = await (client.get(path) if method == "GET" else client.post(path, data=data))
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code not in (200, 303):
            raise RuntimeError(f"{method} {path} answered {response.status_code}")
        return response.text

    page = await call("GET", "/assistant")
    token = TOKEN.search(page).group(1)
    await call("POST", "/assistant/message", text="my bin was not collected", csrf_token=token)
    await call("GET", "/assistant")
    await call("POST", "/assistant/answer", value=postcode, csrf_token=token)
    uprn = ADDRESS.search(await call("GET", "/assistant")).group(1)
    for value in (uprn, "recycling", "", "resident@example.com"):
        await call("POST", "/assistant/answer", value=value, csrf_token=token)
        await call("GET", "/assistant")
    await call("POST", "/assistant/send", csrf_token=token)
    page = await call("GET", "/assistant")
    if "TH-" not in page:
        raise RuntimeError("the report was not sent")
    await call("GET", "/assistant/transcript")


async def _load(base_url: str, postcodes: list[str], conversations: int) -> tuple[list[float], float]:
    import httpx

    timings: list[float] = []
    clients = [httpx.AsyncClient(base_url=base_url, timeout=120) for _ in range(conversations)]
    started = time.perf_counter()
    try:
        await asyncio.gather(*(_resident(client, postcodes[number % len(postcodes)], timings)
                               for number, client in enumerate(clients)))
    finally:
        for client in clients:
            await client.aclose()
    return timings, time.perf_counter() - started


def _library_only(folder: Path, postcodes: list[str], conversations: int) -> list[float]:
    """The same reports through the Assistant library, one call at a time: milliseconds per call."""
    from townhall.assistant import Assistant
    from townhall.workspace import Workspace

    timings: list[float] = []
    with Workspace.open(folder) as workspace:
        assistant = Assistant(workspace)

        def timed(method, *arguments):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            result = method(*arguments)
            timings.append((time.perf_counter() - started) * 1000)
            return result

        for number in range(conversations):
            conversation = timed(assistant.start).conversation_id
            timed(assistant.say, conversation, "my bin was not collected")
            page = timed(assistant.answer, conversation, postcodes[number % len(postcodes)])
            for value in (page.choices[0][0], "recycling", "", "resident@example.com"):
                timed(assistant.answer, conversation, value)
            timed(assistant.submit, conversation)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--residents", type=int, default=3_000)
    arguments = parser.parse_args()
    import uvicorn

    from townhall.public import create_public_app
    from townhall.workspace import Workspace

    folder = _workspace(arguments.residents)
    postcodes = _postcodes(folder, arguments.conversations)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    workspace = Workspace.open(folder)
    server = uvicorn.Server(uvicorn.Config(create_public_app(workspace), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    print(f"Load before: {os.getloadavg()[0]:.2f}")
    asyncio.run(_load(f"http://127.0.0.1:{port}", postcodes, 1))  # trains the intent matcher once
    timings, seconds = asyncio.run(_load(f"http://127.0.0.1:{port}", postcodes, arguments.conversations))
    print(f"{arguments.conversations} conversations at once over HTTP: {len(timings):,} requests in {seconds:.1f} s; "
          f"p50 {percentile(timings, 0.5):.0f} ms, p95 {percentile(timings, 0.95):.0f} ms, "
          f"slowest {max(timings):.0f} ms")
    server.should_exit = True
    thread.join(timeout=10)
    workspace.close()
    library = _library_only(folder, postcodes, arguments.conversations)
    print(f"The same reports through the Assistant library alone, one call at a time: p50 "
          f"{percentile(library, 0.5):.0f} ms, p95 {percentile(library, 0.95):.0f} ms per call")
    print(f"Load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
