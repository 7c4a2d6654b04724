"""An example flowauto executor: `upper` (sync), `slow_sum` (async, answers through the
callback) and `fail` (always raises, to see how failures reach a run).

    python examples/echo_executor.py --port 9000
    curl localhost:9000/flowauto-executor.json   # the document to import into flowauto

Tests import `app` (and `executor`) from here.
"""

from __future__ import annotations

import argparse
import asyncio

from pydantic import BaseModel, Field

from flowauto.sdk import Executor

executor = Executor("echo", "Echo", description="Example actions for trying executors out.")


class Text(BaseModel):
    text: str


class Numbers(BaseModel):
    numbers: list[float]
    delay_ms: int = Field(default=200, ge=0, le=60_000)


class Total(BaseModel):
    total: float


class Nothing(BaseModel):
    pass


@executor.action(key="upper", name="Upper-case")
async def upper(inputs: Text) -> Text:
    """Returns the text in upper case."""
    return Text(text=inputs.text.upper())


@executor.action(key="slow_sum", name="Slow sum", mode="async", timeout_ms=60_000)
async def slow_sum(inputs: Numbers) -> Total:
    """Adds the numbers after waiting `delay_ms`, standing in for long work."""
    await asyncio.sleep(inputs.delay_ms / 1000)
    return Total(total=sum(inputs.numbers))


@executor.action(key="fail", name="Fail")
async def fail(inputs: Nothing) -> Nothing:
    """Always raises, so a run shows how a failing step looks."""
    raise RuntimeError("this action always fails")


app = executor.asgi()


def main() -> None:
    import uvicorn  # only needed to serve, not to import `app`

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
