# A simple query over a table: RowDescription, DataRows, SELECT n.
! DROP TABLE IF EXISTS tr01
! CREATE TABLE tr01 (id int8, v text)
! INSERT INTO tr01 VALUES (1, 'a'), (2, NULL), (3, 'it''s')
> Q "SELECT id, v FROM tr01 ORDER BY id"
< RowDescription id:int8 v:text
< DataRow 1 a
< DataRow 2 NULL
< DataRow 3 "it's"
< CommandComplete SELECT 3
< ReadyForQuery I
