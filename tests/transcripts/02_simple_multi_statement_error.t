# An error in a multi-statement Query aborts the rest; the string ran as one implicit
# transaction, so the INSERT before the error is rolled back too.
! DROP TABLE IF EXISTS tr02
! CREATE TABLE tr02 (id int8, v text)
> Q "INSERT INTO tr02 VALUES (1, 'x'); SELECT * FROM tr02_missing; INSERT INTO tr02 VALUES (2, 'y')"
> Q "SELECT count(*) AS n FROM tr02"
< CommandComplete INSERT 0 1
< ErrorResponse 42P01
< ReadyForQuery I
< RowDescription n:int8
< DataRow 0
< CommandComplete SELECT 1
< ReadyForQuery I
