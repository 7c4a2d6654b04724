"""`@internal/tool/py3`: the user's Python code runs in a separate, limited child process.

The child is `python -I -S -B sandbox_main.py` (isolated mode: no PYTHON* variables, no user or
site packages, its own directory off sys.path) with an empty environment, in a fresh temporary
working directory that is deleted afterwards. sandbox_main limits itself before the code runs:
RLIMIT_CPU (cpu_seconds), RLIMIT_AS (memory_mb plus what the interpreter itself maps, measured in
the child; see SLACK_MB there), RLIMIT_FSIZE, RLIMIT_NPROC and RLIMIT_CORE; then it installs an
audit hook that refuses network, processes, signals, ctypes and file access outside its working
directory (the standard library stays readable, so imports work). This process enforces the
wall-clock limit and kills (and reaps) the child on timeout and when the awaiting task is
cancelled; it reads at most REPLY_LIMIT bytes of reply and STDERR_LIMIT bytes of stderr.

This is defence in depth, not a kernel sandbox. The child runs as the server's user, and audit
hooks only see what CPython reports: calls CPython 3.11 does not audit (os.stat, os.setpriority,
threads, os.mknod from a fresh copy of the posix module, ...) run with that user's rights, and
code that corrupts the interpreter (crafted bytecode via marshal, interpreter bugs) escapes the
hook altogether. Run the server as an unprivileged user. A kernel-level boundary would add what
this cannot: a network namespace with no interfaces, a mount namespace showing only the working
directory and the Python installation, a separate user id, and a seccomp filter refusing socket,
execve, fork/clone, ptrace, mknod and kill outright (e.g. via nsjail, bubblewrap or a container);
those need privileges (CAP_SYS_ADMIN or unprivileged user namespaces) that the server may not
have, hence this portable layer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from flowauto.domain.step_failure import StepFailure
from flowauto.ports.code_runner import CodeCall, CodeRunner

SANDBOX_MAIN = Path(__file__).with_name("sandbox_main.py")
REPLY_LIMIT = 1024 * 1024
STDERR_LIMIT = 64 * 1024
CHUNK = 64 * 1024


class SubprocessCodeRunner(CodeRunner):
    """Runs each call in its own child process; `last_pid` is the latest child's pid (tests
    use it to check that a cancelled run leaves no process behind)."""

    def __init__(
        self,
        *,
        cpu_seconds: int = 5,
        memory_mb: int = 256,
        wall_ms: int = 10_000,
        python: str = sys.executable,
    ) -> None:
        self._cpu_seconds = cpu_seconds
        self._memory_mb = memory_mb
        self._wall_ms = wall_ms
        self._python = python
        self.last_pid: int | None = None

    async def run(self, call: CodeCall) -> dict[str, Any]:
        request = _encode_request(call)
        with tempfile.TemporaryDirectory(prefix="flowauto-py3-", ignore_cleanup_errors=True) as tmp:
            process = await self._start(tmp)
            stdout, stderr = await self._supervise(process, request)
        return self._outcome(process.returncode, stdout, stderr)

    async def _start(self, workdir: str) -> asyncio.subprocess.Process:
        # The child's own alarm is a backstop should this process die before killing it.
        alarm_seconds = math.ceil(self._wall_ms / 1000) + 1
        args = [str(self._cpu_seconds), str(self._memory_mb), str(alarm_seconds)]
        try:
            process = await asyncio.create_subprocess_exec(
                self._python, "-I", "-S", "-B", str(SANDBOX_MAIN), *args,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, cwd=workdir, env={},
            )  # fmt: skip
        except OSError as exc:
            raise StepFailure(f"py3: cannot start the sandbox: {exc}") from exc
        self.last_pid = process.pid
        return process

    async def _supervise(
        self, process: asyncio.subprocess.Process, request: bytes
    ) -> tuple[bytes, bytes]:
        try:
            return await asyncio.wait_for(_exchange(process, request), self._wall_ms / 1000)
        except TimeoutError:
            await _kill(process)
            raise StepFailure(f"py3: wall-clock limit of {self._wall_ms} ms exceeded") from None
        except BaseException:  # cancelled (or broken): never leave the child running
            await _kill(process)
            raise

    def _outcome(self, returncode: int | None, stdout: bytes, stderr: bytes) -> dict[str, Any]:
        if len(stdout) > REPLY_LIMIT:
            raise StepFailure(f"py3: the outputs exceed {REPLY_LIMIT // 2**20} MiB")
        reply = _parse_reply(stdout)
        if reply is None:
            raise StepFailure(self._death_reason(returncode, stderr))
        outputs = reply.get("outputs")
        if reply.get("ok") is True and isinstance(outputs, dict):
            return outputs
        raise StepFailure(str(reply.get("error") or "py3: the sandbox sent a malformed reply"))

    def _death_reason(self, returncode: int | None, stderr: bytes) -> str:
        """Why the child ended without a reply."""
        # SIGXCPU at the soft CPU limit, SIGKILL at the hard one a second later; nothing else
        # sends SIGKILL to the child except our own kill, which never gets here.
        if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
            return f"py3: CPU time limit of {self._cpu_seconds} s exceeded"
        if returncode == -signal.SIGALRM:
            return f"py3: wall-clock limit of {self._wall_ms} ms exceeded"
        if b"MemoryError" in stderr:
            return f"py3: memory limit of {self._memory_mb} MB exceeded"
        lines = stderr.decode(errors="replace").strip().splitlines()
        detail = f": {lines[-1][:500]}" if lines else ""
        return f"py3: the sandbox ended without a reply (exit status {returncode}){detail}"


def _encode_request(call: CodeCall) -> bytes:
    request = {
        "code": call.code,
        "inputs": dict(call.inputs),
        "output_names": list(call.output_names),
    }
    try:
        return json.dumps(request).encode()
    except (TypeError, ValueError) as exc:
        raise StepFailure(f"py3: the inputs are not JSON-serialisable: {exc}") from exc


async def _exchange(process: asyncio.subprocess.Process, request: bytes) -> tuple[bytes, bytes]:
    """Feeds the request and drains both outputs at once (a full pipe would stall the child)."""
    stdin, stdout, stderr = process.stdin, process.stdout, process.stderr
    if stdin is None or stdout is None or stderr is None:
        raise RuntimeError("the sandbox was started without pipes")
    reply, errors, _ = await asyncio.gather(
        _read_capped(stdout, REPLY_LIMIT), _read_capped(stderr, STDERR_LIMIT), _feed(stdin, request)
    )
    await process.wait()
    return reply, errors


async def _feed(stdin: asyncio.StreamWriter, request: bytes) -> None:
    try:
        stdin.write(request)
        await stdin.drain()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the child ended early; its exit status says why
    finally:
        stdin.close()


async def _read_capped(stream: asyncio.StreamReader, limit: int) -> bytes:
    """At most limit + 1 bytes (so that going over shows); the rest is read and dropped, so a
    chatty child neither stalls on a full pipe nor fills this process's memory."""
    kept = bytearray()
    while chunk := await stream.read(CHUNK):
        if len(kept) <= limit:
            kept += chunk[: limit + 1 - len(kept)]
    return bytes(kept)


async def _kill(process: asyncio.subprocess.Process) -> None:
    """Kills the child and waits until it is reaped (a zombie still holds its pid)."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
    # Shielded: a second cancellation must not stop the reaping half-way.
    await asyncio.shield(process.wait())


def _parse_reply(stdout: bytes) -> dict[str, Any] | None:
    try:
        reply = json.loads(stdout)
    except ValueError:
        return None
    return reply if isinstance(reply, dict) else None
