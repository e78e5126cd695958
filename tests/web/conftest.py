"""UI fixtures: a `castscript serve` (helpers shared with tests/service) and a page in Debian's headless Chromium."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

_spec = importlib.util.spec_from_file_location("service_servers", Path(__file__).parents[1] / "service" / "servers.py")
servers = sys.modules[_spec.name] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(servers)

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = servers.Server(servers.service_env(tmp_path_factory.mktemp("ui"))).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def token(server) -> str:
    return servers.create_token(server.env, "grace")


@pytest.fixture(scope="module")
def page():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        assert not errors, f"JavaScript errors on the page: {errors}"
        browser.close()
