"""A real headless Chromium for the package's tests, driven over WebDriver (Debian's
`chromium` and `chromium-driver`), as tests/common/browser.rs drives it for the Rust tests:
a JSON request, a JSON answer, over the standard library's HTTP client."""

import base64
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request

CHROMIUM = os.environ.get("GRADVIZ_TEST_CHROMIUM", "/usr/bin/chromium")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser(object):
    """A chromedriver process and one headless session; `close()` ends both."""

    def __init__(self, width=1400, height=900):
        self.port = _free_port()
        self.driver = subprocess.Popen(["chromedriver", "--port=%d" % self.port],
                                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        self.profile = tempfile.TemporaryDirectory()
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("chromedriver did not listen")
                time.sleep(0.05)
        flags = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--window-size=%d,%d" % (width, height),
                 "--user-data-dir=%s" % self.profile.name]
        answer = self._request("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": flags},
            "goog:loggingPrefs": {"browser": "ALL"}}}})
        self.session = answer["value"]["sessionId"]

    def _request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path),
                                         data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise RuntimeError("WebDriver %s %s failed: %s" % (method, path, error.read()))

    def command(self, method, path, body=None):
        return self._request(method, "/session/%s/%s" % (self.session, path), body)["value"]

    def navigate(self, url):
        self.command("POST", "url", {"url": url})

    def eval(self, script, *args):
        return self.command("POST", "execute/sync", {"script": script, "args": list(args)})

    def find(self, css):
        found = self.command("POST", "element", {"using": "css selector", "value": css})
        return list(found.values())[0]

    def click(self, css):
        self.command("POST", "element/%s/click" % self.find(css), {})

    def enter_frame(self, css):
        """Commands go to the document of the iframe `css` selects, until `leave_frame`."""
        element = self.find(css)
        self.command("POST", "frame",
                     {"id": {"element-6066-11e4-a52e-4f735466cecf": element}})

    def leave_frame(self):
        self.command("POST", "frame/parent", {})

    def wait_for(self, script, seconds=30):
        deadline = time.time() + seconds
        while not self.eval(script):
            if time.time() > deadline:
                raise AssertionError("never true: " + script)
            time.sleep(0.05)

    def console_errors(self):
        log = self.command("POST", "se/log", {"type": "browser"})
        return [entry["message"] for entry in log if entry["level"] == "SEVERE"]

    def screenshot(self, path):
        with open(path, "wb") as out:
            out.write(base64.b64decode(self.command("GET", "screenshot")))
        return path

    def close(self):
        try:
            self._request("DELETE", "/session/%s" % self.session)
        finally:
            self.driver.kill()
            self.driver.wait()
            self.profile.cleanup()
