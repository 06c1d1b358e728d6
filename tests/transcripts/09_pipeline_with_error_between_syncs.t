# Three pipelines in one write; the middle one fails; the others are unaffected.
! DROP TABLE IF EXISTS tr09
! CREATE TABLE tr09 (id int8, v text)
! INSERT INTO tr09 VALUES (1, 'a')
> P "" "SELECT id FROM tr09"
> B "" ""
> E "" 0
> S
> P "" "SELECT nope FROM tr09"
> B "" ""
> E "" 0
> S
> P "" "SELECT v FROM tr09"
> B "" ""
> E "" 0
> S
< ParseComplete
< BindComplete
< DataRow 1
< CommandComplete SELECT 1
< ReadyForQuery I
< ErrorResponse 42703
< ReadyForQuery I
< ParseComplete
< BindComplete
< DataRow a
< CommandComplete SELECT 1
< ReadyForQuery I
