"""The py3 sandbox with real child processes: outputs, failures, limits and refusals."""

from __future__ import annotations

import asyncio
import dis
import os
import time
from collections.abc import Callable, Iterator
from types import CodeType
from typing import Any

import pytest

from flowauto.application.run_service import RunRequest
from flowauto.bootstrap import build_in_memory
from flowauto.domain.run import RunStatus
from flowauto.domain.step_failure import StepFailure
from flowauto.driven_adapters.py3 import sandbox_main
from flowauto.driven_adapters.py3.subprocess_code_runner import SubprocessCodeRunner
from flowauto.ports.code_runner import CodeCall
from tests.engine import ADMIN, create_dag, manual, settled, step

# Tight limits keep the limit tests fast.
FAST = {"cpu_seconds": 1, "memory_mb": 64, "wall_ms": 1500}


async def run(code: str, **inputs: Any) -> dict[str, Any]:
    return await SubprocessCodeRunner(**FAST).run(CodeCall(code=code, inputs=inputs))


async def failure(code: str, **limits: int) -> str:
    with pytest.raises(StepFailure) as caught:
        await SubprocessCodeRunner(**{**FAST, **limits}).run(CodeCall(code=code))
    return caught.value.reason


async def test_inputs_reach_main_and_output_names_pick_the_outputs() -> None:
    code = "def main(a, b):\n    return {'sum': a + b, 'product': a * b, 'extra': [a]}"
    call = CodeCall(code=code, inputs={"a": 2, "b": 3}, output_names=("sum", "missing"))

    assert await SubprocessCodeRunner(**FAST).run(call) == {"sum": 5, "missing": None}
    assert await run(code, a=2, b=3) == {"sum": 5, "product": 6, "extra": [2]}


async def test_stdlib_imports_work_and_prints_do_not_corrupt_the_reply() -> None:
    code = (
        "import datetime, json, math, re\n"
        "def main(**inputs):\n"
        "    print('{\"ok\": false}')\n"
        "    return {'root': math.sqrt(16), 'day': datetime.date(2024, 1, 2).isoformat(),\n"
        "            'words': re.findall(r'\\w+', 'a b'), 'text': json.dumps([1])}\n"
    )
    assert await run(code) == {"root": 4.0, "day": "2024-01-02", "words": ["a", "b"], "text": "[1]"}


async def test_an_exception_names_its_type_message_and_line() -> None:
    reason = await failure("def main(**inputs):\n    x = 1\n    return {'x': x / 0}")
    assert reason == "ZeroDivisionError: division by zero (line 3)"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("x = 1", "py3: the code must define a function main(**inputs)"),
        ("def main(**inputs):\n    return [1]", "py3: main must return an object (a dict)"),
        ("def main(**inputs):\n    return {'s': {1}}", "py3: output 's' is not JSON-serialisable"),
        ("def main(:", "SyntaxError: invalid syntax (line 1)"),
    ],
)
async def test_code_that_breaks_the_contract_fails_clearly(code: str, expected: str) -> None:
    assert (await failure(code)).startswith(expected)


async def test_a_cpu_loop_hits_the_cpu_limit() -> None:
    reason = await failure("def main(**inputs):\n    while True:\n        pass", wall_ms=5000)
    assert reason == "py3: CPU time limit of 1 s exceeded"


async def test_a_huge_allocation_hits_the_memory_limit() -> None:
    reason = await failure("def main(**inputs):\n    return {'n': len(bytearray(2**30))}")
    assert reason == "py3: memory limit of 64 MB exceeded"


async def test_most_of_the_memory_limit_is_usable_by_the_code() -> None:
    # The interpreter's own footprint is granted on top of memory_mb, not taken from it.
    code = "def main(**inputs):\n    return {'n': len(bytearray(48 * 2**20))}"
    assert await run(code) == {"n": 48 * 2**20}


