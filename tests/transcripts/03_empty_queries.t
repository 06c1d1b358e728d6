# Empty strings and lone semicolons answer EmptyQueryResponse.
> Q ""
> Q ";"
> Q "  -- just a comment"
< EmptyQueryResponse
< ReadyForQuery I
< EmptyQueryResponse
< ReadyForQuery I
< EmptyQueryResponse
< ReadyForQuery I
