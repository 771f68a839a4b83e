#!/usr/bin/env python3
"""A downstream subscriber for Distill's Event Grid topic: on distill.pipeline.completed, download the student.

Event Grid delivers CloudEvents 1.0 to a webhook. It first checks the endpoint with an HTTP OPTIONS request carrying
WebHook-Request-Origin; the endpoint agrees by echoing it in WebHook-Allowed-Origin. Then each event arrives as a POST
(application/cloudevents+json, or a JSON array with application/cloudevents-batch+json).

    DISTILL_STORAGE_ACCOUNT=<account> python3 webhook.py --port 8080 --out ./students

Event Grid needs an HTTPS endpoint: put this behind a TLS-terminating proxy or tunnel. The download uses the Azure CLI
signed in as you (`az login`), with Storage Blob Data Reader or Contributor on the account.
"""
import argparse
import json
import os
import subprocess
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def download_student(event, out):
    student = event["data"]["student"]  # {"container": "models", "name": "{name}/{runId}"}
    target = os.path.join(out, student["name"])
    os.makedirs(target, exist_ok=True)
    subprocess.run(
        ["az", "storage", "blob", "download-batch", "--auth-mode", "login",
         "--account-name", os.environ["DISTILL_STORAGE_ACCOUNT"],
         "--source", student["container"], "--pattern", student["name"] + "/*",
         "--destination", out, "--output", "none"],
        check=True)
    print(f"run {event['data'].get('runId', event.get('subject'))}: student in {target}", flush=True)


class Handler(BaseHTTPRequestHandler):
    out = "."

    def do_OPTIONS(self):
        # The CloudEvents webhook validation handshake.
        self.send_response(200)
        self.send_header("WebHook-Allowed-Origin", self.headers.get("WebHook-Request-Origin", "*"))
        self.send_header("WebHook-Allowed-Rate", "*")
        self.end_headers()

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"null")
        events = body if isinstance(body, list) else [body]
        try:
            for event in events:
                if event.get("type") == "distill.pipeline.completed":
                    download_student(event, self.out)
        except (KeyError, subprocess.CalledProcessError) as error:
            # A non-2xx answer makes Event Grid retry the delivery later.
            print(f"could not handle {event.get('id')}: {error}", flush=True)
            self.send_response(500)
            self.end_headers()
            return
        self.send_response(200)
        self.end_headers()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--out", default="./students")
    args = parser.parse_args()
    Handler.out = args.out
    ThreadingHTTPServer(("", args.port), Handler).serve_forever()
