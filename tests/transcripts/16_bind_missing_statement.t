# Bind to a missing statement: 26000.
> B "" "nope"
> E "" 0
> S
> B "" ""
> S
< ErrorResponse 26000
< ReadyForQuery I
< ErrorResponse 26000
< ReadyForQuery I
