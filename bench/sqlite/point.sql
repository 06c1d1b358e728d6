\set aid random(1, 100000)
SELECT * FROM t100k WHERE id = :aid;
