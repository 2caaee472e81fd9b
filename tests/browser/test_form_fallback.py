"""The enhanced form behind a gateway that times out after forwarding: the fallback must not file a second entry.

API Gateway answers 504 when the endpoint is slower than its timeout, even though the endpoint goes on and
files the entry. `Gateway` plays it on 127.0.0.1: it forwards every request to the real endpoint, but answers
a JSON submission with API Gateway's own 504 once the endpoint has filed it. The site is served as deployed
behind that gateway (its form names the gateway's address). The script falls back to the plain form; the
resident confirms the preview, and the endpoint must recognise the same submission: one entry, and the
withdraw key, which the 504 kept from the page, reaches the resident by mail.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from entraide.sealing import withdraw_key_matches
from tests.harness.chromium import page_text
from tests.harness.network import LOOPBACK
from tests.harness.resident import Offer, fill_offer
from tests.harness.workspace import MIN_FILL_SECONDS

pytestmark = pytest.mark.browser

# API Gateway's answer when the integration times out. By default it carries no CORS headers, so the script
# sees a network error; with CORS set on the gateway's responses, it reads the 504 itself.
TIMED_OUT = json.dumps({"message": "Endpoint request timed out"}).encode()
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


class Gateway:
    """A reverse proxy to the endpoint that times out every JSON submission after the endpoint has answered it."""

    def __init__(self, endpoint_url: str, *, cors: bool) -> None:
        self.target = urlsplit(endpoint_url).netloc
        self.cors = cors
        self.forwarded: list[int] = []  # the endpoint's statuses for the submissions the browser got a 504 for
        self.server = ThreadingHTTPServer((LOOPBACK, 0), self._handler())
        self.url = f"http://{LOOPBACK}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self._forward()

            do_POST = do_OPTIONS = do_GET

            def _forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                connection = http.client.HTTPConnection(gateway.target, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                connection.request(self.command, self.path, body=body, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
                connection.close()
                if self.command == "POST" and "application/json" in (self.headers.get("Content-Type") or ""):
                    gateway.forwarded.append(answer.status)
                    cors = {"Access-Control-Allow-Origin": self.headers.get("Origin", "*")} if gateway.cors else {}
                    self._send(504, {"Content-Type": "application/json", **cors}, TIMED_OUT)
                else:
                    kept = {k: v for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP}
                    self._send(answer.status, kept, data)

            def _send(self, status, headers, data):
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture(params=[False, True], ids=["no-cors", "cors"])
def gateway(request, endpoint_process):
    running = Gateway(endpoint_process.url, cors=request.param)
    yield running
    running.close()


def form_behind(site, endpoint_process, gateway) -> str:
    """The offer form as built for a site whose endpoint address is the gateway's, next to the others."""
    built = site.file("/proposer/").read_text("utf-8")
    page = site.root / "derriere-la-passerelle" / "proposer" / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(built.replace(endpoint_process.url, gateway.url), "utf-8")
    return site.url + "/derriere-la-passerelle/proposer/"


def holds_key(text: str, entry) -> bool:
    return any(withdraw_key_matches(word, entry.withdraw_key_hash) for word in re.findall(r"[\w-]{12,}", text))


def test_a_gateway_timeout_after_forwarding_files_one_entry_through_the_fallback(
    page, watch, site, workspace, endpoint_process, inbox, gateway
):
    cors = "avec" if gateway.cors else "sans"
    offer = Offer(f"Jardinage à Échirolles, passerelle {cors} CORS", email=f"passerelle.{cors}@example.test")
    page.goto(form_behind(site, endpoint_process, gateway))
    fill_offer(page, offer)
    time.sleep(MIN_FILL_SECONDS + 0.3)  # the endpoint refuses a form sent faster than a person could
    page.get_by_role("button", name="Envoyer mon offre").click()

    page.get_by_role("heading", name="Vérifiez votre annonce", level=1).wait_for()
    assert gateway.forwarded == [201], "the JSON submission reached the endpoint, which filed it"
    assert offer.title in page_text(page)
    time.sleep(MIN_FILL_SECONDS + 0.3)
    page.get_by_role("button", name="Confirmer et envoyer").click()
    page.wait_for_load_state()

    assert page.get_by_role("heading", level=1).inner_text().strip() == "Annonce déjà reçue"
    entry = workspace.pending_entry(offer.title)  # exactly one, though the endpoint was asked twice
    inbox.wait_for(lambda mail: offer.email in mail.recipients and holds_key(mail.body, entry))
    assert not watch.dialogs and not watch.page_errors and not watch.blocked
