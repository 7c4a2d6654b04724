"""Child side of the py3 sandbox: limits itself, installs an audit hook, runs `main(**inputs)`.

SubprocessCodeRunner starts this file as
`python -I -S -B sandbox_main.py CPU_SECONDS MEMORY_MB ALARM_SECONDS` with an empty environment,
in a fresh temporary directory. It reads {"code", "inputs", "output_names"} as JSON on stdin and
writes one JSON reply on the original stdout: {"ok": true, "outputs": {...}} or
{"ok": false, "error": "..."}. Fd 1 is pointed at stderr before user code runs, so the code's
prints cannot corrupt the reply (code that finds the reply's fd can only forge its own outputs,
which the parent still checks are an object).

Order matters: the request is read, resource limits are set, a few calls CPython 3.11 does not
audit are disarmed and the audit hook is installed, all before the user's code is compiled.
Audit hooks cannot be removed from Python code.

What the hook refuses: network (every `socket.*` event but creating AF_UNIX sockets, which
asyncio's self-pipe needs; connect, bind and sendto stay refused), processes (`subprocess.Popen`,
`os.system`, `os.exec*`, `os.posix_spawn`, `os.spawn*`, `os.fork*`, sub-interpreters), signals
to other processes, `ctypes.*`, changing resource limits, gc's object walks, and file access
outside the working directory except reading the standard library (the `sys.path` of `-I -S`,
all under the installation prefix) and `/usr/share/zoneinfo`. Paths are checked lexically, which
is sound because symlinks, hard links and chdir are refused; `os.open`-style opens (whose audit
event does not carry `dir_fd`) and path calls given a `dir_fd` are refused unless the path is
absolute / there is no `dir_fd`. Extension modules load only from the installation, and a few
that reach out without audit events (spwd, syslog, shared memory, `_test*`, ...) are refused.

This is defence in depth, not a kernel sandbox; see subprocess_code_runner for what it does not
stop. `-I` keeps this file's package off sys.path, so it imports only the standard library.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import resource
import signal
import sys
import types
from collections.abc import Callable, Iterable
from typing import Any

FILENAME = "<py3>"
MIB = 1024 * 1024
# Address space granted on top of what the child already maps when it limits itself. Measured
# for CPython 3.11 (pyenv build): the bare child maps ~11 MB (VmSize), ~13 MB after this
# script's imports; user code importing heavy stdlib modules (asyncio, decimal, email, zoneinfo,
# ...) maps ~16 MB more, and the main thread's stack may grow to its 8 MB rlimit. 32 MB of slack
# covers that, so about `memory_mb` stays usable for the code's own data.
SLACK_MB = 32
# Without /proc (not Linux) the child's own size is unknown: assume well above the measured 13 MB.
FALLBACK_OWN_MB = 64
MAX_ERROR_CHARS = 2000

NETWORK = "py3: network access is not allowed"
FILES = "py3: file access outside the sandbox is not allowed"
PROCESSES = "py3: starting processes is not allowed"
SIGNALS = "py3: sending signals to processes is not allowed"
NATIVE = "py3: loading native code is not allowed"
LIMITS = "py3: changing resource limits is not allowed"
INTROSPECTION = "py3: walking the interpreter's objects is not allowed"

PROCESS_EVENTS = frozenset({
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
    "os.forkpty", "os.startfile", "pty.spawn", "webbrowser.open",
    "cpython.PyInterpreterState_New",  # a sub-interpreter starts without this hook
})  # fmt: skip
# Audit events refused whatever their arguments.
REFUSED_EVENTS: tuple[tuple[str, frozenset[str]], ...] = (
    (PROCESSES, PROCESS_EVENTS),
    (SIGNALS, frozenset({"os.kill", "os.killpg"})),
    (LIMITS, frozenset({"resource.setrlimit", "resource.prlimit"})),
    # These walks could reach the hook's closure, the only place its state lives.
    (INTROSPECTION, frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents"})),
    # Links would make the lexical path check unsound; chdir would move what relative paths mean.
    (
        FILES,
        frozenset({"os.symlink", "os.link", "os.chdir", "os.chown", "os.chflags", "os.lchflags"}),
    ),
    (NATIVE, frozenset({"sqlite3.enable_load_extension", "sqlite3.load_extension"})),
)
REFUSED_PREFIXES: tuple[tuple[str, str], ...] = (
    ("socket.", NETWORK),
    ("ctypes.", NATIVE),
    ("urllib.Request", NETWORK),
    ("http.client.", NETWORK),
    ("ftplib.", NETWORK),
    ("smtplib.", NETWORK),
    ("imaplib.", NETWORK),
    ("poplib.", NETWORK),
    ("nntplib.", NETWORK),
    ("telnetlib.", NETWORK),
)
READ_EVENTS = frozenset({"os.listdir", "os.scandir", "os.getxattr", "os.listxattr"})
# Writing events: (name, positions of path arguments, positions of dir_fd arguments).
WRITE_EVENTS: tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...] = (
    ("os.remove", (0,), (1,)),
    ("os.rmdir", (0,), (1,)),
    ("os.mkdir", (0,), (2,)),
    ("os.chmod", (0,), (2,)),
    ("os.utime", (0,), (3,)),
    ("os.rename", (0, 1), (2, 3)),
    ("os.truncate", (0,), ()),
    ("os.setxattr", (0,), ()),
    ("os.removexattr", (0,), ()),
    ("sqlite3.connect", (0,), ()),
)
# Extension modules that reach outside without audit events (shadow passwords, syslog, shared
# memory, terminals) or poke at the interpreter's memory (_test*, _xx*, xx*).
REFUSED_MODULES = frozenset({
    "spwd", "nis", "syslog", "_posixshmem", "_multiprocessing", "_tkinter",
    "_curses", "_curses_panel", "readline", "ossaudiodev", "termios",
})  # fmt: skip
REFUSED_MODULE_PREFIXES = ("_test", "_xx", "xx")
AF_UNIX = 1  # socket.AF_UNIX on every POSIX system; not imported, to keep the start light
READ_ROOTS_EXTRA = ("/usr/share/zoneinfo",)  # public time zone data, for zoneinfo


class Refusal(Exception):  # noqa: N818 (a reason to report, not a bug)
    """The sandbox's own verdict on the code (no main, bad outputs); reported as is."""


