# A NULL parameter compares as unknown: no rows.
! DROP TABLE IF EXISTS tr26
! CREATE TABLE tr26 (id int8, v text)
! INSERT INTO tr26 VALUES (1, 'one')
> P "" "SELECT v FROM tr26 WHERE id = $1" int8
> B "" "" NULL
> E "" 0
> S
< ParseComplete
< BindComplete
< CommandComplete SELECT 0
< ReadyForQuery I
