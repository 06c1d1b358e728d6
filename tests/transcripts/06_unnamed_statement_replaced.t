# A second Parse of the unnamed statement replaces the first.
! DROP TABLE IF EXISTS tr06
! CREATE TABLE tr06 (id int8, v text)
! INSERT INTO tr06 VALUES (1, 'one'), (2, 'two')
> P "" "SELECT id FROM tr06 WHERE id = 1"
> P "" "SELECT v FROM tr06 WHERE id = 2"
> B "" ""
> D P ""
> E "" 0
> S
< ParseComplete
< ParseComplete
< BindComplete
< RowDescription v:text
< DataRow two
< CommandComplete SELECT 1
< ReadyForQuery I