async def test_sleeping_hits_the_wall_clock_limit() -> None:
    started = time.monotonic()
    reason = await failure("import time\ndef main(**inputs):\n    time.sleep(5)")
    assert reason == "py3: wall-clock limit of 1500 ms exceeded"
    assert time.monotonic() - started < 3


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "import socket\nsocket.create_connection(('127.0.0.1', 80))",
            "py3: network access is not allowed",
        ),
        ("open('/etc/passwd').read()", "py3: file access outside the sandbox is not allowed"),
        ("open('../escape.txt', 'w')", "py3: file access outside the sandbox is not allowed"),
        ("import subprocess\nsubprocess.run(['ls'])", "py3: starting processes is not allowed"),
        ("import os\nos.fork()", "py3: starting processes is not allowed"),
        (
            "import importlib, sys\ndel sys.modules['_posixsubprocess']\n"
            "importlib.import_module('_posixsubprocess')",
            "py3: starting processes is not allowed",
        ),
        ("import os\nos.kill(os.getppid(), 0)", "py3: sending signals to processes is not allowed"),
        ("import ctypes", "py3: loading native code is not allowed"),
        (
            "import resource\nresource.setrlimit(resource.RLIMIT_CPU, (99, 99))",
            "py3: changing resource limits is not allowed",
        ),
    ],
)
async def test_the_sandbox_refuses(code: str, expected: str) -> None:
    body = "\n".join(f"    {line}" for line in code.splitlines())
    assert await failure(f"def main(**inputs):\n{body}\n    return {{}}") == expected


async def test_files_in_the_working_directory_are_allowed() -> None:
    code = (
        "import os\n"
        "def main(**inputs):\n"
        "    with open('note.txt', 'w') as f:\n"
        "        f.write('hello')\n"
        "    return {'text': open('note.txt').read(), 'names': os.listdir('.')}\n"
    )
    assert await run(code) == {"text": "hello", "names": ["note.txt"]}


async def test_the_environment_is_empty() -> None:
    code = "import os\ndef main(**inputs):\n    return {'env': dict(os.environ)}"
    assert await run(code) == {"env": {}}


async def test_rebinding_builtins_or_the_sandbox_globals_does_not_disarm_the_hook() -> None:
    code = (
        "import builtins, sys\n"
        "builtins.issubclass = lambda *args: False\n"
        "builtins.type = lambda *args: str\n"
        "vars(sys.modules['__main__']).update(FILES=None, READ_EVENTS=frozenset())\n"
        "def main(**inputs):\n"
        "    return {'secret': open('/etc/passwd').read()}\n"
    )
    assert await failure(code) == "py3: file access outside the sandbox is not allowed"


def test_the_hook_looks_up_no_globals_when_it_runs() -> None:
    factories = [
        sandbox_main.make_guard, sandbox_main.event_rule, sandbox_main.open_rule,
        sandbox_main.import_rule, sandbox_main.path_events, sandbox_main.path_rule,
        sandbox_main.text_converter, sandbox_main.normaliser,
    ]  # fmt: skip
    nested = list(_nested_code(factories))
    loads = [
        (code.co_name, instruction.argval)
        for code in nested
        for instruction in dis.get_instructions(code)
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME")
    ]
    assert {"guard", "reason_for", "allowed", "as_text", "normal"} <= {c.co_name for c in nested}
    assert loads == []


async def test_cancelling_the_run_kills_and_reaps_the_child() -> None:
    runner = SubprocessCodeRunner(**{**FAST, "wall_ms": 10_000})
    task = asyncio.create_task(
        runner.run(CodeCall(code="import time\ndef main(**inputs):\n    time.sleep(5)"))
    )
    for _ in range(100):
        if runner.last_pid is not None:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)  # let the child get into its sleep
    pid = runner.last_pid
    assert pid is not None

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def _nested_code(factories: list[Callable[..., Any]]) -> Iterator[CodeType]:
    """The code of every function defined inside the factories (what runs as the hook)."""
    pending = [const for f in factories for const in f.__code__.co_consts]
    while pending:
        const = pending.pop()
        if isinstance(const, CodeType):
            yield const
            pending.extend(const.co_consts)


async def test_a_py3_step_runs_in_a_dag_and_is_refused_when_disabled() -> None:
    code = "def main(a, b):\n    return {'sum': a + b, 'noise': 1}\n"
    py3 = step("2", "@internal/tool/py3", code=code,
               input_params=[{"key": "a", "value": 2}, {"key": "b", "value": "{{__vars.b}}"}],
               output_params=["sum"])  # fmt: skip
    for services, expected in (
        (build_in_memory(code=SubprocessCodeRunner()), RunStatus.SUCCESS),
        (build_in_memory(), RunStatus.FAILED),
    ):
        dag = await create_dag(services, manual(), py3, variables=("b",))
        run_id = await services.runs.start(ADMIN, dag.id, RunRequest(vars={"b": 40}))
        run = await settled(services, run_id)
        assert run.status is expected, run.reason
        if expected is RunStatus.SUCCESS:
            tasks = {t.key: t for t in await services.runs.tasks(ADMIN, run_id, ())}
            assert tasks["2"].outputs == {"outputs": {"sum": 42}}
        else:
            assert "FLOWAUTO_PY3__ENABLED" in run.reason
