"""The reviewers' page: the Inline XBRL report opened in ixbrl-viewer, and a way to look at it.

``export_xbrl`` writes the viewer with Arelle's ixbrl-viewer plugin (in the Arelle worker): the page
``viewer/xbrlviewer.html`` with the viewer's script ``viewer/ixbrlviewer.js`` copied beside it from
the installed wheel, so the page works with no network.

``browse()`` opens such a page in headless Chromium and waits until the viewer has built its fact
list, then takes a screenshot. The viewer paces its start-up with ``requestAnimationFrame``, which
Chromium's one-shot ``--screenshot``/``--dump-dom`` (virtual time) never lets finish, so it drives
the browser through the DevTools protocol on the loopback interface, with a small WebSocket client
written here (standard library only).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
                  "--remote-debugging-port=0", "--remote-allow-origins=*")

# what the page reports once the viewer is ready
_STATUS_JS = """(() => {
  const q = s => document.querySelector(s);
  const frame = q('#ixv iframe');
  const doc = frame && frame.contentDocument;
  return JSON.stringify({
    loading: !!q('#ixv .loader'),
    failed: !!q('#inspector.failed-to-load'),
    title: document.title,
    facts: doc ? doc.querySelectorAll('.ixbrl-element').length : 0,
    listed: document.querySelectorAll('#inspector .search-results .result, #inspector .fact-list .fact-list-item, #inspector .fact-list-item').length,
    text: (q('#inspector') || document.body).innerText.slice(0, 2000)
  });
})()"""


@dataclass
class Seen:
    ready: bool
    facts: int          # tagged elements the viewer highlights in the document
    listed: int         # facts listed in the inspector's search panel
    status: dict[str, Any]
    screenshot: Path | None
    seconds: float


class _WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: text frames, client-masked."""

    def __init__(self, url: str, timeout: float = 30):
        assert url.startswith("ws://")
        hostport, _, path = url[5:].partition("/")
        host, _, port = hostport.partition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        req = (f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the browser closed the connection")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(head.split(b"\r\n", 1)[0].decode(errors="replace"))
        self.buf = head.split(b"\r\n\r\n", 1)[1]

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buf)))
            if not chunk:
                raise ConnectionError("the browser closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, text: str) -> None:
        data = text.encode()
        head = bytes([0x81])
        n = len(data)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def recv(self) -> str:
        parts = []
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(n)
            opcode = b0 & 0x0F
            if opcode == 0x8:
                raise ConnectionError("the browser closed the connection")
            if opcode in (0x9, 0xA):   # ping / pong
                continue
            parts.append(payload)
            if b0 & 0x80:
                return b"".join(parts).decode()

    def close(self) -> None:
        self.sock.close()


class _DevTools:
    def __init__(self, ws_url: str):
        self.ws = _WebSocket(ws_url)
        self.n = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.n:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})


_CLICK_JS = """(() => {
  const frame = document.querySelector('#ixv iframe');
  const doc = frame && frame.contentDocument;
  if (!doc) return false;
  const el = [...doc.querySelectorAll('.ixbrl-element')].find(e => e.textContent.trim() === %s);
  if (!el) return false;
  el.click();
  return true;
})()"""


def browse(page: Path, screenshot: Path | None = None, chromium: str = CHROMIUM, timeout: float = 90,
           width: int = 1400, height: int = 900, click: str | None = None) -> Seen:
    """Open the viewer page in headless Chromium, wait for the viewer, optionally click the tagged
    figure shown as ``click`` (the inspector then shows its concept, period and dimensions), and
    take a screenshot."""
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="disclosure-chromium-") as profile:
        proc = subprocess.Popen([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                 f"--window-size={width},{height}", "about:blank"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            while not port_file.is_file() or not port_file.read_text().strip():
                if proc.poll() is not None or time.perf_counter() - t0 > timeout:
                    raise RuntimeError("Chromium did not start")
                time.sleep(0.05)
            port = int(port_file.read_text().split()[0])
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
                targets = json.loads(resp.read())
            target = next(t for t in targets if t.get("type") == "page")
            dt = _DevTools(target["webSocketDebuggerUrl"])
            dt.call("Page.enable")
            dt.call("Page.navigate", url=page.resolve().as_uri())
            status: dict[str, Any] = {}
            ready = False
            while time.perf_counter() - t0 < timeout:
                res = dt.call("Runtime.evaluate", expression=_STATUS_JS, returnByValue=True)
                status = json.loads(res.get("result", {}).get("value") or "{}")
                if status.get("failed"):
                    break
                if not status.get("loading") and status.get("facts"):
                    ready = True
                    if click is not None:
                        dt.call("Runtime.evaluate", expression=_CLICK_JS % json.dumps(click), returnByValue=True)
                    time.sleep(0.5)   # let the inspector paint
                    status = json.loads(dt.call("Runtime.evaluate", expression=_STATUS_JS,
                                                returnByValue=True)["result"]["value"])
                    break
                time.sleep(0.25)
            shot = None
            if screenshot is not None:
                data = dt.call("Page.captureScreenshot", format="png")["data"]
                screenshot.write_bytes(base64.b64decode(data))
                shot = screenshot
            with contextlib.suppress(ConnectionError, OSError):
                dt.call("Browser.close")
            dt.ws.close()
        finally:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return Seen(ready, int(status.get("facts") or 0), int(status.get("listed") or 0), status, shot,
                time.perf_counter() - t0)
