"""Open the report in headless Chromium and check it renders: every image loaded, no console
error; save a screenshot. A tiny DevTools-protocol driver over a websocket (tornado's client,
already installed with Dask's ``distributed``), so no browser-automation package is needed.

``python -m awaken.report.browser DIR/report.html SHOT.png`` prints the result as JSON.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from awaken.core.errors import InputError
from awaken.core.io import atomic_path

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-port=0")
IMAGES_JS = ("Array.from(document.images).map(i => ({src: i.src.slice(0, 40), "
             "complete: i.complete, width: i.naturalWidth}))")


@dataclass(frozen=True)
class PageCheck:
    """What the browser saw: images (loaded or not), console errors, page height."""

    images: int
    broken_images: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    height: int = 0
    screenshot: str = ""

    @property
    def ok(self) -> bool:
        return self.images > 0 and not self.broken_images and not self.console_errors


def find_chromium() -> str | None:
    """The Chromium executable (Debian's ``chromium`` package), or ``None``."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class _Session:
    def __init__(self, ws: Any):
        self.ws, self.next_id = ws, 0
        self.events: list[dict[str, Any]] = []

    async def call(self, method: str, session: str | None = None,
                   **params: Any) -> dict[str, Any]:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        await self.ws.write_message(json.dumps(msg))
        while True:
            raw = await self.ws.read_message()
            if raw is None:
                raise RuntimeError(f"Chromium closed the connection during {method}")
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    async def wait_for(self, method: str, timeout: float) -> None:
        if any(e.get("method") == method for e in self.events):
            return

        async def loop() -> None:
            while True:
                raw = await self.ws.read_message()
                if raw is None:
                    raise RuntimeError("Chromium closed the connection")
                event = json.loads(raw)
                self.events.append(event)
                if event.get("method") == method:
                    return
        await asyncio.wait_for(loop(), timeout)


def _errors(events: list[dict[str, Any]]) -> list[str]:
    out = []
    for e in events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append(" ".join(str(a.get("value", a.get("description", "")))
                                for a in p.get("args", [])))
        elif m == "Runtime.exceptionThrown":
            out.append(p.get("exceptionDetails", {}).get("text", "exception"))
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            out.append(p["entry"].get("text", ""))
    return out


async def _drive(ws_url: str, page: Path, shot: Path, timeout: float) -> PageCheck:
    from tornado.websocket import websocket_connect

    ws = await websocket_connect(ws_url, max_message_size=256 * 2**20)
    s = _Session(ws)
    target = (await s.call("Target.createTarget", url="about:blank"))["targetId"]
    sid = (await s.call("Target.attachToTarget", targetId=target, flatten=True))["sessionId"]
    for domain in ("Page", "Runtime", "Log"):
        await s.call(f"{domain}.enable", sid)
    await s.call("Emulation.setDeviceMetricsOverride", sid, width=1200, height=900,
                 deviceScaleFactor=1, mobile=False)
    await s.call("Page.navigate", sid, url=page.resolve().as_uri())
    await s.wait_for("Page.loadEventFired", timeout)
    images = (await s.call("Runtime.evaluate", sid, expression=IMAGES_JS,
                           returnByValue=True))["result"]["value"]
    height = (await s.call("Runtime.evaluate", sid, expression="document.body.scrollHeight",
                           returnByValue=True))["result"]["value"]
    png = (await s.call("Page.captureScreenshot", sid, format="png",
                        captureBeyondViewport=True,
                        clip={"x": 0, "y": 0, "width": 1200, "height": int(height),
                              "scale": 1}))["data"]
    with atomic_path(shot) as tmp:
        tmp.write_bytes(base64.b64decode(png))
    with contextlib.suppress(RuntimeError):  # the browser closing its socket is expected
        await s.call("Browser.close")
    ws.close()  # the client side too: its socket is closed before the loop ends
    stream = getattr(getattr(ws, "protocol", None), "stream", None)
    if stream is not None:
        stream.close()
    await asyncio.sleep(0)
    broken = [i["src"] for i in images if not (i["complete"] and i["width"] > 0)]
    return PageCheck(len(images), broken, _errors(s.events), int(height), str(shot))


def check_page(page: str | Path, screenshot: str | Path, timeout: float = 60.0) -> PageCheck:
    """Open ``page`` in headless Chromium, return what it saw, save a full-page screenshot."""
    exe = find_chromium()
    if exe is None:
        raise InputError("Chromium not found; install Debian's package: apt-get install -y "
                         "chromium")
    page = Path(page)
    if not page.is_file():
        raise InputError(f"no such page: {str(page)!r}")
    profile = tempfile.mkdtemp(prefix="awaken-chromium-")
    # Its own process group, so the helpers it forks (zygote, crash handler) end with it.
    proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        ws_url = None
        assert proc.stderr is not None
        for line in proc.stderr:
            found = re.search(r"DevTools listening on (ws://\S+)", line)
            if found:
                ws_url = found.group(1)
                break
        if ws_url is None:
            raise RuntimeError("Chromium did not start its DevTools endpoint")
        return asyncio.run(_drive(ws_url, page, Path(screenshot), timeout))
    finally:
        _stop(proc)
        _remove_profile(Path(profile))


def _stop(proc: subprocess.Popen[str]) -> None:
    """End Chromium and every process of its group; close the pipe read up to DevTools."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(10)
            break
        except subprocess.TimeoutExpired:
            continue
    if proc.stderr is not None:
        proc.stderr.close()


def _remove_profile(profile: Path) -> None:
    """Remove the profile; a helper still flushing into it gets a moment to finish."""
    for _ in range(50):
        try:
            shutil.rmtree(profile)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)
    shutil.rmtree(profile, ignore_errors=True)

def main(argv: list[str]) -> int:
    result = check_page(argv[0], argv[1])
    print(json.dumps({**asdict(result), "ok": result.ok}, indent=2))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
