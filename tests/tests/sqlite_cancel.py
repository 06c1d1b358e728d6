"""asyncpg's `timeout=` against examples/sqlite: the query is cancelled server-side and the
connection is usable at once (asyncpg waits for the cancelled query's ReadyForQuery before
running the next one, so a cancel the server ignored would hold `SELECT 1` for 10 s)."""

import asyncio
import sys
import time

import asyncpg


async def main(port: int) -> None:
    conn = await asyncpg.connect(
        host="127.0.0.1", port=port, user="me", database="postgres"
    )
    started = time.monotonic()
    try:
        await conn.fetch("SELECT pg_sleep(10)", timeout=0.5)
    except asyncio.TimeoutError:
        pass
    else:
        sys.exit("pg_sleep(10) returned before the 0.5 s timeout")
    assert await conn.fetchval("SELECT 1") == 1
    # The same again on the same connection: the first cancel left nothing behind.
    try:
        await conn.fetchval("SELECT pg_sleep(10)", timeout=0.5)
    except asyncio.TimeoutError:
        pass
    else:
        sys.exit("second pg_sleep(10) returned before the timeout")
    assert await conn.fetchval("SELECT 2") == 2
    await conn.close()
    print(f"asyncpg timeout ok in {time.monotonic() - started:.2f}s")


asyncio.run(main(int(sys.argv[1])))
