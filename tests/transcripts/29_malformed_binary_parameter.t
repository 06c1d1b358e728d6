# A binary int8 parameter of 3 bytes: 22P03 at Bind.
! DROP TABLE IF EXISTS tr29
! CREATE TABLE tr29 (id int8, v text)
> P "" "SELECT v FROM tr29 WHERE id = $1" int8
> B "" "" x"000001"
> E "" 0
> S
< ParseComplete
< ErrorResponse 08P01
< ReadyForQuery I
