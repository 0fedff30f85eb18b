"""POSTs a recorded request body to api.anthropic.com through a proxy with Python requests.

Usage: requests_client.py PROXY_URL CA_BUNDLE API_KEY REQUEST_BODY_FILE
Prints the response body exactly as received; exits 1 on a non-200 status.
"""
import sys

import requests

proxy, bundle, key, body_file = sys.argv[1:5]
with open(body_file, "rb") as f:
    body = f.read()
res = requests.post(
    "https://api.anthropic.com/v1/messages",
    data=body,
    headers={
        "content-type": "application/json",
        "anthropic-version": "2023-06-01",
        "x-api-key": key,
    },
    proxies={"https": proxy},
    verify=bundle,
    timeout=20,
)
sys.stdout.buffer.write(res.content)
sys.exit(0 if res.status_code == 200 else 1)
