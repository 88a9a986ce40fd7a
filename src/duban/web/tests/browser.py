"""Shared helpers of the browser journeys (Playwright driving Debian's Chromium).

- :class:`Browsing` (fixture ``open_as``): one browser context per persona, signed in
  through the real login form, every page watched by one :class:`ConsoleWatch`.
- :func:`htmx_click`: a click that fires an htmx request, returning once the answer is
  swapped in *and settled*. htmx wires up the new content (``hx-post`` on a fresh form,
  ``hx-get`` on a fresh link) only when it settles, 20 ms after the swap and much later
  on a loaded machine; a click in between is a plain browser navigation that leaves the
  card the test is watching. Never click an htmx element without it.
- Every wait is on a state (an element, a URL after ``load``, an htmx settle), bounded
  by ``TIMEOUT_MS``, generous because the live server shares two cores with Chromium.
  ``DUBAN_BROWSER_LAG=<ms>`` delays every request and every htmx settle by that much,
  to show that the journeys wait for the right thing rather than win races.
- :class:`ConsoleWatch`: console errors and uncaught page exceptions; a test ends
  with ``assert_clean()``. Expected failures (a 404 page the test opens on purpose)
  are declared with ``expect_status_error(url)``; htmx's log of an aborted request
  (a superseded suggestion, a page left while loading) is set aside, not an error.
- :class:`ActionCounter`: counts the keystrokes and clicks of a step (typed text
  counts as none) to hold the intake desk to a small bound.
- :func:`shot`: a screenshot into ``docs/screenshots/`` when ``DUBAN_SCREENSHOTS=1``
  (the committed PNGs are regenerated on purpose, never as a side effect of CI).
- :func:`assert_cjk_renders`: Chinese glyphs are drawn from a real CJK font, not as
  identical "tofu" boxes.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from playwright.sync_api import BrowserContext, ConsoleMessage, Locator, Page, expect

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "pass-12345"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(settings.PROJECT_DIR) / "docs" / "screenshots"
# Generous but bounded: on a loaded 2-core machine a page can take seconds.
TIMEOUT_MS = 30_000

expect.set_options(timeout=TIMEOUT_MS)

# Installed in every page before its own scripts: which htmx request the test waits for
# (``pending``, set by :func:`htmx_click`), whether it settled or failed, how many htmx
# requests are in flight, and a per-document id that tells a reload from a swap.
HTMX_PROBE = """(() => {
  const probe = { doc: Math.random().toString(36).slice(2), pending: null, failure: "",
                  inflight: 0 };
  window.__dubanProbe = probe;
  const ours = (e) => {
    const elt = e.detail && e.detail.requestConfig && e.detail.requestConfig.elt;
    return probe.pending !== null && elt && elt.contains(probe.pending);
  };
  document.addEventListener("htmx:beforeRequest", () => { probe.inflight++; });
  document.addEventListener("htmx:afterRequest", () => { probe.inflight--; });
  document.addEventListener("htmx:afterSettle", (e) => { if (ours(e)) probe.pending = null; });
  for (const name of ["htmx:responseError", "htmx:sendError", "htmx:timeout"]) {
    document.addEventListener(name, (e) => {
      if (!ours(e)) return;
      const xhr = e.detail.xhr;
      probe.failure = name + " " + (xhr ? xhr.status : "") + " " + e.detail.requestConfig.path;
    });
  }
})();"""
LAG_PROBE = """document.addEventListener("DOMContentLoaded", () => {
  if (window.htmx) htmx.config.defaultSettleDelay = %d;
});"""


def lag_ms() -> int:
    return int(os.environ.get("DUBAN_BROWSER_LAG") or 0)


def screenshots_enabled() -> bool:
    return os.environ.get("DUBAN_SCREENSHOTS") == "1"


def shot(page: Page, name: str, *, full_page: bool = False) -> Path | None:
    """Save the top of the page (or, with ``full_page``, all of it) as
    docs/screenshots/<name>.png (only with DUBAN_SCREENSHOTS=1)."""
    if not screenshots_enabled():
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    wait_htmx_idle(page)
    page.evaluate("document.fonts.ready")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), animations="disabled", caret="initial", full_page=full_page)
    return path


def tiny_png(width: int = 4, height: int = 4) -> bytes:
    """A valid PNG of a red square: evidence for a reply."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\xc0\x39\x2b" * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


