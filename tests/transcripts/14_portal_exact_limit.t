# A limit equal to the rows left still suspends; the next Execute completes with 0 rows.
! DROP TABLE IF EXISTS tr14
! CREATE TABLE tr14 (id int8, v text)
! INSERT INTO tr14 VALUES (1, 'a'), (2, 'b')
> P "" "SELECT id FROM tr14 ORDER BY id"
> B "" ""
> E "" 2
> E "" 2
> S
< ParseComplete
< BindComplete
< DataRow 1
< DataRow 2
< PortalSuspended
< CommandComplete SELECT 0
< ReadyForQuery I
