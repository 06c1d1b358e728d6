# Describe of a statement: ParameterDescription then RowDescription, without running it.
! DROP TABLE IF EXISTS tr10
! CREATE TABLE tr10 (id int8, v text)
> P "s" "SELECT id, v FROM tr10 WHERE id = $1" int8
> D S "s"
> S
< ParseComplete
< ParameterDescription int8
< RowDescription id:int8 v:text
< ReadyForQuery I
