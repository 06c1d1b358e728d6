# Messages between Syncs form one implicit transaction: an error rolls back the INSERT
# executed earlier in the same pipeline.
! DROP TABLE IF EXISTS tr23
! CREATE TABLE tr23 (id int8, v text)
> P "" "INSERT INTO tr23 VALUES (1, 'x')"
> B "" ""
> E "" 0
> P "" "SELECT * FROM tr23_missing"
> B "" ""
> E "" 0
> S
> Q "SELECT count(*) AS n FROM tr23"
< ParseComplete
< BindComplete
< CommandComplete INSERT 0 1
< ErrorResponse 42P01
< ReadyForQuery I
< RowDescription n:int8
< DataRow 0
< CommandComplete SELECT 1
< ReadyForQuery I
