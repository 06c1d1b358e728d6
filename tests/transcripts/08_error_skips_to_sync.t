# After a Parse error, Bind/Describe/Execute are skipped until Sync.
! DROP TABLE IF EXISTS tr08
! CREATE TABLE tr08 (id int8, v text)
> P "" "SELEC id FROM tr08"
> B "" ""
> D P ""
> E "" 0
> S
> P "" "SELECT id FROM tr08"
> B "" ""
> E "" 0
> S
< ErrorResponse 42601
< ReadyForQuery I
< ParseComplete
< BindComplete
< CommandComplete SELECT 0
< ReadyForQuery I
