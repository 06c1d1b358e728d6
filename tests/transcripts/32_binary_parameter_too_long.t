# A binary int8 parameter of 9 bytes: 22P03 "incorrect binary data format in bind parameter 1".
! DROP TABLE IF EXISTS tr32
! CREATE TABLE tr32 (id int8, v text)
> P "" "SELECT v FROM tr32 WHERE id = $1" int8
> B "" "" x"000000000000000001"
> E "" 0
> S
< ParseComplete
< ErrorResponse 22P03
< ReadyForQuery I
