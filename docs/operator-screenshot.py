"""Takes docs/operator-view.png: headless Chromium opens a running bridge's
operator page, logs in through the form exactly as a person would (so the
session cookie is set by the bridge itself; nothing in the bridge is opened up
for this), and the page is captured at 1280x900. Not a test and not run in CI.

Needs Debian's `chromium` and `websocket-client` (pip). Usage:
    python3 docs/operator-screenshot.py http://127.0.0.1:8080 "$ADMIN_TOKEN" docs/operator-view.png
"""

import base64
import json
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

base, token, out = sys.argv[1], sys.argv[2], sys.argv[3]
port = 9333
profile = tempfile.mkdtemp(prefix="opview-chromium-")
browser = subprocess.Popen(
    ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
     f"--remote-debugging-port={port}", f"--user-data-dir={profile}",
     "--window-size=1280,900", "--hide-scrollbars", "about:blank"],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        try:
            targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                break
        except OSError:
            pass
        time.sleep(0.1)
    ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], suppress_origin=True)
    next_id = [0]

    def call(method, **params):
        next_id[0] += 1
        ws.send(json.dumps({"id": next_id[0], "method": method, "params": params}))
        while True:
            message = json.loads(ws.recv())
            if message.get("id") == next_id[0]:
                return message.get("result", {})

    def wait_for_load():
        while True:
            message = json.loads(ws.recv())
            if message.get("method") == "Page.loadEventFired":
                return

    call("Page.enable")
    call("Emulation.setDeviceMetricsOverride", width=1280, height=900,
         deviceScaleFactor=1, mobile=False)
    call("Page.navigate", url=base + "/")
    wait_for_load()
    # The login form, as a person would fill it in.
    call("Runtime.evaluate", expression=(
        "document.getElementById('token').value = %s; document.forms[0].submit();"
        % json.dumps(token)))
    wait_for_load()
    title = call("Runtime.evaluate", expression="document.title")["result"]["value"]
    print("page title:", title)
    shot = call("Page.captureScreenshot", format="png")
    with open(out, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    ws.close()
finally:
    browser.terminate()
    browser.wait(timeout=10)