@dataclass
class ConsoleWatch:
    """Console errors and page exceptions of every page of a test."""

    errors: list[str] = field(default_factory=list)
    expected_urls: list[str] = field(default_factory=list)
    aborted: list[str] = field(default_factory=list)

    def watch(self, page: Page, who: str) -> None:
        page.on("console", lambda msg: self._console(msg, who))
        page.on("pageerror", lambda exc: self.errors.append(f"[{who}] pageerror: {exc}"))

    def expect_status_error(self, url: str) -> None:
        """The test opens ``url`` expecting an error status (e.g. a 404 page)."""
        self.expected_urls.append(url)

    def _console(self, msg: ConsoleMessage, who: str) -> None:
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        if "favicon" in url:
            return
        if msg.text.startswith("Failed to load resource") and url in self.expected_urls:
            return
        entry = f"[{who}] console: {msg.text} ({url})"
        if msg.text.startswith("htmx:sendAbort") and self.errors[-1:] == [
            entry.replace("htmx:sendAbort", "htmx:afterRequest")
        ]:
            # htmx logs an aborted request as two errors (afterRequest, then sendAbort).
            # Aborts are by design here: the intake desk's suggestions are hx-sync
            # "replace" (a newer draft cancels the stale request), and leaving a page
            # cancels what it still loads. Failed requests log sendError/responseError.
            self.errors.pop()
            self.aborted.append(entry)
            return
        self.errors.append(entry)

    def assert_clean(self) -> None:
        assert self.errors == [], "browser console errors:\n" + "\n".join(self.errors)


