"""psycopg 3 cursor.copy against the sqlite example (run by sqlite_copy.rs).

Usage: python sqlite_copy_psycopg.py PORT
"""

import sys

import psycopg

port = int(sys.argv[1])
rows = []
for i in range(1, 5001):
    s = [None, "tab\there", "new\nline", "back\\slash", 'quote " \' ,', "héllo ✓ 日本", ""][i % 7]
    f = None if i % 5 == 0 else (i - 2500) / 8
    rows.append((i, s, f))

with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True) as conn:
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS py_copy")
    cur.execute("CREATE TABLE py_copy (id bigint, s text, f double precision)")

    # Text format: psycopg writes the rows, reads them back typed and as raw blocks.
    with cur.copy("COPY py_copy (id, s, f) FROM STDIN") as copy:
        for r in rows:
            copy.write_row(r)
    assert cur.rowcount == len(rows), cur.rowcount
    with cur.copy("COPY py_copy TO STDOUT") as copy:
        copy.set_types(["int8", "text", "float8"])
        got = list(copy.rows())
    assert got == rows, (got[:3], rows[:3])
    with cur.copy("COPY (SELECT id, s FROM py_copy WHERE id <= 2) TO STDOUT WITH (FORMAT csv)") as copy:
        data = b"".join(bytes(b) for b in copy)
    assert data == b'1,tab\there\n2,"new\nline"\n', data
    print("text copy ok")

    # Binary format, both ways.
    cur.execute("DELETE FROM py_copy")
    with cur.copy("COPY py_copy FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["int8", "text", "float8"])
        for r in rows:
            copy.write_row(r)
    with cur.copy("COPY py_copy TO STDOUT (FORMAT BINARY)") as copy:
        copy.set_types(["int8", "text", "float8"])
        got = list(copy.rows())
    assert got == rows, (got[:3], rows[:3])

    # A failing COPY in a transaction: nothing applied, the block fails.
    conn.autocommit = False
    try:
        with cur.copy("COPY py_copy FROM STDIN") as copy:
            copy.write(b"1\tok\t1\nnot a number\tx\t1\n")
        raise AssertionError("bad row accepted")
    except psycopg.errors.InvalidTextRepresentation as e:
        assert "line 2, column id" in (e.diag.context or ""), e.diag.context
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
    conn.rollback()
    cur.execute("SELECT count(*) FROM py_copy")
    assert cur.fetchone()[0] == len(rows)
    print("binary copy ok")
