#!/usr/bin/env python3
"""1,000 open 流程详情 pages following live updates, as one host sees them.

Each page's script holds one Server-Sent Events stream (/deliveries/{id}/events) open; this opens N such streams
with a person's cookie (no browser: the stream is all a page keeps open), then plays commits made on another host by
sending the same NOTIFY the hosts send each other, and measures what the host spends: its memory (RSS) before and
with the streams open, its CPU while they idle and while changes arrive, and how soon each "changed" reaches its page.

  python3 sse_pages.py --url http://127.0.0.1:5091 --cookie 'sd-auth=…' --ids ids.txt --pid 1234 \
      --psql 'psql -h 127.0.0.1 -p 5432 -U postgres servicedelivery' [--pages 1000] [--changes 200]
"""
import argparse
import asyncio
import json
import os
import random
import shlex
import subprocess
import time

CHANNEL = "servicedelivery_commits"  # PostgresWakeups.Channel


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Page:
    def __init__(self, delivery):
        self.delivery = delivery
        self.ready = asyncio.Event()
        self.changed = []  # monotonic times of "changed" events


async def follow(page, host, port, cookie):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write((f"GET /deliveries/{page.delivery}/events HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
                  f"Cookie: {cookie}\r\nConnection: keep-alive\r\n\r\n").encode())
    await writer.drain()
    status = await reader.readline()
    if b" 200 " not in status:
        raise RuntimeError(f"{page.delivery}: {status.decode().strip()}")
    while True:
        line = await reader.readline()
        if not line:
            return
        text = line.decode("utf-8", "replace").strip()
        if text == "event: ready":
            page.ready.set()
        elif text == "event: changed":
            page.changed.append(time.monotonic())


def notify(psql, ids):
    payload = json.dumps({"Origin": "sse-bench", "Outbox": False, "EarliestTimer": None, "Deliveries": ids, "Definitions": None})
    sent = time.monotonic()
    subprocess.run(shlex.split(psql) + ["-q", "-c", f"NOTIFY {CHANNEL}, '{payload}'"], check=True)
    return sent


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--cookie", required=True)
    parser.add_argument("--ids", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--psql", required=True)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=200)
    args = parser.parse_args()
    host, port = args.url.split("//")[1].split(":")
    distinct = [line.strip() for line in open(args.ids) if line.strip()]
    # One page per delivery when there are enough of them (several tabs on one delivery otherwise).
    ids = [distinct[i % len(distinct)] for i in range(args.pages)]

    rss_before = rss_mb(args.pid)
    pages = [Page(i) for i in ids]
    tasks = [asyncio.create_task(follow(p, host, int(port), args.cookie)) for p in pages]
    started = time.monotonic()
    ready = asyncio.gather(*(p.ready.wait() for p in pages))
    done, _ = await asyncio.wait([ready, *tasks], timeout=120, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        failed = next((t for t in tasks if t.done() and t.exception()), None)
        raise SystemExit(f"the pages did not all open: {failed.exception() if failed else 'timeout'}")
    opened = time.monotonic() - started
    await asyncio.sleep(5)
    rss_open = rss_mb(args.pid)

    idle_cpu = cpu_seconds(args.pid)
    await asyncio.sleep(10)
    idle_cpu = cpu_seconds(args.pid) - idle_cpu

    # Commits on "another host": each names one page's delivery, ten a second.
    busy_cpu = cpu_seconds(args.pid)
    sent = []
    for _ in range(args.changes):
        page = random.choice(pages)
        sent.append((page, len(page.changed), await asyncio.to_thread(notify, args.psql, [page.delivery])))
        await asyncio.sleep(0.1)
    await asyncio.sleep(3)
    busy_cpu = cpu_seconds(args.pid) - busy_cpu
    latencies = sorted(page.changed[before] - at for page, before, at in sent if len(page.changed) > before)
    rss_after = rss_mb(args.pid)
    for task in tasks:
        task.cancel()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else float("nan")

    print(f"| open pages following live updates | {len(pages)} (all open in {opened:.1f} s) |")
    print(f"| host memory (RSS) before / with them open / after {args.changes} changes | {rss_before:.0f} / {rss_open:.0f} / {rss_after:.0f} MB "
          f"(+{(rss_open - rss_before) * 1024 / len(pages):.0f} KB a page) |")
    print(f"| host CPU while they idle (10 s) | {idle_cpu:.2f} s |")
    print(f"| host CPU for {args.changes} changes from another host (20 s) | {busy_cpu:.2f} s |")
    print(f"| changes that reached their page | {len(latencies)} of {len(sent)} |")
    print(f"| from NOTIFY sent to the page told: p50 / p95 / max | {pct(0.5):.0f} / {pct(0.95):.0f} / {latencies[-1] * 1000 if latencies else float('nan'):.0f} ms |")


asyncio.run(main())
