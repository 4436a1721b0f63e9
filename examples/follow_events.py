#!/usr/bin/env python3
"""Follow Promoter's alert state changes live and keep a table of firing and resolved times.

Uses only the standard library. Reads GET /api/v1/events/stream (Server-Sent Events); when the connection
drops it reconnects with Last-Event-ID, so no state change is missed or repeated, and with --from-start it
first replays the whole history.

    python3 follow_events.py --url http://localhost:8080 [--receiver ops] [--from-start]
        [--user alertmanager --password-file /etc/promoter/password]   # with auth: { basic_auth, scope: all }
        [--max-events N]                                              # stop after N events (for scripts)
"""
import argparse
import base64
import json
import sys
import time
import urllib.parse
import urllib.request


def events(url, headers, last_id, query):
    """Yields (id, event) from the stream, reconnecting after the last id seen."""
    while True:
        params = dict(query)
        request_headers = dict(headers, Accept="text/event-stream")
        if last_id is not None:
            request_headers["Last-Event-ID"] = str(last_id)
        stream_url = url.rstrip("/") + "/api/v1/events/stream?" + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(urllib.request.Request(stream_url, headers=request_headers), timeout=60) as response:
                event_id, data = None, []
                for raw in response:
                    line = raw.decode("utf-8").rstrip("\r\n")
                    if line == "":
                        if data:
                            last_id = int(event_id)
                            yield last_id, json.loads("\n".join(data))
                        event_id, data = None, []
                    elif line.startswith("id:"):
                        event_id = line[3:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].lstrip())
        except (OSError, ValueError) as e:  # connection refused or dropped, timeout: retry like EventSource
            print(f"stream interrupted ({e}); reconnecting after event {last_id}", file=sys.stderr)
            time.sleep(2)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default="http://localhost:8080")
    p.add_argument("--receiver")
    p.add_argument("--alertname")
    p.add_argument("--from-start", action="store_true", help="replay the whole history first")
    p.add_argument("--user")
    p.add_argument("--password-file")
    p.add_argument("--max-events", type=int, default=0)
    args = p.parse_args()

    headers = {}
    if args.user:
        with open(args.password_file, encoding="utf-8") as f:
            secret = f"{args.user}:{f.read().strip()}"
        headers["Authorization"] = "Basic " + base64.b64encode(secret.encode()).decode()
    query = {k: v for k, v in (("receiver", args.receiver), ("alertname", args.alertname)) if v}
    if args.from_start:
        query["after"] = "0"

    table = {}  # (fingerprint, receiver) -> latest event
    for count, (event_id, e) in enumerate(events(args.url, headers, None, query), start=1):
        table[(e["fingerprint"], e["receiver"])] = e
        ends = e["endsAt"] or "-"
        print(f"{event_id}\t{e['status']}\t{e['alertName']}\t{e['receiver']}\tstarts {e['startsAt']}\tends {ends}", flush=True)
        if args.max_events and count >= args.max_events:
            break
    firing = sum(1 for e in table.values() if e["status"] == "firing")
    print(f"{len(table)} alerts seen, {firing} firing", file=sys.stderr)


if __name__ == "__main__":
    main()
