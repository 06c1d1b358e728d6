# Bind with the wrong number of parameters: 08P01, and the session goes on.
! DROP TABLE IF EXISTS tr18
! CREATE TABLE tr18 (id int8, v text)
> P "s" "SELECT v FROM tr18 WHERE id = $1" int8
> B "" "s" 1 2
> E "" 0
> S
> B "" "s" 1
> E "" 0
> S
< ParseComplete
< ErrorResponse 08P01
< ReadyForQuery I
< BindComplete
< CommandComplete SELECT 0
< ReadyForQuery I
