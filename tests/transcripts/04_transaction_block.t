# BEGIN/COMMIT move ReadyForQuery between I and T.
! DROP TABLE IF EXISTS tr04
! CREATE TABLE tr04 (id int8, v text)
> Q "BEGIN"
> Q "INSERT INTO tr04 VALUES (1, 'a')"
> Q "COMMIT"
> Q "SELECT id FROM tr04"
< CommandComplete BEGIN
< ReadyForQuery T
< CommandComplete INSERT 0 1
< ReadyForQuery T
< CommandComplete COMMIT
< ReadyForQuery I
< RowDescription id:int8
< DataRow 1
< CommandComplete SELECT 1
< ReadyForQuery I
