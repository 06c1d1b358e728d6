# Describe of a portal reports the result formats chosen at Bind.
! DROP TABLE IF EXISTS tr12
! CREATE TABLE tr12 (id int8, v text)
! INSERT INTO tr12 VALUES (7, 'seven')
> P "" "SELECT id, v FROM tr12"
> B "" "" rf=1,0
> D P ""
> E "" 0
> S
< ParseComplete
< BindComplete
< RowDescription id:int8:binary v:text
< DataRow x"0000000000000007" seven
< CommandComplete SELECT 1
< ReadyForQuery I
