# Outside a transaction block, Sync ends the implicit transaction and its portals.
! DROP TABLE IF EXISTS tr19
! CREATE TABLE tr19 (id int8, v text)
> P "s" "SELECT id FROM tr19"
> B "p" "s"
> S
> E "p" 0
> S
< ParseComplete
< BindComplete
< ReadyForQuery I
< ErrorResponse 34000
< ReadyForQuery I
