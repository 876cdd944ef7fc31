"""One writer per experiment folder: a lease on ``results/<experiment>/lock``.

A sweep (and ``lean-sim-merge``) holds the folder from before it reads the plan until after
the merge. The lock is filelock's ``SoftFileLease``, a marker file that records the holder's
host and pid and that the holder renews (a heartbeat thread touches it every third of the
lease). It is released on exit, including Ctrl-C and SIGTERM. It is stale only when

* its lease has expired: a waiting process has seen the marker unchanged for the whole lease,
  timed on its own clock, so it works on a folder shared by several hosts whose clocks differ;
  or
* its holder ran on this host and is no longer running (the library checks pid and process
  start time, so a reused pid does not count).

Beside the marker, ``lock.json`` names the holder for people: host, pid, the command line,
and when it started. A second sweep refuses, naming the holder; ``wait=true`` waits instead.
Every process that shares a folder must use the same lease (``LEAN_SIM_LOCK_LEASE`` seconds,
default 30; tests shorten it).
"""

from __future__ import annotations

import _thread
import contextlib
import datetime as dt
import logging
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

import filelock

from sim.sweep import store

log = logging.getLogger("lean_sim")
LOCK = "lock"
HOLDER = "lock.json"
LEASE_ENV = "LEAN_SIM_LOCK_LEASE"
DEFAULT_LEASE_SECONDS = 30.0
POLL_SECONDS = 0.5


class FolderBusy(RuntimeError):
    """Another process holds the experiment folder; the message names it and what to do."""


def lease_seconds() -> float:
    try:
        value = float(os.environ.get(LEASE_ENV, DEFAULT_LEASE_SECONDS))
    except ValueError:
        value = DEFAULT_LEASE_SECONDS
    return value if value > 0 else DEFAULT_LEASE_SECONDS


class FolderLock:
    """The lock of one experiment folder (a context manager; ``acquire(wait=...)``)."""

    def __init__(self, folder: Path, command: str | None = None) -> None:
        self.folder = Path(folder)
        self.command = command if command is not None else " ".join(sys.argv)
        self._lease: filelock.SoftFileLease | None = None

    @property
    def path(self) -> Path:
        return self.folder / LOCK

    def acquire(self, *, wait: bool = False) -> None:
        """Take the folder, or raise FolderBusy naming the holder (``wait``: wait for it)."""
        with store.os_errors(str(self.folder)):
            self.folder.mkdir(parents=True, exist_ok=True)
        lease = filelock.SoftFileLease(
            str(self.path),
            lease_duration=lease_seconds(),
            on_compromise=self._lost,
            thread_local=False,
            is_singleton=False,
        )
        try:
            try:
                lease.acquire(timeout=0)
            except filelock.Timeout:
                if not wait:
                    raise FolderBusy(self._busy_message()) from None
                print(f"lean-sim: waiting: {self.describe_holder()}", file=sys.stderr, flush=True)
                lease.acquire(timeout=-1, poll_interval=POLL_SECONDS)
        except filelock.LeaseSettingsMismatch as err:
            raise FolderBusy(f"{self.path}: {err} (set {LEASE_ENV} alike on every host)") from None
        except OSError as err:
            raise store.StoreError(
                f"cannot lock {self.folder} ({err.strerror or err}); choose a folder you can "
                "write to (paths.results=...)"
            ) from None
        self._lease = lease
        try:
            store.write_json_atomic(self.folder / HOLDER, self._holder())
        except OSError:
            self.release()
            raise

    def release(self) -> None:
        if self._lease is None:
            return
        with contextlib.suppress(OSError):
            (self.folder / HOLDER).unlink()
        with contextlib.suppress(OSError):
            self._lease.release(force=True)
        self._lease = None

    def __enter__(self) -> FolderLock:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def _holder(self) -> dict[str, Any]:
        return {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "command": self.command,
            "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "lease_seconds": lease_seconds(),
        }

    def describe_holder(self) -> str:
        """Who holds the folder, in words (from lock.json, else from the marker)."""
        holder = store.read_json(self.folder / HOLDER)
        try:
            marker = self.path.read_text(encoding="utf-8", errors="replace")
            age = time.time() - self.path.stat().st_mtime
        except OSError:
            marker, age = "", None
        fields = dict(line.split("=", 1) for line in marker.splitlines() if "=" in line)
        host = fields.get("host", "?")
        pid = fields.get("pid", "?")
        text = f"{self.folder} is held by pid {pid} on {host}"
        if holder and str(holder.get("pid")) == pid:
            text += f" since {holder.get('started')} (command: {holder.get('command')})"
        if age is not None:
            text += f"; its lease was renewed {age:.0f} s ago"
        return text

    def _busy_message(self) -> str:
        return (
            f"{self.describe_holder()}. One sweep or merge at a time writes to a folder: wait "
            "for it to finish, or rerun with wait=true to wait (a holder that is gone is taken "
            f"over once its lease of {lease_seconds():g} s has run out)"
        )

    def _lost(self, compromise: Any) -> None:
        """The heartbeat lost the lease (the marker was removed or taken): stop the sweep."""
        log.error(f"lean-sim: lost the lock of {self.folder} ({compromise.reason}); stopping")
        _thread.interrupt_main()
