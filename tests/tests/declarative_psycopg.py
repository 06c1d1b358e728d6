"""psycopg 3 against examples/declarative: the default cursor binds parameters on the
server (extended protocol, $n), ClientCursor inlines them as literals (simple protocol).
Usage: python declarative_psycopg.py PORT"""

import datetime
import sys

import psycopg

PORT = int(sys.argv[1])
COLS = "id, title, author, year, price, in_stock"


def check(conn, label, marker):
    title = f"{marker} O'Brien's"
    with conn.cursor() as cur:
        cur.execute(f"SELECT {COLS} FROM books WHERE id = %s", (1,))
        assert cur.fetchone() == (1, "Dune", "Frank Herbert", 1965, 9.99, True)
        cur.execute(f"SELECT {COLS} FROM books WHERE id = %s", (4,))
        assert cur.fetchone()[3] is None
        cur.execute(
            "INSERT INTO books (title, author, year, price) VALUES (%s, %s, %s, %s)",
            (title, "psycopg", None, 1.25),
        )
        assert cur.rowcount == 1, cur.rowcount
        assert cur.statusmessage == "INSERT 0 1", cur.statusmessage
        cur.execute(
            f"SELECT {COLS} FROM books WHERE starts_with(title, %s) ORDER BY id", (marker,)
        )
        rows = cur.fetchall()
        assert len(rows) == 1 and rows[0][1] == title and rows[0][3] is None, rows
        book_id = rows[0][0]
        cur.execute(
            "UPDATE books SET price = %s, in_stock = %s WHERE id = %s", (2.0, False, book_id)
        )
        assert cur.rowcount == 1
        cur.execute("DELETE FROM books WHERE id = %s", (book_id,))
        assert cur.rowcount == 1
        cur.execute("SELECT user, database, books_visible FROM whoami")
        assert cur.fetchone()[:2] == ("dave", "shop")
        cur.execute(
            "SELECT id, title, added FROM books WHERE added >= %s ORDER BY id",
            (datetime.date(2024, 1, 2),),
        )
        assert cur.fetchone() == (4, "The Anonymous Book", datetime.date(2024, 1, 2))
        cur.execute("SELECT seq, book_id, amount FROM sales_report LIMIT %s", (3,))
        assert [r[0] for r in cur.fetchall()] == [1, 2, 3]
    conn.commit()
    # Wrong parameter type: 22P02 naming the parameter.
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT {COLS} FROM books WHERE id = %s", ("abc",))
        raise AssertionError("expected an error")
    except psycopg.errors.InvalidTextRepresentation as e:
        assert "bigint" in str(e), e
        assert e.diag.context == "parameter $1 (id)", e.diag.context
    conn.rollback()
    # Unmatched statement: 0A000 with a hint.
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT title FROM books WHERE id = %s", (1,))
        raise AssertionError("expected an error")
    except psycopg.errors.FeatureNotSupported as e:
        assert "closest route" in (e.diag.message_hint or ""), e.diag.message_hint
    conn.rollback()
    print(f"{label} ok")


with psycopg.connect(f"host=127.0.0.1 port={PORT} user=dave dbname=shop") as conn:
    check(conn, "server-side binding", "srv-bind")

with psycopg.connect(
    f"host=127.0.0.1 port={PORT} user=dave dbname=shop", cursor_factory=psycopg.ClientCursor
) as conn:
    check(conn, "client-side binding", "cli-bind")

# asyncpg (also in the venv): prepared statements, binary formats, a transaction block.
try:
    import asyncio

    import asyncpg
except ImportError:
    asyncpg = None

if asyncpg is not None:

    async def with_asyncpg():
        c = await asyncpg.connect(host="127.0.0.1", port=PORT, user="erin", database="shop")
        row = await c.fetchrow(f"SELECT {COLS} FROM books WHERE id = $1", 2)
        assert row["title"] == "Dubliners" and row["in_stock"] is True, row
        assert await c.execute("DELETE FROM books WHERE id = $1", 987654) == "DELETE 0"
        async with c.transaction():
            rows = await c.fetch("SELECT seq, book_id, amount FROM sales_report LIMIT $1", 2)
            assert [r["seq"] for r in rows] == [1, 2], rows
        await c.close()
        print("asyncpg ok")

    asyncio.run(with_asyncpg())
