# After Close, the statement is gone: 26000.
! DROP TABLE IF EXISTS tr22
! CREATE TABLE tr22 (id int8, v text)
> P "s1" "SELECT v FROM tr22"
> C S "s1"
> S
> B "" "s1"
> S
< ParseComplete
< CloseComplete
< ReadyForQuery I
< ErrorResponse 26000
< ReadyForQuery I
