# Flush delivers what is ready without ending the pipeline.
! DROP TABLE IF EXISTS tr24
! CREATE TABLE tr24 (id int8, v text)
> P "" "SELECT id FROM tr24"
> H
> B "" ""
> E "" 0
> S
< ParseComplete
< BindComplete
< CommandComplete SELECT 0
< ReadyForQuery I
