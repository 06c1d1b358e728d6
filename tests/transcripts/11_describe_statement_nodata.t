# Describe of a statement that returns no rows: NoData.
! DROP TABLE IF EXISTS tr11
! CREATE TABLE tr11 (id int8, v text)
> P "s" "INSERT INTO tr11 VALUES ($1, $2)" int8 text
> D S "s"
> S
> Q "SELECT count(*) AS n FROM tr11"
< ParseComplete
< ParameterDescription int8 text
< NoData
< ReadyForQuery I
< RowDescription n:int8
< DataRow 0
< CommandComplete SELECT 1
< ReadyForQuery I
