# Execute of a missing portal: 34000.
> E "nope" 0
> S
< ErrorResponse 34000
< ReadyForQuery I
