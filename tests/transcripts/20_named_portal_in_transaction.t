# Inside BEGIN, a named portal lives across Syncs.
! DROP TABLE IF EXISTS tr20
! CREATE TABLE tr20 (id int8, v text)
! INSERT INTO tr20 VALUES (1, 'a'), (2, 'b'), (3, 'c')
> Q "BEGIN"
> P "s" "SELECT id FROM tr20 ORDER BY id"
> B "p" "s"
> E "p" 1
> S
> E "p" 1
> S
> E "p" 0
> S
> Q "COMMIT"
< CommandComplete BEGIN
< ReadyForQuery T
< ParseComplete
< BindComplete
< DataRow 1
< PortalSuspended
< ReadyForQuery T
< DataRow 2
< PortalSuspended
< ReadyForQuery T
< DataRow 3
< CommandComplete SELECT 1
< ReadyForQuery T
< CommandComplete COMMIT
< ReadyForQuery I