class ActionCounter:
    """Keyboard presses and clicks of one step; typed text is not counted."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.log: list[str] = []

    @property
    def count(self) -> int:
        return len(self.log)

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)
            self.log.append(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def click(self, locator: Any) -> None:
        locator.click()
        self.log.append("click")


class Browsing:
    """Pages in separate browser contexts, one per persona (fixture ``open_as``)."""

    def __init__(self, base_url: str, new_context: Callable[..., BrowserContext]) -> None:
        self.base_url = base_url
        self._new_context = new_context
        self.console = ConsoleWatch()

    def url(self, path: str) -> str:
        return self.base_url + path

    def __call__(self, user: Any = None, *, viewport: dict[str, int] | None = None) -> Page:
        context = self._new_context(
            viewport=viewport or DESKTOP,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            is_mobile=viewport == PHONE,
            has_touch=viewport == PHONE,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(HTMX_PROBE)
        if lag_ms():
            context.add_init_script(LAG_PROBE % lag_ms())
        page = context.new_page()
        if lag_ms():
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": lag_ms(),
                    "downloadThroughput": -1,
                    "uploadThroughput": -1,
                },
            )
        self.console.watch(page, getattr(user, "username", "public"))
        if user is not None:
            login(page, self.base_url, user.username)
        return page


def login(page: Page, base_url: str, username: str) -> None:
    """Sign in and wait for the landing page's ``load``: its deferred scripts (htmx) ran.

    The URL changes as soon as the landing page starts arriving; an htmx button clicked
    before htmx has processed the page submits as a plain form and leaves the page.
    """
    goto(page, f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url, wait_until="load")


def goto(page: Page, url: str) -> None:
    """Navigate and insist on a 2xx answer (an error page would hide behind a 200 body).

    ``page.goto`` returns at the ``load`` event, after the deferred scripts (htmx) ran.
    """
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"


PROBE_STATE = (
    "() => window.__dubanProbe && ({ doc: __dubanProbe.doc, failure: __dubanProbe.failure })"
)
SETTLED = """(doc) => {
  const probe = window.__dubanProbe;
  return !probe || probe.doc !== doc || probe.pending === null || probe.failure !== "";
}"""
RELOADED = """(doc) => {
  const probe = window.__dubanProbe;
  return (probe && probe.doc !== doc) || (probe && probe.failure !== "");
}"""


def htmx_click(target: Locator, *, reloads: bool = False) -> None:
    """Click an htmx element and wait until the request it fires has settled.

    Settled means swapped in and processed by htmx, so the new content's own htmx
    links and forms work. With ``reloads`` the answer carries ``HX-Refresh`` (the
    ticket page's panel): wait for the reloaded page's ``load`` instead. Fails at once
    when the request fails, or when the click loaded another page instead of an htmx
    request (the element was not wired up yet).
    """
    page = target.page
    doc = target.evaluate(
        "el => { window.__dubanProbe.pending = el; return window.__dubanProbe.doc; }"
    )
    target.click()
    page.wait_for_function(RELOADED if reloads else SETTLED, arg=doc)
    state = page.evaluate(PROBE_STATE)
    assert not (state and state["failure"]), f"htmx request failed: {state['failure']}"
    if reloads:
        page.wait_for_load_state("load")
        return
    assert state and state["doc"] == doc, (
        f"{target}: the click loaded {page.url} instead of an htmx swap"
    )


def open_action(scope: Locator, label: str) -> None:
    """Open an action's form (an htmx link) inside ``scope`` (a desk card or the ticket
    page's panel)."""
    htmx_click(scope.get_by_role("link", name=label, exact=True))
    expect(scope.locator("form.action-form h3", has_text=label)).to_be_visible()


def submit_action(scope: Locator, *, panel: bool = False) -> None:
    """Submit the open action form: a desk card is swapped in place; the ticket page's
    panel answers with ``HX-Refresh`` and the page reloads with the outcome."""
    htmx_click(scope.locator("form.action-form").get_by_role("button", name="提交"), reloads=panel)


def ticket_page(page: Page, base: str, number: str) -> None:
    """Open a ticket's page and wait for its header."""
    goto(page, f"{base}/tickets/{number}/")
    expect(page.locator(".ticket-head .num")).to_have_text(number)


def wait_htmx_idle(page: Page) -> None:
    """No htmx request in flight and every swap settled (e.g. a panel loaded on page load)."""
    page.wait_for_function(
        """() => window.__dubanProbe && window.__dubanProbe.inflight === 0
            && !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")"""
    )


def badge_text(page: Page) -> str:
    """The state badge of the ticket page's header."""
    return page.locator(".ticket-head .badges .badge").first.inner_text().strip()


def timeline(page: Page) -> list[str]:
    """Event labels of the ticket page's timeline, oldest first."""
    return [s.strip() for s in page.locator(".timeline li > div > strong").all_inner_texts()]


def deadline_cell(page: Page, stage: str) -> str:
    """The due time of a stage (签收, 办理答复, …) in the ticket page's deadline table."""
    row = page.locator("table.deadlines tbody tr").filter(
        has=page.locator("td:first-child", has_text=stage)
    )
    return row.locator("td").nth(1).inner_text().strip()


def card(page: Page, number: str) -> Any:
    return page.locator(f"#t-{number}")


def assert_cjk_renders(page: Page, text: str = "督办平台") -> None:
    """Each Chinese character draws a distinct, non-empty glyph (tofu boxes all look alike)."""
    result = page.evaluate(
        """(text) => {
          const c = document.createElement("canvas");
          c.width = 40; c.height = 40;
          const g = c.getContext("2d");
          const font = getComputedStyle(document.body).fontFamily;
          const out = [];
          for (const ch of text) {
            g.clearRect(0, 0, 40, 40);
            g.font = "28px " + font;
            g.fillStyle = "#000";
            g.fillText(ch, 4, 32);
            const px = g.getImageData(0, 0, 40, 40).data;
            let ink = 0, sig = "";
            for (let i = 3; i < px.length; i += 4) { if (px[i] > 64) { ink++; sig += "1"; } else sig += "0"; }
            out.push({ ch, ink, sig });
          }
          return out;
        }""",
        text,
    )
    assert all(r["ink"] > 20 for r in result), [(r["ch"], r["ink"]) for r in result]
    signatures = {r["sig"] for r in result}
    assert len(signatures) == len(result), "Chinese characters render as identical boxes"


CHARTS_SETTLED = """(selector) => {
  const nodes = [...document.querySelectorAll(selector)];
  const charts = nodes.map((n) => window.echarts && echarts.getInstanceByDom(n));
  if (!nodes.length || charts.some((c) => !c)) return false;
  const sig = charts.map((c) => c.getDataURL()).join("|");
  const same = window.__dubanChartSig === sig;
  window.__dubanChartSig = sig;
  return same;
}"""


def wait_charts_settled(page: Page, selector: str = ".chart") -> None:
    """Every ECharts instance in ``selector`` exists and its picture stopped changing
    (the entry animation is over), so assertions and screenshots see the final chart."""
    page.wait_for_function(CHARTS_SETTLED, arg=selector, polling=300)


def assert_charts_drawn(page: Page, selector: str = ".chart") -> int:
    """Every chart container holds at least one canvas of non-zero size; returns the count."""
    charts = page.locator(selector)
    expect(charts.first.locator("canvas").first).to_be_visible()
    wait_charts_settled(page, selector)
    n = charts.count()
    assert n > 0
    for i in range(n):
        canvases = charts.nth(i).locator("canvas")
        expect(canvases.first).to_be_attached()
        for j in range(canvases.count()):
            box = canvases.nth(j).bounding_box()
            assert box is not None and box["width"] > 0 and box["height"] > 0, (i, j, box)
    return n


__all__ = [
    "DESKTOP",
    "PHONE",
    "ActionCounter",
    "Browsing",
    "ConsoleWatch",
    "assert_charts_drawn",
    "assert_cjk_renders",
    "badge_text",
    "card",
    "deadline_cell",
    "goto",
    "htmx_click",
    "login",
    "open_action",
    "shot",
    "submit_action",
    "ticket_page",
    "timeline",
    "tiny_png",
    "wait_htmx_idle",
]
