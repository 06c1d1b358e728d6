# Command tags of writes, in both protocols.
! DROP TABLE IF EXISTS tr27
! CREATE TABLE tr27 (id int8, v text)
> P "" "INSERT INTO tr27 VALUES ($1, $2)" int8 text
> B "" "" 1 "a"
> E "" 0
> B "" "" 2 "b"
> E "" 0
> S
> Q "UPDATE tr27 SET v = 'z'"
> Q "DELETE FROM tr27 WHERE id = 1"
< ParseComplete
< BindComplete
< CommandComplete INSERT 0 1
< BindComplete
< CommandComplete INSERT 0 1
< ReadyForQuery I
< CommandComplete UPDATE 2
< ReadyForQuery I
< CommandComplete DELETE 1
< ReadyForQuery I
