# Parsing an existing named statement fails with 42P05; everything up to Sync is skipped.
! DROP TABLE IF EXISTS tr07
! CREATE TABLE tr07 (id int8, v text)
> P "s1" "SELECT id FROM tr07"
> S
> P "s1" "SELECT v FROM tr07"
> B "" "s1"
> E "" 0
> S
> B "" "s1"
> E "" 0
> S
< ParseComplete
< ReadyForQuery I
< ErrorResponse 42P05
< ReadyForQuery I
< BindComplete
< CommandComplete SELECT 0
< ReadyForQuery I
