"""Render built documentation pages in headless Chromium and fail on visible breakage.

Usage (after ``make docs``)::

    python docs/check_rendered.py [--html docs/_build/html] [--out docs/_render] [PAGE ...]

The default pages are the index and one gallery example. For each page the script serves
the built HTML over a local HTTP server (as a web host would; ``file://`` would add CORS
errors of its own), loads it in headless Chromium driven through the DevTools protocol
over a pipe (standard library only, no Selenium or websocket package), and fails when:

* the page is blank (less than ``--min-text`` characters of visible text);
* an image is broken (not loaded, or zero natural width) after all images were made
  to load eagerly;
* the browser reports an error on the console: a JavaScript exception, a
  ``console.error`` call or a failed resource load (404, ...). The one external
  resource, MathJax from its CDN (formulas), cannot load on an offline machine; that is
  printed as a note and fails only with ``--strict-external``. The browser's own
  ``/favicon.ico`` request is ignored.

A full-page PNG screenshot of each page is written to ``--out``. Exit status 0 when every
page passes, 1 otherwise (each problem is printed). Chromium is the Debian ``chromium``
package (``apt-get install -y chromium``); pass another binary with ``--chromium``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

DEFAULT_PAGES = ("index.html", "auto_examples/plot_hayashi_direction.html")

# Loads every image (lazy ones included) and reports the broken ones and the visible text.
_INSPECT_JS = """
(async () => {
  const imgs = Array.from(document.images);
  await Promise.all(imgs.map(img => {
    img.loading = 'eager';
    if (img.complete) return null;
    return new Promise(done => { img.addEventListener('load', done);
                                 img.addEventListener('error', done);
                                 setTimeout(done, 10000); });
  }));
  return JSON.stringify({
    title: document.title,
    text: (document.body ? document.body.innerText : '').trim().length,
    images: imgs.length,
    broken: imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.currentSrc || i.src),
    height: Math.max(document.body ? document.body.scrollHeight : 0, 600),
  });
})()
"""


class DevTools:
    """A minimal Chrome DevTools protocol client over ``--remote-debugging-pipe``."""

    def __init__(self, chromium: str, timeout: float) -> None:
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="lupi-ts-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def child_fds() -> None:  # the protocol pipe is fd 3 (in) and fd 4 (out)
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.proc = subprocess.Popen(
            [
                chromium, "--headless=new", "--remote-debugging-pipe", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
                "--mute-audio", f"--user-data-dir={self.profile}", "about:blank",
            ],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=child_fds, close_fds=False,
        )  # fmt: skip
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def wait_event(self, method: str, session: str) -> dict:
        deadline = time.monotonic() + self.timeout
        for i, event in enumerate(self.events):
            if event.get("method") == method and event.get("sessionId") == session:
                return self.events.pop(i)
        while True:
            event = self._read(deadline)
            if event.get("method") == method and event.get("sessionId") == session:
                return event
            self.events.append(event)

    def _read(self, deadline: float) -> dict:
        import select

        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium exited")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # it may already be gone
            self.send("Browser.close")
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._to_browser)
        os.close(self._from_browser)
        shutil.rmtree(self.profile, ignore_errors=True)


def _serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def _console_errors(
    events: list[dict], session: str, base: str, strict_external: bool
) -> tuple[list[str], list[str]]:
    """(errors, notes): notes are external resources that could not be reached."""
    errors, notes = [], []
    for event in events:
        if event.get("sessionId") != session:
            continue
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            errors.append(f"JavaScript exception: {text}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            errors.append(f"console.{params['type']}: {args}")
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            url = entry.get("url", "")
            message = f"{entry.get('source')}: {entry.get('text')} {url}"
            if url == base + "favicon.ico":
                continue  # asked for by the browser itself, not by the page
            if url and not url.startswith(base) and "net::ERR_" in entry.get("text", ""):
                # An external host (MathJax's CDN) is unreachable: the machine is offline.
                (errors if strict_external else notes).append(message)
                continue
            errors.append(message)
    return errors, notes


def check_page(
    tools: DevTools, base: str, page: str, screenshot: Path, min_text: int, strict_external: bool
) -> list[str]:
    """Load ``base + page`` in a new tab; return the problems found (empty: it is fine)."""
    url = base + page
    target = tools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = tools.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    for domain in ("Page", "Runtime", "Log"):
        tools.send(f"{domain}.enable", session=session)
    tools.send("Emulation.setDeviceMetricsOverride",
               {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
               session=session)  # fmt: skip
    tools.send("Page.navigate", {"url": url}, session=session)
    tools.wait_event("Page.loadEventFired", session)
    result = tools.send(
        "Runtime.evaluate",
        {"expression": _INSPECT_JS, "awaitPromise": True, "returnByValue": True},
        session=session,
    )
    report = json.loads(result["result"]["value"])
    time.sleep(0.5)  # let late console messages arrive
    tools.send("Runtime.evaluate", {"expression": "1"}, session=session)  # flush events
    height = min(int(report["height"]), 12000)
    tools.send("Emulation.setDeviceMetricsOverride",
               {"width": 1280, "height": height, "deviceScaleFactor": 1, "mobile": False},
               session=session)  # fmt: skip
    shot = tools.send("Page.captureScreenshot", {"format": "png"}, session=session)
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    problems = []
    if report["text"] < min_text:
        problems.append(f"blank page: {report['text']} characters of visible text")
    problems += [f"broken image: {src}" for src in report["broken"]]
    errors, notes = _console_errors(tools.events, session, base, strict_external)
    problems += errors
    for note in notes:
        print(f"  note (offline?): {note}")
    print(f"  {report['title']!r}: {report['text']} characters, {report['images']} images "
          f"({len(report['broken'])} broken); screenshot {screenshot}")  # fmt: skip
    tools.send("Target.closeTarget", {"targetId": target})
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = Path(__file__).resolve().parent
    parser.add_argument("pages", nargs="*", default=list(DEFAULT_PAGES),
                        help="pages relative to --html (default: %(default)s)")
    parser.add_argument("--html", type=Path, default=here / "_build" / "html")
    parser.add_argument("--out", type=Path, default=here / "_render", help="screenshots")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--min-text", type=int, default=200,
                        help="fewer visible characters than this is a blank page")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per browser step")
    parser.add_argument("--strict-external", action="store_true",
                        help="also fail when an external resource (MathJax's CDN) is "
                        "unreachable; by default that is a note, since CI may be offline")
    args = parser.parse_args(argv)  # fmt: skip

    missing = [p for p in args.pages if not (args.html / p).is_file()]
    if missing:
        print(f"error: not built: {[str(args.html / p) for p in missing]} (run make docs)",
              file=sys.stderr)  # fmt: skip
        return 1
    if shutil.which(args.chromium) is None:
        print(f"error: {args.chromium} not found (apt-get install -y chromium)", file=sys.stderr)
        return 1
    start = time.perf_counter()
    server, base = _serve(args.html)
    tools = DevTools(args.chromium, args.timeout)
    failed = False
    try:
        for page in args.pages:
            print(f"{page}:")
            shot = args.out / (page.replace("/", "__").removesuffix(".html") + ".png")
            problems = check_page(
                tools, base, page, shot, args.min_text, args.strict_external
            )
            for problem in problems:
                print(f"  FAIL {problem}")
            failed |= bool(problems)
    finally:
        tools.close()
        server.shutdown()
    print(f"{'FAILED' if failed else 'OK'}: {len(args.pages)} pages in "
          f"{time.perf_counter() - start:.1f} s")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
