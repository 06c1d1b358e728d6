# A named statement outlives the Sync that ended its transaction.
! DROP TABLE IF EXISTS tr21
! CREATE TABLE tr21 (id int8, v text)
! INSERT INTO tr21 VALUES (4, 'd')
> P "s1" "SELECT v FROM tr21"
> S
> B "" "s1"
> E "" 0
> S
< ParseComplete
< ReadyForQuery I
< BindComplete
< DataRow d
< CommandComplete SELECT 1
< ReadyForQuery I
