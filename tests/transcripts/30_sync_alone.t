# A Sync with nothing before it still answers ReadyForQuery.
> S
> S
< ReadyForQuery I
< ReadyForQuery I
