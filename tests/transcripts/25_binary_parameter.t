# A binary int8 parameter.
! DROP TABLE IF EXISTS tr25
! CREATE TABLE tr25 (id int8, v text)
! INSERT INTO tr25 VALUES (1, 'one'), (2, 'two')
> P "" "SELECT v FROM tr25 WHERE id = $1" int8
> B "" "" x"0000000000000002"
> E "" 0
> S
< ParseComplete
< BindComplete
< DataRow two
< CommandComplete SELECT 1
< ReadyForQuery I
