# Closing a statement or portal that does not exist is not an error.
> C S "nope"
> C P "nope"
> S
< CloseComplete
< CloseComplete
< ReadyForQuery I
