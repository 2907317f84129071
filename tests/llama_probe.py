"""What a running polis-seed's llama-server is doing, seen from outside: its pid and port, and whether it is
generating (its /slots). Used by the Ctrl-C integration test and benchmarks/ctrl_c.py."""

from __future__ import annotations

import json
import subprocess
import urllib.request


def llama_server_child(process: subprocess.Popen) -> tuple[int, int] | None:
    """(pid, port) of the llama-server a polis-seed process started, once it runs."""
    # -ww: the whole command line (ps cuts it at 80 columns when its output is not a terminal).
    listing = subprocess.run(["ps", "-ww", "-o", "pid=,args=", "--ppid", str(process.pid)], capture_output=True,
                             text=True).stdout
    for line in listing.splitlines():
        if "llama-server" in line and "--port" in line:
            pid, arguments = line.split(maxsplit=1)
            return int(pid), int(arguments.split("--port")[1].split()[0])
    return None


def generating(port: int) -> bool:
    """llama-server at `port` has a slot processing a request."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/slots", timeout=2) as response:
            return any(slot.get("is_processing") for slot in json.load(response))
    except OSError:
        return False
