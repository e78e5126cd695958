"""Security of the job API, checked against every route the running server documents (so new routes are covered):
tokens, owner isolation, passive downloads, confinement, SSRF, per-owner voices, offline docs."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from .servers import Server, create_token, service_env

PUBLIC = {("GET", "/health")}
"""The one API route without a token (POST /session is the sign-in: it checks the token in its body)."""


def api_routes(client) -> list[tuple[str, str]]:
    paths = client.get("/openapi.json").json()["paths"]
    return sorted((method.upper(), path) for path, methods in paths.items() for method in methods)


def fill(path: str, job_id: str, upload_id: str) -> str:
    return (path.replace("{job_id}", job_id).replace("{upload_id}", upload_id).replace("{name}", "jfk.srt")
            .replace("{number}", "0"))


def test_every_route_but_health_needs_a_token(embedded, alice, finished_job, jfk_upload):
    routes = api_routes(alice)
    assert len(routes) >= 15 and ("GET", "/jobs/{job_id}/transcript") in routes
    tokens = {"none": {}, "unknown": {"Authorization": "Bearer cs_not-a-real-token"},
              "wrong scheme": {"Authorization": f"Basic {alice.headers['authorization'].split()[1]}"}}
    with embedded.client(None) as anonymous:
        for method, path in routes:
            url = fill(path, finished_job["id"], jfk_upload)
            for kind, headers in tokens.items():
                response = anonymous.request(method, url, headers=headers, json={"token": "cs_wrong"})
                if (method, path) in PUBLIC:
                    assert response.status_code == 200
                    continue
                assert response.status_code == 401, (kind, method, path, response.text)
                assert response.json()["error"] == "unauthorized"


def test_every_job_and_upload_route_hides_other_owners_resources(alice, bob, finished_job, jfk_upload):
    routes = [(m, p) for m, p in api_routes(alice) if "{job_id}" in p or "{upload_id}" in p]
    assert len(routes) >= 9
    for method, path in routes:
        response = bob.request(method, fill(path, finished_job["id"], jfk_upload),
                               json={"names": {"SPEAKER_00": "Eve"}} if method == "PATCH" else
                               {"base_revision": 0, "operations": [{"op": "merge", "segment": 0}]} if path.endswith("/edits")
                               else None)
        assert response.status_code == 404 and response.json()["error"] == "not_found", (method, path, response.text)
    stolen = bob.post("/jobs", json={"upload_id": jfk_upload, "options": {"diarize": False}})
    assert stolen.status_code == 404
    assert alice.job(finished_job["id"])["state"] == "done"  # bob's DELETE and cancel did nothing


def test_uploaded_media_is_served_passively_and_outputs_stay_in_the_job(alice, jfk, robustness):
    """An upload named .html is still audio to castscript; it downloads as bytes, never as a page."""
    robustness.bad_input("api upload", "media named .html")
    upload = alice.post("/uploads", files={"file": ("page.html", jfk.read_bytes(), "text/html")}).json()
    job = alice.wait(alice.submit(upload["id"], formats=["txt"])["id"])
    assert job["state"] == "done", job
    for url in (f"/jobs/{job['id']}/media", job["outputs"][0]["url"]):
        response = alice.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"] in ("application/octet-stream", "text/plain; charset=utf-8")
        assert response.headers["content-disposition"].startswith("attachment;")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-security-policy"] == "sandbox"
    for name in ("..%2F..%2Fjobs.sqlite", "..%2F.document.json", ".document.json", "%2Fetc%2Fpasswd"):
        robustness.bad_input("api download", name)
        assert alice.get(f"/jobs/{job['id']}/outputs/{name}").status_code == 404, name


class Recorder:
    """A loopback HTTP server that records the requests it gets, answering 200, or a redirect to ``redirect_to``."""

    def __init__(self, host: str = "127.0.0.1", redirect_to: str | None = None) -> None:
        self.paths: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                recorder.paths.append(self.path)
                self.send_response(302 if redirect_to else 200)
                if redirect_to:
                    self.send_header("Location", redirect_to)
                self.end_headers()
                self.wfile.write(b"secret")

            do_POST = do_GET

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def internal_service():
    recorder = Recorder()
    yield recorder
    recorder.server.shutdown()


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory):
    """A server that may fetch only from 127.0.0.2 (standing in for the public internet): 127.0.0.1 is internal."""
    env = service_env(tmp_path_factory.mktemp("strict"), CASTSCRIPT_FETCH_ALLOW="127.0.0.2/32")
    server = Server(env, ["--workers", "1"]).start()
    with server.client(create_token(server.env, "mallory")) as client:
        yield client
    server.stop()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "169.254.169.254", "10.0.0.8", "192.168.1.1",
                                  "[::ffff:127.0.0.1]", "0.0.0.0"])
def test_url_jobs_and_webhooks_cannot_reach_internal_addresses(strict_server, internal_service, robustness, host, jfk):
    robustness.bad_input("api url", f"SSRF to {host}")
    port = internal_service.url.rsplit(":", 1)[1]
    url = f"http://{host}:{port}/latest/meta-data"
    response = strict_server.post("/jobs", json={"url": url})
    assert response.status_code == 422 and response.json()["error"] == "address_not_allowed", response.text
    assert "internal address" in response.json()["message"] and "CASTSCRIPT_FETCH_ALLOW" in response.json()["hint"]
    upload = strict_server.upload(jfk)
    hook = strict_server.post("/jobs", json={"upload_id": upload, "webhook_url": url})
    assert hook.status_code == 422 and hook.json()["error"] == "address_not_allowed"
    assert internal_service.paths == []


def test_redirect_to_an_internal_address_is_not_followed(strict_server, internal_service, robustness):
    """The URL passes the check; its redirect to the internal service is checked again and refused."""
    robustness.bad_input("api url", "redirect to an internal address")
    redirector = Recorder("127.0.0.2", redirect_to=f"{internal_service.url}/latest/meta-data")
    try:
        job = strict_server.wait(strict_server.post("/jobs", json={"url": f"{redirector.url}/talk.mp3"}).json()["id"])
    finally:
        redirector.server.shutdown()
    assert job["state"] == "failed" and job["error"]["error"] == "address_not_allowed", job
    assert redirector.paths == ["/talk.mp3"] and internal_service.paths == []


def test_playlist_upload_cannot_make_ffmpeg_fetch_anything(alice, internal_service, robustness):
    """An HLS playlist named .mp4 would have ffmpeg request its segments: it is refused as text, unopened."""
    robustness.bad_input("api upload", "HLS playlist pointing at an internal URL")
    playlist = f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{internal_service.url}/segment.ts\n#EXT-X-ENDLIST\n"
    response = alice.post("/uploads", files={"file": ("clip.mp4", playlist.encode())})
    assert response.status_code == 415 and response.json()["error"] == "not_media"
    assert internal_service.paths == []


def test_voice_libraries_are_per_owner(embedded, alice, bob, jfk_upload):
    """alice's enrolled voices are hers: bob's --identify job finds no library of his."""
    import subprocess
    from pathlib import Path

    data = Path(embedded.env["CASTSCRIPT_DATA"])
    alice_library = data / "voices" / "alice.sqlite"
    jfk = Path(embedded.env["CASTSCRIPT_MEDIA"]) / "faster-whisper" / "jfk.flac"
    subprocess.run(["castscript", "speakers", "--voices", str(alice_library), "enroll", "Kennedy", str(jfk)],
                   env=embedded.env, check=True, capture_output=True)
    options = {"diarize": True, "identify": True, "formats": ["txt"]}
    mine = alice.wait(alice.post("/jobs", json={"upload_id": jfk_upload, "options": options}).json()["id"])
    assert mine["state"] == "done", mine
    assert "Kennedy" in alice.get(mine["outputs"][0]["url"]).text
    bob_upload = bob.upload(jfk)
    theirs = bob.post("/jobs", json={"upload_id": bob_upload, "options": options})
    assert theirs.status_code in (404, 422), theirs.text
    assert "Kennedy" not in theirs.text and "alice" not in theirs.text


def test_docs_work_offline(embedded):
    """Swagger UI comes from the server itself: every script and stylesheet the page loads is local."""
    with embedded.client(None) as anonymous:
        page = anonymous.get("/docs")
        assert page.status_code == 200
        assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)
        assert any(a.endswith("swagger-ui-bundle.js") for a in assets), assets
        for asset in assets:
            assert asset.startswith("/"), f"/docs loads {asset} from elsewhere"
            assert anonymous.get(asset).status_code == 200, asset
        assert "/jobs" in anonymous.get("/openapi.json").json()["paths"]
    assert httpx.get(f"{embedded.url}/redoc").status_code == 404


def test_docs_render_in_a_browser_cut_off_from_the_internet(embedded):
    """Headless Chromium may only reach the server: Swagger UI still renders every documented route."""
    from playwright.sync_api import sync_playwright

    elsewhere: list[str] = []

    def only_the_server(route):
        if route.request.url.startswith(embedded.url):
            return route.continue_()
        elsewhere.append(route.request.url)
        return route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_page()
            page.route("**/*", only_the_server)
            page.goto(f"{embedded.url}/docs")
            page.wait_for_selector(".opblock-summary-path", timeout=15_000)
            paths = page.locator(".opblock-summary-path").all_inner_texts()
        finally:
            browser.close()
    assert "/jobs/{job_id}/transcript" in " ".join(paths) and elsewhere == []
