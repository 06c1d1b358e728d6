# Execute with a row limit suspends the portal; later Executes continue it.
! DROP TABLE IF EXISTS tr13
! CREATE TABLE tr13 (id int8, v text)
! INSERT INTO tr13 VALUES (1, 'r1'), (2, 'r2'), (3, 'r3'), (4, 'r4'), (5, 'r5')
> Q "BEGIN"
> P "" "SELECT id FROM tr13 ORDER BY id"
> B "p" ""
> E "p" 2
> E "p" 2
> E "p" 2
> S
> Q "COMMIT"
< CommandComplete BEGIN
< ReadyForQuery T
< ParseComplete
< BindComplete
< DataRow 1
< DataRow 2
< PortalSuspended
< DataRow 3
< DataRow 4
< PortalSuspended
< DataRow 5
< CommandComplete SELECT 1
< ReadyForQuery T
< CommandComplete COMMIT
< ReadyForQuery I