def main() -> None:
    cpu_seconds, memory_mb, alarm_seconds = (int(arg) for arg in sys.argv[1:4])
    request = json.loads(sys.stdin.buffer.read())
    reply_fd = take_reply_channel()
    os.environ.clear()  # the parent passes none, but Python adds LC_CTYPE when coercing the locale
    limit_resources(cpu_seconds, memory_mb, alarm_seconds)
    disarm_unaudited()
    sys.addaudithook(make_guard(os.getcwd(), read_roots()))
    reply = run(request, memory_mb)
    send(reply_fd, reply)
    finish()


def take_reply_channel() -> int:
    """A private copy of stdout for the reply; fd 1 then points at stderr, so that the code's
    output (even from C) cannot mix into the reply."""
    reply_fd = os.dup(1)
    os.dup2(2, 1)
    return reply_fd


def limit_resources(cpu_seconds: int, memory_mb: int, alarm_seconds: int) -> None:
    # SIGXCPU at the soft limit; SIGKILL a second later should the code catch or ignore it.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    address_space = own_size() + (memory_mb + SLACK_MB) * MIB
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    # Files are capped like memory; a write past the cap fails (EFBIG) instead of killing us.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (memory_mb * MIB, memory_mb * MIB))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # No new processes or threads; root is exempt, which is why the hook refuses processes too.
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    # A backstop should the parent die before its wall-clock timer fires.
    signal.alarm(alarm_seconds)


