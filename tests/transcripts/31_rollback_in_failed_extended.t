# In a failed transaction block, extended-protocol statements get 25P02 until ROLLBACK.
! DROP TABLE IF EXISTS tr31
! CREATE TABLE tr31 (id int8, v text)
> Q "BEGIN"
> Q "SELECT * FROM tr31_missing"
> P "" "SELECT id FROM tr31"
> B "" ""
> E "" 0
> S
> P "" "ROLLBACK"
> B "" ""
> E "" 0
> S
< CommandComplete BEGIN
< ReadyForQuery T
< ErrorResponse 42P01
< ReadyForQuery E
< ErrorResponse 25P02
< ReadyForQuery E
< ParseComplete
< BindComplete
< CommandComplete ROLLBACK
< ReadyForQuery I
