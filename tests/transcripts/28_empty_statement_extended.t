# An empty statement through the extended protocol: NoData on Describe, then
# EmptyQueryResponse on Execute.
> P "" ""
> B "" ""
> D P ""
> E "" 0
> S
< ParseComplete
< BindComplete
< NoData
< EmptyQueryResponse
< ReadyForQuery I