def own_size() -> int:
    """The address space this process maps now, in bytes."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return FALLBACK_OWN_MB * MIB


def disarm_unaudited() -> None:
    """Replaces calls CPython 3.11 does not audit but that would undo the sandbox: fork_exec
    (what subprocess uses below its audited Popen), mknod/mkfifo (device nodes and FIFOs
    anywhere), pidfd_open/pidfd_send_signal (signals without os.kill). The hook refuses a fresh
    import of _posixsubprocess; a fresh copy of the built-in posix or _signal module
    (importlib.import_module after deleting it from sys.modules) would bring the others back."""
    import _posixsubprocess  # imported only here: before the hook, on purpose

    vars(_posixsubprocess)["fork_exec"] = refuser(PROCESSES)
    for module_name, names, reason in (
        ("posix", ("mknod", "mkfifo"), FILES),
        ("posix", ("pidfd_open",), SIGNALS),
        ("_signal", ("pidfd_send_signal",), SIGNALS),
    ):
        module = sys.modules.get(module_name)
        for name in names:
            original = getattr(module, name, None)
            if original is None:
                continue
            os.supports_dir_fd.discard(original)
            for holder in (module, os, signal):
                if getattr(holder, name, None) is original:
                    vars(holder)[name] = refuser(reason)


def refuser(reason: str) -> Callable[..., Any]:
    def refused(*_args: Any, **_kwargs: Any) -> Any:
        raise PermissionError(reason)

    return refused


def read_roots() -> tuple[str, ...]:
    """Where reading is allowed besides the working directory: the standard library (`-I -S`
    leaves exactly its directories on sys.path) and time zone data."""
    return tuple(path for path in sys.path if path.startswith("/")) + READ_ROOTS_EXTRA


# The guard. Every name its nested functions use is a closure variable bound by these factories
# (never a global or builtin looked up at call time), so code that rebinds builtins or this
# module's globals cannot change a decision. Its data is immutable and gc walks are refused, so
# the closure cannot be reached either. tests/integration/test_py3_runner.py checks the globals.


def make_guard(workdir: str, roots: Iterable[str]) -> Callable[[str, tuple[Any, ...]], None]:
    """The audit hook: raises PermissionError("py3: ...") for a refused event."""
    reason_for = event_rule(path_rule(workdir, roots))
    refuse = PermissionError

    def guard(event: str, args: tuple[Any, ...]) -> None:
        reason = reason_for(event, args)
        if reason is not None:
            raise refuse(reason)

    return guard


def event_rule(allowed: Callable[[Any, str], bool]) -> Callable[[str, tuple[Any, ...]], str | None]:
    refused_events, refused_prefixes, af_unix = REFUSED_EVENTS, REFUSED_PREFIXES, AF_UNIX
    check_open, check_import, check_paths = (
        open_rule(allowed),
        import_rule(allowed),
        path_events(allowed),
    )

    def reason_for(event: str, args: tuple[Any, ...]) -> str | None:
        if event == "socket.__new__" and args[1] == af_unix:
            return None  # asyncio's self-pipe; connect, bind and sendto stay refused
        for reason, events in refused_events:
            if event in events:
                return reason
        for prefix, reason in refused_prefixes:
            if event.startswith(prefix):
                return reason
        if event == "open":
            return check_open(args)
        if event == "import":
            return check_import(args)
        return check_paths(event, args)

    return reason_for


def open_rule(allowed: Callable[[Any, str], bool]) -> Callable[[tuple[Any, ...]], str | None]:
    as_text, files = text_converter(), FILES
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def check_open(args: tuple[Any, ...]) -> str | None:
        path, mode, flags = args
        text = as_text(path)
        # os.open's event (mode None) lacks its dir_fd, so only an absolute path is unambiguous.
        if mode is None and text is not None and not text.startswith("/"):
            return files
        return None if allowed(path, "write" if flags & write_flags else "read") else files

    return check_open


def import_rule(allowed: Callable[[Any, str], bool]) -> Callable[[tuple[Any, ...]], str | None]:
    as_text, processes, native = text_converter(), PROCESSES, NATIVE
    refused, refused_prefixes = REFUSED_MODULES, REFUSED_MODULE_PREFIXES

    def check_import(args: tuple[Any, ...]) -> str | None:
        name = as_text(args[0]) or ""
        if name == "_posixsubprocess":  # a fresh copy would bring back the real fork_exec
            return processes
        if name in refused or name.startswith(refused_prefixes):
            return f"py3: the module {name} is not available in the sandbox"
        # With a filename the event loads an extension module: native code must come from the
        # Python installation, never from a file the code wrote.
        if args[1] is not None and not allowed(args[1], "load"):
            return native
        return None

    return check_import


def path_events(
    allowed: Callable[[Any, str], bool],
) -> Callable[[str, tuple[Any, ...]], str | None]:
    as_text, files, reads, writes = text_converter(), FILES, READ_EVENTS, WRITE_EVENTS
    no_dir_fd = (None, -1)

    def check_paths(event: str, args: tuple[Any, ...]) -> str | None:
        if event in reads:
            return None if allowed(args[0], "read") else files
        for name, paths, dir_fds in writes:
            if event != name:
                continue
            for position in dir_fds:
                if args[position] not in no_dir_fd:  # relative to a directory we cannot see
                    return files
            for position in paths:
                if not allowed(args[position], "write"):
                    return files
            if event == "sqlite3.connect" and (as_text(args[0]) or "").startswith("file:"):
                return files  # an sqlite URI may name any path
        return None

    return check_paths


def path_rule(workdir: str, roots: Iterable[str]) -> Callable[[Any, str], bool]:
    """allowed(path, access): "write" only inside the working directory; "read" there or under
    a read root; "load" (extension modules) only under a read root."""
    as_text, normal = text_converter(), normaliser(workdir)
    sandbox, read_roots = normal(workdir)[0], tuple(normal(root)[0] for root in roots)
    type_of, subclass, int_type = type, issubclass, int

    def inside(path: str, root: str) -> bool:
        return path == root or path.startswith(root + "/")

    def allowed(path: Any, access: str) -> bool:
        text = as_text(path)
        if text is None:  # an fd was checked when it was opened; None means the cwd
            return path is None or subclass(type_of(path), int_type)
        full, climbs = normal(text)
        if access != "load" and inside(full, sandbox):
            return True
        if access == "write" or climbs:  # '..' through a symlink in a read root could escape
            return False
        for root in read_roots:  # noqa: SIM110 (any() is a builtin, looked up at call time)
            if inside(full, root):
                return True
        return False

    return allowed


def text_converter() -> Callable[[Any], str | None]:
    type_of, subclass, text_type, bytes_type = type, issubclass, str, bytes
    join_text, join_bytes, decode = "".join, b"".join, bytes.decode

    def as_text(value: Any) -> str | None:
        """The path as an exact str (a str subclass could lie in its methods); None if not text."""
        kind = type_of(value)
        if subclass(kind, text_type):
            return join_text((value,))
        if subclass(kind, bytes_type):
            return decode(join_bytes((value,)), "utf-8", "surrogateescape")
        return None

    return as_text


def normaliser(workdir: str) -> Callable[[str], tuple[str, bool]]:
    def normal(text: str) -> tuple[str, bool]:
        """Absolute and without '.', '..' or '//'; and whether '..' was used."""
        if not text.startswith("/"):
            text = workdir + "/" + text
        parts: list[str] = []
        climbs = False
        for part in text.split("/"):
            if part == "..":
                climbs = True
                if parts:
                    parts.pop()
            elif part not in ("", "."):
                parts.append(part)
        return "/" + "/".join(parts), climbs

    return normal


def run(request: dict[str, Any], memory_mb: int) -> bytes:
    """The reply to send, whatever the code does."""
    out_of_memory_reason = f"py3: memory limit of {memory_mb} MB exceeded"
    # Encoded beforehand: once memory is exhausted there may be none left to encode it.
    out_of_memory = error_reply(out_of_memory_reason)
    try:
        outputs = call_main(request["code"], request["inputs"], request["output_names"])
        return ok_reply(outputs)
    except MemoryError:
        return out_of_memory
    except BaseException as exc:  # SystemExit from sys.exit() too: it is the code's outcome
        try:
            return error_reply(describe(exc, out_of_memory_reason))
        except MemoryError:
            return out_of_memory


def call_main(code: str, inputs: dict[str, Any], output_names: list[str]) -> dict[str, Any]:
    # A registered module, so that dataclasses, typing and pickle can find the code's classes.
    module = types.ModuleType("__py3__")
    module.__dict__["__builtins__"] = builtins
    sys.modules[module.__name__] = module
    exec(compile(code, FILENAME, "exec"), module.__dict__)
    entry = module.__dict__.get("main")
    if not callable(entry):
        raise Refusal("py3: the code must define a function main(**inputs)")
    return pick_outputs(entry(**inputs), output_names)


def pick_outputs(result: object, output_names: list[str]) -> dict[str, Any]:
    if not isinstance(result, dict):
        raise Refusal("py3: main must return an object (a dict)")
    picked = {name: result.get(name) for name in output_names} if output_names else dict(result)
    for name in picked:
        if not isinstance(name, str):
            raise Refusal(f"py3: output names must be strings, not {type(name).__name__}")
    return picked


def ok_reply(outputs: dict[str, Any]) -> bytes:
    try:
        return json.dumps({"ok": True, "outputs": outputs}, allow_nan=False).encode()
    except (TypeError, ValueError) as exc:
        raise Refusal(unserialisable(outputs) or f"py3: the outputs are not JSON: {exc}") from None


def unserialisable(outputs: dict[str, Any]) -> str | None:
    for name, value in outputs.items():
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            return f"py3: output {name!r} is not JSON-serialisable: {exc}"
    return None


def error_reply(reason: str) -> bytes:
    return json.dumps({"ok": False, "error": reason}).encode()


def describe(exc: BaseException, out_of_memory_reason: str) -> str:
    """`ExcType: message (line N)` with N the last line of the user's code on the traceback."""
    known = known_cause(exc, out_of_memory_reason)
    if known is not None:
        return known
    if isinstance(exc, SyntaxError) and exc.filename == FILENAME:
        return clip(f"SyntaxError: {exc.msg} (line {exc.lineno})")
    message = safe_str(exc)
    text = type(exc).__name__ + (f": {message}" if message else "")
    line = user_line(exc)
    return clip(text if line is None else f"{text} (line {line})")


def known_cause(exc: BaseException, out_of_memory_reason: str) -> str | None:
    """The sandbox's own reason when it is on the exception's chain (code that wraps a refusal
    in its own exception still reports the refusal)."""
    current: BaseException | None = exc
    for _ in range(20):
        if current is None:
            return None
        if isinstance(current, Refusal):
            return str(current)
        if isinstance(current, MemoryError):
            return out_of_memory_reason
        reason = current.args[0] if isinstance(current, PermissionError) and current.args else None
        if isinstance(reason, str) and reason.startswith("py3: "):
            return reason
        current = current.__cause__ or current.__context__
    return None


def user_line(exc: BaseException) -> int | None:
    line = None
    trace = exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == FILENAME:
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return "<unprintable>"


def clip(text: str) -> str:
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS] + "..."


def send(reply_fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(reply_fd, view) :]


def finish() -> None:
    """Flushes the code's prints and exits at once: no atexit handler or finaliser of the
    code's runs after the reply."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
