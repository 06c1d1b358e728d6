# An error inside BEGIN leaves the transaction failed (E); later statements get 25P02;
# COMMIT ends it and reports ROLLBACK.
! DROP TABLE IF EXISTS tr05
! CREATE TABLE tr05 (id int8, v text)
> Q "BEGIN"
> Q "INSERT INTO tr05 VALUES (1, 'a')"
> Q "SELECT * FROM tr05_missing"
> Q "SELECT id FROM tr05"
> Q "COMMIT"
> Q "SELECT count(*) AS n FROM tr05"
< CommandComplete BEGIN
< ReadyForQuery T
< CommandComplete INSERT 0 1
< ReadyForQuery T
< ErrorResponse 42P01
< ReadyForQuery E
< ErrorResponse 25P02
< ReadyForQuery E
< CommandComplete ROLLBACK
< ReadyForQuery I
< RowDescription n:int8
< DataRow 0
< CommandComplete SELECT 1
< ReadyForQuery I
